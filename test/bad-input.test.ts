/**
 * Hostile and mistaken input, one table across every field and every command: the answers file of
 * `init` (and the stored one `workflows` reads), the flags of `account` and `role`. Each row must
 * exit 2 with a message naming the field, the value and what is allowed, and leave the target
 * directory byte-for-byte as it was (including files that were there before). The prompts use the
 * same rules: the last test types bad values at each of them.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Prompter } from '../src/cli/context.ts';
import { promptMissing } from '../src/cli/prompts.ts';
import { GOLDEN_DIR, runCli, tempDir } from './helpers/run.ts';
import { assertUnchanged, snapshot } from './helpers/snapshot.ts';

interface Row {
  /** What is wrong, for the test name. */
  what: string;
  /** The field the message must name, as it appears before ": " in the error line. */
  field: string;
  /** A fragment of the value as the message shows it. */
  value: string;
  /** What the message must say is allowed. */
  allowed: RegExp;
}

interface AnswersRow extends Row {
  /** The whole answers file. */
  text: string;
}

interface FlagsRow extends Row {
  argv: string[];
}

const ACCOUNTS = `accounts:
  - stage: dev
    id: "111111111111"
  - stage: prod
    id: "333333333333"
`;

/** A valid answers file with `extra` lines added before the accounts. */
function answers(extra = '', accounts = ACCOUNTS): string {
  return `version: 1\nrepository: acme/infra-live\nsetup: advanced\n${extra}${accounts}`;
}

/** A valid answers file with `key` set to `value` (written as given, so quoting is the row's choice). */
function withKey(key: string, value: string): string {
  if (key === 'repository') return answers().replace('repository: acme/infra-live', `repository: ${value}`);
  return answers(`${key}: ${value}\n`);
}

function withAccount(stage: string, id = '"222222222222"', more = ''): string {
  return answers('', `${ACCOUNTS}  - stage: ${stage}\n    id: ${id}\n${more}`);
}

const ROLES_OK = `roles:
  - name: planner
    identity: acme/planner
    policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    trust: [acme/infra-live]
    used_for: [plan]
  - name: terraform
    identity: acme/admin
    policies: [arn:aws:iam::aws:policy/AdministratorAccess]
    trust: ["acme/infra-live:environment:{stage}"]
    used_for: [apply]
`;

const REPO_RULE = /expected OWNER\/REPO as on GitHub/;
const LABEL_RULE = /expected 1 to 32 lower-case letters, digits or inner hyphens/;
const ENV_RULE = /expected a GitHub Environment name of letters, digits/;
const BRANCH_RULE = /expected a branch name of letters, digits/;
const ID_RULE = /expected exactly 12 digits/;
const TRUST_RULE = /expected a trusted_github_repos entry "OWNER\/REPO\[:CONSTRAINT\]"/;
const IDENTITY_RULE = /expected ORG\/BOUNDARY in lower-case letters/;
const GITHUB_ID_RULE = /expected a positive whole number/;
const VERSION_RULE = /expected an Atmos release at least 1\.214\.0/;
const NON_ASCII = /characters outside ASCII/;
const SPACES = /white space at the start or end/;

const LONG_OWNER = 'a'.repeat(40);
const LONG_REPO = 'r'.repeat(101);

const ANSWER_ROWS: AnswersRow[] = [
  // wrong types
  { what: 'repository is a number', text: withKey('repository', '42'), field: 'repository', value: '42', allowed: REPO_RULE },
  { what: 'repository is a list', text: withKey('repository', '[acme, infra-live]'), field: 'repository', value: '["acme","infra-live"]', allowed: REPO_RULE },
  { what: 'repository is null', text: withKey('repository', 'null'), field: 'repository', value: 'null', allowed: REPO_RULE },
  { what: 'accounts is a string', text: answers('', 'accounts: dev\n'), field: 'accounts', value: '"dev"', allowed: /expected a list with at least one account/ },
  { what: 'accounts is a map', text: answers('', 'accounts:\n  dev: "111111111111"\n'), field: 'accounts', value: '{"dev":"111111111111"}', allowed: /expected a list/ },
  { what: 'accounts is empty', text: answers('', 'accounts: []\n'), field: 'accounts', value: '[]', allowed: /at least one account/ },
  { what: 'an account is a string', text: answers('', 'accounts:\n  - dev\n'), field: 'accounts[0]', value: '"dev"', allowed: /expected a map with "stage", "id"/ },
  { what: 'atmos_pro is the string "yes"', text: withKey('atmos_pro', '"yes"'), field: 'atmos_pro', value: '"yes"', allowed: /expected true or false/ },
  { what: 'atmos_pro is YAML 1.1 yes (a string in YAML 1.2)', text: withKey('atmos_pro', 'yes'), field: 'atmos_pro', value: '"yes"', allowed: /expected true or false/ },
  { what: 'setup is a boolean', text: answers().replace('setup: advanced', 'setup: true'), field: 'setup', value: 'true', allowed: /expected "basic" or "advanced"/ },
  { what: 'roles is a map', text: answers('roles: {}\n'), field: 'roles', value: '{}', allowed: /expected a list of roles/ },
  { what: 'repository_ids is a number', text: answers('repository_ids: 123\n'), field: 'repository_ids', value: '123', allowed: /both "owner" and "repo"/ },
  { what: 'repository_ids.owner is text', text: answers('repository_ids:\n  owner: abc\n  repo: 5\n'), field: 'repository_ids.owner', value: '"abc"', allowed: GITHUB_ID_RULE },
  { what: 'repository_ids.repo is a fraction', text: answers('repository_ids:\n  owner: 7\n  repo: 1.5\n'), field: 'repository_ids.repo', value: '1.5', allowed: GITHUB_ID_RULE },
  { what: 'repository_ids.owner is negative', text: answers('repository_ids:\n  owner: -3\n  repo: 5\n'), field: 'repository_ids.owner', value: '-3', allowed: GITHUB_ID_RULE },
  { what: 'repository_ids lacks repo', text: answers('repository_ids:\n  owner: 7\n'), field: 'repository_ids.repo', value: '(missing)', allowed: GITHUB_ID_RULE },
  { what: 'account id is a number that lost its leading zero', text: withAccount('qa', '11111111111'), field: 'accounts[2].id', value: '11111111111', allowed: /written as a quoted string/ },
  { what: 'stage is an unquoted number', text: withAccount('123'), field: 'accounts[2].stage', value: '123', allowed: /YAML read the unquoted 123 as a number; write it quoted/ },
  { what: 'namespace is a boolean', text: withKey('namespace', 'true'), field: 'namespace', value: 'true', allowed: LABEL_RULE },
  // empty
  { what: 'repository is empty', text: withKey('repository', '""'), field: 'repository', value: '""', allowed: REPO_RULE },
  { what: 'namespace is empty', text: withKey('namespace', '""'), field: 'namespace', value: '""', allowed: LABEL_RULE },
  { what: 'region is empty', text: withKey('region', '""'), field: 'region', value: '""', allowed: /expected an AWS region code/ },
  { what: 'default_branch is empty', text: withKey('default_branch', '""'), field: 'default_branch', value: '""', allowed: BRANCH_RULE },
  { what: 'apply_environment is empty', text: withKey('apply_environment', '""'), field: 'apply_environment', value: '""', allowed: ENV_RULE },
  { what: 'stage is empty', text: withAccount('""'), field: 'accounts[2].stage', value: '""', allowed: LABEL_RULE },
  { what: 'atmos_version is empty', text: withKey('atmos_version', '""'), field: 'atmos_version', value: '""', allowed: VERSION_RULE },
  // too long
  { what: 'owner longer than 39', text: withKey('repository', `${LONG_OWNER}/infra`), field: 'repository', value: LONG_OWNER, allowed: /at most 39/ },
  { what: 'repository name longer than 100', text: withKey('repository', `acme/${LONG_REPO}`), field: 'repository', value: '(106 characters)', allowed: /at most 100/ },
  { what: 'namespace longer than 32', text: withKey('namespace', 'n'.repeat(33)), field: 'namespace', value: 'n'.repeat(33), allowed: LABEL_RULE },
  { what: 'stage of 300 characters', text: withAccount('s'.repeat(300)), field: 'accounts[2].stage', value: '(300 characters)', allowed: LABEL_RULE },
  { what: 'environment longer than 255', text: withKey('apply_environment', 'e'.repeat(256)), field: 'apply_environment', value: '(256 characters)', allowed: ENV_RULE },
  {
    what: 'IAM role name over 64 characters',
    text: withKey('namespace', 'n'.repeat(30)).replace('stage: prod', `stage: ${'p'.repeat(30)}`),
    field: 'roles[1].name',
    value: '"terraform"',
    allowed: /would exceed 64 characters/,
  },
  // unicode look-alikes
  { what: 'Cyrillic "а" in the repository name', text: withKey('repository', 'acme/infrа-live'), field: 'repository', value: 'infrа-live', allowed: /U\+0430/ },
  { what: 'fullwidth digits in an account id', text: withAccount('qa', '"１１１１１１１１１１１１"'), field: 'accounts[2].id', value: '１１１１', allowed: /U\+FF11/ },
  { what: 'Cyrillic "а" in the namespace', text: withKey('namespace', 'аcme'), field: 'namespace', value: 'аcme', allowed: NON_ASCII },
  { what: 'Greek omicron in the region', text: withKey('region', 'us-eοst-2'), field: 'region', value: 'us-eοst-2', allowed: /U\+03BF/ },
  { what: 'no-break space after a stage', text: withAccount('"qa\u00a0"'), field: 'accounts[2].stage', value: '"qa', allowed: /U\+00A0/ },
  { what: 'zero-width space in the repository', text: withKey('repository', '"acme/infra\u200b-live"'), field: 'repository', value: 'acme/infra', allowed: /U\+200B/ },
  { what: 'fullwidth slash in the repository', text: withKey('repository', 'acme／infra-live'), field: 'repository', value: 'acme／infra-live', allowed: /U\+FF0F/ },
  // leading or trailing spaces
  { what: 'leading space in the repository', text: withKey('repository', '" acme/infra-live"'), field: 'repository', value: '" acme/infra-live"', allowed: SPACES },
  { what: 'trailing space in a stage', text: withAccount('"qa "'), field: 'accounts[2].stage', value: '"qa "', allowed: SPACES },
  { what: 'leading space in an account id', text: withAccount('qa', '" 222222222222"'), field: 'accounts[2].id', value: '" 222222222222"', allowed: SPACES },
  { what: 'trailing space in the region', text: withKey('region', '"us-east-2 "'), field: 'region', value: '"us-east-2 "', allowed: SPACES },
  // .. and /
  { what: 'stage ".."', text: withAccount('".."'), field: 'accounts[2].stage', value: '".."', allowed: LABEL_RULE },
  { what: 'namespace "../etc"', text: withKey('namespace', '../etc'), field: 'namespace', value: '"../etc"', allowed: LABEL_RULE },
  { what: 'repository "acme/.."', text: withKey('repository', 'acme/..'), field: 'repository', value: '"acme/.."', allowed: REPO_RULE },
  { what: 'default_branch with ".."', text: withKey('default_branch', 'release/../main'), field: 'default_branch', value: '"release/../main"', allowed: BRANCH_RULE },
  { what: 'stage with "/"', text: withAccount('dev/eu'), field: 'accounts[2].stage', value: '"dev/eu"', allowed: LABEL_RULE },
  { what: 'namespace with "/"', text: withKey('namespace', 'acme/x'), field: 'namespace', value: '"acme/x"', allowed: LABEL_RULE },
  { what: 'environment with "/"', text: withKey('apply_environment', 'prod/eu'), field: 'apply_environment', value: '"prod/eu"', allowed: ENV_RULE },
  { what: 'repository with two "/"', text: withKey('repository', 'acme/infra/live'), field: 'repository', value: '"acme/infra/live"', allowed: REPO_RULE },
  { what: 'stage with a Windows separator', text: withAccount('"..\\\\x"'), field: 'accounts[2].stage', value: '"..\\\\x"', allowed: LABEL_RULE },
  // newlines
  { what: 'newline in the repository', text: withKey('repository', '"acme/infra\\nlive"'), field: 'repository', value: '"acme/infra\\nlive"', allowed: REPO_RULE },
  { what: 'newline and a key in the environment', text: withKey('apply_environment', '"prod\\nx: y"'), field: 'apply_environment', value: '"prod\\nx: y"', allowed: ENV_RULE },
  { what: 'newline and a list item in the branch', text: withKey('default_branch', '"main\\n- x"'), field: 'default_branch', value: '"main\\n- x"', allowed: BRANCH_RULE },
  // #, ": " and quotes
  { what: '"#" in a stage', text: withAccount('"dev#1"'), field: 'accounts[2].stage', value: '"dev#1"', allowed: LABEL_RULE },
  { what: '" #" in the environment', text: withKey('apply_environment', '"prod #x"'), field: 'apply_environment', value: '"prod #x"', allowed: ENV_RULE },
  { what: '"#" in the branch', text: withKey('default_branch', '"main#x"'), field: 'default_branch', value: '"main#x"', allowed: BRANCH_RULE },
  { what: '": " in the namespace', text: withKey('namespace', '"acme: x"'), field: 'namespace', value: '"acme: x"', allowed: LABEL_RULE },
  { what: '": " in the branch', text: withKey('default_branch', '"main: x"'), field: 'default_branch', value: '"main: x"', allowed: BRANCH_RULE },
  { what: 'single quote in a stage', text: withAccount(`"dev'"`), field: 'accounts[2].stage', value: `"dev'"`, allowed: LABEL_RULE },
  { what: 'double quote in the environment', text: withKey('apply_environment', `'prod"x'`), field: 'apply_environment', value: '"prod\\"x"', allowed: ENV_RULE },
  { what: 'double quotes in the repository', text: withKey('repository', `'acme/"x"'`), field: 'repository', value: '"acme/\\"x\\""', allowed: REPO_RULE },
  // ${{ and {{
  { what: '${{ }} in the environment', text: withKey('apply_environment', '"${{ github.head_ref }}"'), field: 'apply_environment', value: '"${{ github.head_ref }}"', allowed: ENV_RULE },
  {
    what: '${{ }} in the branch',
    text: withKey('default_branch', '"${{ github.event.pull_request.title }}"'),
    field: 'default_branch',
    value: '"${{ github.event.pull_request.title }}"',
    allowed: BRANCH_RULE,
  },
  {
    what: '${{ }} in a trust entry',
    text: answers(ROLES_OK.replace('"acme/infra-live:environment:{stage}"', '"acme/infra-live:environment:${{ inputs.x }}"')),
    field: 'roles[1].trust[0]',
    value: '"acme/infra-live:environment:${{ inputs.x }}"',
    allowed: TRUST_RULE,
  },
  { what: 'Go template in the environment', text: withKey('apply_environment', '"{{ .vars.stage }}"'), field: 'apply_environment', value: '"{{ .vars.stage }}"', allowed: ENV_RULE },
  { what: 'Handlebars in the namespace', text: withKey('namespace', '"{{ns}}"'), field: 'namespace', value: '"{{ns}}"', allowed: LABEL_RULE },
  { what: 'Handlebars in the Atmos version', text: withKey('atmos_version', '"{{ version }}"'), field: 'atmos_version', value: '"{{ version }}"', allowed: VERSION_RULE },
  // values a rule refuses
  { what: 'Atmos older than 1.214.0', text: withKey('atmos_version', '"1.213.9"'), field: 'atmos_version', value: '"1.213.9"', allowed: VERSION_RULE },
  { what: 'Atmos version with "v"', text: withKey('atmos_version', 'v1.215.0'), field: 'atmos_version', value: '"v1.215.0"', allowed: /without "v"/ },
  { what: 'a region that does not exist', text: withKey('region', 'us-east-7'), field: 'region', value: '"us-east-7"', allowed: /expected an AWS region code/ },
  { what: 'a region in upper case', text: withKey('region', 'US-EAST-2'), field: 'region', value: '"US-EAST-2"', allowed: /expected an AWS region code/ },
  { what: 'an unknown setup', text: answers().replace('setup: advanced', 'setup: intermediate'), field: 'setup', value: '"intermediate"', allowed: /"basic" or "advanced"/ },
  { what: 'an unknown pin mode', text: withKey('pin_actions', 'latest'), field: 'pin_actions', value: '"latest"', allowed: /expected "major" .* or "sha"/ },
  { what: 'pin_actions as a boolean', text: withKey('pin_actions', 'true'), field: 'pin_actions', value: 'true', allowed: /expected "major"/ },
  { what: 'tfstate role ARN that names a user', text: withKey('tfstate_role_arn', 'arn:aws:iam::111111111111:user/x'), field: 'tfstate_role_arn', value: ':user/x', allowed: /expected an IAM role ARN in partition "aws"/ },
  {
    what: 'tfstate role ARN in another partition',
    text: withKey('tfstate_role_arn', 'arn:aws-us-gov:iam::111111111111:role/state'),
    field: 'tfstate_role_arn',
    value: 'arn:aws-us-gov',
    allowed: /partition "aws"/,
  },
  {
    what: 'provider ARN of another account',
    text: withAccount('qa', '"222222222222"', '    oidc_provider_arn: arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com\n'),
    field: 'accounts[2].oidc_provider_arn',
    value: '999999999999',
    allowed: /expected a provider in this account \(222222222222\)/,
  },
  {
    what: 'provider ARN of another service',
    text: withAccount('qa', '"222222222222"', '    oidc_provider_arn: arn:aws:s3:::bucket\n'),
    field: 'accounts[2].oidc_provider_arn',
    value: '"arn:aws:s3:::bucket"',
    allowed: /expected the ARN of an IAM OIDC provider for GitHub/,
  },
  {
    what: 'a role policy that is not a managed policy',
    text: answers(ROLES_OK.replace('arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:s3:::bucket')),
    field: 'roles[0].policies[0]',
    value: '"arn:aws:s3:::bucket"',
    allowed: /expected a managed policy ARN/,
  },
  { what: 'an identity in upper case', text: answers(ROLES_OK.replace('acme/planner', 'Acme/Planner')), field: 'roles[0].identity', value: '"Acme/Planner"', allowed: IDENTITY_RULE },
  { what: 'an unknown used_for', text: answers(ROLES_OK.replace('used_for: [plan]', 'used_for: [deploy]')), field: 'roles[0].used_for[0]', value: '"deploy"', allowed: /expected "plan" or "apply"/ },
  { what: 'no role used for plan', text: answers(ROLES_OK.replace('used_for: [plan]', 'used_for: []')), field: 'roles', value: '[]', allowed: /exactly one role must be used_for "plan"/ },
  { what: 'a stage listed twice', text: withAccount('dev'), field: 'accounts[2].stage', value: '"dev"', allowed: /stages must be unique/ },
  // YAML itself
  { what: 'an anchor and an alias', text: answers('default_branch: &b main\nx-branch: *b\n'), field: 'default_branch', value: '"&b"', allowed: /anchors are not read/ },
  { what: 'a !!str tag', text: withAccount('qa', '!!str 222222222222'), field: 'accounts.id', value: 'tag:yaml.org,2002:str', allowed: /YAML tags are not read/ },
  { what: 'a custom tag', text: withKey('region', '!env AWS_REGION'), field: 'region', value: '"!env"', allowed: /YAML tags are not read/ },
  { what: 'a merge key', text: answers('base: &base {region: us-east-1}\nextra:\n  <<: *base\n'), field: 'extra.<<', value: '"*base"', allowed: /aliases are not read/ },
  { what: 'a duplicate key', text: `${answers()}repository: other/repo\n`, field: 'repository', value: '"repository"', allowed: /each key may appear once/ },
  { what: 'an unknown top-level key', text: withKey('regoin', 'us-east-1'), field: 'regoin', value: '"us-east-1"', allowed: /unknown key; the keys allowed here are version, repository/ },
  { what: 'an unknown key in an account', text: withAccount('qa', '"222222222222"', '    provider: x\n'), field: 'accounts[2].provider', value: '"x"', allowed: /unknown key; the keys allowed here are stage, id, oidc_provider_arn/ },
  { what: 'an unknown schema version', text: answers().replace('version: 1', 'version: 2'), field: 'version', value: '2', allowed: /reads schema version 1; upgrade the tool/ },
  { what: 'the schema version as a string', text: answers().replace('version: 1', 'version: "1"'), field: 'version', value: '"1"', allowed: /schema version 1/ },
  { what: 'a prototype key', text: answers('__proto__:\n  polluted: true\n'), field: '__proto__', value: '{"polluted":true}', allowed: /unknown key/ },
  { what: 'a file that is not YAML', text: 'repository: [acme/infra-live\nsetup: {basic\n', field: 'answers.yaml:2:1', value: '"setup: {basic"', allowed: /expected valid YAML 1\.2 \(Flow sequence/ },
  { what: 'tabs as indentation', text: 'version: 1\naccounts:\n\t- stage: dev\n', field: 'answers.yaml:3:1', value: '- stage: dev', allowed: /Tabs are not allowed as indentation/ },
  { what: 'two documents', text: `${answers()}---\nversion: 1\n`, field: 'answers.yaml:', value: '"---"', allowed: /expected one YAML document/ },
  { what: 'a list instead of a map', text: '- acme/infra-live\n- dev\n', field: 'answers.yaml', value: '["acme/infra-live","dev"]', allowed: /expected a YAML map of answers/ },
  { what: 'an empty file', text: '', field: 'answers.yaml', value: 'null', allowed: /expected a YAML map of answers/ },
  { what: 'binary content', text: '\u0000\u0001\u0002PK', field: 'answers.yaml', value: '\\u0000', allowed: /expected a YAML map of answers/ },
];

const INIT_TEMPLATE = tempDir('bad-input-init-');
writeFileSync(join(INIT_TEMPLATE, 'README.md'), '# infra-live\n\nOur own notes.\n');
writeFileSync(join(INIT_TEMPLATE, '.gitignore'), 'node_modules/\n');

/** A fresh target with files of its own, so "unchanged" covers files that were there before. */
function freshTarget(template: string): string {
  const dir = tempDir('bad-input-target-');
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** The error line naming `row.field` must also show the value and what is allowed. */
function assertMessage(stderr: string, row: Row): void {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error: '));
  const line = lines.find((l) => l.includes(`${row.field}`));
  assert.ok(line, `an error line names ${row.field}; got:\n${stderr}`);
  assert.ok(line.includes(row.value), `the message shows the value ${row.value}; got:\n${line}`);
  assert.ok(line.includes(' is not allowed; '), `the message says what is allowed; got:\n${line}`);
  assert.match(line, row.allowed, `the message says what is allowed`);
  assert.match(stderr, /Nothing was written\./);
}

let tried = 0;

for (const row of ANSWER_ROWS) {
  test(`init --answers: ${row.what}`, async () => {
    tried++;
    const dir = freshTarget(INIT_TEMPLATE);
    const file = join(tempDir('bad-input-answers-'), 'answers.yaml');
    writeFileSync(file, row.text);
    const before = snapshot(dir);
    const result = await runCli(['init', '--yes', '--answers', file, dir]);
    assert.is(result.code, 2, `exit code; stderr:\n${result.stderr}`);
    assertMessage(result.stderr, row);
    assert.is(result.stdout, '', 'no plan is printed');
    assertUnchanged(dir, before);
  });
}

test('init --answers: a directory in place of the answers file', async () => {
  tried++;
  const dir = freshTarget(INIT_TEMPLATE);
  const answersDir = tempDir('bad-input-answers-dir-');
  const before = snapshot(dir);
  const result = await runCli(['init', '--yes', '--answers', answersDir, dir]);
  assert.is(result.code, 2);
  assertMessage(result.stderr, { what: '', field: '--answers', value: answersDir, allowed: /expected a YAML file, found a directory/ });
  assertUnchanged(dir, before);
});

test('init --answers: a file that does not exist', async () => {
  tried++;
  const dir = freshTarget(INIT_TEMPLATE);
  const missing = join(tempDir('bad-input-answers-none-'), 'nope.yaml');
  const before = snapshot(dir);
  const result = await runCli(['init', '--yes', '--answers', missing, dir]);
  assert.is(result.code, 2);
  assertMessage(result.stderr, { what: '', field: '--answers', value: 'nope.yaml', allowed: /expected a readable YAML file \(ENOENT\)/ });
  assertUnchanged(dir, before);
});

test('init: a directory where a generated file goes', async () => {
  tried++;
  const dir = freshTarget(INIT_TEMPLATE);
  mkdirSync(join(dir, '.github', 'workflows', 'test-oidc.yaml'), { recursive: true });
  const file = join(tempDir('bad-input-answers-'), 'answers.yaml');
  writeFileSync(file, answers());
  const before = snapshot(dir);
  const result = await runCli(['init', '--yes', '--answers', file, dir]);
  assert.is(result.code, 2);
  assertMessage(result.stderr, { what: '', field: 'path', value: '".github/workflows/test-oidc.yaml"', allowed: /expected a file or nothing here, found a directory/ });
  assertUnchanged(dir, before);
});

test('init: a file where the target directory goes', async () => {
  tried++;
  const parent = tempDir('bad-input-parent-');
  const target = join(parent, 'repo');
  writeFileSync(target, 'not a directory\n');
  const file = join(tempDir('bad-input-answers-'), 'answers.yaml');
  writeFileSync(file, answers());
  const before = snapshot(parent);
  const result = await runCli(['init', '--yes', '--answers', file, target]);
  assert.is(result.code, 2);
  assertMessage(result.stderr, { what: '', field: 'DIR', value: target, allowed: /expected a directory/ });
  assertUnchanged(parent, before);
});

// ---------------------------------------------------------------------------------------------
// Day-two flags, on a repository made by init (plus a file of the user's own).

let setupTemplate: Promise<string> | null = null;
/** A repository made by init (advanced, three accounts), made once and copied for each row. */
function setupTemplate_(): Promise<string> {
  setupTemplate ??= (async () => {
    const dir = tempDir('bad-input-setup-');
    const result = await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, 'advanced-three-accounts', 'answers.yaml'), dir]);
    if (result.code !== 0) throw new Error(`init for the flag tests failed: ${result.stderr}`);
    writeFileSync(join(dir, 'README.md'), '# infra-live\n');
    return dir;
  })();
  return setupTemplate;
}

const account = (...flags: string[]): string[] => ['account', '--yes', ...flags];
const ROLE_OK = { name: 'ci', identity: 'acme/ci', policy: 'arn:aws:iam::aws:policy/ReadOnlyAccess', trust: 'acme/infra-live:main' };
function role(change: Partial<Record<keyof typeof ROLE_OK, string | null>>): string[] {
  const values = { ...ROLE_OK, ...change };
  const argv = ['role', '--yes'];
  for (const [key, value] of Object.entries(values)) if (value !== null) argv.push(`--${key}`, value);
  return argv;
}

const PROVIDER = (id: string): string => `arn:aws:iam::${id}:oidc-provider/token.actions.githubusercontent.com`;

const FLAG_ROWS: FlagsRow[] = [
  { what: 'account id in fullwidth digits', argv: account('--stage', 'qa', '--account-id', '１２３４５６７８９０１２'), field: '--account-id', value: '１２３４', allowed: /U\+FF11/ },
  { what: 'account id with a leading space', argv: account('--stage', 'qa', '--account-id', ' 123456789012'), field: '--account-id', value: '" 123456789012"', allowed: SPACES },
  { what: 'account id of 11 digits', argv: account('--stage', 'qa', '--account-id', '12345678901'), field: '--account-id', value: '"12345678901"', allowed: ID_RULE },
  { what: 'account id of 13 digits', argv: account('--stage', 'qa', '--account-id', '1234567890123'), field: '--account-id', value: '"1234567890123"', allowed: ID_RULE },
  { what: 'account id with a letter', argv: account('--stage', 'qa', '--account-id', '12345678901a'), field: '--account-id', value: '"12345678901a"', allowed: ID_RULE },
  { what: 'account id with ${{ }}', argv: account('--stage', 'qa', '--account-id', '${{ secrets.ID }}'), field: '--account-id', value: '"${{ secrets.ID }}"', allowed: ID_RULE },
  { what: 'stage "../x"', argv: account('--stage', '../x', '--account-id', '123456789012'), field: '--stage', value: '"../x"', allowed: LABEL_RULE },
  { what: 'stage in upper case', argv: account('--stage', 'QA', '--account-id', '123456789012'), field: '--stage', value: '"QA"', allowed: LABEL_RULE },
  { what: 'stage empty', argv: account('--stage', '', '--account-id', '123456789012'), field: '--stage', value: '""', allowed: LABEL_RULE },
  { what: 'stage already present with another id', argv: account('--stage', 'dev', '--account-id', '123456789012'), field: '--stage', value: '"dev"', allowed: /stages must be unique/ },
  { what: 'stage with a newline', argv: account('--stage', 'qa\nx', '--account-id', '123456789012'), field: '--stage', value: '"qa\\nx"', allowed: LABEL_RULE },
  { what: 'stage with "#"', argv: account('--stage', 'qa#1', '--account-id', '123456789012'), field: '--stage', value: '"qa#1"', allowed: LABEL_RULE },
  { what: 'stage with a Cyrillic letter', argv: account('--stage', 'qа', '--account-id', '123456789012'), field: '--stage', value: '"qа"', allowed: /U\+0430/ },
  { what: 'stage of 40 characters', argv: account('--stage', 'q'.repeat(40), '--account-id', '123456789012'), field: '--stage', value: 'q'.repeat(40), allowed: LABEL_RULE },
  { what: 'stage with a Windows path', argv: account('--stage', 'C:\\qa', '--account-id', '123456789012'), field: '--stage', value: '"C:\\\\qa"', allowed: LABEL_RULE },
  {
    what: 'provider ARN of another account',
    argv: account('--stage', 'qa', '--account-id', '123456789012', '--oidc-provider-arn', PROVIDER('999999999999')),
    field: '--oidc-provider-arn',
    value: '999999999999',
    allowed: /expected a provider in this account \(123456789012\)/,
  },
  {
    what: 'provider ARN that is a role ARN',
    argv: account('--stage', 'qa', '--account-id', '123456789012', '--oidc-provider-arn', 'arn:aws:iam::123456789012:role/x'),
    field: '--oidc-provider-arn',
    value: '"arn:aws:iam::123456789012:role/x"',
    allowed: /expected the ARN of an IAM OIDC provider/,
  },
  {
    what: 'provider ARN with ${{ }}',
    argv: account('--stage', 'qa', '--account-id', '123456789012', '--oidc-provider-arn', '${{ vars.ARN }}'),
    field: '--oidc-provider-arn',
    value: '"${{ vars.ARN }}"',
    allowed: /expected the ARN of an IAM OIDC provider/,
  },
  { what: 'account without --account-id', argv: account('--stage', 'qa'), field: '--account-id', value: '(missing)', allowed: /required with --yes/ },
  { what: 'account without --stage', argv: account('--account-id', '123456789012'), field: '--stage', value: '(missing)', allowed: /required with --yes/ },
  { what: 'role name in upper case', argv: role({ name: 'CI' }), field: '--name', value: '"CI"', allowed: LABEL_RULE },
  { what: 'role name "../ci"', argv: role({ name: '../ci' }), field: '--name', value: '"../ci"', allowed: LABEL_RULE },
  { what: 'role name with a trailing space', argv: role({ name: 'ci ' }), field: '--name', value: '"ci "', allowed: SPACES },
  { what: 'role name that exists', argv: role({ name: 'planner' }), field: '--name', value: '"planner"', allowed: /role names must be unique/ },
  { what: 'role name of 40 characters', argv: role({ name: 'c'.repeat(40) }), field: '--name', value: 'c'.repeat(40), allowed: LABEL_RULE },
  { what: 'identity without a boundary', argv: role({ identity: 'acme' }), field: '--identity', value: '"acme"', allowed: IDENTITY_RULE },
  { what: 'identity with two slashes', argv: role({ identity: 'acme/ci/x' }), field: '--identity', value: '"acme/ci/x"', allowed: IDENTITY_RULE },
  { what: 'identity in upper case', argv: role({ identity: 'acme/CI' }), field: '--identity', value: '"acme/CI"', allowed: IDENTITY_RULE },
  { what: 'identity that is taken', argv: role({ identity: 'acme/planner' }), field: '--identity', value: '"acme/planner"', allowed: /this one is taken/ },
  { what: 'identity with ": "', argv: role({ identity: 'acme/ci: x' }), field: '--identity', value: '"acme/ci: x"', allowed: IDENTITY_RULE },
  { what: 'policy of another service', argv: role({ policy: 'arn:aws:s3:::bucket' }), field: '--policy arn:aws:s3:::bucket', value: '"arn:aws:s3:::bucket"', allowed: /expected a managed policy ARN/ },
  { what: 'policy without arn', argv: role({ policy: 'ReadOnlyAccess' }), field: '--policy ReadOnlyAccess', value: '"ReadOnlyAccess"', allowed: /expected a managed policy ARN/ },
  {
    what: 'policy in another partition',
    argv: role({ policy: 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess' }),
    field: '--policy arn:aws-cn:iam::aws:policy/ReadOnlyAccess',
    value: 'arn:aws-cn',
    allowed: /partition "aws"/,
  },
  { what: 'trust with ${{ }}', argv: role({ trust: 'acme/infra-live:${{ github.ref }}' }), field: '--trust acme/infra-live:${{ github.ref }}', value: '"acme/infra-live:${{ github.ref }}"', allowed: TRUST_RULE },
  {
    what: 'trust with a newline',
    argv: role({ trust: 'acme/infra-live:environment:prod\n' }),
    field: '--trust acme/infra-live:environment:prod\\n',
    value: '"acme/infra-live:environment:prod\\n"',
    allowed: TRUST_RULE,
  },
  { what: 'trust with "#"', argv: role({ trust: 'acme/infra-live:main#x' }), field: '--trust acme/infra-live:main#x', value: '"acme/infra-live:main#x"', allowed: TRUST_RULE },
  { what: 'trust with {{ }}', argv: role({ trust: 'acme/infra-live:{{ x }}' }), field: '--trust acme/infra-live:{{ x }}', value: '"acme/infra-live:{{ x }}"', allowed: TRUST_RULE },
  { what: 'trust with ".."', argv: role({ trust: 'acme/infra-live:ref:refs/heads/../x' }), field: '--trust acme/infra-live:ref:refs/heads/../x', value: 'refs/heads/../x', allowed: TRUST_RULE },
  { what: 'trust with a space', argv: role({ trust: 'acme/infra-live:environment:prod x' }), field: '--trust acme/infra-live:environment:prod x', value: '"acme/infra-live:environment:prod x"', allowed: TRUST_RULE },
  { what: 'trust with quotes', argv: role({ trust: `acme/infra-live:'main'` }), field: `--trust acme/infra-live:'main'`, value: `"acme/infra-live:'main'"`, allowed: TRUST_RULE },
  { what: 'role without --trust', argv: role({ trust: null }), field: '--trust', value: '(missing)', allowed: /required with --yes/ },
  { what: 'role without --policy', argv: role({ policy: null }), field: '--policy', value: '(missing)', allowed: /required with --yes/ },
];

for (const row of FLAG_ROWS) {
  test(`${row.argv[0]} flags: ${row.what}`, async () => {
    tried++;
    const dir = freshTarget(await setupTemplate_());
    const before = snapshot(dir);
    const result = await runCli([...row.argv, dir]);
    assert.is(result.code, 2, `exit code; stderr:\n${result.stderr}`);
    assertMessage(result.stderr, row);
    assertUnchanged(dir, before);
  });
}

// The stored answers file, as `workflows` reads it: the same strict reader.
const STORED_ROWS: Array<{ what: string; edit: (text: string) => string } & Row> = [
  { what: 'an alias in .atmos-oidc.yaml', edit: (t) => t.replace('namespace: acme', 'namespace: &n acme\nx: *n'), field: '.atmos-oidc.yaml: namespace', value: '"&n"', allowed: /anchors are not read/ },
  { what: 'a Cyrillic letter in the stored repository', edit: (t) => t.replace('repository: acme/infra-live', 'repository: acme/infrа-live'), field: 'repository', value: 'infrа-live', allowed: /U\+0430/ },
  { what: 'a stored schema version from the future', edit: (t) => t.replace('version: 1', 'version: 3'), field: 'version', value: '3', allowed: /upgrade the tool/ },
  { what: 'a stored stage with "../"', edit: (t) => t.replace('stage: dev', 'stage: ../dev'), field: 'accounts[0].stage', value: '"../dev"', allowed: LABEL_RULE },
];

for (const row of STORED_ROWS) {
  test(`workflows: ${row.what}`, async () => {
    tried++;
    const dir = freshTarget(await setupTemplate_());
    const path = join(dir, '.atmos-oidc.yaml');
    const text = readFileSync(path, 'utf8');
    const edited = row.edit(text);
    assert.ok(edited !== text, 'the edit applies');
    writeFileSync(path, edited);
    const before = snapshot(dir);
    const result = await runCli(['workflows', dir]);
    assert.is(result.code, 2, `exit code; stderr:\n${result.stderr}`);
    assertMessage(result.stderr, row);
    assertUnchanged(dir, before);
  });
}

// ---------------------------------------------------------------------------------------------
// The prompts refuse what the answers file refuses: each is given bad values before a good one.

test('prompts: every input prompt refuses the malformed values of its field', async () => {
  const bad: Array<[RegExp, string[], string]> = [
    [/GitHub repository/, ['acme/infrа-live', 'acme/..', 'acme/infra/live', 'acme/${{ x }}', 'acme/infra\nlive'], 'acme/infra-live'],
    [/^Namespace/, ['../etc', 'Acme', 'acme: x', '{{ns}}', 'аcme', 'n'.repeat(33)], 'acme'],
    [/^Stage of AWS account/, ['..', 'dev/eu', 'dev#1', 'dev ', "dev'", 's'.repeat(33)], 'dev'],
    [/^AWS account id/, ['１１１１１１１１１１１１', '11111111111', '12345678901a', '${{ x }}'], '111111111111'],
    [/Name of the GitHub Environment/, ['${{ github.head_ref }}', '{{ .vars.stage }}', 'prod/eu', 'prod #x', 'prod\nx: y', ' prod'], 'production'],
    [/Atmos version/, ['1.213.9', 'v1.215.0', '{{ version }}', ''], '1.215.0'],
    [/default branch/i, ['release/../main', 'main#x', 'main: x', '${{ x }}'], 'main'],
  ];
  const refused = new Map<string, string[]>();
  const prompter: Prompter = {
    async input(options) {
      const row = bad.find(([pattern]) => pattern.test(options.message));
      if (row && options.validate) {
        for (const value of row[1]) {
          const verdict = options.validate(value);
          assert.type(verdict, 'string', `prompt "${options.message}" refuses ${JSON.stringify(value)}`);
          refused.set(options.message, [...(refused.get(options.message) ?? []), value]);
        }
        assert.is(options.validate(row[2]), true, `prompt "${options.message}" accepts ${row[2]}`);
        return row[2];
      }
      if (/tfstate|state backend|Terraform state/i.test(options.message)) return '';
      return options.default ?? '';
    },
    async confirm(options) {
      return options.default ?? false;
    },
    async select(options) {
      // A fixed environment name, so its input prompt is asked too.
      if (/GitHub Environment of the apply job/.test(options.message)) return 'fixed' as never;
      return options.default ?? options.choices[0].value;
    },
  };
  await promptMissing({ setup: 'advanced', apply_environment: undefined }, prompter, {
    dir: tempDir('bad-input-prompts-'),
    lookups: { originUrl: async () => null, repositoryIds: async () => ({ status: 'unavailable', reason: 'offline' }) },
  });
  const asked = [...refused.keys()];
  for (const [pattern] of bad) assert.ok(asked.some((m) => pattern.test(m)), `a prompt matching ${pattern} was asked; asked: ${asked.join(' | ')}`);
});

test('at least 60 malformed inputs were tried, across init, account, role and workflows', () => {
  assert.ok(tried >= 60, `tried ${tried}`);
  assert.ok(ANSWER_ROWS.length >= 30 && FLAG_ROWS.length >= 30, `${ANSWER_ROWS.length} answers-file rows, ${FLAG_ROWS.length} flag rows`);
  console.log(`  bad-input: ${tried} malformed inputs (${ANSWER_ROWS.length + 4} answers files and targets, ${FLAG_ROWS.length} flags, ${STORED_ROWS.length} stored answers), each exit 2 with the tree unchanged`);
});

test.run();
