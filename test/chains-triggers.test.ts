/**
 * check's chains (src/check/chains.ts) from the trigger side: which events, callers, checkouts, matrix
 * rows and Atmos Pro dispatches decide a job's `sub`, what each chain says runs, and how it is labelled.
 * Golden repositories read in memory with one planted change, as in chains-rules.test.ts. GitHub's
 * `sub` per event: ../shared/reference/domain.md and the comment above triggerContextsUncached.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CheckResult } from '../src/check/index.ts';
import { change, check, golden } from './helpers/golden-repo.ts';


const X = '.github/workflows/x.yaml';
const CALLER = '.github/workflows/caller.yaml';
const APPLY = '.github/workflows/atmos-terraform-apply.yaml';
const PRO = 'stacks/mixins/atmos-pro.yaml';
const ROLE_DEV = 'arn:aws:iam::111111111111:role/acme-gbl-dev-terraform';
const NOBODY = 'arn:aws:iam::111111111111:role/nobody';
const REPO = 'repo:acme/infra-live';
const GRANT = 'permissions:\n  id-token: write\n  contents: read\n';

/** guide-basic (its role trusts the whole repository) plus one workflow x.yaml with one job x. */
const withWorkflowText = (on: string, job: string, permissions = GRANT): string => `name: x\n${on}\n${permissions}jobs:\n  x:\n    runs-on: ubuntu-latest\n${job}`;
function withWorkflow(on: string, job: string, permissions = GRANT): CheckResult {
  const files = golden('guide-basic');
  files.set(X, withWorkflowText(on, job, permissions));
  return check(files);
}
const awsStep = (role: string, extra = ''): string => `    steps:\n      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: ${role}\n          aws-region: us-east-2\n${extra}`;
const xChains = (r: CheckResult) => r.chains.filter((c) => c.workflow === X);
const subs = (r: CheckResult) => xChains(r).map((c) => c.sub).sort();

// ---- events ----

test('pull_request_target alone: the sub says pull_request, and the chain says the base branch\'s code runs', () => {
  const chains = xChains(withWorkflow('on:\n  pull_request_target:\n', awsStep(ROLE_DEV)));
  assert.equal(chains.map((c) => [c.sub, c.context, c.runs]), [[`${REPO}:pull_request`, 'pull_request', 'pull_request_target runs the base branch\'s workflow and code']]);
});

test('pull_request_target beside push: only the pull request chain carries the base-branch note', () => {
  const chains = xChains(withWorkflow('on:\n  pull_request_target:\n  push:\n    branches: [main]\n', awsStep(ROLE_DEV)));
  assert.equal(chains.map((c) => [c.sub, c.runs]).sort(), [
    [`${REPO}:pull_request`, 'pull_request_target runs the base branch\'s workflow and code'],
    [`${REPO}:ref:refs/heads/main`, null],
  ]);
});

test('pull_request beside pull_request_target: the pull request chain has no base-branch note', () => {
  const chains = xChains(withWorkflow('on:\n  pull_request:\n  pull_request_target:\n', awsStep(ROLE_DEV)));
  assert.equal(chains.map((c) => [c.sub, c.runs]), [[`${REPO}:pull_request`, null]]);
});

test('a push job runs its own ref: no note on what runs', () => {
  const chains = xChains(withWorkflow('on:\n  push:\n', awsStep(ROLE_DEV)));
  assert.equal(chains.map((c) => [c.sub, c.runs]), [[`${REPO}:ref:refs/heads/main`, null]]);
});

test('push with branch filters only: one chain per branch, none for the default branch', () => {
  assert.equal(subs(withWorkflow('on:\n  push:\n    branches: [release]\n', awsStep(ROLE_DEV))), [`${REPO}:ref:refs/heads/release`]);
  assert.equal(subs(withWorkflow('on:\n  push:\n    tags: [v1]\n', awsStep(ROLE_DEV))), [`${REPO}:ref:refs/tags/v1`]);
});

test('push without filters beside pull_request: the default branch and the pull request', () => {
  assert.equal(subs(withWorkflow('on:\n  push:\n  pull_request:\n', awsStep(ROLE_DEV))), [`${REPO}:pull_request`, `${REPO}:ref:refs/heads/main`]);
});

test('release: the sub names the release\'s tag, whichever it is', () => {
  const chains = xChains(withWorkflow('on:\n  release:\n    types: [published]\n', awsStep(ROLE_DEV)));
  assert.equal(chains.map((c) => [c.sub, c.context]), [[`${REPO}:ref:refs/tags/*`, 'ref:refs/tags/*']]);
});

test('merge_group: the queue branch of the default branch, or of each filtered base', () => {
  assert.equal(subs(withWorkflow('on:\n  merge_group:\n', awsStep(ROLE_DEV))), [`${REPO}:ref:refs/heads/gh-readonly-queue/main/*`]);
  assert.equal(subs(withWorkflow('on:\n  merge_group:\n    branches: [release, next]\n', awsStep(ROLE_DEV))), [
    `${REPO}:ref:refs/heads/gh-readonly-queue/next/*`,
    `${REPO}:ref:refs/heads/gh-readonly-queue/release/*`,
  ]);
});

test('a workflow with no trigger at all: its job is taken to run on the default branch', () => {
  const chains = xChains(withWorkflow('on: {}\n', awsStep(ROLE_DEV)));
  assert.equal(chains.map((c) => [c.sub, c.context, c.verdict]), [[`${REPO}:ref:refs/heads/main`, 'ref:refs/heads/main', 'allowed']]);
});

// ---- reusable workflows ----

function reusable(xOn: string, callerJob: string, xPermissions = GRANT): CheckResult {
  const files = golden('guide-basic');
  files.set(X, `name: x\non:\n${xOn}${xPermissions}jobs:\n  x:\n    runs-on: ubuntu-latest\n${awsStep(ROLE_DEV)}`);
  files.set(CALLER, `name: caller\non:\n  pull_request:\n${GRANT}jobs:\n  call:\n${callerJob}    uses: ./.github/workflows/x.yaml\n`);
  return check(files);
}

test('a reusable workflow that can also be dispatched keeps its own trigger beside its callers\'', () => {
  assert.equal(subs(reusable('  workflow_call:\n  workflow_dispatch:\n', '')), [`${REPO}:pull_request`, `${REPO}:ref:refs/heads/main`]);
});

test('a reusable workflow nobody calls: taken to run on the default branch', () => {
  const files = golden('guide-basic');
  files.set(X, `name: x\non:\n  workflow_call:\n${GRANT}jobs:\n  x:\n    runs-on: ubuntu-latest\n${awsStep(ROLE_DEV)}`);
  assert.equal(xChains(check(files)).map((c) => [c.sub, c.verdict]), [[`${REPO}:ref:refs/heads/main`, 'allowed']]);
});

test('a workflow without workflow_call takes nothing from a job that names it', () => {
  assert.equal(subs(reusable('  push:\n    branches: [release]\n', '')), [`${REPO}:ref:refs/heads/release`]);
});

test('a calling job whose permissions leave out id-token: the reusable job is denied, the finding names the caller', () => {
  const result = reusable('  workflow_call:\n', '    permissions:\n      contents: read\n');
  const chains = xChains(result);
  assert.equal(chains.map((c) => [c.sub, c.verdict, c.reasons[0]]), [[`${REPO}:pull_request`, 'denied', 'the job has no id-token: write']]);
  const f = result.findings.filter((x) => x.code === 'id-token-missing');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].file, CALLER);
  assert.is(f[0].place, 'jobs.call.permissions');
  assert.is(f[0].line, 9);
  assert.match(f[0].message, /^job "x" obtains AWS credentials but the calling job's permissions in \.github\/workflows\/caller\.yaml \(a reusable workflow gets no more than its caller grants\) do not grant id-token: write/);
  assert.is(f[0].fix, 'add "id-token: write" to jobs.call.permissions in .github/workflows/caller.yaml');
});

test('a calling job that grants id-token itself: the reusable job is allowed', () => {
  const result = reusable('  workflow_call:\n', '    permissions:\n      id-token: write\n      contents: read\n');
  assert.equal(xChains(result).map((c) => [c.sub, c.verdict]), [[`${REPO}:pull_request`, 'allowed']]);
  assert.equal(result.findings.filter((x) => x.code === 'id-token-missing'), []);
});

test('two callers, one granting id-token and one not: only the runs of the one without are denied, and its file is named', () => {
  const files = golden('guide-basic');
  files.set(X, `name: x\non:\n  workflow_call:\njobs:\n  x:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n      contents: read\n${awsStep(ROLE_DEV)}`);
  files.set(CALLER, 'name: caller\non:\n  pull_request:\npermissions:\n  contents: read\njobs:\n  call:\n    uses: ./.github/workflows/x.yaml\n');
  files.set('.github/workflows/push.yaml', `name: push\non:\n  push:\n    branches: [main]\n${GRANT}jobs:\n  call:\n    uses: ./.github/workflows/x.yaml\n`);
  const result = check(files);
  assert.equal(xChains(result).map((c) => [c.sub, c.verdict, c.reasons[0]]), [
    [`${REPO}:pull_request`, 'denied', 'the job has no id-token: write'],
    [`${REPO}:ref:refs/heads/main`, 'allowed', undefined],
  ]);
  const f = result.findings.filter((x) => x.code === 'id-token-missing');
  assert.equal(f.map((x) => [x.file, x.place]), [[CALLER, 'permissions']]);
});

test('a reusable job that checks out a sha its caller passes from a dispatch: the chain says the dispatcher picks the code', () => {
  const files = golden('guide-basic');
  files.set(X, `name: x\non:\n  workflow_call:\n    inputs:\n      sha:\n        type: string\njobs:\n  x:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n      contents: read\n    steps:\n      - uses: actions/checkout@v6\n        with:\n          ref: \${{ inputs.sha }}\n${awsStep(ROLE_DEV).split('\n').slice(1).join('\n')}`);
  files.set(CALLER, `name: caller\non:\n  workflow_dispatch:\n    inputs:\n      sha:\n        type: string\n${GRANT}jobs:\n  call:\n    uses: ./.github/workflows/x.yaml\n    with:\n      sha: \${{ inputs.sha }}\n`);
  assert.equal(xChains(check(files)).map((c) => [c.sub, c.runs]), [[`${REPO}:ref:refs/heads/main`, "checks out ${{ inputs.sha }}: input sha: any commit the dispatcher names, an unmerged pull request's head included"]]);
});

// ---- what runs ----

test('a checkout of a dispatched sha: the chain says the dispatcher picks the code that runs', () => {
  const job = '    steps:\n      - uses: actions/checkout@v6\n        with:\n          ref: ${{ inputs.sha }}\n      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: ' + ROLE_DEV + '\n          aws-region: us-east-2\n';
  const chains = xChains(withWorkflow('on:\n  workflow_dispatch:\n    inputs:\n      sha:\n        type: string\n', job));
  assert.equal(chains.map((c) => [c.step, c.sub, c.runs]), [[1, `${REPO}:ref:refs/heads/main`, 'checks out ${{ inputs.sha }}: input sha: any commit the dispatcher names, an unmerged pull request\'s head included']]);
});

// ---- atmos steps ----

const atmosJob = (script: string): string => `    env:\n      ATMOS_PROFILE: github\n    steps:\n      - run: |\n${script.split('\n').map((l) => `          ${l}`).join('\n')}\n`;

test('an atmos command with --identity=false asks GitHub for no token: no chain, no id-token finding', () => {
  const result = withWorkflow('on:\n  push:\n', atmosJob('atmos terraform plan iam-role/terraform -s dev --identity=false'), '');
  assert.equal(xChains(result), []);
  assert.equal(result.findings.filter((x) => x.code === 'id-token-missing'), []);
});

test('the same atmos command in both branches of an if: one chain', () => {
  const result = withWorkflow('on:\n  push:\n', atmosJob('if [ -n "$X" ]; then\n  atmos terraform plan iam-role/terraform -s dev\nelse\n  atmos terraform plan iam-role/terraform -s dev\nfi'));
  const chains = xChains(result);
  assert.equal(chains.map((c) => [c.command, c.stack, c.components, c.sub, c.verdict]), [['atmos terraform plan', 'dev', ['iam-role/terraform'], `${REPO}:ref:refs/heads/main`, 'allowed']]);
});

test('a chain already denied for its role keeps that reason first when id-token is missing too', () => {
  const result = withWorkflow('on:\n  push:\n', awsStep(NOBODY), '');
  const chains = xChains(result);
  assert.is(chains.length, 1);
  assert.is(chains[0].verdict, 'denied');
  assert.ok(!chains[0].reasons.includes('the job has no id-token: write'), chains[0].reasons.join(' | '));
  assert.is(result.findings.filter((x) => x.code === 'id-token-missing').length, 1);
});

// ---- matrix rows ----

const matrixJob = (matrix: string, role: string, extra = ''): string => `${extra}    strategy:\n      matrix:\n${matrix}${awsStep(role)}`;

test('a matrix with two plain values: the variant names both, comma-separated', () => {
  const chains = xChains(withWorkflow('on:\n  push:\n', matrixJob(`        include:\n          - stage: dev\n            region: east\n            role: ${ROLE_DEV}\n`, '${{ matrix.role }}')));
  assert.equal(chains.map((c) => [c.variant, c.roleArn]), [['stage=dev,region=east', ROLE_DEV]]);
});

test('a matrix of bare role ARNs: each chain is labelled by its ARN', () => {
  const chains = xChains(withWorkflow('on:\n  push:\n', matrixJob(`        role: [${ROLE_DEV}, ${NOBODY}]\n`, '${{ matrix.role }}')));
  assert.equal(chains.map((c) => c.variant), [`role=${ROLE_DEV}`, `role=${NOBODY}`]);
});

test('another ARN column in the matrix does not label the variant', () => {
  const chains = xChains(withWorkflow('on:\n  push:\n', matrixJob(`        include:\n          - stage: dev\n            boundary: arn:aws:iam::111111111111:policy/boundary\n            role: ${ROLE_DEV}\n`, '${{ matrix.role }}')));
  assert.equal(chains.map((c) => c.variant), ['stage=dev']);
});

test('a literal role in a matrix job: one chain, no variant', () => {
  const chains = xChains(withWorkflow('on:\n  push:\n', matrixJob('        stage: [dev, prod]\n', ROLE_DEV)));
  assert.equal(chains.map((c) => [c.variant, c.roleArn, c.verdict]), [[null, ROLE_DEV, 'allowed']]);
});

test('two matrix rows with the same role and sub: one chain, labelled by the first row', () => {
  const chains = xChains(withWorkflow('on:\n  push:\n', matrixJob(`        include:\n          - stage: a\n            role: ${ROLE_DEV}\n          - stage: b\n            role: ${ROLE_DEV}\n`, '${{ matrix.role }}')));
  assert.equal(chains.map((c) => c.variant), ['stage=a']);
});

test('a matrix role that is itself an expression: unknown, nothing else filled in', () => {
  const result = withWorkflow('on:\n  push:\n', matrixJob('        include:\n          - stage: dev\n            role: ${{ vars.ROLE }}\n', '${{ matrix.role }}'));
  const chains = xChains(result);
  assert.is(chains.length, 1);
  const ch = chains[0];
  assert.equal([ch.verdict, ch.trust, ch.roleArn, ch.variant, ch.command, ch.stack, ch.identity], ['unknown', 'unknown', null, 'stage=dev', 'configure-aws-credentials', null, null]);
  assert.equal([ch.components, ch.profiles, ch.patterns], [[], [], []]);
  assert.equal(ch.reasons, ['role-to-assume is ${{ vars.ROLE }}: known only when the workflow runs']);
  const f = result.findings.filter((x) => x.code === 'value-unknowable');
  assert.equal(f.map((x) => [x.severity, x.message]), [['warning', 'role-to-assume of job "x" (${{ vars.ROLE }}) is known only when the workflow runs: its chain cannot be proved']]);
});

test('role-to-assume from an input stays unknown, even when a matrix key has its name', () => {
  const result = withWorkflow('on:\n  workflow_dispatch:\n    inputs:\n      role:\n        type: string\n', matrixJob(`        role: [${ROLE_DEV}]\n`, '${{ inputs.role }}'));
  const chains = xChains(result);
  assert.equal(chains.map((c) => [c.verdict, c.roleArn]), [['unknown', null]]);
  assert.equal(chains[0].reasons, ['role-to-assume is ${{ inputs.role }}: known only when the workflow runs']);
  const f = result.findings.filter((x) => x.code === 'value-unknowable');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'role-to-assume of job "x" (${{ inputs.role }}) is known only when the workflow runs: its chain cannot be proved');
  assert.is(f[0].fix, 'use a literal role ARN (or a matrix of literal ARNs)');
  assert.is(f[0].place, 'jobs.x.steps[0].with.role-to-assume');
});

// ---- the job's environment ----

test('an environment from a matrix key the job does not define: unknown, no variant', () => {
  const result = withWorkflow('on:\n  push:\n', `    environment: \${{ matrix.env }}\n${awsStep(ROLE_DEV)}`);
  const chains = xChains(result);
  assert.equal(chains.map((c) => [c.variant, c.sub, c.condition, c.verdict]), [[null, null, null, 'unknown']]);
  assert.equal(chains[0].reasons, ['the job\'s environment (${{ matrix.env }}) is known only when the workflow runs']);
  assert.ok(result.findings.some((f) => f.code === 'value-unknowable' && f.message.startsWith('the environment of job "x" (${{ matrix.env }})')));
});

test('an environment from another expression: unknown, not a dispatch condition', () => {
  const chains = xChains(withWorkflow('on:\n  workflow_dispatch:\n', `    environment: \${{ vars.ENV }}\n${awsStep(ROLE_DEV)}`));
  assert.equal(chains.map((c) => [c.sub, c.condition, c.verdict]), [[null, null, 'unknown']]);
  assert.equal(chains[0].reasons, ['the job\'s environment (${{ vars.ENV }}) is known only when the workflow runs']);
});

// ---- audience ----

test('audience sts.amazonaws.com spelt out: no finding, a clean chain', () => {
  const result = withWorkflow('on:\n  push:\n', awsStep(ROLE_DEV, '          audience: sts.amazonaws.com\n'));
  assert.equal(result.findings.filter((x) => x.code === 'audience-invalid'), []);
  assert.equal(xChains(result).map((c) => [c.audience, c.verdict, c.reasons]), [['sts.amazonaws.com', 'allowed', []]]);
});

test('audience from an expression: no audience finding; the chain says the audience is an expression', () => {
  const result = withWorkflow('on:\n  push:\n', awsStep(ROLE_DEV, '          audience: ${{ vars.AUDIENCE }}\n'));
  assert.equal(result.findings.filter((x) => x.code === 'audience-invalid'), []);
  const chains = xChains(result);
  assert.is(chains.length, 1);
  assert.is(chains[0].audience, 'sts.amazonaws.com');
  assert.ok(chains[0].reasons.includes('audience is an expression'), chains[0].reasons.join(' | '));
});

test('another audience: the finding points at the step\'s audience input and says to remove it', () => {
  const f = withWorkflow('on:\n  push:\n', awsStep(ROLE_DEV, '          audience: sts.us-east-1.amazonaws.com\n')).findings.filter((x) => x.code === 'audience-invalid');
  assert.equal(f.map((x) => [x.file, x.place, x.fix]), [[X, 'jobs.x.steps[0].with.audience', 'remove the audience input (it defaults to sts.amazonaws.com)']]);
  const lines = withWorkflowText('on:\n  push:\n', awsStep(ROLE_DEV, '          audience: sts.us-east-1.amazonaws.com\n')).split('\n');
  assert.match(lines[f[0].line - 1], /^\s+audience: sts\.us-east-1\.amazonaws\.com$/, 'the line is the audience input\'s, not role-to-assume\'s');
});

// ---- Atmos Pro dispatches (advanced: the apply job's environment is inputs.github_environment) ----

const ENV_TEMPLATE = /github_environment: "\{\{ \.vars\.stage \}\}"/g;
const TEMPLATES_ON = /\ntemplates:\n  settings:\n    enabled: true\n/;
const applySubs = (r: CheckResult) => [...new Set(r.chains.filter((c) => c.job === 'apply').map((c) => c.sub))].sort();
const STAGES = ['dev', 'prod', 'staging'];
const STAGE_SUBS = STAGES.map((s) => `${REPO}:environment:${s}`);

test('Atmos Pro passes null for the environment: the apply runs in the trigger\'s context', () => {
  const files = change(golden('advanced-three-accounts'), PRO, ENV_TEMPLATE, 'github_environment: null');
  assert.equal(applySubs(check(files)), [`${REPO}:ref:refs/heads/main`]);
});

test('a literal environment in settings.pro needs no templates: no templates-disabled while they are off', () => {
  const files = change(change(golden('advanced-three-accounts'), PRO, ENV_TEMPLATE, 'github_environment: prod'), 'atmos.yaml', TEMPLATES_ON, '\n');
  const result = check(files);
  assert.equal(result.findings.filter((x) => x.code === 'templates-disabled'), []);
  assert.equal(applySubs(result), [`${REPO}:environment:prod`]);
});

test('templates-disabled: the finding points at the settings.pro line that passes the template', () => {
  const files = change(golden('advanced-three-accounts'), 'atmos.yaml', TEMPLATES_ON, '\n');
  const f = check(files).findings.filter((x) => x.code === 'templates-disabled');
  assert.ok(f.length >= 1);
  const lines = files.get(PRO)!.split('\n');
  const envLines = lines.flatMap((l, i) => (l.includes('github_environment:') ? [i + 1] : []));
  assert.equal([...new Set(f.map((x) => `${x.file}:${x.line}`))].sort(), envLines.map((n) => `${PRO}:${n}`).sort());
  assert.ok(f.every((x) => x.fix === 'add "templates: { settings: { enabled: true } }" to atmos.yaml'));
  assert.ok(f.every((x) => JSON.stringify(x.related) === JSON.stringify([APPLY])), JSON.stringify(f[0].related));
  assert.match(f[0].message, /^settings\.pro passes github_environment: "\{\{ \.vars\.stage \}\}" to atmos-terraform-apply\.yaml/);
});

const LIST_PRO = `settings:
  pro:
    enabled: true
    events:
      - on: [merged]
        workflows:
          atmos-terraform-apply.yaml:
            inputs:
              component: "{{ .atmos_component }}"
              stack: "{{ .atmos_stack }}"
              github_environment: "{{ .vars.stage }}"
`;

test('settings.pro events as a list: the dispatched environment is read from each entry', () => {
  const files = golden('advanced-three-accounts');
  files.set(PRO, LIST_PRO);
  assert.equal(applySubs(check(files)), STAGE_SUBS);
});

test('settings.pro events as a list with templates off: the finding points at the entry\'s line', () => {
  const files = change(golden('advanced-three-accounts'), 'atmos.yaml', TEMPLATES_ON, '\n');
  files.set(PRO, LIST_PRO);
  const f = check(files).findings.filter((x) => x.code === 'templates-disabled');
  assert.ok(f.length >= 1);
  assert.equal([...new Set(f.map((x) => `${x.file}:${x.line}`))], [`${PRO}:11`]);
});

test('settings.pro disabled: Atmos Pro dispatches nothing, the environment is whatever the dispatcher types', () => {
  const result = check(change(golden('advanced-three-accounts'), PRO, '    enabled: true\n    pull_request:', '    enabled: false\n    pull_request:'));
  const apply = result.chains.filter((c) => c.job === 'apply');
  assert.ok(apply.length >= 1);
  assert.equal(apply.map((c) => [c.sub, c.condition]).sort(), STAGES.map((s) => [`${REPO}:environment:${s}`, `dispatched with github_environment=${s}`]));
});

test('a disabled drift detection dispatches no remediation', () => {
  const files = change(golden('advanced-three-accounts'), PRO, /drift_detection:\n      enabled: true/, 'drift_detection:\n      enabled: false');
  change(files, PRO, /(remediate:[\s\S]*?)github_environment: "\{\{ \.vars\.stage \}\}"/, '$1github_environment: other');
  assert.equal(applySubs(check(files)), STAGE_SUBS);
});

test('a plain string elsewhere in settings.pro does not stop the dispatch being read', () => {
  const files = change(golden('advanced-three-accounts'), PRO, '    enabled: true\n', '    enabled: true\n    note: dispatched by Atmos Pro\n');
  assert.equal(applySubs(check(files)), STAGE_SUBS);
});

/** The apply chains as `sub condition`: a dispatched environment has no condition; one typed by hand has. */
const applyRows = (r: CheckResult) => [...new Set(r.chains.filter((c) => c.job === 'apply').map((c) => `${c.sub} ${c.condition}`))].sort();
const DISPATCHED = STAGE_SUBS.map((s) => `${s} null`);

/** advanced with the apply workflow stored as `file` and settings.pro naming it `named`. */
function applyNamed(file: string, named: string): CheckResult {
  const files = golden('advanced-three-accounts');
  files.set(`.github/workflows/${file}`, files.get(APPLY)!);
  if (file !== 'atmos-terraform-apply.yaml') files.delete(APPLY);
  if (named !== 'atmos-terraform-apply.yaml') change(files, PRO, /atmos-terraform-apply\.yaml:/g, `${named}:`);
  return check(files);
}

test('settings.pro may name the workflow with its other extension', () => {
  assert.equal(applyRows(applyNamed('atmos-terraform-apply.yaml', 'atmos-terraform-apply.yaml')), DISPATCHED, 'the same name');
  assert.equal(applyRows(applyNamed('atmos-terraform-apply.yml', 'atmos-terraform-apply.yaml')), DISPATCHED, 'file .yml, settings .yaml');
  assert.equal(applyRows(applyNamed('atmos-terraform-apply.yaml', 'atmos-terraform-apply.yml')), DISPATCHED, 'file .yaml, settings .yml');
});

test('a workflow name with the extension twice: only the last one is swapped', () => {
  assert.equal(applyRows(applyNamed('apply.yaml.yaml', 'apply.yaml.yml')), DISPATCHED, 'file .yaml.yaml, settings .yaml.yml');
  assert.equal(applyRows(applyNamed('apply.yml.yml', 'apply.yml.yaml')), DISPATCHED, 'file .yml.yml, settings .yml.yaml');
  assert.equal(applyRows(applyNamed('apply.yaml.yaml', 'apply.yml.yaml')), STAGE_SUBS.map((s, i) => `${s} dispatched with github_environment=${STAGES[i]}`), 'the first .yaml is not the extension');
});

test('Atmos Pro passes the environment through a YAML function: the chain says it is known only when the workflow runs', () => {
  const result = check(change(golden('advanced-three-accounts'), PRO, ENV_TEMPLATE, 'github_environment: !env GITHUB_ENV_NAME'));
  const apply = result.chains.filter((c) => c.job === 'apply');
  assert.ok(apply.length >= 1);
  assert.ok(apply.every((c) => c.sub === null && c.verdict === 'unknown' && c.reasons[0] === 'the job\'s environment (input github_environment from settings.pro) is known only when the workflow runs'), apply.map((c) => c.reasons.join(' | ')).join('\n'));
});

test('a component that Atmos Pro does not dispatch: the environment is whatever the dispatcher types', () => {
  const files = golden('advanced-three-accounts');
  files.set(PRO, '# no Atmos Pro\nsettings: {}\n');
  const apply = check(files).chains.filter((c) => c.job === 'apply');
  assert.ok(apply.length >= 1);
  assert.equal(apply.map((c) => [c.sub, c.condition]).sort(), STAGES.map((s) => [`${REPO}:environment:${s}`, `dispatched with github_environment=${s}`]));
});

test.run();
