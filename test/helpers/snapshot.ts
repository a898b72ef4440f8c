/**
 * Byte-for-byte pictures of a directory, to prove a run left it exactly as it was: every entry
 * (files, directories, symbolic links) with its type, permission bits and content.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';

export interface Entry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  /** File content in base64 (exact bytes), or a link's target. */
  content: string;
}

/** Every entry under `dir` (not `dir` itself), by relative path, sorted. Missing `dir` gives an empty map. */
export function snapshot(dir: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(rel ? join(dir, rel) : dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !rel) return;
      throw error;
    }
    for (const name of names.sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(dir, path);
      const stat = lstatSync(abs);
      const mode = stat.mode & 0o7777;
      if (stat.isSymbolicLink()) entries.set(path, { type: 'symlink', mode: 0, content: readlinkSync(abs) });
      else if (stat.isDirectory()) {
        entries.set(path, { type: 'dir', mode, content: '' });
        walk(path);
      } else if (stat.isFile()) entries.set(path, { type: 'file', mode, content: readFileSync(abs).toString('base64') });
      else entries.set(path, { type: 'other', mode, content: '' });
    }
  };
  walk('');
  return entries;
}

/** Assert that `dir` is exactly as `before` pictured it, naming the first difference. */
export function assertUnchanged(dir: string, before: Map<string, Entry>, what = dir): void {
  const after = snapshot(dir);
  const added = [...after.keys()].filter((p) => !before.has(p));
  const removed = [...before.keys()].filter((p) => !after.has(p));
  const changed = [...before.keys()].filter((p) => after.has(p) && JSON.stringify(after.get(p)) !== JSON.stringify(before.get(p)));
  if (added.length || removed.length || changed.length)
    assert.unreachable(`${what} changed: added [${added.join(', ')}], removed [${removed.join(', ')}], changed [${changed.join(', ')}]`);
}

/** Paths of regular files whose name marks them as temporary, backup, journal or lock files of a run. */
export function leftovers(dir: string): string[] {
  return [...snapshot(dir).keys()].filter((p) => /\.atmos-oidc-\d+\.(tmp|bak)$/.test(p) || /(^|\/)\.atmos-oidc\.(lock(\.\d+\.tmp)?|journal(\.tmp)?)$/.test(p));
}
