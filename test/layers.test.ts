/**
 * The layout shows the pipeline, and imports run one way: each folder of src/ may import only
 * folders below it in LAYERS (and itself). A file that imports upward fails here, naming the edge.
 * Type-only imports count too: a type is still a dependency on the folder that owns it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Lowest first. `atmos` reads repositories as Atmos does and imports nothing of ours. */
export const LAYERS = ['atmos', 'answers', 'write', 'setup', 'check', 'cli'] as const;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function folderOf(path: string): string {
  return relative(SRC, path).split('/')[0];
}

/** Every relative import of a file: static, dynamic and re-exports. */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.[^'"]+)\1/gm)) specs.push(m[2]);
  return specs;
}

test('every file under src/ lives in one of the layer folders', () => {
  const stray = files(SRC).filter((f) => !(LAYERS as readonly string[]).includes(folderOf(f)));
  assert.equal(stray.map((f) => relative(SRC, f)), []);
});

test('no file under src/ imports a folder above its own', () => {
  const upward: string[] = [];
  for (const file of files(SRC)) {
    const own = LAYERS.indexOf(folderOf(file) as (typeof LAYERS)[number]);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      // The node-plop generators (../generators/) are the CLI's to load; nothing else leaves src/.
      if (!target.startsWith(SRC + '/')) {
        if (!(folderOf(file) === 'cli' && relative(SRC, target).startsWith('../generators/'))) upward.push(`${relative(SRC, file)} imports ${spec}, outside src/`);
        continue;
      }
      const rank = LAYERS.indexOf(folderOf(target) as (typeof LAYERS)[number]);
      if (rank < 0 || rank > own) upward.push(`${relative(SRC, file)} imports ${spec} (${folderOf(target)} is not below ${folderOf(file)})`);
    }
  }
  assert.equal(upward, []);
});

test('the layer check sees an upward import when there is one', () => {
  assert.equal(importsOf(`import type { Context } from '../cli/context.ts';\nconst m = await import('./x.ts');`), ['../cli/context.ts', './x.ts']);
});

test.run();
