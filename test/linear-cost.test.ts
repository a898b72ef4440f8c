/**
 * Cost stays linear in the size of the repository, and matrices are expanded as GitHub documents
 * them (docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/
 * running-variations-of-jobs-in-a-workflow: exclude, then include; at most 256 jobs per matrix).
 *
 * No absolute time bound (the machine is shared and its load changes): each case measures, in one
 * run, the same work at n and at 4n (the faster of two tries each) and requires the ratio to stay
 * below 8. Linear work gives about 4; the quadratic code this replaced gave about 16 (88 s for 100k
 * keys, 23 s for 5,000 glob-imported files).
 */
import { parseDocument } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, memoryRepo } from '../src/check/index.ts';
import { expandMatrix, MATRIX_JOB_LIMIT } from '../src/check/workflows.ts';
import { duplicateKeyErrors, parseYaml, parseYamlFully } from '../src/atmos/yaml.ts';
import { parseAnswersYaml } from '../src/answers/answers.ts';
import { InputError } from '../src/answers/validate.ts';
import { readTree, renderGolden } from './helpers/run.ts';
import { rmSync } from 'node:fs';

function manyKeys(n: number, extra = ''): string {
  const lines = ['vars:'];
  for (let i = 0; i < n; i++) lines.push(`  key${i}: value${i}`);
  return `${lines.join('\n')}\n${extra}`;
}

const seconds = (start: number): number => (performance.now() - start) / 1000;

/** The faster of two timed runs of `work(n)`, in seconds. */
function timed(work: (n: number) => void, n: number): number {
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const start = performance.now();
    work(n);
    best = Math.min(best, seconds(start));
  }
  return best;
}

/** Time at 4n over time at n: about 4 when the work is linear, about 16 when quadratic. */
function assertLinear(what: string, work: (n: number) => void, n: number): { small: number; large: number } {
  const small = timed(work, n);
  const large = timed(work, 4 * n);
  assert.ok(large / small < 8, `${what}: ${n} took ${small.toFixed(3)} s, ${4 * n} took ${large.toFixed(3)} s (x${(large / small).toFixed(1)}; linear is about x4, quadratic x16)`);
  return { small, large };
}

test('a map of 100,000 keys parses in time linear in its size on both paths (fast and yaml), duplicates still found', () => {
  const fast = parseYaml(manyKeys(100_000), 'big.yaml');
  assert.equal(fast.errors, []);
  assert.is(Object.keys(fast.value.vars).length, 100_000);
  // An anchor sends the file to the yaml package, whose own unique-key check was quadratic.
  const full = parseYamlFully(`${manyKeys(100_000)}anchored: &a x\n`, 'big.yaml');
  assert.equal(full.errors, []);
  const dup = parseYamlFully(`${manyKeys(100_000).replace('vars:\n', 'vars:\n  key99999: first\n')}anchored: &a x\n`, 'dup.yaml');
  assert.equal(dup.errors, [{ message: 'Map keys must be unique', line: 100_002 }]);
  const texts = new Map([25_000, 100_000].map((n) => [n, manyKeys(n)]));
  const fastTimes = assertLinear('fast path', (n) => parseYaml(texts.get(n)!, 'big.yaml'), 25_000);
  const dupTexts = new Map([...texts].map(([n, text]) => [n, `${text.replace('vars:\n', 'vars:\n  key1: first\n')}anchored: &a x\n`]));
  const fullTimes = assertLinear('yaml path with a duplicate', (n) => parseYamlFully(dupTexts.get(n)!, 'dup.yaml'), 25_000);
  console.log(`  100k keys: fast path ${fastTimes.large.toFixed(2)} s, yaml path with a duplicate ${fullTimes.large.toFixed(2)} s`);
});

test('the linear duplicate-key check agrees with the yaml package on every kind of key', () => {
  const cases = [
    'a: 1\na: 2\n',
    '{a: 1, a: 2}\n',
    '1: x\n"1": y\n',
    'null: 1\n~: 2\n',
    'true: 1\nTrue: 2\n',
    'a: 1\n? a\n: 2\n',
    '? [a]\n: 1\n? [a]\n: 2\n',
    'x: &a {p: 1}\ny: &b {q: 1}\nz:\n  <<: *a\n  <<: *b\n',
    'outer:\n  inner: 1\n  inner: 2\nother:\n  inner: 3\n',
  ];
  for (const text of cases) {
    const theirs = parseDocument(text, { version: '1.2', merge: true, uniqueKeys: true }).errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => e.pos[0]);
    const ours = duplicateKeyErrors(parseDocument(text, { version: '1.2', merge: true, uniqueKeys: false })).map((e) => e.pos[0]);
    assert.equal(ours, theirs, JSON.stringify(text));
  }
});

test('an answers file with a duplicate key among 50,000 is refused in time linear in its size, naming the key and line', () => {
  const withDuplicate = (n: number) => `version: 1\nfiles:\n${Array.from({ length: n }, (_, i) => `  f${i}.yaml: sha256:0\n`).join('')}  f7.yaml: sha256:1\nanchor: &a x\n`;
  const refused = (n: number) =>
    assert.throws(
      () => parseAnswersYaml(texts.get(n) ?? withDuplicate(n), '.atmos-oidc.yaml'),
      (e: unknown) => e instanceof InputError && new RegExp(`\\.atmos-oidc\\.yaml:${n + 3}:3: f7\\.yaml`).test((e as Error).message),
    );
  const texts = new Map([12_500, 50_000].map((n) => [n, withDuplicate(n)]));
  refused(50_000);
  assertLinear('answers with a duplicate', (n) => refused(n), 12_500);
});

test('5,000 glob-imported files are checked in time linear in their number', async () => {
  const dir = await renderGolden('guide-basic');
  const golden = readTree(dir);
  rmSync(dir, { recursive: true, force: true });
  const withImports = (n: number) => {
    const files = new Map(golden);
    for (let i = 0; i < n; i++) files.set(`stacks/catalog/many/f${i}.yaml`, `vars:\n  v${i}: ${i}\n`);
    files.set('stacks/orgs/acme/dev.yaml', files.get('stacks/orgs/acme/dev.yaml')!.replace(/^import:\n/m, 'import:\n  - catalog/many/*\n'));
    return files;
  };
  const result = checkRepository(memoryRepo(withImports(5000)), {});
  const dev = result.stacks.byName('dev');
  assert.ok(dev, 'the dev stack is read');
  assert.is(dev!.files.filter((f) => f.startsWith('stacks/catalog/many/')).length, 5000, 'every imported file is merged');
  assert.is(dev!.vars.v0, 0);
  assert.is(dev!.vars.v4999, 4999);
  assert.is(result.errors, 0, JSON.stringify(result.findings.filter((f) => f.severity === 'error')));
  const repos = new Map([1250, 5000].map((n) => [n, memoryRepo(withImports(n))]));
  const { large } = assertLinear('glob imports', (n) => checkRepository(repos.get(n)!, {}), 1250);
  console.log(`  5,000 glob imports: ${large.toFixed(2)} s`);
});

test('matrix include, the documented example: fits rows without overwriting original values, else adds a row', () => {
  const { rows, jobs } = expandMatrix({
    fruit: ['apple', 'pear'],
    animal: ['cat', 'dog'],
    include: [{ color: 'green' }, { color: 'pink', animal: 'cat' }, { fruit: 'apple', shape: 'circle' }, { fruit: 'banana' }, { fruit: 'banana', animal: 'cat' }],
  });
  assert.equal(rows, [
    { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
    { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
    { fruit: 'pear', animal: 'cat', color: 'pink' },
    { fruit: 'pear', animal: 'dog', color: 'green' },
    { fruit: 'banana' },
    { fruit: 'banana', animal: 'cat' },
  ]);
  assert.is(jobs, 6);
});

test('matrix exclude, the documented example: a partial match removes every combination it matches', () => {
  const { rows } = expandMatrix({
    os: ['macos-latest', 'windows-latest'],
    version: [12, 14, 16],
    environment: ['staging', 'production'],
    exclude: [{ os: 'macos-latest', version: 12, environment: 'production' }, { os: 'windows-latest', version: 16 }],
  });
  assert.is(rows.length, 9);
  assert.not.ok(rows.some((r) => r.os === 'windows-latest' && r.version === '16'));
});

test('matrix: include is processed after exclude, so it can add back an excluded combination', () => {
  const { rows } = expandMatrix({
    stage: ['dev', 'prod'],
    role: ['reader'],
    exclude: [{ stage: 'prod' }],
    include: [{ stage: 'prod', role: 'admin' }],
  });
  assert.equal(rows, [{ stage: 'dev', role: 'reader' }, { stage: 'prod', role: 'admin' }]);
});

test('matrix: 600 combinations that exclude brings under the limit are all read, none cut', () => {
  const n = Array.from({ length: 300 }, (_, i) => i);
  const { rows, jobs } = expandMatrix({ n, half: ['a', 'b'], exclude: [{ half: 'b' }], include: [{ n: 299, half: 'b', extra: 'last' }] });
  assert.is(jobs, 301);
  assert.is(rows.length, 301);
  assert.equal(rows.at(-1), { n: '299', half: 'b', extra: 'last' });
});

test(`matrix: more than ${MATRIX_JOB_LIMIT} jobs is a matrix-too-large finding naming the job and the count`, async () => {
  const dir = await renderGolden('guide-basic');
  const files = readTree(dir);
  rmSync(dir, { recursive: true, force: true });
  const a = Array.from({ length: 17 }, (_, i) => `a${i}`).join(', ');
  const b = Array.from({ length: 16 }, (_, i) => `b${i}`).join(', ');
  files.set(
    '.github/workflows/wide.yaml',
    `name: wide\non: push\npermissions:\n  contents: read\njobs:\n  wide:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        a: [${a}]\n        b: [${b}]\n    steps:\n      - run: echo hi\n`,
  );
  const result = checkRepository(memoryRepo(files), {});
  const found = result.findings.filter((f) => f.code === 'matrix-too-large');
  assert.is(found.length, 1);
  assert.is(found[0].file, '.github/workflows/wide.yaml');
  assert.is(found[0].line, 9);
  assert.match(found[0].message, /the matrix of job "wide" makes 272 jobs after exclude and include; GitHub documents at most 256 jobs per matrix/);
});

test('matrix: a product far too big to build is counted, not built, and reported', () => {
  const axis = Array.from({ length: 100 }, (_, i) => i);
  const { rows, jobs } = expandMatrix({ a: axis, b: axis, c: axis, d: axis });
  assert.ok(jobs > MATRIX_JOB_LIMIT);
  assert.ok(rows.length <= 100_000, `built ${rows.length} rows of ${jobs}`);
});

test.run();
