/**
 * File access for `check`: one small interface, `{ read, list }`, served by the disk or by a planned
 * `Tree` (so `init` can check what it is about to write before writing it), and a parse cache so
 * each YAML file is read and parsed once per run however many stacks import it.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFile } from './safe-read.ts';
import { parseYaml, type ParsedYaml } from './yaml.ts';

/** What `check` needs from a repository: a file's text (null when absent) and the files under a directory. */
export interface RepoFiles {
  read(path: string): string | null;
  /** Every file under `dir` ("" for the whole repository), relative paths with "/" separators. */
  list(dir?: string): string[];
}

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.workdir', '.terraform']);

/**
 * The repository on disk at `root`. Directories are walked once; file reads are cached. Only regular
 * files are read, within a size cap, and never through a link out of the repository: anything else
 * throws `FileRefused` (exit 2, naming the path) rather than hang, exhaust memory or read elsewhere.
 */
export function diskRepo(root: string): RepoFiles {
  let all: string[] | null = null;
  const texts = new Map<string, string | null>();
  const walk = (rel: string, out: string[]): void => {
    let names: string[];
    try {
      names = readdirSync(rel ? join(root, ...rel.split('/')) : root);
    } catch {
      return;
    }
    for (const name of names) {
      if (SKIPPED_DIRS.has(name)) continue;
      const path = rel ? `${rel}/${name}` : name;
      let stat;
      try {
        stat = lstatSync(join(root, ...path.split('/')));
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(path, out);
      else if (stat.isSymbolicLink()) {
        // Listed unless it leads to a directory (not followed: no cycles); reading it decides the rest.
        let target;
        try {
          target = statSync(join(root, ...path.split('/')));
        } catch {
          continue;
        }
        if (!target.isDirectory()) out.push(path);
      } else out.push(path); // a FIFO or device is listed too, and refused by name if it is read
    }
  };
  return {
    read(path) {
      if (!texts.has(path)) {
        texts.set(path, readRegularFile(join(root, ...path.split('/')), { root, shown: path }));
      }
      return texts.get(path) ?? null;
    },
    list(dir = '') {
      if (!all) {
        all = [];
        walk('', all);
        all.sort();
      }
      const prefix = dir.replace(/\/+$/, '');
      return prefix ? all.filter((p) => p.startsWith(`${prefix}/`)) : [...all];
    },
  };
}

/** An in-memory repository from a map of paths to contents (tests, fixtures). */
export function memoryRepo(files: Record<string, string> | Map<string, string>): RepoFiles {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const sorted = [...map.keys()].sort();
  return {
    read: (path) => map.get(path) ?? null,
    list: (dir = '') => {
      const prefix = dir.replace(/\/+$/, '');
      return prefix ? sorted.filter((p) => p.startsWith(`${prefix}/`)) : [...sorted];
    },
  };
}

/** Reads through a `RepoFiles`, parsing each YAML file at most once. */
export class Repo {
  readonly files: RepoFiles;
  private readonly parsed = new Map<string, ParsedYaml | null>();
  private listing: string[] | null = null;

  constructor(files: RepoFiles) {
    this.files = files;
  }

  read(path: string): string | null {
    return this.files.read(path);
  }

  exists(path: string): boolean {
    return this.files.read(path) !== null;
  }

  /** Every file of the repository, listed once. */
  all(): string[] {
    if (!this.listing) this.listing = this.files.list('');
    return this.listing;
  }

  /** Files under `dir` (no trailing slash; "" for all). */
  under(dir: string): string[] {
    const prefix = normalizeDir(dir);
    if (!prefix) return this.all();
    return this.all().filter((p) => p.startsWith(`${prefix}/`));
  }

  /** Is `path` a YAML file that does not parse? (Only files parsed so far.) */
  invalid(path: string): boolean {
    return (this.parsed.get(path)?.errors.length ?? 0) > 0;
  }

  /** The parsed YAML of `path`, or null when the file is absent. Parse errors are in the result. */
  yaml(path: string): ParsedYaml | null {
    if (!this.parsed.has(path)) {
      const text = this.read(path);
      this.parsed.set(path, text === null ? null : parseYaml(text, path));
    }
    return this.parsed.get(path) ?? null;
  }
}

/** "./a/b/" → "a/b"; "." and "./" → "". */
export function normalizeDir(dir: string): string {
  const parts: string[] = [];
  for (const part of dir.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** Join repository-relative path parts, resolving "." and "..". */
export function joinPath(...parts: string[]): string {
  return normalizeDir(parts.filter(Boolean).join('/'));
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}
