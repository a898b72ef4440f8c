/**
 * Process entry: real streams, a real prompt only on a terminal, exit with the command's code.
 * The prompt library is loaded on the first question, never for `--help`, `--version`, `--yes`
 * or `check`; when a run may ask, loading starts at once, alongside the work before the first
 * question (reading DIR, asking git for the origin).
 */
import { main } from './cli.ts';
import { colorSupported } from './color.ts';
import { verdictFor } from './guard.ts';
import type { Prompter } from './context.ts';

/** A prompter that loads `@inquirer/prompts` (through `prompts.ts`) when first asked, or when `preload` is called. */
function lazyPrompter(): Prompter & { preload(): void } {
  let real: Promise<Prompter> | null = null;
  const load = (): Promise<Prompter> => (real ??= import('./prompts.ts').then((m) => m.inquirerPrompter()));
  return {
    color: colorSupported(process.stdout, process.env),
    preload: () => void load().catch(() => undefined),
    input: async (o) => (await load()).input(o),
    confirm: async (o) => (await load()).confirm(o),
    select: async (o) => (await load()).select(o),
    search: async (o) => {
      const prompter = await load();
      return prompter.search ? prompter.search(o) : prompter.select(o);
    },
  };
}

/** Whether this command line can reach a question (only decides when loading starts, never whether). */
function mayPrompt(argv: string[]): boolean {
  if (argv.some((a) => ['-h', '--help', '-v', '--version', '-y', '--yes'].includes(a))) return false;
  const command = argv.find((a) => !a.startsWith('-'));
  return command !== 'check' && command !== 'help';
}

const argv = process.argv.slice(2);
// --no-color means what NO_COLOR means, for our palette and for anything the prompt library draws.
if (argv.includes('--no-color')) {
  process.env.NO_COLOR = '1';
  delete process.env.FORCE_COLOR;
}
const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
let prompter: Prompter | null = null;
if (interactive) {
  const lazy = lazyPrompter();
  if (mayPrompt(argv)) lazy.preload();
  prompter = lazy;
}
// A reader that goes away (`| head`, a closed terminal) must not turn finished work into a crash:
// output stops, and the run ends with the code its work earned.
const closed = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr'] as const)
  process[name].on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    closed[name] = true;
  });
const write = (name: 'stdout' | 'stderr') => (text: string): void => {
  if (!closed[name]) process[name].write(text);
};
const fail = (error: unknown): void => {
  const verdict = verdictFor(error);
  write('stderr')(`${verdict.message}\n`);
  process.exit(verdict.code);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
try {
  process.exitCode = await main(argv, { stdout: write('stdout'), stderr: write('stderr'), prompter, env: process.env, cwd: process.cwd() });
} catch (error) {
  fail(error);
}
