/**
 * Where `check` finds atmos.yaml, as Atmos v1.215.0 does (pkg/config/load.go loadConfigSources:
 * system dir < git root < ATMOS_CLI_CONFIG_PATH < --config-path) plus the places real repositories
 * use: rootfs/usr/local/etc/atmos (the system directory of their container image) and a workflow's
 * `env:`. base_path as pkg/config/config.go resolveAbsolutePath resolves it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, memoryRepo, type CheckResult } from '../src/check/index.ts';
import { discoverAtmosConfig } from '../src/atmos/discover.ts';
import { Repo } from '../src/atmos/repo.ts';
import { runCli, tempDir } from './helpers/run.ts';

const STACKS = 'stacks:\n  base_path: stacks\n  included_paths: ["**/*"]\n  name_pattern: "{stage}"\n';
const DEV = { 'stacks/dev.yaml': 'vars: { stage: dev }\ncomponents:\n  terraform:\n    vpc: { vars: {} }\n' };

function discover(files: Record<string, string>, options = {}) {
  return discoverAtmosConfig(new Repo(memoryRepo(files)), options);
}

function check(files: Record<string, string>, atmosConfig = {}): CheckResult {
  return checkRepository(memoryRepo(files), { repository: 'acme/infra', atmosConfig });
}

const codes = (r: CheckResult): string[] => r.findings.map((f) => f.code);

test('rootfs only: the Atmos system directory as the image keeps it, base_path empty means the repository root', () => {
  const files = { 'rootfs/usr/local/etc/atmos/atmos.yaml': `base_path: ""\n${STACKS}`, ...DEV };
  const found = discover(files);
  assert.is(found.file, 'rootfs/usr/local/etc/atmos/atmos.yaml');
  assert.is(found.source, 'system directory');
  assert.match(found.why, /\/usr\/local\/etc\/atmos/);
  const result = check(files);
  assert.equal(result.stacks.all().map((s) => s.name), ['dev'], 'stacks/ at the git root, not under rootfs/');
  assert.not.ok(codes(result).includes('atmos-config-missing'));
  assert.not.ok(codes(result).includes('atmos-config-location'));
});

test('a root atmos.yaml wins over rootfs/ (Atmos merges the system directory first, the git root over it)', () => {
  const found = discover({ 'atmos.yaml': STACKS, 'rootfs/usr/local/etc/atmos/atmos.yaml': STACKS });
  assert.is(found.file, 'atmos.yaml');
  assert.is(found.source, 'repository root');
  assert.equal(found.others, ['rootfs/usr/local/etc/atmos/atmos.yaml']);
});

test("a workflow's env names the directory and the base path: both are followed", () => {
  const files = {
    'config/aws/atmos.yaml': `base_path: "../.."\n${STACKS}`,
    'infra/stacks/dev.yaml': DEV['stacks/dev.yaml'],
    '.github/workflows/plan.yaml':
      'on: pull_request\nenv:\n  ATMOS_CLI_CONFIG_PATH: ./config/aws\n  ATMOS_BASE_PATH: ${{ github.workspace }}/infra\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n',
  };
  const found = discover(files);
  assert.is(found.file, 'config/aws/atmos.yaml');
  assert.is(found.source, 'workflow env');
  assert.is(found.why, 'ATMOS_CLI_CONFIG_PATH: ./config/aws in .github/workflows/plan.yaml (env)');
  assert.equal(found.basePathOverride, { path: 'infra', source: 'workflow env', why: 'ATMOS_BASE_PATH: ${{ github.workspace }}/infra in .github/workflows/plan.yaml (env)' });
  assert.equal(check(files).stacks.all().map((s) => s.name), ['dev'], 'ATMOS_BASE_PATH wins over base_path in the file');
});

test('base_path "./" in a nested atmos.yaml is the directory of that file; a bare name is the git root joined', () => {
  const dotted = { 'config/aws/atmos.yaml': `base_path: ./\n${STACKS}`, 'config/aws/stacks/dev.yaml': DEV['stacks/dev.yaml'] };
  assert.equal(check(dotted, { configPath: 'config/aws' }).stacks.all().map((s) => s.name), ['dev']);
  const bare = { 'config/aws/atmos.yaml': `base_path: infra\n${STACKS}`, 'infra/stacks/dev.yaml': DEV['stacks/dev.yaml'] };
  assert.equal(check(bare, { configPath: 'config/aws/atmos.yaml' }).stacks.all().map((s) => s.name), ['dev']);
});

test('ATMOS_CLI_CONFIG_PATH from vars.X: unknown offline, the only atmos.yaml is used and the reason says so', () => {
  const files = {
    'config/atmos.yaml': `base_path: ""\n${STACKS}`,
    ...DEV,
    '.github/workflows/apply.yaml':
      'on: push\njobs:\n  apply:\n    runs-on: ubuntu-latest\n    env:\n      ATMOS_CLI_CONFIG_PATH: ${{ vars.ATMOS_CONFIG_PATH }}\n    steps:\n      - run: echo\n',
  };
  const found = discover(files);
  assert.is(found.file, 'config/atmos.yaml');
  assert.is(found.source, 'only candidate');
  assert.match(found.why, /jobs\.apply\.env|ATMOS_CONFIG_PATH/);
  assert.is(found.workflowSettings[0].place, 'jobs.apply.env');
  assert.is(found.workflowSettings[0].resolved, null);
  const known = discover({ ...files, 'other/atmos.yaml': STACKS }, { vars: { ATMOS_CONFIG_PATH: 'config' } });
  assert.is(known.file, 'config/atmos.yaml', 'given the variable, the workflow decides even among several files');
  assert.is(known.source, 'workflow env');
  assert.equal(check(files).stacks.all().map((s) => s.name), ['dev']);
});

test('the environment wins over a workflow, --config over both; an absolute container path maps into rootfs/', () => {
  const files = {
    'a/atmos.yaml': STACKS,
    'b/atmos.yaml': STACKS,
    'rootfs/usr/local/etc/atmos/atmos.yaml': STACKS,
    '.github/workflows/w.yaml': 'on: push\nenv:\n  ATMOS_CLI_CONFIG_PATH: a\njobs: {}\n',
  };
  assert.is(discover(files).file, 'a/atmos.yaml');
  assert.is(discover(files, { env: { ATMOS_CLI_CONFIG_PATH: 'b' } }).file, 'b/atmos.yaml');
  assert.is(discover(files, { env: { ATMOS_CLI_CONFIG_PATH: '/usr/local/etc/atmos' } }).file, 'rootfs/usr/local/etc/atmos/atmos.yaml');
  const flag = discover(files, { env: { ATMOS_CLI_CONFIG_PATH: 'b' }, configPath: 'a/atmos.yaml' });
  assert.is(flag.file, 'a/atmos.yaml');
  assert.is(flag.source, 'flag');
});

test('--base-path wins over ATMOS_BASE_PATH and a workflow, as Atmos\'s flag does', () => {
  const files = {
    'atmos.yaml': `base_path: ""\n${STACKS}`,
    'live/stacks/dev.yaml': DEV['stacks/dev.yaml'],
    '.github/workflows/w.yaml': 'on: push\nenv:\n  ATMOS_BASE_PATH: ./elsewhere\njobs: {}\n',
  };
  assert.equal(discover(files, { env: { ATMOS_BASE_PATH: 'other' }, basePath: 'live' }).basePathOverride, { path: 'live', source: 'flag', why: '--base-path live' });
  assert.equal(check(files, { basePath: 'live' }).stacks.all().map((s) => s.name), ['dev']);
  assert.equal(check(files).stacks.all().map((s) => s.name), [], 'the workflow says ./elsewhere: no stacks there');
});

test('included_paths written "./orgs/**/*" match as Atmos joins them (the leading ./ dropped)', () => {
  const files = { 'atmos.yaml': 'stacks:\n  base_path: stacks\n  included_paths: ["./orgs/**/*"]\n  name_pattern: "{stage}"\n', 'stacks/orgs/dev.yaml': DEV['stacks/dev.yaml'] };
  assert.equal(check(files).stacks.all().map((s) => s.name), ['dev']);
});

test('a workflow naming a directory without atmos.yaml is a finding, not a silent fallback', () => {
  const files = { 'atmos.yaml': STACKS, ...DEV, '.github/workflows/w.yaml': 'on: push\nenv:\n  ATMOS_CLI_CONFIG_PATH: ./nowhere\njobs: {}\n' };
  const result = check(files);
  const f = result.findings.find((x) => x.code === 'atmos-config-location');
  assert.ok(f, 'atmos-config-location reported');
  assert.is(f!.severity, 'warning');
  assert.match(f!.message, /ATMOS_CLI_CONFIG_PATH: \.\/nowhere in \.github\/workflows\/w\.yaml \(env\)/);
  assert.match(f!.message, /reading atmos\.yaml/);
});

test('several atmos.yaml files and none where Atmos looks: missing, with the candidates named', () => {
  const result = check({ 'x/atmos.yaml': STACKS, 'y/atmos.yaml': STACKS, ...DEV });
  assert.equal(codes(result).filter((c) => c.startsWith('atmos-config')).sort(), ['atmos-config-location', 'atmos-config-missing']);
  assert.match(result.findings.find((f) => f.code === 'atmos-config-location')!.message, /x\/atmos\.yaml, y\/atmos\.yaml/);
});

test('check --config PATH through the CLI; a path outside the repository is a usage error (exit 2)', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'x'));
    mkdirSync(join(dir, 'y'));
    mkdirSync(join(dir, 'stacks'));
    writeFileSync(join(dir, 'x', 'atmos.yaml'), STACKS);
    writeFileSync(join(dir, 'y', 'atmos.yaml'), STACKS);
    writeFileSync(join(dir, 'stacks', 'dev.yaml'), DEV['stacks/dev.yaml']);
    const ok = await runCli(['check', dir, '--config', join(dir, 'x'), '--json', '--repository', 'acme/infra']);
    assert.is(ok.code, 0, ok.stderr);
    assert.not.match(ok.stdout, /atmos-config-(missing|location)/);
    const based = await runCli(['check', dir, '--config', join(dir, 'x'), '--base-path', dir, '--json', '--repository', 'acme/infra']);
    assert.is(based.code, 0, based.stderr);
    const badBase = await runCli(['check', dir, '--base-path', join(dir, 'missing')]);
    assert.is(badBase.code, 2);
    assert.match(badBase.stderr, /--base-path/);
    const bad = await runCli(['check', dir, '--config', '/etc']);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /--config/);
    assert.is(bad.stdout, '');
  } finally {
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
