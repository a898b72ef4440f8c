/**
 * The sub a job sends, per event (../shared/reference/domain.md section 2, checked against GitHub's
 * OIDC reference and "Events that trigger workflows": GITHUB_REF per event), reusable workflows,
 * the code that runs versus the ref in the sub, and the risk findings that need no trust policy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, CODES, memoryRepo, type CheckResult } from '../src/check/index.ts';
import { ROOT } from './helpers/run.ts';
import { expressionControl, readWorkflows } from '../src/check/workflows.ts';
import { Repo } from '../src/atmos/repo.ts';

const ATMOS = 'stacks:\n  base_path: stacks\n  included_paths: ["*.yaml"]\n  name_pattern: "{stage}"\n';
const PROVIDER = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';

/** A dev stack whose iam-role `name` trusts `entries` (admin when `admin`). */
function roleStack(roles: Record<string, { entries: string[]; admin?: boolean }>): string {
  let out = 'vars: { namespace: acme, environment: gbl, stage: dev, account_id: "111111111111" }\ncomponents:\n  terraform:\n    github-oidc-provider: { vars: {} }\n';
  for (const [name, r] of Object.entries(roles))
    out += `    iam-role/${name}:\n      metadata: { component: iam-role }\n      vars:\n        name: ${name}\n        github_oidc_provider_enabled: true\n        github_oidc_provider_arn: ${PROVIDER}\n        trusted_github_repos: ${JSON.stringify(r.entries)}\n        managed_policy_arns: ["arn:aws:iam::aws:policy/${r.admin ? 'AdministratorAccess' : 'ReadOnlyAccess'}"]\n`;
  return out;
}

/** A workflow whose job `job` assumes role `role` with configure-aws-credentials. */
function workflow(on: string, role: string, extra = '', job = 'run'): string {
  return `on: ${on}\npermissions: { id-token: write, contents: read }\njobs:\n  ${job}:\n    runs-on: ubuntu-latest\n${extra}    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::111111111111:role/acme-gbl-dev-${role}\n          aws-region: us-east-1\n`;
}

/** Files by path; a bare name (`dev.yaml`) is a stack manifest under stacks/. */
function run(files: Record<string, string>): CheckResult {
  const all: Record<string, string> = { 'atmos.yaml': ATMOS };
  for (const [path, text] of Object.entries(files)) all[path.includes('/') ? path : `stacks/${path}`] = text;
  return checkRepository(memoryRepo(all), { repository: 'acme/infra', defaultBranch: 'main' });
}

const contexts = (r: CheckResult): string[] => r.chains.map((c) => `${c.context} ${c.verdict}`);
const codes = (r: CheckResult): string[] => r.findings.map((f) => f.code);

test('sub per event: push tag, release tag, merge queue branch per base, schedule / workflow_run / dispatch on the default branch', () => {
  const stack = roleStack({ ci: { entries: ['acme/infra'] } });
  const cases: Array<[string, string[]]> = [
    ['{ push: { tags: ["v*"] } }', ['ref:refs/tags/v* allowed']],
    ['{ release: { types: [published] } }', ['ref:refs/tags/* allowed']],
    ['{ merge_group: { branches: [main, release] } }', ['ref:refs/heads/gh-readonly-queue/main/* allowed', 'ref:refs/heads/gh-readonly-queue/release/* allowed']],
    ['{ schedule: [{ cron: "0 3 * * *" }] }', ['ref:refs/heads/main allowed']],
    ['{ workflow_run: { workflows: [ci], types: [completed] } }', ['ref:refs/heads/main allowed']],
    ['workflow_dispatch', ['ref:refs/heads/main allowed']],
    ['pull_request_target', ['pull_request allowed']],
  ];
  for (const [on, expected] of cases) assert.equal(contexts(run({ 'dev.yaml': stack, '.github/workflows/w.yaml': workflow(on, 'ci') })), expected, on);
});

test('a release or merge-queue job trusted only for main is refused: the sub names the tag or the queue branch', () => {
  const stack = roleStack({ ci: { entries: ['acme/infra:main'] } });
  for (const on of ['release', 'merge_group']) {
    const r = run({ 'dev.yaml': stack, '.github/workflows/w.yaml': workflow(on, 'ci') });
    assert.is(r.chains[0].verdict, 'denied', on);
    assert.ok(codes(r).includes('chain-broken'), on);
  }
});

test('environment wins on a pull-request job too', () => {
  const r = run({ 'dev.yaml': roleStack({ ci: { entries: ['acme/infra:environment:preview'] } }), '.github/workflows/w.yaml': workflow('pull_request', 'ci', '    environment: preview\n') });
  assert.equal(contexts(r), ['environment:preview allowed']);
});

test('workflow_dispatch from any branch: when the trust admits every branch, the chain says whose code runs', () => {
  const any = run({ 'dev.yaml': roleStack({ ci: { entries: ['acme/infra'] } }), '.github/workflows/w.yaml': workflow('workflow_dispatch', 'ci') });
  assert.match(any.chains[0].runs ?? '', /workflow_dispatch from any branch: repo:acme\/infra:\* admits them all/);
  const main = run({ 'dev.yaml': roleStack({ ci: { entries: ['acme/infra:main'] } }), '.github/workflows/w.yaml': workflow('workflow_dispatch', 'ci') });
  assert.is(main.chains[0].runs, null, 'trusted for main only: another branch is refused');
});

test('a checkout of a PR head or of inputs.sha: the chain says the code is not the ref in the sub', () => {
  const stack = roleStack({ ci: { entries: ['acme/infra'] } });
  const head = run({ 'dev.yaml': stack, '.github/workflows/w.yaml': workflow('pull_request_target', 'ci', '').replace('    steps:\n', '    steps:\n      - uses: actions/checkout@v4\n        with: { ref: "${{ github.event.pull_request.head.sha }}" }\n') });
  assert.match(head.chains[0].runs ?? '', /checks out \$\{\{ github\.event\.pull_request\.head\.sha \}\}: the pull request head/);
  const sha = run({ 'dev.yaml': stack, '.github/workflows/w.yaml': workflow('{ workflow_dispatch: { inputs: { sha: { type: string } } } }', 'ci', '').replace('    steps:\n', '    steps:\n      - uses: actions/checkout@v4\n        with: { ref: "${{ inputs.sha }}" }\n') });
  assert.match(sha.chains[0].runs ?? '', /input sha: any commit the dispatcher names/);
});

test('reusable workflow: the caller decides the sub, and a caller without id-token: write denies the called job', () => {
  const stack = roleStack({ ci: { entries: ['acme/infra:environment:prod', 'acme/infra:main'] } });
  const called = workflow('workflow_call', 'ci');
  const caller = 'on: { push: { branches: [main] } }\njobs:\n  call:\n    permissions: { id-token: write, contents: read }\n    uses: ./.github/workflows/called.yaml\n';
  const ok = run({ 'dev.yaml': stack, '.github/workflows/called.yaml': called, '.github/workflows/caller.yaml': caller });
  assert.equal(contexts(ok), ['ref:refs/heads/main allowed']);
  const atWorkflowLevel = run({ 'dev.yaml': stack, '.github/workflows/called.yaml': called, '.github/workflows/caller.yaml': caller.replace('    permissions: { id-token: write, contents: read }\n', '').replace('jobs:\n', 'permissions: { id-token: write }\njobs:\n') });
  assert.equal(contexts(atWorkflowLevel), ['ref:refs/heads/main allowed'], 'granted by the caller workflow');
  // GitHub refuses such a run: "The nested job 'x' is requesting 'id-token: write', but is only allowed 'id-token: none'".
  const denials: Array<[string, string]> = [
    ['the calling job\'s own block', caller.replace('{ id-token: write, contents: read }', '{ contents: read }')],
    ['the caller workflow\'s block', caller.replace('    permissions: { id-token: write, contents: read }\n', '').replace('jobs:\n', 'permissions: { contents: read }\njobs:\n')],
    ['no block at all (the default token has no id-token)', caller.replace('    permissions: { id-token: write, contents: read }\n', '')],
  ];
  for (const [what, text] of denials) {
    const denied = run({ 'dev.yaml': stack, '.github/workflows/called.yaml': called, '.github/workflows/caller.yaml': text });
    assert.equal(contexts(denied), ['ref:refs/heads/main denied'], what);
    const f = denied.findings.find((x) => x.code === 'id-token-missing')!;
    assert.is(f.file, '.github/workflows/caller.yaml', `${what}: the fix belongs in the caller`);
  }
});

test('id-token is demanded only from jobs that ask GitHub for a token', () => {
  const noAuth = 'on: push\npermissions: { contents: read }\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - run: atmos terraform plan vpc -s dev\n';
  const r = run({ 'dev.yaml': 'vars: { stage: dev }\ncomponents: { terraform: { vpc: { vars: {} } } }\n', '.github/workflows/w.yaml': noAuth });
  assert.equal(codes(r), []);
  const oidc = run({ 'dev.yaml': roleStack({ ci: { entries: ['acme/infra'] } }), '.github/workflows/w.yaml': workflow('push', 'ci').replace('{ id-token: write, contents: read }', '{ contents: read }') });
  assert.ok(codes(oidc).includes('id-token-missing'));
});

test('one role for a dispatched plan of any sha and for the apply: error; the plan gated by an environment: none', () => {
  const stack = roleStack({ ci: { entries: ['acme/infra'] } });
  const dispatch = '{ workflow_dispatch: { inputs: { sha: { type: string } } } }';
  const plan = (extra: string): string =>
    workflow(dispatch, 'ci', extra, 'plan').replace('    steps:\n', '    steps:\n      - uses: actions/checkout@v4\n        with: { ref: "${{ inputs.sha }}" }\n');
  const apply = workflow('{ push: { branches: [main] } }', 'ci', '    environment: prod\n', 'apply') + '      - run: atmos terraform apply vpc -s dev\n';
  const open = run({ 'dev.yaml': stack, '.github/workflows/plan.yaml': plan(''), '.github/workflows/apply.yaml': apply });
  assert.equal(open.findings.map((f) => `${f.code} ${f.job}`), ['role-shared-pull-request plan']);
  assert.match(open.findings[0].message, /checks out \$\{\{ inputs\.sha \}\} with no environment to gate it .* apply\/apply, which runs atmos terraform apply/);
  const gated = run({ 'dev.yaml': stack, '.github/workflows/plan.yaml': plan('    environment: plan\n'), '.github/workflows/apply.yaml': apply });
  assert.equal(gated.findings.map((f) => f.code), []);
  // Cloud Posse's plan and apply actions check out their `sha` input themselves.
  const action = 'on: { workflow_dispatch: { inputs: { sha: { type: string } } } }\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: cloudposse/github-action-atmos-terraform-plan@v5\n        with: { sha: "${{ inputs.sha }}" }\n';
  const [job] = readWorkflows(new Repo(memoryRepo({ '.github/workflows/p.yaml': action })), () => {})[0].jobs;
  assert.equal(job.checkouts.map((c) => [c.ref, c.pullRequestCode, c.place]), [['${{ inputs.sha }}', true, 'jobs.plan.steps[0].with.sha']]);
});

test('admin role trusted by another repository: error; trusted by this one on main, or a read-only role for another: none', () => {
  const other = run({ 'dev.yaml': roleStack({ admin: { entries: ['acme/infra:main', 'partner/tools'], admin: true } }) });
  assert.equal(codes(other), ['admin-from-other-repository']);
  assert.match(other.findings[0].message, /admits pull requests of another repository \(repo:partner\/tools:\*\)/);
  const own = run({ 'dev.yaml': roleStack({ admin: { entries: ['acme/infra:main'], admin: true } }) });
  assert.equal(codes(own), []);
  const readOnly = run({ 'dev.yaml': roleStack({ reader: { entries: ['partner/tools'] } }) });
  assert.equal(codes(readOnly), [], 'a read-only role may serve another repository');
});

test('github-oidc-role: an entry without org means cloudposse/, as account-map defaults trusted_github_org', () => {
  const stack = 'vars: { namespace: acme, environment: gbl, stage: dev, account_id: "111111111111" }\ncomponents:\n  terraform:\n    github-oidc-provider: { vars: {} }\n    github-oidc-role/ci:\n      metadata: { component: github-oidc-role }\n      vars: { name: ci, github_actions_allowed_repos: ["infra:main"] }\n';
  const r = run({ 'dev.yaml': stack, '.github/workflows/w.yaml': workflow('{ push: { branches: [main] } }', 'ci') });
  assert.equal(r.roles[0].patterns, ['repo:cloudposse/infra:ref:refs/heads/main']);
  assert.equal(contexts(r), ['ref:refs/heads/main denied']);
  assert.match(r.findings.find((f) => f.code === 'chain-broken')!.fix, /github_actions_allowed_repos/);
});

test('duplicate stack names without a shared component: a warning, and check says which manifest it reads', () => {
  const r = run({ 'a.yaml': 'vars: { stage: dev }\ncomponents: { terraform: { vpc: { vars: {} } } }\n', 'b.yaml': 'vars: { stage: dev }\ncomponents: { terraform: { eks: { vars: {} } } }\n' });
  assert.equal(r.findings.map((f) => `${f.severity} ${f.code}`), ['warning stack-name-duplicate']);
  assert.match(r.findings[0].message, /check reads stacks\/a\.yaml/);
});

test('who controls an expression: the table the README lists', () => {
  const cases: Array<[string, string]> = [
    ['${{ github.sha }}', 'fixed'],
    ['${{ github.event.pull_request.head.sha }}', 'fixed'],
    ['${{ github.event.pull_request.number }}', 'fixed'],
    ['${{ github.repository }}', 'fixed'],
    ['${{ github.event.repository.name }}', 'fixed'],
    ['${{ github.run_id }}', 'fixed'],
    ['${{ secrets.TOKEN }}', 'fixed'],
    ['${{ vars.REGION }}', 'fixed'],
    ['${{ github.event.pull_request.title }}', 'outsider'],
    ['${{ github.event.issue.body }}', 'outsider'],
    ['${{ github.event.head_commit.message }}', 'outsider'],
    ['${{ github.head_ref }}', 'outsider'],
    ['${{ github.ref_name }}', 'outsider'],
    ['${{ github.event.workflow_run.head_branch }}', 'outsider'],
    ['${{ inputs.sha }}', 'outsider'],
    ['${{ github.event.inputs.note }}', 'outsider'],
    ['${{ github.event.client_payload.stack }}', 'outsider'],
    ['${{ steps.plan.outputs.summary }}', 'unknown'],
    ['${{ matrix.stack }}', 'unknown'],
    ['${{ env.STACK }}', 'unknown'],
    ["${{ format('{0}-{1}', github.sha, github.event.pull_request.title) }}", 'outsider'],
  ];
  for (const [expr, control] of cases) assert.is(expressionControl(expr).control, control, expr);
  assert.is(expressionControl('${{ needs.plan.result }}').control, 'fixed', 'GitHub sets a job result');
  assert.is(expressionControl('${{ steps.plan.outcome }}').control, 'fixed', 'GitHub sets a step outcome');
  assert.is(expressionControl('${{ matrix.stage }}', {}, null, [{ stage: 'dev' }, { stage: 'prod' }]).control, 'fixed', 'a matrix written out in the workflow');
  assert.is(expressionControl('${{ env.DIR }}', {}, { DIR: '${{ github.workspace }}/plugins' }).control, 'fixed', 'env judged by its value');
  assert.is(expressionControl('${{ env.TITLE }}', {}, { TITLE: '${{ github.event.pull_request.title }}' }).control, 'outsider', 'env carrying a title');
  assert.is(expressionControl('${{ inputs.dry_run }}', { dry_run: 'boolean' }).control, 'fixed', 'a boolean input is true or false');
  assert.is(expressionControl('${{ inputs.stage }}', { stage: 'choice' }).control, 'fixed', 'a choice input is one of its options');
});

test("the README's table names every finding code, and no code that does not exist", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| code | severity |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const listed = rows.flatMap((row) => [...row.split('|')[1].matchAll(/`([a-z-]+)`/g)].map((m) => m[1])).sort();
  assert.equal(listed, Object.keys(CODES).sort());
});

test.run();
