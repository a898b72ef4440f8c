#!/usr/bin/env node
/**
 * `npm run mutation [-- MODULE...]`: StrykerJS over the modules whose mistakes would give a wrong
 * trust verdict or a lost edit, one module at a time, each against a focused test command (the test
 * files that exercise it), concurrency 1 (the machine is shared). Writes reports/mutation/MODULE.json
 * (Stryker's JSON, gitignored) and then bench/mutation.md from every module's latest JSON, with each
 * surviving mutant explained from bench/mutation-equivalents.json. Not part of `npm test`.
 *
 *   npm run mutation                 every module below
 *   npm run mutation -- trust roles  only these
 *   npm run mutation -- chains:1-300 one line range of a module (a large module measured in parts;
 *                                    the report adds up the parts)
 *   npm run mutation -- --report     only rewrite bench/mutation.md from the JSON already there
 *   MUTATION_CONCURRENCY=2 npm run mutation -- chains   two test processes at a time (an idle machine)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULES, moduleJson, mutantKey } from './mutation-modules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const reportOnly = args.includes('--report');
// --baseline: measure with the tests that existed before issue 15 (`before`), and keep the survivors in
// bench/mutation-baseline.json so the report can say which of them the new tests kill.
const baselineRun = args.includes('--baseline');
const chosen = args.filter((a) => !a.startsWith('--'));
for (const name of chosen.map((c) => c.split(':')[0])) if (!MODULES[name]) {
  console.error(`unknown module "${name}": one of ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}
// A module named without a range runs as its configured parts, each a run of its own.
const names = (chosen.length ? chosen : Object.keys(MODULES)).flatMap((c) =>
  c.includes(':') || baselineRun || !MODULES[c].parts ? [c] : MODULES[c].parts.map((range) => `${c}:${range}`),
);

mkdirSync(join(root, 'reports/mutation'), { recursive: true });
if (args.includes('--record-baseline')) for (const name of names) recordBaseline(name);
else if (!reportOnly) {
  for (const chosenName of names) {
    const [name, range] = chosenName.split(':');
    const part = range ? `@${range}` : '';
    const { file } = MODULES[name];
    const command = baselineRun ? MODULES[name].before : MODULES[name].command;
    if (!command) { console.log(`mutation: ${name}: no baseline command, skipped`); continue; }
    if (!existsSync(join(root, file))) { console.log(`mutation: ${name}: ${file} is absent, skipped`); continue; }
    const config = {
      $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
      testRunner: 'command',
      commandRunner: { command },
      mutate: [range ? `${file}:${range}` : file],
      concurrency: Number(process.env.MUTATION_CONCURRENCY) || 1,
      timeoutMS: 20000,
      timeoutFactor: 2,
      reporters: ['json', 'clear-text', 'progress'],
      jsonReporter: { fileName: `reports/mutation/${name}${part}${baselineRun ? '.baseline' : ''}.json` },
      tempDirName: `.stryker-tmp-${name}${part}-${process.pid}`,
      cleanTempDir: 'always',
      ignorePatterns: ['dist', 'reports', 'bench', '.workdir', '*.tgz', '.stryker-tmp*'],
      plugins: [],
    };
    const configFile = join(root, `reports/mutation/${name}${part}.stryker.json`);
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const started = Date.now();
    console.log(`mutation: ${name}${part}: ${file} against: ${command}`);
    // Fixed seeds, so every mutant meets the same generated cases; Terraform's answers cached per batch;
    // 100 random merge documents per run (not 300) so the merge module is measured in one sitting.
    const env = { ...process.env, TRUST_TF_SEED: '1', TRUST_SIM_SEED: '1', TRUST_SIM_RUNS: '600', PROPERTY_RUNS: '100', HAND_EDIT_RUNS: '3', TRUST_TF_CACHE: join(root, 'reports/mutation/terraform-cache') };
    const run = spawnSync(process.execPath, [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', configFile], { cwd: root, stdio: 'inherit', env });
    const minutes = ((Date.now() - started) / 60000).toFixed(1);
    const timings = existsSync(join(root, 'reports/mutation/timings.json')) ? JSON.parse(readFileSync(join(root, 'reports/mutation/timings.json'), 'utf8')) : {};
    timings[`${name}${part}`] = { minutes: Number(minutes), at: new Date().toISOString() };
    writeFileSync(join(root, 'reports/mutation/timings.json'), JSON.stringify(timings, null, 2));
    console.log(`mutation: ${name}: ${minutes} min, exit ${run.status}`);
    if (baselineRun && !part) recordBaseline(name);
  }
}
writeReport();

function recordBaseline(name) {
  const { file } = MODULES[name];
  const jsonFile = join(root, `reports/mutation/${name}.baseline.json`);
  if (!existsSync(jsonFile)) return;
  const result = JSON.parse(readFileSync(jsonFile, 'utf8')).files[file];
  const lines = result.source.split('\n');
  const survivors = result.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
  const killed = result.mutants.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
  const baselineFile = join(root, 'bench/mutation-baseline.json');
  const all = existsSync(baselineFile) ? JSON.parse(readFileSync(baselineFile, 'utf8')) : {};
  all[name] = {
    at: new Date().toISOString().slice(0, 16).replace('T', ' '),
    command: MODULES[name].before,
    score: (100 * killed) / (killed + survivors.length),
    survivors: survivors.map((m) => ({ line: m.location.start.line, mutator: m.mutatorName, replacement: m.replacement ?? '', key: mutantKey(m, lines) })),
  };
  writeFileSync(baselineFile, JSON.stringify(all, null, 1) + '\n');
}

/** bench/mutation.md: scores per module and every surviving mutant with its reason. */
function writeReport() {
  const notesFile = join(root, 'bench/mutation-equivalents.json');
  const notes = existsSync(notesFile) ? JSON.parse(readFileSync(notesFile, 'utf8')) : {};
  // Notes written in parallel (scripts/mutant-recheck.mjs --notes bench/mutation-notes-AREA.json) count too.
  for (const f of readdirSync(join(root, 'bench')).filter((x) => /^mutation-notes-.*\.json$/.test(x)).sort()) {
    for (const [module, entries] of Object.entries(JSON.parse(readFileSync(join(root, 'bench', f), 'utf8')))) notes[module] = { ...notes[module], ...entries };
  }
  const timingsFile = join(root, 'reports/mutation/timings.json');
  const timings = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : {};
  const baselineFile = join(root, 'bench/mutation-baseline.json');
  const baseline = existsSync(baselineFile) ? JSON.parse(readFileSync(baselineFile, 'utf8')) : {};
  const rows = [];
  const sections = [];
  for (const [name, { file, command }] of Object.entries(MODULES)) {
    // The module's configured parts, or its whole-module run, or whatever line ranges were measured.
    const measured = moduleJson(root, name);
    const jsonFiles = measured.files;
    if (!jsonFiles.length) {
      rows.push(`| ${name} | \`${file}\` | not measured |  |  |  |  |  |  |  |  |  |  |`);
      continue;
    }
    const results = jsonFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')).files[file]).filter(Boolean);
    if (!results.length) continue;
    const result = { source: results[0].source, mutants: results.flatMap((r) => r.mutants) };
    // Minutes per run: a module measured in parts shows each part's run.
    const minutesOf = measured.runs.map((run) => timings[run]?.minutes ?? '?').join(' + ');
    const partsNote = measured.complete ? (measured.runs.length > 1 ? ` (in ${measured.runs.length} runs: lines ${measured.runs.map((r) => r.slice(name.length + 1)).join(', ')})` : '') : ` (lines ${measured.runs.map((r) => r.slice(name.length + 1)).join(', ')} only; the rest of the file is not in this measure)`;
    const count = (status) => result.mutants.filter((m) => m.status === status).length;
    const killed = count('Killed') + count('Timeout');
    const survived = result.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
    const valid = killed + survived.length;
    const score = valid ? (100 * killed) / valid : 0;
    const lines = result.source.split('\n');
    const explained = survived.map((m) => {
      const key = mutantKey(m, lines);
      // A key shared by two mutants of one line (same mutator and replacement) can be told apart by column: "KEY #COLUMN".
      return { m, key, reason: notes[name]?.[`${key} #${m.location.start.column}`] ?? notes[name]?.[key] };
    });
    // A note starting "killed by" names a test added after this measurement that kills the mutant
    // (checked by applying the mutant by hand); any other note is the reason it is equivalent.
    // A note starting "open:" says why a survivor was not killed yet; it is not an equivalence.
    const isKill = (reason) => typeof reason === 'string' && reason.startsWith('killed by');
    const isOpen = (reason) => typeof reason === 'string' && reason.startsWith('open:');
    const equivalent = explained.filter((e) => e.reason && !isKill(e.reason) && !isOpen(e.reason)).length;
    const killedSince = explained.filter((e) => isKill(e.reason)).length;
    const unexplained = explained.filter((e) => !e.reason || isOpen(e.reason)).length;
    const scoreSince = valid ? (100 * (killed + killedSince)) / valid : 0;
    const scoreNet = valid - equivalent ? (100 * (killed + killedSince)) / (valid - equivalent) : 0;
    const before = baseline[name] ? `${baseline[name].score.toFixed(1)}%` : 'n/a';
    rows.push(`| ${name} | \`${file}\` | ${result.mutants.length} | ${killed} | ${survived.length} | ${killedSince} | ${equivalent} | ${unexplained} | ${before} | **${score.toFixed(1)}%** | ${scoreSince.toFixed(1)}% | ${scoreNet.toFixed(1)}% | ${minutesOf ?? '?'} |`);
    const body = [`### ${name}: \`${file}\`${partsNote}`, '', `Test command: \`${command}\``, ''];
    if (explained.length === 0) body.push('No surviving mutant.');
    else {
      body.push('| line | mutator | replacement | reason it survives |', '|---|---|---|---|');
      for (const { m, reason } of explained)
        body.push(`| ${m.location.start.line} | ${m.mutatorName} | \`${cell(m.replacement ?? '')}\` | ${reason ? (isKill(reason) ? cell(reason) : isOpen(reason) ? `**open** (needs a test): ${cell(reason.slice(5).trim())}` : `equivalent: ${cell(reason)}`) : '**not explained: needs a test**'} |`);
    }
    const gone = (baseline[name]?.survivors ?? []).filter((s) => !survived.some((m) => mutantKey(m, lines) === s.key));
    if (gone.length) {
      body.push('', `Survivors of the first measurement (${baseline[name].at}) that no longer survive (${gone.length}; killed by the tests above, or their line was rewritten):`, '');
      for (const s of gone) body.push(`- line ${s.line} ${s.mutator}: \`${cell(s.replacement)}\``);
    }
    sections.push(body.join('\n'));
  }
  const text = [
    '# Mutation testing',
    '',
    'Written by `npm run mutation` (StrykerJS 9, command runner, concurrency 1, one run per module or line range, against',
    'the focused test command named in its section). A killed mutant is one the tests turn red (or time out on).',
    'Score = killed / (killed + survived). "Equivalent" survivors change no behaviour a user or AWS can observe;',
    'each carries its reason, kept in `bench/mutation-equivalents.json` under the mutant\'s source text.',
    '"First score": the same module against tests that existed before issue 15, where measured (the command is in',
    '`bench/mutation-baseline.json`); issue 15 quotes the earlier figures (trust 64.6%, validate 83.4%, roles 57.9%,',
    'answers 83.0%) against every test importing each module.',
    '',
    'Survivors are then either killed by a test added after the run ("killed since", each applied by hand against',
    'that test), equivalent, or open; "score with those" counts the first as killed, "without equivalents" also leaves the',
    'equivalent ones out of the count. A run of `npm run mutation` measures afresh.',
    '',
    '| module | file | mutants | killed | survived | killed since | equivalent | open | first score | score | score with those | without equivalents | minutes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  writeFileSync(join(root, 'bench/mutation.md'), text);
  console.log(`mutation: wrote bench/mutation.md (${rows.length} modules)`);
}


function cell(s) {
  return String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 160);
}

