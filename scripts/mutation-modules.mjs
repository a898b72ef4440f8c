/** The modules `npm run mutation` measures, shared by scripts/mutation.mjs and scripts/mutant-recheck.mjs. */
const uvu = (...files) => `node --import tsx node_modules/uvu/bin.js test '^(${files.join('|')})\\.test\\.ts$' --bail`;

/** Module → the file Stryker mutates and the tests that must catch its mutants. */
export const MODULES = {
  trust: { file: 'src/setup/trust.ts', command: uvu('trust-rules', 'trust-simulator', 'trust-terraform'), before: uvu('check-simulator') },
  validate: { file: 'src/answers/validate.ts', command: uvu('validate-rules'), before: uvu('paths', 'workflow-security') },
  answers: { file: 'src/answers/answers.ts', command: uvu('answers-rules', 'validate-rules'), before: uvu('check-yaml', 'workflow-security') },
  roles: { file: 'src/check/roles.ts', command: uvu('roles-rules', 'chains-rules'), before: uvu('check-resolver') },
  chains: { file: 'src/check/chains.ts', command: uvu('chains-[a-z-]+', 'roles-rules'), before: uvu('check-resolver', 'check-simulator') },
  merge: { file: 'src/write/merge.ts', command: uvu('merge-[a-z-]+') },
};


/** A key that survives line moves: mutator, the original source text of the line, the replacement. */
export function mutantKey(m, lines) {
  return `${m.mutatorName} @ ${lines[m.location.start.line - 1]?.trim()} => ${m.replacement ?? ''}`;
}
