/**
 * The only write path. Every command plans its files in a `Tree` held in memory; `--dry-run`
 * prints the plan, otherwise `flush` writes it all or nothing: every file goes to a temporary file
 * first, then all are renamed into place, and a failure restores what was there before.
 */
import * as nodeFs from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { branded, InputError } from '../answers/validate.ts';
import { decodeBytes, encodeText, type Encoding } from './bytes.ts';
import { describeErrno, readRegularFileBytes } from '../atmos/safe-read.ts';
import { finish, JournalIo, messageOf, removeIfPresent, rollBack, type BeforeOp, type Journal, type JournalStep } from './journal.ts';

export type ChangeKind = 'create' | 'update' | 'unchanged' | 'conflict' | 'delete';

export interface FileChange {
  path: string;
  kind: ChangeKind;
  before: string | null;
  after: string;
  /** For a conflict: why the file was left alone and how to resolve it. */
  reason?: string;
  /** For a conflict: the conflicting hunks, with git's markers, when a merge was tried. */
  detail?: string;
}

/** The file system calls the tree uses, so tests can inject faults. */
export type TreeFs = Pick<
  typeof nodeFs,
  'readFileSync' | 'writeFileSync' | 'renameSync' | 'unlinkSync' | 'mkdirSync' | 'rmdirSync' | 'lstatSync' | 'realpathSync' | 'existsSync'
> &
  Partial<Pick<typeof nodeFs, 'chmodSync' | 'linkSync' | 'copyFileSync' | 'openSync' | 'fsyncSync' | 'closeSync'>>;

/** Points in a flush where a caller may step in (tests use them to interrupt a run at that moment). */
export interface FlushHooks {
  /** Every temporary file is written and checked; nothing has been renamed into place yet. */
  beforeRename?: (temps: string[]) => void;
  /** Before every call that changes the disk (journal, directories, temporary files, backups, renames), numbered from 1. */
  beforeOp?: BeforeOp;
}

/**
 * Test hooks from the environment, unset (always, outside tests) meaning no hook:
 * `ATMOS_OIDC_TEST_HOLD_BEFORE_RENAME=FILE` makes a flush report its temporary files on `log` and
 * wait until FILE exists (at most ten minutes) before renaming them, so a test acts on the held run
 * and then releases it: it waits on that state, never on a guess of how long the test takes.
 * `ATMOS_OIDC_TEST_PAUSE_BEFORE_RENAME_MS=N` waits N milliseconds instead.
 */
export function flushHooksFromEnv(env: Record<string, string | undefined>, log: (text: string) => void): FlushHooks | undefined {
  const hooks: FlushHooks = {};
  const release = env.ATMOS_OIDC_TEST_HOLD_BEFORE_RENAME;
  const ms = Number(env.ATMOS_OIDC_TEST_PAUSE_BEFORE_RENAME_MS);
  const sleep = (n: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, n);
  if (release)
    hooks.beforeRename = (temps) => {
      log(`test hook: ${temps.length} temporary files written, holding until ${release} exists before renaming\n`);
      const deadline = Date.now() + 600_000;
      while (!nodeFs.existsSync(release) && Date.now() < deadline) sleep(20);
    };
  else if (Number.isFinite(ms) && ms > 0)
    hooks.beforeRename = (temps) => {
      log(`test hook: ${temps.length} temporary files written, pausing ${ms} ms before renaming\n`);
      sleep(ms);
    };
  // `ATMOS_OIDC_TEST_KILL_AT_OP=N`: the process sends itself SIGKILL just before the flush's Nth change
  // to the disk (test/crash.test.ts), a death no handler can see.
  const killAt = Number(env.ATMOS_OIDC_TEST_KILL_AT_OP);
  // `ATMOS_OIDC_TEST_OP_DELAY_MS=N`: wait N ms before each change to the disk, so a SIGKILL sent from
  // outside at a random moment lands inside the flush often enough to matter (test/crash.test.ts).
  const delay = Number(env.ATMOS_OIDC_TEST_OP_DELAY_MS);
  const slow = Number.isFinite(delay) && delay > 0;
  if ((Number.isSafeInteger(killAt) && killAt > 0) || slow)
    hooks.beforeOp = (index) => {
      if (index === killAt) process.kill(process.pid, 'SIGKILL');
      if (slow) sleep(delay);
    };
  return hooks.beforeRename || hooks.beforeOp ? hooks : undefined;
}

const FLUSH_ERROR = Symbol.for('create-atmos-oidc.FlushError');

/** A flush failed part-way. `changed` lists files that could not be restored (empty when rollback worked). */
export class FlushError extends Error {
  readonly changed: string[];
  constructor(message: string, changed: string[]) {
    super(message);
    this.name = 'FlushError';
    this.changed = changed;
    Object.defineProperty(this, FLUSH_ERROR, { value: true });
  }
  static [Symbol.hasInstance] = branded(FLUSH_ERROR);
}

/** Refuse a path that would land outside the target directory. */
export function checkRelativePath(path: string): void {
  const problem =
    !path || isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.split('/').some((p) => p === '..' || p === '' || p === '.')
      ? 'expected a relative path inside the target directory, with "/" separators and no ".." parts'
      : null;
  if (problem) throw new InputError({ field: 'path', value: path, allowed: problem });
}

export class Tree {
  readonly root: string;
  private readonly fs: TreeFs;
  private readonly hooks: FlushHooks;
  private readonly disk = new Map<string, string | null>();
  /** The bytes read of each file and how they were decoded: written back as read (src/write/bytes.ts). */
  private readonly raw = new Map<string, { bytes: Buffer; encoding: Encoding }>();
  private readonly planned = new Map<string, FileChange>();

  constructor(root: string, fs: TreeFs = nodeFs, hooks: FlushHooks = {}) {
    this.root = resolve(root);
    this.fs = fs;
    this.hooks = hooks;
  }

  private abs(path: string): string {
    checkRelativePath(path);
    return join(this.root, ...path.split('/'));
  }

  /** Content on disk before this run (null when absent). A directory where a file should be is an input error. */
  original(path: string): string | null {
    if (!this.disk.has(path)) {
      const abs = this.abs(path);
      this.assertNoEscape(path);
      let stat: nodeFs.Stats | null = null;
      try {
        stat = this.fs.lstatSync(abs);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR') throw new InputError({ field: 'path', value: path, allowed: `expected a directory on the way to this file, found a file (${this.blockingFile(path)})` });
        if (code !== 'ENOENT') throw new InputError({ field: 'path', value: path, allowed: `expected a readable file or nothing here: ${describeErrno(code)}` });
      }
      if (stat?.isDirectory()) throw new InputError({ field: 'path', value: path, allowed: 'expected a file or nothing here, found a directory' });
      // A FIFO, a device or a huge file is refused (by the same reader as check's) rather than read.
      const bytes = stat ? readRegularFileBytes(abs, { root: this.root, shown: path }) : null;
      if (bytes === null) this.disk.set(path, null);
      else {
        // Kept undecoded too, so a file that is not UTF-8 is written back in its own encoding.
        const decoded = decodeBytes(bytes);
        this.raw.set(path, { bytes, encoding: decoded.encoding });
        this.disk.set(path, decoded.text);
      }
    }
    return this.disk.get(path) ?? null;
  }

  /** The first part of `path` that exists as a file where a directory is needed. */
  private blockingFile(path: string): string {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      try {
        if (!this.fs.lstatSync(this.abs(prefix)).isDirectory()) return `${prefix} is not a directory`;
      } catch {
        break;
      }
    }
    return 'a parent is not a directory';
  }

  /** The content this run will leave: planned if any, else what is on disk. */
  read(path: string): string | null {
    const change = this.planned.get(path);
    if (change) return change.kind === 'conflict' ? change.before : change.kind === 'delete' ? null : change.after;
    return this.original(path);
  }

  exists(path: string): boolean {
    return this.read(path) !== null;
  }

  /** Plan `content` at `path`: create, update or unchanged, decided against the disk. */
  write(path: string, content: string): FileChange {
    const before = this.original(path);
    // Refuse now (exit 2, naming the file) what the file's encoding cannot hold, before anything is written.
    if (before !== content) encodeText(path, content, this.encodingOf(path));
    const kind: ChangeKind = before === null ? 'create' : before === content ? 'unchanged' : 'update';
    const change: FileChange = { path, kind, before, after: content };
    this.planned.set(path, change);
    return change;
  }

  /** Plan the removal of a file that exists on disk. */
  remove(path: string): FileChange {
    const change: FileChange = { path, kind: 'delete', before: this.original(path), after: '' };
    this.planned.set(path, change);
    return change;
  }

  /** Record that `path` would change to `proposed` but is left alone; the run exits 1. */
  conflict(path: string, proposed: string, reason: string, detail?: string): FileChange {
    const change: FileChange = { path, kind: 'conflict', before: this.original(path), after: proposed, reason, ...(detail ? { detail } : {}) };
    this.planned.set(path, change);
    return change;
  }

  /** How `path` was decoded when read (UTF-8 for a file that does not exist yet). */
  encodingOf(path: string): Encoding {
    return this.raw.get(path)?.encoding ?? 'utf8';
  }

  changes(): FileChange[] {
    return [...this.planned.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Every file under `dir` ("" for all) as this run will leave it: files on disk plus planned ones.
   * Used to read the planned repository as a whole (for `check`) before anything is written.
   */
  list(dir = ''): string[] {
    const found = new Set<string>();
    const walk = (relDir: string): void => {
      let names: string[];
      try {
        names = nodeFs.readdirSync(relDir ? join(this.root, ...relDir.split('/')) : this.root);
      } catch {
        return;
      }
      for (const name of names) {
        const rel = relDir ? `${relDir}/${name}` : name;
        if (name === 'node_modules' || name === '.git' || name === '.workdir') continue;
        let stat: nodeFs.Stats;
        try {
          stat = nodeFs.lstatSync(join(this.root, ...rel.split('/')));
        } catch {
          continue;
        }
        if (stat.isDirectory()) walk(rel);
        else if (stat.isFile()) found.add(rel);
      }
    };
    walk(dir.replace(/\/+$/, ''));
    for (const path of this.planned.keys()) if (!dir || path.startsWith(`${dir.replace(/\/+$/, '')}/`)) found.add(path);
    return [...found].filter((p) => this.read(p) !== null).sort();
  }

  hasConflicts(): boolean {
    return this.changes().some((c) => c.kind === 'conflict');
  }

  /**
   * A symlink on the way to a file could send the write outside the target: refuse any path whose
   * existing part resolves elsewhere than where it is written.
   */
  private assertNoEscape(path: string): void {
    const rootReal = this.fs.existsSync(this.root) ? this.fs.realpathSync(this.root) : this.root;
    let current = this.root;
    for (const part of path.split('/')) {
      current = join(current, part);
      let stat: nodeFs.Stats;
      try {
        stat = this.fs.lstatSync(current);
      } catch {
        return;
      }
      if (stat.isSymbolicLink()) {
        let target: string | null = null;
        try {
          target = this.fs.realpathSync(current);
        } catch {
          /* dangling: it points at nothing that exists */
        }
        const rel = target === null ? null : relative(rootReal, target);
        const inside = rel !== null && (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)));
        throw new InputError({
          field: 'path',
          value: path,
          allowed:
            target === null
              ? `expected a regular file or directory; ${relative(this.root, current)} is a symbolic link to a path that does not exist, which is not followed`
              : inside
                ? `expected a regular file or directory; ${relative(this.root, current)} is a symbolic link, which is not followed`
                : `expected a path inside the target; ${relative(this.root, current)} is a symbolic link to ${target}, outside ${rootReal}`,
        });
      }
    }
  }

  /**
   * Write every create, update and delete, all or nothing, even if the process dies at any moment
   * (SIGKILL, power aside): see the journal protocol at `JOURNAL_FILE`. A failure the process sees
   * rolls back at once; a death is rolled forward or back by `recoverInterrupted` on the next run.
   */
  flush(): string[] {
    const writes = this.changes().filter((c) => c.kind === 'create' || c.kind === 'update');
    const deletes = this.changes().filter((c) => c.kind === 'delete' && c.before !== null);
    if (!writes.length && !deletes.length) return [];
    const tag = `${process.pid}`;
    const steps: JournalStep[] = [];
    let dirs: string[];
    try {
      // A link that appeared on the way since planning: stop before anything is written.
      for (const change of [...writes, ...deletes]) this.assertNoEscape(change.path);
      for (const change of writes) steps.push({ path: change.path, temp: `${change.path}.atmos-oidc-${tag}.tmp`, backup: change.before === null ? null : `${change.path}.atmos-oidc-${tag}.bak` });
      for (const change of deletes) steps.push({ path: change.path, temp: null, backup: `${change.path}.atmos-oidc-${tag}.bak` });
      dirs = this.missingDirs(writes.map((c) => dirname(this.abs(c.path))));
    } catch (error) {
      throw new FlushError(`nothing was written: ${messageOf(error)}`, []);
    }
    const journal: Journal = { version: 1, pid: process.pid, state: 'prepare', dirs, steps };
    const io = new JournalIo(this.root, this.fs, this.hooks);
    if (!this.fs.existsSync(this.root)) this.fs.mkdirSync(this.root, { recursive: true });

    // Phase one: the journal (prepare), directories, temporary files, backups (hard links to the
    // files about to be replaced or removed). A failure or a death here leaves the targets as they were.
    try {
      io.write(journal);
      for (const d of dirs) io.op(() => this.fs.mkdirSync(join(this.root, ...d.split('/'))));
      if (dirs.length) io.syncDirs(dirs);
      for (const change of writes) {
        const step = steps.find((s) => s.path === change.path)!;
        const mode = this.replaceableMode(change);
        this.writeTemp(io, io.abs(step.temp!), encodeText(change.path, change.after, this.encodingOf(change.path)));
        io.sync(io.abs(step.temp!));
        if (mode !== null) io.op(() => this.fs.chmodSync?.(io.abs(step.temp!), mode));
        this.assertUnchangedOnDisk(change);
        if (step.backup) this.backUp(io, change.path, step.backup);
      }
      for (const change of deletes) {
        this.assertUnchangedOnDisk(change);
        this.backUp(io, change.path, steps.find((s) => s.path === change.path)!.backup!);
      }
      this.hooks.beforeRename?.(steps.filter((s) => s.temp).map((s) => io.abs(s.temp!)));
      // The temporary files' and backups' names on disk before the commit point (a power loss after it
      // rolls forward, and needs them). From here on, a death is rolled forward.
      io.syncDirs(steps.map((s) => s.path));
      io.write({ ...journal, state: 'commit' });
    } catch (error) {
      const stuck = rollBack(io, journal);
      throw new FlushError(stuck.length ? `writing failed (${messageOf(error)}) and these files could not be restored: ${stuck.join(', ')}` : `nothing was written: ${messageOf(error)}`, stuck);
    }

    // Phase two: the renames and removals, then the backups and the journal go.
    try {
      for (const step of steps) {
        if (step.temp) io.op(() => this.fs.renameSync(io.abs(step.temp!), io.abs(step.path)));
        else io.op(() => this.fs.unlinkSync(io.abs(step.path)));
      }
    } catch (error) {
      let stuck: string[];
      try {
        io.write({ ...journal, state: 'rollback' });
        stuck = rollBack(io, journal);
      } catch {
        stuck = steps.map((s) => s.path);
      }
      throw new FlushError(stuck.length ? `writing failed (${messageOf(error)}) and these files could not be restored: ${stuck.join(', ')}` : `nothing was written: ${messageOf(error)}`, stuck);
    }
    try {
      finish(io, journal);
    } catch {
      // Every file is in place; a backup or the journal could not be removed. The journal still says
      // `commit`, so the next run finishes this clean-up.
    }
    return [...writes, ...deletes].map((c) => c.path);
  }

  /** The directories (relative, parents first) that must be created to hold files in `dirs`. */
  private missingDirs(dirs: string[]): string[] {
    const missing: string[] = [];
    for (const dir of dirs) {
      const chain: string[] = [];
      for (let current = dir; current !== this.root && !this.fs.existsSync(current); current = dirname(current)) {
        chain.push(relative(this.root, current).split(sep).join('/'));
        if (dirname(current) === current) break;
      }
      for (const d of chain.reverse()) if (!missing.includes(d)) missing.push(d);
    }
    return missing;
  }

  /** Keep the file about to be replaced or removed under a second name (same inode: bytes and mode). */
  private backUp(io: JournalIo, path: string, backup: string): void {
    const from = io.abs(path);
    const to = io.abs(backup);
    io.op(() => removeIfPresent(this.fs, to));
    try {
      io.op(() => this.fs.linkSync!(from, to));
    } catch (error) {
      if (!this.fs.copyFileSync) throw error;
      // A file system without hard links: a copy, with the mode, does the same job.
      io.op(() => this.fs.copyFileSync!(from, to));
      io.op(() => this.fs.chmodSync?.(to, this.fs.lstatSync(from).mode & 0o7777));
      io.sync(to);
    }
  }

  /**
   * The permission bits an updated file keeps (the rename would otherwise give it the temporary
   * file's). A file without any write bit was made read-only on purpose: it is not replaced.
   */
  private replaceableMode(change: FileChange): number | null {
    if (change.before === null) return null;
    let mode: number;
    try {
      mode = this.fs.lstatSync(this.abs(change.path)).mode & 0o7777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    if ((mode & 0o222) === 0) throw new Error(`${change.path} is read-only (mode ${mode.toString(8).padStart(4, '0')}); make it writable to let create-atmos-oidc update it`);
    return mode;
  }

  /** Write a temporary file exclusively; one left behind by a killed run with the same pid is replaced. */
  private writeTemp(io: JournalIo, temp: string, content: Buffer): void {
    try {
      io.op(() => this.fs.writeFileSync(temp, content, { flag: 'wx' }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      io.op(() => this.fs.unlinkSync(temp));
      io.op(() => this.fs.writeFileSync(temp, content, { flag: 'wx' }));
    }
  }

  /** A file changed on disk since it was read (another run, an editor): stop rather than clobber it. */
  private assertUnchangedOnDisk(change: FileChange): void {
    let now: Buffer | null = null;
    try {
      now = this.fs.readFileSync(this.abs(change.path)) as Buffer;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const was = change.before === null ? null : (this.raw.get(change.path)?.bytes ?? Buffer.from(change.before, 'utf8'));
    if (now === null ? was !== null : was === null || !now.equals(was)) throw new Error(`${change.path} changed on disk while this run was planning; run again`);
  }

}

/** A unified diff of one planned change, for `--dry-run` and conflicts. */
export function unifiedDiff(change: Pick<FileChange, 'path' | 'before' | 'after' | 'kind'>): string {
  return createTwoFilesPatch(
    change.before === null ? '/dev/null' : `a/${change.path}`,
    change.kind === 'delete' ? '/dev/null' : `b/${change.path}`,
    change.before ?? '',
    change.after,
    undefined,
    undefined,
    { context: 3 },
  )
    .split('\n')
    .slice(1)
    .join('\n');
}

