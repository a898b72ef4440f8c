#!/usr/bin/env node
/**
 * `node scripts/mutant-recheck.mjs MODULE [options]`: apply each mutant that survived the last
 * `npm run mutation` of MODULE to its file, one at a time, run the tests, and say which ones the
 * tests now kill. Used after new tests are written, so a survivor is recorded as "killed by" only
 * when it was seen to fail them. The file is restored after each mutant (and on Ctrl-C).
 *
 *   --json FILE        Stryker's JSON (default reports/mutation/MODULE.json, else its line-range parts)
 *   --lines A-B        only mutants starting on these lines
 *   --tests REGEX      the test files to run (uvu pattern); default: the module's command
 *   --record "TEXT"    write "killed by TEXT" into the notes file for each killed one
 *   --notes FILE       the notes file (default bench/mutation-equivalents.json; the report reads that one)
 *   --list             only list the survivors (line, mutator, replacement, source line), run nothing
 *
 * The file must still be the source the JSON was made from (mutant locations are offsets into it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULES, moduleJson, mutantKey } from './mutation-modules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const name = args[0];
if (!name || !MODULES[name]) {
  console.error(`usage: mutant-recheck MODULE [--json FILE] [--lines A-B] [--tests REGEX] [--record TEXT] [--list]; MODULE one of ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}
const { file } = MODULES[name];
const jsonFiles = option('--json') ? [option('--json')] : moduleJson(root, name).files;
if (!jsonFiles.length) {
  console.error(`no Stryker JSON for ${name}: run npm run mutation -- ${name} first`);
  process.exit(2);
}
const results = jsonFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')).files[file]);
const source = results[0].source;
const abs = join(root, file);
if (readFileSync(abs, 'utf8') !== source) {
  console.error(`${file} changed since the mutation run: the mutant locations no longer apply; measure again`);
  process.exit(2);
}
const [from, to] = (option('--lines') ?? '1-999999').split('-').map(Number);
const lines = source.split('\n');
const survivors = results
  .flatMap((r) => r.mutants)
  .filter((m) => (m.status === 'Survived' || m.status === 'NoCoverage') && m.location.start.line >= from && m.location.start.line <= to)
  .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);

if (args.includes('--list')) {
  for (const m of survivors) console.log(`${m.location.start.line}:${m.location.start.column} ${m.mutatorName} => ${JSON.stringify(m.replacement ?? '')}\n    ${lines[m.location.start.line - 1].trim()}`);
  console.log(`${survivors.length} survivors`);
  process.exit(0);
}

/** Offset of a 1-based line and column in `source`. */
const lineStarts = [0];
for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
const offset = ({ line, column }) => lineStarts[line - 1] + column - 1;

const tests = option('--tests');
const command = tests ? `node --import tsx node_modules/uvu/bin.js test '${tests}' --bail` : MODULES[name].command;
const restore = () => writeFileSync(abs, source);
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

const notesFile = option('--notes') ?? join(root, 'bench/mutation-equivalents.json');
const notes = existsSync(notesFile) ? JSON.parse(readFileSync(notesFile, 'utf8')) : {};
const record = option('--record');
let killed = 0;
const alive = [];
try {
  for (const m of survivors) {
    const mutated = source.slice(0, offset(m.location.start)) + (m.replacement ?? '') + source.slice(offset(m.location.end));
    writeFileSync(abs, mutated);
    const run = spawnSync('sh', ['-c', command], { cwd: root, stdio: 'ignore', timeout: 120000, env: { ...process.env, TRUST_TF_SEED: '1', TRUST_SIM_SEED: '1', TRUST_SIM_RUNS: '600' } });
    const dead = run.status !== 0;
    const where = `${m.location.start.line}:${m.location.start.column} ${m.mutatorName} => ${JSON.stringify(m.replacement ?? '')}`;
    if (dead) {
      killed++;
      if (record) (notes[name] ??= {})[mutantKey(m, lines)] = `killed by ${record}`;
    } else alive.push(`${where}\n    ${lines[m.location.start.line - 1].trim()}`);
    console.log(`${dead ? 'killed ' : 'ALIVE  '} ${where}`);
  }
} finally {
  restore();
}
if (record) writeFileSync(notesFile, JSON.stringify(notes, null, 1) + '\n');
console.log(`\n${killed} of ${survivors.length} survivors killed by: ${command}`);
if (alive.length) console.log(`still alive:\n${alive.join('\n')}`);
