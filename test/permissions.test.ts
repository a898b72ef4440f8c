/**
 * Permission errors end to end (issue 13 item 6), as a user without the rights: a directory the
 * tool cannot write into, a file it cannot read, a repository where the lock cannot be created.
 * Each is one line naming the path, exit 1 or 2, nothing written, no lock or temporary file left.
 * Root reads and writes everything, so under root the CLI runs as `nobody` through setpriv
 * (util-linux); the test says so and is skipped only where neither is possible.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GOLDEN_DIR, ROOT, RUN_ROOT, runCli, tempDir } from './helpers/run.ts';
import { assertUnchanged, leftovers, snapshot } from './helpers/snapshot.ts';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const setpriv = isRoot ? spawnSync('setpriv', ['--version']).status === 0 : false;
const skip = isRoot && !setpriv ? 'running as root without setpriv: permissions cannot be denied here' : null;
if (skip) console.log(`  permissions: skipped (${skip})`);

const WORK = tempDir('permissions-');
let cases = 0;

/** An initialised repository the unprivileged user owns. */
async function repository(): Promise<string> {
  const dir = join(WORK, `repo-${++cases}`);
  mkdirSync(dir);
  const init = await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, 'guide-basic', 'answers.yaml'), dir]);
  assert.is(init.code, 0, init.stderr);
  if (isRoot) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
  return dir;
}

/** The CLI as a user without root's rights, in its own process. */
function runAsUser(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const home = join(WORK, 'home');
  mkdirSync(home, { recursive: true });
  if (isRoot) chownSync(home, NOBODY, NOBODY);
  const command = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args];
  const [file, ...argv] = isRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...command] : command;
  const result = spawnSync(file, argv, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: home, TMPDIR: home, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertNothingWritten(dir: string, before: ReturnType<typeof snapshot>, what: string): void {
  assertUnchanged(dir, before, what);
  assert.equal(leftovers(dir), [], `${what}: no lock, journal or temporary file left`);
}

test.before(() => {
  // The unprivileged user must reach the test directories (the run's root is private to root).
  if (isRoot) for (const d of [RUN_ROOT, WORK]) chmodSync(d, 0o711);
});

test('a directory the user cannot write into: exit 1 naming the file, nothing written', async () => {
  if (skip) return;
  const dir = await repository();
  const orgs = join(dir, 'stacks', 'orgs', readdirSync(join(dir, 'stacks', 'orgs'))[0]);
  const before = snapshot(dir);
  chmodSync(orgs, 0o555);
  const result = runAsUser(['account', '--yes', '--stage', 'qa', '--account-id', '333333333333', dir]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /error: nothing was written: EACCES: permission denied, open '[^']*\/qa\.yaml\.atmos-oidc-\d+\.tmp'/);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
  chmodSync(orgs, 0o755);
  assertNothingWritten(dir, before, 'read-only stacks directory');
});

test('a file the user cannot read: exit 2 naming it, for check and for a writing command', async () => {
  if (skip) return;
  const dir = await repository();
  const before = snapshot(dir);
  chmodSync(join(dir, 'atmos.yaml'), 0o000);
  for (const args of [['check', dir], ['workflows', '--yes', dir]]) {
    const result = runAsUser(args);
    assert.is(result.code, 2, `${args[0]}: ${result.stderr}`);
    assert.match(result.stderr, /atmos\.yaml cannot be read: permission denied/, args[0]);
    assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
  }
  chmodSync(join(dir, 'atmos.yaml'), 0o644);
  assertNothingWritten(dir, before, 'unreadable atmos.yaml');
});

test('a repository where the lock cannot be created: exit 1 naming the lock, nothing written, no lock left', async () => {
  if (skip) return;
  const dir = await repository();
  const before = snapshot(dir);
  chmodSync(dir, 0o555);
  const result = runAsUser(['workflows', '--yes', '--force', dir]);
  chmodSync(dir, 0o755);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /error: cannot create the lock file \S*\.atmos-oidc\.lock \(EACCES\); nothing was written/);
  assertNothingWritten(dir, before, 'read-only repository');
});

test.run();
