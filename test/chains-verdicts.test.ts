/**
 * check's verdicts (src/check/chains.ts, from the role's trust to the chain's verdict) by behaviour:
 * a sub only the run completes (a tag or branch glob), the audience, the account of the provider the
 * role trusts and whether that provider exists, the chain-broken finding with the entry to add, the
 * workflow_dispatch note, and environment names spelt two ways. Golden repositories read in memory,
 * with one planted change each; GitHub's `sub` rules are in ../shared/reference/domain.md.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CheckResult } from '../src/check/index.ts';
import { change, check, golden } from './helpers/golden-repo.ts';


const CATALOG = 'stacks/catalog/github-ci.yaml';
const DEV = 'stacks/orgs/acme/dev.yaml';
const X = '.github/workflows/x.yaml';
const ROLE_DEV = 'arn:aws:iam::111111111111:role/acme-gbl-dev-terraform';
const PROVIDER_DEV = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
const TRUST_PLACE = { file: CATALOG, line: 52, place: 'components.terraform.iam-role/terraform.vars.trusted_github_repos' };

/** guide-basic, its one role (iam-role/terraform in stack dev) trusting these entries instead of the whole repository. */
function basicTrusting(entries: string[]): Map<string, string> {
  return change(golden('guide-basic'), CATALOG, '          - acme/infra-live\n', entries.map((e) => `          - ${JSON.stringify(e)}\n`).join(''));
}
/** Add .github/workflows/x.yaml: one job "x" that assumes `role` with configure-aws-credentials. */
function withX(files: Map<string, string>, on: string, job = '', role = ROLE_DEV, extra = ''): Map<string, string> {
  files.set(
    X,
    `name: x\non:\n${on}permissions:\n  id-token: write\n  contents: read\njobs:\n  x:\n    runs-on: ubuntu-latest\n${job}    steps:\n      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: ${role}\n          aws-region: us-east-2\n${extra}`,
  );
  return files;
}
const xChain = (r: CheckResult) => {
  const chains = r.chains.filter((c) => c.workflow === X);
  assert.is(chains.length, 1, 'x.yaml makes one chain');
  return chains[0];
};
const brokenFor = (r: CheckResult, workflow: string) => r.findings.filter((f) => f.code === 'chain-broken' && f.workflow === workflow);

// ---- a sub only the run completes: a tag or branch glob ----

test('a tag glob the role admits only in part: unknown, under the condition of the tag', () => {
  const r = check(withX(basicTrusting(['acme/infra-live:ref:refs/tags/v1*']), '  push:\n    tags: ["v*"]\n'));
  const x = xChain(r);
  assert.is(x.sub, 'repo:acme/infra-live:ref:refs/tags/v*');
  assert.is(x.matched, 'repo:acme/infra-live:ref:refs/tags/v1*');
  assert.is(x.condition, 'only for a tag that repo:acme/infra-live:ref:refs/tags/v1* admits');
  assert.is(x.trust, 'unknown');
  assert.is(x.verdict, 'unknown');
  assert.equal(x.reasons, ['the tag is known only when the workflow runs; repo:acme/infra-live:ref:refs/tags/v1* admits some values']);
  assert.equal(brokenFor(r, X), []);
});

test('a branch glob the role admits only in part: unknown, under the condition of the branch', () => {
  const x = xChain(check(withX(basicTrusting(['acme/infra-live:release/1*']), '  push:\n    branches: ["release/*"]\n')));
  assert.is(x.sub, 'repo:acme/infra-live:ref:refs/heads/release/*');
  assert.is(x.condition, 'only for a branch that repo:acme/infra-live:ref:refs/heads/release/1* admits');
  assert.is(x.verdict, 'unknown');
  assert.equal(x.reasons, ['the branch is known only when the workflow runs; repo:acme/infra-live:ref:refs/heads/release/1* admits some values']);
});

test('a tag glob the role admits whatever the tag: allowed, without condition', () => {
  const x = xChain(check(withX(golden('guide-basic'), '  push:\n    tags: ["v*"]\n')));
  assert.is(x.sub, 'repo:acme/infra-live:ref:refs/tags/v*');
  assert.is(x.matched, 'repo:acme/infra-live:*');
  assert.is(x.condition, null);
  assert.is(x.trust, 'admits');
  assert.is(x.verdict, 'allowed');
  assert.equal(x.reasons, []);
});

test('a branch glob whose every branch the role admits (a branch name is never empty): allowed', () => {
  const x = xChain(check(withX(basicTrusting(['acme/infra-live:release/?*']), '  push:\n    branches: ["release/*"]\n')));
  assert.is(x.matched, 'repo:acme/infra-live:ref:refs/heads/release/?*');
  assert.is(x.condition, null);
  assert.is(x.verdict, 'allowed');
});

test('a tag glob no trust pattern can admit: denied, chain-broken naming the entry to add', () => {
  const r = check(withX(basicTrusting(['acme/infra-live:main']), '  push:\n    tags: ["v*"]\n'));
  const x = xChain(r);
  assert.is(x.matched, null);
  assert.is(x.condition, null);
  assert.is(x.trust, 'rejects');
  assert.is(x.verdict, 'denied');
  const f = brokenFor(r, X);
  assert.is(f.length, 1);
  assert.is(f[0].fix, 'add "acme/infra-live:ref:refs/tags/v*" to trusted_github_repos of iam-role/terraform in stack dev, or change the job so it sends a sub the role admits');
});

test('a trust entry for any repository of the org and some tags: the tag glob depends on the tag', () => {
  const x = xChain(check(withX(basicTrusting(['acme/*:ref:refs/tags/v1*']), '  push:\n    tags: ["v*"]\n')));
  assert.is(x.matched, 'repo:acme/*:ref:refs/tags/v1*');
  assert.is(x.condition, 'only for a tag that repo:acme/*:ref:refs/tags/v1* admits');
  assert.is(x.verdict, 'unknown');
});

// ---- what else must hold: audience, the provider's account, the provider's existence ----

test('another audience on configure-aws-credentials: the trust rejects it, with the reason', () => {
  const x = xChain(check(withX(golden('guide-basic'), '  push:\n', '', ROLE_DEV, '          audience: sts.us-east-1.amazonaws.com\n')));
  assert.is(x.matched, 'repo:acme/infra-live:*');
  assert.is(x.trust, 'rejects');
  assert.is(x.verdict, 'denied');
  assert.equal(x.reasons, ['audience "sts.us-east-1.amazonaws.com" is not sts.amazonaws.com']);
});

test('the dev role trusts the provider of the staging account: rejected, and no provider in its own account', () => {
  const files = change(golden('advanced-three-accounts'), DEV, /(iam-role\/terraform:\n\s+vars:\n\s+github_oidc_provider_arn: arn:aws:iam::)111111111111/, '$1222222222222');
  const apply = check(files).chains.find((c) => c.job === 'apply' && c.stack === 'dev')!;
  assert.is(apply.matched, 'repo:acme/infra-live:environment:dev');
  assert.is(apply.trust, 'rejects');
  assert.is(apply.verdict, 'denied');
  assert.equal(apply.reasons, [
    'the role trusts the provider of account 222222222222, not its own',
    'no GitHub OIDC provider arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com in account 111111111111',
  ]);
});

test('a role without github_oidc_provider_arn: the trust admits, but denied for want of a provider', () => {
  const files = change(golden('guide-basic'), DEV, `        github_oidc_provider_arn: ${PROVIDER_DEV}\n`, '        name: terraform\n');
  const x = xChain(check(withX(files, '  push:\n')));
  assert.is(x.providerArn, null);
  assert.is(x.trust, 'admits');
  assert.is(x.verdict, 'denied');
  assert.equal(x.reasons, ['no GitHub OIDC provider in account 111111111111']);
});

test('a role trusting an OIDC provider that is not GitHub\'s: denied', () => {
  const files = change(golden('guide-basic'), DEV, PROVIDER_DEV, 'arn:aws:iam::111111111111:oidc-provider/gitlab.com');
  const x = xChain(check(withX(files, '  push:\n')));
  assert.is(x.trust, 'admits');
  assert.is(x.verdict, 'denied');
  assert.equal(x.reasons, ['no GitHub OIDC provider arn:aws:iam::111111111111:oidc-provider/gitlab.com in account 111111111111']);
});

const noProviderComponent = (): Map<string, string> => change(golden('guide-basic'), CATALOG, /    # Trusts tokens issued by GitHub Actions[\s\S]*?\n\n/, '');

test('no provider component while .atmos-oidc.yaml records the accounts: the provider is missing, denied', () => {
  const x = xChain(check(withX(noProviderComponent(), '  push:\n')));
  assert.is(x.trust, 'admits');
  assert.is(x.verdict, 'denied');
  assert.equal(x.reasons, [`no GitHub OIDC provider ${PROVIDER_DEV} in account 111111111111`]);
});

test('no provider component and no .atmos-oidc.yaml: the provider is managed elsewhere, allowed', () => {
  const files = noProviderComponent();
  files.delete('.atmos-oidc.yaml');
  const x = xChain(check(withX(files, '  push:\n')));
  assert.is(x.verdict, 'allowed');
  assert.equal(x.reasons, []);
});

test('a provider component disabled in the only account, no .atmos-oidc.yaml: the provider is missing, denied', () => {
  const files = change(golden('guide-basic'), CATALOG, /(github-oidc-provider:[\s\S]*?vars:\n\s+enabled: )true/, '$1false');
  files.delete('.atmos-oidc.yaml');
  const x = xChain(check(withX(files, '  push:\n')));
  assert.is(x.verdict, 'denied');
  assert.equal(x.reasons, [`no GitHub OIDC provider ${PROVIDER_DEV} in account 111111111111`]);
});

test('a provider that exists already (recorded in .atmos-oidc.yaml, not deployed): the prod chains are allowed', () => {
  const prod = check(golden('existing-provider')).chains.filter((c) => c.stack === 'prod');
  assert.ok(prod.length >= 1);
  assert.ok(prod.every((c) => c.providerArn === 'arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com' && c.verdict === 'allowed' && c.reasons.length === 0), prod.map((c) => `${c.job} ${c.verdict} ${c.reasons}`).join('\n'));
});

/** A stack "qa" whose account nothing tells (no answers entry, no auth, no account vars). */
function withQaStack(files: Map<string, string>, component: string): Map<string, string> {
  files.set('stacks/orgs/acme/qa.yaml', `name: qa\nvars:\n  namespace: acme\n  environment: gbl\n  stage: qa\n  region: us-east-2\ncomponents:\n  terraform:\n${component}`);
  return files;
}

test('a github-oidc-role in a stack of unknown account trusts the provider of the job\'s account: allowed', () => {
  const files = withQaStack(golden('guide-basic'), '    github-oidc-role/ci:\n      metadata:\n        component: github-oidc-role\n      vars:\n        name: ci\n        github_actions_allowed_repos:\n          - acme/infra-live\n');
  const x = xChain(check(withX(files, '  push:\n', '', 'arn:aws:iam::444444444444:role/acme-gbl-qa-ci')));
  assert.equal(x.role, { stack: 'qa', component: 'github-oidc-role/ci', file: 'stacks/orgs/acme/qa.yaml' });
  assert.is(x.providerArn, 'arn:aws:iam::444444444444:oidc-provider/token.actions.githubusercontent.com');
  assert.is(x.verdict, 'allowed');
  assert.equal(x.reasons, []);
});

test('an iam-role in a stack of unknown account without a provider ARN: denied, the account shown as ?', () => {
  const files = withQaStack(golden('guide-basic'), '    iam-role/ci:\n      metadata:\n        component: iam-role\n      vars:\n        name: ci\n        github_oidc_provider_enabled: true\n        trusted_github_repos:\n          - acme/infra-live\n');
  const x = xChain(check(withX(files, '  push:\n', '', 'arn:aws:iam::444444444444:role/acme-gbl-qa-ci')));
  assert.is(x.role?.component, 'iam-role/ci');
  assert.is(x.verdict, 'denied');
  assert.equal(x.reasons, ['no GitHub OIDC provider in account ?']);
});

// ---- chain-broken: the message, where it points, and the entry to add ----

const NARROW = ['acme/infra-live:ref:refs/tags/v1', 'acme/infra-live:environment:prod'];
const NARROW_LIST = '"repo:acme/infra-live:ref:refs/tags/v1", "repo:acme/infra-live:environment:prod"';

test('a job outside any stack whose branch the role does not trust: the reason, the message, the entry to add', () => {
  const r = check(withX(basicTrusting(NARROW), '  push:\n'));
  const x = xChain(r);
  assert.is(x.trust, 'rejects');
  assert.equal(x.reasons, ['sub repo:acme/infra-live:ref:refs/heads/main matches none of repo:acme/infra-live:ref:refs/tags/v1, repo:acme/infra-live:environment:prod']);
  const f = brokenFor(r, X);
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.is(f[0].message, `x.yaml job "x" sends sub "repo:acme/infra-live:ref:refs/heads/main", which iam-role/terraform (${ROLE_DEV}) does not admit: its patterns are ${NARROW_LIST}`);
  assert.is(f[0].fix, 'add "acme/infra-live:main" to trusted_github_repos of iam-role/terraform in stack dev, or change the job so it sends a sub the role admits');
  assert.equal([f[0].file, f[0].line, f[0].place], [TRUST_PLACE.file, TRUST_PLACE.line, TRUST_PLACE.place]);
  assert.equal(f[0].related, [X]);
  assert.is(f[0].job, 'x');
  assert.is(f[0].component, 'iam-role/terraform');
});

test('a tag the role does not trust: the entry to add names the ref', () => {
  const f = brokenFor(check(withX(basicTrusting(NARROW), '  push:\n    tags: [v2]\n')), X);
  assert.is(f.length, 1);
  assert.is(f[0].fix, 'add "acme/infra-live:ref:refs/tags/v2" to trusted_github_repos of iam-role/terraform in stack dev, or change the job so it sends a sub the role admits');
});

test('the golden jobs against a narrow trust: the stack in the message, the environment entry, pull requests refused', () => {
  const r = check(basicTrusting(NARROW));
  const apply = brokenFor(r, '.github/workflows/atmos-terraform-apply.yaml');
  assert.is(apply.length, 1);
  assert.is(apply[0].message, `atmos-terraform-apply.yaml job "apply" in stack dev sends sub "repo:acme/infra-live:environment:dev", which iam-role/terraform (${ROLE_DEV}) does not admit: its patterns are ${NARROW_LIST}`);
  assert.is(apply[0].fix, 'add "acme/infra-live:environment:dev" to trusted_github_repos of iam-role/terraform in stack dev, or change the job so it sends a sub the role admits');
  assert.is(apply[0].stack, 'dev');
  const pr = brokenFor(r, '.github/workflows/atmos-pro.yaml');
  assert.is(pr.length, 1);
  assert.match(pr[0].message, /^atmos-pro\.yaml job "affected" sends sub "repo:acme\/infra-live:pull_request"/);
  assert.is(pr[0].fix, 'pull requests can only be admitted by an entry without constraint (acme/infra-live); better, give pull request jobs a read-only role');
});

test('a matrix row whose sub the role does not trust: the message names the row', () => {
  const job = `    strategy:\n      matrix:\n        include:\n          - stage: dev\n            role: ${ROLE_DEV}\n`;
  const f = brokenFor(check(withX(basicTrusting(NARROW), '  push:\n', job, '${{ matrix.role }}')), X);
  assert.is(f.length, 1);
  assert.is(f[0].message, `x.yaml job "x" (stage=dev) sends sub "repo:acme/infra-live:ref:refs/heads/main", which iam-role/terraform (${ROLE_DEV}) does not admit: its patterns are ${NARROW_LIST}`);
});

// ---- workflow_dispatch runs on the branch the dispatcher picks ----

const DISPATCH_NOTE = 'workflow_dispatch from any branch: repo:acme/infra-live:ref:refs/heads/* admits them all, so a writer\'s unreviewed branch runs with this role';

test('workflow_dispatch and a role admitting any branch: the chain says an unreviewed branch runs with it', () => {
  const x = xChain(check(withX(basicTrusting(['acme/infra-live:*']), '  workflow_dispatch:\n')));
  assert.is(x.sub, 'repo:acme/infra-live:ref:refs/heads/main');
  assert.is(x.verdict, 'allowed');
  assert.is(x.runs, DISPATCH_NOTE);
});

test('workflow_dispatch beside push: the one chain still says so', () => {
  const x = xChain(check(withX(basicTrusting(['acme/infra-live:*']), '  push:\n    branches: [main]\n  workflow_dispatch:\n')));
  assert.is(x.runs, DISPATCH_NOTE);
});

test('push alone, to a role admitting any branch: no dispatch note', () => {
  const x = xChain(check(withX(basicTrusting(['acme/infra-live:*']), '  push:\n')));
  assert.is(x.verdict, 'allowed');
  assert.is(x.runs, null);
});

test('workflow_dispatch of a job in an environment: the branch does not decide, no dispatch note', () => {
  const x = xChain(check(withX(golden('guide-basic'), '  workflow_dispatch:\n', '    environment: prod\n')));
  assert.is(x.sub, 'repo:acme/infra-live:environment:prod');
  assert.is(x.verdict, 'allowed');
  assert.is(x.runs, null);
});

test('workflow_dispatch to a role admitting only main: no dispatch note', () => {
  const x = xChain(check(withX(basicTrusting(['acme/infra-live:main']), '  workflow_dispatch:\n')));
  assert.is(x.verdict, 'allowed');
  assert.is(x.runs, null);
});

// ---- environment names spelt two ways ----

const envCase = (r: CheckResult) => r.findings.filter((f) => f.code === 'environment-case');
const ENV_FIX = 'spell the environment the same way in workflows, settings.pro and trusted_github_repos';

test('a job\'s environment and the role\'s trust differ in case: a warning at the trust, naming both places', () => {
  const f = envCase(check(withX(basicTrusting(['acme/infra-live', 'acme/infra-live:environment:prod']), '  push:\n', '    environment: Prod\n')));
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'warning');
  assert.is(f[0].message, `GitHub Environment names differ only in case: "Prod" (${X} job x), "prod" (iam-role/terraform in stack dev). GitHub treats them as one environment, IAM compares the sub case-sensitively`);
  assert.equal([f[0].file, f[0].line, f[0].place], [TRUST_PLACE.file, TRUST_PLACE.line, TRUST_PLACE.place]);
  assert.is(f[0].fix, ENV_FIX);
});

test('a stack\'s apply environment and the role\'s trust differ in case: the job is named with its stack', () => {
  const f = envCase(check(basicTrusting(['acme/infra-live', 'acme/infra-live:environment:Dev'])));
  assert.is(f.length, 1);
  assert.is(f[0].message, 'GitHub Environment names differ only in case: "dev" (.github/workflows/atmos-terraform-apply.yaml job apply (stack dev)), "Dev" (iam-role/terraform in stack dev). GitHub treats them as one environment, IAM compares the sub case-sensitively');
});

test('one spelling in a job and a role, the other in the role: each spelling named where first seen', () => {
  const f = envCase(check(withX(basicTrusting(['acme/infra-live:environment:Prod', 'acme/infra-live:environment:prod']), '  push:\n', '    environment: Prod\n')));
  assert.is(f.length, 1);
  assert.match(f[0].message, /^GitHub Environment names differ only in case: "Prod" \(\.github\/workflows\/x\.yaml job x\), "prod" \(iam-role\/terraform in stack dev\)\./);
});

test('two jobs spell one environment two ways and no role names it: a warning that points at no trust', () => {
  const files = withX(golden('guide-basic'), '  push:\n', '    environment: Prod\n');
  files.set('.github/workflows/y.yaml', files.get(X)!.replace('name: x', 'name: y').replace('environment: Prod', 'environment: PROD'));
  const f = envCase(check(files));
  assert.is(f.length, 1);
  assert.match(f[0].message, /"Prod" \(\.github\/workflows\/x\.yaml job x\), "PROD" \(\.github\/workflows\/y\.yaml job x\)/);
  assert.equal([f[0].file, f[0].line, f[0].place], ['', 0, '']);
  assert.is(f[0].fix, ENV_FIX);
});

test('branches that differ only in case are not environments: no environment-case warning', () => {
  assert.equal(envCase(check(withX(golden('guide-basic'), '  push:\n    branches: [main, MAIN]\n'))), []);
});

test('a trusted environment with a wildcard is no spelling: no environment-case warning', () => {
  assert.equal(envCase(check(withX(basicTrusting(['acme/infra-live', 'acme/infra-live:environment:Prod*']), '  push:\n', '    environment: prod\n'))), []);
});

test('an environment trusted for another repository is no spelling of ours: no environment-case warning', () => {
  assert.equal(envCase(check(withX(basicTrusting(['acme/infra-live', 'acme/other:environment:Prod']), '  push:\n', '    environment: prod\n'))), []);
});

test('the warning points at the role that trusts the environment, not the first role', () => {
  const files = change(golden('guide-basic'), DEV, 'components:\n  terraform:\n', 'components:\n  terraform:\n    iam-role/deployer:\n      metadata:\n        component: iam-role\n      vars:\n        name: deployer\n        github_oidc_provider_enabled: true\n        github_oidc_provider_arn: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com\n        trusted_github_repos:\n          - acme/infra-live:environment:Prod\n');
  const f = envCase(check(withX(files, '  push:\n', '    environment: prod\n')));
  assert.is(f.length, 1);
  assert.is(f[0].file, DEV);
  assert.is(f[0].place, 'components.terraform.iam-role/deployer.vars.trusted_github_repos');
});

test.run();
