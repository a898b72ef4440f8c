/**
 * Idempotence over every golden scenario: each command (init, workflows, account, role) run twice
 * in a row exits 0 the second time and changes nothing: no byte, and no file is even rewritten
 * (same inode, same modification time). A dry run writes nothing either.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goldenCases, GOLDEN_DIR, runCli, tempDir, seedGolden } from './helpers/run.ts';
import { assertUnchanged, leftovers, snapshot } from './helpers/snapshot.ts';

/** Inode and modification time of every file: a rewrite with the same bytes still shows here. */
function stamps(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel ? join(dir, rel) : dir).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(join(dir, path));
      if (stat.isDirectory()) walk(path);
      else out.set(path, `${stat.ino}:${stat.mtimeMs}`);
    }
  };
  walk('');
  return out;
}

let pairs = 0;

/** Run `argv` once (it may change things), then again: the second run must change nothing at all. */
async function twice(dir: string, argv: string[], label: string): Promise<void> {
  const first = await runCli([...argv, dir]);
  assert.is(first.code, 0, `${label}, first run: ${first.stderr}`);
  const bytes = snapshot(dir);
  const times = stamps(dir);
  // Let a rewrite show in the modification time even on file systems with coarse timestamps.
  await new Promise((resolve) => setTimeout(resolve, 15));
  const second = await runCli([...argv, dir]);
  assert.is(second.code, 0, `${label}, second run: ${second.stderr}`);
  const kinds = [...second.stdout.matchAll(/^ {2}(\w+) +(\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.ok(kinds.length > 0, `${label}: the second run printed its plan`);
  assert.equal(kinds.filter((k) => !k.startsWith('unchanged ')), [], `${label}: the second run plans no change`);
  assert.match(second.stdout, /Wrote 0 files\./, label);
  assertUnchanged(dir, bytes, `${label}: bytes`);
  assert.equal(stamps(dir), times, `${label}: no file was rewritten`);
  assert.equal(leftovers(dir), [], `${label}: no temporary or lock file left`);
  pairs++;
}

for (const name of goldenCases()) {
  test(`${name}: init, workflows, account and role each change nothing when run a second time`, async () => {
    const dir = seedGolden(name, tempDir(`idem-${name}-`));
    const answers = join(GOLDEN_DIR, name, 'answers.yaml');
    await twice(dir, ['init', '--yes', '--answers', answers], `${name} init`);
    await twice(dir, ['workflows'], `${name} workflows`);
    await twice(dir, ['account', '--yes', '--stage', 'extra', '--account-id', '444444444444'], `${name} account`);
    await twice(dir, ['role', '--yes', '--name', 'auditor', '--identity', 'acme/auditor', '--policy', 'arn:aws:iam::aws:policy/SecurityAudit', '--trust', 'acme/infra-live:main'], `${name} role`);
    // After the day-two commands, a regeneration and a repeated init with the stored answers are no-ops too.
    await twice(dir, ['workflows'], `${name} workflows after day two`);
    await twice(dir, ['init', '--yes'], `${name} init from the stored answers`);

    const before = snapshot(dir);
    const dry = await runCli(['init', '--yes', '--dry-run', '--answers', answers, dir]);
    assert.is(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run: nothing was written\./);
    assertUnchanged(dir, before, `${name} --dry-run`);
  });
}

test('idempotence: counts', () => {
  assert.is(pairs, goldenCases().length * 6);
  console.log(`  idempotence: ${pairs} second runs over ${goldenCases().length} golden scenarios (init, workflows, account, role) changed no byte and rewrote no file`);
});

test.run();
