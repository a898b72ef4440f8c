/**
 * GitHub's side of the trust: the next steps create each apply environment protected, with
 * commands that work as written (reference/domain.md section 2: a dispatched apply checks out any
 * commit it is given, so the environment's reviewers are the gate).
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GOLDEN_DIR, runCli, seedGolden, tempDir } from './helpers/run.ts';

async function stepsOf(name: string): Promise<string> {
  const dir = seedGolden(name, tempDir(`steps-${name}-`));
  const result = await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, name, 'answers.yaml'), dir]);
  assert.is(result.code, 0, result.stderr);
  return result.stdout.slice(result.stdout.indexOf('Next steps:'));
}

test('advanced, one environment per stage: each is created with the runner as required reviewer and protected branches only', async () => {
  const steps = await stepsOf('advanced-three-accounts');
  assert.match(steps, /me=\$\(gh api user --jq \.id\)/);
  for (const env of ['dev', 'staging', 'prod']) {
    const line = steps.split('\n').find((l) => l.includes(`repos/acme/infra-live/environments/${env} `));
    assert.ok(line, `a command for ${env}`);
    assert.match(line, /^ +printf '\{"reviewers":\[\{"type":"User","id":%s\}\],"deployment_branch_policy":\{"protected_branches":true,"custom_branch_policies":false\}\}' "\$me" \| gh api --method PUT repos\/acme\/infra-live\/environments\/\w+ --input -$/);
  }
  assert.match(steps, /checks out\s+whatever commit it is given/);
  assert.not.match(steps, /\{stage\}/);
});

test('a fixed apply environment is created once', async () => {
  const steps = await stepsOf('immutable-ids');
  assert.is(steps.split('\n').filter((l) => l.includes('/environments/')).length, 1);
  assert.match(steps, /environments\/production --input -/);
});

test('basic: no environment to create, and the warning says any pull request can assume the admin role', async () => {
  const steps = await stepsOf('guide-basic');
  assert.not.match(steps, /\/environments\//);
  assert.match(steps, /Any pull request of this repository can assume the administrator role/);
});

test('backend local and an s3 backend whose read-only plans cannot lock are said in the next steps', async () => {
  assert.match(await stepsOf('backend-local'), /Terraform state is NOT kept between CI runs/);
  assert.match(await stepsOf('shared-account'), /plans\s+cannot write the state lock/);
  assert.not.match(await stepsOf('advanced-three-accounts'), /cannot write the state lock/, 'a backend role_arn takes the lock');
});

test('an existing atmos.yaml: the next steps list what was added; an existing backend: where it is', async () => {
  const added = await stepsOf('existing-atmos-yaml');
  assert.match(added, /Added to your atmos\.yaml \(nothing else in it changed\):/);
  assert.match(added, /components\.terraform\.deploy_run_init: true/);
  assert.match(await stepsOf('backend-existing'), /the generated stacks import stacks\/orgs\/acme\/_defaults\.yaml, which sets terraform\.backend_type/);
});

test.run();
