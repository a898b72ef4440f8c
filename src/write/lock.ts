/**
 * One run at a time per target directory. A command that writes takes a lock file before it reads
 * anything in DIR: where git does not list it, in the repository's git directory
 * (`.git/create-atmos-oidc.lock` for DIR at the root of a work tree; `…-<hash of DIR>.lock` for a
 * folder below it), else `DIR/.atmos-oidc.lock` when DIR is in no git repository. The lock is and gives it back when it ends, however it ends: normally, by an
 * error, or by SIGINT, SIGTERM or SIGHUP.
 *
 * - The lock file is created with O_EXCL (`wx`), so of two runs that start together exactly one gets
 *   it. It records the holder's pid, host, command and start time.
 * - A second run stops at once with exit code 1 (like an unresolved conflict: the input was fine,
 *   the directory was busy; running again later succeeds) and names the holder.
 * - A lock whose holder is gone (same host, no process with that pid) is stale: it is removed and
 *   taken. A lock from another host, or one that cannot be read, is left alone and the message says
 *   how to remove it by hand.
 * - From the first lock on, SIGINT, SIGTERM and SIGHUP are handled: held locks are released and the
 *   process exits with 128 + the signal number (130, 143, 129). The write itself (`Tree.flush`) is
 *   synchronous, so a signal that arrives during it is acted on only once every file is in place
 *   (or rolled back): the tree is never left half-written, and the message says which it was.
 * - When DIR does not exist yet, it is created to hold the lock and removed again on release if the
 *   run left it empty (a refused run leaves nothing behind).
 * - The lock appears whole or not at all: its content is written to a file of its own first, which
 *   is then hard-linked to the lock's name (link fails if the name exists, as O_EXCL does). A full
 *   disk therefore leaves no lock, not an empty one. An empty lock (from an older version, or a file
 *   system without hard links, where the lock is written in place) older than a few seconds is a
 *   write that died half-way: it is taken over.
 */
import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { branded, InputError } from '../answers/validate.ts';

/** The lock's name in DIR when DIR is in no git repository. */
export const LOCK_FILE = '.atmos-oidc.lock';
/** The lock's name in the git directory, for DIR at the root of the work tree. */
export const GIT_LOCK_FILE = 'create-atmos-oidc.lock';

/**
 * The git directory of the work tree holding `dir` (nearest existing ancestor upward), with that
 * work tree's root; null outside git. `.git` is a directory, or a file `gitdir: PATH` (linked work
 * trees, submodules), as git itself reads it (gitrepository-layout(5)).
 */
export function gitDirOf(dir: string): { gitDir: string; top: string } | null {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const dotGit = join(current, '.git');
    try {
      const st = statSync(dotGit);
      if (st.isDirectory()) return { gitDir: dotGit, top: current };
      if (st.isFile()) {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
        if (m) {
          const target = isAbsolute(m[1]) ? m[1] : resolve(current, m[1]);
          if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) return { gitDir: target, top: current };
        }
      }
    } catch {
      /* not here */
    }
    if (dirname(current) === current) return null;
  }
}

/** Where the lock for `dir` lives (see the top of this file). */
export function lockPath(dir: string): string {
  const root = resolve(dir);
  const git = gitDirOf(root);
  if (!git) return join(root, LOCK_FILE);
  const rel = relative(git.top, root);
  if (rel === '') return join(git.gitDir, GIT_LOCK_FILE);
  return join(git.gitDir, `create-atmos-oidc-${createHash('sha256').update(rel.split('\\').join('/')).digest('hex').slice(0, 16)}.lock`);
}

const LOCK_ERROR = Symbol.for('create-atmos-oidc.LockError');

/** Another run holds the directory: exit code 1, nothing written. */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
    Object.defineProperty(this, LOCK_ERROR, { value: true });
  }
  static [Symbol.hasInstance] = branded(LOCK_ERROR);
}

interface Holder {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface Lock {
  readonly path: string;
  /** Record that the run's files are all written, so an interruption from now on says so. */
  markWritten(): void;
  /** Remove the lock (idempotent) and stop handling signals. */
  release(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const held = new Map<string, Lock & { written: boolean }>();

function readHolder(path: string): { raw: string; holder: Holder | null } | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { raw: '', holder: null };
  }
  try {
    const value = JSON.parse(raw) as Holder;
    if (Number.isSafeInteger(value.pid) && value.pid > 0 && typeof value.host === 'string') return { raw, holder: value };
  } catch {
    /* not ours, or being written */
  }
  return { raw, holder: null };
}

/** Is `pid` a live process on this host? (EPERM: it exists but belongs to someone else.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeHolder(path: string, holder: Holder | null, dir: string): string {
  if (!holder)
    return `another create-atmos-oidc run is working on ${dir} (${path} exists and cannot be read as a lock). If no other run is active, delete ${path} and run again.`;
  const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
  const stale = holder.host === hostname() ? '' : ` If that run is no longer active, delete ${path} and run again.`;
  return `another create-atmos-oidc run (${holder.command}, ${where}, started ${holder.started}) is working on ${dir}; wait for it to finish and run again.${stale}`;
}

/** Create `dir` and its missing parents, returning those created, deepest first. */
function makeDir(dir: string): string[] {
  const missing: string[] = [];
  for (let current = dir; !existsSync(current); current = dirname(current)) {
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const d of missing.slice().reverse()) {
    try {
      mkdirSync(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return missing;
}

/** The calls that create the lock (tests inject a full disk here). */
export type LockFs = Pick<typeof nodeFs, 'writeFileSync' | 'linkSync' | 'unlinkSync'>;

/** An empty lock older than this is a creation that died half-way, not a run starting now. */
const EMPTY_LOCK_GRACE_MS = 5000;

/**
 * Create the lock file with its whole content, or fail leaving nothing: write a private file, then
 * link it to the lock's name. EEXIST means another holder.
 */
function createLockFile(fs: LockFs, path: string, content: string): void {
  const own = `${path}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(own, content, { flag: 'w', mode: 0o644 });
  } catch (error) {
    try {
      fs.unlinkSync(own);
    } catch {
      /* never created */
    }
    throw error;
  }
  try {
    fs.linkSync(own, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || !['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code ?? '')) throw error;
    // No hard links here: create in place, and remove what a failed write leaves.
    try {
      fs.writeFileSync(path, content, { flag: 'wx', mode: 0o644 });
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code !== 'EEXIST')
        try {
          fs.unlinkSync(path);
        } catch {
          /* never created */
        }
      throw inner;
    }
  } finally {
    try {
      fs.unlinkSync(own);
    } catch {
      /* already gone */
    }
  }
}

/**
 * The private files (`LOCK.PID.tmp`) of runs killed between writing one and linking it: once we hold
 * the lock, those of processes no longer alive on this host are removed (each name carries its pid;
 * a live pid's file is left, it may be a run about to find the lock taken).
 */
function removeDeadLockTemps(path: string): void {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dirname(path), name));
    } catch {
      /* gone already */
    }
  }
}

/** A lock file with nothing in it, last changed long enough ago that no run is still writing it. */
function abandonedEmptyLock(path: string, raw: string): boolean {
  if (raw !== '') return false;
  try {
    return Date.now() - statSync(path).mtimeMs > EMPTY_LOCK_GRACE_MS;
  } catch {
    return false;
  }
}

/**
 * Take the lock on `dir` for `command`. Throws `LockError` when another live run holds it.
 * The caller must `release()` it (in a `finally`); signals and `process.exit` release it too.
 */
export function acquireLock(dir: string, command: string, fs: LockFs = nodeFs): Lock {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory())
    throw new InputError({ field: 'DIR', value: root, allowed: 'expected a directory, or a path where one can be created' });
  const createdDirs = makeDir(root);
  const path = lockPath(root);
  const content = `${JSON.stringify({ pid: process.pid, host: hostname(), command, started: new Date().toISOString() } satisfies Holder)}\n`;
  const removeCreatedDirs = (): void => {
    for (const d of createdDirs) {
      try {
        rmdirSync(d);
      } catch {
        return;
      }
    }
  };
  for (let attempt = 0; ; attempt++) {
    try {
      createLockFile(fs, path, content);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        removeCreatedDirs();
        throw new LockError(`cannot create the lock file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was written`);
      }
      const found = readHolder(path);
      // Released between our attempt and the read: try again. Still "missing" after that means a
      // dangling symbolic link (O_EXCL does not follow it), which is refused below like any unreadable lock.
      if (!found && attempt < 3) continue;
      const { raw, holder } = found ?? { raw: '', holder: null };
      const stale = (holder !== null && holder.host === hostname() && holder.pid !== process.pid && !processAlive(holder.pid)) || (found !== null && abandonedEmptyLock(path, raw));
      if (stale && attempt < 3 && readHolder(path)?.raw === raw) {
        try {
          unlinkSync(path);
        } catch {
          /* another run removed it first */
        }
        continue;
      }
      removeCreatedDirs();
      throw new LockError(describeHolder(path, holder, root));
    }
  }

  removeDeadLockTemps(path);

  const lock: Lock & { written: boolean } = {
    path,
    written: false,
    markWritten() {
      lock.written = true;
    },
    release() {
      if (held.get(path) !== lock) return;
      held.delete(path);
      lastReleasedWritten = lock.written;
      if (readHolder(path)?.raw === content) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
      removeCreatedDirs();
      keepPollingOnce();
    },
  };
  held.set(path, lock);
  installSignalHandlers();
  return lock;
}

/**
 * A signal that arrived during the (synchronous) flush is still waiting in libuv's signal pipe, and
 * Node reads that pipe only in the event loop's poll phase. Without a live handle the loop ends
 * before polling again and the signal is lost, so keep the loop alive until one more poll has run:
 * an immediate runs in the check phase right after the current poll (a signal written meanwhile is
 * not read yet), and a second one, queued from it, keeps the next iteration's poll from sleeping
 * while still making it run. Unlike a fixed timer this costs nothing when no signal came, and
 * unlike a short timer it cannot expire (in the timers phase at the end of an iteration) before
 * that poll. A signal handler, when one runs, exits the process from that poll.
 */
function keepPollingOnce(): void {
  setImmediate(() => setImmediate(() => {}));
}

/** Whether the last lock released in this process had its files written (for a signal that arrives just after). */
let lastReleasedWritten = false;
let installed = false;

/**
 * Installed once, with the first lock, and kept: a signal can be delivered a moment after the run
 * released its lock (the flush is synchronous, so a signal sent during it is handled only after),
 * and it must still end the process with the right code and message.
 */
function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      const locks = [...held.values()];
      const written = locks.length ? locks.every((l) => l.written) : lastReleasedWritten;
      for (const l of locks) l.release();
      process.stderr.write(
        written ? `\nInterrupted (${signal}) after every file was written: the tree is complete.\n` : `\nInterrupted (${signal}): nothing was written.\n`,
      );
      process.exit(128 + constants.signals[signal]);
    });
  }
  process.on('exit', () => {
    for (const l of [...held.values()]) l.release();
  });
}

/** Record on the lock held for `dir` (if any) that all its files are written. */
export function markWritten(dir: string): void {
  held.get(lockPath(dir))?.markWritten();
}
