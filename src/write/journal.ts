/**
 * The write journal: how a flush survives the death of its process at any instruction (SIGKILL,
 * OOM killer, a closed laptop lid), not only the failures it sees.
 *
 * `DIR/.atmos-oidc.journal` names every step of one flush before that step touches a target:
 * - `prepare`: written first, before any directory, temporary file or backup exists. Then each new
 *   content goes to `PATH.atmos-oidc-PID.tmp`, and each file about to be replaced or removed gets a
 *   second name, `PATH.atmos-oidc-PID.bak` (a hard link: same bytes, same mode, no copy).
 * - `commit`: the journal is replaced (write beside it, rename over it: atomic) once every temporary
 *   file and backup is in place. This is the point of no return.
 * - the renames and removals; then the backups and the journal are removed.
 * - `rollback`: written when a rename fails in process, before the renamed files are put back.
 *
 * The next run that takes the lock calls `recoverInterrupted` before it reads anything: a journal in
 * `prepare` or `rollback` is rolled back (backups renamed back, created files and directories and
 * temporary files removed), one in `commit` is rolled forward (the remaining renames and removals
 * done). Every step is idempotent, so a death during recovery is recovered the same way. The result
 * is, byte for byte, the tree before the interrupted run or the tree it meant to write.
 *
 * A power loss can also drop writes the kernel had not yet put on disk, so the order above is made
 * durable with fsync: each temporary file, backup copy and the journal's own bytes before the rename
 * that commits the journal; the directories that gain or lose a name after their renames, before the
 * backups go. A file system that cannot fsync a directory (EINVAL, EISDIR, EPERM) is taken at its word.
 */
import * as nodeFs from 'node:fs';
import { dirname, join } from 'node:path';
import { branded } from '../answers/validate.ts';

export const JOURNAL_FILE = '.atmos-oidc.journal';
const JOURNAL_TEMP = `${JOURNAL_FILE}.tmp`;

export interface JournalStep {
  /** The target, relative to DIR with "/" separators. */
  path: string;
  /** The new content waiting to be renamed over `path`; null for a removal. */
  temp: string | null;
  /** A second name of the file `path` held before; null when `path` is created. */
  backup: string | null;
}

export interface Journal {
  version: 1;
  pid: number;
  state: 'prepare' | 'commit' | 'rollback';
  /** Directories this flush creates, parents first. */
  dirs: string[];
  steps: JournalStep[];
}

/** The calls the journal makes; `Tree`'s file system (tests inject faults there). */
export type JournalFs = Pick<typeof nodeFs, 'readFileSync' | 'writeFileSync' | 'renameSync' | 'unlinkSync' | 'rmdirSync' | 'existsSync' | 'lstatSync'> &
  Partial<Pick<typeof nodeFs, 'openSync' | 'fsyncSync' | 'closeSync'>>;

/** Called before every call that changes the disk, with its 1-based index in the flush. */
export type BeforeOp = (index: number) => void;

/** The journal of one flush, and the counted, hookable way every change to the disk is made. */
export class JournalIo {
  readonly root: string;
  readonly fs: JournalFs;
  private readonly beforeOp: BeforeOp | undefined;
  private count = 0;

  constructor(root: string, fs: JournalFs, hooks: { beforeOp?: BeforeOp }) {
    this.root = root;
    this.fs = fs;
    this.beforeOp = hooks.beforeOp;
  }

  abs(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  /** One change to the disk. */
  op<T>(fn: () => T): T {
    this.beforeOp?.(++this.count);
    return fn();
  }

  /**
   * Put a file's bytes, or a directory's names, on disk before going on (fsync). Not a change to the
   * disk, so not counted. Errors other than "this file system cannot" are real and thrown.
   */
  sync(abs: string): void {
    const { openSync, fsyncSync, closeSync } = this.fs;
    if (!openSync || !fsyncSync || !closeSync) return;
    let fd: number;
    try {
      fd = openSync(abs, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      fsyncSync(fd);
    } catch (error) {
      if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF', 'ENOTSUP'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      closeSync(fd);
    }
  }

  /** fsync each distinct directory holding one of `paths` (relative), and DIR itself. */
  syncDirs(paths: string[]): void {
    const dirs = new Set([this.root, ...paths.map((p) => dirname(this.abs(p)))]);
    for (const dir of dirs) this.sync(dir);
  }

  /** Replace the journal atomically and durably: written beside it, synced, renamed over it, DIR synced. */
  write(journal: Journal): void {
    const temp = join(this.root, JOURNAL_TEMP);
    this.op(() => this.fs.writeFileSync(temp, `${JSON.stringify(journal)}\n`, { encoding: 'utf8', mode: 0o644 }));
    this.sync(temp);
    this.op(() => this.fs.renameSync(temp, join(this.root, JOURNAL_FILE)));
    this.sync(this.root);
  }

  remove(): void {
    this.op(() => removeIfPresent(this.fs, join(this.root, JOURNAL_FILE)));
    this.op(() => removeIfPresent(this.fs, join(this.root, JOURNAL_TEMP)));
  }
}

export function removeIfPresent(fs: Pick<JournalFs, 'unlinkSync'>, abs: string): void {
  try {
    fs.unlinkSync(abs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function present(fs: JournalFs, abs: string): boolean {
  try {
    fs.lstatSync(abs);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Put back the tree as it was before the flush. Returns the targets that could not be restored
 * (then the journal stays, in `rollback`, so the next run tries again).
 */
export function rollBack(io: JournalIo, journal: Journal): string[] {
  const { fs } = io;
  const stuck: string[] = [];
  for (const step of journal.steps.slice().reverse()) {
    try {
      if (step.backup !== null) {
        const backup = io.abs(step.backup);
        // When the target is still the backed-up file (same inode) rename does nothing; the unlink below drops the second name.
        if (present(fs, backup)) io.op(() => fs.renameSync(backup, io.abs(step.path)));
        io.op(() => removeIfPresent(fs, backup));
      } else if (step.temp !== null && !present(fs, io.abs(step.temp))) {
        // A created file whose temporary file is gone was renamed into place (or never written): remove it.
        io.op(() => removeIfPresent(fs, io.abs(step.path)));
      }
      if (step.temp !== null) io.op(() => removeIfPresent(fs, io.abs(step.temp!)));
    } catch {
      stuck.push(step.path);
    }
  }
  for (const dir of journal.dirs.slice().reverse()) {
    try {
      io.op(() => fs.rmdirSync(io.abs(dir)));
    } catch {
      /* not empty (a file of someone else's) or already gone */
    }
  }
  if (stuck.length) {
    try {
      io.write({ ...journal, state: 'rollback' });
    } catch {
      /* the journal on disk still says what to do */
    }
    return stuck.sort();
  }
  io.remove();
  return [];
}

/** Complete a committed flush: the renames and removals not yet done, then drop backups and journal. */
export function rollForward(io: JournalIo, journal: Journal): void {
  const { fs } = io;
  for (const step of journal.steps) {
    if (step.temp !== null) {
      if (present(fs, io.abs(step.temp))) io.op(() => fs.renameSync(io.abs(step.temp!), io.abs(step.path)));
    } else io.op(() => removeIfPresent(fs, io.abs(step.path)));
  }
  finish(io, journal);
}

/** After every rename: the renames made durable (their directories synced), then the backups and the journal go. */
export function finish(io: JournalIo, journal: Journal): void {
  io.syncDirs(journal.steps.map((s) => s.path));
  for (const step of journal.steps) if (step.backup !== null) io.op(() => removeIfPresent(io.fs, io.abs(step.backup!)));
  io.remove();
}

const RECOVERY_ERROR = Symbol.for('create-atmos-oidc.RecoveryError');

/** The journal of an interrupted run cannot be acted on: exit 1, nothing else is done. */
export class RecoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryError';
    Object.defineProperty(this, RECOVERY_ERROR, { value: true });
  }
  static [Symbol.hasInstance] = branded(RECOVERY_ERROR);
}

/** A journal names only files inside DIR, and only our own temporary names beside them. */
function validJournal(value: unknown): value is Journal {
  const j = value as Journal;
  const safe = (p: unknown): p is string => typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.includes('\\') && !p.split('/').some((x) => x === '' || x === '.' || x === '..');
  const ours = (step: JournalStep, name: string | null, ext: string): boolean => name === null || (safe(name) && name.startsWith(`${step.path}.atmos-oidc-`) && new RegExp(`^\\.atmos-oidc-\\d+\\.${ext}$`).test(name.slice(step.path.length)));
  return (
    typeof j === 'object' &&
    j !== null &&
    j.version === 1 &&
    ['prepare', 'commit', 'rollback'].includes(j.state) &&
    Array.isArray(j.dirs) &&
    j.dirs.every(safe) &&
    Array.isArray(j.steps) &&
    j.steps.every((s) => typeof s === 'object' && s !== null && safe(s.path) && ours(s, s.temp, 'tmp') && ours(s, s.backup, 'bak') && (s.temp !== null || s.backup !== null))
  );
}

/** Whether a directory above `rel` (inside `root`) is a symbolic link. */
function throughLink(fs: JournalFs, root: string, rel: string): boolean {
  let current = root;
  for (const part of rel.split('/').slice(0, -1)) {
    current = join(current, part);
    try {
      if (fs.lstatSync(current).isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/** Whether DIR holds the journal of an interrupted run (for commands that do not take the lock). */
export function interruptedRun(root: string, fs: Pick<JournalFs, 'existsSync'> = nodeFs): boolean {
  return fs.existsSync(join(root, JOURNAL_FILE));
}

/**
 * Called by a run holding DIR's lock before it reads DIR: finish or undo a flush that a dead
 * process left. Returns what was done, for the user, or null when there was nothing to do.
 */
export function recoverInterrupted(root: string, fs: JournalFs = nodeFs, hooks: { beforeOp?: BeforeOp } = {}): string | null {
  const io = new JournalIo(root, fs, hooks);
  const path = join(root, JOURNAL_FILE);
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8') as string;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new RecoveryError(`${JOURNAL_FILE} (the record of an interrupted run) cannot be read: ${code ?? messageOf(error)}`);
    // Died while writing the first journal: nothing else was touched yet.
    if (fs.existsSync(join(root, JOURNAL_TEMP))) io.op(() => removeIfPresent(fs, join(root, JOURNAL_TEMP)));
    return null;
  }
  let journal: unknown;
  try {
    journal = JSON.parse(text);
  } catch {
    journal = null;
  }
  if (!validJournal(journal))
    throw new RecoveryError(`${path} is not a journal this tool wrote; nothing was changed. Check the files it names, then delete it and run again.`);
  // Every target's directories as the journal's writer saw them: never through a symbolic link, so
  // a journal (a hostile one committed to the repository, say) cannot reach outside DIR.
  const linked = [...journal.dirs, ...journal.steps.map((s) => s.path)].find((p) => throughLink(fs, root, p));
  if (linked) throw new RecoveryError(`${path} names ${linked}, whose directory is reached through a symbolic link; nothing was changed. Check it, then delete the journal and run again.`);
  const pending = journal.steps.length;
  const s = pending === 1 ? '' : 's';
  if (journal.state === 'commit') {
    rollForward(io, journal);
    return `An earlier run (pid ${journal.pid}) was interrupted while writing ${pending} file${s}; its write was completed, so they are all its new version.\n`;
  }
  const stuck = rollBack(io, journal);
  if (stuck.length) throw new RecoveryError(`an earlier run (pid ${journal.pid}) was interrupted while writing, and these files could not be put back: ${stuck.join(', ')}; ${JOURNAL_FILE} is kept to try again`);
  return `An earlier run (pid ${journal.pid}) was interrupted before its write was committed; its ${pending} file${s} were put back as they were.\n`;
}
