/**
 * Repositories shaped like Cloud Posse's public examples, written by hand (test/fixtures/check/):
 * other component names, identities selected in stacks and components, profiles with several
 * identities (and a people profile with the same names), workflows that use
 * configure-aws-credentials with literal ARNs, YAML functions, anchors and merge keys, list-form
 * Atmos Pro events. `check` must not crash and must say sensible things about them.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, diskRepo, explainRole, type Chain, type CheckResult } from '../src/check/index.ts';
import { ROOT, runCli } from './helpers/run.ts';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'check');

function codes(result: CheckResult, severity: 'error' | 'warning'): string[] {
  return [...new Set(result.findings.filter((f) => f.severity === severity).map((f) => f.code))].sort();
}

function chainsOf(result: CheckResult, workflow: string, job: string): Chain[] {
  return result.chains.filter((c) => c.workflow === `.github/workflows/${workflow}` && c.job === job);
}

test('native-ci: stacks named by file, identities selected per stack, roles managed elsewhere', () => {
  const result = checkRepository(diskRepo(join(FIXTURES, 'native-ci')), { repository: 'cloudposse-examples/atmos-native-ci-advanced' });
  assert.equal(
    result.stacks.all().map((s) => s.name),
    ['dev', 'prod', 'staging'],
    'no name_pattern or name_template: stacks are named after their files; _default.yaml and imported dirs are not stacks',
  );
  // deps/* is a glob import; defaults/app.yaml carries YAML functions that decide no chain.
  const dev = result.stacks.byName('dev')!;
  assert.ok(dev.components.has('vpc') && dev.components.has('app') && dev.components.has('s3-bucket'));
  assert.is(dev.components.get('vpc')!.enabled, false);

  // The deploy job: the stack's own `terraform.auth` selects the identity, and with it the account.
  const deploy = chainsOf(result, 'feature-branch.yml', 'deploy');
  assert.equal(
    deploy.map((c) => [c.stack, c.identity, c.context]),
    [
      ['dev', 'plat-dev/terraform', 'environment:preview'],
      ['prod', 'plat-prod/terraform', 'environment:preview'],
      ['staging', 'plat-staging/terraform', 'environment:preview'],
    ],
  );
  // `atmos auth env --identity …` on a pull request.
  const build = chainsOf(result, 'feature-branch.yml', 'build');
  assert.is(build.length, 1, 'auth env and auth login in one step are one chain');
  assert.is(build[0].sub, 'repo:cloudposse-examples/atmos-native-ci-advanced:pull_request');
  assert.is(build[0].roleArn, 'arn:aws:iam::068007702576:role/cplive-plat-gbl-dev-atmos-native-ci');
  // describe affected has no default identity to use, and needs none unless a YAML function asks.
  assert.equal(chainsOf(result, 'feature-branch.yml', 'affected'), []);
  // The roles come from outside this repository: nothing to prove, nothing refuted.
  for (const c of [...deploy, ...build]) assert.is(c.verdict, 'unknown');
  assert.ok(result.findings.some((f) => f.code === 'role-not-found' && f.severity === 'warning'));

  // The smoke job's own permissions drop id-token: that chain is broken whatever the role says.
  const smoke = chainsOf(result, 'main-branch.yaml', 'smoke');
  assert.is(smoke[0].verdict, 'denied');
  const idToken = result.findings.find((f) => f.code === 'id-token-missing')!;
  assert.is(idToken.file, '.github/workflows/main-branch.yaml');
  assert.is(idToken.place, 'jobs.smoke.permissions');
  assert.ok(idToken.line > 0);
  // A literal component and stack: one chain, in its environment.
  assert.equal(
    chainsOf(result, 'main-branch.yaml', 'release').map((c) => [c.stack, c.components, c.context]),
    [['staging', ['s3-bucket'], 'environment:staging']],
  );
  // One role per account serves the pull-request build, the pull-request preview deploy and the
  // release from main: with no trust policy to read, the sharing alone is the risk.
  const shared = result.findings.filter((f) => f.code === 'role-shared-pull-request');
  assert.equal(
    shared.map((f) => [f.job, /role\/([\w-]+)/.exec(f.message)![1]]),
    [
      ['build', 'cplive-plat-gbl-dev-atmos-native-ci'],
      ['deploy', 'cplive-plat-gbl-staging-atmos-native-ci'],
    ],
  );
  assert.match(shared[1].message, /main-branch\/release \(stack staging\), which runs atmos terraform deploy/);
  assert.equal(codes(result, 'error'), ['id-token-missing', 'role-shared-pull-request']);
  assert.equal(codes(result, 'warning'), ['role-not-found', 'run-expression'], 'matrix values in run: are a warning, not an error');
});

test('native-ci through the CLI: no remote and no answers file, so the repository is unknown; exit 1 for the id-token error', async () => {
  const result = await runCli(['check', join(FIXTURES, 'native-ci')]);
  assert.is(result.code, 1);
  assert.match(result.stdout, /repository-assumed/);
  assert.match(result.stdout, /main-branch\/smoke .*BROKEN: the job has no id-token: write/);
});

test('pro-advanced: name_pattern, inherited abstract roles, per-stack trust, component-level identity, list-form Pro events', () => {
  const result = checkRepository(diskRepo(join(FIXTURES, 'pro-advanced')));
  assert.is(result.subject.repository, 'cloudposse-examples/atmos-pro-example-advanced', 'inferred from the trust entries');
  assert.equal(
    result.stacks.all().map((s) => s.name),
    ['plat-gbl-dev', 'plat-gbl-prod', 'plat-use2-dev', 'plat-use2-prod'],
  );
  // gha-role/* instances of aws-iam-role, with the tenant in label_order and their provider ARN
  // from !terraform.output of the stack's github-oidc-provider.
  const deployer = explainRole(result, 'gha-role/deployer');
  assert.equal(
    deployer.map((e) => [e.stack, e.roleArn, e.providerArn, e.patterns]),
    [
      ['plat-gbl-dev', 'arn:aws:iam::111111111111:role/ex1-plat-gbl-dev-gha-deployer', 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', ['repo:cloudposse-examples/atmos-pro-example-advanced:environment:plat-dev']],
      ['plat-gbl-prod', 'arn:aws:iam::333333333333:role/ex1-plat-gbl-prod-gha-deployer', 'arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com', ['repo:cloudposse-examples/atmos-pro-example-advanced:environment:plat-prod']],
    ],
  );
  assert.ok(!result.roles.some((r) => r.component.name === 'gha-role/defaults'), 'the abstract base creates no role');

  // Atmos Pro dispatches only the stacks importing the mixin; the apply environment is "{{ .vars.tenant }}-{{ .vars.stage }}".
  const apply = chainsOf(result, 'atmos-terraform-apply.yaml', 'atmos-apply');
  assert.equal(
    apply.map((c) => [c.stack, c.identity, c.context, c.verdict]),
    [
      ['plat-use2-dev', 'plat/deployer', 'environment:plat-dev', 'allowed'],
      ['plat-use2-prod', 'plat/deployer', 'environment:plat-prod', 'allowed'],
    ],
  );
  // The cluster component selects the deployer identity for itself: its plan, from main, is refused.
  const plan = chainsOf(result, 'atmos-terraform-plan.yaml', 'atmos-plan');
  const cluster = plan.find((c) => c.components.includes('cluster'))!;
  assert.is(cluster.identity, 'plat/deployer');
  assert.is(cluster.verdict, 'denied');
  assert.ok(!cluster.components.includes('my/instance'), 'my/instance shares the component but not the override');
  assert.ok(plan.filter((c) => c !== cluster).every((c) => c.verdict === 'allowed' && c.identity === 'plat/planner'));

  // configure-aws-credentials with literal ARNs from a matrix, one chain per row.
  const smoke = chainsOf(result, 'test-oidc.yaml', 'assume');
  assert.equal(
    smoke.map((c) => [c.variant, c.verdict]),
    [
      ['account=plat-dev', 'allowed'],
      ['account=plat-prod', 'allowed'],
      ['account=plat-prod-deployer', 'denied'],
    ],
  );
  assert.equal(codes(result, 'error'), ['chain-broken', 'run-expression']);
  assert.equal(codes(result, 'warning'), ['repository-assumed']);
  const broken = result.findings.filter((f) => f.code === 'chain-broken');
  assert.equal(broken.map((f) => f.file).sort(), ['stacks/orgs/ex1/plat/dev/_defaults.yaml', 'stacks/orgs/ex1/plat/prod/_defaults.yaml'], 'each points where that trust is written');
});

test('pro-advanced --explain prints the exact trust policy per account; --json has chains and findings', async () => {
  const explained = await runCli(['check', '--explain', 'gha-role/planner', join(FIXTURES, 'pro-advanced')]);
  assert.is(explained.code, 0);
  assert.match(explained.stdout, /# gha-role\/planner in stack plat-gbl-dev \(account 111111111111\): arn:aws:iam::111111111111:role\/ex1-plat-gbl-dev-gha-planner/);
  const policies = explained.stdout.split(/^# .*$/m).filter((s) => s.trim()).map((s) => JSON.parse(s));
  assert.is(policies.length, 2);
  assert.equal(policies[1].Statement[0].Condition.StringLike['token.actions.githubusercontent.com:sub'], ['repo:cloudposse-examples/atmos-pro-example-advanced:*']);
  assert.equal(policies[1].Statement[0].Principal, { Federated: 'arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com' });

  const json = await runCli(['check', '--json', '--explain', 'gha-planner', join(FIXTURES, 'pro-advanced')]);
  assert.is(JSON.parse(json.stdout).accounts.length, 2, 'the role may be named by vars.name too');

  const missing = await runCli(['check', '--explain', 'nope', join(FIXTURES, 'pro-advanced')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /gha-role\/deployer, gha-role\/planner/);

  const report = await runCli(['check', '--json', join(FIXTURES, 'pro-advanced')]);
  assert.is(report.code, 1);
  const parsed = JSON.parse(report.stdout);
  // `sources` names where the facts came from (offline: the repository files only).
  assert.equal(Object.keys(parsed), ['chains', 'findings', 'sources']);
  assert.equal(parsed.sources, ['the repository files']);
  const format = await runCli(['check', '--format', 'json', join(FIXTURES, 'pro-advanced')]);
  assert.is(format.stdout, report.stdout, '--json is --format json');
  for (const f of parsed.findings) for (const key of ['severity', 'code', 'message', 'file', 'line', 'place', 'fix']) assert.ok(key in f, `finding has ${key}`);
});

test('--repository and --repository-ids say what the sub claims are when nothing in the repository does', async () => {
  const named = await runCli(['check', '--json', '--repository', 'cloudposse-examples/atmos-native-ci-advanced', join(FIXTURES, 'native-ci')]);
  const chains = JSON.parse(named.stdout).chains as Chain[];
  assert.ok(chains.every((c) => !c.sub || c.sub.startsWith('repo:cloudposse-examples/atmos-native-ci-advanced:')));
  assert.not.match(named.stdout, /repository-assumed/);
  // A generated repository whose GitHub repository turns out to send immutable subject claims.
  const ids = await runCli(['check', '--json', '--repository-ids', '123456/789012', join(ROOT, 'test', 'golden', 'advanced-three-accounts', 'expected')]);
  assert.is(ids.code, 1);
  const parsed = JSON.parse(ids.stdout) as { chains: Chain[]; findings: Array<{ code: string }> };
  assert.ok(parsed.chains.every((c) => c.sub!.startsWith('repo:acme@123456/infra-live@789012:') && c.verdict === 'denied'));
  assert.ok(parsed.findings.some((f) => f.code === 'immutable-id-mismatch'));
  const bad = await runCli(['check', '--repository-ids', 'acme/infra', join(FIXTURES, 'native-ci')]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--repository-ids/);
});

test.run();
