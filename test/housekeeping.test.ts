/**
 * Housekeeping a user sees in their repository: where the directory lock lives (never listed by
 * `git status`), and what the recorded hashes say they are.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireLock, GIT_LOCK_FILE, LOCK_FILE, lockPath } from '../src/write/lock.ts';
import { hashContent, hashMatches } from '../src/setup/plan.ts';
import { runCli, tempDir } from './helpers/run.ts';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('in a git work tree the lock is in .git/, and git status does not list it while it is held', () => {
  const dir = tempDir('lock-git-');
  git(dir, 'init', '-q');
  const lock = acquireLock(dir, 'init');
  try {
    assert.is(lock.path, join(dir, '.git', GIT_LOCK_FILE));
    assert.ok(existsSync(lock.path));
    assert.is(git(dir, 'status', '--porcelain', '--untracked-files=all'), '');
  } finally {
    lock.release();
  }
  assert.not.ok(existsSync(join(dir, '.git', GIT_LOCK_FILE)), 'released');
});

test('a folder below the work tree root gets its own lock in .git/, named after the folder', () => {
  const dir = tempDir('lock-sub-');
  git(dir, 'init', '-q');
  const a = join(dir, 'infra', 'a');
  const b = join(dir, 'infra', 'b');
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  assert.ok(lockPath(a).startsWith(join(dir, '.git', 'create-atmos-oidc-')));
  assert.is.not(lockPath(a), lockPath(b));
  const lock = acquireLock(a, 'init');
  try {
    assert.is(git(dir, 'status', '--porcelain', '--untracked-files=all'), '');
  } finally {
    lock.release();
  }
});

test('a linked work tree (.git is a file) locks in its own git directory', () => {
  const main = tempDir('lock-main-');
  git(main, 'init', '-q');
  git(main, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'x');
  const linked = join(tempDir('lock-linked-'), 'wt');
  git(main, 'worktree', 'add', '-q', linked);
  const gitDir = git(linked, 'rev-parse', '--absolute-git-dir').trim();
  assert.is(lockPath(linked), join(gitDir, GIT_LOCK_FILE));
});

test('outside git the lock is DIR/.atmos-oidc.lock, as before', () => {
  const dir = tempDir('lock-plain-');
  assert.is(lockPath(dir), join(dir, LOCK_FILE));
});

test('a lock\'s private file left by a run killed before linking it is removed by the next run; a live run\'s is kept', () => {
  const dir = tempDir('lock-temp-');
  const path = lockPath(dir);
  // A pid no process has (above Linux's largest pid_max), and pid 1, which is always alive.
  const dead = `${path}.4194305.tmp`;
  const live = `${path}.1.tmp`;
  writeFileSync(dead, '{"pid":4194305}\n');
  writeFileSync(live, '{"pid":1}\n');
  const lock = acquireLock(dir, 'test');
  lock.release();
  assert.not.ok(existsSync(dead), 'the dead run\'s file is gone');
  assert.ok(existsSync(live), 'a live process\'s file is left alone');
});

test('a run in a git repository leaves git status listing only the files it wrote, never a lock', async () => {
  const dir = tempDir('lock-run-');
  git(dir, 'init', '-q');
  const result = await runCli(['init', '--yes', '--repository', 'acme/infra-live', '--account', 'dev=111111111111', dir]);
  assert.is(result.code, 0, result.stderr);
  assert.not.match(git(dir, 'status', '--porcelain', '--untracked-files=all'), /lock/);
});

test('recorded hashes are labelled sha256 and carry the whole digest: 64 hex digits', async () => {
  const dir = tempDir('hash-');
  const result = await runCli(['init', '--yes', '--repository', 'acme/infra-live', '--account', 'dev=111111111111', dir]);
  assert.is(result.code, 0, result.stderr);
  const hashes = [...readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8').matchAll(/: (sha256:\S*)$/gm)].map((m) => m[1]);
  assert.ok(hashes.length >= 5, `hashes recorded: ${hashes.length}`);
  for (const h of hashes) assert.match(h, /^sha256:[0-9a-f]{64}$/);
});

test('hashMatches: the full digest, the older 32-digit records, nothing else', () => {
  const full = hashContent('content\n');
  assert.ok(hashMatches('content\n', full));
  assert.ok(hashMatches('content\n', full.slice(0, 'sha256:'.length + 32)), 'a record written by an older version');
  assert.not.ok(hashMatches('other\n', full.slice(0, 'sha256:'.length + 32)));
  assert.not.ok(hashMatches('content\n', full.slice(0, 'sha256:'.length + 20)), 'a prefix of another length is no hash we wrote');
  assert.not.ok(hashMatches('content\n', undefined));
});

test('a repository recorded with the older 32-digit hashes still grows without conflicts', async () => {
  const dir = tempDir('hash-old-');
  assert.is((await runCli(['init', '--yes', '--repository', 'acme/infra-live', '--account', 'dev=111111111111', dir])).code, 0);
  const answers = join(dir, '.atmos-oidc.yaml');
  const text = readFileSync(answers, 'utf8');
  writeFileSync(answers, text.replace(/(sha256:[0-9a-f]{32})[0-9a-f]{32}/g, '$1'));
  const grown = await runCli(['account', '--yes', '--stage', 'prod', '--account-id', '222222222222', dir]);
  assert.is(grown.code, 0, grown.stderr);
  assert.not.match(grown.stdout, /conflict/);
  assert.match(readFileSync(answers, 'utf8'), /sha256:[0-9a-f]{64}/, 'rewritten with full digests');
});

test('control: with hashes that match nothing the same change is a conflict (the test above can fail)', async () => {
  const dir = tempDir('hash-bad-');
  assert.is((await runCli(['init', '--yes', '--repository', 'acme/infra-live', '--account', 'dev=111111111111', dir])).code, 0);
  const answers = join(dir, '.atmos-oidc.yaml');
  writeFileSync(answers, readFileSync(answers, 'utf8').replace(/sha256:[0-9a-f]{64}/g, `sha256:${'0'.repeat(32)}`));
  const grown = await runCli(['account', '--yes', '--stage', 'prod', '--account-id', '222222222222', dir]);
  assert.match(grown.stdout, /conflict/);
});

test.run();
