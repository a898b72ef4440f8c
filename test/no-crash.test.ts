/**
 * Hostile or odd files never crash the tool: each case ends with one clear line naming the path, an
 * exit code (2: the input; 1: a write or lock failed), no stack trace, no lock and nothing written.
 * Cases that could hang or exhaust memory (a FIFO, /dev/zero) run the CLI as a process under a
 * timeout; the rest run in process.
 */
import { spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verdictFor } from '../src/cli/guard.ts';
import { acquireLock, LOCK_FILE, LockError, type LockFs } from '../src/write/lock.ts';
import { GOLDEN_DIR, ROOT, runCli, tempDir } from './helpers/run.ts';
import { assertUnchanged, leftovers, snapshot } from './helpers/snapshot.ts';

const WORK = tempDir('no-crash-');
const GUIDE = join(GOLDEN_DIR, 'guide-basic', 'answers.yaml');
const STACK_TRACE = /\n\s+at .*:\d+:\d+\)?\n|Node\.js v\d+/;

let base = '';
let copies = 0;
/** A fresh copy of a repository init wrote (guide values). */
async function repo(): Promise<string> {
  if (!base) {
    base = join(WORK, 'base');
    const r = await runCli(['init', '--yes', '--answers', GUIDE, base]);
    assert.is(r.code, 0, r.stderr);
  }
  const dir = join(WORK, `r${++copies}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

/** The CLI as a process: stdout closed at once when asked, killed after `timeoutMs` (a hang is a failure). */
function cli(args: string[], options: { closeStdout?: boolean; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

function noTrace(stderr: string): void {
  assert.not.match(stderr, STACK_TRACE, `no stack trace:\n${stderr}`);
}

// ---------------------------------------------------------------------------------------------
// 5. Only regular files inside the repository are read.

test('atmos.yaml is a symbolic link to /dev/zero: check and workflows exit 2 naming it, no lock', async () => {
  const dir = await repo();
  rmSync(join(dir, 'atmos.yaml'));
  symlinkSync('/dev/zero', join(dir, 'atmos.yaml'));
  const before = snapshot(dir);
  const check = await cli(['check', dir]);
  assert.not.ok(check.timedOut, 'check finished');
  assert.is(check.code, 2, check.stderr);
  assert.match(check.stderr, /error: atmos\.yaml is a symbolic link to \/dev\/zero, outside the repository .*; it is not read\nNothing was written\.\n/);
  noTrace(check.stderr);
  const workflows = await runCli(['workflows', '--yes', dir]);
  assert.is(workflows.code, 2, workflows.stderr);
  assert.match(workflows.stderr, /"atmos\.yaml" is not allowed; expected a path inside the target; atmos\.yaml is a symbolic link to \/dev\/zero/);
  assertUnchanged(dir, before);
  assert.equal(leftovers(dir), []);
});

test('atmos.yaml is a FIFO: check and workflows exit 2 naming it at once (no hang), no lock', async () => {
  const dir = await repo();
  rmSync(join(dir, 'atmos.yaml'));
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [join(dir, 'atmos.yaml')]);
  const before = snapshot(dir);
  for (const args of [['check', dir], ['workflows', '--yes', dir]]) {
    const r = await cli(args, { timeoutMs: 20_000 });
    assert.not.ok(r.timedOut, `${args[0]} did not hang`);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: .*atmos\.yaml.* is a FIFO \(named pipe\); only regular files are read/);
    noTrace(r.stderr);
  }
  assertUnchanged(dir, before);
  assert.equal(leftovers(dir), []);
});

test('a stack bigger than the size cap: exit 2 naming it and its size', async () => {
  const dir = await repo();
  const big = join(dir, 'stacks', 'orgs', 'acme', 'big.yaml');
  writeFileSync(big, 'vars: {}\n');
  truncateSync(big, 17 * 1024 * 1024);
  const r = await runCli(['check', dir]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /error: stacks\/orgs\/acme\/big\.yaml is 17825792 bytes, more than the 16777216 bytes a file may have here; it is not read/);
});

test('--answers is a FIFO or /dev/zero: exit 2 naming it, nothing written', async () => {
  const dir = join(WORK, 'answers-fifo');
  const fifo = join(WORK, 'answers.fifo');
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [fifo]);
  for (const answers of [fifo, '/dev/zero']) {
    const r = await runCli(['init', '--yes', '--answers', answers, dir]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`error: --answers: "${answers.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" is not allowed; expected a readable YAML file; .* is a (FIFO|character device)`));
    assert.not.ok(nodeFs.existsSync(dir), 'nothing written, not even DIR');
  }
});

test('a symbolic link inside the repository to a file inside it is read as that file', async () => {
  const dir = await repo();
  const stack = join(dir, 'stacks', 'orgs', 'acme', 'dev.yaml');
  cpSync(stack, join(dir, 'stacks', 'dev-real.yaml'));
  rmSync(stack);
  symlinkSync('../../dev-real.yaml', stack);
  const r = await runCli(['check', dir]);
  assert.is(r.code, 0, r.stderr);
});

// ---------------------------------------------------------------------------------------------
// 6. No stack trace: deep nesting, prototype-named keys, EPIPE, errno, the lock.

function deep(levels: number): string {
  let text = '';
  for (let i = 0; i < levels; i++) text += `${' '.repeat(i)}k${i}:\n`;
  return `${text}${' '.repeat(levels)}v: 1\n`;
}

test('a stack nested 4,000 levels deep: a yaml-invalid finding naming it, no crash', async () => {
  const dir = await repo();
  writeFileSync(join(dir, 'stacks', 'orgs', 'acme', 'deep.yaml'), deep(4000));
  const r = await runCli(['check', dir]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout + r.stderr, /stacks\/orgs\/acme\/deep\.yaml is not valid YAML: nested more than 200 levels deep \(at line 201\)/);
});

test('an answers file nested 4,000 levels deep: exit 2 naming it', async () => {
  const dir = await repo();
  writeFileSync(join(dir, '.atmos-oidc.yaml'), readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8') + `extra:\n${deep(4000).replace(/^/gm, '  ')}`);
  const r = await runCli(['workflows', '--yes', dir]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /error: \.atmos-oidc\.yaml/);
});

const PROTO = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf'];

test('prototype-named keys anywhere in the answers file: exit 2 naming the key, or ignored, never a crash', async () => {
  for (const key of PROTO) {
    for (const [where, edit] of [
      ['top level', (t: string) => `${t}${key}: x\n`],
      ['an account', (t: string) => t.replace('  - stage: dev\n', `  - stage: dev\n    ${key}: x\n`)],
      ['a role', (t: string) => t.replace('  - name: terraform\n', `  - name: terraform\n    ${key}: x\n`)],
      ['the files record', (t: string) => t.replace('files:\n', `files:\n  ${key}: sha256:00\n`)],
    ] as const) {
      const dir = await repo();
      const file = join(dir, '.atmos-oidc.yaml');
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      const r = await runCli(['workflows', '--yes', dir]);
      assert.ok(r.code === 0 || r.code === 2, `${key} in ${where}: exit ${r.code}\n${r.stderr}`);
      if (r.code === 2) assert.match(r.stderr, new RegExp(`error: \\.atmos-oidc\\.yaml: .*${key}`), `${key} in ${where} is named`);
      noTrace(r.stderr);
      assert.equal(leftovers(dir), []);
    }
  }
});

test('prototype-named keys anywhere in stacks (component, var, setting, import, stage): check reports, never crashes', async () => {
  for (const key of PROTO) {
    const dir = await repo();
    const stacks = join(dir, 'stacks', 'orgs', 'acme');
    writeFileSync(
      join(stacks, `${key.replace(/_/g, 'u')}.yaml`),
      `import:\n  - catalog/github-ci\nvars:\n  stage: "${key}"\n  ${key}: 1\nsettings:\n  ${key}:\n    ${key}: true\ncomponents:\n  terraform:\n    ${key}:\n      vars:\n        ${key}: 1\n      settings:\n        ${key}: {}\n`,
    );
    const r = await runCli(['check', dir]);
    assert.ok(r.code === 0 || r.code === 1, `${key}: exit ${r.code}\n${r.stderr}`);
    noTrace(r.stdout + r.stderr);
    const json = await runCli(['check', '--json', dir]);
    assert.ok(json.code === 0 || json.code === 1, `${key} --json: exit ${json.code}\n${json.stderr}`);
    JSON.parse(json.stdout);
  }
});

test('stdout closed (EPIPE): check and init end with the code of their work, every file written, no trace', async () => {
  const dir = await repo();
  const open = await cli(['check', dir]);
  const closed = await cli(['check', dir], { closeStdout: true });
  assert.is(closed.code, open.code, closed.stderr);
  noTrace(closed.stderr);
  const target = join(WORK, 'epipe-init');
  const init = await cli(['init', '--yes', '--answers', GUIDE, target], { closeStdout: true });
  assert.is(init.code, 0, init.stderr);
  noTrace(init.stderr);
  assert.equal(snapshot(target).size, snapshot(base).size, 'every file written');
  assert.equal(leftovers(target), []);
});

test('a file where a directory should be (ENOTDIR): exit 2 naming it, nothing written', async () => {
  const dir = await repo();
  rmSync(join(dir, 'stacks', 'catalog'), { recursive: true });
  writeFileSync(join(dir, 'stacks', 'catalog'), 'x\n');
  const before = snapshot(dir);
  const r = await runCli(['workflows', '--yes', dir]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /error: path: "stacks\/catalog\/github-ci\.yaml" is not allowed; expected a directory on the way to this file, found a file \(stacks\/catalog is not a directory\)/);
  assertUnchanged(dir, before);
});

test('the answers file is a directory (EISDIR): exit 2 naming it', async () => {
  const dir = await repo();
  rmSync(join(dir, '.atmos-oidc.yaml'));
  mkdirSync(join(dir, '.atmos-oidc.yaml'));
  const r = await runCli(['workflows', '--yes', dir]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /error: \.atmos-oidc\.yaml: ".*\.atmos-oidc\.yaml" is not allowed; expected a YAML file, found a directory/);
  assert.equal(leftovers(dir), []);
});

/** Node's fs for the lock, with the disk full for any write. */
const fullDisk: LockFs = {
  ...(nodeFs as unknown as LockFs),
  writeFileSync: (path: nodeFs.PathOrFileDescriptor) => {
    // What a full disk does: the file is created, the write fails.
    nodeFs.writeFileSync(path, '');
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), { code: 'ENOSPC' });
  },
};

test('a full disk when taking the lock: exit-1 lock error naming it, and no lock (not even an empty one) left', () => {
  const dir = join(WORK, 'full-disk');
  mkdirSync(dir);
  assert.throws(
    () => acquireLock(dir, 'init', fullDisk),
    (e: unknown) => e instanceof LockError && /cannot create the lock file .*\.atmos-oidc\.lock \(ENOSPC\); nothing was written/.test((e as Error).message),
  );
  assert.equal(nodeFs.readdirSync(dir), []);
});

test('an empty lock left by a full disk (older version) does not refuse later runs', async () => {
  const dir = await repo();
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, '');
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  const r = await runCli(['workflows', '--yes', dir]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(leftovers(dir), []);
});

test('a fresh empty lock (a run creating it this instant) is still respected', async () => {
  const dir = await repo();
  writeFileSync(join(dir, LOCK_FILE), '');
  const r = await runCli(['workflows', '--yes', dir]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot be read as a lock/);
});

test('the top-level guard: an errno names the path with exit 2 (input) or 1 (a failed write); anything else is one line with a hint to report it', () => {
  const errno = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: x, ${syscall} '${path}'`), { code, syscall, path });
  assert.equal(verdictFor(errno('ENOTDIR', 'open', '/r/stacks/catalog/a.yaml')), {
    message: 'error: /r/stacks/catalog/a.yaml: a part of this path is a file where a directory is expected (ENOTDIR in open); exit 2',
    code: 2,
  });
  assert.equal(verdictFor(errno('EISDIR', 'read', '/r/atmos.yaml')).code, 2);
  assert.equal(verdictFor(errno('EACCES', 'mkdir', '/r')), { message: 'error: /r: permission denied (EACCES in mkdir); exit 2', code: 2 });
  assert.equal(verdictFor(errno('ENOSPC', 'write', '/r/x.tmp')), { message: 'error: /r/x.tmp: no space left on the device (ENOSPC in write); exit 1', code: 1 });
  const bug = verdictFor(new TypeError("Cannot read properties of undefined (reading 'x')\n    at f (a.ts:1:1)"));
  assert.is(bug.code, 1);
  assert.match(bug.message, /^error: unexpected failure \(TypeError: Cannot read properties of undefined \(reading 'x'\)\); exit 1\. This is a bug in create-atmos-oidc .*: please report it with the command you ran\.$/);
  assert.not.match(bug.message, /\n/);
  assert.is(verdictFor(new RangeError('Maximum call stack size exceeded')).code, 2);
});

test('cleanup', () => {
  rmSync(WORK, { recursive: true, force: true });
});

test.run();
