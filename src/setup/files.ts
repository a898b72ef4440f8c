/**
 * What lands in the user's repository: each file rendered from the model, with who owns it.
 * `managed` files (workflows) are the tool's alone; `shared` files (catalog, stacks, profile,
 * mixin) are the user's too; `once` is written only when absent; `lines` appends missing lines.
 */
import type { Model, RoleModel } from './model.ts';
import { CATALOG_IMPORT, IAM_ROLE_SOURCE, OIDC_PROVIDER_SOURCE, PRO_MIXIN_IMPORT, PROFILE_NAME, PROVIDER_COMPONENT, PROVIDER_NAME } from './model.ts';
import { renderTemplate } from './render.ts';
import { describeEntries } from './trust.ts';
import { assertWorkflowRules } from './workflow-rules.ts';
import { VERSION } from './version.ts';

export type Ownership = 'managed' | 'shared' | 'once' | 'lines';

export interface RenderedFile {
  path: string;
  content: string;
  ownership: Ownership;
}

export const CATALOG_PATH = (m: Model): string => `${m.stacksBasePath}/catalog/github-ci.yaml`;
export const PRO_MIXIN_PATH = (m: Model): string => `${m.stacksBasePath}/mixins/atmos-pro.yaml`;
export const PROFILE_PATH = `profiles/${PROFILE_NAME}/atmos.yaml`;
export const WORKFLOWS_DIR = '.github/workflows';
/** The stub for account-map/modules/iam-roles, repository-relative (see templates/components/iam-roles-stub.tf.hbs). */
export const IAM_ROLES_STUB_DIR = 'components/terraform/iam-roles-stub';
export const IAM_ROLES_STUB_PATH = `${IAM_ROLES_STUB_DIR}/main.tf`;

function roleComment(model: Model, role: RoleModel): string {
  const uses = role.answer.used_for.length ? `used by the ${role.answer.used_for.join(' and ')} jobs` : 'not used by the generated workflows';
  return `Identity ${role.answer.identity}, ${uses}. Trusted for: ${trustInWords(model, role)}.`;
}

/**
 * Who a role trusts, in words, without naming stages: for the workflows, which do not change when
 * an account is added. `{stage}` reads as the stack's own stage.
 */
export function trustInGeneral(model: Model, role: RoleModel): string {
  return describeEntries(role.entries, model.trustedOrg)
    .replaceAll('GitHub Environment {stage}', "the GitHub Environment named after the stack's stage")
    .replaceAll('{stage}', "<the stack's stage>");
}

/** Who a role trusts, in words; an entry with `{stage}` is spelt out per stack with its real name. */
export function trustInWords(model: Model, role: RoleModel): string {
  if (!role.perStage) return describeEntries(role.entries, model.trustedOrg);
  return model.accounts
    .map((account) => {
      const entries = account.roles.find((r) => r.role === role)?.entries ?? [];
      return `in stack ${account.stage}, ${describeEntries(entries, model.trustedOrg)}`;
    })
    .join('; ');
}

/** The catalog: the provider component (unless every account reuses one) and one instance per role. */
export function renderCatalog(model: Model): string {
  return renderTemplate('catalog/github-ci.yaml.hbs', {
    stacksBasePath: model.stacksBasePath,
    namespace: model.answers.namespace,
    deploysAnyProvider: model.deploysAnyProvider,
    providerComponent: PROVIDER_COMPONENT,
    providerSource: OIDC_PROVIDER_SOURCE,
    roleSource: IAM_ROLE_SOURCE,
    trustedOrg: model.trustedOrg,
    stateRoleArn: model.stateRoleArn ?? false,
    stubDir: IAM_ROLES_STUB_DIR,
    roles: model.roles.map((role) => ({
      component: role.component,
      comment: roleComment(model, role),
      name: role.answer.name,
      description: `IAM role for GitHub Actions CI/CD (${role.answer.identity}). Trusts the GitHub OIDC provider for keyless authentication.`,
      policies: role.answer.policies,
      perStage: role.perStage,
      entries: role.entries,
      trustSummary: model.accounts.map((a) => `${a.stage}: ${(a.roles.find((r) => r.role === role)?.entries ?? []).join(', ')}`).join('; '),
    })),
  });
}

/** One stack manifest per account, named after its stage, carrying that account's ARNs. */
export function renderAccountStack(model: Model, index: number): string {
  const account = model.accounts[index];
  const providerNote = account.reusesProvider
    ? `this account already has a GitHub OIDC provider (${account.providerArn}); it is reused, not deployed`
    : `stack "${account.providerStage}" deploys this account's GitHub OIDC provider`;
  return renderTemplate('stacks/account.yaml.hbs', {
    stage: account.stage,
    id: account.id,
    namespace: model.answers.namespace,
    region: model.answers.region,
    providerComponent: PROVIDER_COMPONENT,
    deploysProvider: account.deploysProvider,
    providerNote,
    providerArn: account.providerArn,
    catalogImport: CATALOG_IMPORT,
    proMixinImport: PRO_MIXIN_IMPORT,
    backendImport: model.backendImport ?? false,
    atmosPro: model.answers.atmos_pro,
    profileName: model.profileName,
    roles: account.roles,
  });
}

/** The stacks' `_defaults.yaml`: the state backend every generated stack imports (s3 or local). */
export function renderDefaults(model: Model): string {
  const b = model.answers.backend;
  const s3 = b?.type === 's3' ? b : null;
  return renderTemplate('stacks/defaults.yaml.hbs', {
    dir: `${model.stacksBasePath}/orgs/${model.answers.namespace}`,
    local: b?.type === 'local',
    bucket: s3?.bucket ?? '',
    region: s3?.region ?? '',
    keyPrefix: s3?.key_prefix ?? false,
    dynamodbTable: s3?.dynamodb_table ?? false,
    roleArn: model.stateRoleArn ?? false,
  });
}

/** The GitHub Environment expression Atmos Pro passes to the apply workflow for each stack. */
export function githubEnvironmentInput(applyEnvironment: string): string {
  return applyEnvironment.replaceAll('{stage}', '{{ .vars.stage }}');
}

export function renderProMixin(model: Model): string {
  return renderTemplate('stacks/atmos-pro.yaml.hbs', {
    pullRequestEvents: ['opened', 'synchronize', 'reopened'],
    githubEnvironment: githubEnvironmentInput(model.answers.apply_environment),
    planWorkflow: workflowFile(model, 'atmos-terraform-plan.yaml'),
    applyWorkflow: workflowFile(model, 'atmos-terraform-apply.yaml'),
  });
}

export function renderProfile(model: Model): string {
  const first = model.accounts[0];
  return renderTemplate('profiles/github.yaml.hbs', {
    profileName: model.profileName,
    providerName: PROVIDER_NAME,
    region: model.answers.region,
    firstStage: first.stage,
    identities: first.roles.map((r) => ({ name: r.role.answer.identity, default: r.role === model.planRole, arn: r.arn })),
  });
}

export function renderAtmosConfig(model: Model): string {
  return renderTemplate('atmos.yaml.hbs', { atmosPro: model.answers.atmos_pro });
}

/** Workflow file name → template; Atmos Pro's two only when it is on. */
export function workflowNames(model: Model): string[] {
  const names = ['test-oidc.yaml', 'atmos-terraform-plan.yaml', 'atmos-terraform-apply.yaml'];
  if (model.answers.atmos_pro) names.push('atmos-pro.yaml', 'atmos-upload-instances.yaml');
  if (model.answers.guard_workflow) names.push('atmos-oidc-guard.yaml');
  return names;
}

/** The file name workflow `name` is written under (another one when an adopted repository has its own of that name). */
export function workflowFile(model: Model, name: string): string {
  return model.workflowFiles[name] ?? name;
}

export function renderWorkflow(model: Model, name: string): string {
  const separateApplyRole = model.applyRole !== model.planRole;
  return renderTemplate(`workflows/${name}.hbs`, {
    profileName: model.profileName,
    planIdentity: model.planIdentityExplicit ? model.planRole.answer.identity : false,
    atmosConfigDir: model.atmosConfigDir ?? false,
    atmosPro: model.answers.atmos_pro,
    planRole: model.planRole,
    applyRole: model.applyRole,
    separateApplyRole,
    applyTrustSummary: trustInGeneral(model, model.applyRole),
    applyEnvironments: [...new Set(model.accounts.map((a) => a.applyEnvironment))],
    // Atmos Pro passes the environment per stack; without it, one environment is written in.
    fixedEnvironment: !model.answers.atmos_pro && new Set(model.accounts.map((a) => a.applyEnvironment)).size === 1 ? model.accounts[0].applyEnvironment : false,
    smokeRole: model.planRole,
    smokeTargets: model.accounts.map((a) => ({ stage: a.stackName, arn: a.roles.find((r) => r.role === model.planRole)?.arn })),
    applyTargets: model.accounts.map((a) => ({ stage: a.stackName, environment: a.applyEnvironment, arn: a.roles.find((r) => r.role === model.applyRole)?.arn })),
    region: model.answers.region,
    defaultBranch: model.answers.default_branch,
    pinActions: model.answers.pin_actions ?? 'major',
    // What decides a trust chain: the workflows, the stacks, the auth profiles, Atmos's configuration and the answers.
    guardPaths: [`${WORKFLOWS_DIR}/**`, `${model.stacksBasePath}/**`, `${PROFILE_PATH.split('/')[0]}/**`, 'atmos.yaml', '.atmos-oidc.yaml'],
    version: VERSION,
  });
}

/** Every file of the setup, in a stable order. `withAtmosConfig` is false when `atmos.yaml` exists. */
export function renderSetup(model: Model, withAtmosConfig: boolean): RenderedFile[] {
  const files: RenderedFile[] = [];
  if (withAtmosConfig) files.push({ path: 'atmos.yaml', content: renderAtmosConfig(model), ownership: 'once' });
  files.push({ path: CATALOG_PATH(model), content: renderCatalog(model), ownership: 'shared' });
  if (model.defaultsPath) files.push({ path: model.defaultsPath, content: renderDefaults(model), ownership: 'shared' });
  files.push({ path: IAM_ROLES_STUB_PATH, content: renderTemplate('components/iam-roles-stub.tf.hbs', { catalogPath: CATALOG_PATH(model) }), ownership: 'once' });
  model.accounts.forEach((account, i) => files.push({ path: account.manifestPath, content: renderAccountStack(model, i), ownership: 'shared' }));
  if (model.answers.atmos_pro) files.push({ path: PRO_MIXIN_PATH(model), content: renderProMixin(model), ownership: 'shared' });
  files.push({ path: PROFILE_PATH, content: renderProfile(model), ownership: 'shared' });
  for (const name of workflowNames(model)) {
    const path = `${WORKFLOWS_DIR}/${name}`;
    const content = renderWorkflow(model, name);
    assertWorkflowRules(path, content, model);
    files.push({ path, content, ownership: 'managed' });
  }
  // Atmos also writes the generate: files into components/terraform/<component>/ before it downloads
  // the source into the work directory (internal/exec/terraform_execute_helpers.go, autoGenerateComponentFiles).
  const strays = [...(model.deploysAnyProvider ? [PROVIDER_COMPONENT] : []), ...(model.roles.length ? ['iam-role'] : [])].map((c) => `components/terraform/${c}/iam_roles_override.tf`);
  files.push({ path: '.gitignore', content: ['.workdir/', ...strays].join('\n') + '\n', ownership: 'lines' });
  return files;
}
