/** The modules `npm run mutation` measures, shared by scripts/mutation.mjs and scripts/mutant-recheck.mjs. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const uvu = (...files) => `node --import tsx node_modules/uvu/bin.js test '^(${files.join('|')})\\.test\\.ts$' --bail`;

/**
 * Module → the file Stryker mutates and the tests that must catch its mutants. `parts`: line ranges
 * measured as separate runs (`npm run mutation -- chains` runs each), so one run stays under 20
 * minutes at MUTATION_CONCURRENCY=2 on two idle cores; together they cover the whole file.
 */
export const MODULES = {
  trust: { file: 'src/setup/trust.ts', command: uvu('trust-rules', 'trust-simulator', 'trust-terraform'), before: uvu('check-simulator') },
  validate: { file: 'src/answers/validate.ts', command: uvu('validate-rules'), before: uvu('paths', 'workflow-security') },
  answers: { file: 'src/answers/answers.ts', command: uvu('answers-rules', 'validate-rules'), before: uvu('check-yaml', 'workflow-security') },
  roles: { file: 'src/check/roles.ts', command: uvu('roles-rules', 'chains-rules'), before: uvu('check-resolver'), parts: ['1-260', '261-99999'] },
  chains: { file: 'src/check/chains.ts', command: uvu('chains-[a-z-]+', 'roles-rules'), before: uvu('check-resolver', 'check-simulator'), parts: ['1-520', '521-800', '801-99999'] },
  merge: { file: 'src/write/merge.ts', command: uvu('merge-[a-z-]+'), parts: ['1-480', '481-99999'] },
};


/** A key that survives line moves: mutator, the original source text of the line, the replacement. */
export function mutantKey(m, lines) {
  return `${m.mutatorName} @ ${lines[m.location.start.line - 1]?.trim()} => ${m.replacement ?? ''}`;
}

/**
 * The Stryker JSON files that measure a module, newest first in kind: its configured parts when all
 * are there and newer than a whole-module run, else the whole-module run, else whatever line ranges
 * were run (`complete` false: the rest of the file is not measured).
 */
export function moduleJson(root, name) {
  const dir = join(root, 'reports/mutation');
  const whole = join(dir, `${name}.json`);
  const mtime = (f) => statSync(f).mtimeMs;
  const parts = (MODULES[name].parts ?? []).map((range) => join(dir, `${name}@${range}.json`));
  if (parts.length && parts.every((f) => existsSync(f)) && (!existsSync(whole) || Math.min(...parts.map(mtime)) > mtime(whole)))
    return { files: parts, runs: MODULES[name].parts.map((range) => `${name}@${range}`), complete: true };
  if (existsSync(whole)) return { files: [whole], runs: [name], complete: true };
  const ranges = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${name}@`) && f.endsWith('.json') && !f.includes('.stryker.') && !f.includes('.baseline.')) : [];
  return { files: ranges.map((f) => join(dir, f)), runs: ranges.map((f) => f.slice(0, -5)), complete: false };
}
