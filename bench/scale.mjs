#!/usr/bin/env node
/**
 * The scale bench of issue 11 item 7: `check` on a generated repository shaped like a large
 * reference architecture, and how its cost grows with the number of manifests.
 *
 *   node bench/scale.mjs [--runs N] [--no-build] [--keep] [--accounts 40] [--profile]
 *
 * The repository (made before any clock starts): the tool's own `init` for 40 accounts (advanced
 * setup: the OIDC provider and two roles per account, an auth profile, the Atmos Pro workflows),
 * then, as platform teams lay them out, 4 tenants × their accounts × 4 regions of stacks, each
 * importing a catalog of 80 components (a glob import), a region mixin, the tenant's defaults and
 * the account's layers (account auth, DNS, logging, monitoring, the region's network); the
 * workflows copied up to 30. About 600 manifests for 40 accounts.
 *
 * Rows: `check` wall time (median of --runs, default 7) and peak RSS (maxRSS of the process, read
 * by a --require hook at exit), each also as a ratio to `node -e ''` measured in the same rounds;
 * then the same repository at 1/4, 1/2 and the full number of accounts, with the time per manifest
 * (linear cost means a flat ms/manifest above the fixed start-up). Targets: < 1.5 s and < 300 MB.
 * Not part of `npm test`: timings on a shared machine are reported, not asserted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'create-atmos-oidc.js');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const RUNS = Math.max(3, Number(option('--runs', 7)));
const ACCOUNTS = Number(option('--accounts', 40));
const REGIONS = ['use1', 'use2', 'usw2', 'euc1'];
const TENANTS = ['core', 'plat', 'data', 'sec'];
const COMPONENTS = 80;
const WORKFLOWS = 30;
const work = mkdtempSync(join(tmpdir(), 'atmos-oidc-scale-'));
const env = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };
const progress = (text) => process.stderr.write(`scale: ${text}\n`);
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The RSS probe: a --require hook that writes the process's peak RSS (bytes) to a file at exit.
const RSS_HOOK = join(work, 'rss-hook.cjs');
// CPU time (user + system) is reported too: on a loaded machine it moves far less than wall time.
writeFileSync(RSS_HOOK, "process.on('exit', () => { const u = process.resourceUsage(); require('node:fs').writeFileSync(process.env.RSS_OUT, JSON.stringify({ rss: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1000 })); });\n");

function mustRun(argv, what) {
  const r = spawnSync(process.execPath, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  return r;
}

// ---------------------------------------------------------------- the repository

const pad = (n, w = 3) => String(n).padStart(w, '0');
const stageOf = (i) => `a${pad(i + 1, 2)}`;
const idOf = (i) => String(200000000000 + i + 1);

function generate(accounts) {
  const dir = join(work, `repo-${accounts}`);
  const answers = join(work, `answers-${accounts}.yaml`);
  const list = Array.from({ length: accounts }, (_, i) => `  - stage: ${stageOf(i)}\n    id: "${idOf(i)}"\n`).join('');
  writeFileSync(answers, `version: 1\nrepository: acme/infra-live\nsetup: advanced\napply_environment: "{stage}"\naccounts:\n${list}`);
  mustRun([BIN, 'init', '--yes', '--answers', answers, dir], `init with ${accounts} accounts`);
  const write = (rel, text) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  for (let c = 1; c <= COMPONENTS; c++)
    write(
      `stacks/catalog/app/c${pad(c)}.yaml`,
      `components:\n  terraform:\n    c${pad(c)}:\n      metadata:\n        component: app-${pad(c % 12)}\n      settings:\n        depends_on:\n          - component: c${pad(Math.max(1, c - 1))}\n      vars:\n        enabled: true\n        name: c${pad(c)}\n        tags:\n          team: t${c % 7}\n          cost_center: "cc-${c % 5}"\n        replicas: ${1 + (c % 3)}\n`,
    );
  for (const r of REGIONS) write(`stacks/mixins/region/${r}.yaml`, `vars:\n  environment: ${r}\n  region: ${regionName(r)}\n`);
  for (const t of TENANTS) write(`stacks/orgs/acme/${t}/_defaults.yaml`, `vars:\n  namespace: acme\n  tenant: ${t}\nsettings:\n  owner: team-${t}\n`);
  for (let i = 0; i < accounts; i++) {
    const stage = stageOf(i);
    const id = idOf(i);
    write(
      `stacks/layers/${stage}/_account.yaml`,
      `vars:\n  stage: ${stage}\n  account_id: "${id}"\nauth:\n  identities:\n    acme/planner:\n      principal:\n        assume_role: arn:aws:iam::${id}:role/acme-gbl-${stage}-planner\n    acme/admin:\n      principal:\n        assume_role: arn:aws:iam::${id}:role/acme-gbl-${stage}-terraform\n`,
    );
    for (const layer of ['dns', 'logging', 'monitoring'])
      write(`stacks/layers/${stage}/${layer}.yaml`, `components:\n  terraform:\n    c${pad(1 + (i % COMPONENTS))}:\n      vars:\n        ${layer}_enabled: true\n        ${layer}_bucket: acme-${stage}-${layer}\n`);
    const tenant = TENANTS[i % TENANTS.length];
    for (const r of REGIONS) {
      write(`stacks/layers/${stage}/${r}-network.yaml`, `vars:\n  vpc_cidr: "10.${i % 250}.${REGIONS.indexOf(r) * 64}.0/18"\ncomponents:\n  terraform:\n    c001:\n      vars:\n        subnets: 3\n`);
      write(
        `stacks/orgs/acme/${tenant}/${stage}/${r}.yaml`,
        `name: ${stage}-${r}\nimport:\n  - orgs/acme/${tenant}/_defaults\n  - mixins/region/${r}\n  - mixins/atmos-pro\n  - catalog/app/*\n  - layers/${stage}/_account\n  - layers/${stage}/dns\n  - layers/${stage}/logging\n  - layers/${stage}/monitoring\n  - layers/${stage}/${r}-network\n`,
      );
    }
  }
  const workflows = join(dir, '.github', 'workflows');
  const generated = readdirSync(workflows).filter((f) => f.endsWith('.yaml')).sort();
  for (let i = 0; generated.length + i < WORKFLOWS; i++) {
    const source = generated[i % generated.length];
    copyFileSync(join(workflows, source), join(workflows, source.replace(/\.yaml$/, `-copy${i + 1}.yaml`)));
  }
  const manifests = count(join(dir, 'stacks'), (f) => f.endsWith('.yaml'));
  return { dir, accounts, manifests, workflows: readdirSync(workflows).length };
}

function regionName(r) {
  return { use1: 'us-east-1', use2: 'us-east-2', usw2: 'us-west-2', euc1: 'eu-central-1' }[r];
}

function count(dir, pred) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? count(join(dir, e.name), pred) : pred(e.name) ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------- measuring

function measure(argv) {
  const out = join(work, 'rss');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', RSS_HOOK, ...argv], { env: { ...env, RSS_OUT: out }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const usage = JSON.parse(readFileSync(out, 'utf8'));
  return { ms, rss: usage.rss, cpu: usage.cpu, code: r.status, stdout: r.stdout.toString('utf8') };
}

/** Median wall time and peak RSS of `check DIR` and of `node -e ''`, in interleaved rounds. */
function rounds(dir) {
  const check = [];
  const base = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const b = measure(['-e', '']);
    const c = measure([BIN, 'check', dir]);
    if (c.code !== 0 && c.code !== 1) throw new Error(`check exited ${c.code}`);
    if (i === 0) continue; // warm-up: file cache
    base.push(b);
    check.push(c);
  }
  return {
    ms: median(check.map((x) => x.ms)),
    rss: median(check.map((x) => x.rss)),
    cpu: median(check.map((x) => x.cpu)),
    baseCpu: median(base.map((x) => x.cpu)),
    baseMs: median(base.map((x) => x.ms)),
    baseRss: median(base.map((x) => x.rss)),
  };
}

const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;

function main() {
  const loadBefore = loadavg()[0];
  progress(`work directory ${work}`);
  if (!args.includes('--no-build')) {
    progress('building dist/');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, env, stdio: 'ignore' });
  }
  const sizes = [...new Set([Math.max(1, Math.round(ACCOUNTS / 4)), Math.max(1, Math.round(ACCOUNTS / 2)), ACCOUNTS])];
  const repos = sizes.map((n) => {
    progress(`generating ${n} accounts`);
    return generate(n);
  });
  const full = repos.at(-1);
  const probe = measure([BIN, 'check', '--json', full.dir]);
  const parsed = JSON.parse(probe.stdout);
  const verdicts = {};
  for (const c of parsed.chains) verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1;
  if (args.includes('--profile')) {
    const profDir = join(ROOT, 'bench', 'profiles');
    mkdirSync(profDir, { recursive: true });
    spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, BIN, 'check', full.dir], { env, stdio: 'ignore' });
    progress(`CPU profile written under ${profDir}`);
  }
  const rows = [];
  for (const repo of repos) {
    progress(`timing check on ${repo.manifests} manifests (${RUNS} runs)`);
    rows.push({ ...repo, ...rounds(repo.dir) });
  }
  const f = rows.at(-1);
  const lines = [];
  lines.push(`check at scale: ${f.accounts} accounts × ${REGIONS.length} regions, ${COMPONENTS} components per stack, ${f.manifests} manifests, ${f.workflows} workflows`);
  lines.push(`${parsed.chains.length} chains (${Object.entries(verdicts).map(([k, v]) => `${v} ${k}`).join(', ')}), ${parsed.findings.length} findings; median of ${RUNS} runs; load ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
  lines.push('');
  lines.push('| manifests | accounts | check | node -e \'\' | ratio | CPU (user+sys) | node CPU | peak RSS | node RSS | ratio | ms per manifest above node |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    lines.push(`| ${r.manifests} | ${r.accounts} | ${r.ms.toFixed(0)} ms | ${r.baseMs.toFixed(0)} ms | ${(r.ms / r.baseMs).toFixed(1)}× | ${r.cpu.toFixed(0)} ms | ${r.baseCpu.toFixed(0)} ms | ${mb(r.rss)} | ${mb(r.baseRss)} | ${(r.rss / r.baseRss).toFixed(1)}× | ${((r.ms - r.baseMs) / r.manifests).toFixed(2)} |`);
  lines.push('');
  // Linearity: the slope between the smallest and the largest repository, against the cost per manifest of the smallest.
  const a = rows[0];
  const slope = (f.ms - a.ms) / (f.manifests - a.manifests);
  lines.push(`Wall: marginal cost ${slope.toFixed(2)} ms per manifest between ${a.manifests} and ${f.manifests} manifests; per-manifest cost above node, largest vs smallest: ${(((f.ms - f.baseMs) / f.manifests / ((a.ms - a.baseMs) / a.manifests)) * 100 - 100).toFixed(0)}%.`);
  // CPU time moves far less with the machine's load: linearity is judged on it.
  const cpuPer = rows.map((r) => (r.cpu - r.baseCpu) / r.manifests);
  lines.push(`CPU: ${cpuPer.map((v, i) => `${v.toFixed(2)} ms/manifest at ${rows[i].manifests}`).join(', ')}; largest vs smallest ${((cpuPer.at(-1) / cpuPer[0]) * 100 - 100).toFixed(0)}% (a superlinear cost would grow with the size).`);
  lines.push(`CPU time of check at ${f.manifests} manifests: ${f.cpu.toFixed(0)} ms (node -e '': ${f.baseCpu.toFixed(0)} ms); the wall times above are on a machine with load ${loadavg()[0].toFixed(1)}.`);
  lines.push(`Targets: < 1.5 s → ${f.ms < 1500 ? 'met' : 'NOT MET'} (${(f.ms / 1000).toFixed(2)} s); < 300 MB → ${f.rss < 300 * 1024 * 1024 ? 'met' : 'NOT MET'} (${mb(f.rss)}).`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
  else progress(`kept ${work}`);
}

main();
