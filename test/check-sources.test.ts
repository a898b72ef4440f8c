/**
 * Trust from outside the repository: `check --trust FILE` (get-role and list-roles JSON), and
 * `--aws` / `--github` against stub `aws` and `gh` executables on PATH that replay recordings
 * written from the documented shapes (test/fixtures/sources/, test/fixtures/trust/), errors,
 * timeouts and "not logged in" included. Offline (no flag) runs nothing at all.
 *
 * Every verdict that uses a --trust policy is also put to the IAM simulator (@cloud-copilot/iam-simulate)
 * with the policy document exactly as the file holds it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../src/cli/cli.ts';
import { parseRoles, judgeTrust, type ExternalRole } from '../src/check/external.ts';
import { checkRepository, diskRepo, type Chain } from '../src/check/index.ts';
import { AUDIENCE, TOKEN_HOST } from '../src/setup/trust.ts';
import { ROOT, tempDir } from './helpers/run.ts';

const REPO = 'cloudposse-examples/atmos-native-ci-advanced';
const NATIVE = join(ROOT, 'test', 'fixtures', 'check', 'native-ci');
const TRUST = join(ROOT, 'test', 'fixtures', 'trust');
const SOURCES = join(ROOT, 'test', 'fixtures', 'sources');
const DEV = 'arn:aws:iam::068007702576:role/cplive-plat-gbl-dev-atmos-native-ci';
const STAGING = 'arn:aws:iam::068007702577:role/cplive-plat-gbl-staging-atmos-native-ci';
const PROD = 'arn:aws:iam::068007702578:role/cplive-plat-gbl-prod-atmos-native-ci';

function trustRoles(): ExternalRole[] {
  return ['get-role-dev.json', 'list-roles.json'].flatMap((f) => parseRoles(readFileSync(join(TRUST, f), 'utf8'), f));
}

/** What AWS decides for this chain's token against the role's trust policy, as the file holds it. */
function simulate(role: ExternalRole, chain: Chain): string {
  const policy = createValidatedPolicy(role.policy, validateTrustPolicy, { name: role.arn });
  assert.equal(policy.errors, [], `${role.source}: the trust policy of ${role.arn} is valid IAM`);
  return runUnsafeSimulation(
    {
      request: {
        principal: `arn:aws:iam::${role.account}:oidc-provider/${TOKEN_HOST}`,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: role.arn, accountId: role.account },
        contextVariables: { [`${TOKEN_HOST}:sub`]: chain.sub as string, [`${TOKEN_HOST}:aud`]: chain.audience },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
}

const row = (c: Chain): string => `${c.job}${c.stack ? `@${c.stack}` : ''} ${c.verdict}`;

test('--trust: get-role (decoded JSON) and list-roles (URL-encoded and string documents) judge the roles created elsewhere', () => {
  const roles = trustRoles();
  assert.equal(roles.map((r) => r.arn), [DEV, STAGING, PROD]);
  assert.is((roles[1].policy.Statement as unknown[]).length, 1, 'the URL-encoded document of list-roles is decoded');
  const result = checkRepository(diskRepo(NATIVE), { repository: REPO, externalRoles: roles });
  assert.equal(result.chains.map(row), ['build allowed', 'deploy@dev allowed', 'deploy@prod denied', 'deploy@staging denied', 'release@staging allowed', 'smoke denied']);
  assert.equal(
    result.findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${f.stack ?? ''}`),
    ['role-shared-pull-request ', 'chain-broken prod', 'chain-broken staging', 'id-token-missing '],
    'the dev role serves the pull-request build and a deploy; a preview job reaching the prod and staging roles is broken; smoke still lacks id-token',
  );
  assert.is(result.findings.filter((f) => f.code === 'role-not-found').length, 0, 'every role the jobs assume was given: none is "not found"');
  const prod = result.chains.find((c) => c.stack === 'prod')!;
  assert.ok(prod.reasons.includes('trust policy from list-roles.json'), 'the chain names the source of its trust policy');
  assert.equal(result.external.map((u) => [u.arn, u.chains]), [[DEV, 2], [PROD, 2], [STAGING, 2]]);
});

test('--trust: the IAM simulator agrees with every verdict that uses a trust policy from a file', () => {
  const roles = trustRoles();
  const result = checkRepository(diskRepo(NATIVE), { repository: REPO, externalRoles: roles });
  let compared = 0;
  for (const chain of result.chains) {
    const role = roles.find((r) => r.arn === chain.roleArn);
    if (!role || chain.trust === 'unknown') continue;
    const verdict = simulate(role, chain);
    assert.is(chain.trust === 'admits', verdict === 'Allowed', `${chain.job} ${chain.stack ?? ''}: trust ${chain.trust}, simulator ${verdict}`);
    // Near misses: another repository, another audience.
    const other = { ...chain, sub: (chain.sub as string).replace(REPO, `${REPO}-fork`) };
    assert.is(simulate(role, other), 'ImplicitlyDenied');
    assert.is(judgeTrust(role, other.sub, AUDIENCE).decision, 'rejects');
    assert.is(simulate(role, { ...chain, audience: 'sigstore' }), 'ImplicitlyDenied');
    assert.is(judgeTrust(role, chain.sub as string, 'sigstore').decision, 'rejects');
    compared++;
  }
  assert.is(compared, 6);
});

test('judgeTrust: an explicit Deny wins, NotAction and ForAnyValue read, an unknown condition key leaves the verdict open', () => {
  const base = parseRoles(readFileSync(join(TRUST, 'get-role-dev.json'), 'utf8'), 'dev')[0];
  const sub = `repo:${REPO}:pull_request`;
  const deny = { Effect: 'Deny', Principal: { Federated: `arn:aws:iam::068007702576:oidc-provider/${TOKEN_HOST}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${TOKEN_HOST}:sub`]: '*:pull_request' } } };
  const withDeny: ExternalRole = { ...base, policy: { ...base.policy, Statement: [...(base.policy.Statement as object[]), deny] } };
  assert.is(judgeTrust(withDeny, sub, AUDIENCE).decision, 'rejects');
  assert.is(judgeTrust(withDeny, `repo:${REPO}:environment:preview`, AUDIENCE).decision, 'admits');
  const token = (s: string): Chain => ({ sub: s, audience: AUDIENCE }) as Chain;
  assert.is(simulate(withDeny, token(sub)), 'ExplicitlyDenied', 'the simulator agrees: the Deny wins');
  assert.is(simulate(withDeny, token(`repo:${REPO}:environment:preview`)), 'Allowed');
  const workflowRef = { ...base, policy: { Statement: [{ ...(base.policy.Statement as Array<Record<string, unknown>>)[0], Condition: { StringLike: { [`${TOKEN_HOST}:job_workflow_ref`]: 'x/*' } } }] } };
  const open = judgeTrust(workflowRef, sub, AUDIENCE);
  assert.is(open.decision, 'unknown');
  assert.match(open.reason ?? '', 'job_workflow_ref');
  const anyValue = { ...base, policy: { Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::068007702576:oidc-provider/${TOKEN_HOST}` }, NotAction: 'iam:*', Condition: { 'ForAnyValue:StringLike': { [`${TOKEN_HOST}:sub`]: [`repo:${REPO}:*`] } } }] } };
  assert.is(judgeTrust(anyValue, sub, AUDIENCE).decision, 'admits');
  assert.is(simulate(anyValue, token(sub)), 'Allowed', 'the simulator agrees on NotAction and ForAnyValue:StringLike');
  assert.is(judgeTrust(anyValue, 'repo:other/repo:pull_request', AUDIENCE).decision, 'rejects');
  assert.is(simulate(anyValue, token('repo:other/repo:pull_request')), 'ImplicitlyDenied');
});

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), prompter: null, env, cwd: ROOT });
  return { code, stdout, stderr };
}

test('--trust with a file that is not get-role JSON: exit 2, naming the file and the field', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ Role: { Arn: 'arn:aws:iam::068007702576:role/x', AssumeRolePolicyDocument: 42 } }));
    writeFileSync(join(dir, 'users.json'), JSON.stringify({ Users: [] }));
    const bad = await cli(['check', NATIVE, '--trust', join(dir, 'bad.json')]);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, 'Role.AssumeRolePolicyDocument');
    assert.is(bad.stdout, '');
    const users = await cli(['check', NATIVE, '--trust', join(dir, 'users.json')]);
    assert.is(users.code, 2);
    assert.match(users.stderr, /"Role" \(aws iam get-role\) or "Roles" \(aws iam list-roles\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Arm {
  /** The arguments, joined by spaces; `*` matches any run of characters. */
  args: string;
  stdoutFile?: string;
  stderr?: string;
  code?: number;
  sleep?: number;
}

/** A stub executable that logs every call to calls.log and replays the arm its arguments match. */
function stub(bin: string, name: string, arms: Arm[]): void {
  const lines = ['#!/bin/sh', `echo "${name} $*" >> "${join(bin, 'calls.log')}"`, 'case "$*" in'];
  for (const a of arms) {
    lines.push(`  "${a.args.replaceAll('*', '"*"')}")`);
    if (a.sleep) lines.push(`    exec /bin/sleep ${a.sleep}`);
    if (a.stdoutFile) lines.push(`    /bin/cat "${a.stdoutFile}"`);
    if (a.stderr) lines.push(`    echo "${a.stderr}" >&2`);
    lines.push(`    exit ${a.code ?? 0} ;;`);
  }
  lines.push('  *) echo "unexpected call: $*" >&2; exit 99 ;;', 'esac', '');
  writeFileSync(join(bin, name), lines.join('\n'));
  chmodSync(join(bin, name), 0o755);
}

function calls(bin: string): string[] {
  const log = join(bin, 'calls.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

async function withBin(fn: (bin: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  try {
    await fn(bin);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SRC = (f: string): string => join(SOURCES, f);
const CALLER = { args: 'sts get-caller-identity --output json', stdoutFile: SRC('aws-caller-dev.json') };

test('offline is the default: without --aws or --github, no aws or gh is run', async () => {
  await withBin(async (bin) => {
    stub(bin, 'aws', [CALLER]);
    stub(bin, 'gh', [{ args: 'auth status' }]);
    const r = await cli(['check', NATIVE, '--repository', REPO], { PATH: bin });
    assert.is(r.code, 1, 'smoke lacks id-token');
    assert.equal(calls(bin), []);
    assert.match(r.stdout, 'Sources: the repository files\n');
  });
});

test('--aws: the CLI reads the trust policy of the roles in its own account; the others are named as not read', async () => {
  await withBin(async (bin) => {
    stub(bin, 'aws', [CALLER, { args: 'iam get-role --role-name cplive-plat-gbl-dev-atmos-native-ci --output json', stdoutFile: join(TRUST, 'get-role-dev.json') }]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--aws', '--format', 'json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { chains: Chain[]; findings: Array<{ code: string; message: string }>; sources: string[] };
    assert.equal(out.chains.filter((c) => c.roleArn === DEV).map((c) => c.verdict), ['allowed', 'allowed']);
    assert.ok(out.chains.filter((c) => c.roleArn === DEV).every((c) => c.reasons.includes('trust policy from aws iam get-role cplive-plat-gbl-dev-atmos-native-ci')));
    assert.equal(out.chains.filter((c) => c.roleArn === PROD && c.job === 'deploy').map((c) => c.verdict), ['unknown']);
    assert.ok(out.sources.includes('AWS CLI (account 068007702576, 1 role read)'));
    const note = out.findings.find((f) => f.code === 'source-unavailable');
    assert.match(note?.message ?? '', 'accounts 068007702577, 068007702578 were not read');
    assert.equal(calls(bin), ['aws sts get-caller-identity --output json', 'aws iam get-role --role-name cplive-plat-gbl-dev-atmos-native-ci --output json']);
  });
});

test('--aws: a role the account does not have (NoSuchEntity) breaks the chain', async () => {
  await withBin(async (bin) => {
    stub(bin, 'aws', [CALLER, { args: 'iam get-role *', stderr: 'An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name cplive-plat-gbl-dev-atmos-native-ci cannot be found.', code: 254 }]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--aws', '--json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { chains: Chain[] };
    const dev = out.chains.filter((c) => c.roleArn === DEV);
    assert.equal(dev.map((c) => c.verdict), ['denied', 'denied']);
    assert.match(dev[0].reasons[0], 'does not exist in account 068007702576');
    assert.is(r.code, 1);
  });
});

test('--aws without credentials, without the CLI, and when it hangs: a warning names why, the chains stay unknown', async () => {
  await withBin(async (bin) => {
    stub(bin, 'aws', [{ args: 'sts get-caller-identity --output json', stderr: 'Unable to locate credentials. You can configure credentials by running "aws configure".', code: 253 }]);
    const none = await cli(['check', NATIVE, '--repository', REPO, '--aws', '--json'], { PATH: bin });
    const out = JSON.parse(none.stdout) as { chains: Chain[]; findings: Array<{ code: string; message: string }> };
    assert.match(out.findings.find((f) => f.code === 'source-unavailable')!.message, 'Unable to locate credentials');
    assert.ok(out.chains.filter((c) => c.roleArn === DEV).every((c) => c.verdict === 'unknown'));
  });
  await withBin(async (bin) => {
    const missing = await cli(['check', NATIVE, '--repository', REPO, '--aws', '--json'], { PATH: bin });
    assert.match(missing.stdout, 'the command is not installed');
  });
  await withBin(async (bin) => {
    // The stub hangs for a minute: returning in well under that proves the timeout stopped it
    // (no tighter bound: the machine may be loaded).
    stub(bin, 'aws', [{ args: 'sts get-caller-identity --output json', sleep: 60 }]);
    const started = Date.now();
    const hung = await cli(['check', NATIVE, '--repository', REPO, '--aws', '--json'], { PATH: bin, CHECK_SOURCE_TIMEOUT_MS: '400' });
    assert.ok(Date.now() - started < 30_000, 'the timeout stops the hung CLI');
    assert.match(hung.stdout, 'no answer within 0.4 s');
  });
});

const GH_OK = [
  { args: 'auth status' },
  { args: `api -H Accept: application/vnd.github+json repos/${REPO}`, stdoutFile: SRC('gh-repo.json') },
  { args: `api -H Accept: application/vnd.github+json repos/${REPO}/environments`, stdoutFile: SRC('gh-environments.json') },
];

test('--github: a preview environment without reviewers or branch policy is named; the protected staging one is not', async () => {
  await withBin(async (bin) => {
    stub(bin, 'gh', [...GH_OK, { args: `api -H Accept: application/vnd.github+json repos/${REPO}/actions/oidc/customization/sub`, stdoutFile: SRC('gh-sub-default.json') }]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--github', '--trust', join(TRUST, 'get-role-dev.json'), '--trust', join(TRUST, 'list-roles.json'), '--json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { findings: Array<{ code: string; message: string; job?: string }>; sources: string[] };
    const unprotected = out.findings.filter((f) => f.code === 'environment-unprotected');
    assert.equal(unprotected.map((f) => f.job), ['deploy'], 'only preview (deploy, dev) is unprotected; release runs in the protected staging');
    assert.match(unprotected[0].message, 'environment preview, which has neither required reviewers nor a deployment branch policy');
    assert.ok(out.sources.includes(`GitHub API through gh (${REPO})`));
    assert.is(out.findings.filter((f) => f.code === 'sub-template-custom').length, 0, 'use_default: true is the default form');
  });
});

test('--github: the organisation\'s custom sub template breaks chains the default form would pass', async () => {
  await withBin(async (bin) => {
    stub(bin, 'gh', [
      ...GH_OK,
      { args: `api -H Accept: application/vnd.github+json repos/${REPO}/actions/oidc/customization/sub`, stdoutFile: SRC('gh-sub-org.json') },
      { args: 'api -H Accept: application/vnd.github+json orgs/cloudposse-examples/actions/oidc/customization/sub', stdoutFile: SRC('gh-org-sub.json') },
    ]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--github', '--trust', join(TRUST, 'get-role-dev.json'), '--json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { chains: Chain[]; findings: Array<{ code: string; severity: string; message: string }> };
    const custom = out.findings.find((f) => f.code === 'sub-template-custom')!;
    assert.match(custom.message, "organisation's OIDC sub template is customised (include_claim_keys: repo, context, job_workflow_ref)");
    assert.ok(out.chains.filter((c) => c.roleArn === DEV).every((c) => c.verdict === 'unknown' && c.sub === null), 'job_workflow_ref is known only at run time');
  });
  await withBin(async (bin) => {
    stub(bin, 'gh', [...GH_OK, { args: `api -H Accept: application/vnd.github+json repos/${REPO}/actions/oidc/customization/sub`, stdoutFile: SRC('gh-sub-repo-custom.json') }]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--github', '--trust', join(TRUST, 'get-role-dev.json'), '--json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { chains: Chain[]; findings: Array<{ code: string; severity: string }> };
    const dev = out.chains.filter((c) => c.roleArn === DEV);
    assert.equal(dev.map((c) => [c.sub, c.verdict]), [
      ['repository_owner:cloudposse-examples:pull_request', 'denied'],
      ['repository_owner:cloudposse-examples:environment:preview', 'denied'],
    ]);
    assert.is(out.findings.find((f) => f.code === 'sub-template-custom')?.severity, 'error');
  });
});

test('--github: a repository created after 2026-07-15 sends the immutable sub form, with the ids and default branch gh reads', async () => {
  await withBin(async (bin) => {
    stub(bin, 'gh', [
      { args: 'auth status' },
      { args: `api -H Accept: application/vnd.github+json repos/${REPO}`, stdoutFile: SRC('gh-repo-new.json') },
      { args: `api -H Accept: application/vnd.github+json repos/${REPO}/environments`, stdoutFile: SRC('gh-environments.json') },
      { args: `api -H Accept: application/vnd.github+json repos/${REPO}/actions/oidc/customization/sub`, stdoutFile: SRC('gh-sub-default.json') },
    ]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--github', '--trust', join(TRUST, 'get-role-dev.json'), '--json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { chains: Chain[] };
    const dev = out.chains.filter((c) => c.roleArn === DEV);
    assert.equal(dev.map((c) => c.sub), [
      'repo:cloudposse-examples@158423091/atmos-native-ci-advanced@812345678:pull_request',
      'repo:cloudposse-examples@158423091/atmos-native-ci-advanced@812345678:environment:preview',
    ]);
    assert.ok(dev.every((c) => c.verdict === 'denied'), 'the name-only patterns of get-role-dev.json never match the immutable form');
  });
});

test('--github when gh is not logged in, or an API call fails: a warning names it, nothing else changes', async () => {
  await withBin(async (bin) => {
    stub(bin, 'gh', [{ args: 'auth status', stderr: 'You are not logged into any GitHub hosts. To log in, run: gh auth login', code: 1 }]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--github', '--json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { findings: Array<{ code: string; message: string }>; sources: string[] };
    assert.match(out.findings.find((f) => f.code === 'source-unavailable')!.message, 'not logged in');
    assert.ok(out.sources.includes('GitHub API through gh (unavailable)'));
    assert.equal(calls(bin), ['gh auth status']);
  });
  await withBin(async (bin) => {
    stub(bin, 'gh', [...GH_OK.slice(0, 2), { args: '*environments', stderr: 'gh: Not Found (HTTP 404)', code: 1 }, { args: '*customization/sub', stdoutFile: SRC('gh-sub-default.json') }]);
    const r = await cli(['check', NATIVE, '--repository', REPO, '--github', '--json'], { PATH: bin });
    const out = JSON.parse(r.stdout) as { findings: Array<{ code: string; message: string }> };
    assert.match(out.findings.find((f) => f.code === 'source-unavailable')!.message, `gh api repos/${REPO}/environments: gh: Not Found (HTTP 404)`);
    assert.is(out.findings.filter((f) => f.code === 'environment-unprotected').length, 0);
  });
});

test.run();
