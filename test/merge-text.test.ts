/**
 * The pair-by-pair fallback's plain lists, and the text side of merging (src/write/merge.ts): the
 * three-way text merge through `git merge-file` (mergeText), and reading and resolving conflict
 * markers (conflictMarkerRanges, resolveMarkersToTheirs). Written against the mutants that survived
 * lines 545-698; each test is one behaviour a user sees, with the exact text expected.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { conflictMarkerRanges, mergeText, mergeYaml, resolveMarkersToTheirs } from '../src/write/merge.ts';
import { FLOW, FLOW_NOW } from './helpers/merge-fallback.ts';


/** Run `fn` with some environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * mergeText with git's own configuration kept out (no global or system config), so a developer's
 * `merge.conflictStyle` does not change the markers these tests expect, and with a TMPDIR of its own
 * (removed after, so even a broken clean-up leaves nothing behind); `vars` adds environment.
 */
async function merge(current: string, base: string, desired: string, resolution?: 'markers' | 'theirs', vars: Record<string, string> = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'merge-text-tmp-'));
  try {
    return await withEnv({ GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', TMPDIR: scratch, ...vars }, () => mergeText(current, base, desired, resolution));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---- the pair-by-pair fallback: lists of plain values -------------------------------------------

test('fallback: list items written with several spaces after the dash keep their bytes while the tool replaces another item', () => {
  const result = mergeYaml(FLOW + 'l:\n  -   a # one\n  -  b\nz: 1 # z\n', FLOW + 'l:\n  - a\n  - b\nz: 1\n', FLOW_NOW + 'l:\n  - a\n  - c\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n  -   a # one\n  - c\nz: 1 # z\n');
});

test('fallback: a list of numbers is edited item by item, the kept item keeps its comment', () => {
  const result = mergeYaml(FLOW + 'l:\n  - 1 # one\n  - 2\nz: 1 # z\n', FLOW + 'l:\n  - 1\n  - 2\nz: 1\n', FLOW_NOW + 'l:\n  - 1\n  - 3\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n  - 1 # one\n  - 3\nz: 1 # z\n');
});

test('fallback: a list of booleans loses only the item the tool removes, the kept item keeps its comment', () => {
  const result = mergeYaml(FLOW + 'l:\n  - true # one\n  - false\nz: 1 # z\n', FLOW + 'l:\n  - true\n  - false\nz: 1\n', FLOW_NOW + 'l:\n  - true\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n  - true # one\nz: 1 # z\n');
});

test('fallback: a list holding a null item gains the new item at its end, the null written as the user wrote it', () => {
  const result = mergeYaml(FLOW + 'l:\n  - ~ # one\n  - a\nz: 1 # z\n', FLOW + 'l:\n  - ~\n  - a\nz: 1\n', FLOW_NOW + 'l:\n  - ~\n  - a\n  - b\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n  - ~ # one\n  - a\n  - b\nz: 1 # z\n');
});

test('a list written after an explicit ": " (its first item shares the line) is written anew as a pair when the tool adds to it', () => {
  const result = mergeYaml('n:\n  ? k\n  : - a\nz: 1 # z\n', 'n:\n  k:\n    - a\nz: 1\n', 'n:\n  k:\n    - a\n    - b\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'n:\n  k:\n    - a\n    - b\nz: 1 # z\n');
});

// ---- conflictMarkerRanges ------------------------------------------------------------------------

test('marker ranges: each conflict region, from its <<<<<<< line to its >>>>>>> line, with text around and between', () => {
  const text = 'a\n<<<<<<< your edit\nb\n=======\nc\n>>>>>>> generated now\nd\n<<<<<<< your edit\n=======\n>>>>>>> generated now\ne\n';
  assert.equal(conflictMarkerRanges(text), [[2, 6], [8, 10]]);
});

test('marker ranges: bare markers with no label count, and CRLF line ends are read like LF', () => {
  assert.equal(conflictMarkerRanges('x\r\n<<<<<<<\r\nb\r\n=======\r\nc\r\n>>>>>>>\r\n'), [[2, 6]]);
});

test('marker ranges: marker text not at the start of its line is content, not a marker', () => {
  assert.equal(conflictMarkerRanges(' <<<<<<< your edit\nb\n=======\nc\n>>>>>>> generated now\n'), []);
  assert.equal(conflictMarkerRanges('<<<<<<< your edit\nb\n =======\nc\n>>>>>>> generated now\n'), []);
});

test('marker ranges: a separator and an end marker with no <<<<<<< before them are no region', () => {
  assert.equal(conflictMarkerRanges('a\n=======\nb\n>>>>>>> generated now\n'), []);
});

test('marker ranges: an end marker after a region already closed starts no second region', () => {
  assert.equal(conflictMarkerRanges('<<<<<<< your edit\nb\n=======\nc\n>>>>>>> generated now\nd\n>>>>>>> generated now\n'), [[1, 5]]);
});

test('marker ranges: an end marker with no separator since the <<<<<<< line closes nothing', () => {
  assert.equal(conflictMarkerRanges('<<<<<<< your edit\nb\n>>>>>>> generated now\n'), []);
});

test('marker ranges: a second <<<<<<< line starts the region again, needing its own separator', () => {
  assert.equal(conflictMarkerRanges('<<<<<<< your edit\nb\n=======\n<<<<<<< your edit\nc\n>>>>>>> generated now\n'), []);
  assert.equal(conflictMarkerRanges('<<<<<<< your edit\n<<<<<<< your edit\nb\n=======\nc\n>>>>>>> generated now\n'), [[2, 6]]);
});

test('marker ranges: blank lines inside a region are content; an unterminated region is none', () => {
  assert.equal(conflictMarkerRanges('<<<<<<< your edit\n\n=======\n\nc\n>>>>>>> generated now\n'), [[1, 6]]);
  assert.equal(conflictMarkerRanges('a\n<<<<<<< your edit\nb\n=======\nc\n'), []);
});

// ---- resolveMarkersToTheirs ----------------------------------------------------------------------

test('resolving to the tool side: every region becomes its lines after =======, the text around them kept', () => {
  const text = 'a\n<<<<<<< your edit\nb\n=======\nc\n>>>>>>> generated now\nd\n<<<<<<< your edit\ne\n=======\n>>>>>>> generated now\nf';
  assert.is(resolveMarkersToTheirs(text), 'a\nc\nd\nf');
});

test('resolving to the tool side: a <<<<<<< that is not at the start of its line starts no region', () => {
  const text = 'k: <<<<<<< x\nb\n=======\nc\n>>>>>>> generated now\n';
  assert.is(resolveMarkersToTheirs(text), text);
});

test('resolving to the tool side: ======= inside a line of the user side is not the separator', () => {
  const text = '<<<<<<< your edit\nb: x =======\nc\n=======\nd\n>>>>>>> generated now\n';
  assert.is(resolveMarkersToTheirs(text), 'd\n');
});

test('resolving to the tool side: >>>>>>> inside a line of the tool side does not end the region', () => {
  const text = '<<<<<<< your edit\nb\n=======\nc: y >>>>>>> z\nd\n>>>>>>> generated now\ne\n';
  assert.is(resolveMarkersToTheirs(text), 'c: y >>>>>>> z\nd\ne\n');
});

test('resolving to the tool side: an unterminated region is left as it is', () => {
  const text = 'a\n<<<<<<< your edit\nb\n=======\nc\n';
  assert.is(resolveMarkersToTheirs(text), text);
});

// ---- mergeText (git merge-file) ------------------------------------------------------------------

test('text merge: changes on different lines both land, with no conflict, and the scratch files are removed', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'merge-text-test-'));
  try {
    const result = await merge('A\nb\nc\nd\ne\n', 'a\nb\nc\nd\ne\n', 'a\nb\nc\nd\nE\n', 'markers', { TMPDIR: scratch });
    assert.equal(result, { text: 'A\nb\nc\nd\nE\n', conflicts: 0 });
    assert.equal(readdirSync(scratch), [], 'nothing left in TMPDIR');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('text merge: a line both changed gets git markers labelled "your edit" and "generated now", one conflict', async () => {
  const result = await merge('a\nB\nc\n', 'a\nb\nc\n', 'a\nX\nc\n');
  assert.equal(result, { text: 'a\n<<<<<<< your edit\nB\n=======\nX\n>>>>>>> generated now\nc\n', conflicts: 1 });
});

// git reads its configuration here because the tests run inside the project's repository.
test('text merge: with git set to diff3 conflicts, the common part is labelled "last generated"', async () => {
  const result = await merge('a\nB\nc\n', 'a\nb\nc\n', 'a\nX\nc\n', 'markers', { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'merge.conflictStyle', GIT_CONFIG_VALUE_0: 'diff3' });
  assert.equal(result, { text: 'a\n<<<<<<< your edit\nB\n||||||| last generated\nb\n=======\nX\n>>>>>>> generated now\nc\n', conflicts: 1 });
});

test("text merge: 'theirs' takes the tool's lines in each conflict, keeps the user's other edits, and still counts the conflicts", async () => {
  const base = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n';
  const current = 'a\nB\nc\nd\ne\nf\nG\nh\ni\nj\nk\nL\nm\n';
  const result = await merge(current, base, 'a\nX\nc\nd\ne\nf\ng\nh\ni\nj\nk\nY\nm\n', 'theirs');
  assert.equal(result, { text: 'a\nX\nc\nd\ne\nf\nG\nh\ni\nj\nk\nY\nm\n', conflicts: 2 });
});

test('text merge: CRLF files merge with CRLF markers', async () => {
  const result = await merge('a\r\nB\r\nc\r\n', 'a\r\nb\r\nc\r\n', 'a\r\nX\r\nc\r\n');
  assert.equal(result, { text: 'a\r\n<<<<<<< your edit\r\nB\r\n=======\r\nX\r\n>>>>>>> generated now\r\nc\r\n', conflicts: 1 });
});

test('text merge: files without a final newline merge cleanly without one; a conflict on that last line ends its markers with one', async () => {
  assert.equal(await merge('A\nb\nc', 'a\nb\nc', 'a\nb\nC'), { text: 'A\nb\nC', conflicts: 0 });
  assert.equal(await merge('a\nb\nC', 'a\nb\nc', 'a\nb\nD'), { text: 'a\nb\n<<<<<<< your edit\nC\n=======\nD\n>>>>>>> generated now\n', conflicts: 1 });
});

test('text merge: more than 127 conflicts are counted as 127 (git caps its exit code), and the merge is still written', async () => {
  const file = (side: string) => Array.from({ length: 130 }, (_, i) => `k${i}.0\nk${i}.1\nk${i}.2\nk${i}.3\n${side}${i}\n`).join('');
  const result = await merge(file('c'), file('v'), file('d'));
  assert.ok(result !== null, 'merged');
  assert.is(result!.conflicts, 127);
  assert.is(conflictMarkerRanges(result!.text).length, 130);
});

test('text merge: git refusing the files (binary content) gives null', async () => {
  assert.is(await merge('a\0b\n', 'a\nb\nc\n', 'a\nX\nc\n'), null);
});

test('text merge: git missing from PATH gives null', async () => {
  assert.is(await merge('a\nB\nc\n', 'a\nb\nc\n', 'a\nX\nc\n', 'markers', { PATH: '' }), null);
});

test("text merge: git failing while taking the tool's side gives null, not the text with markers", async () => {
  const bin = mkdtempSync(join(tmpdir(), 'merge-text-git-'));
  try {
    const real = (await import('execa')).execaSync('sh', ['-c', 'command -v git']).stdout.trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\ncase " $* " in *" --theirs "*) echo "fatal: broken" >&2; exit 2;; esac\nexec ${real} "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const result = await merge('a\nB\nc\n', 'a\nb\nc\n', 'a\nX\nc\n', 'theirs', { PATH: `${bin}:${process.env.PATH}` });
    assert.is(result, null);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('text merge: the scratch files go inside TMPDIR itself (a TMPDIR whose parent holds no files still works)', async () => {
  // /proc/self/cwd is this process's working directory (here a fresh one); /proc/self, its parent, cannot hold new files.
  const cwd = process.cwd();
  const scratch = mkdtempSync(join(tmpdir(), 'merge-text-cwd-'));
  try {
    process.chdir(scratch);
    const result = await merge('A\nb\nc\n', 'a\nb\nc\n', 'a\nb\nC\n', 'markers', { TMPDIR: '/proc/self/cwd' });
    assert.equal(result, { text: 'A\nb\nC\n', conflicts: 0 });
    assert.equal(readdirSync(scratch), [], 'nothing left in TMPDIR');
  } finally {
    process.chdir(cwd);
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('text merge: an input that is not text (a file that could not be read) gives null, never an exception', async () => {
  assert.is(await merge(null as unknown as string, 'a\n', 'b\n'), null);
});

test.run();
