/**
 * check's Atmos chains (src/check/chains.ts: atmosChains, terraformTargets, resolveIdentity) by
 * behaviour: which stacks and components an `atmos` step runs for, how the profile and identity it
 * names are found, and the exact findings (message, fix) when they are not. Each case plants one
 * change in a golden repository read in memory, or adds a small workflow of its own.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CheckResult } from '../src/check/index.ts';
import { change as edit, check, golden as goldenTree } from './helpers/golden-repo.ts';

const golden = (name = 'advanced-three-accounts'): Map<string, string> => goldenTree(name);

const PROFILE = 'profiles/github/atmos.yaml';
const DEV = 'stacks/orgs/acme/dev.yaml';
const CATALOG = 'stacks/catalog/github-ci.yaml';
const APPLY = '.github/workflows/atmos-terraform-apply.yaml';
const PLAN = '.github/workflows/atmos-terraform-plan.yaml';
const X = '.github/workflows/x.yaml';
const ALL = ['github-oidc-provider', 'iam-role/planner', 'iam-role/terraform'];
const PLANNER_DEV = 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner';
const ADMIN_DEV = 'arn:aws:iam::111111111111:role/acme-gbl-dev-terraform';

/** A dispatched workflow x.yaml with one job "x": `env` lines (6 spaces deep) and one `run` line. */
function withJob(files: Map<string, string>, env: string, run: string, path = X, job = 'x'): Map<string, string> {
  files.set(
    path,
    `name: ${job}\non:\n  workflow_dispatch:\n    inputs:\n      stack:\n        type: string\n      who:\n        type: string\npermissions:\n  id-token: write\n  contents: read\njobs:\n  ${job}:\n    runs-on: ubuntu-latest\n    env:\n      _: "1"\n${env}    steps:\n      - run: ${run}\n`,
  );
  return files;
}
const GITHUB = '      ATMOS_PROFILE: github\n';
const chainsOf = (r: CheckResult, path = X) => r.chains.filter((c) => c.workflow === path);
const findingsOf = (r: CheckResult, code: string) => r.findings.filter((f) => f.code === code);
const rows = (r: CheckResult, path = X) => chainsOf(r, path).map((c) => `${c.stack ?? '-'} ${c.components.join(',') || '-'} ${c.identity} ${c.roleArn} ${c.verdict}`);

// ---- profiles ----

test('a misspelt profile list: profile-missing names every missing profile and the profiles there are', () => {
  const result = check(edit(golden(), PLAN, 'ATMOS_PROFILE: github', 'ATMOS_PROFILE: gihtub,nope'));
  const f = findingsOf(result, 'profile-missing');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].message, 'job "plan" activates profile "gihtub", "nope", which has no directory under profiles/ (Atmos stops with "profile not found")');
  assert.is(f[0].fix, 'create profiles/gihtub/atmos.yaml, or set ATMOS_PROFILE to one of: github');
  assert.is(f[0].file, PLAN);
  assert.is(f[0].job, 'plan');
});

test('a profile named where no profile exists at all: the fix says there is none to choose', () => {
  const files = golden();
  files.delete(PROFILE);
  const f = findingsOf(check(files), 'profile-missing');
  assert.ok(f.length >= 1);
  assert.is(f[0].fix, 'create profiles/github/atmos.yaml, or set ATMOS_PROFILE to one of: (none)');
});

test('a profile from a workflow input: value-unknowable warning, the default profile is read', () => {
  const result = check(withJob(golden(), '      ATMOS_PROFILE: ${{ inputs.who }}\n      ATMOS_IDENTITY: acme/admin\n', 'atmos terraform plan iam-role/planner -s dev'));
  const f = findingsOf(result, 'value-unknowable');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'warning');
  assert.is(f[0].message, 'the profile of job "x" (${{ inputs.who }}) is known only when the workflow runs; reading the default profile');
  assert.is(f[0].fix, 'set ATMOS_PROFILE to a literal profile name');
  assert.is(f[0].workflow, X);
  assert.is(f[0].job, 'x');
  const chains = chainsOf(result);
  assert.is(chains.length, 1);
  assert.equal(chains.map((c) => [c.profiles, c.identity]), [[[], 'acme/admin']], 'the stack defines acme/admin without the profile');
});

test('two profiles active, the identity in neither: the message names both; a misspelt one lists every profile there is', () => {
  const files = golden();
  files.set('profiles/ci/atmos.yaml', 'logs:\n  level: Info\n');
  const f = findingsOf(check(withJob(files, '      ATMOS_PROFILE: github,ci\n      ATMOS_IDENTITY: acme/nobody\n', 'atmos describe affected')), 'identity-not-in-profile');
  assert.is(f.length, 1);
  assert.match(f[0].message, /, which profile github,ci does not define \(identities: acme\/planner, acme\/admin\)$/);
  const missing = findingsOf(check(edit(files, PLAN, 'ATMOS_PROFILE: github', 'ATMOS_PROFILE: gihtub')), 'profile-missing');
  assert.is(missing.length, 1);
  assert.match(missing[0].fix!, /, or set ATMOS_PROFILE to one of: (ci, github|github, ci)$/);
});

// ---- Atmos auth absent, or identities the job selects ----

test('no Atmos auth anywhere and no identity named: the job uses its own credentials, no chain and no default-identity error', () => {
  const files = golden();
  files.delete(PROFILE);
  for (const p of [...files.keys()].filter((k) => k.startsWith('stacks/orgs/acme/') && !k.endsWith('_defaults.yaml'))) edit(files, p, /\nauth:\n(  .*\n|\n)*?(?=components:)/, '\n');
  withJob(files, '', 'atmos terraform plan iam-role/planner -s dev');
  const result = check(files);
  assert.equal(chainsOf(result), []);
  assert.equal(result.findings.filter((f) => f.workflow === X), []);
});

test('an identity named where no identity is defined: identity-not-in-profile lists none', () => {
  const files = golden();
  files.delete(PROFILE);
  edit(files, DEV, /\nauth:\n(  .*\n|\n)*?(?=components:)/, '\n');
  const result = check(withJob(files, '      ATMOS_IDENTITY: acme/admin\n', 'atmos terraform plan iam-role/planner -s dev'));
  const f = findingsOf(result, 'identity-not-in-profile').filter((x) => x.workflow === X);
  assert.is(f.length, 1);
  assert.is(f[0].message, 'job "x" selects identity "acme/admin" (ATMOS_IDENTITY), which atmos.yaml (no profile) does not define in stack dev (identities: none)');
  assert.is(f[0].fix, 'use one of the identities of atmos.yaml (no profile), or add "acme/admin" to atmos.yaml');
  assert.is(f[0].stack, 'dev');
  const chains = chainsOf(result);
  assert.equal(chains.map((c) => [c.identity, c.verdict, c.trust, c.reasons]), [['acme/admin', 'denied', 'unknown', ['identity acme/admin is not defined in atmos.yaml (no profile)']]]);
});

test('an identity the profile lacks, outside any stack: the message names the profile and its identities', () => {
  const result = check(withJob(golden(), `${GITHUB}      ATMOS_IDENTITY: acme/nobody\n`, 'atmos describe affected'));
  const f = findingsOf(result, 'identity-not-in-profile');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'job "x" selects identity "acme/nobody" (ATMOS_IDENTITY), which profile github does not define (identities: acme/planner, acme/admin)');
  assert.is(f[0].fix, 'use one of the identities of profile github, or add "acme/nobody" to profiles/github/atmos.yaml');
  assert.is(f[0].stack, undefined);
  const chains = chainsOf(result);
  assert.equal(chains.map((c) => [c.command, c.stack, c.components, c.identity, c.roleArn, c.verdict, c.trust, c.reasons]), [
    ['atmos describe affected', null, [], 'acme/nobody', null, 'denied', 'unknown', ['identity acme/nobody is not defined in profile github']],
  ]);
});

test('an identity named in a repository without atmos.yaml: the fix points at atmos.yaml', () => {
  const files = golden();
  files.delete('atmos.yaml');
  files.delete(PROFILE);
  const f = findingsOf(check(withJob(files, '      ATMOS_IDENTITY: acme/nobody\n', 'atmos describe affected')), 'identity-not-in-profile');
  assert.is(f.length, 1);
  assert.match(f[0].fix!, /, or add "acme\/nobody" to atmos\.yaml$/);
});

test('the same undefined identity in two workflows: each job gets its own identity-not-in-profile', () => {
  const files = withJob(golden(), `${GITHUB}      ATMOS_IDENTITY: acme/nobody\n`, 'atmos terraform plan iam-role/planner -s dev');
  withJob(files, `${GITHUB}      ATMOS_IDENTITY: acme/nobody\n`, 'atmos terraform plan iam-role/planner -s dev', '.github/workflows/y.yaml', 'y');
  const f = findingsOf(check(files), 'identity-not-in-profile');
  assert.equal(f.map((x) => [x.workflow, x.job]).sort(), [[X, 'x'], ['.github/workflows/y.yaml', 'y']]);
});

test('an identity from a workflow input: the chain is unknown, with a value-unknowable warning', () => {
  const result = check(withJob(golden(), `${GITHUB}      ATMOS_IDENTITY: \${{ inputs.who }}\n`, 'atmos terraform plan iam-role/planner -s dev'));
  const chains = chainsOf(result);
  assert.equal(chains.map((c) => [c.stack, c.components, c.identity, c.roleArn, c.audience, c.trust, c.verdict, c.reasons]), [
    ['dev', ['iam-role/planner'], null, null, 'sts.amazonaws.com', 'unknown', 'unknown', ['the identity (${{ inputs.who }}) is known only when the workflow runs']],
  ]);
  const f = findingsOf(result, 'value-unknowable');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'the identity of job "x" (${{ inputs.who }}) is known only when the workflow runs');
  assert.is(f[0].fix, 'name the identity literally (--identity or ATMOS_IDENTITY)');
  assert.is(f[0].job, 'x');
});

test('an identity spelt in another case: Atmos finds it case-insensitively', () => {
  const chains = chainsOf(check(withJob(golden(), `${GITHUB}      ATMOS_IDENTITY: ACME/Admin\n`, 'atmos terraform plan iam-role/planner -s dev')));
  assert.equal(chains.map((c) => [c.identity, c.roleArn, c.verdict]), [['acme/admin', ADMIN_DEV, 'denied']]);
});

test('two identities that differ only in case: the exact name wins', () => {
  const files = edit(golden(), PROFILE, /\n$/, '\n    Acme/Planner:\n      kind: aws/assume-role\n      via:\n        provider: github-oidc\n      principal:\n        assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-terraform\n');
  edit(files, DEV, '\ncomponents:', '    Acme/Planner:\n      principal:\n        assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-terraform\n\ncomponents:');
  const chains = chainsOf(check(withJob(files, `${GITHUB}      ATMOS_IDENTITY: Acme/Planner\n`, 'atmos terraform plan iam-role/planner -s dev')));
  assert.equal(chains.map((c) => [c.identity, c.roleArn]), [['Acme/Planner', ADMIN_DEV]]);
});

// ---- defaults chosen in a stack ----

test('a stack marks another identity default: its plan chains use it', () => {
  const files = edit(golden(), DEV, '    acme/admin:\n      principal:', '    acme/admin:\n      default: true\n      principal:');
  const plan = chainsOf(check(files), PLAN).filter((c) => c.stack === 'dev');
  assert.ok(plan.length >= 1);
  assert.ok(plan.every((c) => c.identity === 'acme/admin' && c.roleArn === ADMIN_DEV), plan.map((c) => c.identity).join(', '));
});

test('a stack turns the profile\'s default off: default-identity-none in that stack only', () => {
  const files = edit(golden(), DEV, '    acme/planner:\n      principal:', '    acme/planner:\n      default: false\n      principal:');
  const result = check(files);
  const f = findingsOf(result, 'default-identity-none');
  assert.ok(f.length >= 1);
  assert.ok(f.every((x) => x.stack === 'dev'), f.map((x) => x.stack).join(', '));
  const plan = chainsOf(result, PLAN);
  assert.equal(plan.filter((c) => c.stack === 'dev').map((c) => c.reasons), [['no default identity']]);
  assert.ok(plan.filter((c) => c.stack !== 'dev').every((c) => c.identity === 'acme/planner'));
});

// ---- unreadable configuration ----

test('a profile that is not valid YAML: the chain is unknown, naming the file', () => {
  const files = golden();
  files.set(PROFILE, 'auth: [\n');
  const chains = chainsOf(check(withJob(files, GITHUB, 'atmos describe affected')));
  assert.equal(chains.map((c) => [c.identity, c.audience, c.verdict, c.trust, c.reasons]), [[null, 'sts.amazonaws.com', 'unknown', 'unknown', ['profiles/github/atmos.yaml is not valid YAML']]]);
});

test('a file a stack imports is not valid YAML: that stack\'s chains are unknown', () => {
  const files = golden();
  files.set('stacks/mixins/atmos-pro.yaml', 'settings: [\n');
  const chains = chainsOf(check(withJob(files, GITHUB, 'atmos terraform plan iam-role/planner -s dev')));
  assert.equal(chains.map((c) => [c.verdict, c.reasons]), [['unknown', ['stacks/mixins/atmos-pro.yaml is not valid YAML']]]);
});

test('an assume_role written as a template: value-unknowable on the identity, the chain unknown', () => {
  const files = edit(golden(), DEV, 'assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-terraform', 'assume_role: "arn:aws:iam::{{ .vars.account }}:role/acme-gbl-dev-terraform"');
  const result = check(withJob(files, `${GITHUB}      ATMOS_IDENTITY: acme/admin\n`, 'atmos terraform plan iam-role/planner -s dev'));
  assert.equal(chainsOf(result).map((c) => c.verdict), ['unknown']);
  const f = findingsOf(result, 'value-unknowable').filter((x) => /principal\.assume_role of identity "acme\/admin" in stack dev/.test(x.message));
  assert.ok(f.length >= 1);
  assert.is(f[0].workflow, undefined);
});

test('an identity literally named "null", then one known only at run time: the second row stays unknown', () => {
  const files = edit(golden(), PROFILE, /\n$/, '\n    "null":\n      kind: aws/assume-role\n      via:\n        provider: github-oidc\n      principal:\n        assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-planner\n');
  files.set(
    X,
    'name: x\non:\n  workflow_dispatch:\n    inputs:\n      who:\n        type: string\npermissions:\n  id-token: write\n  contents: read\njobs:\n  x:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        who: ["null", "${{ inputs.who }}"]\n    env:\n      ATMOS_PROFILE: github\n    steps:\n      - run: atmos terraform plan iam-role/planner -s dev --identity ${{ matrix.who }}\n',
  );
  const result = check(files);
  assert.equal(chainsOf(result).map((c) => [c.variant, c.identity, c.verdict]), [
    ['who=null', 'null', 'allowed'],
    ['who=${{ inputs.who }}', null, 'unknown'],
  ]);
  assert.ok(findingsOf(result, 'value-unknowable').some((f) => f.job === 'x' && /the identity of job "x"/.test(f.message)));
});

test('a quoted subcommand with a trailing space: the command is shown trimmed', () => {
  const chains = chainsOf(check(withJob(golden(), GITHUB, 'atmos terraform "plan " iam-role/planner -s dev')));
  assert.equal(chains.map((c) => c.command), ['atmos terraform plan']);
});

// ---- which stacks and components a terraform step runs for ----

test('one chain per stack for the components that share identity and role', () => {
  const result = check(withJob(golden(), GITHUB, 'atmos terraform plan --all -s dev'));
  assert.equal(rows(result), [`dev ${ALL.join(',')} acme/planner ${PLANNER_DEV} allowed`]);
  assert.is(chainsOf(result)[0].command, 'atmos terraform plan');
});

test('a component that names its own role: a chain of its own', () => {
  const files = edit(golden(), DEV, '    iam-role/terraform:\n      vars:', '    iam-role/terraform:\n      auth:\n        identities:\n          acme/planner:\n            principal:\n              assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-terraform\n      vars:');
  assert.equal(rows(check(withJob(files, GITHUB, 'atmos terraform plan --all -s dev'))).sort(), [
    `dev github-oidc-provider,iam-role/planner acme/planner ${PLANNER_DEV} allowed`,
    `dev iam-role/terraform acme/planner ${ADMIN_DEV} denied`,
  ]);
});

test('a component Atmos Pro dispatches to another environment: a chain of its own', () => {
  const files = edit(golden(), DEV, '    iam-role/planner:\n      vars:', '    iam-role/planner:\n      settings:\n        pro:\n          pull_request:\n            merged:\n              workflows:\n                atmos-terraform-apply.yaml:\n                  inputs:\n                    github_environment: special\n      vars:');
  const apply = check(files).chains.filter((c) => c.job === 'apply' && c.stack === 'dev');
  const subs = apply.map((c) => `${c.components.join(',')} ${c.sub}`);
  assert.ok(subs.includes('iam-role/planner repo:acme/infra-live:environment:special'), subs.join('\n'));
  assert.ok(subs.some((s) => s.startsWith('github-oidc-provider,iam-role/terraform ') && s.endsWith(':environment:dev')), subs.join('\n'));
});

test('abstract and disabled components are not run', () => {
  const files = edit(golden(), DEV, '\ncomponents:\n  terraform:\n', '\ncomponents:\n  terraform:\n    base-role:\n      metadata:\n        type: abstract\n    old-role:\n      metadata:\n        enabled: false\n');
  assert.equal(rows(check(withJob(files, GITHUB, 'atmos terraform plan --all -s dev'))), [`dev ${ALL.join(',')} acme/planner ${PLANNER_DEV} allowed`]);
});

test('no -s: the step runs for every stack that has the component', () => {
  const files = edit(golden(), DEV, '\ncomponents:\n  terraform:\n', '\ncomponents:\n  terraform:\n    only-dev:\n      vars:\n        enabled: true\n');
  const result = check(withJob(files, GITHUB, 'atmos terraform plan only-dev'));
  assert.equal(rows(result), [`dev only-dev acme/planner ${PLANNER_DEV} allowed`]);
  assert.equal(findingsOf(result, 'stack-missing'), []);
  assert.equal(chainsOf(check(withJob(golden(), GITHUB, 'atmos terraform plan iam-role/planner'))).map((c) => c.stack), ['dev', 'prod', 'staging']);
});

test('a stack that does not exist: stack-missing names the stacks there are, ten at most', () => {
  const result = check(withJob(golden(), GITHUB, 'atmos terraform plan iam-role/planner -s nowhere'));
  const f = findingsOf(result, 'stack-missing');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'job "x" runs for stack "nowhere", which no manifest defines (stacks: dev, prod, staging)');
  assert.is(f[0].fix, 'use the name Atmos gives the stack (its name:, else stacks.name_template / name_pattern in atmos.yaml)');
  assert.equal(chainsOf(result), []);
  const many = golden();
  for (let i = 0; i < 9; i++) many.set(`stacks/orgs/acme/s${i}.yaml`, `name: s${i}\nimport:\n  - orgs/acme/_defaults\nvars:\n  stage: s${i}\n`);
  const listed = /\(stacks: (.*)\)$/.exec(findingsOf(check(withJob(many, GITHUB, 'atmos terraform plan iam-role/planner -s nowhere')), 'stack-missing')[0].message)![1].split(', ');
  assert.is(listed.length, 10);
});

test('a stack named in a repository without stacks: stack-missing says none', () => {
  const files = golden();
  for (const p of [...files.keys()].filter((k) => k.startsWith('stacks/'))) files.delete(p);
  const f = findingsOf(check(withJob(files, GITHUB, 'atmos terraform plan iam-role/planner -s dev')), 'stack-missing').filter((x) => x.workflow === X);
  assert.is(f.length, 1);
  assert.match(f[0].message, /\(stacks: none\)$/);
});

// ---- Atmos Pro: a stack from an input runs only the components Pro dispatches the workflow for ----

/** github-oidc-provider opts out of Atmos Pro in every stack. */
/** The components each stack's chains run, whatever sub each chain has. */
const perStack = (chains: CheckResult['chains']): string[] => {
  const by = new Map<string, Set<string>>();
  for (const c of chains) for (const x of c.components) (by.get(c.stack ?? '-') ?? by.set(c.stack ?? '-', new Set()).get(c.stack ?? '-')!).add(x);
  return [...by].map(([s, xs]) => `${s} ${[...xs].sort().join(',')}`).sort();
};
const proOff = (): Map<string, string> => edit(golden(), CATALOG, '    github-oidc-provider:\n', '    github-oidc-provider:\n      settings:\n        pro:\n          enabled: false\n');

test('a stack from a dispatch input: only the components Pro dispatches the workflow for', () => {
  const apply = check(proOff()).chains.filter((c) => c.workflow === APPLY);
  assert.equal(perStack(apply), ['dev iam-role/planner,iam-role/terraform', 'prod iam-role/planner,iam-role/terraform', 'staging iam-role/planner,iam-role/terraform']);
});

test('a stack Pro never dispatches for does not stop the filtering in the others', () => {
  const files = proOff();
  files.set('stacks/orgs/acme/sandbox.yaml', 'name: sandbox\nimport:\n  - orgs/acme/_defaults\n  - catalog/github-ci\nvars:\n  stage: sandbox\n');
  const apply = check(files).chains.filter((c) => c.workflow === APPLY && c.stack === 'dev');
  assert.ok(apply.length >= 1);
  assert.ok(apply.every((c) => !c.components.includes('github-oidc-provider')), apply.map((c) => c.components.join(',')).join(' | '));
});

test('a literal stack in a dispatched workflow: every component of that stack', () => {
  const apply = check(edit(proOff(), APPLY, '-s "$STACK"', '-s dev')).chains.filter((c) => c.workflow === APPLY);
  assert.equal(perStack(apply), [`dev ${ALL.join(',')}`]);
});

test('no stack in a dispatched workflow: every component of every stack', () => {
  const apply = check(edit(proOff(), APPLY, ' -s "$STACK"', '')).chains.filter((c) => c.workflow === APPLY);
  assert.equal(perStack(apply), [`dev ${ALL.join(',')}`, `prod ${ALL.join(',')}`, `staging ${ALL.join(',')}`]);
});

test('a stack from an input of a workflow Pro never dispatches: every component of every stack', () => {
  const result = check(withJob(proOff(), GITHUB, 'atmos terraform plan --all -s ${{ inputs.stack }}'));
  assert.equal(chainsOf(result).map((c) => `${c.stack} ${c.components.join(',')}`), [`dev ${ALL.join(',')}`, `prod ${ALL.join(',')}`, `staging ${ALL.join(',')}`]);
  assert.equal(chainsOf(check(withJob(proOff(), GITHUB, 'atmos terraform plan --all -s dev'))).map((c) => c.components), [ALL]);
});

// ---- matrix ----

test('a stack from the matrix: one chain per row, labelled by the matrix values the step uses', () => {
  const chains = check(golden('guide-basic')).chains.filter((c) => c.workflow === '.github/workflows/test-oidc.yaml');
  assert.equal(chains.map((c) => [c.variant, c.stack, c.components]), [['stage=dev', 'dev', ['iam-role/terraform']]]);
});

test.run();
