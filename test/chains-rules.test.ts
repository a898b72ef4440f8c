/**
 * check's chains (src/check/chains.ts) by behaviour: on golden repositories read in memory, each
 * with one planted change, the chain facts (the `sub` each job sends, the role its identity names,
 * the verdict) and the finding the change must raise, with its severity. GitHub's `sub` rules
 * (environment wins over pull request over ref) are in ../shared/reference/domain.md.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CheckResult } from '../src/check/index.ts';
import { change, check, golden } from './helpers/golden-repo.ts';

const changed = (name: string, path: string, from: string | RegExp, to: string): Map<string, string> => change(golden(name), path, from, to);

const PROFILE = 'profiles/github/atmos.yaml';
const DEV = 'stacks/orgs/acme/dev.yaml';
const PROD = 'stacks/orgs/acme/prod.yaml';
const APPLY = '.github/workflows/atmos-terraform-apply.yaml';
const PLAN = '.github/workflows/atmos-terraform-plan.yaml';
const TEST_OIDC = '.github/workflows/test-oidc.yaml';

test('advanced: every job\'s sub, identity, role and verdict', () => {
  const result = check(golden('advanced-three-accounts'));
  const rows = [...new Set(result.chains.map((c) => `${c.workflow.replace('.github/workflows/', '')} ${c.job} ${c.stack ?? '-'} ${c.sub} ${c.identity} ${c.roleArn} ${c.trust} ${c.verdict}`))].sort();
  assert.equal(rows, [
    'atmos-pro.yaml affected - repo:acme/infra-live:pull_request acme/planner arn:aws:iam::111111111111:role/acme-gbl-dev-planner admits allowed',
    'atmos-terraform-apply.yaml apply dev repo:acme/infra-live:environment:dev acme/admin arn:aws:iam::111111111111:role/acme-gbl-dev-terraform admits allowed',
    'atmos-terraform-apply.yaml apply prod repo:acme/infra-live:environment:prod acme/admin arn:aws:iam::333333333333:role/acme-gbl-prod-terraform admits allowed',
    'atmos-terraform-apply.yaml apply staging repo:acme/infra-live:environment:staging acme/admin arn:aws:iam::222222222222:role/acme-gbl-staging-terraform admits allowed',
    ...rows.filter((r) => /^atmos-terraform-plan|^atmos-upload|^test-oidc/.test(r)),
  ].sort());
  assert.ok(rows.some((r) => r.startsWith('atmos-terraform-plan.yaml plan dev repo:acme/infra-live:ref:refs/heads/main acme/planner')), rows.join('\n'));
  assert.ok(result.chains.every((c) => c.audience === 'sts.amazonaws.com' && c.matched !== null && c.reasons.length === 0));
  assert.is(result.errors, 0);
});

test('immutable ids: the sub carries owner@id/repo@id', () => {
  const result = check(golden('immutable-ids'));
  assert.ok(result.chains.length > 0);
  assert.ok(result.chains.every((c) => c.sub?.startsWith('repo:Acme-Corp@123456/infra-live@789012:')), result.chains.map((c) => c.sub).join('\n'));
});

test('the prod admin role trusts an environment the apply job never runs in: chain-broken, denied', () => {
  const result = check(changed('advanced-three-accounts', PROD, 'acme/infra-live:environment:prod', 'acme/infra-live:environment:production'));
  const prod = result.chains.find((c) => c.job === 'apply' && c.stack === 'prod')!;
  assert.is(prod.trust, 'rejects');
  assert.is(prod.verdict, 'denied');
  assert.is(prod.matched, null);
  const f = result.findings.filter((x) => x.code === 'chain-broken');
  assert.ok(f.length >= 1 && f.every((x) => x.severity === 'error'));
  assert.match(f[0].message, /repo:acme\/infra-live:environment:prod/);
  assert.ok(result.chains.filter((c) => c.stack === 'dev').every((c) => c.verdict === 'allowed'), 'other stacks unaffected');
});

test('the apply job runs in a fixed environment: the other stacks\' chains break', () => {
  const result = check(changed('advanced-three-accounts', APPLY, 'environment: ${{ inputs.github_environment }}', 'environment: production'));
  const apply = result.chains.filter((c) => c.job === 'apply');
  assert.ok(apply.length >= 3);
  assert.ok(apply.every((c) => c.sub === 'repo:acme/infra-live:environment:production'), apply.map((c) => c.sub).join(', '));
  assert.ok(apply.every((c) => c.verdict === 'denied'));
  assert.ok(result.findings.some((x) => x.code === 'chain-broken' && x.severity === 'error'));
});

test('a job with its own permissions but no id-token: id-token-missing error', () => {
  const result = check(changed('advanced-three-accounts', PLAN, '  plan:\n    runs-on: ubuntu-latest\n', '  plan:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n'));
  const f = result.findings.filter((x) => x.code === 'id-token-missing');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].file, PLAN);
});

test('the smoke test workflow without id-token: write: id-token-missing error', () => {
  const f = check(changed('guide-basic', TEST_OIDC, '  id-token: write\n', '')).findings.filter((x) => x.code === 'id-token-missing');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
});

test('a regional audience in the profile: audience-invalid error', () => {
  const profile = check(changed('advanced-three-accounts', PROFILE, 'audience: sts.amazonaws.com', 'audience: sts.us-east-1.amazonaws.com'));
  assert.ok(profile.findings.some((x) => x.code === 'audience-invalid' && x.severity === 'error'));
});

test('an identity the profile does not define: identity-not-in-profile error', () => {
  const f = check(changed('advanced-three-accounts', APPLY, 'ATMOS_IDENTITY: acme/admin', 'ATMOS_IDENTITY: acme/deployer')).findings.filter((x) => x.code === 'identity-not-in-profile');
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /acme\/deployer/);
});

test('no default identity, or two: errors', () => {
  assert.ok(check(changed('advanced-three-accounts', PROFILE, '      default: true\n', '')).findings.some((x) => x.code === 'default-identity-none' && x.severity === 'error'));
  assert.ok(check(changed('advanced-three-accounts', PROFILE, '    acme/admin:\n', '    acme/admin:\n      default: true\n')).findings.some((x) => x.code === 'default-identity-multiple' && x.severity === 'error'));
});

test('an identity naming a role nobody creates: role-not-found error, verdict denied', () => {
  const result = check(changed('advanced-three-accounts', DEV, 'assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-planner', 'assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-plan'));
  const f = result.findings.filter((x) => x.code === 'role-not-found');
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /acme-gbl-dev-plan\b/);
});

test('the planner loses its GitHub statement: role-no-github-trust error', () => {
  const result = check(changed('advanced-three-accounts', 'stacks/catalog/github-ci.yaml', /(name: planner[\s\S]*?)github_oidc_provider_enabled: true/, '$1github_oidc_provider_enabled: false'));
  assert.ok(result.findings.some((x) => x.code === 'role-no-github-trust' && x.severity === 'error'));
});

test('a misspelt profile: profile-missing error', () => {
  assert.ok(check(changed('advanced-three-accounts', PLAN, 'ATMOS_PROFILE: github', 'ATMOS_PROFILE: gihtub')).findings.some((x) => x.code === 'profile-missing' && x.severity === 'error'));
});

test('the CI provider kind is SSO: identity-not-oidc error', () => {
  assert.ok(check(changed('advanced-three-accounts', PROFILE, 'kind: github/oidc', 'kind: aws/iam-identity-center')).findings.some((x) => x.code === 'identity-not-oidc' && x.severity === 'error'));
});

test('a stack that does not exist: stack-missing error', () => {
  assert.ok(check(changed('advanced-three-accounts', APPLY, '-s "$STACK"', '-s development')).findings.some((x) => x.code === 'stack-missing' && x.severity === 'error'));
});

test('an environment spelt two ways in one trust list: environment-case warning', () => {
  const f = check(changed('advanced-three-accounts', PROD, '- acme/infra-live:environment:prod', '- acme/infra-live:environment:prod\n          - acme/infra-live:environment:Prod')).findings.filter((x) => x.code === 'environment-case');
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'warning');
});


// ---- synthetic workflows on the basic golden repository: one configure-aws-credentials job ----
const ROLE_DEV = 'arn:aws:iam::111111111111:role/acme-gbl-dev-terraform';
function withWorkflow(on: string, job: string, permissions = 'permissions:\n  id-token: write\n  contents: read\n'): CheckResult {
  const files = golden('guide-basic');
  files.set('.github/workflows/x.yaml', `name: x\non:\n${on}\n${permissions}jobs:\n  x:\n    runs-on: ubuntu-latest\n${job}`);
  return check(files);
}
const awsStep = (role: string, extra = ''): string => `    steps:\n      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: ${role}\n          aws-region: us-east-2\n${extra}`;
const xChains = (r: CheckResult) => r.chains.filter((c) => c.workflow === '.github/workflows/x.yaml');

test('triggers decide the sub: pull_request and pull_request_target are pull requests', () => {
  for (const event of ['pull_request', 'pull_request_target']) {
    const chains = xChains(withWorkflow(`  ${event}:\n`, awsStep(ROLE_DEV)));
    assert.equal(chains.map((c) => c.sub), ['repo:acme/infra-live:pull_request'], event);
    assert.is(chains[0].command, 'configure-aws-credentials');
    assert.is(chains[0].roleArn, ROLE_DEV);
    assert.is(chains[0].verdict, 'allowed', 'basic trusts the whole repository');
  }
});

test('triggers: push to branches and tags gives one sub per ref; push without filters the default branch', () => {
  const chains = xChains(withWorkflow('  push:\n    branches: [main, release]\n    tags: [v1]\n', awsStep(ROLE_DEV)));
  assert.equal(chains.map((c) => c.sub).sort(), ['repo:acme/infra-live:ref:refs/heads/main', 'repo:acme/infra-live:ref:refs/heads/release', 'repo:acme/infra-live:ref:refs/tags/v1']);
  assert.equal(xChains(withWorkflow('  push:\n', awsStep(ROLE_DEV))).map((c) => c.sub), ['repo:acme/infra-live:ref:refs/heads/main']);
  assert.equal(xChains(withWorkflow('  schedule:\n    - cron: "0 0 * * *"\n', awsStep(ROLE_DEV))).map((c) => c.sub), ['repo:acme/infra-live:ref:refs/heads/main']);
});

test('triggers: the same context from two triggers is one chain', () => {
  assert.is(xChains(withWorkflow('  workflow_dispatch:\n  schedule:\n    - cron: "0 0 * * *"\n', awsStep(ROLE_DEV))).length, 1);
});

test('an environment on the job wins over the trigger', () => {
  const chains = xChains(withWorkflow('  pull_request:\n', `    environment: prod\n${awsStep(ROLE_DEV)}`));
  assert.equal(chains.map((c) => c.sub), ['repo:acme/infra-live:environment:prod']);
});

test('a role ARN no stack creates: the chain is not allowed', () => {
  const chains = xChains(withWorkflow('  workflow_dispatch:\n', awsStep('arn:aws:iam::111111111111:role/nobody')));
  assert.is(chains.length, 1);
  assert.is.not(chains[0].verdict, 'allowed');
});

test('role-to-assume from an input is known only when the workflow runs: unknown, with a warning', () => {
  const result = withWorkflow('  workflow_dispatch:\n    inputs:\n      role:\n        type: string\n', awsStep('${{ inputs.role }}'));
  const chains = xChains(result);
  assert.is(chains.length, 1);
  assert.is(chains[0].verdict, 'unknown');
  assert.is(chains[0].roleArn, null);
  assert.match(chains[0].reasons.join(' '), /known only when the workflow runs/);
  assert.ok(result.findings.some((f) => f.code === 'value-unknowable' && /role-to-assume of job "x"/.test(f.message)));
});

test('a matrix of role ARNs: one chain per ARN, labelled by the other matrix values', () => {
  const job = `    strategy:\n      matrix:\n        include:\n          - stage: dev\n            role: ${ROLE_DEV}\n          - stage: other\n            role: arn:aws:iam::111111111111:role/nobody\n${awsStep('${{ matrix.role }}')}`;
  const chains = xChains(withWorkflow('  workflow_dispatch:\n', job));
  assert.equal(chains.map((c) => [c.variant, c.roleArn, c.verdict === 'allowed']), [
    ['stage=dev', ROLE_DEV, true],
    ['stage=other', 'arn:aws:iam::111111111111:role/nobody', false],
  ]);
});

test('another audience on configure-aws-credentials: audience-invalid, the chain carries it', () => {
  const result = withWorkflow('  workflow_dispatch:\n', awsStep(ROLE_DEV, '          audience: sts.us-east-1.amazonaws.com\n'));
  const f = result.findings.filter((x) => x.code === 'audience-invalid');
  assert.is(f.length, 1);
  assert.match(f[0].message, /configure-aws-credentials in job "x" asks for audience "sts\.us-east-1\.amazonaws\.com"/);
  assert.is(xChains(result)[0].audience, 'sts.us-east-1.amazonaws.com');
});

test('id-token missing: the message names where permissions come from; the chain is denied', () => {
  const none = withWorkflow('  workflow_dispatch:\n', awsStep(ROLE_DEV), '');
  const f = none.findings.filter((x) => x.code === 'id-token-missing');
  assert.is(f.length, 1);
  assert.match(f[0].message, /^job "x" obtains AWS credentials but any permissions block \(the default token has none\) do not grant id-token: write/);
  assert.is(f[0].fix, 'add "permissions: { id-token: write, contents: read }" to the workflow or the job');
  const chain = xChains(none)[0];
  assert.is(chain.verdict, 'denied');
  assert.is(chain.reasons[0], 'the job has no id-token: write');
  const workflowLevel = withWorkflow('  workflow_dispatch:\n', awsStep(ROLE_DEV), 'permissions:\n  contents: read\n').findings.filter((x) => x.code === 'id-token-missing');
  assert.match(workflowLevel[0].message, /but the workflow permissions do not grant/);
  const jobLevel = withWorkflow('  workflow_dispatch:\n', `    permissions:\n      contents: read\n${awsStep(ROLE_DEV)}`).findings.filter((x) => x.code === 'id-token-missing');
  assert.match(jobLevel[0].message, /but its job-level permissions \(which replace the workflow's\) do not grant/);
  assert.is(jobLevel[0].fix, 'add "id-token: write" to jobs.x.permissions');
});

test('a job without steps, or with no AWS step, makes no chain and needs no id-token', () => {
  const result = withWorkflow('  workflow_dispatch:\n', '    steps:\n      - run: echo hi\n', '');
  assert.equal(xChains(result), []);
  assert.equal(result.findings.filter((x) => x.code === 'id-token-missing'), []);
});

test('Atmos Pro dispatch inputs decide the apply environment: a fixed value in settings.pro is used', () => {
  const files = changed('advanced-three-accounts', 'stacks/mixins/atmos-pro.yaml', /github_environment: "\{\{ \.vars\.stage \}\}"/g, 'github_environment: prod');
  const result = check(files);
  const apply = result.chains.filter((c) => c.job === 'apply');
  assert.ok(apply.length >= 1);
  assert.ok(apply.every((c) => c.sub === 'repo:acme/infra-live:environment:prod'), apply.map((c) => c.sub).join(', '));
});

test('Atmos Pro dispatch inputs with a template while templates are off: templates-disabled error', () => {
  const files = changed('advanced-three-accounts', 'atmos.yaml', /\ntemplates:\n  settings:\n    enabled: true\n/, '\n');
  const f = check(files).findings.filter((x) => x.code === 'templates-disabled');
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /atmos\.yaml does not set templates\.settings\.enabled: true/);
});

test('a reusable workflow takes its callers\' triggers', () => {
  const files = golden('guide-basic');
  files.set('.github/workflows/x.yaml', `name: x\non:\n  workflow_call:\npermissions:\n  id-token: write\n  contents: read\njobs:\n  x:\n    runs-on: ubuntu-latest\n${awsStep(ROLE_DEV)}`);
  files.set('.github/workflows/caller.yaml', 'name: caller\non:\n  pull_request:\npermissions:\n  id-token: write\n  contents: read\njobs:\n  call:\n    uses: ./.github/workflows/x.yaml\n');
  assert.equal(xChains(check(files)).map((c) => c.sub), ['repo:acme/infra-live:pull_request']);
});

test('an environment from the matrix: one sub per row', () => {
  const job = `    environment: \${{ matrix.env }}\n    strategy:\n      matrix:\n        env: [dev, prod]\n${awsStep(ROLE_DEV)}`;
  const chains = xChains(withWorkflow('  workflow_dispatch:\n', job));
  assert.equal(chains.map((c) => [c.variant, c.sub]), [
    ['env=dev', 'repo:acme/infra-live:environment:dev'],
    ['env=prod', 'repo:acme/infra-live:environment:prod'],
  ]);
});

test('an environment typed by whoever dispatches: the verdict holds only under that condition', () => {
  const job = `    environment: \${{ inputs.env }}\n${awsStep(ROLE_DEV)}`;
  const chains = xChains(withWorkflow('  workflow_dispatch:\n    inputs:\n      env:\n        type: string\n', job));
  assert.is(chains.length, 1);
  assert.is(chains[0].condition, 'dispatched with any env');
  assert.is(chains[0].sub, 'repo:acme/infra-live:environment:<env>');
});

test('Atmos Pro passes no environment: the apply runs in the trigger\'s context', () => {
  const files = changed('advanced-three-accounts', 'stacks/mixins/atmos-pro.yaml', /\n\s+github_environment: "\{\{ \.vars\.stage \}\}"/g, '');
  const apply = check(files).chains.filter((c) => c.job === 'apply');
  assert.ok(apply.length >= 1);
  assert.ok(apply.every((c) => c.sub === 'repo:acme/infra-live:ref:refs/heads/main'), apply.map((c) => c.sub).join(', '));
});

test('Atmos Pro passes the environment through a YAML function: unknowable', () => {
  const files = changed('advanced-three-accounts', 'stacks/mixins/atmos-pro.yaml', /github_environment: "\{\{ \.vars\.stage \}\}"/g, 'github_environment: !env GITHUB_ENV_NAME');
  const apply = check(files).chains.filter((c) => c.job === 'apply');
  assert.ok(apply.length >= 1);
  assert.ok(apply.every((c) => c.verdict === 'unknown' && c.sub === null), apply.map((c) => `${c.verdict} ${c.sub}`).join(', '));
});

test('the GitOps actions read their role from atmos.yaml: known, or unknowable when absent', () => {
  const job = '    steps:\n      - uses: cloudposse/github-action-atmos-terraform-plan@v4\n';
  const unknown = xChains(withWorkflow('  workflow_dispatch:\n', job));
  assert.is(unknown.length, 1);
  assert.is(unknown[0].verdict, 'unknown');
  assert.match(unknown[0].reasons.join(' '), /integrations\.github\.gitops\.role\.plan in atmos\.yaml/);
  const files = golden('guide-basic');
  files.set('atmos.yaml', `${files.get('atmos.yaml')}\nintegrations:\n  github:\n    gitops:\n      role:\n        plan: ${ROLE_DEV}\n`);
  files.set('.github/workflows/x.yaml', `name: x\non:\n  pull_request:\npermissions:\n  id-token: write\n  contents: read\njobs:\n  x:\n    runs-on: ubuntu-latest\n${job}`);
  const known = xChains(check(files));
  assert.equal(known.map((c) => [c.roleArn, c.sub, c.verdict]), [[ROLE_DEV, 'repo:acme/infra-live:pull_request', 'allowed']]);
});

test.run();
