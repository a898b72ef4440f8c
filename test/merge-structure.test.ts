/**
 * The body of the structural merge (mergeYaml in src/write/merge.ts): how a changed scalar is
 * written (at its bytes, or its pair anew), the walk over maps and lists, conflicts and their
 * texts, the resolution modes, the header and the whole-document conflicts. One scenario per test,
 * each asserting the exact text written. Several scenarios also change one value the tool writes
 * quoted (`q: 'quoted'`): a precise splice keeps the tool's quoting while the pair-by-pair fallback
 * (`patchToValue`) writes it plain, so the test tells which of the two wrote the file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeYaml, resolveMarkersToTheirs } from '../src/write/merge.ts';

// ---- replaceScalar: one value the tool changes, written at its own bytes or as its pair anew

test('a value the tool writes quoted is written with the tool\'s quotes, at its own bytes', () => {
  const base = 'a:\n  k: old\n  j: 1\n';
  const result = mergeYaml(base, base, "a:\n  k: 'new'\n  j: 1\n");
  assert.equal(result, { text: "a:\n  k: 'new'\n  j: 1\n", conflicts: [], reformatted: false });
});

test('a value the tool turns into a block scalar is written as the tool\'s lines, moved to the user\'s indentation, the other changes spliced', () => {
  const current = 'a:\n    k: old\n    j: 1\nq: old\n';
  const result = mergeYaml(current, 'a:\n  k: old\n  j: 1\nq: old\n', "a:\n  k: |\n    x\n    y\n  j: 1\nq: 'quoted'\n");
  assert.equal(result, { text: "a:\n    k: |\n      x\n      y\n    j: 1\nq: 'quoted'\n", conflicts: [], reformatted: false });
});

test('a value carrying an anchor is written as its pair anew, as the tool writes it', () => {
  const base = 'a:\n  k: &v old # mine\n  j: 1\n';
  const result = mergeYaml(base, base, 'a:\n  k: new\n  j: 1\n');
  assert.equal(result, { text: 'a:\n  k: new\n  j: 1\n', conflicts: [], reformatted: false });
});

test('a value carrying a tag is written as its pair anew, as the tool writes it', () => {
  const base = 'a:\n  k: !!str old\n  j: 1\n';
  const result = mergeYaml(base, base, 'a:\n  k: new\n  j: 1\n');
  assert.equal(result, { text: 'a:\n  k: new\n  j: 1\n', conflicts: [], reformatted: false });
});

test('a block scalar the tool turns into one line is written as the tool\'s pair, its comment included', () => {
  const base = 'a:\n  k: |\n    old\n  j: 1\n';
  const result = mergeYaml(base, base, 'a:\n  k: new # from tool\n  j: 1\n');
  assert.equal(result, { text: 'a:\n  k: new # from tool\n  j: 1\n', conflicts: [], reformatted: false });
});

test('a single-quoted value changes at its own bytes: the user\'s comment on its line stays', () => {
  const base = "a:\n  k: 'old' # mine\n  j: 1\n";
  const result = mergeYaml(base, base, 'a:\n  k: new # tool\n  j: 1\n');
  assert.equal(result, { text: 'a:\n  k: new # mine\n  j: 1\n', conflicts: [], reformatted: false });
});

test('a double-quoted value changes at its own bytes: the user\'s comment on its line stays', () => {
  const base = 'a:\n  k: "old" # mine\n  j: 1\n';
  const result = mergeYaml(base, base, 'a:\n  k: new # tool\n  j: 1\n');
  assert.equal(result, { text: 'a:\n  k: new # mine\n  j: 1\n', conflicts: [], reformatted: false });
});

test('a map the tool turns into a plain value is written as the tool\'s pair, its comment included', () => {
  const base = 'a:\n  k:\n    x: 1\n  j: 1\n';
  const result = mergeYaml(base, base, 'a:\n  k: 5 # five\n  j: 1\n');
  assert.equal(result, { text: 'a:\n  k: 5 # five\n  j: 1\n', conflicts: [], reformatted: false });
});

// ---- deletePair: the map would be left empty

test('the tool removing the only key of a nested map writes that map\'s own pair anew as {}, the comments around it kept', () => {
  const base = 'top:\n  # c\n  mid:\n    only: 1\n  other: 2\nq: old\n';
  const result = mergeYaml(base, base, "top:\n  mid: {} # emptied\n  other: 2\nq: 'quoted'\n");
  assert.equal(result, { text: "top:\n  # c\n  mid: {}\n  other: 2\nq: 'quoted'\n", conflicts: [], reformatted: false });
});

test('the tool removing the only key of a map three levels down writes only that map\'s pair anew', () => {
  const base = 'root: # r\n  top:\n    mid:\n      only: 1\n    other: 2 # o\nq: old\n';
  const result = mergeYaml(base, base, "root:\n  top:\n    mid: {}\n    other: 2\nq: 'quoted'\n");
  assert.equal(result, { text: "root: # r\n  top:\n    mid: {}\n    other: 2 # o\nq: 'quoted'\n", conflicts: [], reformatted: false });
});

// ---- conflicts, markers and --force

test('inline markers around a value with a comment: the tool side keeps the comment, and resolves to what --force writes', () => {
  const base = 'a:\n  k: old # note\n  j: 1\n';
  const current = 'a:\n  k: mine # note\n  j: 1\n';
  const desired = 'a:\n  k: theirs\n  j: 1\n';
  const result = mergeYaml(current, base, desired, 'markers');
  assert.equal(result, {
    text: 'a:\n<<<<<<< your edit\n  k: mine # note\n=======\n  k: theirs # note\n>>>>>>> generated now\n  j: 1\n',
    conflicts: ['a.k'],
    reformatted: false,
  });
  assert.is(resolveMarkersToTheirs(result.text), mergeYaml(current, base, desired, 'theirs').text);
});

test('inline markers for a key the user removed and the tool changed: an empty user side, the tool\'s pair at the end of the file', () => {
  const result = mergeYaml('a: 1\n', 'a: 1\nb: 2\n', 'a: 1\nb: 3\n', 'markers');
  assert.equal(result, { text: 'a: 1\n<<<<<<< your edit\n=======\nb: 3\n>>>>>>> generated now\n', conflicts: ['b'], reformatted: false });
});

test('inline markers for a removed key at the end of a file without a final newline start on a line of their own', () => {
  const result = mergeYaml('a: 1', 'a: 1\nb: 2\n', 'a: 1\nb: 3\n', 'markers');
  assert.equal(result, { text: 'a: 1\n<<<<<<< your edit\n=======\nb: 3\n>>>>>>> generated now\n', conflicts: ['b'], reformatted: false });
});

test('inline markers for a removed nested key in the middle of a file without a final newline: no blank line, the last line as it was', () => {
  const result = mergeYaml('a:\n  x: 1\nb: 2', 'a:\n  x: 1\n  y: 2\nb: 2\n', 'a:\n  x: 1\n  y: 3\nb: 2\n', 'markers');
  assert.equal(result, { text: 'a:\n  x: 1\n<<<<<<< your edit\n=======\n  y: 3\n>>>>>>> generated now\nb: 2', conflicts: ['a.y'], reformatted: false });
});

test('inline markers for a removed map the tool changed hold the tool\'s whole pair, over several lines', () => {
  const base = 'a:\n  x: 1\n  y:\n    p: 1\n    q: 2\nb: 2\n';
  const result = mergeYaml('a:\n  x: 1\nb: 2\n', base, 'a:\n  x: 1\n  y:\n    p: 1\n    q: 3\nb: 2\n', 'markers');
  assert.equal(result, {
    text: 'a:\n  x: 1\n<<<<<<< your edit\n=======\n  y:\n    p: 1\n    q: 3\n>>>>>>> generated now\nb: 2\n',
    conflicts: ['a.y'],
    reformatted: false,
  });
});

test('inline markers for a removed key whose generated pair follows a blank line and a comment: the whole file is marked', () => {
  const result = mergeYaml('a: 1', 'a: 1\n\n# c\nb: 2\n', 'a: 1\n\n# c\nb: 3\n', 'markers');
  assert.equal(result, { text: '<<<<<<< your edit\na: 1\n=======\na: 1\n\n# c\nb: 3\n>>>>>>> generated now\n', conflicts: ['b'], reformatted: false });
});

test('inline markers for a key the user removed from a flow map: the whole file is marked, the tool side as --force writes it', () => {
  const current = 'a: {x: 1}\nb: 2\n';
  const base = 'a:\n  x: 1\n  y: 2\nb: 2\n';
  const desired = 'a:\n  x: 1\n  y: 3\nb: 2\n';
  const result = mergeYaml(current, base, desired, 'markers');
  assert.equal(result, {
    text: '<<<<<<< your edit\na: {x: 1}\nb: 2\n=======\na:\n  x: 1\n  y: 3\nb: 2\n>>>>>>> generated now\n',
    conflicts: ['a.y'],
    reformatted: false,
  });
  assert.is(resolveMarkersToTheirs(result.text), mergeYaml(current, base, desired, 'theirs').text);
});

test('--force on a conflicting value writes the tool\'s value with the tool\'s quotes', () => {
  const result = mergeYaml('a:\n  k: mine\n  j: 1\n', 'a:\n  k: old\n  j: 1\n', "a:\n  k: 'theirs'\n  j: 1\n", 'theirs');
  assert.equal(result, { text: "a:\n  k: 'theirs'\n  j: 1\n", conflicts: ['a.k'], reformatted: false });
});

test('--force on a key the user removed and the tool changed inserts the tool\'s pair with its comment', () => {
  const result = mergeYaml('a: 1\n', 'a: 1\nb: 2 # c\n', 'a: 1\nb: 3 # tool\n', true);
  assert.equal(result, { text: 'a: 1\nb: 3 # tool\n', conflicts: ['b'], reformatted: false });
});

test('a key the user removed is inserted by --force in the generated order when asked', () => {
  const result = mergeYaml('a: 1\nc: 3\n', 'a: 1\nb: 2\nc: 3\n', "a: 1\nb: 'x'\nc: 3\n", 'theirs', 'generated');
  assert.equal(result, { text: "a: 1\nb: 'x'\nc: 3\n", conflicts: ['b'], reformatted: false });
});

// ---- anchors the change would drop

// A map replaced by a scalar takes its anchored child with it; an alias elsewhere then refers to nothing.
const ANCHOR_IN_MAP = 'p:\n  a: &x 1\nb: *x\n';
const DROPPED = '(document): the change would drop an anchor the file refers to (Unresolved alias (the anchor must be set before the alias): x)';

test('a change dropping an anchor the file refers to: keep leaves the file, a conflict of the whole document, not re-serialised', () => {
  const result = mergeYaml(ANCHOR_IN_MAP, 'p:\n  a: 1\n', 'p: 2\n', 'keep');
  assert.equal(result, { text: ANCHOR_IN_MAP, conflicts: [DROPPED], reformatted: false });
});

test('a change dropping an anchor the file refers to: --force writes the generated file, inline marks the whole file', () => {
  assert.equal(mergeYaml(ANCHOR_IN_MAP, 'p:\n  a: 1\n', 'p: 2\n', 'theirs'), { text: 'p: 2\n', conflicts: [DROPPED], reformatted: false });
  assert.equal(mergeYaml(ANCHOR_IN_MAP, 'p:\n  a: 1\n', 'p: 2\n', 'markers'), {
    text: '<<<<<<< your edit\np:\n  a: &x 1\nb: *x\n=======\np: 2\n>>>>>>> generated now\n',
    conflicts: [DROPPED],
    reformatted: false,
  });
});

// ---- lists of maps (updateSeq)

test('a flow list of maps the tool extends is written as the tool writes it, comments and indentation included', () => {
  const base = 'accounts: [{name: a}]\nq: old\n';
  const desired = "accounts:\n- name: a\n- name: b # new\nq: 'quoted'\n";
  assert.equal(mergeYaml(base, base, desired), { text: desired, conflicts: [], reformatted: false });
});

test('a map item appended at the end of a file without a final newline starts on a line of its own, the other changes spliced', () => {
  const base = 'q: old\naccounts:\n  - name: a';
  const result = mergeYaml(base, base, "q: 'quoted'\naccounts:\n  - name: a\n  - name: b\n");
  assert.equal(result, { text: "q: 'quoted'\naccounts:\n  - name: a\n  - name: b\n", conflicts: [], reformatted: false });
});

test('two map items appended to a list of maps go in order, each as the tool writes it', () => {
  const base = 'q: old\naccounts:\n  - name: a # first\n';
  const result = mergeYaml(base, base, "q: 'quoted'\naccounts:\n  - name: a\n  - name: b # second\n  - name: c\n");
  assert.equal(result, { text: "q: 'quoted'\naccounts:\n  - name: a # first\n  - name: b # second\n  - name: c\n", conflicts: [], reformatted: false });
});

// ---- lists of plain values (mergeList)

test('a flow list the tool shortens is written anew as the merged block list', () => {
  const base = 'q: old\nimports: [a, b]\n';
  const result = mergeYaml(base, base, "q: 'quoted'\nimports: [b] # tool\n");
  assert.equal(result, { text: "q: 'quoted'\nimports:\n  - b\n", conflicts: [], reformatted: false });
});

test('the tool removing every item of a block list writes that pair anew as [], the other changes spliced', () => {
  const base = 'q: old\nimports:\n  - a\n  - b\nz: 1\n';
  const result = mergeYaml(base, base, "q: 'quoted'\nimports: [] # none\nz: 1\n");
  assert.equal(result, { text: "q: 'quoted'\nimports: []\nz: 1\n", conflicts: [], reformatted: false });
});

test('a tagged list item the tool removes: the list is written anew as the merged value', () => {
  const base = 'q: old\nimports:\n  - !!str a\n  - b\n';
  const result = mergeYaml(base, base, "q: 'quoted'\nimports:\n  - b # kept\n");
  assert.equal(result, { text: "q: 'quoted'\nimports:\n  - b\n", conflicts: [], reformatted: false });
});

test('a list whose last item is tagged gets the tool\'s new item by being written anew as the merged value', () => {
  const base = 'q: old\nimports:\n  - a\n  - !!str b\n';
  const result = mergeYaml(base, base, "q: 'quoted'\nimports:\n  - a\n  - b\n  - c # new\n");
  assert.equal(result, { text: "q: 'quoted'\nimports:\n  - a\n  - b\n  - c\n", conflicts: [], reformatted: false });
});

test('two plain items the tool adds are appended one a line, the other changes spliced', () => {
  const base = 'q: old\nimports:\n  - a # mine\n';
  const result = mergeYaml(base, base, "q: 'quoted'\nimports:\n  - a\n  - b\n  - c\n");
  assert.equal(result, { text: "q: 'quoted'\nimports:\n  - a # mine\n  - b\n  - c\n", conflicts: [], reformatted: false });
});

test('a plain item appended after a last line without newline starts on a line of its own, the other changes spliced', () => {
  const base = 'q: old\nimports:\n  - a';
  const result = mergeYaml(base, base, "q: 'quoted'\nimports:\n  - a\n  - b\n");
  assert.equal(result, { text: "q: 'quoted'\nimports:\n  - a\n  - b\n", conflicts: [], reformatted: false });
});

// ---- files whose top level is a flow map: re-serialised whole

test('a key the tool adds to a file whose top level is a flow map: the file is re-serialised, the tool\'s quoting kept', () => {
  const result = mergeYaml('{a: {p: 1}}\n', 'a:\n  p: 1\n', "a:\n  p: 1\n  q: 'x'\n");
  assert.equal(result, { text: "{ a: { p: 1, q: 'x' } }\n", conflicts: [], reformatted: true });
});

test('the header comment as generated stays above a flow-map file the merge re-serialises, its blank line too', () => {
  const result = mergeYaml('# h\n\n{a: 1}\n', '# h\na: 1\n', '# h\na: 1\nb: 2\n');
  assert.equal(result, { text: '# h\n\n{ a: 1, b: 2 }\n', conflicts: [], reformatted: true });
});

test.run();
