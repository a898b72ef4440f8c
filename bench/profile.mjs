#!/usr/bin/env node
/**
 * Where the time of one run goes: builds a readable bundle with source maps into a temporary
 * directory, runs it under `node --cpu-prof`, and maps every sample back through the source maps
 * to the package or source file it ran in.
 *
 *   node bench/profile.mjs [--runs N] [--keep] [-- ARGS...]
 *
 * ARGS default to `init --yes --answers test/golden/advanced-three-accounts/answers.yaml <fresh dir>`.
 * With --runs N (default 5) the samples of N runs are added up and shown per run. Prints self
 * time by package, by source file, and the source functions with the most inclusive time.
 * The profiler slows a run by roughly a tenth; read the shares, not the absolute milliseconds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const RUNS = Number(own.includes('--runs') ? own[own.indexOf('--runs') + 1] : 5);
const work = mkdtempSync(join(tmpdir(), 'atmos-oidc-profile-'));

// A package laid out as installed: bin/ and a readable dist/ with source maps.
const pkg = join(work, 'package');
mkdirSync(join(pkg, 'bin'), { recursive: true });
cpSync(join(ROOT, 'bin', 'create-atmos-oidc.js'), join(pkg, 'bin', 'create-atmos-oidc.js'));
cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--readable', '--outdir', join(pkg, 'dist')], { stdio: 'inherit' });

const profiles = join(work, 'profiles');
for (let i = 0; i < RUNS; i++) {
  const args = dash >= 0 ? argv.slice(dash + 1) : ['init', '--yes', '--answers', join(ROOT, 'test', 'golden', 'advanced-three-accounts', 'answers.yaml'), join(work, `out-${i}`)];
  const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profiles, '--cpu-prof-interval', '100', join(pkg, 'bin', 'create-atmos-oidc.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0 && result.status !== 1) throw new Error(`run failed (exit ${result.status}): ${result.stderr}`);
}

// ------------------------------------------------------------ source maps (VLQ mappings)

const B64 = Object.fromEntries([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));
function decodeMappings(mappings) {
  const lines = [];
  let source = 0;
  let srcLine = 0;
  let srcCol = 0;
  for (const line of mappings.split(';')) {
    const segments = [];
    let col = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64[ch];
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += values[0];
      if (values.length >= 4) {
        source += values[1];
        srcLine += values[2];
        srcCol += values[3];
        segments.push([col, source]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

const maps = new Map();
function originOf(url, line, column) {
  if (!url.startsWith('file://')) return null;
  const file = fileURLToPath(url);
  if (!maps.has(file)) {
    let map = null;
    try {
      const raw = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
      map = { sources: raw.sources.map((s) => resolve(dirname(file), s)), lines: decodeMappings(raw.mappings) };
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  const map = maps.get(file);
  if (!map) return relative(ROOT, file);
  const segments = map.lines[line] ?? [];
  let found = null;
  for (const [col, source] of segments) {
    if (col > column) break;
    found = source;
  }
  if (found === null && segments.length) found = segments[0][1];
  return found === null ? relative(work, file) : relative(ROOT, map.sources[found]);
}

const packageOf = (origin) => {
  if (!origin) return null;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(origin);
  if (m) return m[1];
  if (origin.includes('replacement:')) return '(modules the build replaces, e.g. precompiled templates)';
  if (/dist\/(main|chunk-[^/]+)\.js$/.test(origin)) return '(bundler runtime helpers)';
  if (/^(src|generators)\//.test(origin)) return `${origin.split('/')[0]}/ (ours)`;
  return origin;
};

// ------------------------------------------------------------ samples

const selfByPackage = new Map();
const selfByFile = new Map();
const inclusive = new Map();
let total = 0;
const add = (map, key, value) => map.set(key, (map.get(key) ?? 0) + value);
const files = readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'));
for (const name of files) {
  const profile = JSON.parse(readFileSync(join(profiles, name), 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = new Map();
  for (const n of profile.nodes) {
    const { url, functionName, lineNumber, columnNumber } = n.callFrame;
    const origin = url.startsWith('file://') ? originOf(url, lineNumber, columnNumber) : null;
    const pkgName = packageOf(origin);
    let bucket;
    if (pkgName) bucket = pkgName;
    else if (url.startsWith('node:internal/modules') || /^node:internal\/(bootstrap|main|process|vm)/.test(url)) bucket = 'node: module loading and startup';
    else if (url.startsWith('node:') || url.startsWith('internal')) bucket = 'node: other built-ins';
    else if (functionName === '(garbage collector)') bucket = '(garbage collector)';
    else if (functionName === '(idle)') bucket = '(idle: waiting for I/O)';
    else if (functionName === '(program)' || functionName === '(root)') bucket = '(program: V8 compiling, native)';
    else bucket = functionName ? `(native) ${functionName}` : '(native)';
    const fn = origin && /^(src|generators)\//.test(origin) ? `${functionName || '(anonymous)'}  ${origin}` : null;
    label.set(n.id, { bucket, file: origin && !origin.includes('node_modules') ? origin : pkgName ?? bucket, fn });
  }
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] / 1000;
    total += dt;
    const l = label.get(profile.samples[i]);
    add(selfByPackage, l.bucket, dt);
    add(selfByFile, l.file, dt);
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const fn = label.get(id)?.fn;
      if (fn && !seen.has(fn)) {
        seen.add(fn);
        add(inclusive, fn, dt);
      }
    }
  }
}

const show = (title, map, limit) => {
  console.log(`\n${title}`);
  for (const [key, value] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit))
    console.log(`  ${(value / files.length).toFixed(1).padStart(6)} ms  ${((100 * value) / total).toFixed(0).padStart(3)}%  ${key}`);
};
console.log(`${files.length} run(s) of: ${dash >= 0 ? argv.slice(dash + 1).join(' ') : 'init --yes --answers advanced-three-accounts <empty dir>'}`);
console.log(`${(total / files.length).toFixed(1)} ms sampled per run (from process start to exit, profiler included)`);
show('Self time by package (per run)', selfByPackage, 20);
show('Self time by source file (per run)', selfByFile, 25);
show('Inclusive time of our functions (per run)', inclusive, 30);
if (own.includes('--keep')) console.log(`\nprofiles and bundle kept in ${work} (open the .cpuprofile files in Chrome DevTools)`);
else rmSync(work, { recursive: true, force: true });
