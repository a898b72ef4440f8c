/**
 * addMissingKeys (src/write/merge.ts): the keys setup adds to a user's atmos.yaml, written as text
 * so every byte already in the file stays as it is. One scenario per test, asserting the exact
 * output text or the exact error message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addMissingKeys, AddKeysError } from '../src/write/merge.ts';

function throwsWith(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (error) {
    assert.is((error as Error).message, message);
    return;
  }
  assert.unreachable(`expected the error: ${message}`);
}

// ---- where a missing key goes ----

test('a top-level key atmos.yaml lacks goes at the end of the file, after a blank line', () => {
  assert.is(addMissingKeys('base_path: .\n', { logs: 'x' }), 'base_path: .\n\nlogs: x\n');
});

test('several top-level keys each go at the end, each after a blank line, in the order given', () => {
  assert.is(addMissingKeys('a: 1\n', { b: 1, c: 2 }), 'a: 1\n\nb: 1\n\nc: 2\n');
});

test('a key a nested map lacks goes after the last pair of that map, at its first key\'s column, before the next top-level key', () => {
  const current = 'stacks:\n  base_path: stacks\nlogs:\n  level: Info\n';
  assert.is(addMissingKeys(current, { stacks: { name_pattern: '{stage}' } }), 'stacks:\n  base_path: stacks\n  name_pattern: "{stage}"\nlogs:\n  level: Info\n');
});

test('a nested map indented by four spaces gets its new key at four spaces', () => {
  const current = 'stacks:\n    base_path: stacks\nlogs: {}\n';
  assert.is(addMissingKeys(current, { stacks: { x: 1 } }), 'stacks:\n    base_path: stacks\n    x: 1\nlogs: {}\n');
});

test('a top-level map that is itself indented gets its new key at that column, with no blank line', () => {
  assert.is(addMissingKeys('  a: 1\n  b: 2\n', { c: 1 }), '  a: 1\n  b: 2\n  c: 1\n');
});

test('a key goes after a trailing comment on the last pair\'s line, and before a comment line that follows the map', () => {
  const current = 'x:\n  a: 1 # ours\n  # trailing note\ny: 2\n';
  assert.is(addMissingKeys(current, { x: { b: 2 } }), 'x:\n  a: 1 # ours\n  b: 2\n  # trailing note\ny: 2\n');
});

test('keys missing in maps several levels deep each go at the end of their own map, the deepest first where they share an end', () => {
  const current = 'x:\n  y:\n    z:\n      a: 1\nq: 1\n';
  assert.is(addMissingKeys(current, { x: { y: { z: { b: 2 }, w: 3 } } }), 'x:\n  y:\n    z:\n      a: 1\n      b: 2\n    w: 3\nq: 1\n');
});

test('a nested key and a new top-level key land at their own places, whatever their order in the additions', () => {
  const current = 'x:\n  a: 1\ny: 2\n';
  const want = 'x:\n  a: 1\n  b: 1\ny: 2\n\nz: 3\n';
  assert.is(addMissingKeys(current, { x: { b: 1 }, z: 3 }), want);
  assert.is(addMissingKeys(current, { z: 3, x: { b: 1 } }), want);
});

test('two keys for the same nested map go after its last pair in the order given', () => {
  assert.is(addMissingKeys('a:\n  b: 1\nz: 0\n', { a: { c: 1, d: 2 } }), 'a:\n  b: 1\n  c: 1\n  d: 2\nz: 0\n');
});

test('a missing map with a list inside is written as a block, its list indented under its key', () => {
  assert.is(addMissingKeys('a: 1\n', { b: { c: [1, 2], d: 'x' } }), 'a: 1\n\nb:\n  c:\n    - 1\n    - 2\n  d: x\n');
});

test('a long string value is written on one line, never folded', () => {
  const long = 'word '.repeat(25).trim();
  assert.is(addMissingKeys('a: 1\n', { b: long }), `a: 1\n\nb: ${long}\n`);
});

test('a file without a final newline gets one before a list item is added in the middle', () => {
  assert.is(addMissingKeys('l:\n  - a\nz: 1', { l: ['b'] }), 'l:\n  - a\n  - b\nz: 1\n');
});

test('a key at the end of a file without a final newline goes after a blank line, as in any file', () => {
  assert.is(addMissingKeys('a: 1', { b: 2 }), 'a: 1\n\nb: 2\n');
});

test('a list item at the end of a file without a final newline goes on a line of its own', () => {
  assert.is(addMissingKeys('l:\n  - a', { l: ['b'] }), 'l:\n  - a\n  - b\n');
});

test('a nested key at the end of a file without a final newline goes on a line of its own', () => {
  assert.is(addMissingKeys('a:\n  b: 1', { a: { d: 1 } }), 'a:\n  b: 1\n  d: 1\n');
});

// ---- keys whose value is empty ----

test('a key with no value gets a scalar in place, its comment kept', () => {
  assert.is(addMissingKeys('a:\nb: 1\n', { a: 2 }), 'a: 2\nb: 1\n');
  assert.is(addMissingKeys('a: # set me\nb: 1\n', { a: 2 }), 'a: 2 # set me\nb: 1\n');
});

test('a key with no value gets a map written under it', () => {
  assert.is(addMissingKeys('a:\nb: 1\n', { a: { c: 1 } }), 'a:\n  c: 1\nb: 1\n');
  assert.is(addMissingKeys('x:\n  a:\n  b: 1\n', { x: { a: { c: 1 } } }), 'x:\n  a:\n    c: 1\n  b: 1\n');
});

test('a key whose value is ~ or null gets the value in place of the null', () => {
  assert.is(addMissingKeys('a: ~\nb: 1\n', { a: 2 }), 'a: 2\nb: 1\n');
  assert.is(addMissingKeys('a: null # n\nb: 1\n', { a: { c: 1 } }), 'a:  # n\n  c: 1\nb: 1\n');
});

test('a key with no value gets a list written under it', () => {
  assert.is(addMissingKeys('a:\nb: 1\n', { a: ['x', 'y'] }), 'a:\n  - x\n  - y\nb: 1\n');
});

// ---- several additions ending at one place ----

test('a new top-level key and new items of the last list: the items stay in the list, the key after them', () => {
  assert.is(addMissingKeys('a: 1\nb:\n  - x\n', { c: 1, b: ['y'] }), 'a: 1\nb:\n  - x\n  - y\n\nc: 1\n');
});

test('a new top-level key and a key of the last map, in either order: the nested key first', () => {
  assert.is(addMissingKeys('a:\n  b: 1\n', { e: 1, a: { d: 1 } }), 'a:\n  b: 1\n  d: 1\n\ne: 1\n');
});

// ---- values the file holds stay what they are ----

test('a block scalar that keeps its final line breaks (|+) keeps them: the new key follows without a blank line', () => {
  assert.is(addMissingKeys('a: |+\n  text\n\n', { b: 1 }), 'a: |+\n  text\n\nb: 1\n');
  assert.is(addMissingKeys('a: |+\n  text\n', { b: 1 }), 'a: |+\n  text\nb: 1\n');
});

test('a new value with a blank line inside keeps it', () => {
  const out = addMissingKeys('a: 1\n', { b: 'x\n\ny\n' });
  assert.is(out, 'a: 1\n\nb: |\n  x\n\n  y\n');
});

test('a map whose first key is not plain ([a]) gets its new key at that key\'s column', () => {
  assert.is(addMissingKeys('x:\n  [a]: 1\n', { x: { b: 1 } }), 'x:\n  [a]: 1\n  b: 1\n');
});

// ---- empty files and flow maps ----

test('an empty file, or one holding only comments, gets its keys at the end', () => {
  assert.is(addMissingKeys('', { b: 2 }), 'b: 2\n');
  assert.is(addMissingKeys('# only comment\n', { b: 2 }), '# only comment\n\nb: 2\n');
});

test('a flow map that already holds the key wanted is left as it is', () => {
  assert.is(addMissingKeys('m: {a: 1}\n', { m: { a: 1 } }), 'm: {a: 1}\n');
});

test('quoted keys, anchors and aliases in the file keep their bytes', () => {
  assert.is(addMissingKeys('"a": &x 1\nb: *x\n', { c: 1 }), '"a": &x 1\nb: *x\n\nc: 1\n');
});

// ---- lists ----

test('a list gets only its missing items, in the order given, at the indentation of its items', () => {
  const current = 'l:\n  - a\n  - b\nz: 1\n';
  assert.is(addMissingKeys(current, { l: ['b', 'c', 'd'] }), 'l:\n  - a\n  - b\n  - c\n  - d\nz: 1\n');
});

test('a compact list (dashes at the key\'s column) gets its new items at column 0', () => {
  assert.is(addMissingKeys('l:\n- a\n- b\nz: 1\n', { l: ['b', 'c'] }), 'l:\n- a\n- b\n- c\nz: 1\n');
});

test('a list indented by four spaces gets its new items at four spaces', () => {
  assert.is(addMissingKeys('a:\n    - x\nb: 1\n', { a: ['y'] }), 'a:\n    - x\n    - y\nb: 1\n');
});

test('a list of maps gets only the maps it lacks', () => {
  assert.is(addMissingKeys('a:\n  - x: 1\nb: 1\n', { a: [{ x: 1 }, { y: 2 }] }), 'a:\n  - x: 1\n  - y: 2\nb: 1\n');
});

test('a nested list gets its items, and a later missing key goes after it', () => {
  const current = 'stacks:\n  included_paths:\n    - orgs/**/*\n  base_path: s\n';
  assert.is(
    addMissingKeys(current, { stacks: { included_paths: ['orgs/**/*', 'more/*'], excluded_paths: ['**/_defaults.yaml'] } }),
    'stacks:\n  included_paths:\n    - orgs/**/*\n    - more/*\n  base_path: s\n  excluded_paths:\n    - "**/_defaults.yaml"\n',
  );
});

test('a list that already holds every item is left as it is', () => {
  const current = 'l:\n  - 1\n  - two\n  - true\n';
  assert.is(addMissingKeys(current, { l: [1, 'two', true] }), current);
});

// ---- what is left alone ----

test('values the file already holds are never changed, even when they differ', () => {
  const current = 'a: 1 # keep\nm:\n  k: v\n';
  assert.is(addMissingKeys(current, { a: 2, m: { k: 'other' } }), current);
});

test('a file without a final newline and nothing missing is returned byte for byte', () => {
  assert.is(addMissingKeys('a: 1', { a: 1 }), 'a: 1');
});

test('an empty file and nothing to add stays empty', () => {
  assert.is(addMissingKeys('', {}), '');
});

test('a flow list is left as it is', () => {
  assert.is(addMissingKeys('l: [a, b]\n', { l: ['c'] }), 'l: [a, b]\n');
});

test('a scalar where a list is wanted is left as it is', () => {
  assert.is(addMissingKeys('a: x\n', { a: ['q'] }), 'a: x\n');
});

// ---- refusals ----

test('a file that is not valid YAML is refused with the parser\'s first line', () => {
  throwsWith(
    () => addMissingKeys('a: [\n', { b: 1 }),
    'cannot add keys to a file that is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:',
  );
});

test('a document that is a list is refused', () => {
  throwsWith(() => addMissingKeys('- a\n', { b: 1 }), 'cannot add keys to a YAML document that is not a map');
});

test('a document that is a flow map is refused', () => {
  throwsWith(() => addMissingKeys('{a: 1}\n', { b: 1 }), 'cannot add b: the document is not a block map');
});

test('a key wanted inside a flow map is refused, naming its path', () => {
  throwsWith(() => addMissingKeys('m: {a: 1}\n', { m: { b: 1 } }), 'cannot add m.b: m is not a block map');
});

test('a key wanted under a scalar is refused, naming the full path', () => {
  throwsWith(() => addMissingKeys('a:\n  b: 1\n', { a: { b: { c: 1 } } }), 'cannot add a.b.c: a.b is not a block map');
});

test('a map written with explicit keys (? a) gets its new key after the last value, at the keys\' column', () => {
  assert.is(addMissingKeys('? a\n: 1\n', { b: 1 }), '? a\n: 1\n\nb: 1\n');
  assert.is(addMissingKeys('x:\n  ? [x]\n  : 1\n', { x: { b: 2 } }), 'x:\n  ? [x]\n  : 1\n  b: 2\n');
  assert.is(addMissingKeys('?\n: 1\n', { b: 2 }), '?\n: 1\n\nb: 2\n');
});

test('an explicit key with no value (? a) is refused with what to do: there is no colon to write a value after', () => {
  throwsWith(() => addMissingKeys('? a\nb: 1\n', { a: 2 }), 'cannot add a: it is written as an explicit key ("? a") with no value; give it one by hand');
});

test('errors carry their name and the part of the file: the document for YAML that does not parse', () => {
  try {
    addMissingKeys('a: [\n', { b: 1 });
    assert.unreachable('refused');
  } catch (error) {
    assert.is((error as AddKeysError).name, 'AddKeysError');
    assert.is((error as AddKeysError).path, '(document)');
  }
  try {
    addMissingKeys('s: &s\n  a: 1\nt: *s\n', { s: { b: 2 } });
    assert.unreachable('refused');
  } catch (error) {
    assert.is((error as AddKeysError).path, '(document)');
  }
  try {
    addMissingKeys('? a\nb: 1\n', { a: 2 });
    assert.unreachable('refused');
  } catch (error) {
    assert.is((error as AddKeysError).path, 'a');
  }
});

test('a string filled into an empty value is written plain when it can be', () => {
  assert.is(addMissingKeys('a:\n', { a: 'x' }), 'a: x\n');
});

test('a nested block value with a blank line inside keeps that line empty, not indented', () => {
  assert.is(addMissingKeys('m:\n  a: 1\n', { m: { b: 'x\n\ny\n' } }), 'm:\n  a: 1\n  b: |\n    x\n\n    y\n');
});

test('a new top-level key after a map followed by a comment and a blank line: the blank line before it is the tool\'s own', () => {
  assert.is(addMissingKeys('a: 1\n# tail\n\n', { b: 2 }), 'a: 1\n\nb: 2\n# tail\n\n');
});

test('a key with no value gets a multi-line string double-quoted on its own line', () => {
  assert.is(addMissingKeys('a:\nb: 1\n', { a: 'x\ny' }), 'a: "x\\ny"\nb: 1\n');
});

test('a key added to an anchored map another key refers to is refused: the alias would change too', () => {
  throwsWith(
    () => addMissingKeys('s: &s\n  a: 1\nt: *s\n', { s: { b: 2 } }),
    'adding keys as text would change values the file already holds (such as an anchored map another key refers to)',
  );
});

test('the error names the part of the file that stops the addition', () => {
  try {
    addMissingKeys('m: {a: 1}\n', { m: { b: 1 } });
    assert.unreachable('refused');
  } catch (error) {
    assert.instance(error, AddKeysError);
    assert.is((error as AddKeysError).path, 'm');
  }
  try {
    addMissingKeys('- a\n', { b: 1 });
    assert.unreachable('refused');
  } catch (error) {
    assert.is((error as AddKeysError).path, '(document)');
  }
});

test('a file opening with blank lines still gets a blank line before a new top-level key', () => {
  assert.is(addMissingKeys('\n\na: 1\n', { b: 2 }), '\n\na: 1\n\nb: 2\n');
});

test('a document that is a flow map names the document as the part that stops the addition', () => {
  try {
    addMissingKeys('{a: 1}\n', { b: 1 });
    assert.unreachable('refused');
  } catch (error) {
    assert.is((error as AddKeysError).path, '(document)');
  }
});

test.run();
