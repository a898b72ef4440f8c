/**
 * The suite leaves nothing in the system temporary directory: a run of real test files, with its
 * TMPDIR pointed at an empty directory of its own, must leave that directory empty, having made
 * temporary directories there while it ran.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, RUN_ROOT, tempDir } from './helpers/run.ts';

test('the test temporary root is under TMPDIR, and tempDir makes directories inside it', () => {
  const dir = tempDir('cleanup-probe-');
  assert.ok(dir.startsWith(`${RUN_ROOT}/`), dir);
  assert.is(process.env.TMPDIR, RUN_ROOT);
});

test('after test files that make temporary directories run, their TMPDIR is as empty as before', () => {
  const tmp = join(tempDir('cleanup-'), 'system-tmp');
  mkdirSync(tmp);
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, ATMOS_OIDC_TEST_TMP_REPORT: '1', FORCE_COLOR: '0' };
  const inner = spawnSync(process.execPath, [join(ROOT, 'node_modules/uvu/bin.js'), '-r', 'tsx', '-c', 'false', 'test', '(day-two|prompts)\\.test\\.ts$'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.is(inner.status, 0, `the inner run failed:\n${inner.stdout}\n${inner.stderr}`);
  const removed = /temp root: removed (\d+) entries/.exec(inner.stderr);
  assert.ok(removed && Number(removed[1]) > 10, `the inner run made temporary directories and removed them: ${inner.stderr}`);
  // tsx keeps its compile cache in TMPDIR/tsx-<uid> on purpose, before any test code runs, and reuses
  // it on every later run (so it is no new entry of a run in the real temporary directory).
  assert.equal(readdirSync(tmp).filter((name) => !/^tsx-\d+$/.test(name)), [], 'nothing remains in the temporary directory of the inner run');
});

test.run();
