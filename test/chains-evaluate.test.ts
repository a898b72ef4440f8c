/**
 * check's decision on one chain whose role ARN is known (evaluate() in src/check/chains.ts), by
 * behaviour: golden repositories read in memory, one planted change each (a workflow, a stack, the
 * answers file), and the chain (sub, role, patterns, provider, condition, trust, verdict, reasons)
 * and the finding it raises (severity, message, fix, where, related). Covers a role no component
 * creates (unreadable stacks, another account, repositories that do or do not manage the account's
 * roles, adopted repositories), a disabled role, a role without a GitHub statement, trust that is
 * known only when Atmos runs, an environment typed at dispatch, and refs only the run knows.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CheckResult } from '../src/check/index.ts';
import { change, check, golden } from './helpers/golden-repo.ts';


const ANSWERS = '.atmos-oidc.yaml';
const CATALOG = 'stacks/catalog/github-ci.yaml';
const DEV = 'stacks/orgs/acme/dev.yaml';
const X = '.github/workflows/x.yaml';
const ROLE_DEV = 'arn:aws:iam::111111111111:role/acme-gbl-dev-terraform';
const PROVIDER_DEV = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
const MAIN = 'repo:acme/infra-live:ref:refs/heads/main';
const DEFAULT_FIX = 'point the job at a role an iam-role component creates (check --explain ROLE lists them), or add that component';

/** guide-basic (one stack, dev = 111111111111, trusting the whole repository), without its answers file. */
function unmanaged(name = 'guide-basic'): Map<string, string> {
  const files = golden(name);
  files.delete(ANSWERS);
  return files;
}
function adopted(): Map<string, string> {
  const files = golden('advanced-three-accounts');
  files.set(ANSWERS, `${files.get(ANSWERS)}adopted:\n  config: kept\n`);
  return files;
}
/** A workflow x.yaml with one job x (configure-aws-credentials) added to these files. */
function withJob(files: Map<string, string>, role: string, on = '  push:\n', extra = ''): Map<string, string> {
  files.set(X, `name: x\non:\n${on}permissions:\n  id-token: write\n  contents: read\njobs:\n  x:\n    runs-on: ubuntu-latest\n${extra}    steps:\n      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: ${role}\n          aws-region: us-east-2\n`);
  return files;
}
const xChain = (r: CheckResult) => {
  const chains = r.chains.filter((c) => c.workflow === X);
  assert.is(chains.length, 1, 'one chain for job x');
  return chains[0];
};
const xFindings = (r: CheckResult, code: string) => r.findings.filter((f) => f.code === code && f.workflow === X);
/** The trust entries of iam-role/terraform in guide-basic's catalog. */
const trusting = (files: Map<string, string>, entries: string): Map<string, string> => change(files, CATALOG, 'trusted_github_repos:\n          - acme/infra-live\n', `trusted_github_repos:\n${entries}`);

// ---- a role no component creates ----

test('no component creates the role and a stack file is not valid YAML: unknown, not missing, with the sub it would send', () => {
  const files = golden('guide-basic');
  files.set('stacks/orgs/acme/broken.yaml', 'name: [\n');
  const result = check(withJob(files, 'arn:aws:iam::111111111111:role/nobody'));
  const chain = xChain(result);
  assert.is(chain.verdict, 'unknown');
  assert.is(chain.trust, 'unknown');
  assert.is(chain.sub, MAIN);
  assert.equal(chain.reasons, ['no component creates arn:aws:iam::111111111111:role/nobody, but stacks/orgs/acme/broken.yaml is not valid YAML']);
  assert.equal(xFindings(result, 'role-not-found'), []);
});

test('a repository with an answers file manages its accounts\' roles: a role of another account it does not create is missing (error)', () => {
  const result = check(withJob(golden('guide-basic'), 'arn:aws:iam::999999999999:role/nobody'));
  const chain = xChain(result);
  assert.equal([chain.sub, chain.verdict, chain.trust, chain.reasons], [MAIN, 'denied', 'unknown', ['no component in this repository creates arn:aws:iam::999999999999:role/nobody']]);
  const f = xFindings(result, 'role-not-found');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].message, 'x.yaml job "x" assumes arn:aws:iam::999999999999:role/nobody, which no component in this repository creates');
  assert.is(f[0].fix, DEFAULT_FIX);
  assert.equal(f[0].related, []);
  assert.is(f[0].stack, undefined);
});

test('without an answers file, a role of an account whose roles no component creates is assumed managed elsewhere (warning)', () => {
  const result = check(withJob(unmanaged(), 'arn:aws:iam::999999999999:role/nobody'));
  const chain = xChain(result);
  assert.equal([chain.sub, chain.verdict, chain.trust, chain.reasons], [MAIN, 'unknown', 'unknown', ['role not created in this repository (assumed managed elsewhere)']]);
  const f = xFindings(result, 'role-not-found');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'warning');
  assert.is(f[0].fix, DEFAULT_FIX);
});

test('without an answers file, a missing role of an account whose roles the repository creates is missing (error)', () => {
  const result = check(withJob(unmanaged(), 'arn:aws:iam::111111111111:role/nobody'));
  const chain = xChain(result);
  assert.equal([chain.verdict, chain.trust, chain.reasons], ['denied', 'unknown', ['no component in this repository creates arn:aws:iam::111111111111:role/nobody']]);
  assert.equal(xFindings(result, 'role-not-found').map((f) => f.severity), ['error']);
});

test('without an answers file, three accounts: a missing role of one of them is missing (error)', () => {
  const result = check(withJob(unmanaged('advanced-three-accounts'), 'arn:aws:iam::222222222222:role/nobody'));
  assert.is(xChain(result).verdict, 'denied');
  assert.equal(xFindings(result, 'role-not-found').map((f) => f.severity), ['error']);
});

test('the role\'s name exists in another account: denied, the finding names where it is and the ARN to use', () => {
  const result = check(withJob(unmanaged(), 'arn:aws:iam::999999999999:role/acme-gbl-dev-terraform'));
  const chain = xChain(result);
  assert.equal([chain.sub, chain.verdict, chain.trust], [MAIN, 'denied', 'unknown']);
  assert.equal(chain.reasons, ['no role acme-gbl-dev-terraform in account 999999999999; iam-role/terraform creates it in account 111111111111 (stack dev)']);
  const f = xFindings(result, 'role-not-found');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].message, 'x.yaml job "x" assumes arn:aws:iam::999999999999:role/acme-gbl-dev-terraform, but iam-role/terraform creates acme-gbl-dev-terraform in account 111111111111 (stack dev), not 999999999999');
  assert.is(f[0].fix, `point the identity's principal.assume_role at ${ROLE_DEV}`);
});

test('the name exists only on a role component of unknown account (an empty role name): the reason says the account is unknown', () => {
  const files = unmanaged();
  files.set('stacks/orgs/acme/ci.yaml', 'name: ci\nvars:\n  stage: ci\ncomponents:\n  terraform:\n    iam-role/blank:\n      metadata:\n        component: iam-role\n      vars:\n        use_fullname: false\n        name: ""\n        github_oidc_provider_enabled: true\n        trusted_github_org: acme\n        trusted_github_repos: [acme/infra-live]\n');
  const result = check(withJob(files, 'arn:aws:iam::111111111111:role/'));
  const chain = xChain(result);
  assert.equal([chain.verdict, chain.reasons], ['denied', ['no role  in account 111111111111; iam-role/blank creates it in account (unknown) (stack ci)']]);
  const [f] = xFindings(result, 'role-not-found');
  assert.is(f.message, 'x.yaml job "x" assumes arn:aws:iam::111111111111:role/, but iam-role/blank creates  in account (unknown) (stack ci), not 111111111111');
});

test('an ARN that is not a role\'s (a user) is assumed managed elsewhere, without a crash', () => {
  const result = check(withJob(unmanaged(), 'arn:aws:iam::111111111111:user/someone'));
  const chain = xChain(result);
  assert.equal([chain.verdict, chain.reasons], ['unknown', ['role not created in this repository (assumed managed elsewhere)']]);
  assert.equal(xFindings(result, 'role-not-found').map((f) => f.severity), ['warning']);
});

test('adopted repository: the tool\'s own roles in the account do not make a missing role of the user\'s provably missing', () => {
  const result = check(withJob(adopted(), 'arn:aws:iam::111111111111:role/nobody'));
  const chain = xChain(result);
  assert.equal([chain.verdict, chain.trust, chain.reasons], ['unknown', 'unknown', ['role not created in this repository (assumed managed elsewhere)']]);
  assert.equal(xFindings(result, 'role-not-found').map((f) => f.severity), ['warning']);
});

test('adopted repository: a role component of the user\'s in the account makes a missing role there provably missing', () => {
  const files = change(adopted(), DEV, 'components:\n  terraform:\n', 'components:\n  terraform:\n    iam-role/mine:\n      metadata:\n        component: iam-role\n      vars:\n        name: mine\n        github_oidc_provider_enabled: true\n        trusted_github_org: acme\n        trusted_github_repos: [acme/infra-live]\n');
  const result = check(withJob(files, 'arn:aws:iam::111111111111:role/nobody'));
  assert.equal([xChain(result).verdict, xChain(result).reasons], ['denied', ['no component in this repository creates arn:aws:iam::111111111111:role/nobody']]);
  assert.equal(xFindings(result, 'role-not-found').map((f) => f.severity), ['error']);
});

test('an identity of a stack names a missing role: the finding names the stack and relates its manifest', () => {
  const files = change(golden('guide-basic'), DEV, `assume_role: ${ROLE_DEV}`, 'assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-gone');
  const result = check(files);
  const apply = result.chains.find((c) => c.job === 'apply' && c.stack === 'dev')!;
  assert.equal([apply.sub, apply.verdict], ['repo:acme/infra-live:environment:dev', 'denied']);
  const f = result.findings.find((x) => x.code === 'role-not-found' && x.job === 'apply')!;
  assert.is(f.message, 'atmos-terraform-apply.yaml job "apply" in stack dev assumes arn:aws:iam::111111111111:role/acme-gbl-dev-gone, which no component in this repository creates');
  assert.equal(f.related, [DEV]);
  assert.is(f.stack, 'dev');
});

test('a matrix row names a missing role: the finding names the row', () => {
  const files = golden('guide-basic');
  files.set(X, `name: x\non:\n  push:\npermissions:\n  id-token: write\njobs:\n  x:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        include:\n          - stage: other\n            role: arn:aws:iam::111111111111:role/nobody\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: \${{ matrix.role }}\n          aws-region: us-east-2\n`);
  const f = xFindings(check(files), 'role-not-found');
  assert.equal(f.map((x) => x.message), ['x.yaml job "x" (stage=other) assumes arn:aws:iam::111111111111:role/nobody, which no component in this repository creates']);
});

test('Atmos finds no stack: the role-not-found message says which setting matches nothing, and under what', () => {
  const none = change(golden('guide-basic'), 'atmos.yaml', '"orgs/**/*"', '"nowhere/**/*"');
  assert.equal(xFindings(check(withJob(none, 'arn:aws:iam::111111111111:role/nobody')), 'role-not-found').map((f) => f.message), [
    'x.yaml job "x" assumes arn:aws:iam::111111111111:role/nobody, which no component in this repository creates (Atmos finds no stack: stacks.included_paths in atmos.yaml match no manifest under stacks)',
  ]);
  const root = change(golden('guide-basic'), 'atmos.yaml', 'base_path: stacks', 'base_path: ""');
  assert.equal(xFindings(check(withJob(root, 'arn:aws:iam::111111111111:role/nobody')), 'role-not-found').map((f) => f.message), [
    'x.yaml job "x" assumes arn:aws:iam::111111111111:role/nobody, which no component in this repository creates (Atmos finds no stack: stacks.included_paths in atmos.yaml match no manifest under the repository)',
  ]);
  const yml = golden('guide-basic');
  yml.set('atmos.yml', yml.get('atmos.yaml')!.replace('"orgs/**/*"', '"nowhere/**/*"'));
  yml.delete('atmos.yaml');
  assert.equal(xFindings(check(withJob(yml, 'arn:aws:iam::111111111111:role/nobody')), 'role-not-found').map((f) => f.message), [
    'x.yaml job "x" assumes arn:aws:iam::111111111111:role/nobody, which no component in this repository creates (Atmos finds no stack: stacks.included_paths in atmos.yml match no manifest under stacks)',
  ]);
  // No configuration file at all: the message names the file Atmos would read.
  const bare = golden('guide-basic');
  for (const path of [...bare.keys()]) if (path === 'atmos.yaml' || path.startsWith('profiles/') || path.startsWith('stacks/')) bare.delete(path);
  assert.equal(xFindings(check(withJob(bare, 'arn:aws:iam::111111111111:role/nobody')), 'role-not-found').map((f) => f.message), [
    'x.yaml job "x" assumes arn:aws:iam::111111111111:role/nobody, which no component in this repository creates (Atmos finds no stack: stacks.included_paths in atmos.yaml match no manifest under stacks)',
  ]);
});

// ---- a role the repository creates ----

test('a role the repository creates: the chain names its stack, component and trust file, its patterns and provider', () => {
  const chain = xChain(check(withJob(golden('guide-basic'), ROLE_DEV)));
  assert.equal(chain.role, { stack: 'dev', component: 'iam-role/terraform', file: CATALOG });
  assert.equal(chain.patterns, ['repo:acme/infra-live:*']);
  assert.is(chain.providerArn, PROVIDER_DEV);
  assert.equal([chain.sub, chain.matched, chain.trust, chain.verdict, chain.reasons], [MAIN, 'repo:acme/infra-live:*', 'admits', 'allowed', []]);
});

test('the provider ARN from !terraform.output of the provider component resolves to the stack account\'s provider', () => {
  const files = change(golden('guide-basic'), DEV, `github_oidc_provider_arn: ${PROVIDER_DEV}`, 'github_oidc_provider_arn: !terraform.output github-oidc-provider oidc_provider_arn');
  const chain = xChain(check(withJob(files, ROLE_DEV)));
  assert.is(chain.providerArn, PROVIDER_DEV);
  assert.is(chain.verdict, 'allowed');
});

test('the role trusts another account\'s provider: that provider is kept, the trust rejects', () => {
  const files = change(golden('guide-basic'), DEV, `github_oidc_provider_arn: ${PROVIDER_DEV}`, 'github_oidc_provider_arn: arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com');
  const chain = xChain(check(withJob(files, ROLE_DEV)));
  assert.is(chain.providerArn, 'arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com');
  assert.is(chain.trust, 'rejects');
  assert.is(chain.verdict, 'denied');
  assert.ok(chain.reasons.includes('the role trusts the provider of account 222222222222, not its own'), chain.reasons.join('; '));
});

test('an iam-role without github_oidc_provider_arn trusts no provider: none is made up from the job\'s ARN', () => {
  const files = change(golden('guide-basic'), DEV, `        github_oidc_provider_arn: ${PROVIDER_DEV}\n`, '        description: no provider\n');
  const chain = xChain(check(withJob(files, ROLE_DEV)));
  assert.is(chain.providerArn, null);
  assert.is(chain.verdict, 'denied');
});

/** A github-oidc-role component in a stack whose account nothing records. */
function oidcRoleStack(allowed: string): Map<string, string> {
  const files = unmanaged();
  files.set('stacks/orgs/acme/ci.yaml', `name: ci\nvars:\n  namespace: acme\n  environment: gbl\n  stage: ci\ncomponents:\n  terraform:\n    github-oidc-role:\n      vars:\n        name: gha\n        github_actions_allowed_repos: ${allowed}\n`);
  return files;
}

test('github-oidc-role in a stack of unknown account: the provider is the one of the account the job\'s ARN names, in its partition', () => {
  assert.is(xChain(check(withJob(oidcRoleStack('[acme/infra-live]'), 'arn:aws:iam::444444444444:role/acme-gbl-ci-gha'))).providerArn, 'arn:aws:iam::444444444444:oidc-provider/token.actions.githubusercontent.com');
  assert.is(xChain(check(withJob(oidcRoleStack('[acme/infra-live]'), 'arn:aws-us-gov:iam::444444444444:role/acme-gbl-ci-gha'))).providerArn, 'arn:aws-us-gov:iam::444444444444:oidc-provider/token.actions.githubusercontent.com');
});

// ---- an environment typed by whoever dispatches ----

const dispatched = (files: Map<string, string>) =>
  xChain(check(withJob(files, ROLE_DEV, '  workflow_dispatch:\n    inputs:\n      env:\n        type: string\n', '    environment: ${{ inputs.env }}\n')));

test('environment typed at dispatch: the chain holds for the environments the role trusts, the sub is the first', () => {
  const chain = dispatched(trusting(golden('guide-basic'), '          - acme/infra-live:environment:prod\n          - acme/infra-live:environment:staging\n'));
  assert.is(chain.condition, 'dispatched with env=prod or staging');
  assert.is(chain.sub, 'repo:acme/infra-live:environment:prod');
  assert.is(chain.verdict, 'allowed');
});

test('environment typed at dispatch: an environment entry with a wildcard names no environment', () => {
  const chain = dispatched(trusting(golden('guide-basic'), '          - acme/infra-live:environment:prod*\n'));
  assert.is(chain.condition, 'dispatched with any env');
  assert.is(chain.sub, 'repo:acme/infra-live:environment:<env>');
});

test('environment typed at dispatch: a branch entry whose name contains "repo:…:environment:" names no environment', () => {
  const chain = dispatched(trusting(golden('guide-basic'), '          - acme/infra-live:feature/repo:x:environment:prod\n'));
  assert.is(chain.condition, 'dispatched with any env');
});

// ---- a role that is not created, or trusts no GitHub token ----

test('the role\'s component is disabled: denied, chain-broken on the trust, saying how to enable it', () => {
  const files = change(golden('guide-basic'), CATALOG, 'enabled: true\n        name: terraform', 'enabled: false\n        name: terraform');
  const result = check(withJob(files, ROLE_DEV));
  const chain = xChain(result);
  assert.equal([chain.sub, chain.verdict, chain.trust], [MAIN, 'denied', 'unknown']);
  assert.equal(chain.reasons, ['iam-role/terraform is disabled in stack dev: the role is not created']);
  const f = result.findings.filter((x) => x.code === 'chain-broken'); // one per role: every job's is the same
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].message, `iam-role/terraform is disabled in stack dev (metadata.enabled or vars.enabled is false), so ${ROLE_DEV} does not exist`);
  assert.is(f[0].fix, 'enable iam-role/terraform in stack dev, or point the job at a role that exists');
});

test('github_oidc_provider_enabled: false: no GitHub statement, role-no-github-trust at that setting', () => {
  const files = change(golden('guide-basic'), CATALOG, 'github_oidc_provider_enabled: true', 'github_oidc_provider_enabled: false');
  const result = check(withJob(files, ROLE_DEV));
  const chain = xChain(result);
  assert.equal([chain.verdict, chain.trust, chain.patterns], ['denied', 'rejects', []]);
  assert.equal(chain.reasons, ['iam-role/terraform emits no GitHub trust statement (github_oidc_provider_enabled is not true)']);
  const f = xFindings(result, 'role-no-github-trust');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].message, `x.yaml job "x" assumes ${ROLE_DEV}, but iam-role/terraform in stack dev creates it without a GitHub OIDC trust statement (github_oidc_provider_enabled is not true)`);
  assert.equal([f[0].file, f[0].line, f[0].place], [CATALOG, 50, 'components.terraform.iam-role/terraform.vars.github_oidc_provider_enabled']);
  assert.is(f[0].fix, 'set github_oidc_provider_enabled: true and trusted_github_repos (e.g. ["acme/infra-live"]) on iam-role/terraform');
  assert.equal(f[0].related, [X]);
});

test('an empty trusted_github_repos: no GitHub statement, role-no-github-trust at the list', () => {
  const files = trusting(golden('guide-basic'), '          []\n');
  const result = check(withJob(files, ROLE_DEV));
  assert.equal(xChain(result).reasons, ['iam-role/terraform emits no GitHub trust statement (trusted_github_repos is empty)']);
  const f = xFindings(result, 'role-no-github-trust');
  assert.is(f.length, 1);
  assert.match(f[0].message, /\(trusted_github_repos is empty\)$/);
  assert.equal([f[0].file, f[0].line, f[0].place], [CATALOG, 52, 'components.terraform.iam-role/terraform.vars.trusted_github_repos']);
  assert.is(f[0].fix, 'set github_oidc_provider_enabled: true and trusted_github_repos (e.g. ["acme/infra-live"]) on iam-role/terraform');
});

test('a github-oidc-role with an empty github_actions_allowed_repos: no GitHub statement, its own fix', () => {
  const files = change(oidcRoleStack('[]'), 'stacks/orgs/acme/ci.yaml', 'vars:\n  namespace', 'vars:\n  account_id: "444444444444"\n  namespace');
  const result = check(withJob(files, 'arn:aws:iam::444444444444:role/acme-gbl-ci-gha'));
  assert.equal(xChain(result).reasons, ['github-oidc-role emits no GitHub trust statement (github_actions_allowed_repos is empty)']);
  const f = xFindings(result, 'role-no-github-trust');
  assert.is(f.length, 1);
  assert.is(f[0].fix, 'set github_actions_allowed_repos (e.g. ["acme/infra-live"]) on github-oidc-role');
});

test('an identity of a stack names a role without GitHub trust: the finding names the stack', () => {
  const files = change(golden('guide-basic'), CATALOG, 'github_oidc_provider_enabled: true', 'github_oidc_provider_enabled: false');
  const f = check(files).findings.find((x) => x.code === 'role-no-github-trust' && x.job === 'apply')!;
  assert.is(f.stack, 'dev');
});

// ---- trust or sub known only at run time ----

test('trust entries known only when Atmos runs: unknown, saying which input', () => {
  const files = trusting(golden('guide-basic'), '          - !env TRUSTED_REPO\n');
  const chain = xChain(check(withJob(files, ROLE_DEV)));
  assert.equal([chain.verdict, chain.trust, chain.patterns], ['unknown', 'unknown', []]);
  assert.equal(chain.reasons, ['trusted_github_repos of iam-role/terraform is known only when Atmos runs']);
});

test('an environment known only when the workflow runs, with known trust: unknown for that reason alone', () => {
  const chain = xChain(check(withJob(golden('guide-basic'), ROLE_DEV, '  push:\n', '    environment: ${{ vars.DEPLOY_ENV }}\n')));
  assert.equal([chain.sub, chain.verdict], [null, 'unknown']);
  assert.equal(chain.reasons, ["the job's environment (${{ vars.DEPLOY_ENV }}) is known only when the workflow runs"]);
});

// ---- a release: the tag is known only when the workflow runs ----

const release = (files: Map<string, string>) => xChain(check(withJob(files, ROLE_DEV, '  release:\n')));

test('release job, role trusts the whole repository: every tag is admitted, allowed', () => {
  const chain = release(golden('guide-basic'));
  assert.equal([chain.sub, chain.matched, chain.verdict, chain.condition], ['repo:acme/infra-live:ref:refs/tags/*', 'repo:acme/infra-live:*', 'allowed', null]);
});

test('release job, role trusts tags v*: it depends on the tag, unknown with that condition', () => {
  const chain = release(trusting(golden('guide-basic'), '          - acme/infra-live:ref:refs/tags/v*\n'));
  assert.equal([chain.verdict, chain.trust, chain.matched], ['unknown', 'unknown', 'repo:acme/infra-live:ref:refs/tags/v*']);
  assert.is(chain.condition, 'only for a tag that repo:acme/infra-live:ref:refs/tags/v* admits');
});

test('release job, role trusts tags c* (which admit the word check uses for "any tag" by chance): unknown, not allowed', () => {
  for (const pattern of ['c*', 'ch*', 'check-*', '*e']) {
    const chain = release(trusting(golden('guide-basic'), `          - acme/infra-live:ref:refs/tags/${pattern}\n`));
    assert.equal([chain.verdict, chain.trust, chain.matched], ['unknown', 'unknown', `repo:acme/infra-live:ref:refs/tags/${pattern}`], pattern);
    assert.is(chain.condition, `only for a tag that repo:acme/infra-live:ref:refs/tags/${pattern} admits`, pattern);
  }
});

test('release job, role trusts every non-empty tag (?*): allowed', () => {
  const chain = release(trusting(golden('guide-basic'), '          - acme/infra-live:ref:refs/tags/?*\n'));
  assert.equal([chain.verdict, chain.matched], ['allowed', 'repo:acme/infra-live:ref:refs/tags/?*']);
});

test('release job, role trusts only an environment: no tag can be admitted, denied', () => {
  const chain = release(trusting(golden('guide-basic'), '          - acme/infra-live:environment:prod\n'));
  assert.equal([chain.verdict, chain.trust, chain.matched, chain.condition], ['denied', 'rejects', null, null]);
});

test.run();
