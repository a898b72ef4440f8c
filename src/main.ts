/** Process entry: real streams, a real prompt only on a terminal, exit with the command's code. */
import { main } from './cli.ts';
import type { Prompter } from './context.ts';

const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
let prompter: Prompter | null = null;
if (interactive) {
  const { inquirerPrompter } = await import('./prompts.ts');
  const real = await inquirerPrompter();
  prompter = real;
}
const code = await main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  prompter,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
