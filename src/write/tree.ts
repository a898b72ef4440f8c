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
  Partial<Pick<typeof nodeFs, 'chmodSync'>>;

/** Points in a flush where a caller may step in (tests use them to interrupt a run at that moment). */
export interface FlushHooks {
  /** Every temporary file is written and checked; nothing has been renamed into place yet. */
  beforeRename?: (temps: string[]) => void;
}

/**
 * Test hooks from the environment, unset (always, outside tests) meaning no hook:
 * `ATMOS_OIDC_TEST_HOLD_BEFORE_RENAME=FILE` makes a flush report its temporary files on `log` and
 * wait until FILE exists (at most ten minutes) before renaming them, so a test acts on the held run
 * and then releases it: it waits on that state, never on a guess of how long the test takes.
 * `ATMOS_OIDC_TEST_PAUSE_BEFORE_RENAME_MS=N` waits N milliseconds instead.
 */
export function flushHooksFromEnv(env: Record<string, string | undefined>, log: (text: string) => void): FlushHooks | undefined {
  const release = env.ATMOS_OIDC_TEST_HOLD_BEFORE_RENAME;
  const ms = Number(env.ATMOS_OIDC_TEST_PAUSE_BEFORE_RENAME_MS);
  const sleep = (n: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, n);
  if (release) {
    return {
      beforeRename: (temps) => {
        log(`test hook: ${temps.length} temporary files written, holding until ${release} exists before renaming\n`);
        const deadline = Date.now() + 600_000;
        while (!nodeFs.existsSync(release) && Date.now() < deadline) sleep(20);
      },
    };
  }
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return {
    beforeRename: (temps) => {
      log(`test hook: ${temps.length} temporary files written, pausing ${ms} ms before renaming\n`);
      sleep(ms);
    },
  };
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
      let content: string | null = null;
      try {
        const stat = this.fs.lstatSync(abs);
        if (stat.isDirectory())
          throw new InputError({ field: 'path', value: path, allowed: 'expected a file or nothing here, found a directory' });
        const bytes = this.fs.readFileSync(abs) as Buffer;
        const decoded = decodeBytes(bytes);
        this.raw.set(path, { bytes, encoding: decoded.encoding });
        content = decoded.text;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      this.disk.set(path, content);
    }
    return this.disk.get(path) ?? null;
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
   * Write every create and update, all or nothing. Phase one writes temporary files beside their
   * targets (a failure removes them and nothing changed); phase two renames them into place, and a
   * failure there restores each renamed file from the content read before.
   */
  flush(): string[] {
    const writes = this.changes().filter((c) => c.kind === 'create' || c.kind === 'update');
    const deletes = this.changes().filter((c) => c.kind === 'delete' && c.before !== null);
    const createdDirs: string[] = [];
    const temps: Array<{ change: FileChange; abs: string; temp: string }> = [];
    const cleanupTemps = (): void => {
      for (const t of temps) {
        try {
          this.fs.unlinkSync(t.temp);
        } catch {
          /* already renamed or never written */
        }
      }
      for (const dir of createdDirs.slice().reverse()) {
        try {
          this.fs.rmdirSync(dir);
        } catch {
          /* not empty or already gone */
        }
      }
    };
    try {
      for (const change of writes) {
        this.assertNoEscape(change.path);
        const abs = this.abs(change.path);
        this.makeParents(dirname(abs), createdDirs);
        const mode = this.replaceableMode(change);
        const temp = `${abs}.atmos-oidc-${process.pid}.tmp`;
        temps.push({ change, abs, temp });
        this.writeTemp(temp, encodeText(change.path, change.after, this.encodingOf(change.path)));
        if (mode !== null) this.fs.chmodSync?.(temp, mode);
        this.assertUnchangedOnDisk(change);
      }
      this.hooks.beforeRename?.(temps.map((t) => t.temp));
    } catch (error) {
      cleanupTemps();
      throw new FlushError(`nothing was written: ${(error as Error).message}`, []);
    }
    const renamed: typeof temps = [];
    try {
      for (const change of deletes) this.assertUnchangedOnDisk(change);
      for (const t of temps) {
        this.fs.renameSync(t.temp, t.abs);
        renamed.push(t);
      }
      for (const change of deletes) {
        this.fs.unlinkSync(this.abs(change.path));
        renamed.push({ change, abs: this.abs(change.path), temp: '' });
      }
    } catch (error) {
      const unrestored: string[] = [];
      for (const t of renamed.reverse()) {
        try {
          if (t.change.before === null) this.fs.unlinkSync(t.abs);
          else this.fs.writeFileSync(t.abs, this.raw.get(t.change.path)?.bytes ?? encodeText(t.change.path, t.change.before, 'utf8'));
        } catch {
          unrestored.push(t.change.path);
        }
      }
      cleanupTemps();
      throw new FlushError(
        unrestored.length
          ? `writing failed (${(error as Error).message}) and these files could not be restored: ${unrestored.join(', ')}`
          : `nothing was written: ${(error as Error).message}`,
        unrestored,
      );
    }
    return [...writes, ...deletes].map((c) => c.path);
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
  private writeTemp(temp: string, content: Buffer): void {
    try {
      this.fs.writeFileSync(temp, content, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      this.fs.unlinkSync(temp);
      this.fs.writeFileSync(temp, content, { flag: 'wx' });
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

  private makeParents(dir: string, created: string[]): void {
    const missing: string[] = [];
    let current = dir;
    while (!this.fs.existsSync(current)) {
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
    for (const d of missing.reverse()) {
      this.fs.mkdirSync(d);
      created.push(d);
    }
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

