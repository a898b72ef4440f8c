/**
 * For contributors: `NODE_OPTIONS='--import tsx' npx plop scaffold` runs the same generators as the
 * CLI, from an answers file into a directory, with plop's own prompts. Users run
 * `create-atmos-oidc` instead, which adds the checks, the conflict report and the exit codes.
 */
import type { NodePlopAPI } from 'node-plop';
import { readAnswersFile, readPrevious } from './src/cli/cli.ts';
import { resolveAnswers } from './src/answers/answers.ts';
import { Tree } from './src/write/tree.ts';
import { answersHistory } from './src/write/history.ts';
import { registerGenerators, type GeneratorData } from './generators/index.ts';

export default function plopfile(plop: NodePlopAPI): void {
  registerGenerators(plop);
  plop.setActionType('atmos-oidc:load', (raw) => {
    const data = raw as unknown as GeneratorData & { answersFile: string; dir: string };
    data.tree = new Tree(data.dir);
    data.answers = resolveAnswers(readAnswersFile(data.answersFile));
    data.options = { force: false, previous: readPrevious(data.dir), baseCandidates: () => answersHistory(data.dir) };
    return `${data.answers.accounts.length} account(s), setup ${data.answers.setup}`;
  });
  plop.setGenerator('scaffold', {
    description: 'Render a setup from an answers file into a directory (contributors)',
    prompts: [
      { type: 'input', name: 'answersFile', message: 'Answers file', default: 'examples/advanced.yaml' },
      { type: 'input', name: 'dir', message: 'Target directory', default: '/tmp/atmos-oidc-plop' },
    ],
    actions: [{ type: 'atmos-oidc:load' }, { type: 'atmos-oidc:plan' }, { type: 'atmos-oidc:flush' }],
  });
}
