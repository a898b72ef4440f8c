/**
 * The command line: flags to options, errors to exit codes. Each command is a short list of steps
 * over an injected context; the work itself lives in the library modules.
 */
import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ANSWERS_FILE, parseAnswersText, readRecord, resolveAnswers, type Answers, type AnswersRecord, type RawAnswers } from '../answers/answers.ts';
import { Cancelled, commandHelp, Declined, getContext, globalHelp, type Context, type Io } from './context.ts';
import { answersFromFlags, renameToFlags } from './answer-flags.ts';
import type { PlanResult } from '../setup/plan.ts';
import type { Discovery } from '../atmos/inventory.ts';
import { nextSteps } from './next-steps.ts';
import { acquireLock, LockError, markWritten, type Lock } from '../write/lock.ts';
import { FlushError, flushHooksFromEnv, Tree, unifiedDiff } from '../write/tree.ts';
import { InputError } from '../answers/validate.ts';
import { FileRefused, readRegularFile } from '../atmos/safe-read.ts';
import { interruptedRun, RecoveryError, recoverInterrupted } from '../write/journal.ts';
import { VERSION } from '../setup/version.ts';
import { answersHistory } from '../write/history.ts';

export const EXIT = { ok: 0, failed: 1, declined: 1, usage: 2, cancelled: 130 } as const;

/** Read and strictly parse a YAML answers file; every failure is an input error naming the file. */
export function readAnswersFile(path: string, field = '--answers', root?: string): RawAnswers {
  let text: string | null;
  try {
    if (statSync(path).isDirectory()) throw new InputError({ field, value: path, allowed: 'expected a YAML file, found a directory' });
    // Only a regular file of sane size: a FIFO would hang the run, /dev/zero exhaust memory.
    text = readRegularFile(path, { root, shown: root ? relative(root, path) : path });
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (error instanceof FileRefused) throw new InputError({ field, value: path, allowed: `expected a readable YAML file; ${error.message}` });
    throw new InputError({ field, value: path, allowed: `expected a readable YAML file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
  }
  if (text === null) throw new InputError({ field, value: path, allowed: 'expected a readable YAML file (ENOENT)' });
  return parseAnswersText(text, field === '--answers' ? path : field);
}

/** The answers file already in the target, if any: what earlier runs answered and wrote. */
export function readPrevious(dir: string): AnswersRecord | null {
  const path = join(dir, ANSWERS_FILE);
  try {
    statSync(path);
  } catch {
    return null;
  }
  return readRecord(readAnswersFile(path, ANSWERS_FILE, dir), ANSWERS_FILE);
}


/**
 * Gather raw answers, lowest first: the previous answers file, `--answers`, the answer flags
 * (`--repository`, `--account`, `--set`); then prompts for what is missing, or, without prompts, the
 * git remote for a missing repository (as the prompt and `check` use it). In a set-up repository a
 * terminal run asks every question again with the recorded answers as defaults.
 */
async function gatherAnswers(ctx: Context, previous: AnswersRecord | null, inferred: RawAnswers = {}): Promise<Answers> {
  let raw: RawAnswers = { ...inferred };
  if (previous) raw = { ...previous.answers };
  let extraRoles: Answers['roles'] = [];
  const flags = answersFromFlags({ repository: ctx.repository, accounts: ctx.accounts, sets: ctx.sets });
  let given: RawAnswers = {};
  if (ctx.answersFile) {
    given = readAnswersFile(ctx.answersFile);
    delete given.files;
    delete given.generator;
    delete given.adopted;
  }
  given = { ...given, ...flags.raw };
  const canPrompt = ctx.io.prompter !== null && !ctx.yes;
  const reask = Boolean(previous && canPrompt);
  if (previous && !reask) extraRoles = rederiveRoles(given, previous);
  raw = { ...raw, ...given };
  if (canPrompt && ctx.io.prompter) {
    const { promptMissing } = await import('./prompts.ts');
    if (reask && previous) {
      // Asked again: what flags or --answers gave is kept, the rest is asked with the recorded
      // answer as the default; the setup's roles are derived again when an answer they come from changes.
      const asked = await promptMissing(given, ctx.io.prompter, { dir: ctx.dir, defaults: previous.answers });
      extraRoles = rederiveRoles(asked, previous);
      raw = { ...previous.answers, ...asked };
    } else {
      raw = await promptMissing(raw, ctx.io.prompter, { dir: ctx.dir });
    }
  } else if (raw.repository === undefined) {
    const { gitOriginUrl, repositoryFromRemote } = await import('./prompts.ts');
    const url = await gitOriginUrl(ctx.dir);
    const fromRemote = url ? repositoryFromRemote(url) : null;
    if (fromRemote) {
      raw.repository = fromRemote;
      ctx.io.stderr(`repository: ${fromRemote} (from git remote origin; --repository OWNER/REPO to change)\n`);
    }
  }
  const missing = (['repository', 'accounts'] as const).filter((k) => raw[k] === undefined);
  if (missing.length)
    throw new InputError(
      missing.map((field) => ({
        field,
        value: undefined,
        allowed: `required, and --yes (or a stdin that is not a terminal) means no prompt: give it as ${field === 'accounts' ? '--account STAGE=ID (once per account)' : '--repository OWNER/REPO'} or in the --answers file${field === 'repository' ? ' (no git remote origin on GitHub was found)' : ''}`,
      })),
    );
  try {
    const answers = resolveAnswers(raw);
    return extraRoles.length ? resolveAnswers({ ...answers, roles: [...answers.roles, ...extraRoles] }) : answers;
  } catch (error) {
    if (error instanceof InputError) throw renameToFlags(error, flags.labels);
    throw error;
  }
}

/** Answers the setup's own roles derive from. */
const ROLE_SOURCES = ['setup', 'repository', 'namespace', 'apply_environment', 'region'] as const;

function changedRoleSource(given: RawAnswers, previous: AnswersRecord): boolean {
  return ROLE_SOURCES.some((k) => given[k] !== undefined && given[k] !== previous.answers[k]);
}

/**
 * The setup's own roles derive from these answers: when one changes and no roles are given, they are
 * derived again (`given.roles = []`), keeping the roles added with `role` (used by no generated job),
 * which are returned.
 */
function rederiveRoles(given: RawAnswers, previous: AnswersRecord): Answers['roles'] {
  if (given.roles !== undefined || !changedRoleSource(given, previous)) return [];
  given.roles = [];
  return previous.answers.roles.filter((r) => r.used_for.length === 0);
}

const said = new WeakMap<Context, Set<string>>();

/** Print a warning once per run, however many steps arrive at it. */
export function warn(ctx: Context, message: string): void {
  const seen = said.get(ctx) ?? new Set<string>();
  said.set(ctx, seen);
  if (seen.has(message)) return;
  seen.add(message);
  ctx.io.stderr(`warning: ${message}\n`);
}

/**
 * Check findings that repeat, for the files this run plans, what the run has said already: the trust
 * entry warnings (printed from the answers, as `warning:` lines) and an administrator role the
 * answers chose to open (the trust warning, and for the basic setup the closing paragraph, say so).
 */
const SAID_BY_THE_RUN = new Set(['trust-entry-pull-request', 'trust-entry-all-branches', 'trust-entry-org-wildcard', 'admin-from-pull-request', 'admin-from-any-branch']);

function printPlan(ctx: Context, tree: Tree): void {
  const out = ctx.io.stdout;
  for (const change of tree.changes()) {
    out(`  ${change.kind.padEnd(9)} ${change.path}${change.reason ? `  (${change.reason})` : ''}\n`);
    if (change.detail) out(indent(`Conflicting hunks (<<<<<<< your edit, >>>>>>> generated now):\n${change.detail}\nWhat --force would write instead of your file:`));
    // --force prints every diff it writes, before writing: what a conflict's diff showed is what it writes.
    if ((ctx.dryRun && change.kind !== 'unchanged') || change.kind === 'conflict' || (ctx.force && (change.kind === 'update' || change.kind === 'delete')))
      out(indent(unifiedDiff(change)));
  }
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '    ').replace(/\n*$/, '\n');
}

/**
 * Prove the planned repository before anything is written: a setup whose trust chain has an error
 * is refused. Returns false (after reporting) to stop the run with exit 1.
 */
async function verifyPlan(ctx: Context, tree: Tree, plan: PlanResult): Promise<boolean> {
  const { additionsFromAdvice, checkRepository, formatFinding } = await import('../check/index.ts');
  // An existing atmos.yaml is left alone and the keys it lacks are printed: check the setup as it
  // will be once they are added.
  const result = checkRepository(tree, { atmosConfigAdditions: additionsFromAdvice(plan.atmosConfigAdvice), atmosConfig: { env: ctx.io.env } });
  // Block on errors that involve a file this run writes (or leaves as planned); an error elsewhere
  // in the user's repository was there before this run and is reported without blocking it.
  // Warnings never block: they include choices the user made with the tool (setup basic).
  const planned = new Set(tree.changes().filter((c) => c.kind !== 'conflict').map((c) => c.path));
  const involvesPlan = (f: (typeof result.findings)[number]): boolean => planned.has(f.file) || (f.related ?? []).some((p) => planned.has(p));
  const blocking = result.findings.filter((f) => f.severity === 'error' && involvesPlan(f));
  const others = result.findings.filter((f) => !blocking.includes(f) && !(f.severity === 'warning' && SAID_BY_THE_RUN.has(f.code) && involvesPlan(f)));
  for (const f of others) ctx.io.stderr(`check ${f.severity}${f.severity === 'error' ? ' (in a file this run does not write)' : ''}:\n${formatFinding(f)}`);
  if (!blocking.length) return true;
  const s = blocking.length === 1 ? '' : 's';
  ctx.io.stderr(`\nNothing was written: check found ${blocking.length} error${s} in the trust chain of this setup:\n${blocking.map(formatFinding).join('')}`);
  ctx.io.stderr('Change the answers (or the files named above) and run again; `create-atmos-oidc check DIR` shows every chain.\n');
  return false;
}

/**
 * In a terminal, show what will be written and who can assume what, and ask to go on. Never asks
 * with --yes or without a terminal, nor when nothing would be written; false means the user said no.
 */
async function confirmPlan(ctx: Context, tree: Tree, result: PlanResult): Promise<boolean> {
  const prompter = ctx.io.prompter;
  if (!prompter || ctx.yes || ctx.dryRun) return true;
  const changes = tree.changes();
  if (!changes.some((c) => c.kind === 'create' || c.kind === 'update')) return true;
  const [{ planSummary }, { palette }] = await Promise.all([import('./summary.ts'), import('./color.ts')]);
  ctx.io.stdout(`\n${planSummary(changes, result.model, palette(Boolean(prompter.color) && !ctx.noColor))}\n\n`);
  return prompter.confirm({ message: 'Write these files?', hint: 'no leaves the directory as it is', default: true });
}

/** Plan with the generator, report, and flush unless this is a dry run or a conflict remains. */
async function planAndWrite(
  ctx: Context,
  generator: 'init' | 'workflows' | 'account' | 'role',
  answers: Answers,
  previous: AnswersRecord | null,
  adopting: Discovery | null = null,
): Promise<number> {
  const tree = new Tree(ctx.dir, ctx.io.treeFs, flushHooksFromEnv(ctx.io.env, ctx.io.stderr));
  const { runGenerator } = await import('../../generators/index.ts');
  const baseCandidates = (): AsyncIterable<Answers> => answersHistory(ctx.dir);
  // An adopted repository is read again on every run: its stacks are the user's and may have moved on.
  const discovery = adopting ?? (previous?.adopted ? await discoverDir(ctx) : null);
  const result: PlanResult = await runGenerator(generator, { tree, answers, options: { force: ctx.force, conflict: ctx.conflict, previous, baseCandidates, discovery } });
  for (const warning of result.model.warnings) warn(ctx, warning.message);
  ctx.io.stdout(`${ctx.dryRun ? 'Would write' : 'Plan'} for ${ctx.dir}:\n`);
  printPlan(ctx, tree);
  if (tree.hasConflicts()) {
    ctx.io.stderr(
      '\nNothing was written: the files marked "conflict" differ from what create-atmos-oidc last wrote.\n' +
        'Resolve them yourself, or run again with --force to take the generated side of each conflicting region only\n' +
        '(the diff above is exactly what --force writes), or with --conflict inline to get git-style markers to resolve in an editor.\n',
    );
    return EXIT.failed;
  }
  // Files with conflict markers are not YAML until resolved: the trust chain is proven on the next run.
  if (!result.inlineConflicts.length && !(await verifyPlan(ctx, tree, result))) return EXIT.failed;
  if (ctx.dryRun) {
    ctx.io.stdout('\nDry run: nothing was written.\n');
    return EXIT.ok;
  }
  if (!(await confirmPlan(ctx, tree, result))) throw new Declined();
  tree.flush();
  markWritten(ctx.dir);
  const written = tree.changes().filter((c) => c.kind === 'create' || c.kind === 'update').length;
  const removed = tree.changes().filter((c) => c.kind === 'delete').length;
  ctx.io.stdout(`\nWrote ${written} file${written === 1 ? '' : 's'}${removed ? `, removed ${removed}` : ''}.\n\n`);
  if (result.inlineConflicts.length) {
    const s = result.inlineConflicts.length === 1 ? '' : 's';
    ctx.io.stderr(
      `${result.inlineConflicts.length} file${s} now hold${s ? '' : 's'} conflict markers (<<<<<<< your edit, >>>>>>> generated now):\n` +
        result.inlineConflicts.map((c) => `  ${c.path}  (${c.reason})\n`).join('') +
        'Resolve them in an editor, then run again: a file with markers left is refused.\n',
    );
    return EXIT.failed;
  }
  if (generator !== 'workflows') {
    const focus = generator === 'account' ? { stage: answers.accounts.at(-1)?.stage } : generator === 'role' ? { role: answers.roles.at(-1)?.name } : {};
    ctx.io.stdout(
      `${nextSteps(result.model, result.atmosConfigAdvice, focus, { atmosConfigAdded: result.atmosConfigAdded, atmosConfigFile: result.atmosConfigFile, existingBackendFile: result.existingBackend?.file ?? null })}\n`,
    );
  }
  return EXIT.ok;
}

async function discoverDir(ctx: Context): Promise<Discovery> {
  const [{ discover }, { diskRepo }] = await Promise.all([import('../atmos/inventory.ts'), import('../atmos/repo.ts')]);
  return discover(diskRepo(ctx.dir), { env: ctx.io.env });
}

async function runInit(ctx: Context): Promise<number> {
  const previous = readPrevious(ctx.dir);
  if (previous && !previous.adopted) return planAndWrite(ctx, 'init', await gatherAnswers(ctx, previous), previous);
  const discovery = await discoverDir(ctx);
  const { hasAtmos, inferAnswers, refuseUnsafe } = await import('../setup/adopt.ts');
  if (!previous && !hasAtmos(discovery)) return planAndWrite(ctx, 'init', await gatherAnswers(ctx, previous), previous);
  // A repository with Atmos of its own: adopt it, with the answers its stacks already give.
  refuseUnsafe(discovery);
  const inference = inferAnswers(discovery);
  if (!previous) {
    const { describeInference } = await import('./summary.ts');
    ctx.io.stdout(describeInference(discovery, inference));
  }
  let inferred = inference.raw;
  const prompter = ctx.io.prompter;
  if (!previous && prompter && !ctx.yes && Object.keys(inferred).length && !(await prompter.confirm({ message: 'Use these answers?', hint: 'no asks for each of them', default: true })))
    inferred = {};
  const answers = await gatherAnswers(ctx, previous, inferred);
  return planAndWrite(ctx, 'init', answers, previous, discovery);
}

async function runWorkflows(ctx: Context): Promise<number> {
  const previous = readPrevious(ctx.dir);
  if (!previous)
    throw new InputError({ field: ANSWERS_FILE, value: join(ctx.dir, ANSWERS_FILE), allowed: 'expected the answers file of an earlier `create-atmos-oidc init` in DIR' });
  return planAndWrite(ctx, 'workflows', previous.answers, previous);
}

/** Run one invocation; returns the exit code. Never throws for expected failures. */
export async function main(argv: string[], io: Io): Promise<number> {
  let ctx: Context;
  try {
    const parsed = getContext(argv, io);
    if ('help' in parsed && parsed.help === true && !('io' in parsed)) {
      io.stdout(parsed.command ? commandHelp(parsed.command) : globalHelp());
      return EXIT.ok;
    }
    ctx = parsed as Context;
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  for (const warning of ctx.warnings) warn(ctx, warning);
  if (ctx.version) {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  // A command that writes holds DIR's lock from before it reads DIR until it ends (src/write/lock.ts).
  let lock: Lock | null = null;
  try {
    if (ctx.command !== 'check' && !ctx.dryRun) {
      lock = acquireLock(ctx.dir, ctx.command);
      // A run killed mid-write left a journal: finish or undo that write before reading anything.
      const recovered = recoverInterrupted(ctx.dir);
      if (recovered) io.stderr(recovered);
    } else if (interruptedRun(ctx.dir))
      io.stderr(`warning: an interrupted run left ${ctx.dir} part-written (.atmos-oidc.journal); the next run that writes completes or undoes it first.\n`);
    switch (ctx.command) {
      case 'init':
        return await runInit(ctx);
      case 'workflows':
        return await runWorkflows(ctx);
      default: {
        const { runDayTwo } = await import('./commands.ts');
        return await runDayTwo(ctx, { gatherPrevious: readPrevious, planAndWrite, warn });
      }
    }
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`error: ${error.message.split('\n').join('\nerror: ')}\nNothing was written.\n`);
      return EXIT.usage;
    }
    if (error instanceof Declined) {
      io.stderr('Declined: nothing was written.\n');
      return EXIT.declined;
    }
    if (error instanceof Cancelled) {
      io.stderr('Cancelled: nothing was written.\n');
      return EXIT.cancelled;
    }
    if (error instanceof FlushError) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof FileRefused) {
      io.stderr(`error: ${error.message}\nNothing was written.\n`);
      return EXIT.usage;
    }
    if (error instanceof RecoveryError) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof LockError) {
      io.stderr(`error: ${error.message}\nNothing was written.\n`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    lock?.release();
  }
}
