/**
 * Interruptions and concurrent runs. The CLI runs as a real process (`node --import tsx
 * src/cli/main.ts`): under a pseudo-terminal (tmux, its own server) for the prompts, with pipes for a
 * flush. A test-only hook (`ATMOS_OIDC_TEST_HOLD_BEFORE_RENAME`) holds a flush after its
 * temporary files are written and before any rename until the test creates a release file, so a
 * signal can be sent at that moment however slow the machine: every wait here is on a state (a
 * prompt on screen, a line on stderr, a file, a process gone), none on a guessed duration.
 *
 * Contract (src/write/lock.ts): SIGINT → 130, SIGTERM → 143, SIGHUP → 129; interrupted at a prompt,
 * nothing is written; interrupted during a flush, the flush completes first (it is synchronous), so
 * the tree is whole; either way no temporary file and no lock is left. A second run on a locked
 * directory exits 1 and names the holder; a stale lock (dead pid) is taken over.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cancelled, type Prompter } from '../src/cli/context.ts';
import { LOCK_FILE } from '../src/write/lock.ts';
import { JOURNAL_FILE } from '../src/write/journal.ts';
import { GOLDEN_DIR, readTree, ROOT, runCli, tempDir } from './helpers/run.ts';
import { assertUnchanged, leftovers, snapshot } from './helpers/snapshot.ts';

const WORK = tempDir('interrupt-');
const SOCKET = join(WORK, 'tmux.sock');
const GUIDE = join(GOLDEN_DIR, 'guide-basic', 'answers.yaml');
const EXPECTED = join(GOLDEN_DIR, 'guide-basic', 'expected');

const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', GH_CONFIG_DIR: join(WORK, 'gh'), GH_PROMPT_DISABLED: '1' };
delete env.TMUX;
delete env.GH_TOKEN;
delete env.GITHUB_TOKEN;

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(40);
  }
}

let interruptions = 0;

// ---------------------------------------------------------------------------------------------
// Prompts, in a real terminal.

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A tmux server exits when its last session ends; a session created at that moment fails with
 * "server exited unexpectedly". One idle session keeps the server up until kill-server at the end.
 */
let serverKept = false;
function keepServer(): void {
  if (serverKept) return;
  tmux('new-session', '-d', '-s', 'keep-server', 'sleep 86400');
  serverKept = true;
}

let sessions = 0;

/** Start the CLI in a tmux pane; the pane's shell records the exit code in a file when the CLI ends. */
function terminal(args: string[]): { name: string; rcFile: string; screen: () => string; cliPid: () => Promise<number> } {
  const name = `i${++sessions}`;
  const rcFile = join(WORK, `${name}.rc`);
  const script = join(WORK, `${name}.sh`);
  writeFileSync(script, [`cd ${quote(ROOT)}`, `${quote(process.execPath)} --import tsx src/cli/main.ts ${args.map(quote).join(' ')}`, `echo $? > ${quote(rcFile)}`, 'exec sleep 600', ''].join('\n'));
  keepServer();
  tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', `sh ${quote(script)}`);
  const shellPid = Number(tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim());
  return {
    name,
    rcFile,
    screen: () => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-'),
    // The CLI is the pane shell's child.
    cliPid: () =>
      until('the CLI process', () => {
        const children = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
        return children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('src/cli/main.ts'));
      }),
  };
}

async function exitCodeOf(rcFile: string): Promise<number> {
  return Number(await until(`exit code in ${rcFile}`, () => existsSync(rcFile) && readFileSync(rcFile, 'utf8').trim()));
}

/** A target with a file of its own, and an answers file that leaves only the final confirmation to ask. */
function promptTarget(): string {
  const dir = tempDir('interrupt-target-');
  writeFileSync(join(dir, 'README.md'), 'ours\n');
  return dir;
}

const FULL_ANSWERS = join(WORK, 'full.yaml');
writeFileSync(
  FULL_ANSWERS,
  'version: 1\nrepository: acme/infra-live\nrepository_ids: null\nnamespace: acme\nregion: us-east-2\ndefault_branch: main\nsetup: advanced\n' +
    'apply_environment: "{stage}"\natmos_version: 1.215.0\natmos_pro: true\ntfstate_role_arn: null\nguard_workflow: false\nbackend:\n  type: s3\n  bucket: acme-tfstate\n  region: us-east-2\naccounts:\n  - stage: dev\n    id: "111111111111"\n',
);

const PROMPT_CASES: Array<{ what: string; args: (dir: string) => string[]; at: RegExp; before?: (t: ReturnType<typeof terminal>) => Promise<void>; act: 'C-c' | NodeJS.Signals; code: number; message: RegExp }> = [
  { what: 'Ctrl-C at the first prompt', args: (d) => ['init', d], at: /GitHub repository/, act: 'C-c', code: 130, message: /Cancelled: nothing was written\./ },
  { what: 'SIGINT at the first prompt', args: (d) => ['init', d], at: /GitHub repository/, act: 'SIGINT', code: 130, message: /Interrupted \(SIGINT\): nothing was written\./ },
  {
    what: 'SIGTERM at the second prompt, after an answer',
    args: (d) => ['init', d],
    at: /GitHub repository/,
    before: async (t) => {
      tmux('send-keys', '-t', t.name, '-l', 'acme/infra-live');
      tmux('send-keys', '-t', t.name, 'Enter');
      await until('the next prompt', () => /immutable subject claims|Namespace/.test(t.screen()));
    },
    act: 'SIGTERM',
    code: 143,
    message: /Interrupted \(SIGTERM\): nothing was written\./,
  },
  { what: 'SIGTERM at "Write these files?", everything planned', args: (d) => ['init', '--answers', FULL_ANSWERS, d], at: /Write these files\?/, act: 'SIGTERM', code: 143, message: /Interrupted \(SIGTERM\): nothing was written\./ },
  { what: 'SIGINT at "Write these files?"', args: (d) => ['init', '--answers', FULL_ANSWERS, d], at: /Write these files\?/, act: 'SIGINT', code: 130, message: /Interrupted \(SIGINT\): nothing was written\./ },
  { what: 'Ctrl-C at "Write these files?"', args: (d) => ['init', '--answers', FULL_ANSWERS, d], at: /Write these files\?/, act: 'C-c', code: 130, message: /Cancelled: nothing was written\./ },
];

for (const c of PROMPT_CASES) {
  test(`prompt: ${c.what} → exit ${c.code}, nothing written, no lock left`, async () => {
    const dir = promptTarget();
    const before = snapshot(dir);
    const t = terminal(c.args(dir));
    try {
      await until(`prompt ${c.at}`, () => c.at.test(t.screen()));
      await c.before?.(t);
      assert.ok(existsSync(join(dir, LOCK_FILE)), 'the lock is held while prompting');
      if (c.act === 'C-c') tmux('send-keys', '-t', t.name, 'C-c');
      else process.kill(await t.cliPid(), c.act);
      assert.is(await exitCodeOf(t.rcFile), c.code, t.screen());
      assert.match(t.screen(), c.message);
      assertUnchanged(dir, before);
      interruptions++;
    } finally {
      tmux('kill-session', '-t', t.name);
    }
  });
}

test('prompt: the terminal closes (SIGHUP) at a prompt → nothing written, the lock released', async () => {
  const dir = promptTarget();
  const before = snapshot(dir);
  const t = terminal(['init', dir]);
  await until('the first prompt', () => /GitHub repository/.test(t.screen()));
  const pid = await t.cliPid();
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  tmux('kill-session', '-t', t.name);
  await until('the CLI to end', () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  assertUnchanged(dir, before);
  interruptions++;
});

// ---------------------------------------------------------------------------------------------
// During a flush: the run is held after its temporary files are written, before any rename.

interface Held {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
  /** Let the held flush go on (a signal sent before this is handled once the flush is done). */
  release: () => void;
}

let holds = 0;

/** Start a non-interactive init that holds mid-flush until released, and wait until it is there. */
async function heldInFlush(dir: string, answers: string): Promise<Held> {
  const releaseFile = join(WORK, `release-${++holds}`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'init', '--yes', '--answers', answers, dir], {
    cwd: ROOT,
    env: { ...env, ATMOS_OIDC_TEST_HOLD_BEFORE_RENAME: releaseFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until('the flush to hold', () => /holding until .* exists before renaming/.test(stderr), 60_000);
  return { child, stderr: () => stderr, exit, release: () => writeFileSync(releaseFile, '') };
}

const temps = (dir: string): string[] => [...snapshot(dir).keys()].filter((p) => /\.atmos-oidc-\d+\.tmp$/.test(p));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`flush: ${signal} while temporary files wait to be renamed → the flush completes, the tree is whole, nothing left over`, async () => {
    const dir = tempDir('interrupt-flush-');
    const held = await heldInFlush(dir, GUIDE);
    // Mid-flush: every file is still a temporary file; no target exists yet.
    const now = snapshot(dir);
    assert.ok(temps(dir).length >= 10, 'the temporary files are written');
    // Beside the lock, only the journal naming those temporary files (src/write/journal.ts).
    assert.equal([...now.keys()].filter((p) => now.get(p)!.type === 'file' && !/\.tmp$/.test(p)), [JOURNAL_FILE, LOCK_FILE], 'no target file is in place yet');
    held.child.kill(signal);
    held.release();
    const code = await held.exit;
    assert.is(code, signal === 'SIGTERM' ? 143 : 130, held.stderr());
    assert.match(held.stderr(), new RegExp(`Interrupted \\(${signal}\\) after every file was written: the tree is complete\\.`));
    assert.equal(readTree(dir), readTree(EXPECTED), 'the tree is exactly what an uninterrupted run writes');
    assert.equal(leftovers(dir), []);
    interruptions++;
  });
}

test('flush: SIGTERM during an update → every file is the new version, none the old (no mix)', async () => {
  const dir = tempDir('interrupt-update-');
  const first = await runCli(['init', '--yes', '--answers', GUIDE, dir]);
  assert.is(first.code, 0, first.stderr);
  const changed = join(WORK, 'changed.yaml');
  writeFileSync(changed, readFileSync(GUIDE, 'utf8').replace('region: us-east-2', 'region: eu-west-1'));
  // What an uninterrupted update writes, on a copy.
  const reference = tempDir('interrupt-update-ref-');
  cpSync(dir, reference, { recursive: true });
  assert.is((await runCli(['init', '--yes', '--answers', changed, reference])).code, 0);

  const held = await heldInFlush(dir, changed);
  held.child.kill('SIGTERM');
  held.release();
  assert.is(await held.exit, 143, held.stderr());
  assert.equal(readTree(dir), readTree(reference));
  assert.equal(leftovers(dir), []);
  interruptions++;
});

// ---------------------------------------------------------------------------------------------
// Two runs at once, and stale locks.

test('concurrent: a second run while the first holds the lock exits 1, names the holder, changes nothing', async () => {
  const dir = tempDir('interrupt-concurrent-');
  const held = await heldInFlush(dir, GUIDE);
  const during = snapshot(dir);
  const second = await runCli(['init', '--yes', '--answers', GUIDE, dir]);
  assert.is(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`error: another create-atmos-oidc run \\(init, pid ${held.child.pid}, started [^)]+\\) is working on .*; wait for it to finish and run again\\.\\nNothing was written\\.`));
  assertUnchanged(dir, during, 'the second run touched nothing');
  // A dry run does not need the lock: it reads and writes nothing.
  assert.is((await runCli(['init', '--yes', '--dry-run', '--answers', GUIDE, dir])).code, 0);
  held.release();
  assert.is(await held.exit, 0, held.stderr());
  assert.equal(readTree(dir), readTree(EXPECTED));
  assert.equal(leftovers(dir), []);
});

test('concurrent: two processes started together on one directory: one writes, the other is refused or finds nothing to do', async () => {
  const dir = tempDir('interrupt-race-');
  const run = (): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'init', '--yes', '--answers', GUIDE, dir], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  const results = await Promise.all([run(), run()]);
  const codes = results.map((r) => r.code).sort();
  assert.ok(codes[0] === 0 && (codes[1] === 0 || codes[1] === 1), `exit codes ${codes}: ${results.map((r) => r.stderr).join('\n')}`);
  for (const r of results) if (r.code === 1) assert.match(r.stderr, /another create-atmos-oidc run .* is working on/);
  assert.equal(readTree(dir), readTree(EXPECTED));
  assert.equal(leftovers(dir), []);
});

function writeLock(dir: string, holder: Record<string, unknown> | string): void {
  writeFileSync(join(dir, LOCK_FILE), typeof holder === 'string' ? holder : JSON.stringify(holder));
}

test('stale lock: its process is gone, so it is taken over and removed', async () => {
  const dir = tempDir('interrupt-stale-');
  const gone = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => gone.on('exit', r));
  writeLock(dir, { pid: gone.pid, host: hostname(), command: 'init', started: '2026-01-01T00:00:00.000Z' });
  const result = await runCli(['init', '--yes', '--answers', GUIDE, dir]);
  assert.is(result.code, 0, result.stderr);
  assert.equal(readTree(dir), readTree(EXPECTED), 'the lock is gone and the setup written');
});

test('held locks are respected: a live process on this host, another host, or an unreadable lock → exit 1', async () => {
  const alive = spawn('sleep', ['30']);
  try {
    const cases: Array<[Record<string, unknown> | string, RegExp]> = [
      [{ pid: alive.pid, host: hostname(), command: 'role', started: 'then' }, new RegExp(`another create-atmos-oidc run \\(role, pid ${alive.pid}, started then\\)`)],
      [{ pid: 12345, host: 'build-agent-7', command: 'init', started: 'then' }, /pid 12345 on host build-agent-7.*If that run is no longer active, delete .*\.atmos-oidc\.lock and run again\./],
      ['not json', /cannot be read as a lock\)\. If no other run is active, delete .*\.atmos-oidc\.lock/],
    ];
    for (const [holder, message] of cases) {
      const dir = tempDir('interrupt-held-');
      writeLock(dir, holder);
      const before = snapshot(dir);
      const result = await runCli(['init', '--yes', '--answers', GUIDE, dir]);
      assert.is(result.code, 1, result.stderr);
      assert.match(result.stderr, message);
      assertUnchanged(dir, before, 'the lock and the directory are left as they were');
    }
  } finally {
    alive.kill();
  }
});

test('the lock is released however a run ends: success, bad input, conflict, cancel; a refused run into a new DIR leaves no DIR', async () => {
  const dir = tempDir('interrupt-release-');
  assert.is((await runCli(['init', '--yes', '--answers', GUIDE, dir])).code, 0);
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'after success');
  assert.is((await runCli(['account', '--yes', '--stage', 'BAD', '--account-id', '1', dir])).code, 2);
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'after bad input');
  writeFileSync(join(dir, '.github', 'workflows', 'test-oidc.yaml'), '# edited by hand\n');
  const otherRegion = join(WORK, 'other-region.yaml');
  // Another stage changes the smoke test's matrix, which meets the edit by hand: a conflict.
  writeFileSync(otherRegion, readFileSync(GUIDE, 'utf8').replace('stage: dev', 'stage: qa'));
  const conflict = await runCli(['init', '--yes', '--answers', otherRegion, dir]);
  assert.is(conflict.code, 1, conflict.stderr);
  assert.match(conflict.stdout, /conflict +\.github\/workflows\/test-oidc\.yaml/);
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'after a conflict');
  const cancelling: Prompter = {
    input: async () => {
      throw new Cancelled();
    },
    confirm: async () => {
      throw new Cancelled();
    },
    select: async () => {
      throw new Cancelled();
    },
  };
  const fresh = tempDir('interrupt-cancel-');
  assert.is((await runCli(['init', fresh], { prompter: cancelling })).code, 130);
  assert.equal(snapshot(fresh), new Map(), 'after a cancel');

  const parent = tempDir('interrupt-newdir-');
  const bad = join(WORK, 'bad.yaml');
  writeFileSync(bad, 'version: 1\nrepository: acme/..\naccounts: []\n');
  assert.is((await runCli(['init', '--yes', '--answers', bad, join(parent, 'a', 'b')])).code, 2);
  assert.equal(snapshot(parent), new Map(), 'no directory was created for a refused run');
  mkdirSync(join(parent, 'x'));
});

test('interruptions: counts', () => {
  console.log(`  interrupt: ${interruptions} interruptions (Ctrl-C, SIGINT, SIGTERM, SIGHUP at prompts; SIGINT/SIGTERM mid-flush) left nothing partial`);
  assert.ok(interruptions >= 10);
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
});

test.run();
