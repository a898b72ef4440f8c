/**
 * Issue 13 items 1-3, as a user meets them: `--force` keeps every edit that does not conflict and
 * prints what it writes; `--conflict inline` writes markers the next run refuses; a teammate's
 * committed answers change merges like an uncommitted one; bytes the tool does not change keep
 * their bytes (other encodings, CRLF, hand formatting); the answers file keeps its comments.
 * Each case reproduces a failure of the version before (see the "Why" list of issue 13).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { readPrevious } from '../src/cli/cli.ts';
import { hashContent, planSetup } from '../src/setup/plan.ts';
import { Tree } from '../src/write/tree.ts';
import { InputError } from '../src/answers/validate.ts';
import { readTree, runCli, tempDir } from './helpers/run.ts';

const ANSWERS = `version: 1
repository: acme/infra-live
setup: advanced
accounts:
  - stage: dev
    id: "111111111111"
`;

const PLAN = '.github/workflows/atmos-terraform-plan.yaml';
const APPLY = '.github/workflows/atmos-terraform-apply.yaml';
const DEV = 'stacks/orgs/acme/dev.yaml';
const TEST_OIDC = '.github/workflows/test-oidc.yaml';

async function initRepo(): Promise<string> {
  const dir = tempDir('bytes-');
  const answers = join(dir, '..', `${dir.split('/').pop()}-answers.yaml`);
  writeFileSync(answers, ANSWERS);
  const init = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(init.code, 0, init.stderr);
  return dir;
}

function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), 'utf8');
}

function edit(dir: string, path: string, from: string, to: string): void {
  const text = read(dir, path);
  assert.ok(text.includes(from), `${path} contains ${JSON.stringify(from)}`);
  writeFileSync(join(dir, path), text.replace(from, to));
}

function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'core.autocrlf=false', ...args], { cwd: dir, stdio: 'ignore' });
}

function commit(dir: string, message: string): void {
  try {
    git(dir, 'rev-parse', '--git-dir');
  } catch {
    git(dir, 'init', '-q');
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}

const EXTRA_STEP = '      - name: Show the Atmos version\n        run: atmos version\n\n';
/** One edit that merges cleanly (an extra step), one that collides with turning Atmos Pro off. */
function conflictingEdits(dir: string): void {
  edit(dir, PLAN, '      - name: Terraform Plan\n', `${EXTRA_STEP}      - name: Terraform Plan\n`);
  edit(dir, PLAN, '          if [ "$UPLOAD" = "true" ]; then', '          if [ "${UPLOAD:-false}" = "true" ]; then');
  edit(dir, APPLY, 'jobs:\n', '# Reviewed by the platform team\njobs:\n');
  edit(dir, '.atmos-oidc.yaml', 'atmos_pro: true', 'atmos_pro: false');
}

/** The unified diff printed for `path` in a plan's output. */
function printedDiff(stdout: string, path: string): string {
  const start = stdout.indexOf(`    --- a/${path}`);
  assert.ok(start >= 0, `a diff of ${path} is printed`);
  const rest = stdout.slice(start);
  const end = rest.search(/\n {2}\S/);
  return end < 0 ? rest : rest.slice(0, end);
}

test('workflows --force keeps the hand edits that do not conflict, replaces only the conflict, and prints every diff first', async () => {
  const dir = await initRepo();
  commit(dir, 'init');
  conflictingEdits(dir);
  const preview = await runCli(['workflows', dir]);
  assert.is(preview.code, 1);
  const forced = await runCli(['workflows', '--force', dir]);
  assert.is(forced.code, 0, forced.stderr);
  const plan = read(dir, PLAN);
  assert.ok(plan.includes(EXTRA_STEP), 'the extra step (no conflict) is kept in the conflicting file');
  assert.not.match(plan, /UPLOAD/, 'the conflicting region takes the generated side');
  assert.match(read(dir, APPLY), /# Reviewed by the platform team\njobs:/, 'an edit in a file without conflict is kept');
  for (const change of ['update', 'delete']) assert.match(forced.stdout, new RegExp(`${change}\\s+\\S+`));
  for (const line of forced.stdout.split('\n').filter((l) => /^ {2}(update|delete) /.test(l))) {
    const path = line.trim().split(/\s+/)[1];
    if (line.includes('update')) assert.ok(forced.stdout.includes(`    --- a/${path}`), `--force prints the diff of ${path}`);
  }
  assert.ok(forced.stdout.indexOf('--- a/') < forced.stdout.indexOf('Wrote '), 'diffs come before writing');
  assert.is(printedDiff(forced.stdout, PLAN), printedDiff(preview.stdout, PLAN), 'the preview showed exactly what --force wrote');
});

test('the preview of a conflict and what --force writes are one text (planned twice, compared byte for byte)', async () => {
  const dir = await initRepo();
  commit(dir, 'init');
  conflictingEdits(dir);
  edit(dir, DEV, 'region: us-east-2', 'region: us-east-2 # ours');
  edit(dir, '.atmos-oidc.yaml', 'region: us-east-2', 'region: eu-west-1');
  edit(dir, DEV, 'stage: dev\n', 'stage: development\n');
  const previous = readPrevious(dir)!;
  const plan = async (force: boolean) => {
    const tree = new Tree(dir);
    await planSetup(tree, previous.answers, { force, previous });
    return tree.changes();
  };
  const preview = await plan(false);
  const forced = await plan(true);
  const conflicts = preview.filter((c) => c.kind === 'conflict');
  assert.ok(conflicts.length >= 2, `conflicts in a managed and a shared file: ${conflicts.map((c) => c.path).join(', ')}`);
  for (const c of conflicts) {
    const written = forced.find((f) => f.path === c.path)!;
    assert.ok(written.kind === 'update' || written.kind === 'delete', c.path);
    if (written.kind === 'update') assert.is(written.after, c.after, `${c.path}: preview and --force are byte-identical`);
  }
});

test('--conflict inline writes git-style markers and exits 1; the next run refuses them; resolved, it runs clean', async () => {
  const dir = await initRepo();
  commit(dir, 'init');
  conflictingEdits(dir);
  const inline = await runCli(['workflows', '--conflict', 'inline', dir]);
  assert.is(inline.code, 1, inline.stderr);
  assert.match(inline.stderr, new RegExp(`conflict markers[\\s\\S]*${PLAN.replace(/\./g, '\\.')}`));
  const marked = read(dir, PLAN);
  assert.match(marked, /^<<<<<<< your edit\n[\s\S]*UPLOAD:-false[\s\S]*^=======\n[\s\S]*^>>>>>>> generated now\n/m);
  assert.ok(marked.includes(EXTRA_STEP), 'the clean part of the merge is applied');

  const again = await runCli(['workflows', dir]);
  assert.is(again.code, 1);
  assert.match(again.stdout, new RegExp(`conflict\\s+${PLAN.replace(/\./g, '\\.')}\\s+\\(has unresolved conflict markers \\(lines \\d+-\\d+\\)`));
  const forced = await runCli(['workflows', '--force', dir]);
  assert.is(forced.code, 1, '--force does not write over unresolved markers either');

  // Resolve by keeping the generated side, as a person would in an editor.
  writeFileSync(join(dir, PLAN), marked.replace(/^<<<<<<< [^\n]*\n[\s\S]*?^=======\n([\s\S]*?)^>>>>>>> [^\n]*\n/gm, '$1'));
  const resolved = await runCli(['workflows', dir]);
  assert.is(resolved.code, 0, resolved.stdout + resolved.stderr);
  assert.ok(read(dir, PLAN).includes(EXTRA_STEP));
  const bad = await runCli(['workflows', '--conflict', 'merge', dir]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--conflict.*merge.*inline/);
});

test('a committed answers change (a teammate PR) merges as cleanly as an uncommitted one, from the git history', async () => {
  const dir = await initRepo();
  edit(dir, DEV, '  region: us-east-2\n', '  region: us-east-2\n  owner: platform # ours\n');
  edit(dir, TEST_OIDC, 'jobs:\n', '# Run by hand after adding an account.\njobs:\n');
  commit(dir, 'init and our edits');
  edit(dir, '.atmos-oidc.yaml', 'region: us-east-2', 'region: eu-west-1');
  commit(dir, 'teammate: move to Ireland');
  edit(dir, '.atmos-oidc.yaml', 'accounts:\n', '# prod comes next quarter\naccounts:\n');
  commit(dir, 'teammate: a note');
  const result = await runCli(['workflows', dir]);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.not.match(result.stdout, /conflict/);
  assert.match(read(dir, TEST_OIDC), /# Run by hand after adding an account\.\njobs:/, 'the managed file merged with the base of two commits ago');
  assert.match(read(dir, TEST_OIDC), /aws-region: eu-west-1/);
  assert.match(read(dir, DEV), /region: eu-west-1\n {2}owner: platform # ours\n/);
  assert.match(read(dir, '.atmos-oidc.yaml'), /# prod comes next quarter\naccounts:/);
});

test('bytes that are not UTF-8 (a Latin-1 comment, a .gitignore pattern) are kept byte for byte on lines the tool does not touch', async () => {
  const dir = await initRepo();
  const stack = join(dir, DEV);
  const latin1 = Buffer.concat([Buffer.from('# Verantwortlich: J'), Buffer.from([0xfc]), Buffer.from('rgen M'), Buffer.from([0xe9]), Buffer.from('ller\n')]);
  writeFileSync(stack, Buffer.concat([latin1, readFileSync(stack)]));
  writeFileSync(join(dir, '.gitignore'), Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('/\n')]));
  const role = await runCli(['role', '--name', 'reader', '--identity', 'acme/reader', '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra-live:main', dir]);
  assert.is(role.code, 0, role.stdout + role.stderr);
  const after = readFileSync(stack);
  assert.ok(after.subarray(0, latin1.length).equals(latin1), 'the Latin-1 comment keeps its bytes');
  assert.ok(after.includes(Buffer.from('iam-role/reader')), 'and the role was added');
  assert.not.ok(after.includes(Buffer.from('\ufffd')), 'no replacement character');
  assert.ok(readFileSync(join(dir, '.gitignore')).equals(Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('/\n.workdir/\n')])));
});

test('a non-UTF-8 file that would need a character its bytes cannot hold is refused, naming it, with nothing written', () => {
  const dir = tempDir('bytes-latin1-');
  writeFileSync(join(dir, 'notes.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
  const tree = new Tree(dir);
  assert.is(tree.original('notes.yaml'), 'a: \u00e9\n');
  try {
    tree.write('notes.yaml', 'a: \u00e9\nb: \u2192\n');
    assert.unreachable('refused');
  } catch (error) {
    assert.instance(error, InputError);
    assert.match((error as Error).message, /notes\.yaml[\s\S]*U\+2192[\s\S]*not UTF-8/);
  }
});

test('CRLF files (core.autocrlf) are no edits: workflows changes nothing, and role writes CRLF back', async () => {
  const dir = await initRepo();
  const before = readTree(dir);
  for (const [path, text] of before) writeFileSync(join(dir, path), text.replace(/\n/g, '\r\n'));
  const crlf = readTree(dir);
  const workflows = await runCli(['workflows', dir]);
  assert.is(workflows.code, 0, workflows.stdout + workflows.stderr);
  assert.equal(readTree(dir), crlf, 'no byte changed');
  const role = await runCli(['role', '--name', 'reader', '--identity', 'acme/reader', '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra-live:main', dir]);
  assert.is(role.code, 0, role.stdout + role.stderr);
  for (const [path, text] of readTree(dir)) assert.not.match(text, /(^|[^\r])\n/, `${path} keeps CRLF line endings`);
  assert.match(read(dir, DEV), /iam-role\/reader/);
  assert.match(read(dir, '.atmos-oidc.yaml'), /name: reader/);
});

test('a one-value change in a hand-formatted shared file changes that line only: every other line keeps its bytes', async () => {
  const dir = await initRepo();
  commit(dir, 'init'); // the merge base is rebuilt from the answers as committed
  const generated = read(dir, DEV);
  // Hand formatting: 4-space indentation, aligned comments, extra blank lines, quoted strings.
  const formatted = generated
    .split('\n')
    .map((line) => line.replace(/^( +)/, (s) => s + s))
    .join('\n')
    .replace('  namespace: acme', '  namespace: "acme"        # the org')
    .replace('\nvars:\n', '\n\n\nvars:   # stack-wide\n');
  writeFileSync(join(dir, DEV), formatted);
  edit(dir, '.atmos-oidc.yaml', 'region: us-east-2', 'region: eu-west-1');
  const result = await runCli(['workflows', dir]);
  assert.is(result.code, 0, result.stdout + result.stderr);
  const after = read(dir, DEV);
  const a = formatted.split('\n');
  const b = after.split('\n');
  assert.is(b.length, a.length, 'no line added or removed');
  const changed = a.map((line, i) => (line === b[i] ? -1 : i)).filter((i) => i >= 0);
  assert.equal(changed.map((i) => b[i]), ['    region: eu-west-1'], 'only the region line changed');
});

test('.atmos-oidc.yaml keeps its comments, quoting and key order across runs', async () => {
  const dir = await initRepo();
  const path = join(dir, '.atmos-oidc.yaml');
  let text = readFileSync(path, 'utf8');
  text = text.replace('region: us-east-2\n', '');
  text = text.replace('version: 1\n', 'version: 1\nregion: us-east-2 # Ohio, where the state bucket is\n');
  text = text.replace('accounts:\n', '# Stages in promotion order.\naccounts:\n');
  text = text.replace('    id: "111111111111"\n', "    id: '111111111111' # sandbox\n");
  writeFileSync(path, text);
  const account = await runCli(['account', '--stage', 'prod', '--account-id', '222222222222', dir]);
  assert.is(account.code, 0, account.stdout + account.stderr);
  const role = await runCli(['role', '--name', 'reader', '--identity', 'acme/reader', '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra-live:main', dir]);
  assert.is(role.code, 0, role.stdout + role.stderr);
  const after = readFileSync(path, 'utf8');
  for (const kept of ['region: us-east-2 # Ohio, where the state bucket is\n', '# Stages in promotion order.\naccounts:\n', "    id: '111111111111' # sandbox\n"]) assert.ok(after.includes(kept), `kept: ${kept}`);
  assert.ok(after.indexOf('region:') < after.indexOf('repository:'), 'the user key order stays');
  const parsed = parse(after);
  assert.equal(parsed.accounts.map((a: { stage: string }) => a.stage), ['dev', 'prod']);
  assert.ok(parsed.roles.some((r: { name: string }) => r.name === 'reader'));
  assert.is(parsed.files[DEV], hashContent(read(dir, DEV)));
  const again = await runCli(['workflows', dir]);
  assert.is(again.code, 0);
  assert.is(readFileSync(path, 'utf8'), after, 'a run with nothing new changes no byte of it');
});

test.run();
