/**
 * Crash safety of the write path (src/write/journal.ts), for init, account, role and workflows:
 *
 * 1. Death at every step, in process: the flush's file system stops for good just before its Nth
 *    change to the disk (nothing after it runs, not even a rollback), for every N of the run.
 * 2. An error at every step: the Nth change fails once with EIO and the run goes on (rollback).
 *    And death inside each file write: the file exists with half its bytes (the process died between
 *    the system calls of one write), nothing after it runs.
 * 3. Real SIGKILL at random points: the CLI runs as a process that sends itself SIGKILL just before
 *    its Nth change to the disk (ATMOS_OIDC_TEST_KILL_AT_OP), N random. 20 trials per command by
 *    default; ATMOS_OIDC_CRASH_TRIALS=200 (or more) for the long run.
 * 4. SIGKILL from outside at random wall-clock moments of the whole run (start-up, reading, planning,
 *    the flush slowed by ATMOS_OIDC_TEST_OP_DELAY_MS so it is a real share of the time): 4 per command
 *    by default, ATMOS_OIDC_CRASH_TRIALS in the long run.
 *
 * After each, the next run recovers first (recoverInterrupted, the first thing a writing run does
 * under the lock), and then an ordinary next run (`workflows --yes`) runs: at both points the tree
 * must equal, byte for byte and mode for mode, the tree before the command or the tree a clean run
 * of it writes, with no temporary file, backup, journal or lock left.
 */
import { spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../src/cli/cli.ts';
import { recoverInterrupted } from '../src/write/journal.ts';
import type { TreeFs } from '../src/write/tree.ts';
import { GOLDEN_DIR, ROOT, runCli, tempDir } from './helpers/run.ts';
import { leftovers, snapshot, type Entry } from './helpers/snapshot.ts';
import { rng as random } from './helpers/rng.ts';

const WORK = tempDir('crash-');
const GUIDE = join(GOLDEN_DIR, 'guide-basic', 'answers.yaml');
const ADVANCED = join(GOLDEN_DIR, 'advanced-three-accounts', 'answers.yaml');
const TRIALS = Number(process.env.ATMOS_OIDC_CRASH_TRIALS) || 20;

interface Scenario {
  command: string;
  /** A directory in the state before the command. */
  base: () => Promise<string>;
  args: (dir: string) => string[];
}

let bases = 0;
async function initialised(answers = GUIDE): Promise<string> {
  const dir = join(WORK, `base-${++bases}`);
  nodeFs.mkdirSync(dir);
  writeFileSync(join(dir, 'README.md'), 'ours\n');
  const result = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(result.code, 0, result.stderr);
  return dir;
}

const SCENARIOS: Scenario[] = [
  {
    command: 'init',
    base: async () => {
      const dir = join(WORK, `base-${++bases}`);
      nodeFs.mkdirSync(dir);
      writeFileSync(join(dir, 'README.md'), 'ours\n');
      return dir;
    },
    args: (dir) => ['init', '--yes', '--answers', ADVANCED, dir],
  },
  { command: 'account', base: () => initialised(), args: (dir) => ['account', '--yes', '--stage', 'prod', '--account-id', '333333333333', dir] },
  {
    command: 'role',
    base: () => initialised(ADVANCED),
    args: (dir) => ['role', '--yes', '--name', 'reader', '--identity', 'acme/reader', '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra-live:main', dir],
  },
  {
    command: 'workflows',
    base: async () => {
      const dir = await initialised(ADVANCED);
      const answers = join(dir, '.atmos-oidc.yaml');
      // A hand edit of the answers (another region): workflows rewrites every stack from it.
      writeFileSync(answers, readFileSync(answers, 'utf8').replace('region: us-east-2', 'region: eu-west-1'));
      return dir;
    },
    args: (dir) => ['workflows', '--yes', dir],
  },
];

const MUTATING = new Set(['writeFileSync', 'renameSync', 'unlinkSync', 'mkdirSync', 'rmdirSync', 'chmodSync', 'linkSync', 'copyFileSync']);
const CALLS = ['readFileSync', 'lstatSync', 'realpathSync', 'existsSync', ...MUTATING] as const;

/** Node's fs, counting changes to the disk; `fault(n, name)` may throw before the nth. */
function countingFs(fault: (n: number) => 'die' | 'fail' | 'tear' | null): { fs: TreeFs; count: () => number; torn: () => number } {
  let n = 0;
  let dead = false;
  let torn = 0;
  const fs: Record<string, unknown> = {};
  for (const name of CALLS) {
    fs[name] = (...args: unknown[]) => {
      if (dead) throw new Error('the process is dead');
      if (MUTATING.has(name)) {
        const what = fault(++n);
        if (what === 'die' || (what === 'tear' && name !== 'writeFileSync')) {
          dead = true;
          throw new Error('the process is dead');
        }
        if (what === 'tear') {
          // Death between the system calls of one write: the file exists, cut short (open, part of the write, gone).
          const data = Buffer.from(args[1] as string | Buffer);
          nodeFs.writeFileSync(args[0] as string, data.subarray(0, Math.floor(data.length / 2)), args[2] as nodeFs.WriteFileOptions);
          torn++;
          dead = true;
          throw new Error('the process is dead');
        }
        if (what === 'fail') throw Object.assign(new Error(`EIO: i/o error, ${name} (injected at change ${n})`), { code: 'EIO' });
      }
      return (nodeFs as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
    };
  }
  return { fs: fs as unknown as TreeFs, count: () => n, torn: () => torn };
}

async function run(argv: string[], treeFs?: TreeFs): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(argv, { stdout: () => {}, stderr: (t) => (stderr += t), prompter: null, env: {}, cwd: ROOT, treeFs });
  return { code, stderr };
}

let trialDirs = 0;
function copyOf(base: string): string {
  const dir = join(WORK, `t-${++trialDirs}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

const LOCK = '.atmos-oidc.lock';
function picture(dir: string, withoutLock = false): string {
  const entries = [...snapshot(dir)].filter(([p]) => !(withoutLock && p === LOCK));
  return JSON.stringify(entries);
}

/** Which of the two trees `dir` is: 'old', 'new', or a description of the difference from both. */
function whichTree(dir: string, old: string, next: string, withoutLock = false): string {
  const now = picture(dir, withoutLock);
  if (now === old) return 'old';
  if (now === next) return 'new';
  const a = new Map<string, Entry>(JSON.parse(now));
  const diff = (ref: string): string[] => {
    const b = new Map<string, Entry>(JSON.parse(ref));
    return [...new Set([...a.keys(), ...b.keys()])].filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)));
  };
  return `partial: differs from the old tree at [${diff(old).join(', ')}] and from the new at [${diff(next).join(', ')}]`;
}

interface Prepared {
  scenario: Scenario;
  base: string;
  old: string;
  next: string;
  changes: number;
}

const prepared: Prepared[] = [];
const counts: Record<string, { deaths: number; torn: number; errors: number; kills: number; wallKills: number; wallInFlush: number; rolledBack: number; rolledForward: number }> = {};

/**
 * The next run: recovery alone (checked), then, when `full`, an ordinary command (checked again;
 * it takes over the lock a killed process left).
 */
async function nextRunLeavesOldOrNew(p: Prepared, dir: string, what: string, full = true, cliOnly = false): Promise<'old' | 'new'> {
  if (cliOnly) {
    // The next run alone: it takes over the dead run's lock, finds the journal, says what it did.
    const journal = nodeFs.existsSync(join(dir, '.atmos-oidc.journal'));
    const again = await run(['workflows', '--yes', dir]);
    if (journal) assert.match(again.stderr, /An earlier run \(pid \d+\) was interrupted/, `${what}: the next run says it recovered`);
    const after = whichTree(dir, p.old, p.next);
    assert.ok(after === 'old' || after === 'new', `${what}: after the next run the tree is ${after}\n${again.stderr}`);
    assert.equal(leftovers(dir), [], `${what}: nothing left over`);
    return after as 'old' | 'new';
  }
  recoverInterrupted(dir);
  const recovered = whichTree(dir, p.old, p.next, true);
  assert.ok(recovered === 'old' || recovered === 'new', `${what}: after recovery the tree is ${recovered}`);
  if (!full) {
    assert.equal(leftovers(dir).filter((x) => x !== LOCK), [], `${what}: nothing left over`);
    return recovered as 'old' | 'new';
  }
  const again = await run(['workflows', '--yes', dir]);
  const after = whichTree(dir, p.old, p.next);
  assert.ok(after === 'old' || after === 'new', `${what}: after the next run the tree is ${after}\n${again.stderr}`);
  assert.equal(leftovers(dir), [], `${what}: nothing left over`);
  return recovered as 'old' | 'new';
}

test('setup: each command, from its old tree, writes its new tree', async () => {
  for (const scenario of SCENARIOS) {
    const base = await scenario.base();
    const probe = copyOf(base);
    const counter = countingFs(() => null);
    const result = await run(scenario.args(probe), counter.fs);
    assert.is(result.code, 0, result.stderr);
    const p: Prepared = { scenario, base, old: picture(base), next: picture(probe), changes: counter.count() };
    assert.is.not(p.old, p.next, `${scenario.command} changes the tree`);
    assert.ok(p.changes > 10, `${scenario.command}: ${p.changes} changes to the disk`);
    prepared.push(p);
    counts[scenario.command] = { deaths: 0, torn: 0, errors: 0, kills: 0, wallKills: 0, wallInFlush: 0, rolledBack: 0, rolledForward: 0 };
    rmSync(probe, { recursive: true, force: true });
  }
});

for (const scenario of SCENARIOS) {
  test(`${scenario.command}: the process dies just before each change to the disk → the next run leaves the old or the new tree`, async () => {
    const p = prepared.find((x) => x.scenario === scenario)!;
    for (let at = 1; at <= p.changes; at++) {
      const dir = copyOf(p.base);
      const { fs } = countingFs((n) => (n === at ? 'die' : null));
      await run(scenario.args(dir), fs);
      // Every fifth trial also runs an ordinary command after the recovery (the machine is shared).
      const result = await nextRunLeavesOldOrNew(p, dir, `death before change ${at} of ${p.changes}`, at % 5 === 0);
      counts[scenario.command].deaths++;
      counts[scenario.command][result === 'old' ? 'rolledBack' : 'rolledForward']++;
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(counts[scenario.command].rolledBack > 0 && counts[scenario.command].rolledForward > 0, 'deaths land on both sides of the commit');
  });

  test(`${scenario.command}: the process dies halfway through each file it writes (the file cut short) → the next run leaves the old or the new tree`, async () => {
    const p = prepared.find((x) => x.scenario === scenario)!;
    for (let at = 1; at <= p.changes; at++) {
      const dir = copyOf(p.base);
      const counter = countingFs((n) => (n === at ? 'tear' : null));
      await run(scenario.args(dir), counter.fs);
      if (counter.torn()) {
        await nextRunLeavesOldOrNew(p, dir, `a write cut short at change ${at} of ${p.changes}`, at % 5 === 0);
        counts[scenario.command].torn++;
      }
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(counts[scenario.command].torn > 3, `writes were cut short: ${counts[scenario.command].torn}`);
  });

  test(`${scenario.command}: each change to the disk fails once (EIO) → exit 1 with the old tree, or exit 0 with the new`, async () => {
    const p = prepared.find((x) => x.scenario === scenario)!;
    for (let at = 1; at <= p.changes; at++) {
      const dir = copyOf(p.base);
      const { fs } = countingFs((n) => (n === at ? 'fail' : null));
      const result = await run(scenario.args(dir), fs);
      const state = whichTree(dir, p.old, p.next, false);
      // A failure removing a backup or the journal after every rename: the run succeeded, the next one tidies up.
      const tidy = result.code === 0 ? leftovers(dir).every((x) => /\.(bak|journal)$/.test(x)) : true;
      assert.ok(
        (result.code === 1 && state === 'old' && /error: nothing was written: EIO/.test(result.stderr)) || (result.code === 0 && tidy && (state === 'new' || leftovers(dir).length > 0)),
        `EIO at change ${at}: exit ${result.code}, tree ${state}\n${result.stderr}`,
      );
      await nextRunLeavesOldOrNew(p, dir, `EIO at change ${at}`, at % 5 === 0);
      counts[scenario.command].errors++;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Run the CLI as a process that kills itself with SIGKILL before change `at`. */
function killedAt(args: string[], at: number): Promise<{ signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ATMOS_OIDC_TEST_KILL_AT_OP: String(at) },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}


const SEED = Number(process.env.ATMOS_OIDC_CRASH_SEED) || 13;

for (const scenario of SCENARIOS) {
  test(`${scenario.command}: SIGKILL at ${TRIALS} random points of the write (seed ${SEED}) → the next run leaves the old or the new tree`, async () => {
    const p = prepared.find((x) => x.scenario === scenario)!;
    const next = random(SEED + scenario.command.length);
    const trials = Array.from({ length: TRIALS }, () => 1 + Math.floor(next() * (p.changes + 1)));
    let killed = 0;
    let trial = 0;
    const one = async (at: number): Promise<void> => {
      const dir = copyOf(p.base);
      const result = await killedAt(scenario.args(dir), at);
      if (result.signal === 'SIGKILL') killed++;
      else assert.is(result.code, 0, `not killed before change ${at}, so the run completes`);
      // Half the trials check the recovery on its own first; the other half leave it all to the next run.
      await nextRunLeavesOldOrNew(p, dir, `SIGKILL before change ${at}`, true, ++trial % 2 === 0);
      counts[scenario.command].kills++;
      rmSync(dir, { recursive: true, force: true });
    };
    // Two processes at a time: the machine is shared.
    for (let i = 0; i < trials.length; i += 2) await Promise.all(trials.slice(i, i + 2).map(one));
    assert.ok(killed >= trials.length * 0.8, `${killed} of ${trials.length} runs were killed mid-write`);
  });
}

/** Run the CLI as a process that is sent SIGKILL from outside after `ms` milliseconds (if still running). */
function killedAfter(args: string[], ms: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; journal: boolean; dir: string }> {
  return new Promise((resolve, reject) => {
    const dir = args[args.length - 1];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ATMOS_OIDC_TEST_OP_DELAY_MS: String(OP_DELAY_MS) },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    let journal = false;
    const timer = setTimeout(() => {
      journal = nodeFs.existsSync(join(dir, '.atmos-oidc.journal'));
      child.kill('SIGKILL');
    }, ms);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, journal, dir });
    });
  });
}

// Each change to the disk waits this long, so the flush is a real share of the run's wall-clock time.
const OP_DELAY_MS = 15;
const WALL_TRIALS = process.env.ATMOS_OIDC_CRASH_TRIALS ? TRIALS : 4;

for (const scenario of SCENARIOS) {
  test(`${scenario.command}: SIGKILL from outside at ${WALL_TRIALS} random moments of the whole run (seed ${SEED}) → the next run leaves the old or the new tree`, async () => {
    const p = prepared.find((x) => x.scenario === scenario)!;
    // How long a whole run takes here (start-up, reading, planning, the slowed flush), measured once.
    const started = Date.now();
    const probe = copyOf(p.base);
    const full = await killedAfter(scenario.args(probe), 600_000);
    assert.is(full.code, 0, 'a run not killed completes');
    rmSync(probe, { recursive: true, force: true });
    const span = Date.now() - started;
    const next = random(SEED * 7 + scenario.command.length);
    let inFlush = 0;
    const one = async (ms: number): Promise<void> => {
      const dir = copyOf(p.base);
      const result = await killedAfter(scenario.args(dir), ms);
      if (result.signal !== 'SIGKILL') assert.is(result.code, 0, `not killed after ${ms} ms, so the run completes`);
      if (result.journal) inFlush++;
      await nextRunLeavesOldOrNew(p, dir, `SIGKILL from outside after ${ms} ms of ${span}`, true, true);
      counts[scenario.command].wallKills++;
      rmSync(dir, { recursive: true, force: true });
    };
    const moments = Array.from({ length: WALL_TRIALS }, () => Math.floor(next() * span));
    for (let i = 0; i < moments.length; i += 2) await Promise.all(moments.slice(i, i + 2).map(one));
    counts[scenario.command].wallInFlush += inFlush;
  });
}

test('crash: counts', () => {
  for (const [command, c] of Object.entries(counts))
    console.log(`  crash ${command}: ${c.deaths} deaths at every change (${c.rolledBack} rolled back, ${c.rolledForward} forward), ${c.torn} writes cut short, ${c.errors} EIO faults, ${c.kills} SIGKILL trials at changes, ${c.wallKills} at random moments (${c.wallInFlush} inside the flush); 0 partial trees`);
  rmSync(WORK, { recursive: true, force: true });
});

test.run();
