/**
 * check's AWS side (src/check/roles.ts), judged by behaviour on golden repositories read in memory
 * with one change each: which findings a role gets, at which severity, and the role facts they rest
 * on (null-label names, ARNs, providers). The component rules cited: aws-iam-role names its role with
 * the null-label id (cloudposse/terraform-null-label, `use_fullname`), trusts only a provider of its
 * own account (STS), and turns `trusted_github_repos` into `sub` patterns (src/setup/trust.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, memoryRepo, type CheckResult, type Finding } from '../src/check/index.ts';
import { findRole, isGithubOidcRoleComponent, isProviderComponent, isRoleComponent, nullLabelId, parseArn, resolveFunctionArn, roleArnParts, type RoleInfo } from '../src/check/roles.ts';
import { YamlFunction } from '../src/atmos/yaml.ts';
import { change as changed, golden } from './helpers/golden-repo.ts';


const check = (files: Map<string, string>, repository?: string): CheckResult => checkRepository(memoryRepo(files), repository ? { repository } : {});
const withCode = (r: CheckResult, code: string): Finding[] => r.findings.filter((f) => f.code === code);

const DEV = 'stacks/orgs/acme/dev.yaml';
const PROD = 'stacks/orgs/acme/prod.yaml';
const CATALOG = 'stacks/catalog/github-ci.yaml';

test('basic, with .atmos-oidc.yaml: the admin role reachable from pull requests is a warning (the user chose basic)', () => {
  const result = check(golden('guide-basic'));
  const f = withCode(result, 'admin-from-pull-request');
  assert.ok(f.length >= 1);
  assert.ok(f.every((x) => x.severity === 'warning'), JSON.stringify(f));
  assert.match(f[0].message, /\(setup basic, as chosen in \.atmos-oidc\.yaml\)/);
  assert.match(f[0].fix ?? '', /switch to setup: advanced/);
  const branch = withCode(result, 'admin-from-any-branch');
  assert.ok(branch.length >= 1 && branch.every((x) => x.severity === 'warning'));
  assert.is(result.errors, 0);
});

test('basic without .atmos-oidc.yaml: nobody chose it, the admin role from pull requests and any branch is an error', () => {
  const files = golden('guide-basic');
  files.delete('.atmos-oidc.yaml');
  const result = check(files, 'acme/infra-live');
  const pr = withCode(result, 'admin-from-pull-request');
  assert.ok(pr.length >= 1, 'reported');
  assert.ok(pr.every((x) => x.severity === 'error'), JSON.stringify(pr));
  assert.not.match(pr[0].message, /as chosen/);
  assert.match(pr[0].message, /is an administrator role and admits pull request tokens \(repo:acme\/infra-live:\*\)/);
  assert.match(pr[0].fix ?? '', /constrain its trusted_github_repos to an environment \(e\.g\. acme\/infra-live:environment:production\)/);
  const branch = withCode(result, 'admin-from-any-branch');
  assert.ok(branch.length >= 1 && branch.every((x) => x.severity === 'error'));
  assert.match(branch[0].message, /admits tokens from any branch \(repo:acme\/infra-live:\*\)/);
  assert.ok(result.errors >= 2);
});

test('basic with an answers file that records other trust: the reach was not chosen, so it is an error', () => {
  const files = changed(golden('guide-basic'), '.atmos-oidc.yaml', /trust:\n(\s+)- acme\/infra-live\n/, 'trust:\n$1- acme/infra-live:environment:production\n');
  const pr = withCode(check(files), 'admin-from-pull-request');
  assert.ok(pr.length >= 1 && pr.every((x) => x.severity === 'error'), JSON.stringify(pr));
});

test('advanced: the admin role trusting the whole repository is an error; the planner doing so is fine', () => {
  const clean = check(golden('advanced-three-accounts'));
  assert.equal(clean.findings, []);
  const files = changed(golden('advanced-three-accounts'), DEV, '- acme/infra-live:environment:dev', '- acme/infra-live');
  const result = check(files);
  const pr = withCode(result, 'admin-from-pull-request');
  assert.is(pr.length, 1);
  assert.is(pr[0].severity, 'error');
  assert.is(pr[0].file, DEV);
  assert.match(pr[0].message, /\(stack dev\)/);
});

test('advanced: a role with a read-only policy trusting everything is not an admin finding', () => {
  const files = changed(golden('advanced-three-accounts'), CATALOG, /AdministratorAccess/g, 'ReadOnlyAccess');
  const after = changed(files, DEV, '- acme/infra-live:environment:dev', '- acme/infra-live');
  assert.equal(withCode(check(after), 'admin-from-pull-request'), []);
});

test('an inline policy statement allowing * on * makes a role an administrator', () => {
  const files = changed(
    golden('advanced-three-accounts'),
    DEV,
    '- acme/infra-live:environment:dev',
    '- acme/infra-live\n        managed_policy_arns: []\n        policy_statements:\n          all:\n            effect: Allow\n            actions: ["*"]\n            resources: ["*"]',
  );
  assert.is(withCode(check(files), 'admin-from-pull-request').length, 1);
  const denied = changed(
    golden('advanced-three-accounts'),
    DEV,
    '- acme/infra-live:environment:dev',
    '- acme/infra-live\n        managed_policy_arns: []\n        policy_statements:\n          all:\n            effect: Deny\n            actions: ["*"]\n            resources: ["*"]',
  );
  assert.equal(withCode(check(denied), 'admin-from-pull-request'), [], 'a Deny statement grants nothing');
});

test('immutable ids: a pattern with the wrong ids is an error naming both', () => {
  const files = changed(golden('immutable-ids'), CATALOG, /Acme-Corp@123456\/infra-live@789012/g, 'Acme-Corp@123456/infra-live@789013');
  const f = withCode(check(files), 'immutable-id-mismatch');
  assert.ok(f.length >= 1, 'reported');
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /carries ids 123456\/789013, but the repository's are 123456\/789012/);
  assert.match(f[0].fix ?? '', /write trust entries as Acme-Corp@123456\/infra-live@789012\[:constraint\]/);
});

test('immutable ids: a wrong owner id alone is caught too', () => {
  const files = changed(golden('immutable-ids'), CATALOG, /Acme-Corp@123456\/infra-live@789012/g, 'Acme-Corp@123457/infra-live@789012');
  assert.match(withCode(check(files), 'immutable-id-mismatch')[0]?.message ?? '', /carries ids 123457\/789012/);
});

test('immutable ids: a name-only pattern never matches what GitHub sends', () => {
  const files = changed(golden('immutable-ids'), CATALOG, '          - Acme-Corp@123456/infra-live@789012\n', '          - Acme-Corp/infra-live\n');
  const f = withCode(check(files), 'immutable-id-mismatch');
  assert.ok(f.length >= 1);
  assert.match(f[0].message, /GitHub sends "repo:Acme-Corp@123456\/infra-live@789012:…" for this repository \(immutable subject claims\), so the name-only pattern repo:Acme-Corp\/infra-live:\* never matches/);
});

test('immutable ids: ids in a pattern when the answers record none', () => {
  const files = changed(golden('advanced-three-accounts'), PROD, '- acme/infra-live:environment:prod', '- acme@1/infra-live@2:environment:prod');
  const f = withCode(check(files), 'immutable-id-mismatch');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /uses the immutable owner@id\/repo@id form, but \.atmos-oidc\.yaml records no repository_ids: GitHub sends "repo:acme\/infra-live:…"/);
  assert.match(f[0].fix ?? '', /write trust entries as acme\/infra-live\[:constraint\], or record repository_ids/);
});

test('immutable ids: the correct ids and another repository\'s pattern give no finding', () => {
  assert.equal(withCode(check(golden('immutable-ids')), 'immutable-id-mismatch'), []);
  const files = changed(golden('advanced-three-accounts'), PROD, '- acme/infra-live:environment:prod', '- acme/infra-live:environment:prod\n          - other@1/repo@2:environment:prod');
  assert.equal(withCode(check(files), 'immutable-id-mismatch'), []);
});

test('provider of another account: an error naming both accounts and the fix', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, /arn:aws:iam::111111111111:oidc-provider/, 'arn:aws:iam::999999999999:oidc-provider');
  const f = withCode(check(files), 'provider-other-account');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /is created in account 111111111111 but trusts the OIDC provider of account 999999999999/);
  assert.is(f[0].fix, 'set github_oidc_provider_arn to arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com');
});

test('provider that is not GitHub\'s: provider-missing error', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, /oidc-provider\/token\.actions\.githubusercontent\.com/, 'oidc-provider/gitlab.com');
  const f = withCode(check(files), 'provider-missing');
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /which is not GitHub's provider/);
});

test('a role named GitHubActions gets the warning', () => {
  const files = changed(golden('guide-basic'), 'stacks/catalog/github-ci.yaml', /name: terraform\n/, 'name: GitHubActions\n        use_fullname: false\n');
  const f = withCode(check(files), 'role-named-githubactions');
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'warning');
});

test('trust entries that surprise: pull_request as a branch, every branch, the whole organisation', () => {
  const base = golden('advanced-three-accounts');
  const pr = changed(new Map(base), PROD, '- acme/infra-live:environment:prod', '- acme/infra-live:environment:prod\n          - acme/infra-live:pull_request');
  const prF = withCode(check(pr), 'trust-entry-pull-request');
  assert.is(prF.length, 1);
  assert.is(prF[0].severity, 'warning');
  assert.match(prF[0].fix ?? '', /^use acme\/infra-live \(no constraint\) if pull requests must assume this role/);
  const org = changed(new Map(base), PROD, '- acme/infra-live:environment:prod', '- acme/*:environment:prod');
  const orgF = withCode(check(org), 'trust-entry-org-wildcard');
  assert.is(orgF[0]?.severity, 'error', 'on an admin role the whole organisation is an error');
  assert.match(orgF[0].fix ?? '', /name the repository \(acme\/infra-live\)/);
});

test('trusted_github_repos computed by a template: its trust is unknowable, a warning', () => {
  const files = changed(golden('advanced-three-accounts'), PROD, '- acme/infra-live:environment:prod', '- "{{ .vars.stage }}/x"');
  const f = withCode(check(files), 'value-unknowable');
  assert.ok(f.some((x) => /trusted_github_repos of iam-role\/terraform/.test(x.message)));
});

test('null-label id: default order, delimiter, casing, attributes, limits, full name off', () => {
  assert.is(nullLabelId({ namespace: 'acme', environment: 'gbl', stage: 'dev', name: 'terraform' }), 'acme-gbl-dev-terraform');
  assert.is(nullLabelId({ namespace: 'Ac_me', stage: 'Dev', name: 'x', attributes: ['a', 'B'] }), 'acme-dev-x-a-b');
  assert.is(nullLabelId({ namespace: 'acme', name: 'x', delimiter: '_' }), 'acme_x');
  assert.is(nullLabelId({ namespace: 'acme', name: 'x', label_order: ['name', 'namespace'] }), 'x-acme');
  assert.is(nullLabelId({ namespace: 'acme', name: 'x', label_value_case: 'upper' }), 'ACME-X');
  assert.is(nullLabelId({ namespace: 'acme', name: 'xY', label_value_case: 'title' }), 'Acme-Xy');
  assert.is(nullLabelId({ namespace: 'aCme', name: 'x', label_value_case: 'none' }), 'aCme-x');
  assert.is(nullLabelId({ namespace: 'acme', name: 'terraform', id_length_limit: 6 }), 'acme-t');
  assert.is(nullLabelId({ name: 'Plain', use_fullname: false, namespace: 'acme' }), 'Plain');
  assert.is(nullLabelId({ name: '{{ .vars.x }}', use_fullname: false }), null);
  assert.is(nullLabelId({ namespace: '{{ .vars.x }}', name: 'a' }), null, 'a template is only known at run time');
  assert.is(nullLabelId({ attributes: 'a', name: 'x' }), null);
  assert.is(nullLabelId({}), null);
  assert.is(nullLabelId({ namespace: 'a.b', name: 'c', regex_replace_chars: '/[^a-z.]/' }), 'a.b-c');
});

test('ARNs: parsed into partition, service, account and resource; role ARNs into account and name', () => {
  assert.equal(parseArn('arn:aws-cn:iam::111111111111:role/a/b'), { partition: 'aws-cn', service: 'iam', account: '111111111111', resource: 'role/a/b' });
  assert.equal(parseArn('arn:aws:iam::aws:policy/x'), null);
  assert.equal(parseArn('arn:aws:s3:::bucket'), { partition: 'aws', service: 's3', account: '', resource: 'bucket' });
  assert.equal(roleArnParts('arn:aws:iam::111111111111:role/path/name'), { account: '111111111111', name: 'name', partition: 'aws' });
  assert.is(roleArnParts('arn:aws:iam::111111111111:user/name'), null);
  assert.is(roleArnParts('arn:aws:sts::111111111111:role/name'), null);
  assert.is(roleArnParts('nope'), null);
  assert.equal(parseArn('arn:aws:sns:us-east-1:111111111111:topic'), { partition: 'aws', service: 'sns', account: '111111111111', resource: 'topic' }, 'a region');
  assert.is(parseArn('xarn:aws:iam::111111111111:role/a'), null, 'from the start');
  assert.is(parseArn('arn:aws:iam::111111111111:role/a\nb'), null, 'to the end');
});

test('components: a role by source, by name, or by its GitHub inputs; a provider by source or name', () => {
  const c = (over: Record<string, unknown>) => ({ name: 'x', base: 'x', source: undefined, vars: {}, ...over }) as never;
  assert.ok(isRoleComponent(c({ source: 'github.com/cloudposse-terraform-components/aws-iam-role.git//src' })));
  assert.ok(isRoleComponent(c({ source: { uri: 'github.com/x/aws-iam-role' } })));
  assert.ok(isRoleComponent(c({ base: 'iam-role' })));
  assert.ok(isRoleComponent(c({ base: 'team/iam-role' })));
  assert.not.ok(isRoleComponent(c({ base: 'iam-roles' })));
  assert.ok(isRoleComponent(c({ vars: { trusted_github_repos: [], github_oidc_provider_enabled: true } })));
  assert.not.ok(isRoleComponent(c({ vars: { trusted_github_repos: [] } })));
  assert.not.ok(isRoleComponent(c({ source: { uri: 42 } })), 'a source whose uri is no string');
  assert.ok(isProviderComponent(c({ source: 'x/aws-github-oidc-provider' })));
  assert.ok(isProviderComponent(c({ base: 'github-oidc-provider' })));
  assert.not.ok(isProviderComponent(c({ base: 'github-oidc-provider-x' })));
});

const PROVIDER_OFF = /    github-oidc-provider:\n      metadata:\n        enabled: false\n      vars:\n        enabled: false\n/;

test('two stages of one account both deploying the provider: provider-duplicate error naming both', () => {
  const result = check(changed(golden('shared-account'), 'stacks/orgs/acme/qa.yaml', PROVIDER_OFF, ''));
  const f = withCode(result, 'provider-duplicate');
  assert.is(f.length, 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /^account \d{12} gets 2 GitHub OIDC providers \(github-oidc-provider in stack \w+, github-oidc-provider in stack \w+\): AWS allows one per URL, the second apply fails with EntityAlreadyExists/);
  assert.is(f[0].fix, 'deploy github-oidc-provider in one stack per account; disable it in the others (metadata.enabled: false and vars.enabled: false)');
  assert.ok(f[0].file, 'the finding names a file');
  assert.equal(withCode(check(golden('shared-account')), 'provider-duplicate'), [], 'one deployment per account is fine');
});

test('a provider the answers record as existing, deployed again: provider-duplicate error naming the recorded one', () => {
  const result = check(changed(golden('existing-provider'), 'stacks/orgs/acme/prod.yaml', PROVIDER_OFF, '    github-oidc-provider:\n      vars:\n        enabled: true\n'));
  const f = withCode(result, 'provider-duplicate');
  assert.is(f.length, 1);
  assert.match(f[0].message, /^account 333333333333 already has a GitHub OIDC provider \(arn:aws:iam::333333333333:oidc-provider\/token\.actions\.githubusercontent\.com, per \.atmos-oidc\.yaml\) and github-oidc-provider in stack prod deploys another/);
  assert.equal(withCode(check(golden('existing-provider')), 'provider-duplicate'), []);
  assert.equal(withCode(check(golden('existing-provider')), 'provider-missing'), [], 'a recorded provider counts as present');
});

test('a provider ARN computed by a template: its provider is unknowable, a warning', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, /github_oidc_provider_arn: arn:aws:iam::111111111111:oidc-provider\/token\.actions\.githubusercontent\.com/, 'github_oidc_provider_arn: "arn:aws:iam::{{ .vars.account }}:oidc-provider/token.actions.githubusercontent.com"');
  const f = withCode(check(files), 'value-unknowable').filter((x) => /github_oidc_provider_arn/.test(x.message));
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'warning');
  assert.match(f[0].message, /^github_oidc_provider_arn of iam-role\/\S+ \(stack dev\) is computed when Atmos runs \(arn:aws:iam::\{\{ \.vars\.account \}\}/);
  assert.match(f[0].fix ?? '', /^write the provider ARN as a plain string/);
  assert.equal(withCode(check(files), 'provider-missing'), [], 'nothing more is said about a provider nobody can know');
});

test('a provider no stack deploys, in a repository that manages providers: provider-missing error', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, 'components:\n  terraform:\n', 'components:\n  terraform:\n    github-oidc-provider:\n      metadata:\n        enabled: false\n');
  const f = withCode(check(files), 'provider-missing');
  assert.ok(f.length >= 1);
  assert.is(f[0].severity, 'error');
  assert.match(f[0].message, /trusts arn:aws:iam::111111111111:oidc-provider\/token\.actions\.githubusercontent\.com, but no stack deploys github-oidc-provider in account 111111111111: STS answers "No OpenIDConnect provider found"/);
  assert.match(f[0].fix ?? '', /^deploy github-oidc-provider in one stack of account 111111111111, or record the existing provider/);
});

test('a provider no stack deploys, in a repository that manages none and has no answers: a warning only', () => {
  const files = golden('guide-basic');
  files.delete('.atmos-oidc.yaml');
  const stack = 'stacks/orgs/acme/dev.yaml';
  files.set(stack, files.get(stack)!.replace(/    github-oidc-provider:\n(      .*\n|        .*\n)*/, ''));
  const catalog = 'stacks/catalog/github-ci.yaml';
  files.set(catalog, files.get(catalog)!.replace(/    github-oidc-provider:\n(      .*\n|        .*\n|          .*\n)*/, ''));
  const result = check(files, 'acme/infra-live');
  const f = withCode(result, 'provider-missing');
  assert.ok(f.length >= 1, JSON.stringify(result.findings.map((x) => x.code)));
  assert.is(f[0].severity, 'warning');
  assert.match(f[0].message, /^no stack in this repository deploys a GitHub OIDC provider in account 111111111111; iam-role\/terraform \(stack dev\) assumes arn:aws:iam::111111111111:oidc-provider\/token\.actions\.githubusercontent\.com exists already/);
});

test('a role without its GitHub statement gets no trust findings', () => {
  const files = changed(golden('guide-basic'), 'stacks/catalog/github-ci.yaml', 'github_oidc_provider_enabled: true', 'github_oidc_provider_enabled: false');
  files.delete('.atmos-oidc.yaml');
  const result = check(files, 'acme/infra-live');
  assert.equal(withCode(result, 'admin-from-pull-request'), []);
  assert.equal(withCode(result, 'admin-from-any-branch'), []);
});

test('immutable ids: patterns of other repositories, or of the same owner\'s other repository, are not judged', () => {
  const files = changed(golden('immutable-ids'), CATALOG, '          - Acme-Corp@123456/infra-live@789012\n', '          - Acme-Corp@123456/infra-live@789012\n          - Acme-Corp/other-repo\n          - Other/infra-live\n');
  assert.equal(withCode(check(files), 'immutable-id-mismatch'), []);
});

test('immutable ids: only the repo id given is still a pattern with ids', () => {
  const files = changed(golden('advanced-three-accounts'), PROD, '- acme/infra-live:environment:prod', '- acme/infra-live@2:environment:prod');
  assert.is(withCode(check(files), 'immutable-id-mismatch').length, 1);
});

test('immutable ids without answers: the message says nothing tells the repository sends them', () => {
  const files = changed(golden('advanced-three-accounts'), PROD, '- acme/infra-live:environment:prod', '- acme@1/infra-live@2:environment:prod');
  files.delete('.atmos-oidc.yaml');
  const f = withCode(check(files, 'acme/infra-live'), 'immutable-id-mismatch');
  assert.ok(f.length >= 1);
  assert.match(f[0].message, /but nothing says this repository sends it: GitHub sends "repo:acme\/infra-live:…"/);
});

test('finding texts: a role named GitHubActions, a computed trust list, every branch, the whole organisation without constraint', () => {
  const gha = withCode(check(changed(golden('guide-basic'), 'stacks/catalog/github-ci.yaml', /name: terraform\n/, 'name: GitHubActions\n        use_fullname: false\n')), 'role-named-githubactions')[0];
  assert.is(gha.message, 'iam-role/terraform creates a role named "GitHubActions" (stack dev); roles with this name have been reported to fail AssumeRoleWithWebIdentity with the generic error');
  assert.is(gha.fix, 'give the role another name (vars.name), e.g. after its permission boundary');
  const computed = withCode(check(changed(golden('advanced-three-accounts'), PROD, '- acme/infra-live:environment:prod', '- "{{ .vars.stage }}/x"')), 'value-unknowable').find((x) => /trusted_github_repos/.test(x.message))!;
  assert.is(computed.message, 'trusted_github_repos of iam-role/terraform (stack prod) is computed when Atmos runs (a YAML function or template): its trust cannot be proved or refuted offline');
  assert.is(computed.fix, 'write the trust entries as a plain list of strings');
  const branches = withCode(check(changed(golden('advanced-three-accounts'), 'stacks/catalog/github-ci.yaml', '          - acme/infra-live\n', '          - acme/infra-live\n          - acme/infra-live:*\n')), 'trust-entry-all-branches')[0];
  assert.is(branches.severity, 'warning');
  assert.is(branches.fix, 'name the branch (acme/infra-live:main) or the environment (acme/infra-live:environment:<name>) that should assume it');
  assert.match(branches.message, /^iam-role\/planner \(stacks dev, prod, staging\): "acme\/infra-live:\*" trusts every branch/);
  const org = withCode(check(changed(golden('advanced-three-accounts'), 'stacks/catalog/github-ci.yaml', '          - acme/infra-live\n', '          - acme/*\n')), 'trust-entry-org-wildcard')[0];
  assert.is(org.severity, 'warning', 'the read-only planner: a warning');
  assert.is(org.fix, 'name the repository (acme/infra-live) instead of every repository of the organisation');
});

/** The 1-based line of the `nth` (0-based) occurrence of `needle` in a repository file. */
function lineOf(files: Map<string, string>, path: string, needle: string, nth = 0): number {
  const text = files.get(path)!;
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at !== -1, `${needle} is in ${path}`);
  return text.slice(0, at).split('\n').length;
}

test('a role the answers file does not record was nobody\'s choice: its admin reach is an error even in setup basic', () => {
  const files = changed(golden('guide-basic'), '.atmos-oidc.yaml', '  - name: terraform\n', '  - name: deployer\n');
  const result = check(files);
  const pr = withCode(result, 'admin-from-pull-request');
  assert.is(pr.length, 1);
  assert.is(pr[0].severity, 'error');
  assert.is(pr[0].message, 'iam-role/terraform is an administrator role and admits pull request tokens (repo:acme/infra-live:*) (stack dev): any pull request, from any branch, can run with it');
  const branch = withCode(result, 'admin-from-any-branch');
  assert.is(branch.length, 1);
  assert.is(branch[0].severity, 'error');
  assert.is(branch[0].message, 'iam-role/terraform is an administrator role and admits tokens from any branch (repo:acme/infra-live:*) (stack dev): anyone who can push a branch can run with it');
  assert.is(branch[0].fix, 'constrain its trusted_github_repos to a protected environment (acme/infra-live:environment:<name>) or the default branch');
  assert.equal(result.findings.filter((x) => !x.code), [], 'the admin role\'s entry without constraint has a warning of its own but no finding code: no finding');
});

test('an admin role trusted from every branch but no pull request: the any-branch finding only', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, '- acme/infra-live:environment:dev', '- acme/infra-live:ref:refs/heads/*');
  const result = check(files);
  assert.is(withCode(result, 'admin-from-any-branch').length, 1);
  assert.equal(withCode(result, 'admin-from-pull-request'), []);
});

test('setup basic: the any-branch finding says it was chosen and how to leave basic', () => {
  const branch = withCode(check(golden('guide-basic')), 'admin-from-any-branch');
  assert.is(branch.length, 1);
  assert.is(branch[0].message, 'iam-role/terraform is an administrator role and admits tokens from any branch (repo:acme/infra-live:*) (stack dev): anyone who can push a branch can run with it (setup basic, as chosen in .atmos-oidc.yaml)');
  assert.is(branch[0].fix, 'switch to setup: advanced (a read-only planner for plans, admin only from a protected GitHub Environment)');
});

test('a disabled role is never created, so its trust gets no findings', () => {
  const open = changed(golden('advanced-three-accounts'), DEV, '- acme/infra-live:environment:dev', '- acme/infra-live');
  assert.is(withCode(check(new Map(open)), 'admin-from-pull-request').length, 1, 'enabled: the finding');
  const disabled = changed(open, DEV, /(    iam-role\/terraform:\n      vars:\n)/, '$1        enabled: false\n');
  const result = check(disabled);
  assert.equal(withCode(result, 'admin-from-pull-request'), []);
  assert.equal(withCode(result, 'admin-from-any-branch'), []);
});

test('a role named GitHubActions: the finding points at the line that names it', () => {
  const files = changed(golden('guide-basic'), CATALOG, /name: terraform\n/, 'name: GitHubActions\n        use_fullname: false\n');
  const f = withCode(check(files), 'role-named-githubactions');
  assert.is(f.length, 1);
  assert.is(f[0].file, CATALOG);
  assert.is(f[0].line, lineOf(files, CATALOG, 'name: GitHubActions'));
});

test('a trust entry without org and no trusted_github_org: the pattern cannot be built, its trust is unknowable (a warning)', () => {
  const noOrg = changed(golden('advanced-three-accounts'), CATALOG, '        trusted_github_org: acme\n        trusted_github_repos:\n          - acme/infra-live\n', '        trusted_github_repos:\n          - infra-live\n');
  const f = withCode(check(noOrg), 'value-unknowable');
  assert.is(f.length, 1, JSON.stringify(f));
  assert.is(f[0].severity, 'warning');
  assert.match(f[0].message, /^trusted_github_repos of iam-role\/planner \(stacks dev, prod, staging\) is computed when Atmos runs/);
});

test('the trust entry "*" alone is every repository of the organisation, not every branch', () => {
  const files = changed(golden('advanced-three-accounts'), CATALOG, '          - acme/infra-live\n', '          - "*"\n');
  const result = check(files);
  const org = withCode(result, 'trust-entry-org-wildcard');
  assert.is(org.length, 1);
  assert.is(org[0].severity, 'warning', 'the read-only planner');
  assert.is(org[0].message, 'iam-role/planner (stacks dev, prod, staging): "*" trusts every repository of the organisation: any of them can assume this role');
  assert.equal(withCode(result, 'trust-entry-all-branches'), []);
});

test('provider-duplicate points at the second deployment of the account\'s provider', () => {
  const files = changed(golden('shared-account'), 'stacks/orgs/acme/qa.yaml', PROVIDER_OFF, '    github-oidc-provider:\n      vars:\n        enabled: true\n');
  const f = withCode(check(files), 'provider-duplicate');
  assert.is(f.length, 1);
  assert.is(f[0].file, 'stacks/orgs/acme/qa.yaml');
  assert.is(f[0].line, lineOf(files, 'stacks/orgs/acme/qa.yaml', 'enabled: true'));
});

test('provider-duplicate over a recorded provider points at the deployment\'s vars.enabled', () => {
  const PROD_FILE = 'stacks/orgs/acme/prod.yaml';
  const files = changed(golden('existing-provider'), PROD_FILE, PROVIDER_OFF, '    github-oidc-provider:\n      vars:\n        enabled: true\n');
  const f = withCode(check(files), 'provider-duplicate');
  assert.is(f.length, 1);
  assert.is(f[0].file, PROD_FILE);
  assert.is(f[0].line, lineOf(files, PROD_FILE, 'enabled: true'));
});

test('provider of another account: the finding points at the role\'s github_oidc_provider_arn line', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, /arn:aws:iam::111111111111:oidc-provider/, 'arn:aws:iam::999999999999:oidc-provider');
  const f = withCode(check(files), 'provider-other-account');
  assert.is(f.length, 1);
  assert.is(f[0].file, DEV);
  assert.is(f[0].line, lineOf(files, DEV, 'github_oidc_provider_arn: arn:aws:iam::999999999999'));
});

test('a role without github_oidc_provider_arn: nothing said about its provider (the component fails to plan on its own)', () => {
  const files = changed(golden('advanced-three-accounts'), CATALOG, '        name: planner\n', '        name: planner\n        github_oidc_provider_arn: null\n');
  const noArn = changed(files, DEV, /    iam-role\/planner:\n      vars:\n        github_oidc_provider_arn: .*\n/, '');
  const result = check(noArn);
  assert.equal(result.findings.filter((x) => /github_oidc_provider_arn|provider/.test(x.message) && x.component === 'iam-role/planner' && x.stack === 'dev'), []);
  assert.equal(withCode(result, 'provider-missing'), []);
  assert.equal(withCode(result, 'value-unknowable'), []);
});

test('a provider ARN read with !terraform.output from the provider this repository deploys: proved, no finding', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, /github_oidc_provider_arn: arn:aws:iam::111111111111:oidc-provider\/token\.actions\.githubusercontent\.com/, 'github_oidc_provider_arn: !terraform.output github-oidc-provider oidc_provider_arn');
  assert.equal(check(files).findings, []);
  const other = changed(golden('advanced-three-accounts'), DEV, /github_oidc_provider_arn: arn:aws:iam::111111111111:oidc-provider\/token\.actions\.githubusercontent\.com/, 'github_oidc_provider_arn: !terraform.output github-oidc-provider vpc_id');
  const f = withCode(check(other), 'value-unknowable');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'github_oidc_provider_arn of iam-role/planner (stack dev) is computed when Atmos runs (!terraform.output github-oidc-provider vpc_id): which provider the role trusts cannot be checked offline');
});

test('a provider ARN that is no ARN at all, or of another service: provider-missing error with the fix', () => {
  for (const arn of ['not-an-arn', 'arn:aws:sts::111111111111:oidc-provider/token.actions.githubusercontent.com']) {
    const files = changed(golden('advanced-three-accounts'), DEV, /github_oidc_provider_arn: arn:aws:iam::111111111111:oidc-provider\/token\.actions\.githubusercontent\.com/, `github_oidc_provider_arn: ${arn}`);
    const f = withCode(check(files), 'provider-missing');
    assert.is(f.length, 1, arn);
    assert.is(f[0].severity, 'error');
    assert.is(f[0].message, `iam-role/planner (stack dev) trusts ${arn}, which is not GitHub's provider (always arn:…:iam::<account>:oidc-provider/token.actions.githubusercontent.com)`);
    assert.is(f[0].fix, 'set github_oidc_provider_arn to arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com');
  }
});

test('no answers file but a provider component (disabled here): the repository manages providers, a missing one is an error', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, 'components:\n  terraform:\n', 'components:\n  terraform:\n    github-oidc-provider:\n      metadata:\n        enabled: false\n');
  files.delete('.atmos-oidc.yaml');
  const f = withCode(check(files, 'acme/infra-live'), 'provider-missing');
  assert.ok(f.length >= 1);
  assert.ok(f.every((x) => x.severity === 'error'), JSON.stringify(f));
});

test('an answers file and no provider component anywhere: the answers manage providers, a missing one is an error', () => {
  const files = changed(golden('advanced-three-accounts'), CATALOG, /    # Trusts tokens issued by GitHub Actions\. Deploy once per AWS account\.\n    github-oidc-provider:\n(      .*\n)*\n/, '');
  const f = withCode(check(files), 'provider-missing');
  assert.is(f.length, 6, 'two roles in each of three accounts');
  assert.ok(f.every((x) => x.severity === 'error'), JSON.stringify(f));
});

test('a recorded provider, and a role trusting another ARN in that account: provider-missing names the recorded one', () => {
  const PROD_FILE = 'stacks/orgs/acme/prod.yaml';
  const files = changed(golden('existing-provider'), PROD_FILE, 'github_oidc_provider_arn: arn:aws:iam', 'github_oidc_provider_arn: arn:aws-cn:iam');
  const f = withCode(check(files), 'provider-missing');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'iam-role/planner (stack prod) trusts arn:aws-cn:iam::333333333333:oidc-provider/token.actions.githubusercontent.com, but no stack deploys github-oidc-provider in account 333333333333 and .atmos-oidc.yaml records arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com there: STS answers "No OpenIDConnect provider found"');
});

const IDS_CATALOG = 'stacks/catalog/github-ci.yaml';
const adminPlanner = (): Map<string, string> => changed(golden('immutable-ids'), IDS_CATALOG, '          - arn:aws:iam::aws:policy/ReadOnlyAccess', '          - arn:aws:iam::aws:policy/AdministratorAccess');

test('immutable ids: a recorded name-only trust entry is read as the id form GitHub sends, so the admin reach it chose is a warning', () => {
  const result = check(adminPlanner());
  const pr = withCode(result, 'admin-from-pull-request');
  assert.is(pr.length, 1);
  assert.is(pr[0].severity, 'warning');
  assert.is(pr[0].message, 'iam-role/planner is an administrator role and admits pull request tokens (repo:Acme-Corp@123456/infra-live@789012:*) (stacks dev, prod): any pull request, from any branch, can run with it (as recorded for iam-role/planner in .atmos-oidc.yaml)');
  assert.is(pr[0].fix, 'trust iam-role/planner only from a protected environment (Acme-Corp/infra-live:environment:<name>) in .atmos-oidc.yaml, or give it a policy short of administrator');
});

test('immutable ids: a recorded entry with a constraint is read in the id form too, and acknowledges only what it admits', () => {
  const files = changed(adminPlanner(), '.atmos-oidc.yaml', '      - Acme-Corp/infra-live\n', '      - Acme-Corp/infra-live:*\n');
  const result = check(files);
  assert.is(withCode(result, 'admin-from-any-branch')[0]?.severity, 'warning', 'every branch was recorded');
  assert.is(withCode(result, 'admin-from-pull-request')[0]?.severity, 'error', 'pull requests were not');
});

test('immutable ids: an owner id alone makes a pattern with ids', () => {
  const files = changed(golden('advanced-three-accounts'), PROD, '- acme/infra-live:environment:prod', '- acme@1/infra-live:environment:prod');
  assert.is(withCode(check(files), 'immutable-id-mismatch').length, 1);
});

test('immutable ids known only from other trust entries: the name-only pattern\'s message says so', () => {
  const files = changed(golden('immutable-ids'), IDS_CATALOG, '- Acme-Corp@123456/infra-live@789012:environment:production', '- Acme-Corp/infra-live:environment:production');
  files.delete('.atmos-oidc.yaml');
  const f = withCode(check(files, 'Acme-Corp/infra-live'), 'immutable-id-mismatch');
  assert.is(f.length, 1);
  assert.is(f[0].message, 'iam-role/terraform (stacks dev, prod): GitHub sends "repo:Acme-Corp@123456/infra-live@789012:…" for this repository (immutable subject claims, as its other trust entries say), so the name-only pattern repo:Acme-Corp/infra-live:environment:production never matches');
});

// The AWS side as the components build it (buildAwsSide): the facts every finding and chain rests on.

/** The facts of one role, without the stack and component objects. */
function facts(r: RoleInfo): Record<string, unknown> {
  return { stack: r.stack.name, component: r.component.name, name: r.name, account: r.account, arn: r.arn, created: r.created, github: r.github, org: r.org, entries: r.entries, patterns: r.patterns, providerArn: r.providerArn, admin: r.admin, kind: r.kind, entriesVar: r.entriesVar };
}
const roleOf = (result: CheckResult, stack: string, component: string): RoleInfo => {
  const r = result.roles.find((x) => x.stack.name === stack && x.component.name === component);
  assert.ok(r, `${component} in ${stack}`);
  return r!;
};
const GITHUB_PROVIDER = (account: string, partition = 'aws') => `arn:${partition}:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;

test('role facts: the advanced golden\'s planner and admin role of dev, by the component\'s rules', () => {
  const result = check(golden('advanced-three-accounts'));
  assert.is(result.roles.length, 6);
  assert.equal(facts(roleOf(result, 'dev', 'iam-role/planner')), {
    stack: 'dev', component: 'iam-role/planner', name: 'acme-gbl-dev-planner', account: '111111111111', arn: 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner',
    created: true, github: true, org: 'acme', entries: ['acme/infra-live'], patterns: ['repo:acme/infra-live:*'], providerArn: GITHUB_PROVIDER('111111111111'),
    admin: false, kind: 'iam-role', entriesVar: 'trusted_github_repos',
  });
  const admin = roleOf(result, 'prod', 'iam-role/terraform');
  assert.equal([admin.admin, admin.entries, admin.patterns, admin.arn], [true, ['acme/infra-live:environment:prod'], ['repo:acme/infra-live:environment:prod'], 'arn:aws:iam::333333333333:role/acme-gbl-prod-terraform']);
  assert.equal(Object.fromEntries(result.side.stackAccounts), { dev: '111111111111', prod: '333333333333', staging: '222222222222' });
  assert.equal([...result.side.providersByAccount.keys()].sort(), ['111111111111', '222222222222', '333333333333']);
  assert.equal([...result.side.byKey.keys()].sort(), result.roles.map((r) => `${r.account}/${r.name}`).sort());
  assert.is(result.side.reusedProviders.size, 0);
  assert.is(result.side.unreadable, null);
});

test('role facts: the account of a stack without answers comes from its identities, else its vars, else the provider its roles trust', () => {
  const base = golden('advanced-three-accounts');
  base.delete('.atmos-oidc.yaml');
  const AUTH = /# Atmos auth:.*\nauth:\n(  .*\n)*/;
  const fromAuth = check(new Map(base), 'acme/infra-live');
  assert.is(fromAuth.side.stackAccounts.get('dev'), '111111111111', 'from the identities\' role ARNs');
  const twoAccounts = changed(new Map(base), DEV, 'assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-terraform', 'assume_role: arn:aws:iam::444444444444:role/acme-gbl-dev-terraform');
  assert.is(check(twoAccounts, 'acme/infra-live').side.stackAccounts.get('dev'), '111111111111', 'identities in two accounts say nothing; the provider ARN decides');
  const noAuth = changed(new Map(base), DEV, AUTH, '');
  const byVar = changed(new Map(noAuth), DEV, '  stage: dev\n', '  stage: dev\n  account_id: "555555555555"\n');
  assert.is(check(byVar, 'acme/infra-live').side.stackAccounts.get('dev'), '555555555555', 'vars.account_id');
  const byNumber = changed(new Map(noAuth), DEV, '  stage: dev\n', '  stage: dev\n  aws_account_id: 555555555556\n');
  assert.is(check(byNumber, 'acme/infra-live').side.stackAccounts.get('dev'), '555555555556', 'vars.aws_account_id, a number');
  const listVar = changed(new Map(noAuth), DEV, '  stage: dev\n', '  stage: dev\n  account_id: ["555555555555"]\n');
  assert.is(check(listVar, 'acme/infra-live').side.stackAccounts.get('dev'), '111111111111', 'a list is no account id');
  for (const bad of ['"5555555555556"', '"x555555555555"']) {
    const files = changed(new Map(noAuth), DEV, '  stage: dev\n', `  stage: dev\n  account_id: ${bad}\n`);
    assert.is(check(files, 'acme/infra-live').side.stackAccounts.get('dev'), '111111111111', `${bad} is not twelve digits`);
  }
  const shortVar = changed(new Map(noAuth), DEV, '  stage: dev\n', '  stage: dev\n  account_id: "5555"\n');
  assert.is(check(shortVar, 'acme/infra-live').side.stackAccounts.get('dev'), '111111111111', 'not twelve digits: the provider ARN decides');
  const nothing = changed(new Map(noAuth), DEV, /github_oidc_provider_arn: arn:aws:iam::111111111111:/g, 'github_oidc_provider_arn: arn:aws:iam:::');
  const unknown = check(nothing, 'acme/infra-live');
  assert.is(unknown.side.stackAccounts.get('dev'), null);
  assert.is(roleOf(unknown, 'dev', 'iam-role/planner').arn, null, 'no account, no ARN');
  assert.equal([...unknown.side.byKey.keys()].filter((k) => k.startsWith('?/')), ['?/acme-gbl-dev-planner', '?/acme-gbl-dev-terraform']);
  assert.equal(findRole(unknown.side, 'arn:aws:iam::777777777777:role/acme-gbl-dev-planner').role?.stack.name, 'dev', 'a role of unknown account answers for any account');
  assert.equal(withCode(unknown, 'provider-missing'), [], 'no account, nothing to say about its provider');
});

/** dev's identities moved to account 444444444444: each source of a stack's account then names another one. */
const authIn444 = (files: Map<string, string>): Map<string, string> => changed(files, DEV, /assume_role: arn:aws:iam::111111111111:/g, 'assume_role: arn:aws:iam::444444444444:');

test('role facts: each source of a stack\'s account in its order: answers, identities, vars, the provider its roles trust', () => {
  assert.is(check(authIn444(golden('advanced-three-accounts'))).side.stackAccounts.get('dev'), '111111111111', 'the answers first');
  const base = golden('advanced-three-accounts');
  base.delete('.atmos-oidc.yaml');
  const identities = check(authIn444(new Map(base)), 'acme/infra-live');
  assert.is(identities.side.stackAccounts.get('dev'), '444444444444', 'then the one account the identities name');
  const odd = changed(authIn444(new Map(base)), DEV, 'auth:\n  identities:\n', 'auth:\n  identities:\n    acme/user:\n      kind: aws/user\n    acme/by-name:\n      principal:\n        assume_role: acme-gbl-dev-planner\n    acme/computed:\n      principal:\n        assume_role: !env ROLE_ARN\n');
  assert.is(check(odd, 'acme/infra-live').side.stackAccounts.get('dev'), '444444444444', 'identities without a role ARN count for nothing');
  const two = changed(authIn444(new Map(base)), DEV, 'role/acme-gbl-dev-terraform', 'role/acme-gbl-dev-terraform\n    acme/other:\n      principal:\n        assume_role: arn:aws:iam::666666666666:role/x');
  assert.is(check(two, 'acme/infra-live').side.stackAccounts.get('dev'), '111111111111', 'two accounts: the provider ARN decides');
  const byVar = changed(authIn444(new Map(base)), DEV, '  stage: dev\n', '  stage: dev\n  account_id: "555555555555"\n');
  assert.is(check(byVar, 'acme/infra-live').side.stackAccounts.get('dev'), '444444444444', 'identities before vars');
});

test('role facts: the answers\' account is found by the stack\'s name, else by its stage', () => {
  const byStage = changed(authIn444(golden('advanced-three-accounts')), DEV, 'name: dev\n', 'name: dev-use2\n');
  assert.is(check(byStage).side.stackAccounts.get('dev-use2'), '111111111111');
  const byName = changed(authIn444(golden('advanced-three-accounts')), DEV, '  stage: dev\n', '  stage: sandbox\n');
  assert.is(check(byName).side.stackAccounts.get('dev'), '111111111111');
  const neither = changed(changed(authIn444(golden('advanced-three-accounts')), DEV, 'name: dev\n', 'name: dev-use2\n'), DEV, '  stage: dev\n', '  stage: sandbox\n');
  assert.is(check(neither).side.stackAccounts.get('dev-use2'), '444444444444', 'no recorded account: the identities');
});

test('role facts: a role whose name only Atmos computes has no name, no ARN, and no key to be found by', () => {
  const files = changed(golden('advanced-three-accounts'), CATALOG, '        name: planner\n', '        name: "{{ .vars.tenant }}-planner"\n');
  const result = check(files);
  const r = roleOf(result, 'dev', 'iam-role/planner');
  assert.equal([r.name, r.arn], [null, null]);
  assert.equal([...result.side.byKey.keys()].sort(), ['111111111111/acme-gbl-dev-terraform', '222222222222/acme-gbl-staging-terraform', '333333333333/acme-gbl-prod-terraform']);
});

test('role facts: a region of another partition makes ARNs of that partition', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, '  region: us-east-2\n', '  region: cn-north-1\n');
  assert.is(roleOf(check(files), 'dev', 'iam-role/planner').arn, 'arn:aws-cn:iam::111111111111:role/acme-gbl-dev-planner');
});

test('role facts: disabled by metadata or by vars, a role is not created; an abstract one is no role', () => {
  const off = changed(golden('advanced-three-accounts'), DEV, /    iam-role\/planner:\n      vars:\n/, '    iam-role/planner:\n      metadata:\n        enabled: false\n      vars:\n');
  assert.is(roleOf(check(off), 'dev', 'iam-role/planner').created, false);
  const varsOff = changed(golden('advanced-three-accounts'), DEV, /    iam-role\/planner:\n      vars:\n/, '    iam-role/planner:\n      vars:\n        enabled: false\n');
  assert.is(roleOf(check(varsOff), 'dev', 'iam-role/planner').created, false);
  const abstract = changed(golden('advanced-three-accounts'), DEV, /    iam-role\/planner:\n      vars:\n/, '    iam-role/planner:\n      metadata:\n        type: abstract\n      vars:\n');
  assert.not.ok(check(abstract).roles.some((r) => r.stack.name === 'dev' && r.component.name === 'iam-role/planner'));
});

test('role facts: trust entries that are no plain list are unknowable; an absent or null list is an empty one without a GitHub statement', () => {
  const asString = changed(golden('advanced-three-accounts'), CATALOG, '        trusted_github_repos:\n          - acme/infra-live\n', '        trusted_github_repos: acme/infra-live\n');
  const s = roleOf(check(asString), 'dev', 'iam-role/planner');
  assert.equal([s.entries, s.patterns, s.github], [null, null, true]);
  const withNumber = changed(golden('advanced-three-accounts'), CATALOG, '          - acme/infra-live\n', '          - acme/infra-live\n          - 42\n');
  assert.equal(roleOf(check(withNumber), 'dev', 'iam-role/planner').entries, ['acme/infra-live', '42']);
  const withBoolean = changed(golden('advanced-three-accounts'), CATALOG, '          - acme/infra-live\n', '          - acme/infra-live\n          - true\n');
  assert.equal(roleOf(check(withBoolean), 'dev', 'iam-role/planner').entries, ['acme/infra-live', 'true']);
  const asNull = changed(golden('advanced-three-accounts'), CATALOG, '        trusted_github_repos:\n          - acme/infra-live\n', '        trusted_github_repos: null\n');
  const n = roleOf(check(asNull), 'dev', 'iam-role/planner');
  assert.equal([n.entries, n.patterns, n.github], [[], [], false]);
  const orgTemplate = changed(golden('advanced-three-accounts'), CATALOG, '        trusted_github_org: acme\n        trusted_github_repos:\n          - acme/infra-live\n', '        trusted_github_org: "{{ .vars.namespace }}"\n        trusted_github_repos:\n          - acme/infra-live\n');
  assert.is(roleOf(check(orgTemplate), 'dev', 'iam-role/planner').org, null, 'an org only Atmos computes is not known');
});

test('role facts: what makes a role an administrator', () => {
  const admin = (policies: string, statements = ''): boolean => {
    const policy = changed(golden('advanced-three-accounts'), CATALOG, '        managed_policy_arns:\n          - arn:aws:iam::aws:policy/ReadOnlyAccess\n', `        managed_policy_arns: ${policies}\n`);
    const files = statements ? changed(policy, CATALOG, '        policy_statements:\n', `        policy_statements:\n${statements}`) : policy;
    return roleOf(check(files), 'dev', 'iam-role/planner').admin;
  };
  assert.ok(admin('[arn:aws:iam::aws:policy/PowerUserAccess]'));
  assert.ok(admin('[arn:aws:iam::aws:policy/IAMFullAccess]'));
  assert.not.ok(admin('[arn:aws:iam::aws:policy/IAMReadOnlyAccess]'));
  assert.not.ok(admin('[arn:aws:iam::aws:policy/AdministratorAccess-Amplify]'));
  assert.not.ok(admin('[arn:aws:iam::111111111111:policy/MyAdministratorAccess]'), 'a customer policy that only ends in the name');
  const statement = (body: string) => `          all:\n${body}`;
  assert.ok(admin('[]', statement('            actions: ["*"]\n            resources: ["*"]\n')), 'effect defaults to Allow');
  assert.ok(admin('[]', statement('            effect: allow\n            actions: ["*"]\n            resources: ["*"]\n')), 'effect in any case');
  assert.not.ok(admin('[]', statement('            effect: Allow\n            actions: ["s3:*"]\n            resources: ["*"]\n')));
  assert.not.ok(admin('[]', statement('            effect: Allow\n            actions: ["*"]\n            resources: ["arn:aws:s3:::b"]\n')));
  assert.not.ok(admin('[]', statement('            effect: Allow\n            actions: "*"\n            resources: ["*"]\n')), 'not a list: the component\'s type rejects it');
});

test('role facts: Cloud Posse\'s older github-oidc-role component: org cloudposse, the provider of its own account', () => {
  const files = changed(
    golden('advanced-three-accounts'),
    DEV,
    'components:\n  terraform:\n',
    'components:\n  terraform:\n    github-oidc-role/ci:\n      vars:\n        name: ci\n        github_actions_allowed_repos:\n          - acme/infra-live:main\n          - infra-live\n        iam_policies:\n          - arn:aws:iam::aws:policy/ReadOnlyAccess\n        iam_policy:\n          - statements:\n              - effect: Allow\n                actions: ["*"]\n                resources: ["*"]\n',
  );
  const result = check(files);
  const r = roleOf(result, 'dev', 'github-oidc-role/ci');
  assert.equal(facts(r), {
    stack: 'dev', component: 'github-oidc-role/ci', name: 'acme-gbl-dev-ci', account: '111111111111', arn: 'arn:aws:iam::111111111111:role/acme-gbl-dev-ci',
    created: true, github: true, org: 'cloudposse', entries: ['acme/infra-live:main', 'infra-live'], patterns: ['repo:acme/infra-live:ref:refs/heads/main', 'repo:cloudposse/infra-live:*'],
    providerArn: GITHUB_PROVIDER('111111111111'), admin: true, kind: 'github-oidc-role', entriesVar: 'github_actions_allowed_repos',
  });
  const readOnly = changed(new Map(files), DEV, '              - effect: Allow\n                actions: ["*"]\n', '              - effect: Allow\n                actions: ["s3:Get*"]\n');
  assert.is(roleOf(check(readOnly), 'dev', 'github-oidc-role/ci').admin, false);
  const byPolicy = changed(new Map(readOnly), DEV, '          - arn:aws:iam::aws:policy/ReadOnlyAccess\n        iam_policy', '          - arn:aws:iam::aws:policy/AdministratorAccess\n        iam_policy');
  assert.is(roleOf(check(byPolicy), 'dev', 'github-oidc-role/ci').admin, true, 'iam_policies, not managed_policy_arns');
  assert.ok(isGithubOidcRoleComponent({ name: 'x', base: 'team/github-oidc-role', source: undefined, vars: {} } as never));
  assert.ok(isGithubOidcRoleComponent({ name: 'x', base: 'github-oidc-role', source: undefined, vars: {} } as never));
  assert.ok(isGithubOidcRoleComponent({ name: 'x', base: 'x', source: 'github.com/cloudposse-terraform-components/aws-github-oidc-role.git//src', vars: {} } as never));
  assert.not.ok(isGithubOidcRoleComponent({ name: 'x', base: 'github-oidc-roles', source: undefined, vars: {} } as never));
});

test('role facts: a github-oidc-role in a stack of unknown account trusts no provider anyone can name', () => {
  const base = golden('advanced-three-accounts');
  base.delete('.atmos-oidc.yaml');
  const files = changed(
    changed(changed(base, DEV, /# Atmos auth:.*\nauth:\n(  .*\n)*/, ''), DEV, /github_oidc_provider_arn: arn:aws:iam::111111111111:/g, 'github_oidc_provider_arn: arn:aws:iam:::'),
    DEV,
    /    iam-role\/planner:\n(      .*\n)*/,
    '    github-oidc-role/ci:\n      vars:\n        name: ci\n        github_actions_allowed_repos: [acme/infra-live]\n',
  );
  const r = roleOf(check(files, 'acme/infra-live'), 'dev', 'github-oidc-role/ci');
  assert.is(r.account, null);
  assert.is(r.providerArn, null);
});

test('role facts: a stack file that is not YAML makes the AWS side unreadable, naming it', () => {
  const files = golden('advanced-three-accounts');
  files.set(DEV, files.get(DEV)! + '\n  bad: [\n');
  assert.is(check(files).side.unreadable, DEV);
});

test('findRole: exact account and name first; the same name in another account is only "elsewhere"', () => {
  const { side } = check(golden('advanced-three-accounts'));
  const exact = findRole(side, 'arn:aws:iam::222222222222:role/acme-gbl-staging-terraform');
  assert.equal([exact.role?.stack.name, exact.elsewhere], ['staging', []]);
  const other = findRole(side, 'arn:aws:iam::999999999999:role/acme-gbl-staging-terraform');
  assert.is(other.role, null);
  assert.equal(other.elsewhere.map((r) => r.stack.name), ['staging']);
  assert.equal(findRole(side, 'arn:aws:iam::999999999999:user/x'), { role: null, elsewhere: [] });
  const disabled = changed(golden('advanced-three-accounts'), DEV, /    iam-role\/planner:\n      vars:\n/, '    iam-role/planner:\n      metadata:\n        enabled: false\n      vars:\n');
  const twice = changed(disabled, DEV, '    iam-role/terraform:\n', '    iam-role/planner-again:\n      metadata:\n        component: iam-role\n      vars:\n        name: planner\n        github_oidc_provider_arn: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com\n    iam-role/terraform:\n');
  const found = findRole(check(twice).side, 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner');
  assert.is(found.role?.component.name, 'iam-role/planner-again', 'the one that is created wins over a disabled one of the same name');
});

test('resolveFunctionArn: !terraform.output or !terraform.state of a role\'s or provider\'s ARN this repository creates', () => {
  const result = check(golden('advanced-three-accounts'));
  const dev = result.stacks.byName('dev')!;
  const fn = (tag: string, text: string) => resolveFunctionArn(new YamlFunction(tag, text), dev, result.stacks, result.side);
  assert.is(fn('!terraform.output', 'iam-role/planner arn'), 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner');
  assert.is(fn('!terraform.state', 'iam-role/planner .role_arn'), 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner');
  assert.is(fn('!terraform.output', 'iam-role/terraform prod arn'), 'arn:aws:iam::333333333333:role/acme-gbl-prod-terraform', 'in another stack');
  assert.is(fn('!terraform.output', 'github-oidc-provider staging oidc_provider_arn'), GITHUB_PROVIDER('222222222222'));
  assert.is(fn('!terraform.output', 'iam-role/planner nowhere arn'), null, 'a stack that does not exist');
  assert.is(fn('!terraform.output', 'iam-role/nobody arn'), null);
  assert.is(fn('!terraform.output', 'iam-role/planner'), null, 'one argument');
  assert.is(fn('!terraform.output', 'a b c d'), null, 'four arguments');
  assert.is(fn('!terraform.output', 'iam-role/planner role_name'), null, 'another output');
  assert.is(fn('!terraform.output', 'iam-role/planner iam_role_arn'), null, 'an output that only ends in arn');
  assert.is(fn('!terraform.output', 'iam-role/planner arn_suffix'), null, 'an output that only starts with arn');
  assert.is(fn('!terraform.output', 'github-oidc-vault oidc_provider_arn'), null, 'no such provider component');
  assert.is(fn('!store', 'iam-role/planner arn'), null, 'another function');
});

test('role facts: other components are no roles, and their provider ARNs do not tell a stack\'s account', () => {
  const base = golden('advanced-three-accounts');
  base.delete('.atmos-oidc.yaml');
  const noAuth = changed(base, DEV, /# Atmos auth:.*\nauth:\n(  .*\n)*/, '');
  const files = changed(noAuth, DEV, 'components:\n  terraform:\n', 'components:\n  terraform:\n    eks/runners:\n      vars:\n        github_oidc_provider_arn: arn:aws:iam::777777777777:oidc-provider/token.actions.githubusercontent.com\n    iam-role/defaults:\n      metadata:\n        type: abstract\n        component: iam-role\n      vars:\n        github_oidc_provider_arn: arn:aws:iam::888888888888:oidc-provider/token.actions.githubusercontent.com\n');
  const result = check(files, 'acme/infra-live');
  assert.is(result.side.stackAccounts.get('dev'), '111111111111');
  assert.equal(result.roles.filter((r) => r.stack.name === 'dev').map((r) => r.component.name).sort(), ['iam-role/planner', 'iam-role/terraform']);
});

test('role facts: a role without a region is in the aws partition', () => {
  const files = changed(golden('advanced-three-accounts'), DEV, '  region: us-east-2\n', '');
  assert.is(roleOf(check(files), 'dev', 'iam-role/planner').arn, 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner');
});

test('role facts: one computed entry makes the whole list unknowable; an absent list is an empty one', () => {
  const mixed = changed(golden('advanced-three-accounts'), CATALOG, '          - acme/infra-live\n', '          - acme/infra-live\n          - "{{ .vars.stage }}/x"\n');
  assert.is(roleOf(check(mixed), 'dev', 'iam-role/planner').entries, null);
  const absent = changed(golden('advanced-three-accounts'), CATALOG, '        trusted_github_repos:\n          - acme/infra-live\n', '');
  const r = roleOf(check(absent), 'dev', 'iam-role/planner');
  assert.equal([r.entries, r.github], [[], false]);
});

test('role facts: an imported stack file that is not YAML makes the AWS side unreadable too', () => {
  const files = golden('advanced-three-accounts');
  files.set(CATALOG, files.get(CATALOG)! + '\n  bad: [\n');
  assert.is(check(files).side.unreadable, CATALOG);
});

test('resolveFunctionArn: four arguments, a dot inside the output, a provider only another stack deploys: nothing resolved', () => {
  const files = changed(golden('advanced-three-accounts'), CATALOG, /    # Trusts tokens issued by GitHub Actions\. Deploy once per AWS account\.\n    github-oidc-provider:\n(      .*\n)*\n/, '');
  const withProd = changed(files, PROD, 'components:\n  terraform:\n', 'components:\n  terraform:\n    github-oidc-provider:\n      vars:\n        enabled: true\n');
  const result = check(withProd);
  const dev = result.stacks.byName('dev')!;
  const fn = (text: string) => resolveFunctionArn(new YamlFunction('!terraform.output', text), dev, result.stacks, result.side);
  assert.is(fn('github-oidc-provider prod oidc_provider_arn'), GITHUB_PROVIDER('333333333333'));
  assert.is(fn('github-oidc-provider oidc_provider_arn'), null, 'dev deploys none');
  assert.is(fn('iam-role/planner x dev arn'), null, 'four arguments');
  assert.is(fn('iam-role/planner ar.n'), null, 'only a leading dot is dropped');
});

test('a recorded provider and two deployments in that account: provider-duplicate names both deployments', () => {
  const PROD_FILE = 'stacks/orgs/acme/prod.yaml';
  const files = changed(golden('existing-provider'), PROD_FILE, PROVIDER_OFF, '    github-oidc-provider:\n      vars:\n        enabled: true\n    github-oidc-provider/second:\n      metadata:\n        component: github-oidc-provider\n      vars:\n        enabled: true\n');
  const f = withCode(check(files), 'provider-duplicate');
  assert.is(f.length, 1);
  assert.match(f[0].message, / and github-oidc-provider in stack prod, github-oidc-provider\/second in stack prod deploys another/);
});

test('github-oidc-role: a null item in iam_policy is skipped, the statements of the others still count', () => {
  const files = changed(
    golden('advanced-three-accounts'),
    DEV,
    'components:\n  terraform:\n',
    'components:\n  terraform:\n    github-oidc-role/ci:\n      vars:\n        name: ci\n        github_actions_allowed_repos: [acme/infra-live:main]\n        iam_policy:\n          - null\n          - statements:\n              - effect: Allow\n                actions: ["*"]\n                resources: ["*"]\n',
  );
  assert.is(roleOf(check(files), 'dev', 'github-oidc-role/ci').admin, true);
});

test('a recorded entry of another repository, as long as ours, acknowledges nothing (with or without ids)', () => {
  const open = changed(golden('advanced-three-accounts'), DEV, '- acme/infra-live:environment:dev', '- acme/infra-live');
  const plain = changed(open, '.atmos-oidc.yaml', '      - acme/infra-live:environment:{stage}\n', '      - acme/infra-test:*\n');
  assert.is(withCode(check(plain), 'admin-from-any-branch')[0]?.severity, 'error');
  const ids = changed(adminPlanner(), '.atmos-oidc.yaml', '      - Acme-Corp/infra-live\n', '      - Acme-Corp/infra-test:*\n');
  assert.is(withCode(check(ids), 'admin-from-any-branch')[0]?.severity, 'error');
});

// acknowledgedByAnswers fills {stage} of a recorded entry per stack. The branch probe is
// refs/heads/check-probe/any-new-branch, so a recorded "ref:refs/heads/{stage}/*" acknowledges the
// any-branch reach only in a stack whose stage reads "check-probe": which value fills {stage} shows.
const stageBranches = (): Map<string, string> => {
  const open = changed(golden('advanced-three-accounts'), DEV, '- acme/infra-live:environment:dev', '- acme/infra-live');
  return changed(open, '.atmos-oidc.yaml', '      - acme/infra-live:environment:{stage}\n', '      - acme/infra-live:ref:refs/heads/{stage}/*\n');
};

test('{stage} in a recorded trust entry is the stack\'s stage var, not the stack\'s name', () => {
  const byStage = changed(stageBranches(), DEV, '  stage: dev\n', '  stage: check-probe\n');
  assert.is(withCode(check(byStage), 'admin-from-any-branch')[0]?.severity, 'warning', 'stage check-probe: the recorded branches admit the probe');
  const byName = changed(stageBranches(), DEV, 'name: dev\n', 'name: check-probe\n');
  assert.is(withCode(check(byName), 'admin-from-any-branch')[0]?.severity, 'error', 'only the stack name is check-probe: its stage (dev) fills {stage}');
});

test('{stage} in a recorded trust entry is the stack\'s name where the stack sets no stage', () => {
  const noStage = changed(changed(stageBranches(), DEV, 'name: dev\n', 'name: check-probe\n'), DEV, '  stage: dev\n', '');
  assert.is(withCode(check(noStage), 'admin-from-any-branch')[0]?.severity, 'warning');
});

test('advanced, a recorded role shared by pull-request and admin jobs: the warning names the role as recorded, never "setup basic"', () => {
  const files = golden('immutable-ids');
  for (const path of [CATALOG, '.atmos-oidc.yaml']) changed(files, path, /arn:aws:iam::aws:policy\/ReadOnlyAccess/g, 'arn:aws:iam::aws:policy/AdministratorAccess');
  const shared = withCode(check(files), 'role-shared-pull-request');
  assert.ok(shared.length >= 1, 'the planner, now an administrator, serves pull requests and dispatched plans');
  for (const f of shared) {
    assert.is(f.severity, 'warning');
    assert.match(f.message, /^\(as recorded for iam-role\/planner in \.atmos-oidc\.yaml\) /);
    assert.not.match(f.message, /setup basic/);
  }
});

test.run();
