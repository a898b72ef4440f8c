/**
 * From answers to the facts every file is rendered from: per account, the provider ARN, whether that
 * stack deploys the provider, each role's name, ARN and trust. Templates only print these.
 */
import type { Answers, RoleAnswer } from '../answers/answers.ts';
import { roleFullName, stateRoleArn } from '../answers/answers.ts';
import { partitionOf } from '../answers/regions.ts';
import { subjectRepo, trustPattern, trustEntryWarnings, type TrustWarning } from './trust.ts';

export const CATALOG_IMPORT = 'catalog/github-ci';
export const PRO_MIXIN_IMPORT = 'mixins/atmos-pro';
export const PROFILE_NAME = 'github';
export const PROVIDER_NAME = 'github-oidc';
export const PROVIDER_COMPONENT = 'github-oidc-provider';
export const OIDC_PROVIDER_SOURCE = { uri: 'github.com/cloudposse-terraform-components/aws-github-oidc-provider.git//src', version: 'v1.535.1' };
export const IAM_ROLE_SOURCE = { uri: 'github.com/cloudposse-terraform-components/aws-iam-role.git//src', version: 'v1.537.0' };

export interface RoleModel {
  answer: RoleAnswer;
  /** The Atmos component instance, `iam-role/<name>`. */
  component: string;
  isAdmin: boolean;
  /** Entries as the component receives them: `{stage}` left in, ids applied. */
  entries: string[];
  /** True when an entry names `{stage}`, so each stack sets its own `trusted_github_repos`. */
  perStage: boolean;
}

export interface AccountRole {
  role: RoleModel;
  roleName: string;
  arn: string;
  entries: string[];
  patterns: string[];
}

export interface AccountModel {
  stage: string;
  /** The stack name (`-s`): the stage, or the name of the adopted stack the account's components go into. */
  stackName: string;
  id: string;
  providerArn: string;
  /** This stack applies `github-oidc-provider`; false when reused or deployed by an earlier stage of the same account. */
  deploysProvider: boolean;
  reusesProvider: boolean;
  /** The first stage that deploys the provider into this account, when another stage does. */
  providerStage: string | null;
  roles: AccountRole[];
  /** The GitHub Environment this stack's apply job runs in. */
  applyEnvironment: string;
  manifestPath: string;
}

export interface Model {
  answers: Answers;
  partition: string;
  subjectRepository: string;
  trustedOrg: string;
  roles: RoleModel[];
  planRole: RoleModel;
  applyRole: RoleModel;
  accounts: AccountModel[];
  deploysAnyProvider: boolean;
  stacksBasePath: string;
  warnings: TrustWarning[];
  /** The profile the workflows activate (PROFILE_NAME unless an adopted repository has its own). */
  profileName: string;
  /** Jobs that use the plan role name it (ATMOS_IDENTITY) instead of relying on the default identity. */
  planIdentityExplicit: boolean;
  /** Workflow file each of ours is written to, when an adopted repository has one of that name. */
  workflowFiles: Record<string, string>;
  /** The directory of an adopted atmos.yaml that is not at the root: workflows set ATMOS_CLI_CONFIG_PATH to it. */
  atmosConfigDir: string | null;
  /** The role for Terraform state (backend role_arn and the roles' assume statement), or null. */
  stateRoleArn: string | null;
  /** `<stacks>/orgs/<namespace>/_defaults.yaml` when the tool writes the backend there, else null. */
  defaultsPath: string | null;
  /** What every generated stack imports for its backend: our `_defaults`, an existing file, or nothing. */
  backendImport: string | null;
}

export function expandStage(text: string, stage: string): string {
  return text.replaceAll('{stage}', stage);
}

function isAdminPolicy(arn: string): boolean {
  return /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/.test(arn);
}

/**
 * Rewrite an entry naming the answers' repository into the immutable `owner@id/repo@id` form,
 * since GitHub then sends only that form and a name-only pattern never matches.
 */
function applyIds(entry: string, answers: Answers): string {
  if (!answers.repository_ids) return entry;
  const colon = entry.indexOf(':');
  const repoPart = colon === -1 ? entry : entry.slice(0, colon);
  const rest = colon === -1 ? '' : entry.slice(colon);
  const [owner, repo] = answers.repository.split('/');
  const full = repoPart.includes('/') ? repoPart : `${owner}/${repoPart}`;
  if (full.toLowerCase() !== answers.repository.toLowerCase()) return entry;
  return `${owner}@${answers.repository_ids.owner}/${repo}@${answers.repository_ids.repo}${rest}`;
}

/** Build the model. `stacksBasePath` is where stack manifests live (from an existing `atmos.yaml`). */
export function buildModel(answers: Answers, stacksBasePath = 'stacks', existingBackendImport: string | null = null): Model {
  const partition = partitionOf(answers.region);
  const owner = answers.repository.split('/')[0];
  const trustedOrg = answers.repository_ids ? `${owner}@${answers.repository_ids.owner}` : owner;
  const roles: RoleModel[] = answers.roles.map((answer) => {
    const entries = answer.trust.map((e) => applyIds(e, answers));
    return {
      answer,
      component: `iam-role/${answer.name}`,
      isAdmin: answer.policies.some(isAdminPolicy),
      entries,
      perStage: entries.some((e) => e.includes('{stage}')),
    };
  });
  const warnings = roles.flatMap((r) => r.answer.trust.flatMap((e) => trustEntryWarnings(e, r.isAdmin)));

  const providerDeployedIn = new Map<string, string>();
  const reusedIn = new Map<string, string>();
  for (const account of answers.accounts) if (account.oidc_provider_arn) reusedIn.set(account.id, account.oidc_provider_arn);

  const accounts: AccountModel[] = answers.accounts.map((account) => {
    const reused = reusedIn.get(account.id) ?? null;
    const providerArn = reused ?? `arn:${partition}:iam::${account.id}:oidc-provider/token.actions.githubusercontent.com`;
    const firstStage = providerDeployedIn.get(account.id) ?? null;
    const deploysProvider = !reused && firstStage === null;
    if (deploysProvider) providerDeployedIn.set(account.id, account.stage);
    return {
      stage: account.stage,
      stackName: account.stage,
      id: account.id,
      providerArn,
      deploysProvider,
      reusesProvider: Boolean(reused),
      providerStage: deploysProvider ? account.stage : firstStage,
      applyEnvironment: expandStage(answers.apply_environment, account.stage),
      manifestPath: `${stacksBasePath}/orgs/${answers.namespace}/${account.stage}.yaml`,
      roles: roles.map((role) => {
        const roleName = roleFullName(answers.namespace, account.stage, role.answer.name);
        const entries = role.entries.map((e) => expandStage(e, account.stage));
        return {
          role,
          roleName,
          arn: `arn:${partition}:iam::${account.id}:role/${roleName}`,
          entries,
          patterns: entries.map((e) => trustPattern(e, trustedOrg)),
        };
      }),
    };
  });

  const writesDefaults = answers.backend?.type === 's3' || answers.backend?.type === 'local';
  const planRole = roles.find((r) => r.answer.used_for.includes('plan'));
  const applyRole = roles.find((r) => r.answer.used_for.includes('apply'));
  if (!planRole || !applyRole) throw new Error('answers were not resolved: no plan or apply role');
  return {
    answers,
    partition,
    subjectRepository: subjectRepo(answers.repository, answers.repository_ids),
    trustedOrg,
    roles,
    planRole,
    applyRole,
    accounts,
    deploysAnyProvider: accounts.some((a) => a.deploysProvider),
    stacksBasePath,
    warnings,
    profileName: PROFILE_NAME,
    planIdentityExplicit: false,
    workflowFiles: {},
    atmosConfigDir: null,
    stateRoleArn: stateRoleArn(answers),
    defaultsPath: writesDefaults ? `${stacksBasePath}/orgs/${answers.namespace}/_defaults.yaml` : null,
    backendImport: writesDefaults ? `orgs/${answers.namespace}/_defaults` : answers.backend?.type === 'existing' ? existingBackendImport : null,
  };
}
