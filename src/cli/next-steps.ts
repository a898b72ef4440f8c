/**
 * What the user does after the files are written, in order: deploy per account, set repository
 * variables, create environments, run the smoke test.
 */
import type { Model } from '../setup/model.ts';
import { PROVIDER_COMPONENT } from '../setup/model.ts';

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
