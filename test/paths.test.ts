/**
 * Paths: nothing is written outside DIR, whatever the answers (or an existing atmos.yaml) say. A
 * symbolic link inside DIR is never followed for a write (exit 2, nothing written, the outside
 * untouched); Windows-style and absolute paths are refused. Each run's DIR sits inside a parent
 * directory that is snapshotted whole, with a sibling "outside" directory a link can point at.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FlushError, checkRelativePath, Tree } from '../src/write/tree.ts';
import { InputError } from '../src/answers/validate.ts';
import { GOLDEN_DIR, runCli, tempDir } from './helpers/run.ts';
import { assertUnchanged, snapshot } from './helpers/snapshot.ts';

const GUIDE = join(GOLDEN_DIR, 'guide-basic', 'answers.yaml');

/** A parent holding DIR (`repo`, with a file of its own) and a sibling `outside` with a file in it. */
function world(): { parent: string; dir: string; outside: string } {
  const parent = tempDir('paths-');
  const dir = join(parent, 'repo');
  const outside = join(parent, 'outside');
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(join(dir, 'README.md'), 'ours\n');
  writeFileSync(join(outside, 'secret.yaml'), 'secret: true\n');
  return { parent, dir, outside };
}

function answersWith(text: string): string {
  const file = join(tempDir('paths-answers-'), 'answers.yaml');
  writeFileSync(file, text);
  return file;
}

const BASE = 'version: 1\nrepository: acme/infra-live\nsetup: advanced\n';
const ACCOUNT = (stage: string): string => `accounts:\n  - stage: ${JSON.stringify(stage)}\n    id: "111111111111"\n`;

let refused = 0;

async function expectRefused(argv: string[], parent: string, message: RegExp, code = 2): Promise<void> {
  const before = snapshot(parent);
  const result = await runCli(argv);
  assert.is(result.code, code, result.stderr);
  assert.match(result.stderr, message);
  assertUnchanged(parent, before, 'DIR and everything beside it');
  refused++;
}

// Answers that try to leave DIR.
const ESCAPES: Array<[string, string, RegExp]> = [
  ['a stage "../outside"', BASE + ACCOUNT('../outside'), /accounts\[0\]\.stage: "\.\.\/outside" is not allowed/],
  ['a stage "../../etc/cron.d/x"', BASE + ACCOUNT('../../etc/cron.d/x'), /accounts\[0\]\.stage: .* is not allowed/],
  ['a namespace "../outside"', `${BASE}namespace: ../outside\n${ACCOUNT('dev')}`, /namespace: "\.\.\/outside" is not allowed/],
  ['an absolute stage', BASE + ACCOUNT('/etc/passwd'), /accounts\[0\]\.stage: "\/etc\/passwd" is not allowed/],
  ['an absolute namespace', `${BASE}namespace: /tmp/x\n${ACCOUNT('dev')}`, /namespace: "\/tmp\/x" is not allowed/],
  ['a Windows stage "..\\\\outside"', BASE + ACCOUNT('..\\outside'), /accounts\[0\]\.stage: "\.\.\\\\outside" is not allowed/],
  ['a Windows drive namespace', `${BASE}namespace: "C:\\\\stacks"\n${ACCOUNT('dev')}`, /namespace: "C:\\\\stacks" is not allowed/],
  ['a UNC namespace', `${BASE}namespace: "\\\\\\\\server\\\\share"\n${ACCOUNT('dev')}`, /namespace: .*server.* is not allowed/],
  ['a role name "../../x"', `${BASE}${ACCOUNT('dev')}roles:\n  - name: ../../x\n    identity: acme/x\n    policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n    trust: [acme/infra-live]\n    used_for: [plan, apply]\n`, /roles\[0\]\.name: "\.\.\/\.\.\/x" is not allowed/],
];

for (const [what, text, message] of ESCAPES) {
  test(`answers with ${what} are refused and nothing is written anywhere`, async () => {
    const { parent, dir } = world();
    await expectRefused(['init', '--yes', '--answers', answersWith(text), dir], parent, message);
  });
}

// An existing atmos.yaml decides where stacks go: it cannot send them out of DIR either.
const BASE_PATHS: Array<[string, string]> = [
  ['a relative stacks.base_path outside', 'stacks:\n  base_path: ../outside\n'],
  ['a base_path outside', 'base_path: ../outside\nstacks:\n  base_path: stacks\n'],
  ['an absolute stacks.base_path', 'stacks:\n  base_path: /tmp/stacks\n'],
  ['a Windows stacks.base_path', 'stacks:\n  base_path: "..\\\\outside"\n'],
  ['a drive-letter stacks.base_path', 'stacks:\n  base_path: "C:/stacks"\n'],
];

for (const [what, config] of BASE_PATHS) {
  test(`an atmos.yaml with ${what} is refused and nothing is written anywhere`, async () => {
    const { parent, dir } = world();
    writeFileSync(join(dir, 'atmos.yaml'), config);
    await expectRefused(['init', '--yes', '--answers', GUIDE, dir], parent, /error: path: ".*" is not allowed; expected a relative path inside the target directory/);
  });
}

// Symbolic links inside DIR.
const LINKS: Array<[string, (w: ReturnType<typeof world>) => void, RegExp]> = [
  ['.github links to a directory outside', (w) => symlinkSync(w.outside, join(w.dir, '.github')), /\.github is a symbolic link to .*outside, outside /],
  [
    'a generated file links to a file outside',
    (w) => {
      mkdirSync(join(w.dir, 'stacks', 'catalog'), { recursive: true });
      symlinkSync(join(w.outside, 'secret.yaml'), join(w.dir, 'stacks', 'catalog', 'github-ci.yaml'));
    },
    /stacks\/catalog\/github-ci\.yaml is a symbolic link to .*secret\.yaml, outside /,
  ],
  ['.gitignore links outside', (w) => symlinkSync(join(w.outside, 'secret.yaml'), join(w.dir, '.gitignore')), /\.gitignore is a symbolic link to .*, outside /],
  [
    'the answers file links to an answers file outside',
    (w) => {
      writeFileSync(join(w.outside, 'answers.yaml'), readFileSync(GUIDE, 'utf8'));
      symlinkSync(join(w.outside, 'answers.yaml'), join(w.dir, '.atmos-oidc.yaml'));
    },
    /\.atmos-oidc\.yaml is a symbolic link to .*answers\.yaml, outside /,
  ],
  ['a dangling link where a workflow goes', (w) => {
    mkdirSync(join(w.dir, '.github', 'workflows'), { recursive: true });
    symlinkSync(join(w.outside, 'missing.yaml'), join(w.dir, '.github', 'workflows', 'test-oidc.yaml'));
  }, /test-oidc\.yaml is a symbolic link to a path that does not exist, which is not followed/],
  [
    'stacks links to a directory inside DIR',
    (w) => {
      mkdirSync(join(w.dir, 'real-stacks'));
      symlinkSync(join(w.dir, 'real-stacks'), join(w.dir, 'stacks'));
    },
    /stacks is a symbolic link, which is not followed/,
  ],
];

for (const [what, make, message] of LINKS) {
  test(`a symbolic link where ${what} is refused: exit 2, nothing written inside or outside`, async () => {
    const w = world();
    make(w);
    await expectRefused(['init', '--yes', '--answers', GUIDE, w.dir], w.parent, message);
  });
}

test('the lock file as a link to a file outside: refused (exit 1), the outside file untouched', async () => {
  const w = world();
  symlinkSync(join(w.outside, 'secret.yaml'), join(w.dir, '.atmos-oidc.lock'));
  await expectRefused(['init', '--yes', '--answers', GUIDE, w.dir], w.parent, /\.atmos-oidc\.lock exists and cannot be read as a lock/, 1);
});

test('a link that appears after planning is caught by the flush: nothing written', () => {
  const w = world();
  const tree = new Tree(w.dir);
  tree.write('a.yaml', 'a\n');
  tree.write('sub/b.yaml', 'b\n');
  symlinkSync(w.outside, join(w.dir, 'sub'));
  const before = snapshot(w.parent);
  assert.throws(() => tree.flush(), (e: unknown) => e instanceof FlushError && /sub is a symbolic link to .*outside/.test(e.message));
  assertUnchanged(w.parent, before);
  refused++;
});

test('DIR itself may be a link: the setup lands in the directory it points to', async () => {
  const parent = tempDir('paths-linked-');
  mkdirSync(join(parent, 'real'));
  symlinkSync(join(parent, 'real'), join(parent, 'repo'));
  const result = await runCli(['init', '--yes', '--answers', GUIDE, join(parent, 'repo')]);
  assert.is(result.code, 0, result.stderr);
  assert.ok(snapshot(join(parent, 'real')).has('.github/workflows/test-oidc.yaml'));
});

test('relative paths only: absolute, Windows, UNC, "..", "." and empty parts are refused by the write path', () => {
  for (const path of ['/etc/passwd', 'C:\\stacks\\x.yaml', 'C:/stacks/x.yaml', 'c:x.yaml', '\\\\server\\share\\x', 'stacks\\x.yaml', '../x.yaml', 'a/../../x', './a', 'a//b', 'a/', '']) {
    assert.throws(() => checkRelativePath(path), (e: unknown) => e instanceof InputError && e.problems[0].field === 'path', path);
    const tree = new Tree(tempDir('paths-tree-'));
    assert.throws(() => tree.write(path, 'x'), (e: unknown) => e instanceof InputError, `Tree.write(${JSON.stringify(path)})`);
    refused++;
  }
  for (const ok of ['a.yaml', '.github/workflows/x.yaml', 'stacks/orgs/acme/dev.yaml', '..x/y', 'a..b']) assert.not.throws(() => checkRelativePath(ok), ok);
});

test('paths: counts', () => {
  console.log(`  paths: ${refused} escapes refused with nothing written inside or outside DIR`);
  assert.ok(refused >= 30);
});

test.run();
