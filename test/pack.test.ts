/**
 * What users install: `npm pack` (whose `prepack` builds dist/), the tarball installed into an empty
 * project with no network, its bin run for --version, --help and a non-interactive init whose tree
 * must equal the golden output file by file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GOLDEN_DIR, readTree, ROOT, runCli, tempDir } from './helpers/run.ts';

const GOLDEN = join(GOLDEN_DIR, 'advanced-three-accounts');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** The bin runs as users run it: plain Node, no loader of ours. */
const env = { ...process.env, NODE_OPTIONS: '' };

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

const work = tempDir('pack-test-');
const project = join(work, 'project');
let packed: Packed;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function bin(args: string[], cwd = project): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(project, 'node_modules', '.bin', 'create-atmos-oidc'), args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('npm pack builds dist/ and ships only bin/, dist/ and the README, with no dependencies', () => {
  // With --json, npm prints the lifecycle scripts' output (the build) on stderr and the report on stdout.
  [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT)) as Packed[];
  const paths = packed.files.map((f) => f.path);
  const stray = paths.filter((p) => !/^(bin\/|dist\/|package\.json$|README\.md$|LICENSE$)/.test(p));
  assert.equal(stray, [], 'only bin/, dist/, package.json, README.md, LICENSE');
  assert.ok(paths.includes('bin/create-atmos-oidc.js'));
  assert.ok(paths.includes('dist/main.js'));
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined, 'no runtime dependencies');
  assert.ok(packed.unpackedSize <= 2 * 1024 * 1024, `unpacked ${packed.unpackedSize} bytes, at most 2 MB`);
});

test('the tarball installs offline into an empty project, adding only itself', () => {
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), '{ "name": "pack-test-project", "private": true }\n');
  npm(['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename)], project);
  const installed = readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'));
  assert.equal(installed, ['create-atmos-oidc']);
});

test('its bin prints the version', () => {
  const result = bin(['--version']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, `${VERSION}\n`);
});

test('its bin prints the help', () => {
  const result = bin(['--help']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage:$/m);
  assert.match(result.stdout, /create-atmos-oidc check \[DIR\]/);
});

test('its non-interactive init writes exactly the golden tree', () => {
  const target = join(work, 'target');
  const result = bin(['init', '--yes', '--answers', join(GOLDEN, 'answers.yaml'), target]);
  assert.is(result.code, 0, result.stderr);
  const actual = readTree(target);
  const expected = readTree(join(GOLDEN, 'expected'));
  assert.equal([...actual.keys()], [...expected.keys()], 'the same files');
  for (const [path, content] of expected) assert.fixture(actual.get(path) ?? '', content, path);
});

test('day-two commands and check from the tarball do what they do from source', async () => {
  const steps = [
    ['init', '--yes', '--answers', join(GOLDEN, 'answers.yaml')],
    ['account', '--yes', '--stage', 'qa', '--account-id', '444444444444'],
    ['role', '--yes', '--name', 'reader', '--identity', 'acme/reader', '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra-live:main'],
    ['workflows', '--yes'],
    ['check'],
  ];
  const fromSource = join(work, 'day-two-source');
  const fromTarball = join(work, 'day-two-tarball');
  for (const step of steps) {
    const source = await runCli([...step, fromSource]);
    const packedRun = bin([...step, fromTarball]);
    const where = `${step[0]}: ${packedRun.stderr}`;
    assert.is(packedRun.code, source.code, where);
    assert.is(packedRun.stdout.split(fromTarball).join('DIR'), source.stdout.split(fromSource).join('DIR'), where);
  }
  const expected = readTree(fromSource);
  const actual = readTree(fromTarball);
  assert.equal([...actual.keys()], [...expected.keys()], 'the same files');
  for (const [path, content] of expected) assert.fixture(actual.get(path) ?? '', content, path);
});

test('npm exec of the tarball, as npm create runs it, needs nothing from the network', () => {
  // An empty npm cache and --offline: a package that fetched a dependency would fail here.
  const target = join(work, 'via-npm-exec');
  execFileSync('mkdir', ['-p', target]);
  const out = npm(
    ['exec', '--offline', '--yes', '--cache', join(work, 'npm-cache'), `--package=${join(work, packed.filename)}`, '--', 'create-atmos-oidc', '--yes', '--answers', join(GOLDEN, 'answers.yaml')],
    target,
  );
  assert.match(out, /Wrote \d+ files/);
  assert.equal([...readTree(target).keys()], [...readTree(join(GOLDEN, 'expected')).keys()]);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
