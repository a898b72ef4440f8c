/** Drive the CLI in-process with captured output and an optional scripted prompt. */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/cli.ts';
import type { Prompter } from '../../src/cli/context.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GOLDEN_DIR = join(ROOT, 'test', 'golden');
export const SHARED_DIR = join(ROOT, '..', 'shared');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], options: { cwd?: string; prompter?: Prompter | null; env?: Record<string, string> } = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    prompter: options.prompter ?? null,
    env: options.env ?? {},
    cwd: options.cwd ?? ROOT,
  });
  return { code, stdout, stderr };
}

/**
 * One temporary root per test run: every temporary directory of the run, ours and those of the
 * processes and libraries the tests start (TMPDIR is inherited, and os.tmpdir() reads it), lands
 * under it, and it is removed when the process exits, however the tests ended. After a run nothing
 * new remains in the system temporary directory (test/temp-cleanup.test.ts proves it).
 */
export const RUN_ROOT = mkdtempSync(join(tmpdir(), 'atmos-oidc-tests-'));
process.env.TMPDIR = RUN_ROOT;
process.on('exit', () => {
  const left = readdirSync(RUN_ROOT).length;
  rmSync(RUN_ROOT, { recursive: true, force: true, maxRetries: 3 });
  if (process.env.ATMOS_OIDC_TEST_TMP_REPORT) process.stderr.write(`temp root: removed ${left} entries\n`);
});

export function tempDir(prefix = 'atmos-oidc-'): string {
  return mkdtempSync(join(RUN_ROOT, prefix));
}

/** Every file under `dir`, by relative path with "/" separators. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      if (name === '.git') continue;
      const abs = join(current, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else files.set(relative(dir, abs).split('\\').join('/'), readFileSync(abs, 'utf8'));
    }
  };
  try {
    walk(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The golden scenarios: `test/golden/<case>/answers.yaml` and the tree it must produce in `expected/`. */
export function goldenCases(): string[] {
  return readdirSync(GOLDEN_DIR).filter((name) => statSync(join(GOLDEN_DIR, name, 'answers.yaml'), { throwIfNoEntry: false })?.isFile()).sort();
}

/**
 * A golden case may start from an existing repository: `test/golden/<case>/before/` is copied into
 * the target first (an atmos.yaml of the user's, stacks that already configure a backend).
 */
export function seedGolden(name: string, dir: string): string {
  const before = join(GOLDEN_DIR, name, 'before');
  if (existsSync(before)) cpSync(before, dir, { recursive: true });
  return dir;
}

/** Render one golden case into a fresh directory and return that directory. */
export async function renderGolden(name: string): Promise<string> {
  const dir = seedGolden(name, tempDir(`golden-${name}-`));
  const result = await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, name, 'answers.yaml'), dir]);
  if (result.code !== 0) throw new Error(`golden case ${name} failed with ${result.code}: ${result.stderr}`);
  return dir;
}
