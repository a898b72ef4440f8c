#!/usr/bin/env node
/**
 * The startup and size bench of issue 6: one run, one table. Every timed row is the median of
 * `--runs` runs (default 15, at least 10) of the bin installed from the packed tarball (as users
 * run it, and untouched by a rebuild of dist/ meanwhile), taken in interleaved rounds so that a
 * burst of load on the machine hits every row alike, and is shown as a ratio to `node -e ''`
 * measured in the same rounds.
 *
 *   node bench/run.mjs [--runs N] [--no-build] [--keep]
 *
 * Rows: `init --yes --answers` of an advanced three-account setup into an empty directory; the time
 * to the first prompt of an interactive `init` (under a pseudo-terminal from `script`, compared with
 * `node -e ''` under the same pseudo-terminal); `check` on a repository of 50 accounts, 10 roles and
 * 20 workflows made with the tool's own `init` and `role`; `init` for 1, 10 and 100 accounts with
 * the cost per added account; the packed tarball's size, unpacked size and the packages that
 * `npm install` of it adds. Targets are issue 6's.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The bin timed: the one installed from the packed tarball (or, with --no-build, the repository's). */
let BIN = join(ROOT, 'bin', 'create-atmos-oidc.js');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const RUNS = Math.max(10, Number(option('--runs', 15)));
const WARMUP = 2;
const work = mkdtempSync(join(tmpdir(), 'atmos-oidc-bench-'));
const env = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (v) => `${v.toFixed(1)} ms`;
const kb = (bytes) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} kB`);
const progress = (text) => process.stderr.write(`bench: ${text}\n`);

// ---------------------------------------------------------------- inputs

/** An advanced setup with `n` accounts, as an answers file. */
function answersFile(n) {
  const path = join(work, `answers-${n}.yaml`);
  const accounts = Array.from({ length: n }, (_, i) => `  - stage: s${String(i + 1).padStart(3, '0')}\n    id: "${String(100000000000 + i + 1)}"\n`).join('');
  writeFileSync(path, `version: 1\nrepository: acme/infra-live\nsetup: advanced\napply_environment: "{stage}"\naccounts:\n${accounts}`);
  return path;
}

let dirCount = 0;
/** A new empty directory for one run (made before the clock starts). */
const freshDir = () => {
  const dir = join(work, 'runs', `d${++dirCount}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

function run(argv, options = {}) {
  const result = spawnSync(process.execPath, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(argv, what) {
  const result = run(argv);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  return result;
}

/** The repository `check` is timed on: 50 accounts, 10 roles, 20 workflows, made by the tool itself. */
function largeRepository() {
  const dir = join(work, 'large');
  mustRun([BIN, 'init', '--yes', '--answers', answersFile(50), dir], 'init of the large repository');
  const record = readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8');
  const existingRoles = (record.match(/^\s+- name: /gm) ?? []).length || 2;
  for (let i = existingRoles + 1; i <= 10; i++)
    mustRun(
      [BIN, 'role', '--yes', '--name', `reader${i}`, '--identity', `acme/reader${i}`, '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra-live:main', dir],
      `role reader${i}`,
    );
  const workflows = join(dir, '.github', 'workflows');
  const generated = readdirSync(workflows).filter((f) => f.endsWith('.yaml')).sort();
  for (let i = 0; generated.length + i < 20; i++) {
    const source = generated[i % generated.length];
    copyFileSync(join(workflows, source), join(workflows, source.replace(/\.yaml$/, `-copy${i + 1}.yaml`)));
  }
  const roles = (readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8').match(/^\s+- name: /gm) ?? []).length;
  return { dir, roles, workflows: readdirSync(workflows).length };
}

// ---------------------------------------------------------------- timing

/** Wall time of one process run to its exit. */
function timeRun(argv) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { env, stdio: 'ignore' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  return { elapsed, code: result.status };
}

// Strip ANSI control sequences so a prompt is recognised whatever the terminal codes around it.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
/** inquirer draws a question as "? message". */
const PROMPT = /(^|\n|\r)\s*\? \S/;

/**
 * Wall time from spawning `command` under a pseudo-terminal (`script -qfc`) until the first prompt
 * is drawn (`until: 'prompt'`) or the command exits (`until: 'exit'`); then the whole process
 * group is killed.
 */
function timePty(command, until, cwd) {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let seen = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no prompt within 20 s from: ${command}\n${seen.replace(ANSI, '')}`)), 20000);
    const finish = (error, elapsed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      child.once('close', () => (error ? reject(error) : resolvePromise(elapsed)));
      if (child.exitCode !== null || child.signalCode !== null) child.emit('close');
    };
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      if (until === 'prompt' && PROMPT.test(seen.replace(ANSI, ''))) finish(null, Number(process.hrtime.bigint() - start) / 1e6);
    });
    child.on('exit', () => {
      if (until === 'exit') finish(null, Number(process.hrtime.bigint() - start) / 1e6);
      else finish(new Error(`exited before a prompt: ${command}\n${seen.replace(ANSI, '')}`));
    });
    child.on('error', (error) => finish(error));
  });
}

const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

// ---------------------------------------------------------------- size

function packAndInstall() {
  const packDir = join(work, 'pack');
  mkdirSync(packDir, { recursive: true });
  // `npm pack` runs `prepack`, which builds dist/ again: the bench times what is packed.
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const project = join(work, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{ "name": "bench-project", "private": true }\n');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(packDir, packed.filename)], { cwd: project, env, stdio: 'ignore' });
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const added = Object.keys(lock.packages ?? {}).filter((p) => p.startsWith('node_modules/')).length;
  BIN = join(project, 'node_modules', 'create-atmos-oidc', 'bin', 'create-atmos-oidc.js');
  return { size: packed.size, unpackedSize: packed.unpackedSize, files: packed.files.length, added };
}

// ---------------------------------------------------------------- main

async function main() {
  const loadBefore = loadavg()[0];
  progress(`work directory ${work}`);
  progress('npm pack (builds dist/) and install of the tarball');
  const size = args.includes('--no-build') ? null : packAndInstall();
  if (args.includes('--no-build')) progress('--no-build: no pack, no size rows; timing bin/ and the dist/ already built');

  progress('preparing inputs');
  const three = join(ROOT, 'test', 'golden', 'advanced-three-accounts', 'answers.yaml');
  const byAccounts = Object.fromEntries([1, 10, 100].map((n) => [n, answersFile(n)]));
  const large = largeRepository();
  const checkProbe = run([BIN, 'check', large.dir]);
  const checkStub = checkProbe.code === 2 && /not available/.test(checkProbe.stderr);
  const checkBroken = !checkStub && checkProbe.code !== 0 && checkProbe.code !== 1;
  const probe = mustRun([BIN, 'init', '--yes', '--answers', three, freshDir()], 'init of the three-account setup');
  if (!/Wrote \d+ files/.test(probe.stdout)) throw new Error(`init wrote nothing:\n${probe.stdout}`);

  /** Rows timed by spawning the bin to its exit. */
  const rows = [
    { key: 'node', argv: ['-e', ''] },
    { key: 'version', argv: [BIN, '--version'] },
    { key: 'init3', argv: () => [BIN, 'init', '--yes', '--answers', three, freshDir()] },
    ...[1, 10, 100].map((n) => ({ key: `init${n}acc`, argv: () => [BIN, 'init', '--yes', '--answers', byAccounts[n], freshDir()] })),
    ...(checkStub || checkBroken ? [] : [{ key: 'check', argv: [BIN, 'check', large.dir] }]),
  ];
  const times = Object.fromEntries(rows.map((r) => [r.key, []]));
  times.ptyNode = [];
  times.ptyPrompt = [];
  const ptyNode = `${shellQuote(process.execPath)} -e ''`;
  const ptyInit = (dir) => `${shellQuote(process.execPath)} ${shellQuote(BIN)} init ${shellQuote(dir)}`;

  for (let round = 0; round < WARMUP + RUNS; round++) {
    progress(`round ${round + 1}/${WARMUP + RUNS}${round < WARMUP ? ' (warm-up)' : ''}`);
    for (const row of rows) {
      const { elapsed, code } = timeRun(typeof row.argv === 'function' ? row.argv() : row.argv);
      if (code !== 0 && !(row.key === 'check' && code === 1)) throw new Error(`${row.key} exited ${code}`);
      if (round >= WARMUP) times[row.key].push(elapsed);
    }
    const ptyBase = await timePty(ptyNode, 'exit');
    const dir = freshDir();
    const prompt = await timePty(ptyInit(dir), 'prompt', dir);
    // Only the run's lock may be there (its holder is being hung up on as the pty closes).
    if (readdirSync(dir).some((f) => f !== '.atmos-oidc.lock')) throw new Error(`the interactive init wrote to ${dir} before it was answered`);
    if (round >= WARMUP) {
      times.ptyNode.push(ptyBase);
      times.ptyPrompt.push(prompt);
    }
    rmSync(join(work, 'runs'), { recursive: true, force: true });
  }

  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.length ? median(v) : NaN]));
  const ratio = (v, base = m.node) => `${(v / base).toFixed(2)}x`;
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  const perAccount1 = (m.init10acc - m.init1acc) / 9;
  const perAccount2 = (m.init100acc - m.init10acc) / 90;
  // Linear growth keeps the cost of an added account about constant; allow noise of 1 ms per step.
  const linear = perAccount2 <= Math.max(perAccount1 * 2, perAccount1 + 1 / 9) + 1 / 90;

  const table = [
    ['measurement', 'median', 'ratio', 'target', 'result / note'],
    ["node -e ''", ms(m.node), '1.00x', '', 'baseline of every ratio below'],
    ['--version', ms(m.version), ratio(m.version), '', ''],
    ['init --yes --answers, advanced, 3 accounts', ms(m.init3), ratio(m.init3), '<= 1.5x', verdict(m.init3 / m.node <= 1.5)],
    [
      'first prompt of interactive init (pty)',
      ms(m.ptyPrompt),
      ratio(m.ptyPrompt, m.ptyNode),
      '<= 1.5x',
      `${verdict(m.ptyPrompt / m.ptyNode <= 1.5)}; ratio to node -e '' under the same pty (${ms(m.ptyNode)}); ${ratio(m.ptyPrompt)} of the bare one`,
    ],
    checkStub
      ? [`check, ${large.roles} roles x 50 accounts, ${large.workflows} workflows`, 'n/a', 'n/a', '< 1 s', 'NOT MEASURED: check is still a stub ("not available in this version")']
      : checkBroken
        ? [`check, 50 accounts, ${large.roles} roles, ${large.workflows} workflows`, 'n/a', 'n/a', '< 1 s', `NOT MEASURED: check exited ${checkProbe.code}: ${checkProbe.stderr.split('\n')[0]}`]
        : [`check, 50 accounts, ${large.roles} roles, ${large.workflows} workflows`, ms(m.check), ratio(m.check), '< 1 s', `${verdict(m.check < 1000)} (exit ${checkProbe.code})`],
    ['init, 1 account', ms(m.init1acc), ratio(m.init1acc), '', ''],
    ['init, 10 accounts', ms(m.init10acc), ratio(m.init10acc), '', `+${perAccount1.toFixed(2)} ms per account from 1`],
    ['init, 100 accounts', ms(m.init100acc), ratio(m.init100acc), 'linear', `+${perAccount2.toFixed(2)} ms per account from 10: ${linear ? 'met (linear)' : 'MISSED (grows faster than linear)'}`],
    ...(size
      ? [
          ['packed tarball', kb(size.size), '', '', `${size.files} files`],
          ['unpacked', kb(size.unpackedSize), '', '<= 2 MB', verdict(size.unpackedSize <= 2 * 1024 * 1024)],
          ['packages added by npm install of the tarball', String(size.added), '', '1 (itself)', verdict(size.added === 1) + (size.added === 1 ? ': zero runtime dependencies' : '')],
        ]
      : []),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `create-atmos-oidc bench: node ${process.version}, ${cpus().length} CPUs, medians of ${RUNS} runs (after ${WARMUP} warm-up rounds), load average ${loadBefore.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`,
  );
  console.log(line(table[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table.slice(1)) console.log(line(row));
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(`bench failed: ${error.stack ?? error}`);
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
