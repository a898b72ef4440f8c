/**
 * The fast YAML path of `check` against the `yaml` package: on every YAML file of the golden trees,
 * the fixtures and a generated repository, and on random documents, it must return exactly what
 * `yaml` returns (values and key lines), or decline. It must also decline what it does not handle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fastParse, fastParseKept } from '../src/atmos/fastyaml.ts';
import { parseYaml, parseYamlFully } from '../src/atmos/yaml.ts';
import { checkWorkflow } from '../src/setup/workflow-rules.ts';
import { parseAnswersText, parseAnswersYaml } from '../src/answers/answers.ts';
import { ROOT } from './helpers/run.ts';

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Every key path of a value, for comparing lines. */
function keyPaths(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (Array.isArray(value)) value.forEach((v, i) => keyPaths(v, [...path, String(i)], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push([...path, k]);
      keyPaths(v, [...path, k], out);
    }
  return out;
}

function agree(text: string, label: string): boolean {
  const fast = fastParse(text);
  if (!fast) return false;
  const full = parseYamlFully(text, label);
  assert.equal(full.errors, [], `${label}: the fast path took a file yaml rejects`);
  assert.equal(fast.value, full.value, `${label}: same value as yaml`);
  for (const path of keyPaths(full.value)) {
    if (/^\d+$/.test(path[path.length - 1])) continue;
    assert.is(fast.lines.get(path.join('\0')), full.lineOf(path), `${label}: line of ${path.join('.')}`);
  }
  return true;
}

test('every YAML file of the golden trees and fixtures: same as yaml, and the generated ones take the fast path', () => {
  let fastCount = 0;
  const files = [...yamlFiles(join(ROOT, 'test', 'golden')), ...yamlFiles(join(ROOT, 'test', 'fixtures'))];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (agree(text, file.slice(ROOT.length))) fastCount++;
    // The fast path declines tags by design; a generated file with an Atmos YAML function (the
    // catalog's `!exec` for the account-map override) must then parse fully with the function kept.
    else if (/: !exec /.test(text)) assert.match(JSON.stringify(parseYamlFully(text, file).value), /"tag":"!exec","text":"echo /, `${file}: the function is kept`);
    else assert.ok(!file.includes('/expected/'), `generated file ${file} takes the fast path`);
  }
  assert.ok(fastCount > files.length / 2, `${fastCount} of ${files.length} files on the fast path`);
});

test('scalars, block scalars, comments, indentless sequences and quoted keys: same as yaml', () => {
  const cases = [
    'a: 1\nc: ~\nd: null\ne: True\nf: "x # y"\ng: \'it\'\'s\'\nh: plain # comment\ni: 0123\nj: +5\nk: []\nl: {}\n',
    'on:\n  push:\n    branches:\n    - main\n    - "release/*"\n  workflow_dispatch:\n',
    'run: |\n  echo a\n\n  echo "b"\n    indented\nnext: 1\n',
    'run: |-\n  one\n  two\n\n\nafter: x\n',
    'run: |+\n  kept\nafter: x\n',
    '- a: 1\n  b:\n    - x\n    - y: 2\n      z: 3\n-\n  c: 4\n- plain\n',
    '"on":\n  pull_request: {}\n\'k\': v\nurl: https://example.com/a:b\narn: arn:aws:iam::111111111111:role/x\n',
    '---\n# comment\nkey: value\n',
    'empty:\nnested:\n  deeper:\n    deepest: yes\n',
    'escapes: "a\\\\b \\" \\n"\n',
    'expr: ${{ inputs.stack }}\nimage: ghcr.io/cloudposse/atmos:${{ vars.ATMOS_VERSION }}\n',
  ];
  for (const text of cases) assert.ok(agree(text, JSON.stringify(text)), `fast path takes ${JSON.stringify(text)}`);
});

test('what the fast path declines', () => {
  const declined = [
    'a: &x 1\nb: *x\n',
    'a: !terraform.state vpc .id\n',
    'a: [1, 2]\n',
    'a: {b: 1}\n',
    'a: >\n  folded\n',
    'a: 1.5\n',
    'a: .inf\n',
    'a: 0x1F\n',
    'a: multi\n  line\n',
    'a: 1\na: 2\n',
    '<<: {}\n',
    'a:\tb\n',
    '--- a\n',
    'a: 1\n---\nb: 2\n',
    'key: value: more\n',
    'a: "unterminated\n',
    '? complex\n: key\n',
    'a: 99999999999999999999\n',
  ];
  for (const text of declined) assert.is(fastParse(text), null, JSON.stringify(text));
});

const KEY = fc.stringMatching(/^[a-z][a-z0-9_/.-]{0,12}$/);
const SCALAR = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.stringMatching(/^[a-z${}. :#"'\\/-]{0,20}$/),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('true', 'null', '~', '0123', '1.5', '-', 'a: b', 'x #y', '', ' lead', 'trail ', 'line\nbreak', 'multi\nline\n'),
);
const VALUE = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, SCALAR, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(KEY, tie('value'), { maxKeys: 5 }),
})).value;

test('random documents written by yaml: the fast path agrees or declines', () => {
  let taken = 0;
  fc.assert(
    fc.property(VALUE, fc.constantFrom(0, 2), (value, indentSeq) => {
      const text = stringify(value, { lineWidth: 0, indentSeq: indentSeq === 2 });
      if (agree(text, text)) taken++;
    }),
    { numRuns: 600, seed: 20261127 },
  );
  assert.ok(taken > 100, `${taken} of 600 random documents took the fast path`);
});

test('a workflow parsed by the workflow rules is parsed once: check takes that parse, then parses anew', () => {
  const text = readFileSync(join(ROOT, 'test', 'golden', 'advanced-three-accounts', 'expected', '.github', 'workflows', 'atmos-terraform-plan.yaml'), 'utf8');
  assert.equal(checkWorkflow(text), []);
  const kept = fastParseKept(text);
  assert.ok(kept, 'a generated workflow takes the fast path');
  const first = parseYaml(text, 'plan.yaml');
  assert.ok(first.value === kept!.value, 'check takes the parse the rules kept');
  const second = parseYaml(text, 'plan.yaml');
  assert.ok(second.value !== kept!.value, 'a taken parse is not handed out again');
  assert.equal(second.value, first.value);
  assert.equal(second.value, parseYamlFully(text, 'plan.yaml').value);
});

/** What reading an answers file gives: the value, or the error message. */
function answersOutcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

test('answers files: the fast path gives what the strict yaml path gives, value or error', () => {
  const texts = [
    ...yamlFiles(join(ROOT, 'test', 'golden')).filter((f) => /(answers|\.atmos-oidc)\.yaml$/.test(f)),
    ...yamlFiles(join(ROOT, 'examples')),
  ].map((f) => readFileSync(f, 'utf8'));
  assert.ok(texts.length >= 12, `${texts.length} answers files`);
  texts.push(
    'version: 1\nrepository: acme/x # comment\n',
    'version: 1\nrepository: acme/x#not-a-comment\n',
    'a: |#comment\n  text\n',
    'a: "quoted"#comment\n',
    `${'k'.repeat(1030)}: 1\n`,
    `a: ${'v'.repeat(1030)}\n`,
    '- a\n- b\n',
    'plain',
    '',
    '# only a comment\n',
    'a: 1\r\nb: two\r\n',
  );
  fc.assert(
    fc.property(VALUE, (value) => {
      texts.push(stringify({ version: 1, value }, { lineWidth: 0 }));
    }),
    { numRuns: 300, seed: 20261128 },
  );
  let fast = 0;
  for (const text of texts) {
    assert.equal(answersOutcome(() => parseAnswersText(text, 'a.yaml')), answersOutcome(() => parseAnswersYaml(text, 'a.yaml')), JSON.stringify(text));
    if (fastParse(text)) fast++;
  }
  assert.ok(fast > texts.length / 3, `${fast} of ${texts.length} on the fast path`);
});

test.run();
