/**
 * check's identity resolution (src/check/chains.ts, resolveIdentity and the start of evaluate) by
 * behaviour: the guide-basic golden repository read in memory, its workflows replaced by one job
 * (`deploy`, on push to main, profile github) whose steps and Atmos auth each test plants. Each
 * case names the identity shape and asserts the chain facts and the finding (severity, message,
 * file, line, place, fix) that `check` reports for it. Atmos auth facts: ../shared/reference/domain.md.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, memoryRepo, type CheckResult } from '../src/check/index.ts';
import { GOLDEN_DIR, readTree } from './helpers/run.ts';

const PROFILE = 'profiles/github/atmos.yaml';
const DEV = 'stacks/orgs/acme/dev.yaml';
const WF = '.github/workflows/ci.yaml';
const ROLE = 'arn:aws:iam::111111111111:role/acme-gbl-dev-terraform';
const PLAN = 'atmos terraform plan iam-role/terraform -s dev';
const WHOAMI = 'atmos auth whoami';

let tree: Map<string, string> | null = null;

const PROVIDERS = `  providers:
    github-oidc:
      kind: github/oidc
      region: us-east-2
      spec:
        audience: sts.amazonaws.com
`;

/** A profile with these providers and identities (YAML under auth:, indented two spaces). */
function profile(identities: string, providers = PROVIDERS): string {
  return `# CI profile\nauth:\n${providers}  identities:\n${identities}`;
}

const ADMIN = `    acme/admin:
      default: true
      kind: aws/assume-role
      via:
        provider: github-oidc
      principal:
        assume_role: ${ROLE}
`;

interface Setup {
  /** profiles/github/atmos.yaml; the golden one when absent. */
  profile?: string;
  /** The `auth:` block of stack dev (replacing the golden one); '' for none. */
  stackAuth?: string;
  /** Text appended to atmos.yaml. */
  atmos?: string;
  /** The `run:` lines of the job's steps. */
  steps?: string[];
  /** Extra lines of the job (e.g. `environment: …`), indented four spaces. */
  job?: string;
  /** Replace the whole workflow. */
  workflow?: string;
}

function repo(s: Setup = {}): Map<string, string> {
  if (!tree) tree = readTree(join(GOLDEN_DIR, 'guide-basic', 'expected'));
  const files = new Map(tree);
  for (const p of [...files.keys()]) if (p.startsWith('.github/workflows/')) files.delete(p);
  if (s.profile !== undefined) files.set(PROFILE, s.profile);
  if (s.stackAuth !== undefined) {
    const dev = files.get(DEV)!;
    const after = dev.replace(/\nauth:\n[\s\S]*?\ncomponents:/, `\n${s.stackAuth}\ncomponents:`);
    assert.is.not(after, dev, 'the stack auth block is replaced');
    files.set(DEV, after);
  }
  if (s.atmos !== undefined) files.set('atmos.yaml', `${files.get('atmos.yaml')}\n${s.atmos}`);
  const steps = (s.steps ?? [PLAN]).map((r) => `      - run: ${r}\n`).join('');
  files.set(
    WF,
    s.workflow ??
      `name: ci
on:
  push:
    branches: [main]
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
${s.job ?? ''}    env:
      ATMOS_PROFILE: github
    steps:
      - uses: actions/checkout@v6
${steps}`,
  );
  return files;
}

const check = (files: Map<string, string>): CheckResult => checkRepository(memoryRepo(files));
const only = (r: CheckResult, code: string) => r.findings.filter((f) => f.code === code);
/** 1-based line of the first line of `text` that equals `line` (trailing spaces aside). */
function lineIn(text: string, line: string): number {
  const i = text.split('\n').findIndex((l) => l.trimEnd() === line);
  assert.ok(i >= 0, `line ${JSON.stringify(line)} exists`);
  return i + 1;
}

test('the working identity: chain with context, sub, account and the role of the stack', () => {
  const r = check(repo());
  assert.is(r.chains.length, 1);
  const c = r.chains[0];
  assert.is(c.identity, 'acme/admin');
  assert.is(c.context, 'ref:refs/heads/main');
  assert.is(c.sub, 'repo:acme/infra-live:ref:refs/heads/main');
  assert.is(c.roleArn, ROLE);
  assert.is(c.account, '111111111111');
  assert.is(c.verdict, 'allowed');
});

test('no default identity: terraform and auth steps report default-identity-none at the profile; describe affected and list instances run unauthenticated', () => {
  const text = profile(ADMIN.replace('      default: true\n', ''));
  const r = check(repo({ profile: text, stackAuth: '', steps: [PLAN, 'atmos describe affected --upload', 'atmos list instances --upload', WHOAMI] }));
  assert.equal(r.chains.map((c) => [c.step, c.command, c.reasons, c.verdict]), [
    [1, 'atmos terraform plan', ['no default identity'], 'denied'],
    [4, 'atmos auth whoami', ['no default identity'], 'denied'],
  ]);
  const f = only(r, 'default-identity-none');
  assert.equal(f.map((x) => [x.severity, x.message, x.stack]), [
    ['error', 'job "deploy" names no identity and profile github has no default identity: in CI Atmos stops with "no default identity configured"', undefined],
    ['error', 'job "deploy" names no identity and profile github in stack dev has no default identity: in CI Atmos stops with "no default identity configured"', 'dev'],
  ]);
  for (const x of f) {
    assert.is(x.file, PROFILE);
    assert.is(x.line, lineIn(text, '  identities:'));
    assert.is(x.place, 'auth.identities');
    assert.is(x.fix, 'mark one identity "default: true" in profiles/github/atmos.yaml, or select one in the job (ATMOS_IDENTITY)');
    assert.equal(x.related, [WF, 'atmos.yaml', PROFILE]);
  }
});

test('two default identities in the profile: default-identity-multiple naming both', () => {
  const text = profile(ADMIN + ADMIN.replace('acme/admin', 'acme/other'));
  const r = check(repo({ profile: text, stackAuth: '', steps: [PLAN, WHOAMI] }));
  assert.ok(r.chains.every((c) => c.reasons.join() === 'several default identities (acme/admin, acme/other)' && c.verdict === 'denied'));
  assert.is(r.chains.length, 2);
  const f = only(r, 'default-identity-multiple');
  assert.equal(f.map((x) => [x.severity, x.message, x.file, x.line, x.place]), [
    ['error', 'profile github in stack dev marks 2 identities default (acme/admin, acme/other): in CI Atmos refuses to choose ("multiple default identities")', PROFILE, lineIn(text, '  identities:'), 'auth.identities'],
    ['error', 'profile github marks 2 identities default (acme/admin, acme/other): in CI Atmos refuses to choose ("multiple default identities")', PROFILE, lineIn(text, '  identities:'), 'auth.identities'],
  ]);
  assert.is(f[0].fix, 'keep "default: true" on exactly one identity (set the others to default: false where a stack selects its own)');
});

test('a stack that marks two identities default: the finding points at the stack\'s auth.identities', () => {
  const stackAuth = 'auth:\n  identities:\n    acme/admin:\n      default: true\n    acme/other:\n      default: true\n';
  const r = check(repo({ profile: profile(ADMIN + ADMIN.replace('acme/admin', 'acme/other').replace('      default: true\n', '')), stackAuth }));
  const f = only(r, 'default-identity-multiple');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'profile github in stack dev marks 2 identities default (acme/admin, acme/other): in CI Atmos refuses to choose ("multiple default identities")');
  assert.is(f[0].file, DEV);
  assert.is(f[0].line, lineIn(repo({ stackAuth }).get(DEV)!, '  identities:'));
  assert.is(f[0].place, 'auth.identities');
});

test('an identity reached through via.identity: the chain assumes the role of the identity that authenticates with the provider', () => {
  const text = profile(`    acme/admin:
      default: true
      kind: aws/assume-role
      via:
        identity: acme/base
      principal:
        assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-admin
    acme/base:
      kind: aws/assume-role
      via:
        provider: github-oidc
      principal:
        assume_role: ${ROLE}
`);
  const r = check(repo({ profile: text, stackAuth: '' }));
  assert.equal(r.findings.filter((x) => x.severity === 'error'), []);
  assert.is(r.chains.length, 1);
  assert.is(r.chains[0].identity, 'acme/admin');
  assert.is(r.chains[0].roleArn, ROLE);
  assert.is(r.chains[0].verdict, 'allowed');
});

test('via.identity naming an identity nobody defines: the identity itself has no provider', () => {
  const text = profile(`    acme/admin:
      default: true
      kind: aws/assume-role
      via:
        identity: acme/missing
      principal:
        assume_role: ${ROLE}
`);
  const f = only(check(repo({ profile: text, stackAuth: '' })), 'identity-not-oidc');
  assert.equal(f.map((x) => x.message), ['job "deploy" uses identity "acme/admin": identity "acme/admin" has no via.provider']);
});

test('a cycle of via.identity stops at the last identity before the cycle closes', () => {
  const text = profile(`    acme/admin:
      default: true
      kind: aws/assume-role
      via:
        identity: acme/base
    acme/base:
      kind: aws/assume-role
      via:
        identity: acme/admin
`);
  const r = check(repo({ profile: text, stackAuth: '' }));
  const f = only(r, 'identity-not-oidc');
  assert.equal(f.map((x) => [x.message, x.place]), [['job "deploy" uses identity "acme/admin": identity "acme/base" has no via.provider', 'auth.identities.acme/base']]);
});

test('an identity without via: identity-not-oidc at the identity in the profile, chain denied', () => {
  const text = profile(`    acme/admin:
      default: true
      kind: aws/assume-role
      principal:
        assume_role: ${ROLE}
`);
  const r = check(repo({ profile: text, stackAuth: '' }));
  const why = 'identity "acme/admin" has no via.provider';
  assert.equal(r.chains.map((c) => [c.reasons, c.verdict, c.trust]), [[[why], 'denied', 'unknown']]);
  const f = only(r, 'identity-not-oidc');
  assert.is(f.length, 1);
  assert.equal(
    { ...f[0] },
    {
      severity: 'error',
      code: 'identity-not-oidc',
      message: `job "deploy" uses identity "acme/admin": ${why}`,
      file: PROFILE,
      line: lineIn(text, '    acme/admin:'),
      place: 'auth.identities.acme/admin',
      fix: 'in the CI profile, make the identity kind aws/assume-role with via: { provider: <a github/oidc provider> }',
      related: [WF],
      workflow: WF,
      job: 'deploy',
      stack: 'dev',
    },
  );
});

const notOidc = (identities: string, providers = PROVIDERS): string[] =>
  only(check(repo({ profile: profile(identities, providers), stackAuth: '' })), 'identity-not-oidc').map((x) => x.message.replace('job "deploy" uses identity "acme/admin": ', ''));

test('via.provider that is not a name: the identity has no via.provider', () => {
  assert.equal(notOidc(ADMIN.replace('provider: github-oidc', 'provider: 42')), ['identity "acme/admin" has no via.provider']);
});

test('via.provider naming a provider the profile does not define', () => {
  assert.equal(notOidc(ADMIN.replace('provider: github-oidc', 'provider: github')), ['identity "acme/admin" uses provider "github", which profile github does not define']);
});

test('a provider written as a string, not a mapping, is not defined', () => {
  assert.equal(notOidc(ADMIN, '  providers:\n    github-oidc: github/oidc\n'), ['identity "acme/admin" uses provider "github-oidc", which profile github does not define']);
});

test('a provider of another kind (SSO) cannot run in GitHub Actions', () => {
  const sso = '  providers:\n    github-oidc:\n      kind: aws/iam-identity-center\n      region: us-east-2\n';
  assert.equal(notOidc(ADMIN, sso), ['identity "acme/admin" authenticates through provider "github-oidc" of kind aws/iam-identity-center, which cannot run in GitHub Actions without a person']);
});

test('an identity of kind aws/permission-set behind github/oidc', () => {
  assert.equal(notOidc(ADMIN.replace('kind: aws/assume-role', 'kind: aws/permission-set')), ['identity "acme/admin" is of kind aws/permission-set; behind github/oidc only aws/assume-role calls AssumeRoleWithWebIdentity']);
});

test('an identity defined in atmos.yaml: the finding points at atmos.yaml', () => {
  const atmos = `auth:\n  identities:\n    acme/admin:\n      default: true\n      kind: aws/assume-role\n      principal:\n        assume_role: ${ROLE}\n`;
  const files = repo({ profile: `auth:\n${PROVIDERS}`, stackAuth: '', atmos });
  const f = only(check(files), 'identity-not-oidc');
  assert.equal(f.map((x) => [x.file, x.line]), [['atmos.yaml', lineIn(files.get('atmos.yaml')!, '    acme/admin:')]]);
});

test('a provider in atmos.yaml and in the profile asks for a regional audience: audience-invalid at the profile, which wins, once for every step', () => {
  const atmos = `auth:\n${PROVIDERS}`;
  const text = profile(ADMIN, PROVIDERS.replace('audience: sts.amazonaws.com', 'audience: sts.us-east-1.amazonaws.com'));
  const r = check(repo({ profile: text, stackAuth: '', atmos, steps: [PLAN, WHOAMI] }));
  const f = only(r, 'audience-invalid');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /^provider "github-oidc" asks GitHub for audience "sts\.us-east-1\.amazonaws\.com", not sts\.amazonaws\.com/);
  assert.is(f[0].file, PROFILE);
  assert.is(f[0].line, lineIn(text, '        audience: sts.us-east-1.amazonaws.com'));
  assert.is(f[0].place, 'auth.providers.github-oidc.spec.audience');
  assert.is(f[0].fix, 'set auth.providers.github-oidc.spec.audience: sts.amazonaws.com');
  assert.equal(r.chains.map((c) => c.audience), ['sts.us-east-1.amazonaws.com', 'sts.us-east-1.amazonaws.com']);
});

test('a provider only atmos.yaml defines asks for a regional audience: audience-invalid at atmos.yaml\'s audience line, not at the profile', () => {
  const atmos = `auth:\n${PROVIDERS.replace('audience: sts.amazonaws.com', 'audience: sts.us-east-1.amazonaws.com')}`;
  const files = repo({ profile: profile(ADMIN, ''), stackAuth: '', atmos, steps: [PLAN] });
  const f = only(check(files), 'audience-invalid');
  assert.is(f.length, 1);
  assert.is(f[0].file, 'atmos.yaml', 'the file that defines the provider');
  assert.is(f[0].line, lineIn(files.get('atmos.yaml')!, '        audience: sts.us-east-1.amazonaws.com'));
});

test('a provider without spec.audience: audience-invalid, and the chain carries no audience', () => {
  const r = check(repo({ profile: profile(ADMIN, '  providers:\n    github-oidc:\n      kind: github/oidc\n'), stackAuth: '' }));
  const f = only(r, 'audience-invalid');
  assert.is(f.length, 1);
  assert.match(f[0].message, /^provider "github-oidc" sets no spec\.audience \(Atmos requires it\), not sts\.amazonaws\.com/);
  assert.is(f[0].file, PROFILE);
  assert.is(r.chains[0].audience, '');
});

test('an identity without principal.assume_role: identity-no-role, at the component in a stack and at the profile outside one', () => {
  const text = profile(ADMIN.replace(`      principal:\n        assume_role: ${ROLE}\n`, ''));
  const r = check(repo({ profile: text, stackAuth: '', steps: [PLAN, WHOAMI] }));
  assert.equal(r.chains.map((c) => [c.reasons, c.verdict]), [
    [['identity acme/admin has no principal.assume_role'], 'denied'],
    [['identity acme/admin has no principal.assume_role'], 'denied'],
  ]);
  const f = only(r, 'identity-no-role').map((x) => ({ ...x }));
  const common = { severity: 'error', code: 'identity-no-role', fix: 'set auth.identities.acme/admin.principal.assume_role to the role ARN', related: [WF], workflow: WF, job: 'deploy' };
  assert.equal(f, [
    {
      ...common,
      message: 'identity "acme/admin" has no principal.assume_role: Atmos has no role to assume',
      file: PROFILE,
      line: lineIn(text, '    acme/admin:'),
      place: 'auth.identities.acme/admin.principal.assume_role',
      stack: undefined,
    },
    {
      ...common,
      message: 'identity "acme/admin" has no principal.assume_role in stack dev: Atmos has no role to assume',
      file: DEV,
      line: 0,
      place: 'components.terraform.iam-role/terraform.auth.identities.acme/admin.principal.assume_role',
      stack: 'dev',
    },
  ]);
});

test('a templated principal.assume_role is known only when Atmos runs: value-unknowable, chain unknown', () => {
  const arn = 'arn:aws:iam::{{ .vars.account }}:role/ci';
  const text = profile(ADMIN.replace(ROLE, `"${arn}"`));
  const r = check(repo({ profile: text, stackAuth: '', steps: [PLAN, WHOAMI] }));
  assert.equal(only(r, 'identity-no-role'), []);
  assert.equal(r.chains.map((c) => [c.roleArn, c.verdict, c.reasons]), [
    [null, 'unknown', [`principal.assume_role of acme/admin (${arn}) is known only when Atmos runs`]],
    [null, 'unknown', [`principal.assume_role of acme/admin (${arn}) is known only when Atmos runs`]],
  ]);
  const f = only(r, 'value-unknowable');
  assert.equal(f.map((x) => [x.severity, x.message, x.file, x.place]), [
    ['warning', `principal.assume_role of identity "acme/admin" (${arn}) is known only when Atmos runs: its chains cannot be proved`, PROFILE, 'auth.identities.acme/admin.principal.assume_role'],
    ['warning', `principal.assume_role of identity "acme/admin" in stack dev (${arn}) is known only when Atmos runs: its chains cannot be proved`, DEV, 'components.terraform.iam-role/terraform.auth.identities.acme/admin.principal.assume_role'],
  ]);
  assert.is(f[0].fix, 'write the role ARN literally (or as !terraform.output <iam-role component> role_arn in the same stack)');
});

test('a stack whose identity reads its role with !terraform.output of the role component: the chain assumes that role', () => {
  const stackAuth = 'auth:\n  identities:\n    acme/admin:\n      principal:\n        assume_role: !terraform.output iam-role/terraform role_arn\n';
  const r = check(repo({ stackAuth }));
  assert.equal(r.chains.map((c) => [c.roleArn, c.verdict]), [[ROLE, 'allowed']]);
  assert.equal(only(r, 'value-unknowable'), []);
});

test('!terraform.output in the profile, for a command outside any stack: known only when Atmos runs', () => {
  const text = profile(ADMIN.replace(ROLE, '!terraform.output iam-role/terraform dev role_arn'));
  const r = check(repo({ profile: text, stackAuth: '', steps: [WHOAMI] }));
  assert.equal(r.chains.map((c) => [c.roleArn, c.verdict]), [[null, 'unknown']]);
  assert.equal(only(r, 'value-unknowable').map((x) => x.message), [
    'principal.assume_role of identity "acme/admin" (!terraform.output iam-role/terraform dev role_arn) is known only when Atmos runs: its chains cannot be proved',
  ]);
});

test('a file the stack imports is not valid YAML: its chains are unknown', () => {
  const files = repo();
  files.set('stacks/orgs/acme/_defaults.yaml', `${files.get('stacks/orgs/acme/_defaults.yaml')}\nbroken: [unclosed\n`);
  const r = check(files);
  assert.equal(r.chains.map((c) => [c.verdict, c.reasons]), [['unknown', ['stacks/orgs/acme/_defaults.yaml is not valid YAML']]]);
});

test('a stack that blanks auth.identities (identities: ~) leaves no identity: the job runs without Atmos auth, no chain', () => {
  const r = check(repo({ stackAuth: 'auth:\n  identities: ~\n' }));
  assert.equal(r.chains, []);
  assert.equal(r.findings.filter((x) => x.severity === 'error'), []);
});

test('a stack that blanks one identity (acme/admin: ~) leaves it without a provider', () => {
  const r = check(repo({ stackAuth: 'auth:\n  identities:\n    acme/admin: ~\n' }));
  assert.equal(only(r, 'identity-not-oidc').map((x) => x.message), ['job "deploy" uses identity "acme/admin": identity "acme/admin" has no via.provider']);
});

test('a stack that adds principal.session_name keeps the profile\'s principal.assume_role (deep merge)', () => {
  const r = check(repo({ stackAuth: 'auth:\n  identities:\n    acme/admin:\n      principal:\n        session_name: dev-ci\n' }));
  assert.equal(r.chains.map((c) => [c.roleArn, c.verdict]), [[ROLE, 'allowed']]);
});

test('a stack that clears the principal (principal: ~) leaves the identity without a role', () => {
  const r = check(repo({ stackAuth: 'auth:\n  identities:\n    acme/admin:\n      principal: ~\n' }));
  assert.equal(r.chains.map((c) => c.reasons), [['identity acme/admin has no principal.assume_role']]);
});

test('an environment known only when the workflow runs: the chain names it, value-unknowable at the job\'s environment', () => {
  const files = repo({ job: '    environment: ${{ vars.DEPLOY_ENV }}\n' });
  const r = check(files);
  assert.is(r.chains.length, 1);
  assert.is(r.chains[0].sub, null);
  assert.ok(r.chains[0].reasons.includes("the job's environment (${{ vars.DEPLOY_ENV }}) is known only when the workflow runs"), r.chains[0].reasons.join('\n'));
  const f = only(r, 'value-unknowable');
  assert.equal(f.map((x) => [x.severity, x.message, x.file, x.line, x.place, x.fix]), [
    [
      'warning',
      'the environment of job "deploy" (${{ vars.DEPLOY_ENV }}) is known only when the workflow runs, and it decides the sub claim',
      WF,
      lineIn(files.get(WF)!, '    environment: ${{ vars.DEPLOY_ENV }}'),
      'jobs.deploy.environment',
      'use a literal environment, or an input that settings.pro sets per stack',
    ],
  ]);
});

test('an environment known only at run time with a broken identity: no sub', () => {
  const r = check(repo({ profile: profile(ADMIN.replace('      default: true\n', '')), stackAuth: '', job: '    environment: ${{ vars.DEPLOY_ENV }}\n' }));
  assert.equal(r.chains.map((c) => [c.sub, c.context, c.reasons]), [[null, null, ['no default identity']]]);
});

test('an identity naming its role by name, not ARN: no account, role-not-found', () => {
  const r = check(repo({ profile: profile(ADMIN.replace(ROLE, 'acme-gbl-dev-terraform')), stackAuth: '' }));
  assert.equal(r.chains.map((c) => [c.roleArn, c.account, c.verdict]), [['acme-gbl-dev-terraform', null, 'denied']]);
  assert.is(only(r, 'role-not-found').length, 1);
});

test('a role named GitHubActions that no component creates: role-named-githubactions warning at the step', () => {
  const arn = 'arn:aws:iam::111111111111:role/GitHubActions';
  const files = repo({ profile: profile(ADMIN.replace(ROLE, arn)), stackAuth: '' });
  const f = only(check(files), 'role-named-githubactions').map((x) => ({ ...x }));
  assert.equal(f, [
    {
      severity: 'warning',
      code: 'role-named-githubactions',
      message: `job "deploy" assumes a role named GitHubActions (${arn}); roles with this name have been reported to fail with the generic error`,
      file: WF,
      line: lineIn(files.get(WF)!, `      - run: ${PLAN}`),
      place: f[0]?.place,
      fix: 'rename the role, e.g. after its permission boundary',
      workflow: WF,
      job: 'deploy',
    },
  ]);
});

test('an environment typed at dispatch (no settings.pro dispatches the workflow): the chain holds for any value of the input', () => {
  const workflow = `name: manual apply
on:
  workflow_dispatch:
    inputs:
      github_environment:
        required: true
        type: string
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: \${{ inputs.github_environment }}
    env:
      ATMOS_PROFILE: github
    steps:
      - uses: actions/checkout@v6
      - run: ${PLAN}
`;
  const r = check(repo({ workflow }));
  assert.equal(r.chains.map((c) => [c.condition, c.verdict]), [['dispatched with any github_environment', 'allowed']]);
});

test.run();
