/**
 * Day-two edges a user meets: a role for another repository, the same role given twice in another
 * order, warnings said once and in the words of the setup, and `check` on a directory that holds no
 * Atmos repository.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTree, runCli, tempDir } from './helpers/run.ts';

async function setUp(...extra: string[]): Promise<string> {
  const dir = tempDir('edges-');
  const result = await runCli(['init', '--yes', '--repository', 'acme/infra-live', '--account', 'dev=111111111111', '--account', 'prod=222222222222', ...extra, dir]);
  assert.is(result.code, 0, result.stderr);
  return dir;
}

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

test('a role trusted by another repository: next steps give that repository the ARN per account and the job lines', async () => {
  const dir = await setUp();
  const result = await runCli(['role', '--yes', '--name', 'deployer', '--identity', 'acme/deployer', '--policy', READ_ONLY, '--trust', 'acme/app:environment:{stage}', dir]);
  assert.is(result.code, 0, result.stderr);
  const steps = result.stdout.slice(result.stdout.indexOf('Next steps:'));
  assert.match(steps, /^2\. In acme\/app \(trusted by acme\/app:environment:\{stage\}\), assume the role from its workflows:$/m);
  assert.match(steps, /^ {5}dev +arn:aws:iam::111111111111:role\/acme-gbl-dev-deployer$/m);
  assert.match(steps, /^ {5}prod +arn:aws:iam::222222222222:role\/acme-gbl-prod-deployer$/m);
  assert.match(steps, /^ {9}environment: dev {3}# the role admits only this environment$/m);
  assert.match(steps, /^ {11}id-token: write/m);
  assert.match(steps, /^ {11}- uses: aws-actions\/configure-aws-credentials@v6$/m);
  assert.match(steps, /^ {15}role-to-assume: arn:aws:iam::111111111111:role\/acme-gbl-dev-deployer$/m);
  assert.not.match(steps, /gh variable set/, 'this repository\'s variables are not that repository\'s part');
});

test('a role trusted by this repository keeps the usual next steps', async () => {
  const dir = await setUp();
  const result = await runCli(['role', '--yes', '--name', 'reader', '--identity', 'acme/reader', '--policy', READ_ONLY, '--trust', 'acme/infra-live:main', dir]);
  assert.is(result.code, 0, result.stderr);
  assert.not.match(result.stdout, /assume the role from its workflows/);
  assert.match(result.stdout, /gh variable set ATMOS_VERSION/);
});

test('role again with the same trust entries and policies in another order changes nothing', async () => {
  const dir = await setUp();
  const args = ['role', '--yes', '--name', 'deployer', '--identity', 'acme/deployer', dir];
  const first = await runCli([...args, '--policy', READ_ONLY, '--policy', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--trust', 'acme/app:main', '--trust', 'acme/app:environment:prod']);
  assert.is(first.code, 0, first.stderr);
  const before = readTree(dir);
  const again = await runCli([...args, '--policy', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--policy', READ_ONLY, '--trust', 'acme/app:environment:prod', '--trust', 'acme/app:main']);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /Role deployer is already part of the setup as given; nothing to add\./);
  assert.equal(readTree(dir), before);
});

test('role with a different set of entries under an existing name is still refused, naming it', async () => {
  const dir = await setUp();
  const result = await runCli(['role', '--yes', '--name', 'planner', '--identity', 'acme/planner', '--policy', READ_ONLY, '--trust', 'acme/app:main', dir]);
  assert.is(result.code, 2);
  assert.match(result.stderr, /planner/);
});

test('each warning is said once per run', async () => {
  const dir = await setUp('--set', 'setup=basic');
  const result = await runCli(['role', '--yes', '--name', 'deployer', '--identity', 'acme/deployer', '--policy', ADMIN, '--trust', 'acme/infra-live:pull_request', dir]);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stderr.split('\n').filter((l) => l.startsWith('warning: '));
  assert.ok(lines.length >= 2, result.stderr);
  assert.equal(lines, [...new Set(lines)], 'no warning twice');
  assert.is((result.stderr.match(/branch named "pull_request"/g) ?? []).length, 1);
});

test('advanced setup: a role the answers open to pull requests is not blamed on "setup basic"', async () => {
  const dir = await setUp();
  await runCli(['role', '--yes', '--name', 'ops', '--identity', 'acme/ops', '--policy', ADMIN, '--trust', 'acme/infra-live', dir]);
  const check = await runCli(['check', dir]);
  assert.match(check.stdout, /admin-from-pull-request/);
  assert.not.match(check.stdout, /setup basic|switch to setup: advanced/);
  assert.match(check.stdout, /as recorded for iam-role\/ops in \.atmos-oidc\.yaml/);
  const basic = await setUp('--set', 'setup=basic');
  const basicCheck = await runCli(['check', basic]);
  assert.match(basicCheck.stdout, /setup basic, as chosen in \.atmos-oidc\.yaml/);
});

test('check on an empty directory is an error, not "all is well"', async () => {
  const dir = tempDir('edges-empty-');
  const result = await runCli(['check', dir]);
  assert.is(result.code, 1);
  assert.match(result.stdout, /nothing-to-check/);
  const json = await runCli(['check', '--json', dir]);
  assert.ok((JSON.parse(json.stdout).findings as Array<{ code: string; severity: string }>).some((f) => f.code === 'nothing-to-check' && f.severity === 'error'));
});

test('check on a directory of other things (no Atmos) is the same error', async () => {
  const dir = tempDir('edges-other-');
  writeFileSync(join(dir, 'README.md'), '# app\n');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.go'), 'package main\n');
  const result = await runCli(['check', dir]);
  assert.is(result.code, 1);
  assert.match(result.stdout, /not an Atmos repository/);
});

test.run();
