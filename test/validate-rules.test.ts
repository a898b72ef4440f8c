/**
 * Every field rule of src/answers/validate.ts, one scenario per test: what it accepts, and for each
 * part of the rule (an anchor, a length bound, a character class, a partition or account check) a
 * value that only that part refuses, so removing or loosening the part turns the test red.
 * GitHub's naming rules: owners 1–39 letters, digits and single inner hyphens; repositories up to
 * 100 of [A-Za-z0-9._-] (../shared/reference/domain.md). ARNs: AWS IAM identifiers reference.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accountId,
  atmosVersion,
  boolean,
  branch,
  branded,
  compareVersions,
  environment,
  formatProblem,
  githubId,
  identity,
  InputError,
  invisibleTraits,
  label,
  MIN_ATMOS_VERSION,
  nonEmptyList,
  oidcProviderArn,
  pinActions,
  policyArn,
  region,
  repository,
  roleArn,
  roleName,
  s3Bucket,
  s3KeyPrefix,
  dynamodbTable,
  setup,
  showValue,
  trustEntry,
  type Rule,
} from '../src/answers/validate.ts';

function accepts(rule: Rule, values: unknown[]): void {
  for (const v of values) assert.is(rule(v), null, `accepts ${JSON.stringify(v)}`);
}
function refuses(rule: Rule, values: unknown[], allowed?: string | RegExp): void {
  for (const v of values) {
    const message = rule(v);
    assert.type(message, 'string', `refuses ${JSON.stringify(v)}`);
    if (typeof allowed === 'string') assert.is(message, allowed, `the message for ${JSON.stringify(v)}`);
    else if (allowed) assert.match(message as string, allowed, `the message for ${JSON.stringify(v)}`);
  }
}
const times = (s: string, n: number): string => s.repeat(n);

const REPOSITORY =
  'expected OWNER/REPO as on GitHub: an owner of letters, digits and single inner hyphens (at most 39), a repository of letters, digits, ".", "_" and "-" (at most 100), e.g. "acme/infra-live"';

test('repository: OWNER/REPO by GitHub naming rules', () => {
  accepts(repository, ['acme/infra-live', 'a/b', 'A-b-C/x.y_z-1', `${times('a', 39)}/${times('r', 100)}`, 'acme/.github', 'acme/...']);
});

test('repository: refuses the wrong number of slashes, non-strings, and empty parts', () => {
  refuses(repository, ['acme', 'acme/infra/live', '/infra', 'acme/', '', 42, null, undefined, ['acme', 'infra']], REPOSITORY);
});

test('repository: owner rules, each bound and anchor', () => {
  refuses(repository, [`${times('a', 40)}/r`, '-acme/r', 'acme-/r', 'ac--me/r', 'ac_me/r', 'ac.me/r', 'x acme/r', 'acme /r', 'acmé/r'], REPOSITORY);
});

test('repository: repository rules, each bound and anchor; "." and ".." refused; ".git" refused with its reason', () => {
  refuses(repository, [`acme/${times('r', 101)}`, 'acme/in fra', 'acme/infra!', 'acme/r ', 'acme/ r', 'acme/.', 'acme/..'], REPOSITORY);
  refuses(repository, ['acme/infra.git', 'acme/infra.GIT'], `${REPOSITORY} (without the ".git" suffix)`);
});

test('githubId: a positive safe integer', () => {
  accepts(githubId, [1, 123456789, Number.MAX_SAFE_INTEGER]);
  refuses(githubId, [0, -1, 1.5, '123', Number.MAX_SAFE_INTEGER + 1, NaN, null], 'expected a positive whole number, the numeric id GitHub shows in GET /repos/OWNER/REPO');
});

test('label: 1 to 32 lower-case letters, digits, inner hyphens', () => {
  accepts(label, ['a', 'dev', 'prod-2', '0', times('a', 32), `a${times('-', 30)}b`]);
  refuses(label, ['', times('a', 33), '-dev', 'dev-', 'Dev', 'de_v', 'de v', 'x\ndev', 'dev\n', 7], /^expected 1 to 32 lower-case letters/);
  assert.is(roleName, label, 'a role name follows the label rule');
});

test('region: a known AWS region code only', () => {
  accepts(region, ['us-east-1', 'eu-west-1', 'us-gov-west-1', 'cn-north-1']);
  refuses(region, ['us-east-9', 'US-EAST-1', 'toString', 'constructor', '__proto__', '', 1], 'expected an AWS region code such as "us-east-2" (see `aws ec2 describe-regions`)');
});

const BRANCH = 'expected a branch name of letters, digits, ".", "_", "-" and "/", e.g. "main"';

test('branch: letters, digits, . _ - / up to 200 characters', () => {
  accepts(branch, ['main', 'release/1.x', 'a', 'feat_x-y', times('b', 200), 'a/b/c', 'a.b']);
  refuses(branch, ['', times('b', 201), 'ma in', 'main*', 'ma:in', 'mäin', 'x main', 'main x', 'main\n', null], BRANCH);
});

test('branch: no leading or trailing slash, no empty component, no "..", no ".lock", no leading "-"', () => {
  refuses(branch, ['/main', 'main/', 'a//b', 'a..b', '..', 'main.lock', 'a/b.lock', '-main'], BRANCH);
  accepts(branch, ['main-', 'a.lock/b', 'lock', 'a.b/c']);
});

test('setup: basic or advanced', () => {
  accepts(setup, ['basic', 'advanced']);
  refuses(setup, ['Basic', '', 'expert', null], 'expected "basic" or "advanced"');
});

test('environment: GitHub Environment names, {stage} allowed, wildcards and ":" refused', () => {
  accepts(environment, ['production', '{stage}', 'prod-{stage}', '{stage}-{stage}', 'a.b_c-d', times('e', 255)]);
  refuses(environment, ['', times('e', 256), 'prod*', 'prod?', 'a:b', 'with space', '{Stage}', '{stage', 'x\nprod', 'prod\n', 3], /^expected a GitHub Environment name/);
});

test('compareVersions: numeric, part by part', () => {
  assert.ok(compareVersions('1.214.0', '1.214.0') === 0);
  assert.ok(compareVersions('1.215.0', '1.214.0') > 0);
  assert.ok(compareVersions('1.214.0', '1.215.0') < 0);
  assert.ok(compareVersions('1.1000.0', '1.999.0') > 0, 'numeric, not lexical');
  assert.ok(compareVersions('2.0.0', '1.999.999') > 0);
  assert.ok(compareVersions('1.214.1', '1.214.0') > 0, 'the patch counts');
  assert.ok(compareVersions('1.214.0', '1.214.1') < 0);
});

test('atmos_version: MAJOR.MINOR.PATCH at least the minimum, nothing before or after (it is an image tag)', () => {
  const allowed = `expected an Atmos release at least ${MIN_ATMOS_VERSION}, as MAJOR.MINOR.PATCH without "v" (it is the container image tag), e.g. "1.215.0"`;
  assert.is(MIN_ATMOS_VERSION, '1.214.0');
  accepts(atmosVersion, ['1.214.0', '1.215.0', '1.1000.0', '2.0.0', '9999.0.0', '1.215.1234', '1.215.10']);
  refuses(atmosVersion, ['1.213.9', '1.0.0', '0.999.999'], allowed);
  refuses(atmosVersion, ['v1.215.0', '1.215.0-rc1', '1.215.0 ', ' 1.215.0', '1.215.0\n', '1.215', '1.215.0.1', '1.215.x', '10000.0.0', '1.10000.0', '1.215.10000', 'x1.215.0', '1.215.0;rm', 1.215, null], allowed);
});

test('boolean: true or false only', () => {
  accepts(boolean, [true, false]);
  refuses(boolean, ['true', 0, 1, null], 'expected true or false');
});

test('account id: exactly 12 digits as a string; a number gets the quoting hint', () => {
  accepts(accountId, ['111111111111', '012345678901']);
  refuses(accountId, ['11111111111', '1111111111111', 'x111111111111', '111111111111x', '11111111111a', ''], 'expected exactly 12 digits, e.g. "111111111111"');
  refuses(accountId, [111111111111, 12345678901], 'expected exactly 12 digits written as a quoted string, e.g. "012345678901" (unquoted, YAML reads a number and drops leading zeros)');
});

const PROVIDER = (p: string, a: string): string => `arn:${p}:iam::${a}:oidc-provider/token.actions.githubusercontent.com`;

test('OIDC provider ARN: GitHub\'s provider in this account and partition', () => {
  accepts(oidcProviderArn('111111111111', 'aws'), [PROVIDER('aws', '111111111111')]);
  accepts(oidcProviderArn('111111111111', 'aws-us-gov'), [PROVIDER('aws-us-gov', '111111111111')]);
  accepts(oidcProviderArn('111111111111', 'aws-cn'), [PROVIDER('aws-cn', '111111111111')]);
  accepts(oidcProviderArn(undefined, 'aws'), [PROVIDER('aws', '222222222222')]);
});

test('OIDC provider ARN: another partition is refused, naming the partition', () => {
  const rule = oidcProviderArn('111111111111', 'aws');
  assert.is(rule(PROVIDER('aws-cn', '111111111111')), `expected an ARN in partition "aws" (from the region), e.g. "${PROVIDER('aws', '111111111111')}"`);
  assert.match(oidcProviderArn('111111111111', 'aws-cn')(PROVIDER('aws', '111111111111')) as string, /partition "aws-cn"/);
});

test('OIDC provider ARN: another account is refused, naming both', () => {
  assert.is(
    oidcProviderArn('111111111111', 'aws')(PROVIDER('aws', '222222222222')),
    `expected a provider in this account (111111111111), not in 222222222222: IAM trusts only a provider of its own account, e.g. "${PROVIDER('aws', '111111111111')}"`,
  );
});

test('OIDC provider ARN: anything but GitHub\'s provider ARN, exactly, is refused', () => {
  const rule = oidcProviderArn('111111111111', 'aws');
  const example = `expected the ARN of an IAM OIDC provider for GitHub, e.g. "${PROVIDER('aws', '111111111111')}"`;
  refuses(
    rule,
    [
      `x${PROVIDER('aws', '111111111111')}`,
      `${PROVIDER('aws', '111111111111')}x`,
      `${PROVIDER('aws', '111111111111')}\n`,
      'arn:aws:iam::111111111111:oidc-provider/tokenXactions.githubusercontent.com',
      'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontentXcom',
      'arn:aws:iam::11111111111:oidc-provider/token.actions.githubusercontent.com',
      'arn:aws:iam::1111111111111:oidc-provider/token.actions.githubusercontent.com',
      'arn:aws-eu:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
      'arn:aws:iam::111111111111:oidc-provider/gitlab.com',
      42,
    ],
    example,
  );
  assert.is(oidcProviderArn(undefined, 'aws')(42), `expected the ARN of an IAM OIDC provider for GitHub, e.g. "${PROVIDER('aws', '111111111111')}"`);
  assert.is(oidcProviderArn('333333333333', 'aws-cn')('x'), `expected the ARN of an IAM OIDC provider for GitHub, e.g. "${PROVIDER('aws-cn', '333333333333')}"`);
});

test('role ARN: in the partition, with paths, names up to 64 characters', () => {
  const rule = roleArn('aws');
  accepts(rule, ['arn:aws:iam::111111111111:role/tfstate', 'arn:aws:iam::111111111111:role/a/b/c', `arn:aws:iam::111111111111:role/${times('n', 64)}`, 'arn:aws:iam::111111111111:role/+=,.@-_x']);
  refuses(
    rule,
    ['arn:aws-cn:iam::111111111111:role/tfstate', `arn:aws:iam::111111111111:role/${times('n', 65)}`, 'arn:aws:iam::111111111111:role/', 'arn:aws:iam::aws:role/x', 'xarn:aws:iam::111111111111:role/x', 'arn:aws:iam::111111111111:role/x y', 'arn:aws:iam::111111111111:role/x\n', 'arn:aws:iam::111111111111:user/x', 'arn:aws:iam::11111111111:role/x', null],
    'expected an IAM role ARN in partition "aws", e.g. "arn:aws:iam::111111111111:role/my-tfstate-role"',
  );
  accepts(roleArn('aws-us-gov'), ['arn:aws-us-gov:iam::111111111111:role/x']);
  assert.match(roleArn('aws-cn')('arn:aws:iam::111111111111:role/x') as string, /partition "aws-cn".*arn:aws-cn:iam::/);
});

test('policy ARN: AWS-managed or an account\'s, in the partition, names up to 128 characters', () => {
  const rule = policyArn('aws');
  accepts(rule, ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::111111111111:policy/mine', 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess', `arn:aws:iam::aws:policy/${times('p', 128)}`]);
  refuses(
    rule,
    ['arn:aws-cn:iam::aws:policy/ReadOnlyAccess', `arn:aws:iam::aws:policy/${times('p', 129)}`, 'arn:aws:iam::amazon:policy/x', 'arn:aws:iam::aws:policy/', 'xarn:aws:iam::aws:policy/x', 'arn:aws:iam::aws:policy/x ', 'arn:aws:iam::aws:role/x', 3],
    'expected a managed policy ARN in partition "aws", e.g. "arn:aws:iam::aws:policy/ReadOnlyAccess"',
  );
  assert.match(policyArn('aws-us-gov')('arn:aws:iam::aws:policy/x') as string, /partition "aws-us-gov".*arn:aws-us-gov:iam::aws:policy/);
});

test('identity: ORG/BOUNDARY, each a label', () => {
  accepts(identity, ['acme/planner', 'a/b', `${times('a', 32)}/${times('b', 32)}`, 'a-b/c-d', '0/1']);
  refuses(
    identity,
    ['acme', 'acme/', '/planner', 'acme/planner/x', 'Acme/planner', 'acme/Planner', '-acme/p', 'acme-/p', 'acme/-p', 'acme/p-', `${times('a', 33)}/b`, `a/${times('b', 33)}`, 'x acme/p', 'acme/p x', 'acme_x/p', 1],
    'expected ORG/BOUNDARY in lower-case letters, digits and inner hyphens, named after the permission boundary, e.g. "acme/planner"',
  );
});

const TRUST =
  'expected a trusted_github_repos entry "OWNER/REPO[:CONSTRAINT]", where CONSTRAINT is a branch ("main"), "ref:refs/heads/..." or "ref:refs/tags/...", or "environment:NAME" (NAME may use "{stage}"), e.g. "acme/infra-live:environment:production"';

test('trust entry: the shapes the component reads', () => {
  accepts(trustEntry, [
    'acme/infra-live',
    'infra-live',
    'acme/*',
    '*',
    'acme/infra-live:main',
    'acme/infra-live:release/*',
    'acme/infra-live:ref:refs/tags/v?.*',
    'acme/infra-live:environment:prod',
    'acme/infra-live:environment:{stage}',
    'acme/infra-live:environment:a..b',
    'acme@123/infra@456:main',
    'infra@456',
    'A-b/x.y_z',
    `acme/r:${times('c', 255)}`,
    'acme/r:ref:refs/heads/{stage}',
  ]);
});

test('trust entry: nothing before it and nothing after its parts', () => {
  refuses(trustEntry, ['x acme/infra', ' acme/infra', '#acme/infra', 'acme/infra ', 'acme/infra:main ', 'acme/infra\n', '\nacme/infra', 'acme/infra:main\nother'], TRUST);
});

test('trust entry: owner and repository characters; ids only as @digits', () => {
  refuses(trustEntry, ['ac_me/infra', 'ac.me/r', 'acme/in fra', 'acme/infra!', 'acme@x/infra', 'acme@/infra', 'acme/infra@', 'acme/infra@1x', 'acme@1@2/r', '/infra', 'acme/', 'acme//infra', 'a/b/c', '', 'acme/**', 'acme/in*', 5, null], TRUST);
});

test('trust entry: constraint characters, length, and ".." outside environment names', () => {
  refuses(trustEntry, ['acme/r:', 'acme/r:ma in', 'acme/r:ma$in', 'acme/r:main%3A', 'acme/r:{stagex}', `acme/r:${times('c', 256)}`, 'acme/r:a..b', 'acme/r:ref:refs/heads/..', 'acme/r:environment:{Stage}'], TRUST);
  accepts(trustEntry, ['acme/r:environment:..', 'acme/r:a.b', 'acme/r:{stage}..x'.replace('..', '.')]);
});

test('trust entry: {stage} counts as five characters in the length bound', () => {
  accepts(trustEntry, [`acme/r:${times('c', 250)}{stage}`]);
  refuses(trustEntry, [`acme/r:${times('c', 251)}{stage}`], TRUST);
});

test('pin_actions: major or sha', () => {
  accepts(pinActions, ['major', 'sha']);
  refuses(pinActions, ['Major', 'SHA', '', 'minor', true], 'expected "major" (actions pinned to a major version tag, e.g. actions/checkout@v6) or "sha" (full commit SHAs from the table create-atmos-oidc ships)');
});

// S3 bucket naming rules: docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET =
  'expected an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit, no "..", not an IP address, without the reserved prefixes xn--, sthree-, amzn-s3-demo- or suffixes -s3alias, --ol-s3, .mrap, --x-s3, --table-s3, e.g. "acme-tfstate"';

test('backend bucket: 3 to 63 lower-case letters, digits, "." and "-", a letter or digit at each end', () => {
  accepts(s3Bucket, ['abc', 'acme-tfstate', 'a.b-c', '0ab', 'ab9', `a${times('b', 61)}c`, 'a--b', 'a.b.c']);
  refuses(s3Bucket, ['ab', `a${times('b', 62)}c`, 'Abc', 'abC', 'a_b', 'a b', '-abc', 'abc-', '.abc', 'abc.', 'a/b', '', 7, null, ['abc']], BUCKET);
});

test('backend bucket: no "..", no IP address (anywhere a dotted quad is the whole name)', () => {
  refuses(s3Bucket, ['a..b', '192.168.1.1', '10.0.0.1', '1.2.3.4', '10.20.30.40'], BUCKET);
  accepts(s3Bucket, ['x1.2.3.4', '1.2.3.4x', '1.2.3', '1.2.3.4.5', 'a.b']);
});

test('backend bucket: the reserved prefixes and suffixes only at the start and the end', () => {
  refuses(s3Bucket, ['xn--abc', 'sthree-abc', 'amzn-s3-demo-abc', 'abc-s3alias', 'abc--ol-s3', 'abc.mrap', 'abc--x-s3', 'abc--table-s3'], BUCKET);
  accepts(s3Bucket, ['axn--b', 'asthree-b', 'aamzn-s3-demo-b', 'a-s3aliasb', 'a--ol-s3b', 'a.mrapb', 'a--x-s3b', 'a--table-s3b', 'xn-abc', 'sthree', 'abc-s3']);
});

const KEY_PREFIX = 'expected a key prefix of letters, digits and !_.*\'()- in "/"-separated parts, without a leading or trailing "/", e.g. "infra-live"';

test('backend key prefix: S3 key characters in "/"-separated parts, at most 512, no ".." part', () => {
  accepts(s3KeyPrefix, ['infra-live', 'a', 'a/b/c', "A!_.*'()-9", 'a..b', '..a/b', times('k', 512), `${times('k', 255)}/${times('k', 256)}`]);
  refuses(s3KeyPrefix, ['', '/a', 'a/', 'a//b', 'a/../b', '..', 'a/..', 'a b', 'a/b c', 'a?b', times('k', 513), 5, null], KEY_PREFIX);
});

const TABLE = 'expected a DynamoDB table name of 3 to 255 letters, digits, "_", "-" and ".", e.g. "acme-tfstate-lock"';

test('backend lock table: 3 to 255 letters, digits, "_", "-" and "."', () => {
  accepts(dynamodbTable, ['abc', 'A_b.c-1', times('t', 255), '...']);
  refuses(dynamodbTable, ['ab', times('t', 256), 'a b', 'a/b', 'a:b', '', 3, null], TABLE);
});

test('nonEmptyList names what the list must hold', () => {
  assert.is(nonEmptyList('role'), 'expected a list with at least one role');
});

test('showValue: quoted, escaped, missing, long values cut with their length', () => {
  assert.is(showValue(undefined), '(missing)');
  assert.is(showValue('main'), '"main"');
  assert.is(showValue('a\nb'), '"a\\nb"');
  assert.is(showValue(42), '42');
  assert.is(showValue(null), 'null');
  assert.is(showValue({ a: 1 }), '{"a":1}');
  assert.is(showValue(Symbol('s')), 'Symbol(s)', 'a value JSON cannot write is shown as text');
  assert.is(showValue(10n), '10', 'a value JSON refuses is shown as text');
  const exactly80 = `"${times('x', 78)}"`;
  assert.is(showValue(times('x', 78)), exactly80);
  assert.is(showValue(times('x', 79)), `"${times('x', 76)}... (79 characters)`);
  assert.is(showValue(times('é', 100)).endsWith('... (100 characters)'), true);
  assert.is(showValue(Array(40).fill(1)), `[${Array(38).fill(1).join(',')},...`.slice(0, 77) + '...');
});

test('invisibleTraits: non-ASCII look-alikes (at most three, first positions) and outer white space', () => {
  assert.equal(invisibleTraits('main'), []);
  assert.equal(invisibleTraits(42), []);
  assert.equal(invisibleTraits('~'), [], '"~" (0x7e) is ASCII');
  assert.equal(invisibleTraits('m\u007fx'), ['it contains characters outside ASCII, which may only look like letters or digits: U+007F "\u007f" (first at character 2)']);
  assert.equal(invisibleTraits('аcmе'), ['it contains characters outside ASCII, which may only look like letters or digits: U+0430 "а" (first at character 1), U+0435 "е" (first at character 4)']);
  assert.equal(invisibleTraits('ааa'), ['it contains characters outside ASCII, which may only look like letters or digits: U+0430 "а" (first at character 1)'], 'each character once, at its first position');
  assert.is((invisibleTraits('αβγδ')[0].match(/U\+/g) ?? []).length, 3, 'at most three are named');
  assert.equal(invisibleTraits('😀x'), ['it contains characters outside ASCII, which may only look like letters or digits: U+1F600 "😀" (first at character 1)'], 'positions count characters, not UTF-16 units');
  assert.equal(invisibleTraits(' main'), ['it has white space at the start or end']);
  assert.equal(invisibleTraits('main\t'), ['it has white space at the start or end']);
});

test('formatProblem: field, value, what is allowed, the invisible traits; control characters in the field escaped', () => {
  assert.is(formatProblem({ field: 'stage', value: 'Dev', allowed: 'expected lower case' }), 'stage: "Dev" is not allowed; expected lower case');
  assert.is(formatProblem({ field: 'stage', value: ' dev', allowed: 'x' }), 'stage: " dev" is not allowed; x (note: it has white space at the start or end)');
  assert.is(formatProblem({ field: 'stage', value: 'dеv ', allowed: 'x' }), 'stage: "dеv " is not allowed; x (note: it contains characters outside ASCII, which may only look like letters or digits: U+0435 "е" (first at character 2); it has white space at the start or end)');
  assert.is(formatProblem({ field: 'a\nb\u001f\u0000', value: 1, allowed: 'x' }), 'a\\nb\\u001f\\u0000: 1 is not allowed; x');
  assert.is(formatProblem({ field: 'a\u007fb', value: 1, allowed: 'x' }), 'a\u007fb: 1 is not allowed; x', 'DEL, which JSON leaves as it is, is kept');
});

test('InputError: every problem on its own line, recognised across module copies', () => {
  const error = new InputError([
    { field: 'a', value: 1, allowed: 'x' },
    { field: 'b', value: 2, allowed: 'y' },
  ]);
  assert.is(error.message, 'a: 1 is not allowed; x\nb: 2 is not allowed; y');
  assert.is(error.name, 'InputError');
  assert.is(error.problems.length, 2);
  const single = new InputError({ field: 'c', value: 3, allowed: 'z' });
  assert.equal(single.problems, [{ field: 'c', value: 3, allowed: 'z' }]);
  assert.ok(single instanceof InputError);
  assert.ok(single instanceof Error);
  assert.not.ok(new Error('x') instanceof InputError);
  const copy = Object.assign(new Error('copy'), { [Symbol.for('create-atmos-oidc.InputError')]: true });
  assert.ok(copy instanceof InputError, 'an error from another copy of the module carries the brand');
});

test('branded: only objects carrying the brand as true', () => {
  const brand = Symbol('b');
  const is = branded(brand);
  assert.ok(is({ [brand]: true }));
  assert.not.ok(is({ [brand]: 1 }));
  assert.not.ok(is({}));
  assert.not.ok(is(null));
  assert.not.ok(is(undefined));
  assert.not.ok(is('x'));
});

test.run();
