/**
 * How the structural merge writes its splices into the user's text (src/write/merge.ts, the helpers
 * at its top and the start of mergeYaml): where a new pair goes and at which column, which comment
 * lines and blank line travel with it, how a pair written anew is reindented, the header comment,
 * files without a final newline, and the argument defaults. Each case asserts the exact text.
 *
 * Many cases add a "witness": a new key with a comment above it. The planned splices carry that
 * comment; the pair-by-pair fallback (`patchToValue`) does not. So a case whose splices go wrong
 * shows it in the text even where the fallback would otherwise write the same values.
 */
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equal, mergeYaml } from '../src/write/merge.ts';

/** Merge taking the tool's side, asserting the file was edited in place with no conflict; the text. */
function theirs(current: string, base: string | null, desired: string, newKeys: 'end' | 'generated' = 'end'): string {
  const result = mergeYaml(current, base, desired, 'theirs', newKeys);
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  return result.text;
}

/**
 * mergeYaml run in a worker thread and stopped `ms` after the module has loaded: null when it did
 * not finish. Only for the one case where a wrong bound in the comment scan would loop forever
 * instead of failing. The clock starts once the worker is ready, so a slow start on a loaded
 * machine is never taken for a loop.
 */
function mergeInWorker(args: Parameters<typeof mergeYaml>, ms: number): Promise<unknown> {
  const url = new URL('../src/write/merge.ts', import.meta.url).href;
  const code = `const { parentPort, workerData } = require('node:worker_threads');
import('tsx/esm/api').then((t) => { t.register(); return import(workerData.url); }).then((m) => {
  parentPort.postMessage({ ready: true });
  parentPort.postMessage({ result: m.mergeYaml(...workerData.args) });
});`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { url, args } });
    let timer: NodeJS.Timeout | undefined;
    worker.on('message', (message: { ready?: true; result?: unknown }) => {
      if (message.ready) {
        timer = setTimeout(() => void worker.terminate().then(() => resolve(null)), ms);
        return;
      }
      clearTimeout(timer);
      void worker.terminate();
      resolve(message.result);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

// --- equal ---------------------------------------------------------------------------------------

test('equal: .nan equals .nan, and nothing else', () => {
  assert.ok(equal(Number.NaN, Number.NaN));
  assert.not.ok(equal(Number.NaN, 1));
  assert.not.ok(equal(1, Number.NaN));
});

test('equal: key order does not matter, list order and length do, a list is never a map', () => {
  assert.ok(equal({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
  assert.not.ok(equal([1, 2], [2, 1]));
  assert.not.ok(equal([1], [1, 1]));
  assert.not.ok(equal(['x'], { 0: 'x' }));
  assert.not.ok(equal({ a: 1 }, { b: 1 }));
});

// --- where a new pair goes, and what comes with it ----------------------------------------------

test('a new key goes after the last pair of its map, at the column of that map in the user\'s file', () => {
  assert.is(theirs('a:\n    x: 1\n', 'a:\n  x: 1\n', 'a:\n  x: 1\n  # why y\n  y: 2\n'), 'a:\n    x: 1\n    # why y\n    y: 2\n');
});

test('a new nested pair moved to a smaller column keeps its inner indentation relative to its key', () => {
  const desired = 'a:\n      x: 1\n      # why y\n      y:\n        deep:\n          - 1\n';
  assert.is(theirs('a:\n  x: 1\n', 'a:\n      x: 1\n', desired), 'a:\n  x: 1\n  # why y\n  y:\n    deep:\n      - 1\n');
});

test('a new nested pair moved to a larger column shifts each of its lines by the same amount', () => {
  const desired = 'a:\n  x: 1\n  # why y\n  y:\n    deep: 2\n';
  assert.is(theirs('a:\n      x: 1\n', 'a:\n  x: 1\n', desired), 'a:\n      x: 1\n      # why y\n      y:\n        deep: 2\n');
});

test('a comment line inside a new pair, left of its key, stays where it is when the pair moves left', () => {
  const desired = 'a:\n      x: 1\n      y:\n# c\n        deep: 1\n';
  assert.is(theirs('a:\n  x: 1\n', 'a:\n      x: 1\n', desired), 'a:\n  x: 1\n  y:\n# c\n    deep: 1\n');
});

test('a block scalar moved to another column keeps the bytes of its whitespace-only lines', () => {
  const desired = 'a:\n  x: 1\n  y: |\n    one\n  \n    two\n';
  assert.is(theirs('a:\n    x: 1\n', 'a:\n  x: 1\n', desired), 'a:\n    x: 1\n    y: |\n      one\n  \n      two\n');
});

test('comment lines directly above a new key at its column go with it, a comment at another column does not', () => {
  const desired = 'a:\n  k: 1\n# a note about the file\n  # about j\n  j: 2\n';
  assert.is(theirs('a:\n  k: 1\n', 'a:\n  k: 1\n', desired), 'a:\n  k: 1\n  # about j\n  j: 2\n');
});

test('comments above a new key that reach the top of the generated file go with it (the header stays the user\'s)', async () => {
  const result = await mergeInWorker(['a: 1\n', '# about b\na: 1\n', '# about b\nb: 2\na: 1\n', 'theirs'], 5000);
  assert.equal(result, { text: 'a: 1\n# about b\nb: 2\n', conflicts: [], reformatted: false });
});

test('a pair above a new key whose value holds a # is not taken for a comment', () => {
  const desired = 'x: 1 # note\n# about y\ny: 2\n';
  assert.is(theirs('x: 1 # note\n', 'x: 1 # note\n', desired), 'x: 1 # note\n# about y\ny: 2\n');
});

test('a blank line before a new key\'s comments in the generated file comes with them', () => {
  const desired = 'a: 1\n\n# about b\nb: 2\n';
  assert.is(theirs('a: 1\n', 'a: 1\n', desired), 'a: 1\n\n# about b\nb: 2\n');
});

test('a line of spaces before a new key counts as a blank line, and is written as an empty one', () => {
  const desired = 'a: 1\n   \n# about b\nb: 2\n';
  assert.is(theirs('a: 1\n', 'a: 1\n', desired), 'a: 1\n\n# about b\nb: 2\n');
});

test('a new key with no blank line before it is inserted with none', () => {
  assert.is(theirs('a: 1\n', 'a: 1\n', 'a: 1\nb: 2\n'), 'a: 1\nb: 2\n');
});

test('a new key the generated file writes inside a flow map is written as a block pair at the user\'s column', () => {
  const desired = 'a: {x: 1, y: 2}\n# about b\nb: 1\n';
  assert.is(theirs('a:\n  x: 1\n', 'a: {x: 1}\n', desired), 'a:\n  x: 1\n  y: 2\n# about b\nb: 1\n');
});

test('a new key whose generated pair is the last line without a final newline still ends its line', () => {
  assert.is(theirs('z: 9\nmine: 1\n', 'z: 9\n', 'z: 9\nb: 2', 'generated'), 'z: 9\nb: 2\nmine: 1\n');
});

test('a key added to a map the user wrote as {} rewrites that pair as a block map', () => {
  assert.is(theirs('a: {}\nb: 1\n', 'a: {}\nb: 1\n', 'a:\n  y: 2\nb: 1\n'), 'a:\n  y: 2\nb: 1\n');
});

test('a key added to a flow map the user spread over lines rewrites that pair as a block map', () => {
  assert.is(theirs('a: {\n  x: 1,\n}\n', 'a: {x: 1}\n', 'a:\n  x: 1\n  y: 2\n'), 'a:\n  x: 1\n  y: 2\n');
});

test('a file whose first key is a flow list is written anew when a key is added', () => {
  const result = mergeYaml('[k]: 1\nx: 1\n', 'x: 1\n', 'x: 1\ny: 2\n', 'theirs');
  assert.equal(result, { text: '? [ k ]\n: 1\nx: 1\ny: 2\n', conflicts: [], reformatted: true });
});

// --- generated order ---------------------------------------------------------------------------

test('in end order a new key goes after the user\'s last pair even where the generated file has it earlier', () => {
  assert.is(theirs('a: 1\nb: 3\n', 'a: 1\nb: 3\n', 'a: 1\nnew: 2\nb: 3\n'), 'a: 1\nb: 3\nnew: 2\n');
});

// Keep this case before the next ones: a mutant that walks the generated order the wrong way
// fails here, where a later key stops it, instead of looping forever on the cases below.
test('in generated order a new key goes after the nearest preceding key the user still has (skipping one the user removed)', () => {
  const desired = 'a: 1\ngone: 0\n# about new\nnew: 2\nb: 3\n';
  assert.is(theirs('a: 1\nb: 3\n', 'a: 1\ngone: 0\nb: 3\n', desired, 'generated'), 'a: 1\n# about new\nnew: 2\nb: 3\n');
});

test('in generated order a new key goes before the first pair when only later keys are in the file', () => {
  const desired = 'a: 1\nb: 2\nc: 3\n';
  assert.is(theirs('b: 2\nmine: 1\n', 'b: 2\n', desired, 'generated'), 'a: 1\nb: 2\nc: 3\nmine: 1\n');
});

test('in generated order new keys none of whose neighbours the user has go at the end', () => {
  assert.is(theirs('mine: 1\n', null, 'a: 1\nb: 2\n', 'generated'), 'mine: 1\na: 1\nb: 2\n');
});

test('in generated order, a map opened by "- " gets a key meant for its front after its last pair', () => {
  const current = 'l:\n  - a: 1\n    b: 2\n';
  const desired = 'l:\n  - n: 0\n    a: 1\n    b: 2\n';
  assert.is(theirs(current, current, desired, 'generated'), 'l:\n  - a: 1\n    b: 2\n    n: 0\n');
});

test('in generated order a key inserted mid-file of a file without a final newline adds no blank line', () => {
  assert.is(theirs('a: 1\nc: 3', 'a: 1\nc: 3\n', 'a: 1\nb: 2\nc: 3\n', 'generated'), 'a: 1\nb: 2\nc: 3');
});

test('in generated order, a new key whose only preceding key is written as "? k" is not put before the first pair', () => {
  // "? k" shares its line with "?", so no pair can be placed after it: the file is written anew.
  const result = mergeYaml('x: 0\n? k\n: 1\n', 'k: 1\n', 'k: 1\nn: 2\n', 'theirs', 'generated');
  assert.equal(result, { text: 'x: 0\nk: 1\nn: 2\n', conflicts: [], reformatted: true });
});

// --- files without a final newline ---------------------------------------------------------------

test('a new key at the end of a file without a final newline starts its own line, its comment with it', () => {
  assert.is(theirs('a: 1', 'a: 1\n', 'a: 1\n# about b\nb: 2\n'), 'a: 1\n# about b\nb: 2\n');
});

// --- pairs written anew -----------------------------------------------------------------------

test('a value the tool turns into a list is written with the generated bytes, the comment above it kept once', () => {
  const base = 'a: 1\n# about b\nb: x\n';
  assert.is(theirs(base, base, 'a: 1\n# about b\nb: [p, q] # why\n'), 'a: 1\n# about b\nb: [p, q] # why\n');
});

test('a key the tool adds before a pair it rewrites: the rewrite and the insertion both land', () => {
  const base = 'a: 1\nb: 2\n';
  assert.is(theirs(base, base, 'a: 1\n# about c\nc: 3\nb:\n  k: v\n'), 'a: 1\nb:\n  k: v\n# about c\nc: 3\n');
});

test('values the tool changes in a different key order than the file\'s all change at their own bytes', () => {
  const base = 'a: 1\nb: 2\n';
  assert.is(theirs(base, base, 'b: 22\na: 11\n# about c\nc: 3\n'), 'a: 11\nb: 22\n# about c\nc: 3\n');
});

test('a deleted key that leaves its map empty writes the map as {} and the new commented key lands', () => {
  const base = 'a:\n  b: 1\nx: 0\n';
  assert.is(theirs(base, base, 'a: {}\nx: 0\n# about c\nc: 3\n'), 'a: {}\nx: 0\n# about c\nc: 3\n');
});

test('a deleted key whose map keeps other pairs goes line by line, spacing of the others kept', () => {
  const base = 'a:\n  b:\n    c: 1\n    d:    2\n';
  assert.is(theirs(base, base, 'a:\n  b:\n    d: 2\n'), 'a:\n  b:\n    d:    2\n');
});

test('the only top-level key deleted while new ones come: the new comment is kept', () => {
  assert.is(theirs('a: 1\n', 'a: 1\n', 'x: 0\n# about b\nb: 2\n'), 'x: 0\n# about b\nb: 2\n');
});

test('a new key the generated file writes as an explicit "?" key on its own line is added as a plain pair', () => {
  assert.is(theirs('x: 0\n', 'x: 0\n', 'x: 0\n?\n  k\n'), 'x: 0\nk: null\n');
});

// --- scalars -------------------------------------------------------------------------------------

test('an empty value after "key: " is filled without a second space', () => {
  assert.is(theirs('a: \nb: 1\n', 'a: \nb: 1\n', 'a: 2\nb: 1\n'), 'a: 2\nb: 1\n');
});

test('an empty value right after the colon gets a space before the new value', () => {
  assert.is(theirs('a:\nb: 1\n', 'a:\nb: 1\n', 'a: 2\nb: 1\n'), 'a: 2\nb: 1\n');
});

test('a changed plain value keeps the spacing after its colon', () => {
  assert.is(theirs('a:   1 # c\n', 'a: 1\n', 'a: 2\n'), 'a:   2 # c\n');
});

test('a value right after the colon of a JSON-style key is replaced without adding a space', () => {
  assert.is(theirs('m: {"a":1}\n', 'm: {"a":1}\n', 'm: {"a":2}\n'), 'm: {"a":2}\n');
});

test('a value the tool sets to null is written as null at its own bytes, also where another pair must be written anew', () => {
  assert.is(theirs('f: {x: 1}\na:   1 # c\n', 'f: {x: 1}\na: 1\n', 'f: {x: 1, y: 2}\na: null\n'), 'f:\n  x: 1\n  y: 2\na:   null # c\n');
});

test('a plain item the tool appends to a list is written plain, not JSON-quoted', () => {
  const base = 'l:\n  - x\n';
  assert.is(theirs(base, base, 'l:\n  - x\n  - y\n'), 'l:\n  - x\n  - y\n');
});

test('a long item appended to a list stays on one line', () => {
  const long = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ');
  const base = 'l:\n  - x\n';
  assert.is(theirs(base, base, `l:\n  - x\n  - ${long}\n`), `l:\n  - x\n  - ${long}\n`);
});

// --- header comment ------------------------------------------------------------------------------

test('a header of several lines is the tool\'s only while all of its lines are as generated', () => {
  const base = '# l1\n# l2\na: 1\n';
  assert.is(theirs(base, base, '# l1\n# l3\na: 1\n'), '# l1\n# l3\na: 1\n');
});

test('a header the tool starts writing is added to a file that has none', () => {
  assert.is(theirs('a: 1\nb: 2\n', 'a: 1\n', '# new\na: 1\n'), '# new\na: 1\nb: 2\n');
});

test('a base that is only comments, without a final newline, does not make the user\'s header the tool\'s', () => {
  assert.is(theirs('# h\na: 1\n', '# h\n# x', '# new\na: 1\n'), '# h\na: 1\n');
});

// --- whole-document outcomes and argument defaults ----------------------------------------------

const BAD = 'a: [';
const BAD_REASON = '(document): Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 5:';

test('a file that does not parse is kept as it is, with the parser\'s first line as the reason', () => {
  assert.equal(mergeYaml(BAD, 'a: 1\n', 'a: 2\n'), { text: BAD, conflicts: [BAD_REASON], reformatted: false });
});

test('a file that does not parse, with markers, is wrapped whole, a final newline added to each side', () => {
  assert.equal(mergeYaml(BAD, 'a: 1\n', 'a: 2', 'markers'), {
    text: '<<<<<<< your edit\na: [\n=======\na: 2\n>>>>>>> generated now\n',
    conflicts: [BAD_REASON],
    reformatted: false,
  });
});

const CONFLICT = { current: 'a: ours\nb: 1\n', base: 'a: base\nb: 1\n', desired: 'a: theirs\nb: 2\n' };

test('by default a conflict leaves the whole file as it is, the tool\'s other changes too', () => {
  assert.equal(mergeYaml(CONFLICT.current, CONFLICT.base, CONFLICT.desired), { text: CONFLICT.current, conflicts: ['a'], reformatted: false });
});

test('resolution false is keep: the file stays as it is', () => {
  assert.equal(mergeYaml(CONFLICT.current, CONFLICT.base, CONFLICT.desired, false), { text: CONFLICT.current, conflicts: ['a'], reformatted: false });
});

test('resolution true is theirs: the tool\'s side of the conflict is written', () => {
  assert.equal(mergeYaml(CONFLICT.current, CONFLICT.base, CONFLICT.desired, true), { text: 'a: theirs\nb: 2\n', conflicts: ['a'], reformatted: false });
});

test('a file the tool has nothing to change is returned as it is, even holding a value that is not equal to itself', () => {
  const current = 'a: 1   # ours\nmine: .nan\n';
  assert.equal(mergeYaml(current, 'a: 1\n', 'a: 1\n'), { text: current, conflicts: [], reformatted: false });
});

test.run();
