/**
 * What the user does after the files are written, in order: deploy per account, set repository
 * variables, create environments, run the smoke test.
 */
import type { Model } from '../setup/model.ts';
import { PROVIDER_COMPONENT } from '../setup/model.ts';
import { actionRef } from '../answers/action-pins.ts';
import { describeEntries } from '../setup/trust.ts';

/** Limit the deploy commands to what a day-two command added: one new stage, or one new role. */
export interface StepsFocus {
  stage?: string;
  role?: string;
}

export interface StepsContext {
  /** Keys added to an existing atmos.yaml, with why. */
  atmosConfigAdded?: string[];
  atmosConfigFile?: string | null;
  /** With `backend: existing`, the file whose backend the generated stacks import. */
  existingBackendFile?: string | null;
}

export function nextSteps(model: Model, atmosConfigAdvice: string | null, focus: StepsFocus = {}, context: StepsContext = {}): string {
  const a = model.answers;
  const lines: string[] = ['Next steps:', ''];
  let step = 1;
  if (atmosConfigAdvice) {
    lines.push(`${step++}. Your atmos.yaml was left as it is. Add these keys so Atmos finds the new stacks:`, '');
    lines.push(...atmosConfigAdvice.split('\n').map((l) => `     ${l}`), '');
  }
  if (context.atmosConfigAdded?.length) {
    lines.push(`Added to your ${context.atmosConfigFile ?? 'atmos.yaml'} (nothing else in it changed):`);
    for (const line of context.atmosConfigAdded) lines.push(`     ${line}`);
    lines.push('');
  }
  const backend = a.backend;
  if (!backend) {
    lines.push('Warning: no state backend answered (this answers file predates the "backend" key). Without one, state');
    lines.push('stays in the throw-away work directory: CI plans everything as new and applies fail with');
    lines.push('EntityAlreadyExists. Add "backend: {type: s3, bucket: ..., region: ...}" to .atmos-oidc.yaml and run again.', '');
  } else if (backend.type === 'local') {
    lines.push('Warning: backend "local": Terraform state is NOT kept between CI runs (it lives in the work directory');
    lines.push('of one job). Every plan shows everything as new and a second apply fails with EntityAlreadyExists.', '');
  } else if (backend.type === 's3' && !model.stateRoleArn && !model.planRole.isAdmin) {
    lines.push(`Note: the plan role (${model.planRole.answer.identity}) is read-only and the backend has no role_arn, so plans`);
    lines.push('cannot write the state lock in the bucket. Give the backend a state role (backend.role_arn) that may.', '');
  } else if (backend.type === 'existing' && context.existingBackendFile) {
    lines.push(`State backend: the generated stacks import ${context.existingBackendFile}, which sets terraform.backend_type.`, '');
  }
  lines.push(`${step++}. Deploy, account by account, with credentials for that account (in this order):`);
  for (const account of model.accounts) {
    if (focus.stage && account.stage !== focus.stage) continue;
    lines.push(`     # ${account.stage} (account ${account.id})`);
    if (account.deploysProvider && !focus.role) lines.push(`     atmos terraform apply ${PROVIDER_COMPONENT} -s ${account.stackName}`);
    for (const role of account.roles) {
      if (!focus.role || role.role.answer.name === focus.role) lines.push(`     atmos terraform apply ${role.role.component} -s ${account.stackName}`);
    }
  }
  lines.push('');
  if (focus.role) {
    const other = otherRepositories(model, focus.role);
    if (other.length) {
      lines.push(...otherRepositorySteps(model, focus.role, other, step++));
      // This repository's own variables and workflows are unchanged by a role only others use.
      if (!trustsOwnRepository(model, focus.role)) {
        lines.push(`${step++}. Before CI runs there, prove this repository's chain: npx create-atmos-oidc check`);
        return lines.join('\n');
      }
    }
  }
  lines.push(`${step++}. Set the repository variables the workflows read:`);
  lines.push(`     gh variable set ATMOS_VERSION --body "${a.atmos_version}" --repo ${a.repository}`);
  if (a.atmos_pro) lines.push(`     gh variable set ATMOS_PRO_WORKSPACE_ID --body "<your Atmos Pro workspace id>" --repo ${a.repository}`);
  lines.push('');
  if (model.applyRole !== model.planRole) {
    const environments = [...new Set(model.accounts.map((x) => x.applyEnvironment))];
    lines.push(`${step++}. Create each GitHub Environment the apply role trusts, protected. A dispatched apply checks out`);
    lines.push('   whatever commit it is given while its token says "environment:<name>", so the environment\'s own');
    lines.push('   protection is the gate: required reviewers (you) and deployments from protected branches only.');
    lines.push('   (A job naming a missing environment creates it unprotected; required reviewers on a private');
    lines.push('   repository depend on your GitHub plan.)');
    lines.push('     me=$(gh api user --jq .id)');
    for (const env of environments) {
      lines.push(
        `     printf '{"reviewers":[{"type":"User","id":%s}],"deployment_branch_policy":{"protected_branches":true,"custom_branch_policies":false}}' "$me" | gh api --method PUT repos/${a.repository}/environments/${env} --input -`,
      );
    }
    lines.push('');
  }
  lines.push(`${step++}. Commit, push to ${a.default_branch}, then run the smoke test (workflows must be on the default branch):`);
  lines.push(`     gh workflow run test-oidc.yaml --repo ${a.repository}`);
  lines.push('');
  lines.push(`${step++}. Before CI runs, prove the chain: npx create-atmos-oidc check`);
  if (a.setup === 'basic') {
    lines.push('');
    lines.push('Warning: basic setup. Any pull request of this repository can assume the administrator role');
    lines.push(`(${model.applyRole.answer.identity}): a pull request from any branch can change every account.`);
    lines.push('Move to advanced: set "setup: advanced" and "roles: []" in .atmos-oidc.yaml, then run');
    lines.push('`npx create-atmos-oidc workflows`: plans get a read-only role, and the admin role is trusted');
    lines.push('only inside a GitHub Environment you protect.');
  }
  return lines.join('\n');
}

/** `owner/repo` of a trust entry (before any `:` qualifier), lower-cased for comparison. */
function entryRepository(entry: string): string {
  return entry.split(':')[0];
}

/** Repositories other than this one that `role`'s trust entries name (by name, as typed). */
function otherRepositories(model: Model, role: string): string[] {
  const own = model.answers.repository.toLowerCase();
  const answer = model.roles.find((r) => r.answer.name === role)?.answer;
  if (!answer) return [];
  return [...new Set(answer.trust.map(entryRepository).filter((r) => r.toLowerCase() !== own && !r.includes('*')))];
}

function trustsOwnRepository(model: Model, role: string): boolean {
  const own = model.answers.repository.toLowerCase();
  return Boolean(model.roles.find((r) => r.answer.name === role)?.answer.trust.some((e) => entryRepository(e).toLowerCase() === own));
}

/**
 * What another repository needs to use a role trusted for it: the role's ARN in each account, and
 * the job lines that obtain the credentials (permission to request the token, the environment or
 * branch its trust entry requires, and the action with that ARN). Those lines go in that
 * repository's workflow; nothing here writes to it.
 */
function otherRepositorySteps(model: Model, role: string, repositories: string[], step: number): string[] {
  const a = model.answers;
  const lines: string[] = [];
  const answer = model.roles.find((r) => r.answer.name === role)!.answer;
  const accounts = model.accounts.map((acc) => ({ acc, ar: acc.roles.find((r) => r.role.answer.name === role) })).filter((x) => x.ar);
  for (const repo of repositories) {
    const entries = answer.trust.filter((e) => entryRepository(e).toLowerCase() === repo.toLowerCase());
    lines.push(`${step}. In ${repo} (trusted by ${entries.join(', ')}), assume the role from its workflows:`);
    lines.push('   Role ARN per account:');
    for (const { acc, ar } of accounts) lines.push(`     ${acc.stage.padEnd(12)} ${ar!.arn}`);
    const first = accounts[0];
    lines.push(`   It admits ${describeEntries(entries.map((e) => e.replaceAll('{stage}', first.acc.stage)), model.trustedOrg)}${entries.some((e) => e.includes('{stage}')) ? ` ({stage} is each account's stage; ${first.acc.stage} shown)` : ''}.`);
    const environment = entries.map((e) => /:environment:(.+)$/.exec(e)?.[1]).find(Boolean);
    lines.push(`   A job there that deploys to ${first.acc.stage} (repeat per account with its ARN):`);
    lines.push('     jobs:');
    lines.push('       deploy:');
    lines.push('         runs-on: ubuntu-latest');
    if (environment) lines.push(`         environment: ${environment.replaceAll('{stage}', first.acc.stage)}   # the role admits only this environment`);
    lines.push('         permissions:');
    lines.push('           id-token: write   # to request the OIDC token');
    lines.push('           contents: read');
    lines.push('         steps:');
    lines.push(`           - uses: ${actionRef('aws-actions/configure-aws-credentials@v6', a.pin_actions)}`);
    lines.push('             with:');
    lines.push(`               role-to-assume: ${first.ar!.arn}`);
    lines.push(`               aws-region: ${a.region}`);
    lines.push('');
  }
  return lines;
}
