#!/usr/bin/env node
/**
 * What each import costs: every dependency on the CLI's paths bundled alone, once as the build
 * bundles it (with scripts/build.mjs's replacements) and once as the package comes, each imported
 * in a fresh process. Prints the bundle size and the median time of `await import()` over `--runs`
 * processes (default 15), measured inside the process so that Node's own start is left out.
 *
 *   node bench/imports.mjs [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/build.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 15);
const work = mkdtempSync(join(tmpdir(), 'atmos-oidc-imports-'));

/** What is imported, and on which paths the CLI loads it. */
const SUBJECTS = [
  { name: 'yaml', code: "export * from 'yaml'", loaded: 'every command (answers file)' },
  { name: 'diff', code: "export { createTwoFilesPatch } from 'diff'", loaded: 'every command (the Tree)' },
  { name: 'handlebars', code: "export { default } from 'handlebars'", loaded: 'init, account, role, workflows' },
  { name: 'node-plop', code: "export { default } from 'node-plop'", loaded: 'init, account, role, workflows' },
  { name: 'execa', code: "export { execa } from 'execa'", loaded: 'interactive init (git, gh), merges' },
  { name: '@inquirer/prompts', code: "export * from '@inquirer/prompts'", loaded: 'a terminal, at the first question' },
];

const TIMER = join(work, 'timer.mjs');
writeFileSync(TIMER, 'const t = performance.now(); await import(process.argv[2]); process.stdout.write(String(performance.now() - t));\n');

async function bundle(subject, variant) {
  const outfile = join(work, `${subject.name.replace(/[^a-z0-9]+/gi, '-')}-${variant}.mjs`);
  await build({
    ...BUNDLE_OPTIONS,
    ...(variant === 'as-is' ? { plugins: [] } : {}),
    stdin: { contents: subject.code, resolveDir: BUNDLE_OPTIONS.absWorkingDir, loader: 'ts' },
    outfile,
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  return outfile;
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows = [];
for (const subject of SUBJECTS) {
  for (const variant of ['bundled', 'as-is']) {
    let file;
    try {
      file = await bundle(subject, variant);
    } catch (error) {
      rows.push({ subject, variant, error: String(error.message).split('\n')[0] });
      continue;
    }
    rows.push({ subject, variant, file, bytes: statSync(file).size, times: [] });
  }
}
for (let round = 0; round < RUNS; round++)
  for (const row of rows.filter((r) => r.file)) {
    const result = spawnSync(process.execPath, [TIMER, pathToFileURL(row.file).href], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    if (result.status !== 0) row.error = result.stderr.split('\n').find((l) => /Error/.test(l)) ?? `exit ${result.status}`;
    else row.times.push(Number(result.stdout));
  }

const table = [['import', 'loaded on', 'as bundled', 'as the package comes']];
for (const subject of SUBJECTS) {
  const cell = (variant) => {
    const row = rows.find((r) => r.subject === subject && r.variant === variant);
    if (row.error) return `fails: ${row.error.slice(0, 40)}`;
    return `${median(row.times).toFixed(1)} ms, ${(row.bytes / 1024).toFixed(0)} kB`;
  };
  table.push([subject.name, subject.loaded, cell('bundled'), cell('as-is')]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`import cost, median of ${RUNS} fresh processes each (time of await import(), minified bundle size), node ${process.version}`);
console.log(line(table[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of table.slice(1)) console.log(line(r));
rmSync(work, { recursive: true, force: true });
