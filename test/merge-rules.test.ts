/**
 * The structural merge's rules, one case each (src/write/merge.ts): these are the mutants issue 15
 * found surviving in merge.ts, each now a test that fails when its rule is broken, plus the byte
 * rules of issue 13 (a value changes at its own bytes; every other line keeps its bytes).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { FLOW, FLOW_NOW } from './helpers/merge-fallback.ts';
import { conflictMarkerRanges, MARKER_OURS, MARKER_SEP, MARKER_THEIRS, mergeYaml, resolveMarkersToTheirs } from '../src/write/merge.ts';

const BASE = `# generated
components:
  terraform:
    iam-role/planner:
      vars:
        enabled: true
        role_description: planner
        trusted_github_repos:
          - acme/infra-live:main
        managed_policy_arns:
          - arn:aws:iam::aws:policy/ReadOnlyAccess
        retired: soon
`;

function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Every line of `before` except those in `changed` (1-based) appears in `after`, in order and byte for byte. */
function assertUntouchedLinesKept(before: string, after: string, changed: number[]): void {
  const wanted = before.split('\n').filter((_, i) => !changed.includes(i + 1));
  const lines = after.split('\n');
  let j = 0;
  for (const line of wanted) {
    while (j < lines.length && lines[j] !== line) j++;
    assert.ok(j < lines.length, `untouched line kept byte for byte: ${JSON.stringify(line)}`);
    j++;
  }
}

test('a value only the tool changed takes the new value', () => {
  const desired = edit(BASE, 'role_description: planner', 'role_description: plans');
  const result = mergeYaml(edit(BASE, '# generated', '# generated\n# ours'), BASE, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.match(result.text, /role_description: plans\n/);
  assert.match(result.text, /# ours\n/);
});

test('a value only the user changed keeps the user value, with no conflict', () => {
  const current = edit(BASE, 'role_description: planner', 'role_description: our planner');
  const result = mergeYaml(current, BASE, BASE);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.is(result.text, current);
});

test('a value both sides changed differently is a conflict, and the file is left as it is', () => {
  const current = edit(BASE, 'role_description: planner', 'role_description: ours');
  const desired = edit(BASE, 'role_description: planner', 'role_description: theirs');
  const result = mergeYaml(current, BASE, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, ['components.terraform.iam-role/planner.vars.role_description']);
  assert.is(result.text, current);
});

test('a value both sides changed the same way is no conflict', () => {
  const both = edit(BASE, 'role_description: planner', 'role_description: same');
  assert.equal(mergeYaml(both, BASE, both).conflicts, []);
});

test('a key the tool stops writing is removed when the user left it as generated', () => {
  const desired = edit(BASE, '        retired: soon\n', '');
  const result = mergeYaml(BASE, BASE, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.is(result.text, desired);
});

test('a key the tool stops writing but the user edited is a conflict, never deleted silently', () => {
  const current = edit(BASE, 'retired: soon', 'retired: never # we still use it');
  const desired = edit(BASE, '        retired: soon\n', '');
  const result = mergeYaml(current, BASE, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, ['components.terraform.iam-role/planner.vars.retired']);
  assert.is(result.text, current);
  const forced = mergeYaml(current, BASE, desired, 'theirs');
  assert.not.ok(forced.reformatted, 'edited in place, not re-serialised');
  assert.not.match(forced.text, /retired/, '--force takes the tool side of that conflict');
});

test('a section the user deleted stays deleted while the tool does not change it', () => {
  const current = edit(BASE, '        managed_policy_arns:\n          - arn:aws:iam::aws:policy/ReadOnlyAccess\n', '');
  const result = mergeYaml(current, BASE, BASE);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.is(result.text, current);
});

test('a section the user deleted and the tool changed is a conflict', () => {
  const current = edit(BASE, '        retired: soon\n', '');
  const desired = edit(BASE, 'retired: soon', 'retired: later');
  assert.equal(mergeYaml(current, BASE, desired).conflicts, ['components.terraform.iam-role/planner.vars.retired']);
});

test('a key the user added is kept, and one the tool adds is inserted with its comment', () => {
  const current = edit(BASE, '        enabled: true\n', '        enabled: true\n        ours: 1\n');
  const desired = edit(BASE, '        retired: soon\n', '        retired: soon\n        # why\n        added: 2\n');
  const result = mergeYaml(current, BASE, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.match(result.text, /ours: 1\n/);
  assert.match(result.text, /retired: soon\n {8}# why\n {8}added: 2\n/);
});

test('new list items are appended to a list the user edited (lists merge as sets)', () => {
  const current = edit(BASE, '          - acme/infra-live:main\n', '          - acme/infra-live:main\n          - acme/other:main # ours\n');
  const desired = edit(BASE, '          - acme/infra-live:main\n', '          - acme/infra-live:main\n          - acme/infra-live:environment:prod\n');
  const result = mergeYaml(current, BASE, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.equal(parse(result.text).components.terraform['iam-role/planner'].vars.trusted_github_repos, [
    'acme/infra-live:main',
    'acme/other:main',
    'acme/infra-live:environment:prod',
  ]);
  assert.match(result.text, /- acme\/other:main # ours\n/);
});

test('list items the tool removed go, and the user items stay', () => {
  const current = edit(BASE, '          - acme/infra-live:main\n', '          - acme/infra-live:main\n          - acme/other:main\n');
  const desired = edit(BASE, '          - acme/infra-live:main\n', '          - acme/infra-live:dev\n');
  const result = mergeYaml(current, BASE, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.equal(parse(result.text).components.terraform['iam-role/planner'].vars.trusted_github_repos, ['acme/other:main', 'acme/infra-live:dev']);
});

test('without a base, a differing value is a conflict: nothing tells whose it is', () => {
  const current = edit(BASE, 'role_description: planner', 'role_description: ours');
  assert.equal(mergeYaml(current, null, BASE).conflicts, ['components.terraform.iam-role/planner.vars.role_description']);
});

test('a value changes at its own bytes: indentation, quoting, comments and blank lines of every other line stay', () => {
  const base = 'components:\n  terraform:\n    x:\n      vars:\n        a: "1"\n        b: two\n';
  const current = '# ours\ncomponents:\n    terraform:\n\n        x:   # spaced\n            vars:\n                a:   "1"      # aligned\n                b: \'two\'\n';
  const desired = base.replace('a: "1"', 'a: "2"');
  const result = mergeYaml(current, base, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted);
  assert.is(result.text, current.replace('a:   "1"', 'a:   "2"'));
  assertUntouchedLinesKept(current, result.text, [7]);
});

test('--force (theirs) replaces only the conflicting value and keeps every other edit', () => {
  const current = edit(edit(BASE, 'role_description: planner', 'role_description: ours'), 'enabled: true', 'enabled: true # ours too');
  const desired = edit(edit(BASE, 'role_description: planner', 'role_description: theirs'), 'retired: soon', 'retired: later');
  const result = mergeYaml(current, BASE, desired, 'theirs');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, ['components.terraform.iam-role/planner.vars.role_description']);
  assert.is(result.text, edit(edit(current, 'role_description: ours', 'role_description: theirs'), 'retired: soon', 'retired: later'));
});

test('inline markers wrap the conflicting pair only, and resolving them to the tool side is what --force writes', () => {
  const current = edit(BASE, 'role_description: planner', 'role_description: ours');
  const desired = edit(edit(BASE, 'role_description: planner', 'role_description: theirs'), 'retired: soon', 'retired: later');
  const marked = mergeYaml(current, BASE, desired, 'markers');
  assert.not.ok(marked.reformatted, 'edited in place, not re-serialised');
  assert.match(marked.text, /<<<<<<< your edit\n {8}role_description: ours\n=======\n {8}role_description: theirs\n>>>>>>> generated now\n/);
  assert.match(marked.text, /retired: later/, 'the non-conflicting change is applied');
  assert.equal(conflictMarkerRanges(marked.text), [[7, 11]]);
  assert.is(resolveMarkersToTheirs(marked.text), mergeYaml(current, BASE, desired, 'theirs').text);
});

test('a file that does not parse is a conflict of the whole document', () => {
  const result = mergeYaml('a: [\n', BASE, BASE);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.conflicts.length, 1);
  assert.match(result.conflicts[0], /^\(document\)/);
});

test('conflict markers are found with their line numbers, CRLF or not', () => {
  assert.equal(conflictMarkerRanges('a\r\n<<<<<<< x\r\nb\r\n=======\r\nc\r\n>>>>>>> y\r\n'), [[2, 6]]);
  assert.equal(conflictMarkerRanges('a\n=======\nb\n'), [], 'a lone separator (a Markdown heading underline) is no marker');
});

const ACCOUNTS = `accounts:
  - stage: dev # the sandbox
    id: "111111111111"
    oidc_provider_arn: null
roles:
  - name: planner
    policies:
      - ReadOnlyAccess
`;

test('a list of maps the user left alone gets a new item appended as its own lines, comments on the others kept', () => {
  const desired = ACCOUNTS.replace('roles:\n', '  - stage: prod\n    id: "222222222222"\n    oidc_provider_arn: null\nroles:\n').replace('# the sandbox', '');
  const result = mergeYaml(ACCOUNTS, ACCOUNTS, desired, 'theirs');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted);
  assert.is(result.text, ACCOUNTS.replace('roles:\n', '  - stage: prod\n    id: "222222222222"\n    oidc_provider_arn: null\nroles:\n'));
});

test('a list of maps: items the tool dropped from the end go, line by line', () => {
  const two = ACCOUNTS.replace('roles:\n', '  - stage: prod\n    id: "222222222222"\n    oidc_provider_arn: null\nroles:\n');
  const result = mergeYaml(two, two, ACCOUNTS, 'theirs');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.is(result.text, ACCOUNTS);
});

test('a list of maps: a value changed inside an item changes at its own bytes', () => {
  const desired = ACCOUNTS.replace('id: "111111111111"', 'id: "333333333333"').replace('      - ReadOnlyAccess\n', '      - ReadOnlyAccess\n      - ViewOnlyAccess\n');
  const result = mergeYaml(ACCOUNTS, ACCOUNTS, desired, 'theirs');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.is(result.text, ACCOUNTS.replace('id: "111111111111"', 'id: "333333333333"').replace('      - ReadOnlyAccess\n', '      - ReadOnlyAccess\n      - ViewOnlyAccess\n'));
});

test('a list of maps both sides changed differently is a conflict, whole', () => {
  const current = ACCOUNTS.replace('id: "111111111111"', 'id: "444444444444"');
  const desired = ACCOUNTS.replace('id: "111111111111"', 'id: "333333333333"');
  assert.equal(mergeYaml(current, ACCOUNTS, desired).conflicts, ['accounts']);
});

test('new keys go in the generated order when asked (the answers file), at the end of their map otherwise', () => {
  const base = 'version: 1\nregion: a\n';
  const current = '# mine\nversion: 1\nregion: a\n';
  const desired = 'version: 1\nnamespace: n\nregion: a\nfiles: {}\n';
  assert.is(mergeYaml(current, base, desired, 'theirs', 'generated').text, '# mine\nversion: 1\nnamespace: n\nregion: a\nfiles: {}\n');
  assert.is(mergeYaml(current, base, desired, 'theirs').text, '# mine\nversion: 1\nregion: a\nnamespace: n\nfiles: {}\n');
  const first = 'region: a\n';
  assert.is(mergeYaml(first, first, 'version: 1\nregion: a\n', 'theirs', 'generated').text, 'version: 1\nregion: a\n', 'before the first key when nothing precedes it');
});

test('the header comment is the tool\'s while it is as generated, the user\'s once edited', () => {
  const base = '# v1 header\na: 1\n';
  const desired = '# v2 header\na: 1\n';
  assert.is(mergeYaml(base, base, desired).text, desired);
  const edited = '# our header\na: 1\n';
  assert.is(mergeYaml(edited, base, desired).text, edited);
});

test('a removed key that leaves its map empty is written as an empty map, and a scalar list item removed from a flow list too', () => {
  const base = 'a:\n  b:\n    c: 1\n  d: 2\nl: [x, y]\n';
  const desired = 'a:\n  b: {}\n  d: 2\nl: [x]\n';
  const result = mergeYaml(base, base, desired);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(result.conflicts, []);
  assert.equal(parse(result.text), { a: { b: {}, d: 2 }, l: ['x'] });
  assert.match(result.text, /^ {2}d: 2$/m, 'the sibling keeps its bytes');
});

test('a new key in a file without a final newline starts on a line of its own', () => {
  const result = mergeYaml('a: 1', 'a: 1\n', 'a: 1\nb: 2\n');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'a: 1\nb: 2\n');
});

test('a scalar list item appended after a last line without newline, and items of a list the user emptied', () => {
  const base = 'l:\n  - x\n';
  assert.is(mergeYaml('l:\n  - x', base, 'l:\n  - x\n  - y\n').text, 'l:\n  - x\n  - y\n');
  const removedAll = mergeYaml(base, base, 'l:\n  - y\n');
  assert.not.ok(removedAll.reformatted, 'edited in place, not re-serialised');
  assert.equal(parse(removedAll.text), { l: ['y'] });
});

test('a change inside a flow map is applied by writing that one pair anew; the other lines keep their bytes', () => {
  const base = "m: {a: 1, b: 2}\nn:   'x'   # mine\n";
  const result = mergeYaml(base, base, 'm:\n  a: 1\nn: x\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, "m:\n  a: 1\nn:   'x'   # mine\n");
  const added = mergeYaml(base, base, 'm:\n  a: 1\n  b: 2\n  c: 3\nn: x\n');
  assert.is(added.text, "m:\n  a: 1\n  b: 2\n  c: 3\nn:   'x'   # mine\n");
});

test('a list one side turned into a plain value: the side that changed wins, both changed is a conflict', () => {
  const base = 'l:\n  - a\n  - b\nk: 1\n';
  const toScalar = 'l: none\nk: 1\n';
  assert.equal(parse(mergeYaml(base, base, toScalar).text), { l: 'none', k: 1 }, 'the tool changed it');
  assert.is(mergeYaml(toScalar, base, base).text, toScalar, 'the user changed it');
  const userList = 'l:\n  - a\n  - b\n  - c\nk: 1\n';
  assert.equal(mergeYaml(userList, base, toScalar).conflicts, ['l'], 'both changed it');
  assert.equal(mergeYaml(toScalar, base, 'l:\n  - a\nk: 1\n').conflicts, ['l'], 'the user made it a value, the tool changed the list');
});

test('a document that is no map is a conflict of the whole document, named', () => {
  assert.equal(mergeYaml('- a\n', 'a: 1\n', 'a: 1\n').conflicts, ['(document): the file on disk is not a YAML map']);
  assert.equal(mergeYaml('a: 1\n', null, '- a\n').conflicts, ['(document): the generated file is not a map']);
  const marked = mergeYaml('- a\n', 'a: 1\n', 'a: 2\n', 'markers');
  assert.not.ok(marked.reformatted, 'edited in place, not re-serialised');
  assert.is(marked.text, '<<<<<<< your edit\n- a\n=======\na: 2\n>>>>>>> generated now\n');
  assert.is(mergeYaml('- a\n', 'a: 1\n', 'a: 2\n', 'theirs').text, 'a: 2\n');
});

test('without a base the header comment is the user\'s', () => {
  assert.is(mergeYaml('a: 1\n', null, '# new\na: 1\n').text, 'a: 1\n');
});

test('removing every key of a map leaves an empty map, not a null, and only that pair is written anew', () => {
  const base = 'a:\n  b: 1\n  c: 2\nz:    1 # mine\n';
  const result = mergeYaml(base, 'a:\n  b: 1\n  c: 2\nz: 1\n', 'a: {}\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'a map emptied by splices would read as null: that pair is written anew');
  assert.is(result.text, 'a: {}\nz:    1 # mine\n');
});

test('a map the merge empties and refills (every old key gone, a new one added) keeps the rest of the file', () => {
  const generatedBefore = 'k00: true\nk01:\n  k10:\n    k20:\n      - b\n    k21: c\nk02: 22\n';
  const user = 'k00: true\n\nk01:\n    k10:\n        k20:\n        - b  # note\nk02: 22 # mine\n';
  const result = mergeYaml(user, generatedBefore, 'k01:\n  k10:\n    k21: c\n    t20: true\nk02: 22\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.equal(parse(result.text), { k01: { k10: { t20: true } }, k02: 22 }, 'k21 the user removed stays removed');
  assert.ok(result.text.endsWith('k02: 22 # mine\n'), result.text);
  assert.ok(result.text.startsWith('\nk01:\n    k10:\n'), `the user's indentation of the pairs above kept:\n${result.text}`);
});

test('a conflict in a flow map is marked over the whole file, the tool side as --force writes it', () => {
  const base = 'm: {a: 1, b: 2}\nn: 1\n';
  const current = 'm: {a: 5, b: 2}\nn: 1\n';
  const desired = 'm:\n  a: 7\n  b: 2\nn: 2\n';
  const marked = mergeYaml(current, base, desired, 'markers');
  assert.not.ok(marked.reformatted, 'edited in place, not re-serialised');
  const forced = mergeYaml(current, base, desired, 'theirs');
  assert.not.ok(forced.reformatted, 'edited in place, not re-serialised');
  assert.equal(marked.conflicts, ['m.a']);
  assert.is(marked.text, `<<<<<<< your edit\n${current}=======\n${forced.text}>>>>>>> generated now\n`);
  assert.is(resolveMarkersToTheirs(marked.text), forced.text);
});

test('a flow list of maps the tool extends is written anew as that one pair', () => {
  const base = 'accounts: [{stage: dev}]\nk: 1 # mine\n';
  const result = mergeYaml(base, base, 'accounts:\n  - stage: dev\n  - stage: prod\nk: 1\n', 'theirs');
  assert.not.ok(result.reformatted);
  assert.is(result.text, 'accounts:\n  - stage: dev\n  - stage: prod\nk: 1 # mine\n');
});

test('a list of maps with a plain item: the item changes at its own bytes', () => {
  const base = 'l:\n  - a: 1 # one\n  - x\n';
  const result = mergeYaml(base, base, 'l:\n  - a: 1\n  - y\n', 'theirs');
  assert.not.ok(result.reformatted);
  assert.is(result.text, 'l:\n  - a: 1 # one\n  - y\n');
});

test('a map item appended to a list at the end of a file without a final newline', () => {
  const current = 'l:\n  - a: 1';
  const result = mergeYaml(current, current, 'l:\n  - a: 1\n  - a: 2\n', 'theirs');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'l:\n  - a: 1\n  - a: 2\n');
});

test('plain lists: the tool removes a middle item line by line; a flow list merges as a set too', () => {
  const base = 'l:\n  - a\n  - b # bee\n  - c\n';
  const result = mergeYaml(base, base, 'l:\n  - a\n  - c\n');
  assert.not.ok(result.reformatted);
  assert.is(result.text, 'l:\n  - a\n  - c\n');
  const flow = mergeYaml('l: [a, b, u]\n', 'l: [a, b]\n', 'l: [a, c]\n');
  assert.not.ok(flow.reformatted, 'edited in place, not re-serialised');
  assert.equal(flow.conflicts, []);
  assert.equal(parse(flow.text), { l: ['a', 'u', 'c'] });
  const user = mergeYaml('l:\n  - a\n  - u\n', 'l:\n  - a\n', 'l:\n  - a\n');
  assert.not.ok(user.reformatted, 'edited in place, not re-serialised');
  assert.is(user.text, 'l:\n  - a\n  - u\n', 'nothing new from the tool: the user list as it is');
});

test('an item both the user and the tool added to a list appears once', () => {
  const result = mergeYaml('l:\n  - a\n  - x\n', 'l:\n  - a\n', 'l:\n  - a\n  - x\n  - y\n');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'l:\n  - a\n  - x\n  - y\n');
});

test('a flow list the user added an item to, with nothing new from the tool, keeps its bytes', () => {
  const current = 'l: [a,  b, mine]\n';
  const result = mergeYaml(current, 'l: [a, b]\n', 'l: [a, b]\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, current, 'the user spacing and item stay');
});

test('the tool removing every item of a block list writes an empty list in place, not a null', () => {
  const base = 'l:\n  - a\n  - b\nk: 1 # mine\n';
  const result = mergeYaml(base, base, 'l: []\nk: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'l: []\nk: 1 # mine\n');
});

test('the tool removing a list item keeps the other items byte for byte, their comments and indentation too', () => {
  const result = mergeYaml('l:\n- a   # one\n- b\n- c\n', 'l:\n  - a\n  - b\n  - c\n', 'l:\n  - a\n  - c\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'l:\n- a   # one\n- c\n');
});

test('plain items the tool adds go at the column of the user\'s items, with no blank line, final newline or not', () => {
  const result = mergeYaml('l:\n    - a\nk: 1\n', 'l:\n  - a\nk: 1\n', 'l:\n  - a\n  - b\n  - c\nk: 1\n');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'l:\n    - a\n    - b\n    - c\nk: 1\n');
  const noNewline = mergeYaml('l:\n  - x', 'l:\n  - x\n', 'l:\n  - x\n  - y\n');
  assert.not.ok(noNewline.reformatted, 'edited in place, not re-serialised');
  assert.is(noNewline.text, 'l:\n  - x\n  - y\n');
  const middle = mergeYaml('l:\n  - x\nk: 1', 'l:\n  - x\nk: 1\n', 'l:\n  - x\n  - y\nk: 1\n');
  assert.not.ok(middle.reformatted, 'edited in place, not re-serialised');
  assert.is(middle.text, 'l:\n  - x\n  - y\nk: 1', 'no blank line before the next key');
});

test('a map item appended to a list of maps: no blank line at the end of a file, none before the next key of a file without a final newline', () => {
  const atEnd = mergeYaml('l:\n  - a: 1\n', 'l:\n  - a: 1\n', 'l:\n  - a: 1\n  - a: 2\n');
  assert.not.ok(atEnd.reformatted, 'edited in place, not re-serialised');
  assert.is(atEnd.text, 'l:\n  - a: 1\n  - a: 2\n');
  const middle = mergeYaml('l:\n  - a: 1\nk: 1', 'l:\n  - a: 1\nk: 1\n', 'l:\n  - a: 1\n  - a: 2\nk: 1\n');
  assert.not.ok(middle.reformatted, 'edited in place, not re-serialised');
  assert.is(middle.text, 'l:\n  - a: 1\n  - a: 2\nk: 1');
});

test('list items of maps that open with a comment line are still added and removed, by writing that list anew', () => {
  const added = mergeYaml('l:\n  - a: 1\nz:  1 # mine\n', 'l:\n  - a: 1\nz: 1\n', 'l:\n  - a: 1\n  - # new\n    a: 2\nz: 1\n');
  assert.equal(added.conflicts, []);
  assert.not.ok(added.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(added.text, 'l:\n  - a: 1\n  - a: 2\nz:  1 # mine\n');
  const removed = mergeYaml('l:\n  - a: 1\n  - # old\n    a: 2\n', 'l:\n  - a: 1\n  - a: 2\n', 'l:\n  - a: 1\n');
  assert.equal(removed.conflicts, []);
  assert.not.ok(removed.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(removed.text, 'l:\n  - a: 1\n');
});

test('--force on a change inside a flow map writes that pair anew, never conflict markers', () => {
  const base = 'm: {a: 1, b: 2}\nn: 1\n';
  const clean = mergeYaml(base, base, 'm:\n  a: 1\nn: 1\n', 'theirs');
  assert.equal(clean.conflicts, []);
  assert.not.ok(clean.reformatted);
  assert.is(clean.text, 'm:\n  a: 1\nn: 1\n');
  const conflicting = mergeYaml('m: {a: 5, b: 2}\nn:  1 # mine\n', base, 'm: {a: 7}\nn: 1\n', 'theirs');
  assert.equal(conflicting.conflicts, ['m.a']);
  assert.not.ok(conflicting.reformatted);
  assert.is(conflicting.text, 'm:\n  a: 7\nn:  1 # mine\n', 'the tool side, as --force promises, the other line kept');
});

test('inline markers around a key the tool stops writing but the user edited: that pair only, the tool side empty', () => {
  const result = mergeYaml('a: 1\nb: mine\nc: 3\n', 'a: 1\nb: 2\nc: 3\n', 'a: 1\nc: 3\n', 'markers');
  assert.equal(result.conflicts, ['b']);
  assert.is(result.text, 'a: 1\n<<<<<<< your edit\nb: mine\n=======\n>>>>>>> generated now\nc: 3\n');
  assert.is(resolveMarkersToTheirs(result.text), 'a: 1\nc: 3\n');
});

test('a list of maps: a plain item the user quoted keeps its quotes while the tool changes another item', () => {
  const result = mergeYaml("l:\n  - a: 1\n  - 'x'\n", 'l:\n  - a: 1\n  - x\n', 'l:\n  - a: 2\n  - x\n');
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, "l:\n  - a: 2\n  - 'x'\n");
});

test('a list of maps: an item the tool turns from a plain value into a map, or back, takes the new item', () => {
  const toMap = mergeYaml('l:\n  - a: 1\n  - x\n', 'l:\n  - a: 1\n  - x\n', 'l:\n  - a: 1\n  - b: 2\n');
  assert.equal(toMap.conflicts, []);
  assert.equal(parse(toMap.text), { l: [{ a: 1 }, { b: 2 }] });
  const toValue = mergeYaml('l:\n  - a: 1\n  - b: 2\n', 'l:\n  - a: 1\n  - b: 2\n', 'l:\n  - a: 1\n  - x\n');
  assert.equal(toValue.conflicts, []);
  assert.equal(parse(toValue.text), { l: [{ a: 1 }, 'x'] });
});

test('plain list items written with a tag (no line of their own to splice): removed, kept or followed by new items, the list is still right', () => {
  const removed = mergeYaml('l:\n  - a # one\n  - u\n  - !!str b\n  - c\n', 'l:\n  - a\n  - b\n  - c\n', 'l:\n  - a\n  - c\n');
  assert.equal(removed.conflicts, []);
  assert.not.ok(removed.reformatted, 'the list pair written anew, not the whole file');
  assert.equal(parse(removed.text), { l: ['a', 'u', 'c'] }, 'the user item stays, the tool item goes');
  const keptLast = mergeYaml('l:\n  - a # one\n  - u\n  - !!str c\n', 'l:\n  - a\n  - b\n  - c\n', 'l:\n  - c\n');
  assert.not.ok(keptLast.reformatted, 'edited in place, not re-serialised');
  assert.is(keptLast.text, 'l:\n  - u\n  - !!str c\n', 'only the removed item goes; the tagged one keeps its bytes');
  const appended = mergeYaml('l:\n  - a\n  - u\n  - !!str c\n', 'l:\n  - a\n  - c\n', 'l:\n  - a\n  - c\n  - d\n');
  assert.equal(appended.conflicts, []);
  assert.not.ok(appended.reformatted, 'the list pair written anew, not the whole file');
  assert.equal(parse(appended.text), { l: ['a', 'u', 'c', 'd'] }, 'the user item stays, the tool item is added');
});

test('conflict markers cover the whole file when another change of the tool cannot be spliced', () => {
  const dropped = mergeYaml('k: mine\nl:\n  - a: 1\n  - # old\n    a: 2\n', 'k: 1\nl:\n  - a: 1\n  - a: 2\n', 'k: 2\nl:\n  - a: 1\n', 'markers');
  assert.equal(dropped.conflicts, ['k']);
  assert.is(resolveMarkersToTheirs(dropped.text), 'k: 2\nl:\n  - a: 1\n', 'the tool side drops the item');
  assert.is(dropped.text.split('\n')[0], '<<<<<<< your edit', 'marked from the first line');
  const added = mergeYaml('k: mine\nl:\n  - a: 1\n', 'k: 1\nl:\n  - a: 1\n', 'k: 2\nl:\n  - a: 1\n  - # new\n    a: 2\n', 'markers');
  assert.equal(added.conflicts, ['k']);
  assert.equal(parse(resolveMarkersToTheirs(added.text)), { k: 2, l: [{ a: 1 }, { a: 2 }] }, 'the tool side adds the item');
  assert.is(added.text.split('\n')[0], '<<<<<<< your edit', 'marked from the first line');
});

test('a plain value the tool turns into a map is written as the tool writes it, its comment and quoting kept', () => {
  const base = 'k: 1\nz: 2 # mine\n';
  const result = mergeYaml(base, base, 'k:\n  # why\n  a: "1"\nz: 2\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'k:\n  # why\n  a: "1"\nz: 2 # mine\n');
});

test('a plain list the tool changes inside a flow map is changed by writing that pair anew', () => {
  const base = 'm: {k: [a, b]}\n# mine\n';
  const result = mergeYaml(base, 'm: {k: [a, b]}\n', 'm: {k: [a, c]}\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  k:\n    - a\n    - c\n# mine\n');
});

// The pair-by-pair fallback (patchToValue / patchMap / patchList), reached through FLOW (test/helpers/merge-fallback.ts).

test('fallback: keys the tool stops writing are deleted as whole lines, the other pairs keep their bytes', () => {
  const result = mergeYaml('x:   1 # one\ny: 2\nz: 3 # three\n' + FLOW, 'x: 1\ny: 2\nz: 3\n' + FLOW, 'x: 1\nz: 3\n' + FLOW_NOW);
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'x:   1 # one\nz: 3 # three\nm:\n  a: 1\n');
});

test('fallback: new keys go after the last pair at the first key\'s column, one line each, final newline or not', () => {
  const withNewline = mergeYaml('x:   1 # one\n' + FLOW + 'y: 2 # two\n', 'x: 1\n' + FLOW + 'y: 2\n', 'x: 1\n' + FLOW_NOW + 'y: 2\nw: 4\nv: 5\n');
  assert.not.ok(withNewline.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(withNewline.text, 'x:   1 # one\nm:\n  a: 1\ny: 2 # two\nw: 4\nv: 5\n');
  const noNewline = mergeYaml('x:   1 # one\n' + FLOW + 'y: 2 # two', 'x: 1\n' + FLOW + 'y: 2\n', 'x: 1\n' + FLOW_NOW + 'y: 2\nw: 4\nv: 5\n');
  assert.not.ok(noNewline.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(noNewline.text, 'x:   1 # one\nm:\n  a: 1\ny: 2 # two\nw: 4\nv: 5\n');
});

test('fallback: a file without a final newline that gains no key gets none', () => {
  const result = mergeYaml(FLOW + 'y: 2 # two', FLOW + 'y: 2\n', FLOW_NOW + 'y: 2\n');
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\ny: 2 # two');
});

test('fallback: a key added to a nested map in the middle of a file without a final newline goes in with no blank line', () => {
  const result = mergeYaml(FLOW + 'n:\n  a: 1 # c\nz: 1 # z', FLOW + 'n:\n  a: 1\nz: 1\n', FLOW_NOW + 'n:\n  a: 1\n  b: 2\nz: 1\n');
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nn:\n  a: 1 # c\n  b: 2\nz: 1 # z');
});

test('fallback: a nested map is edited key by key at its own indentation, a scalar changed at its bytes', () => {
  const result = mergeYaml(FLOW + 'n:\n    a: 1 # keep\n    b: 2\n    c: x # c\n', FLOW + 'n:\n  a: 1\n  b: 2\n  c: x\n', FLOW_NOW + 'n:\n  a: 1\n  c: "y"\n  d: 4\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nn:\n    a: 1 # keep\n    c: y # c\n    d: 4\n');
});

test('fallback: a nested map whose every key the tool replaces is emptied and refilled in place', () => {
  const result = mergeYaml(FLOW + 'n:\n  a: 1\n  b: 2\nz: 1 # z\n', FLOW + 'n:\n  a: 1\n  b: 2\nz: 1\n', FLOW_NOW + 'n:\n  c: 3\nz: 1\n');
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nn:\n  c: 3\nz: 1 # z\n');
});

test('fallback: plain, single- and double-quoted scalars are replaced at their bytes, their comments kept', () => {
  const result = mergeYaml(FLOW + "p: 1 # c\nq: 'x' # c\nr: \"y\" # c\n", FLOW + 'p: 1\nq: x\nr: y\n', FLOW_NOW + 'p: 2\nq: z\nr: w\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\np: 2 # c\nq: z # c\nr: w # c\n');
});

test('fallback: anchored, tagged and block scalars are not edited at their bytes: their pairs are written anew', () => {
  const current = FLOW + 'p: &A 1 # c\nq: !!str x # c\nr: |\n  y\ns: 1 # s\n';
  const result = mergeYaml(current, FLOW + 'p: 1\nq: x\nr: |\n  y\ns: 1\n', FLOW_NOW + 'p: 2\nq: z\nr: w\ns: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\np: 2\nq: z\nr: w\ns: 1 # s\n');
});

test('fallback: a plain value the tool turns into a map, and an empty value it fills, are written as pairs anew', () => {
  const result = mergeYaml(FLOW + 'n: 1 # c\nk:\nz: 1 # z\n', FLOW + 'n: 1\nk:\nz: 1\n', FLOW_NOW + 'n:\n  a: 1\nk:\n  b: 2\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nn:\n  a: 1\nk:\n  b: 2\nz: 1 # z\n');
});

test('fallback: a map or a list the tool turns into a plain value is written as a pair anew', () => {
  const fromMap = mergeYaml(FLOW + 'n:\n  a: 1 # c\nz: 1 # z\n', FLOW + 'n:\n  a: 1\nz: 1\n', FLOW_NOW + 'n: 5\nz: 1\n');
  assert.equal(fromMap.conflicts, []);
  assert.not.ok(fromMap.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(fromMap.text, 'm:\n  a: 1\nn: 5\nz: 1 # z\n');
  const fromList = mergeYaml(FLOW + 'n:\n  - a\nz: 1 # z\n', FLOW + 'n:\n  - a\nz: 1\n', FLOW_NOW + 'n: 5\nz: 1\n');
  assert.not.ok(fromList.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(fromList.text, 'm:\n  a: 1\nn: 5\nz: 1 # z\n');
});

test('fallback: a nested map the merge would leave empty has its pair written anew as {}', () => {
  const result = mergeYaml(FLOW + 'n:\n  a: 1 # c\nz: 1 # mine\n', FLOW + 'n:\n  a: 1\nz: 1\n', FLOW_NOW + 'n: {}\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nn: {}\nz: 1 # mine\n');
});

test('fallback: a nested flow map, even over several lines, is written anew as a pair', () => {
  const current = FLOW + 'n: {\n  a: 1,\n  b: 2\n}\nz: 1 # z\n';
  const result = mergeYaml(current, current, FLOW_NOW + 'n:\n  a: 1\n  c: 3\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nn:\n  a: 1\n  c: 3\nz: 1 # z\n');
});

test('fallback: a nested map with a tagged key (no line of its own) is written anew as a pair', () => {
  const first = mergeYaml(FLOW + 'n:\n  !!str a: 1 # c\n  b: 2 # c\nz: 1 # z\n', FLOW + 'n:\n  a: 1\n  b: 2\nz: 1\n', FLOW_NOW + 'n:\n  a: 1\n  b: 3\nz: 1\n');
  assert.not.ok(first.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(first.text, 'm:\n  a: 1\nn:\n  a: 1\n  b: 3\nz: 1 # z\n');
  const later = mergeYaml(FLOW + 'n:\n  a: 1 # c\n  !!str b: 2 # c\nz: 1 # z\n', FLOW + 'n:\n  a: 1\n  b: 2\nz: 1\n', FLOW_NOW + 'n:\n  a: 1\n  b: 3\nz: 1\n');
  assert.not.ok(later.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(later.text, 'm:\n  a: 1\nn:\n  a: 1\n  b: 3\nz: 1 # z\n');
});

test('fallback: a top-level key with no line of its own: the whole file is re-serialised', () => {
  const result = mergeYaml(FLOW + '!!str k: 1\n', FLOW + 'k: 1\n', FLOW_NOW + 'k: 1\n');
  assert.equal(result.conflicts, []);
  assert.ok(result.reformatted);
  assert.is(result.text, 'm: { a: 1 }\n!!str k: 1\n');
});

test('fallback: list items the tool removes go line by line, items it adds are appended at the items\' column', () => {
  const result = mergeYaml(FLOW + 'l:\n    - a # one\n    - b\n    - c\nz: 1 # mine\n', FLOW + 'l:\n  - a\n  - b\n  - c\nz: 1\n', FLOW_NOW + 'l:\n  - a\n  - c\n  - d\n  - e\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n    - a # one\n    - c\n    - d\n    - e\nz: 1 # mine\n');
});

test('fallback: a list with duplicates keeps them in the user\'s order, the new item appended', () => {
  const result = mergeYaml(FLOW + 'l:\n  - a # one\n  - b\n  - a\n', FLOW + 'l:\n  - a\n  - b\n', FLOW_NOW + 'l:\n  - a\n  - b\n  - c\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n  - a # one\n  - b\n  - a\n  - c\n');
});

test('fallback: list items appended or removed at the end of a file without a final newline, or before the next key', () => {
  const appended = mergeYaml(FLOW + 'l:\n  - a # one\n  - b', FLOW + 'l:\n  - a\n  - b\n', FLOW_NOW + 'l:\n  - a\n  - b\n  - c\n');
  assert.not.ok(appended.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(appended.text, 'm:\n  a: 1\nl:\n  - a # one\n  - b\n  - c\n');
  const removed = mergeYaml(FLOW + 'l:\n  - a # c\n  - b', FLOW + 'l:\n  - a\n  - b\n', FLOW_NOW + 'l:\n  - a\n');
  assert.not.ok(removed.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(removed.text, 'm:\n  a: 1\nl:\n  - a # c\n');
  const middle = mergeYaml(FLOW + 'l:\n  - a # c\nz: 1 # z', FLOW + 'l:\n  - a\nz: 1\n', FLOW_NOW + 'l:\n  - a\n  - b\nz: 1\n');
  assert.not.ok(middle.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(middle.text, 'm:\n  a: 1\nl:\n  - a # c\n  - b\nz: 1 # z');
});

test('fallback: a flow list the tool changes is written anew as a block list', () => {
  const result = mergeYaml(FLOW + 'l: [a, b]\nz: 1 # mine\n', FLOW + 'l: [a, b]\nz: 1\n', FLOW_NOW + 'l: [a, c]\nz: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n  - a\n  - c\nz: 1 # mine\n');
});

test('fallback: a list whose kept items are not a prefix of the new list, or whose items all go, is written anew', () => {
  const reordered = mergeYaml(FLOW + 'l:\n  - a # one\n  - b\nz: 1 # mine\n', FLOW + 'l: x\nz: 1\n', FLOW_NOW + 'l:\n  - b\n  - a\nz: 1\n', 'theirs');
  assert.equal(reordered.conflicts, ['l']);
  assert.not.ok(reordered.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(reordered.text, 'm:\n  a: 1\nl:\n  - b\n  - a\nz: 1 # mine\n');
  const replaced = mergeYaml(FLOW + 'l:\n    - a # c\n    - b\n', FLOW + 'l: x\n', FLOW_NOW + 'l:\n  - c\n', 'theirs');
  assert.equal(replaced.conflicts, ['l']);
  assert.not.ok(replaced.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(replaced.text, 'm:\n  a: 1\nl:\n  - c\n');
});

test('fallback: a list with a tagged item (no line of its own) is written anew when the tool adds to it', () => {
  const result = mergeYaml(FLOW + 'l:\n  - a # c\n  - !!str b\n', FLOW + 'l:\n  - a\n  - b\n', FLOW_NOW + 'l:\n  - a\n  - b\n  - c\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited pair by pair, not the whole file re-serialised');
  assert.is(result.text, 'm:\n  a: 1\nl:\n  - a\n  - b\n  - c\n');
});

test('--conflict inline marks the whole file when the inline markers would not resolve to what --force writes', () => {
  const current = 'n:\n  a: 1\nk: mine # c\n';
  const base = 'n:\n  a: 1\nk: 1\n';
  const desired = 'n:\n  b: 2\nk: 2\n';
  const forced = mergeYaml(current, base, desired, 'theirs');
  assert.is(forced.text, 'n:\n  b: 2\nk: 2 # c\n');
  const marked = mergeYaml(current, base, desired, 'markers');
  assert.equal(marked.conflicts, ['k']);
  assert.is(marked.text, `<<<<<<< your edit\n${current}=======\n${forced.text}>>>>>>> generated now\n`);
  assert.is(resolveMarkersToTheirs(marked.text), forced.text);
});

test('a header comment the user edited stays while the tool changes its own', () => {
  const result = mergeYaml('# mine\nk: 1\n', '# gen 1\nk: 1\n', '# gen 2\nk: 1\n');
  assert.is(result.text, '# mine\nk: 1\n');
  const ours = mergeYaml('# gen 1\nk: 1\n', '# gen 1\nk: 1\n', '# gen 2\nk: 1\n');
  assert.is(ours.text, '# gen 2\nk: 1\n');
});

test('an empty value the tool fills is written after the colon with a space; the other lines keep their bytes', () => {
  const result = mergeYaml('a:\nb:   1   # mine\n', 'a:\nb: 1\n', 'a: 2\nb: 1\n');
  assert.equal(result.conflicts, []);
  assert.not.ok(result.reformatted, 'edited in place, not re-serialised');
  assert.is(result.text, 'a: 2\nb:   1   # mine\n');
});

test('a change to an anchored value the user\'s file refers to is a conflict, never a crash; --force and inline take the whole document', () => {
  const current = 'a: &x 1\nb: *x # c\n';
  const keep = mergeYaml(current, 'a: &x 1\nb: *x\n', 'a: 2\nb: 1\n');
  assert.is(keep.text, current, 'the file is left as it is');
  assert.equal(keep.conflicts, ['a (shared through a YAML anchor)']);
  assert.is(mergeYaml(current, 'a: &x 1\nb: *x\n', 'a: 2\nb: 1\n', 'theirs').text, 'a: 2\nb: 1\n', '--force takes the tool side');
  assert.match(mergeYaml(current, 'a: &x 1\nb: *x\n', 'a: 2\nb: 1\n', 'markers').text, /^<<<<<<< your edit\na: &x 1\nb: \*x # c\n=======\na: 2\nb: 1\n>>>>>>> generated now\n$/);
});

// ---- values shared through anchors and aliases ----

const SHARED_BASE = 'base:\n  p: 1\nuse:\n  p: 1\n';

test('a key the tool adds under a value the user replaced by an alias (use: *b) is a conflict, not an error', () => {
  const current = 'base: &b\n  p: 1\nuse: *b\n';
  const desired = 'base:\n  p: 1\nuse:\n  p: 1\n  q: 2\n';
  assert.equal(mergeYaml(current, SHARED_BASE, desired, 'keep'), { text: current, conflicts: ['use (shared through a YAML anchor)'], reformatted: false });
  assert.equal(mergeYaml(current, SHARED_BASE, desired, 'theirs'), { text: desired, conflicts: ['(document): the change touches use, shared through a YAML anchor'], reformatted: false });
  assert.is(mergeYaml(current, SHARED_BASE, desired, 'markers').text, `${MARKER_OURS}\n${current}${MARKER_SEP}\n${desired}${MARKER_THEIRS}\n`);
});

test('a change to an anchored map an alias refers to is a conflict: writing it would change the alias\'s value too', () => {
  const current = 'base: &b\n  p: 1\nuse: *b\n';
  const desired = 'base:\n  p: 2\nuse:\n  p: 1\n';
  assert.equal(mergeYaml(current, SHARED_BASE, desired, 'keep'), { text: current, conflicts: ['base (shared through a YAML anchor)'], reformatted: false });
  const forced = mergeYaml(current, SHARED_BASE, desired, 'theirs');
  assert.is(forced.text, desired, '--force writes the tool\'s values, use.p still 1');
});

test('a list the user replaced by an alias of an equal list is compared by its value; the tool\'s new item is a conflict there', () => {
  const current = 'l: &l\n  - a\nm: *l\n';
  const result = mergeYaml(current, 'l:\n  - a\nm:\n  - a\n', 'l:\n  - a\nm:\n  - a\n  - b\n', 'keep');
  assert.equal(result.conflicts, ['m (shared through a YAML anchor)']);
  assert.is(result.text, current);
});

test('a key the tool stops writing that the user made an alias is a conflict, not a deletion', () => {
  const current = 'a: &x\n  k: 1\nb: *x\n';
  const result = mergeYaml(current, 'a:\n  k: 1\nb:\n  k: 1\n', 'a:\n  k: 1\n', 'keep');
  assert.equal(result, { text: current, conflicts: ['b (shared through a YAML anchor)'], reformatted: false });
});

test('anchors and aliases the change does not touch stay, and other keys change as usual', () => {
  const result = mergeYaml('a: &x 1\nb: *x\nc: 1\n', 'a: 1\nb: 1\nc: 1\n', 'a: 1\nb: 1\nc: 2\n', 'keep');
  assert.equal(result, { text: 'a: &x 1\nb: *x\nc: 2\n', conflicts: [], reformatted: false });
});

test('a map holding a complex key the user added (? [x, y]) is never rewritten from plain values: the key stays a list, the file is re-serialised and says so', () => {
  const current = 'm: {a: 1, b: 2}\nn:\n  ? [x, y]\n  : 1\n  b: 2 # c\nz: 1 # z\n';
  const result = mergeYaml(current, 'm: {a: 1, b: 2}\nn:\n  b: 2\nz: 1\n', 'm:\n  a: 1\nn:\n  b: 3\nz: 1\n');
  assert.equal(result, { text: 'm: { a: 1 }\nn:\n  ? [ x, y ]\n  : 1\n  b: 3\nz: 1 # z\n', conflicts: [], reformatted: true });
});

test('a map holding a null key the user added (?) is never rewritten from plain values either', () => {
  const result = mergeYaml('m: {a: 1, b: 2}\nn:\n  ?\n  : 1\n  b: 2 # c\n', 'm: {a: 1, b: 2}\nn:\n  b: 2\n', 'm:\n  a: 1\nn:\n  b: 3\n');
  assert.is(result.reformatted, true);
  assert.not.match(result.text, /"": 1/, 'the null key is not turned into an empty string');
  assert.equal(parse(result.text).n, { '': 1, b: 3 }, 'a null key and the new value (the yaml package reads a null key as "")');
});

test('a .nan the user wrote is equal to itself: no false conflict, and a change elsewhere keeps the file\'s bytes', () => {
  assert.equal(mergeYaml('a: .nan\n', 'a: .nan\n', 'a: .nan\n'), { text: 'a: .nan\n', conflicts: [], reformatted: false });
  const result = mergeYaml('a: 1   # ours\n\nmine:    .nan   # keep\n', 'a: 1\n', 'a: 2\n', 'theirs');
  assert.equal(result, { text: 'a: 2   # ours\n\nmine:    .nan   # keep\n', conflicts: [], reformatted: false });
});

test('an empty value followed by a comment gets the tool\'s value before the comment, a space between', () => {
  const result = mergeYaml('a: # set me\nb:   1\n', 'a:\nb: 1\n', 'a: 2\nb: 1\n', 'theirs');
  assert.equal(result, { text: 'a: 2 # set me\nb:   1\n', conflicts: [], reformatted: false });
});

test('a generated file with a key that is not a plain scalar ([q]: 0) is merged as a whole, never written with a wrong value', () => {
  assert.equal(mergeYaml('b: 2\n', 'b: 2\n', '[q]: 0\nb: 2\n', 'keep'), { text: 'b: 2\n', conflicts: ['(document): the generated file has a key that is not a plain scalar'], reformatted: false });
  assert.is(mergeYaml('b: 2\n', 'b: 2\n', '[q]: 0\nb: 2\n', 'theirs').text, '[q]: 0\nb: 2\n');
});

test('a file with anchors gets a new key the tool adds as usual: only shared values are held back', () => {
  const current = 'a: &x 1\nb: *x\n';
  const result = mergeYaml(current, 'a: 1\nb: 1\n', 'a: 1\nb: 1\nd: 4\n', 'keep');
  assert.equal(result, { text: 'a: &x 1\nb: *x\nd: 4\n', conflicts: [], reformatted: false });
});

test('a value shared through an alias two levels down (x.y: *b) is held back like one at the top', () => {
  const current = 'base: &b\n  p: 1\nx:\n  y: *b\n';
  const result = mergeYaml(current, 'base:\n  p: 1\nx:\n  y:\n    p: 1\n', 'base:\n  p: 1\nx:\n  y:\n    p: 1\n    q: 2\n', 'keep');
  assert.equal(result, { text: current, conflicts: ['x.y (shared through a YAML anchor)'], reformatted: false });
});

test('a file whose aliases expand more than a hundred times is merged as a whole, never expanded without bound', () => {
  // 100 is the yaml package's own limit: Document.toJS's maxAliasCount default (node_modules/yaml/dist/doc/Document.js).
  const refs = Array.from({ length: 120 }, (_, i) => `r${i}: *x\n`).join('');
  const current = `a: &x\n  k: 1\n${refs}c: 1\n`;
  const reason = '(document): its aliases cannot be expanded to compare values (Excessive alias count indicates a resource exhaustion attack)';
  assert.equal(mergeYaml(current, 'c: 1\n', 'c: 2\n', 'keep'), { text: current, conflicts: [reason], reformatted: false });
  assert.equal(mergeYaml(current, 'c: 1\n', 'c: 2\n', 'theirs'), { text: 'c: 2\n', conflicts: [reason], reformatted: false });
});

test('--force with two shared values and an ordinary conflict names only the shared ones in its whole-document reason', () => {
  const current = 'base: &b\n  p: 1\nuse: *b\nmore: *b\nc: mine\n';
  const base = 'base:\n  p: 1\nuse:\n  p: 1\nmore:\n  p: 1\nc: 1\n';
  const desired = 'base:\n  p: 1\nuse:\n  p: 2\nmore:\n  p: 3\nc: 2\n';
  const result = mergeYaml(current, base, desired, 'theirs');
  assert.equal(result, { text: desired, conflicts: ['(document): the change touches use, more, shared through a YAML anchor'], reformatted: false });
  assert.equal(mergeYaml(current, base, desired, 'keep').conflicts, ['use (shared through a YAML anchor)', 'more (shared through a YAML anchor)', 'c']);
});

test('a complex key the user added at the top of the file (? [x, y]) stays a list when the merge must re-serialise', () => {
  const result = mergeYaml('? [x, y]\n: 1\nm: {a: 1, b: 2}\nz: 1 # z\n', 'm: {a: 1, b: 2}\nz: 1\n', 'm:\n  a: 1\nz: 1\n');
  assert.equal(result, { text: '? [ x, y ]\n: 1\nm: { a: 1 }\nz: 1 # z\n', conflicts: [], reformatted: true });
});

test('a key inserted in generated order in the middle of a file without a final newline gets no blank line, and the file no newline', () => {
  assert.equal(mergeYaml('a: 1\nc: 3', 'a: 1\nc: 3\n', 'a: 1\nb: 2\nc: 3\n', 'keep', 'generated'), { text: 'a: 1\nb: 2\nc: 3', conflicts: [], reformatted: false });
});

test.run();
