/**
 * Day two: a repository made by `init`, edited by hand as a person would, then grown with
 * `account` and `role` and regenerated with `workflows`. No edit may be lost, and each command
 * may change only the lines it is about.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffLines } from 'diff';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { atmosSchemaErrors, schemasMissingReason, securityRuleViolations, workflowFiles, workflowParserErrors } from './helpers/judges.ts';
import type { Prompter } from '../src/cli/context.ts';
import { GOLDEN_DIR, readTree, runCli, tempDir } from './helpers/run.ts';
import { assertChains } from './helpers/simulate.ts';

/** The independent judges of the init cases, on a repository after a day-two command. */
async function assertJudgesPass(dir: string, after: string): Promise<void> {
  for (const file of workflowFiles(dir)) assert.equal(await workflowParserErrors(file.path, file.text), [], `${after}: GitHub's parser on ${file.path}`);
  if (!schemasMissingReason()) assert.equal(atmosSchemaErrors(dir), [], `${after}: Atmos schemas`);
  assert.equal(securityRuleViolations(dir), [], `${after}: security rules`);
  assertChains(dir);
}

const ANSWERS = `version: 1
repository: acme/infra-live
setup: advanced
accounts:
  - stage: dev
    id: "111111111111"
`;

function edit(dir: string, path: string, from: string, to: string): void {
  const file = join(dir, path);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${path} contains ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

/** Lines added and removed per file between two snapshots of a tree. */
function treeDiff(before: Map<string, string>, after: Map<string, string>): Map<string, { added: string[]; removed: string[] }> {
  const out = new Map<string, { added: string[]; removed: string[] }>();
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(path) ?? '';
    const b = after.get(path) ?? '';
    if (a === b) continue;
    const added: string[] = [];
    const removed: string[] = [];
    for (const part of diffLines(a, b)) {
      const lines = part.value.replace(/\n$/, '').split('\n');
      if (part.added) added.push(...lines);
      if (part.removed) removed.push(...lines);
    }
    out.set(path, { added, removed });
  }
  return out;
}

const HAND_EDITS: Array<[string, string, string]> = [
  ['stacks/catalog/github-ci.yaml', '    iam-role/planner:\n', '    # Reviewed by the platform team\n    iam-role/planner:\n'],
  ['stacks/catalog/github-ci.yaml', '          - arn:aws:iam::aws:policy/ReadOnlyAccess\n', '          - arn:aws:iam::aws:policy/ReadOnlyAccess # read-only on purpose\n'],
  ['profiles/github/atmos.yaml', '  identities:\n', '  # CI identities; people use profiles/sso\n  identities:\n'],
  ['stacks/orgs/acme/dev.yaml', '  - catalog/github-ci\n', '  - catalog/github-ci\n  - catalog/vpc\n'],
  ['stacks/orgs/acme/dev.yaml', 'components:\n  terraform:\n', 'components:\n  terraform:\n    vpc:\n      vars:\n        cidr_block: 10.0.0.0/16 # our own\n'],
  ['.github/workflows/atmos-terraform-plan.yaml', '      - name: Terraform Plan\n', '      - name: Show the Atmos version\n        run: atmos version\n\n      - name: Terraform Plan\n'],
];

function assertEditsKept(dir: string): void {
  const catalog = readFileSync(join(dir, 'stacks/catalog/github-ci.yaml'), 'utf8');
  assert.ok(catalog.includes('# Reviewed by the platform team\n    iam-role/planner:'), 'catalog comment kept');
  assert.ok(catalog.includes('ReadOnlyAccess # read-only on purpose'), 'catalog inline comment kept');
  assert.ok(readFileSync(join(dir, 'profiles/github/atmos.yaml'), 'utf8').includes('# CI identities; people use profiles/sso'), 'profile comment kept');
  const dev = readFileSync(join(dir, 'stacks/orgs/acme/dev.yaml'), 'utf8');
  assert.ok(dev.includes('  - catalog/vpc\n'), 'custom import kept');
  assert.ok(dev.includes('    vpc:\n      vars:\n        cidr_block: 10.0.0.0/16 # our own\n'), 'custom component kept');
  assert.ok(readFileSync(join(dir, '.github/workflows/atmos-terraform-plan.yaml'), 'utf8').includes('run: atmos version'), 'extra workflow step kept');
}

/** People commit their repository; the committed answers are how later runs find the merge base. */
function commit(dir: string): void {
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: dir, stdio: 'ignore' });
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'infra');
}

async function editedRepository(): Promise<string> {
  const dir = tempDir('day-two-');
  const answers = join(dir, '..', `${dir.split('/').pop()}-answers.yaml`);
  writeFileSync(answers, ANSWERS);
  const init = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(init.code, 0, init.stderr);
  for (const [path, from, to] of HAND_EDITS) edit(dir, path, from, to);
  writeFileSync(join(dir, 'stacks/catalog/vpc.yaml'), 'components:\n  terraform:\n    vpc:\n      metadata:\n        component: vpc\n      vars:\n        enabled: true\n');
  commit(dir);
  return dir;
}

test('account adds a stage to an edited repository, changing only what the new account needs', async () => {
  const dir = await editedRepository();
  const before = readTree(dir);
  const result = await runCli(['account', '--stage', 'staging', '--account-id', '222222222222', dir]);
  assert.is(result.code, 0, result.stderr);
  assertEditsKept(dir);
  const changes = treeDiff(before, readTree(dir));
  assert.equal([...changes.keys()].sort(), ['.atmos-oidc.yaml', '.github/workflows/test-oidc.yaml', 'stacks/orgs/acme/staging.yaml']);
  await assertJudgesPass(dir, 'account');
  assert.equal(changes.get('.github/workflows/test-oidc.yaml'), {
    // One matrix entry for each of the smoke test's jobs: the plan identity, and the apply identity in its environment.
    added: [
      '          - stage: staging',
      '            role: arn:aws:iam::222222222222:role/acme-gbl-staging-planner',
      '          - stage: staging',
      '            environment: staging',
      '            role: arn:aws:iam::222222222222:role/acme-gbl-staging-terraform',
    ],
    removed: [],
  });
  const staging = parse(readTree(dir).get('stacks/orgs/acme/staging.yaml') ?? '');
  assert.is(staging.auth.identities['acme/admin'].principal.assume_role, 'arn:aws:iam::222222222222:role/acme-gbl-staging-terraform');
  assert.equal(staging.components.terraform['iam-role/terraform'].vars.trusted_github_repos, ['acme/infra-live:environment:staging']);
  assert.ok(result.stdout.includes('atmos terraform apply github-oidc-provider -s staging'));
});

test('role adds a role to the catalog, every stack and the profile, adding lines only', async () => {
  const dir = await editedRepository();
  const before = readTree(dir);
  const result = await runCli(['role', '--name', 'network', '--identity', 'acme/network', '--policy', 'arn:aws:iam::aws:policy/job-function/NetworkAdministrator', '--trust', 'acme/infra-live:environment:{stage}', dir]);
  assert.is(result.code, 0, result.stderr);
  assertEditsKept(dir);
  const changes = treeDiff(before, readTree(dir));
  assert.equal([...changes.keys()].sort(), ['.atmos-oidc.yaml', 'profiles/github/atmos.yaml', 'stacks/catalog/github-ci.yaml', 'stacks/orgs/acme/dev.yaml']);
  for (const path of ['profiles/github/atmos.yaml', 'stacks/catalog/github-ci.yaml', 'stacks/orgs/acme/dev.yaml']) {
    assert.equal(changes.get(path)?.removed, [], `${path}: no line removed or rewritten`);
  }
  assert.ok(changes.get('stacks/catalog/github-ci.yaml')?.added.includes('    iam-role/network:'));
  assert.ok(changes.get('stacks/catalog/github-ci.yaml')?.added.some((l) => l.includes('# Identity acme/network')), 'the new role comes with its comment');
  assert.ok(changes.get('stacks/orgs/acme/dev.yaml')?.added.includes('        assume_role: arn:aws:iam::111111111111:role/acme-gbl-dev-network'));
  assert.ok(changes.get('profiles/github/atmos.yaml')?.added.includes('    acme/network:'));
  await assertJudgesPass(dir, 'role');
});

test('workflows merges an extra step cleanly, and a second run changes nothing', async () => {
  const dir = await editedRepository();
  const before = readTree(dir);
  const first = await runCli(['workflows', dir]);
  assert.is(first.code, 0, first.stderr);
  assert.equal(readTree(dir), before, 'no byte changed: the edits are compatible with the output');
  const second = await runCli(['workflows', dir]);
  assert.is(second.code, 0);
  assert.equal(readTree(dir), before);
  assert.not.match(second.stdout, /\b(create|update|conflict)\s/);
});

test('workflows reports an edit that collides with new output as a conflict, and --force overwrites it', async () => {
  const dir = await editedRepository();
  edit(dir, '.github/workflows/atmos-terraform-plan.yaml', '          if [ "$UPLOAD" = "true" ]; then', '          if [ "${UPLOAD:-false}" = "true" ]; then');
  edit(dir, '.atmos-oidc.yaml', 'atmos_pro: true', 'atmos_pro: false');
  const before = readTree(dir);
  const conflict = await runCli(['workflows', dir]);
  assert.is(conflict.code, 1);
  assert.equal(readTree(dir), before, 'nothing written while a conflict remains');
  assert.match(conflict.stdout, /conflict\s+\.github\/workflows\/atmos-terraform-plan\.yaml/);
  assert.match(conflict.stdout, /-\s+if \[ "\$\{UPLOAD:-false\}" = "true" \]; then/, 'the diff shows the edit --force would drop');
  assert.match(conflict.stderr, /--force/);

  const forced = await runCli(['workflows', '--force', dir]);
  assert.is(forced.code, 0, forced.stderr);
  const plan = readFileSync(join(dir, '.github/workflows/atmos-terraform-plan.yaml'), 'utf8');
  assert.not.match(plan, /UPLOAD/);
  const again = await runCli(['workflows', dir]);
  assert.is(again.code, 0, again.stderr);
});

test('turning Atmos Pro off removes the files it needed, unless they were edited', async () => {
  const dir = await editedRepository();
  edit(dir, '.github/workflows/atmos-upload-instances.yaml', '    - cron: "0 6 * * *"', '    - cron: "0 5 * * *"');
  edit(dir, '.atmos-oidc.yaml', 'atmos_pro: true', 'atmos_pro: false');
  const blocked = await runCli(['workflows', dir]);
  assert.is(blocked.code, 1, 'the edited upload workflow is not deleted silently');
  assert.match(blocked.stdout, /conflict\s+\.github\/workflows\/atmos-upload-instances\.yaml\s+\(no longer generated/);
  edit(dir, '.github/workflows/atmos-upload-instances.yaml', '    - cron: "0 5 * * *"', '    - cron: "0 6 * * *"');
  const result = await runCli(['workflows', dir]);
  assert.is(result.code, 0, result.stdout);
  assert.match(result.stdout, /Wrote \d+ files, removed 3\./);
  const files = readTree(dir);
  for (const gone of ['.github/workflows/atmos-pro.yaml', '.github/workflows/atmos-upload-instances.yaml', 'stacks/mixins/atmos-pro.yaml']) assert.not.ok(files.has(gone), `${gone} removed`);
  assert.not.match(files.get('stacks/orgs/acme/dev.yaml') ?? '', /mixins\/atmos-pro/, 'the stack no longer imports the mixin');
  assertEditsKept(dir);
});

test('basic moves to advanced as the next steps say: setup advanced, roles [], workflows', async () => {
  const dir = tempDir('basic-to-advanced-');
  const init = await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, 'guide-basic', 'answers.yaml'), dir]);
  assert.is(init.code, 0, init.stderr);
  assert.match(init.stdout, /Move to advanced: set "setup: advanced" and "roles: \[\]"/);
  edit(dir, 'stacks/catalog/github-ci.yaml', '    iam-role/terraform:\n', '    # Owned by the platform team\n    iam-role/terraform:\n');
  commit(dir);
  const answersPath = join(dir, '.atmos-oidc.yaml');
  const answers = readFileSync(answersPath, 'utf8');
  writeFileSync(answersPath, answers.replace('setup: basic', 'setup: advanced').replace(/\nroles:\n(?:  .*\n)+/, '\nroles: []\n'));
  const result = await runCli(['workflows', dir]);
  assert.is(result.code, 0, result.stdout + result.stderr);
  const catalog = parse(readFileSync(join(dir, 'stacks/catalog/github-ci.yaml'), 'utf8'), { logLevel: 'error' }); // its !exec is an Atmos function
  assert.equal(Object.keys(catalog.components.terraform), ['github-oidc-provider', 'iam-role/terraform', 'iam-role/planner'], 'the edited catalog keeps its order; the planner is appended');
  assert.match(readFileSync(join(dir, 'stacks/catalog/github-ci.yaml'), 'utf8'), /# Owned by the platform team\n    iam-role\/terraform:/);
  assert.is(catalog.components.terraform['iam-role/terraform'].vars.trusted_github_repos, undefined, 'the admin trust moved to each stack');
  const dev = parse(readFileSync(join(dir, 'stacks/orgs/acme/dev.yaml'), 'utf8'));
  assert.equal(dev.components.terraform['iam-role/terraform'].vars.trusted_github_repos, ['acme/infra-live:environment:dev']);
  await assertJudgesPass(dir, 'basic to advanced');
});

test('init --answers with a new setup derives the setup roles again and keeps roles added with role', async () => {
  const dir = tempDir('resetup-');
  assert.is((await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, 'guide-basic', 'answers.yaml'), dir])).code, 0);
  const role = await runCli(['role', '--name', 'audit', '--identity', 'acme/audit', '--policy', 'arn:aws:iam::aws:policy/SecurityAudit', '--trust', 'acme/infra-live:main', dir]);
  assert.is(role.code, 0, role.stderr);
  const change = join(dir, '..', `${dir.split('/').pop()}-advanced.yaml`);
  writeFileSync(change, 'setup: advanced\n');
  const result = await runCli(['init', '--yes', '--answers', change, dir]);
  assert.is(result.code, 0, result.stdout + result.stderr);
  const answers = parse(readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8'));
  assert.equal(
    answers.roles.map((r: { name: string; used_for: string[] }) => [r.name, r.used_for]),
    [['planner', ['plan']], ['terraform', ['apply']], ['audit', []]],
  );
  await assertJudgesPass(dir, 'init with a new setup');
});

test('--dry-run of every command prints its diff and leaves every byte', async () => {
  const dir = await editedRepository();
  const before = readTree(dir);
  const runs = [
    ['account', '--dry-run', '--stage', 'qa', '--account-id', '444444444444', dir],
    ['role', '--dry-run', '--name', 'audit', '--identity', 'acme/audit', '--policy', 'arn:aws:iam::aws:policy/SecurityAudit', '--trust', 'acme/infra-live', dir],
    ['workflows', '--dry-run', '--force', dir],
    ['init', '--dry-run', '--yes', dir],
  ];
  for (const argv of runs) {
    const result = await runCli(argv);
    assert.is(result.code, 0, `${argv[0]}: ${result.stderr}`);
    assert.equal(readTree(dir), before, `${argv[0]} --dry-run wrote nothing`);
    assert.match(result.stdout, /Dry run: nothing was written/);
  }
  const account = await runCli(runs[0]);
  assert.match(account.stdout, /\+\+\+ b\/stacks\/orgs\/acme\/qa\.yaml/);
  assert.match(account.stdout, /\+\s+assume_role: arn:aws:iam::444444444444:role\/acme-gbl-qa-terraform/);
});

test('a repository grows to four accounts and three roles through the commands, keeping every edit', async () => {
  const dir = await editedRepository();
  const steps = [
    ['account', '--stage', 'staging', '--account-id', '222222222222', dir],
    ['role', '--name', 'network', '--identity', 'acme/network', '--policy', 'arn:aws:iam::aws:policy/job-function/NetworkAdministrator', '--trust', 'acme/infra-live:environment:{stage}', dir],
    ['account', '--stage', 'prod', '--account-id', '333333333333', dir],
    ['account', '--stage', 'sandbox', '--account-id', '444444444444', '--oidc-provider-arn', 'arn:aws:iam::444444444444:oidc-provider/token.actions.githubusercontent.com', dir],
    ['workflows', dir],
  ];
  for (const argv of steps) {
    const result = await runCli(argv);
    assert.is(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    assertEditsKept(dir);
    await assertJudgesPass(dir, argv.slice(0, 3).join(' '));
  }
  const answers = parse(readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8'));
  assert.equal(answers.accounts.map((a: { stage: string }) => a.stage), ['dev', 'staging', 'prod', 'sandbox']);
  assert.equal(answers.roles.map((r: { name: string }) => r.name), ['planner', 'terraform', 'network']);
  const sandbox = parse(readFileSync(join(dir, 'stacks/orgs/acme/sandbox.yaml'), 'utf8'));
  assert.is(sandbox.components.terraform['github-oidc-provider'].metadata.enabled, false, 'a reused provider is not deployed');
  const prod = parse(readFileSync(join(dir, 'stacks/orgs/acme/prod.yaml'), 'utf8'));
  assert.equal(prod.components.terraform['iam-role/network'].vars.trusted_github_repos, ['acme/infra-live:environment:prod']);
  const before = readTree(dir);
  assert.is((await runCli(['workflows', dir])).code, 0);
  assert.equal(readTree(dir), before, 'regenerating the grown repository changes nothing');
});

test('an answers file written by the first version regenerates the same tree', async () => {
  for (const name of ['guide-basic', 'advanced-three-accounts']) {
    const dir = tempDir('v1-');
    cpSync(join(GOLDEN_DIR, name, 'expected'), dir, { recursive: true });
    const before = readTree(dir);
    const result = await runCli(['workflows', dir]);
    assert.is(result.code, 0, result.stderr);
    assert.equal(readTree(dir), before, `${name}: no byte changed`);
  }
  // The design's own example: no roles, no recorded hashes, no generator key.
  const dir = tempDir('v1-minimal-');
  writeFileSync(join(dir, '.atmos-oidc.yaml'), readFileSync(join(GOLDEN_DIR, 'advanced-three-accounts', 'answers.yaml'), 'utf8'));
  const result = await runCli(['workflows', dir]);
  assert.is(result.code, 0, result.stderr);
  const expected = readTree(join(GOLDEN_DIR, 'advanced-three-accounts', 'expected'));
  assert.equal([...readTree(dir).keys()], [...expected.keys()], 'the same files as init, atmos.yaml included since none was there');
  for (const [path, content] of readTree(dir)) assert.fixture(content, expected.get(path) ?? '', path);
});

test('role warns, naming the consequence, about trust entries that do not mean what they look like', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--trust', 'acme/infra-live:pull_request'], /branch named "pull_request", not pull requests/],
    [['--trust', 'acme/infra-live:*'], /every branch .* but no pull request and no environment/],
    [['--trust', 'acme/*'], /every repository of the organisation/],
    [['--policy', 'arn:aws:iam::aws:policy/AdministratorAccess', '--trust', 'acme/infra-live'], /no constraint on an administrator role/],
  ];
  for (const [flags, warning] of cases) {
    const dir = await editedRepository();
    const policy = flags.includes('--policy') ? [] : ['--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess'];
    const result = await runCli(['role', '--name', 'extra', '--identity', 'acme/extra', ...policy, ...flags, dir]);
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stderr, warning);
  }
});

/** A person at the prompts: each entry answers the next prompt whose message matches, in order. */
function person(script: Array<[RegExp, string | boolean | string[]]>): Prompter & { errors: string[] } {
  const queue = [...script];
  const errors: string[] = [];
  const take = (message: string): string | boolean | string[] => {
    const step = queue.shift();
    if (!step || !step[0].test(message)) throw new Error(`unexpected prompt "${message}" (expected ${step?.[0]})`);
    return step[1];
  };
  return {
    errors,
    async input(o) {
      const answer = take(o.message);
      for (const value of Array.isArray(answer) ? answer : [String(answer)]) {
        const verdict = o.validate ? o.validate(value) : true;
        if (verdict === true) return value;
        errors.push(verdict);
      }
      throw new Error(`no answer passed validation at "${o.message}"`);
    },
    async confirm(o) {
      return Boolean(take(o.message));
    },
    async select(o) {
      return take(o.message) as never;
    },
  };
}

test('role asks in a terminal, explains trust entries with the table, and warns at once', async () => {
  const dir = await editedRepository();
  const prompter = person([
    [/Role name/, 'ops'],
    [/Identity/, 'acme/ops'],
    [/Managed policy ARN/, 'arn:aws:iam::aws:policy/AdministratorAccess'],
    [/Trusted entry/, ['acme/infra-live:environment:{stage} extra', 'acme/infra-live:pull_request']],
    [/Add another trusted entry/, true],
    [/Trusted entry/, 'acme/infra-live'],
    [/Add another trusted entry/, false],
    [/Write these files\?/, true],
  ]);
  const result = await runCli(['role', dir], { prompter });
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /acme\/infra-live:environment:production\s+repo:acme\/infra-live:environment:production/, 'the entry table');
  assert.match(result.stderr, /branch named "pull_request", not pull requests/);
  assert.match(result.stderr, /"acme\/infra-live" has no constraint on an administrator role/);
  assert.is(prompter.errors.length, 1, 'a malformed entry is refused at the prompt');
  assert.match(prompter.errors[0], /trusted_github_repos entry/);
  assert.match(readFileSync(join(dir, 'stacks/catalog/github-ci.yaml'), 'utf8'), /iam-role\/ops:/);
});

test('account asks in a terminal and refuses a stage that exists at the prompt', async () => {
  const dir = await editedRepository();
  const prompter = person([
    [/Stage name/, ['dev', 'qa']],
    [/account id of qa/, ['1234', '555555555555']],
    [/already have a GitHub OIDC provider/, false],
    [/Write these files\?/, true],
  ]);
  const result = await runCli(['account', dir], { prompter });
  assert.is(result.code, 0, result.stderr);
  assert.equal(prompter.errors.length, 2);
  assert.match(prompter.errors[0], /exists already/);
  assert.match(prompter.errors[1], /12 digits/);
  assert.ok(readTree(dir).has('stacks/orgs/acme/qa.yaml'));
});

test.run();
