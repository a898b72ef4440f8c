/**
 * Golden repositories read in memory for `check`'s behaviour tests: a fresh copy of a golden
 * scenario's expected tree, a planted change that must apply, and `check` on the result.
 */
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { checkRepository, memoryRepo, type CheckResult } from '../../src/check/index.ts';
import { GOLDEN_DIR, readTree } from './run.ts';

const trees = new Map<string, Map<string, string>>();

/** A fresh copy (path -> text) of golden scenario `name`'s expected tree. */
export function golden(name: string): Map<string, string> {
  if (!trees.has(name)) trees.set(name, readTree(join(GOLDEN_DIR, name, 'expected')));
  return new Map(trees.get(name));
}

/** Replace `from` with `to` in one file; the file must exist and the change must apply. */
export function change(files: Map<string, string>, path: string, from: string | RegExp, to: string): Map<string, string> {
  const before = files.get(path);
  assert.ok(before !== undefined, `${path} exists`);
  const after = before!.replace(from, to);
  assert.is.not(after, before, `the change applies to ${path}`);
  files.set(path, after);
  return files;
}

export const check = (files: Map<string, string>): CheckResult => checkRepository(memoryRepo(files));
