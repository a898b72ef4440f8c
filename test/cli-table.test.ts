/**
 * The command line as a table: every command with --help and as `help COMMAND`, misspelt commands
 * and options, options of another command, --no-color, flags npm kept for itself, and answers given
 * as flags over an answers file and the git remote.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS, OPTIONS } from '../src/cli/context.ts';
import { readTree, runCli, tempDir } from './helpers/run.ts';

const ANSWERS = `repository: acme/from-file
region: us-west-2
namespace: acme
accounts:
  - stage: dev
    id: "111111111111"
  - stage: prod
    id: "222222222222"
`;

function answersFile(): string {
  const path = join(tempDir('table-answers-'), 'answers.yaml');
  writeFileSync(path, ANSWERS);
  return path;
}

function recorded(dir: string): string {
  return readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8');
}

for (const command of COMMANDS) {
  test(`${command} --help: its own usage, options and examples, exit 0`, async () => {
    const result = await runCli([command, '--help']);
    assert.is(result.code, 0, result.stderr);
    assert.ok(result.stdout.startsWith(`create-atmos-oidc ${command === 'init' ? '[init]' : command} `), result.stdout.split('\n')[0]);
    assert.match(result.stdout, /\nExamples:\n {2}create-atmos-oidc/);
    for (const o of OPTIONS.filter((x) => x.commands.includes(command))) assert.ok(result.stdout.includes(`--${o.name}`), `--${o.name} listed`);
    for (const o of OPTIONS.filter((x) => !x.commands.includes(command) && !OPTIONS.some((y) => y.name === x.name && y.commands.includes(command))))
      assert.not.ok(new RegExp(`--${o.name}(?![\\w-])`).test(result.stdout.split('\nExamples:')[0].replace(/--set KEY=VALUE[^\n]*/g, '')), `--${o.name} (of ${o.commands.join(', ')}) not listed for ${command}`);
  });

  test(`help ${command} prints what ${command} --help prints`, async () => {
    const viaHelp = await runCli(['help', command]);
    const viaFlag = await runCli([command, '--help']);
    assert.is(viaHelp.code, 0);
    assert.is(viaHelp.stdout, viaFlag.stdout);
  });
}

test('help, --help and -h alone: the commands, exit 0; `help` is never taken as a directory', async () => {
  const dir = tempDir('table-help-');
  for (const argv of [['help'], ['--help'], ['-h']]) {
    const result = await runCli(argv, { cwd: dir });
    assert.is(result.code, 0, argv.join(' '));
    for (const c of COMMANDS) assert.match(result.stdout, new RegExp(`create-atmos-oidc .*${c}`));
    assert.match(result.stdout, /help \[COMMAND\]/);
  }
  assert.equal([...readTree(dir).keys()], [], 'nothing written');
});

const usage: Array<{ argv: string[]; says: RegExp }> = [
  { argv: ['help', 'acount'], says: /did you mean `account`\?/ },
  { argv: ['acount'], says: /"acount" is not allowed; not a command and not an existing directory; did you mean `account`\?/ },
  { argv: ['chek'], says: /did you mean `check`\?/ },
  { argv: ['workflow'], says: /did you mean `workflows`\?/ },
  { argv: ['init', '--answer', 'x.yaml'], says: /"--answer" is not allowed; unknown option for `init`; did you mean --answers\?/ },
  { argv: ['init', '--dryrun'], says: /did you mean --dry-run\?/ },
  { argv: ['account', '--stge', 'qa'], says: /unknown option for `account`; did you mean --stage\?/ },
  { argv: ['account', '--acount-id', '1'], says: /did you mean --account-id\?/ },
  { argv: ['role', '--idenity', 'a/b'], says: /did you mean --identity\?/ },
  { argv: ['role', '--polcy', 'x'], says: /did you mean --policy\?/ },
  { argv: ['check', '--jsn'], says: /did you mean --json\?/ },
  { argv: ['workflows', '--forse'], says: /did you mean --force\?/ },
  { argv: ['init', '--stage', 'x'], says: /--stage is an option of `account`, not of `init`/ },
  { argv: ['init', '--json'], says: /--json is an option of `check`, not of `init`/ },
  { argv: ['check', '--force'], says: /--force is an option of `init`, `account`, `role`, `workflows`, not of `check`/ },
  { argv: ['check', '--account', 'dev=111111111111'], says: /--account is an option of `init`, not of `check`/ },
  { argv: ['role', '--stage', 'x'], says: /--stage is an option of `account`, not of `role`/ },
  { argv: ['account', '--name', 'x'], says: /--name is an option of `role`, not of `account`/ },
  { argv: ['workflows', '--answers', 'x.yaml'], says: /--answers is an option of `init`, not of `workflows`/ },
  { argv: ['init', '--answers'], says: /--answers needs a value: --answers FILE/ },
  { argv: ['init', '--yes=1'], says: /--yes takes no value/ },
  { argv: ['init', 'a', 'b'], says: /expected at most one directory/ },
];

for (const { argv, says } of usage) {
  test(`usage: ${argv.join(' ')} → exit 2, one line saying so, nothing written`, async () => {
    const dir = tempDir('table-usage-');
    const result = await runCli(argv, { cwd: dir });
    assert.is(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, says);
    assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
    assert.equal([...readTree(dir).keys()], [], 'nothing written');
  });
}

test('an existing directory named like a command is still a directory (no did-you-mean)', async () => {
  const cwd = tempDir('table-dir-');
  const result = await runCli(['checks', '--yes', '--repository', 'acme/app', '--account', 'dev=111111111111'], { cwd: join(cwd) });
  // "checks" does not exist here: it is one letter from `check`, so it is refused...
  assert.is(result.code, 2);
  const made = join(cwd, 'checks');
  execFileSync('mkdir', [made]);
  // ...but once it exists it is the DIR.
  const again = await runCli(['checks', '--yes', '--repository', 'acme/app', '--account', 'dev=111111111111'], { cwd });
  assert.is(again.code, 0, again.stderr);
  assert.ok(readTree(made).has('.atmos-oidc.yaml'));
});

test('--no-color is accepted by every command', async () => {
  for (const command of COMMANDS) {
    const result = await runCli([command, '--no-color', '--help']);
    assert.is(result.code, 0, `${command}: ${result.stderr}`);
  }
  const dir = tempDir('table-nocolor-');
  const result = await runCli(['init', '--no-color', '--yes', '--repository', 'acme/app', '--account', 'dev=111111111111', dir]);
  assert.is(result.code, 0, result.stderr);
  assert.not.match(result.stdout + result.stderr, /\u001b\[/);
});

test('npm kept --dry-run for itself (npm_config_dry_run=true): a warning, and a dry run', async () => {
  const dir = tempDir('table-npm-');
  const result = await runCli(['init', '--yes', '--repository', 'acme/app', '--account', 'dev=111111111111', dir], { env: { npm_config_dry_run: 'true' } });
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, /^warning: npm took --dry-run for itself \(npm_config_dry_run is set\): running as a dry run\. Put our flags after --/m);
  assert.match(result.stdout, /Dry run: nothing was written/);
  assert.equal([...readTree(dir).keys()], []);
});

test('npm kept --force for itself: a warning, and no force', async () => {
  const dir = tempDir('table-npm-force-');
  const result = await runCli(['init', '--yes', '--dry-run', '--repository', 'acme/app', '--account', 'dev=111111111111', dir], { env: { npm_config_force: 'true' } });
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, /warning: npm took --force for itself \(npm_config_force is set\): it is NOT applied here/);
  const given = await runCli(['init', '--yes', '--dry-run', '--force', '--repository', 'acme/app', '--account', 'dev=111111111111', dir], { env: { npm_config_force: 'true' } });
  assert.not.match(given.stderr, /npm took/, 'no warning when our own flag is given');
});

test('precedence: --repository, --account and --set go over the answers file', async () => {
  const dir = tempDir('table-prec-');
  const result = await runCli(['init', '--yes', '--answers', answersFile(), '--repository', 'acme/from-flag', '--account', 'qa=333333333333', '--set', 'region=eu-west-1', dir]);
  assert.is(result.code, 0, result.stderr);
  const text = recorded(dir);
  assert.match(text, /^repository: acme\/from-flag$/m);
  assert.match(text, /^region: eu-west-1$/m);
  assert.match(text, /^namespace: acme$/m, 'what no flag gives comes from the file');
  assert.match(text, /stage: qa/);
  assert.not.match(text, /stage: dev/, '--account replaces the list of the file');
});

test('precedence: the answers file goes over the git remote; the git remote is used by --yes when nothing else says', async () => {
  const dir = tempDir('table-remote-');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['remote', 'add', 'origin', 'git@github.com:acme/from-remote.git'], { cwd: dir });
  const fromRemote = await runCli(['init', '--yes', '--dry-run', '--account', 'dev=111111111111', dir]);
  assert.is(fromRemote.code, 0, fromRemote.stderr);
  assert.match(fromRemote.stderr, /repository: acme\/from-remote \(from git remote origin; --repository OWNER\/REPO to change\)/);
  assert.match(fromRemote.stdout, /^ *\+repository: acme\/from-remote$/m);
  const fromFile = await runCli(['init', '--yes', '--dry-run', '--answers', answersFile(), dir]);
  assert.match(fromFile.stdout, /^ *\+repository: acme\/from-file$/m);
  assert.not.match(fromFile.stderr, /from git remote/);
});

test('--set every key the answers file has: booleans, ids and null spelled on the command line', async () => {
  const dir = tempDir('table-set-');
  const result = await runCli([
    'init', '--yes', '--repository', 'acme/app', '--account', 'dev=111111111111,provider=arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    '--set', 'setup=basic', '--set', 'atmos_pro=false', '--set', 'repository_ids=123/456', '--set', 'namespace=acme-x', '--set', 'default_branch=trunk',
    '--set', 'atmos_version=1.215.0', '--set', 'tfstate_role_arn=null', '--set', 'pin_actions=sha', dir,
  ]);
  assert.is(result.code, 0, result.stderr);
  const text = recorded(dir);
  for (const line of [/^setup: basic$/m, /^atmos_pro: false$/m, /^ {2}owner: 123$/m, /^ {2}repo: 456$/m, /^namespace: acme-x$/m, /^default_branch: trunk$/m, /^pin_actions: sha$/m, /oidc_provider_arn: arn:aws:iam::111111111111:oidc-provider/])
    assert.match(text, line);
});

const badFlags: Array<{ argv: string[]; says: RegExp }> = [
  { argv: ['--set', 'namespace=Acme'], says: /^error: --set namespace: "Acme" is not allowed; expected 1 to 32 lower-case/m },
  { argv: ['--set', 'regoin=eu-west-1'], says: /^error: --set: "regoin=eu-west-1" is not allowed; unknown key "regoin"; did you mean region\?/m },
  { argv: ['--set', 'accounts=x'], says: /--set: "accounts=x" is not allowed; "accounts" cannot be set here: give accounts with --account/ },
  { argv: ['--set', 'region'], says: /--set: "region" is not allowed; expected KEY=VALUE/ },
  { argv: ['--set', 'atmos_pro=maybe'], says: /--set atmos_pro: "maybe" is not allowed; expected true or false/ },
  { argv: ['--account', 'dev=12345'], says: /^error: --account dev=12345 \(id\): "12345" is not allowed; expected exactly 12 digits/m },
  { argv: ['--account', 'dev'], says: /--account: "dev" is not allowed; expected STAGE=ACCOUNT_ID\[,provider=OIDC_PROVIDER_ARN\]/ },
  { argv: ['--account', 'dev=111111111111,role=x'], says: /"role=x" is not provider=ARN/ },
  { argv: ['--repository', 'acme'], says: /^error: --repository: "acme" is not allowed; expected OWNER\/REPO/m },
];

for (const { argv, says } of badFlags) {
  test(`bad answer flag ${argv.join(' ')}: exit 2, the flag named, nothing written`, async () => {
    const dir = tempDir('table-bad-');
    const base = argv.includes('--account') ? [] : ['--account', 'dev=111111111111'];
    const repo = argv.includes('--repository') ? [] : ['--repository', 'acme/app'];
    const result = await runCli(['init', '--yes', ...repo, ...base, ...argv, dir]);
    assert.is(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, says);
    assert.match(result.stderr, /Nothing was written\./);
    assert.equal([...readTree(dir).keys()], []);
  });
}

test('--yes without a repository anywhere names both ways to give it', async () => {
  const dir = tempDir('table-missing-');
  const result = await runCli(['init', '--yes', dir]);
  assert.is(result.code, 2);
  assert.match(result.stderr, /repository: \(missing\) is not allowed; required, .* give it as --repository OWNER\/REPO or in the --answers file/);
  assert.match(result.stderr, /accounts: \(missing\) is not allowed; required, .* give it as --account STAGE=ID/);
});

test.run();
