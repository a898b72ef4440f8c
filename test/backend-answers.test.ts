/** Bad `backend` answers: each exits 2 naming the field, and nothing is written. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, tempDir } from './helpers/run.ts';

const BASE = 'version: 1\nrepository: acme/infra-live\naccounts:\n  - stage: dev\n    id: "111111111111"\n';
const s3 = (extra: string): string => `backend:\n  type: s3\n  bucket: acme-tfstate\n  region: us-east-2\n${extra}`;

const CASES: Array<{ what: string; backend: string; field: string }> = [
  { what: 'a backend that is a string', backend: 'backend: s3\n', field: 'backend' },
  { what: 'an unknown type', backend: 'backend:\n  type: gcs\n', field: 'backend.type' },
  { what: 'no type', backend: 'backend:\n  bucket: acme-tfstate\n', field: 'backend.type' },
  { what: 's3 without a bucket', backend: 'backend:\n  type: s3\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 'a bucket with capitals', backend: 'backend:\n  type: s3\n  bucket: Acme-TFState\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 'a bucket of two characters', backend: 'backend:\n  type: s3\n  bucket: ab\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 'a bucket with two adjacent dots', backend: 'backend:\n  type: s3\n  bucket: acme..state\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 'a bucket shaped like an IP address', backend: 'backend:\n  type: s3\n  bucket: 192.168.1.10\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 'a bucket with a reserved prefix', backend: 'backend:\n  type: s3\n  bucket: xn--tfstate\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 'a bucket with a reserved suffix', backend: 'backend:\n  type: s3\n  bucket: acme-tfstate-s3alias\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 'a bucket ending in a hyphen', backend: 'backend:\n  type: s3\n  bucket: acme-tfstate-\n  region: us-east-2\n', field: 'backend.bucket' },
  { what: 's3 without a region', backend: 'backend:\n  type: s3\n  bucket: acme-tfstate\n', field: 'backend.region' },
  { what: 'a region that does not exist', backend: 'backend:\n  type: s3\n  bucket: acme-tfstate\n  region: us-east-9\n', field: 'backend.region' },
  { what: 'a role ARN naming a user', backend: s3('  role_arn: arn:aws:iam::111111111111:user/state\n'), field: 'backend.role_arn' },
  { what: 'a role ARN in another partition', backend: s3('  role_arn: arn:aws-cn:iam::111111111111:role/state\n'), field: 'backend.role_arn' },
  { what: 'both a lockfile and a DynamoDB table', backend: s3('  use_lockfile: true\n  dynamodb_table: acme-lock\n'), field: 'backend.use_lockfile' },
  { what: 'no lock at all', backend: s3('  use_lockfile: false\n'), field: 'backend.use_lockfile' },
  { what: 'a lockfile flag that is a string', backend: s3('  use_lockfile: "yes"\n'), field: 'backend.use_lockfile' },
  { what: 'a DynamoDB table with a space', backend: s3('  dynamodb_table: acme lock\n'), field: 'backend.dynamodb_table' },
  { what: 'a key prefix with a leading slash', backend: s3('  key_prefix: /infra-live\n'), field: 'backend.key_prefix' },
  { what: 'a key prefix climbing out with ..', backend: s3('  key_prefix: infra/../other\n'), field: 'backend.key_prefix' },
  { what: 'an unknown key under s3', backend: s3('  profile: admin\n'), field: 'backend.profile' },
  { what: 'a bucket given to a local backend', backend: 'backend:\n  type: local\n  bucket: acme-tfstate\n', field: 'backend.bucket' },
  { what: 'a key given to an existing backend', backend: 'backend:\n  type: existing\n  region: us-east-2\n', field: 'backend.region' },
  {
    what: 'a backend role differing from tfstate_role_arn',
    backend: `tfstate_role_arn: arn:aws:iam::111111111111:role/one\n${s3('  role_arn: arn:aws:iam::111111111111:role/two\n')}`,
    field: 'backend.role_arn',
  },
  { what: 'existing, but no stack configures a backend', backend: 'backend:\n  type: existing\n', field: 'backend.type' },
];

for (const c of CASES) {
  test(`bad backend: ${c.what} exits 2 naming ${c.field}, nothing written`, async () => {
    const answers = join(tempDir('backend-answers-'), 'answers.yaml');
    writeFileSync(answers, BASE + c.backend);
    const target = join(tempDir('backend-target-'), 'repo');
    const result = await runCli(['init', '--yes', '--answers', answers, target]);
    assert.is(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`(^|\\s)${c.field.replace(/[.[\]]/g, '\\$&')}: `, 'm'));
    assert.match(result.stderr, /is not allowed; expected|is not allowed; [a-z]/);
    assert.not.ok(existsSync(target), 'nothing was written, not even the directory');
  });
}

test('bad backend: the table has at least 15 cases', () => {
  assert.ok(CASES.length >= 15, String(CASES.length));
});

test('an answers file without backend (written before the key) still reads, and the next steps warn', async () => {
  const answers = join(tempDir('backend-answers-'), 'answers.yaml');
  writeFileSync(answers, BASE);
  const target = join(tempDir('backend-target-'), 'repo');
  const result = await runCli(['init', '--yes', '--answers', answers, target]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /no state backend answered/);
  assert.not.ok(existsSync(join(target, 'stacks/orgs/acme-/_defaults.yaml')));
});

test('backend local is written with the warning in the file and the next steps', async () => {
  const answers = join(tempDir('backend-answers-'), 'answers.yaml');
  writeFileSync(answers, `${BASE}backend:\n  type: local\n`);
  const target = join(tempDir('backend-target-'), 'repo');
  const result = await runCli(['init', '--yes', '--answers', answers, target]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /Terraform state is NOT kept between CI runs/);
});

test.run();
