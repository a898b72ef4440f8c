/**
 * Faults in the middle of a write. Every file goes through a temporary file and a rename; a fault
 * at any point must leave the target exactly as before (contents, modes, no temporary files, no
 * new directories, no lock), or, when even the rollback fails, exit non-zero naming exactly the
 * files that changed. Faults are real (a read-only file, a directory in the way) or injected
 * through the write path's `fs` (`Io.treeFs`, `Tree`'s constructor).
 */
import * as nodeFs from 'node:fs';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../src/cli/cli.ts';
import { FlushError, Tree, type TreeFs } from '../src/write/tree.ts';
import { GOLDEN_DIR, runCli, tempDir } from './helpers/run.ts';
import { assertUnchanged, leftovers, snapshot, type Entry } from './helpers/snapshot.ts';

let faults = 0;

const GUIDE = join(GOLDEN_DIR, 'guide-basic', 'answers.yaml');
const ADVANCED = join(GOLDEN_DIR, 'advanced-three-accounts', 'answers.yaml');

/** Node's fs with some calls replaced. */
function fsWith(overrides: Partial<TreeFs>): TreeFs {
  return { ...(nodeFs as unknown as TreeFs), ...overrides };
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** Run the CLI in process with an injected fs. */
async function run(argv: string[], treeFs?: TreeFs): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), prompter: null, env: {}, cwd: process.cwd(), treeFs });
  return { code, stdout, stderr };
}

/** A target that init already wrote (guide values), plus a file of the user's own. */
async function initialised(answers = GUIDE): Promise<string> {
  const dir = tempDir('faults-');
  const result = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(result.code, 0, result.stderr);
  writeFileSync(join(dir, 'README.md'), 'ours\n');
  return dir;
}

/** Answers that change most files of an initialised guide setup (another region, more accounts). */
function changedAnswers(): string {
  const file = join(tempDir('faults-answers-'), 'answers.yaml');
  writeFileSync(
    file,
    readFileSync(GUIDE, 'utf8').replace('region: us-east-2', 'region: eu-west-1') + '  - stage: prod\n    id: "333333333333"\n',
  );
  return file;
}

const isTemp = (path: nodeFs.PathOrFileDescriptor): boolean => /\.atmos-oidc-\d+\.tmp$/.test(String(path));
const isBackup = (path: nodeFs.PathLike): boolean => /\.atmos-oidc-\d+\.bak$/.test(String(path));

/** Paths (relative) whose entry differs between two snapshots. */
function differences(before: Map<string, Entry>, after: Map<string, Entry>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => JSON.stringify(before.get(p)) !== JSON.stringify(after.get(p))).sort();
}

// ---------------------------------------------------------------------------------------------
// Real faults on disk.

test('a read-only file in the way: nothing is written, exit 1, the file is named', async () => {
  faults++;
  const dir = await initialised();
  chmodSync(join(dir, 'stacks', 'orgs', 'acme', 'dev.yaml'), 0o444);
  const before = snapshot(dir);
  const result = await run(['init', '--yes', '--answers', changedAnswers(), dir]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /error: nothing was written: stacks\/orgs\/acme\/dev\.yaml is read-only \(mode 0444\); make it writable/);
  assertUnchanged(dir, before);
});

test('an update keeps the permission bits of the file it replaces', async () => {
  const dir = await initialised();
  const stack = join(dir, 'stacks', 'orgs', 'acme', 'dev.yaml');
  chmodSync(stack, 0o640);
  const result = await run(['init', '--yes', '--answers', changedAnswers(), dir]);
  assert.is(result.code, 0, result.stderr);
  assert.match(readFileSync(stack, 'utf8'), /region: eu-west-1/);
  assert.is(statSync(stack).mode & 0o777, 0o640);
});

test('a directory where a file should go, found while planning: exit 2, nothing written', async () => {
  faults++;
  const dir = tempDir('faults-dir-plan-');
  mkdirSync(join(dir, 'profiles', 'github', 'atmos.yaml'), { recursive: true });
  const before = snapshot(dir);
  const result = await run(['init', '--yes', '--answers', GUIDE, dir]);
  assert.is(result.code, 2, result.stderr);
  assert.match(result.stderr, /error: path: "profiles\/github\/atmos\.yaml" is not allowed; expected a file or nothing here, found a directory/);
  assertUnchanged(dir, before);
});

test('a directory that appears where a file goes after planning: the flush stops, nothing written', async () => {
  faults++;
  const dir = tempDir('faults-dir-race-');
  writeFileSync(join(dir, 'README.md'), 'ours\n');
  const tree = new Tree(dir);
  for (const path of ['a.yaml', 'b/b.yaml', 'c/c/c.yaml', 'd.yaml', 'e/e.yaml']) tree.write(path, `${path}\n`);
  mkdirSync(join(dir, 'd.yaml'));
  const before = snapshot(dir);
  assert.throws(() => tree.flush(), (e: unknown) => e instanceof FlushError && /^nothing was written: /.test(e.message) && e.changed.length === 0);
  assertUnchanged(dir, before);
});

test('a directory that appears where a file was, just before the fourth rename: that file is named, the next run restores it', async () => {
  faults++;
  const dir = await initialised();
  const before = snapshot(dir);
  let renames = 0;
  let victim = '';
  const treeFs = fsWith({
    renameSync(from, to) {
      // Count the renames of new contents into place (not the journal's own).
      if (isTemp(from) && ++renames === 4) {
        victim = String(to);
        nodeFs.rmSync(victim, { force: true });
        mkdirSync(victim);
      }
      return nodeFs.renameSync(from, to);
    },
  });
  const result = await run(['init', '--yes', '--answers', changedAnswers(), dir], treeFs);
  const rel = victim.slice(dir.length + 1);
  assert.is(result.code, 1, result.stderr);
  // The fault removed the user's file and put a directory there: the rollback cannot put it back, and says so.
  assert.match(result.stderr, `and these files could not be restored: ${rel}\n`);
  const after = snapshot(dir);
  assert.equal(
    differences(before, after).filter((p) => !leftovers(dir).includes(p)),
    [rel],
    'only the file the fault replaced differs (beside the journal and its backup)',
  );
  // Once the directory is gone, the next run finds the journal and restores the file from its backup.
  nodeFs.rmdirSync(victim);
  const next = await run(['workflows', '--yes', '--dry-run', dir]);
  assert.match(next.stderr, /warning: an interrupted run left .* part-written/);
  const again = await run(['init', '--yes', '--answers', GUIDE, dir]);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stderr, /interrupted before its write was committed; its \d+ files were put back as they were/);
  assertUnchanged(dir, before);
});

// ---------------------------------------------------------------------------------------------
// Injected fs errors after the third file, in each phase, on a fresh target and on an update.

const SCENARIOS: Array<{ name: string; target: () => Promise<string>; answers: () => string }> = [
  { name: 'a fresh target (every file created)', target: async () => tempDir('faults-fresh-'), answers: () => ADVANCED },
  { name: 'an update of an existing setup', target: () => initialised(), answers: changedAnswers },
];

for (const scenario of SCENARIOS) {
  test(`${scenario.name}: EIO writing the fourth temporary file leaves the tree as before`, async () => {
    faults++;
    const dir = await scenario.target();
    const before = snapshot(dir);
    let temps = 0;
    const treeFs = fsWith({
      writeFileSync(path, data, options) {
        if (isTemp(path) && ++temps === 4) throw errno('EIO', `i/o error, write '${String(path)}'`);
        return nodeFs.writeFileSync(path, data, options);
      },
    });
    const result = await run(['init', '--yes', '--answers', scenario.answers(), dir], treeFs);
    assert.is(result.code, 1, result.stderr);
    assert.match(result.stderr, /error: nothing was written: EIO: i\/o error/);
    assert.ok(temps >= 4, 'the fault was reached');
    assertUnchanged(dir, before);
    assert.equal(leftovers(dir), []);
  });

  test(`${scenario.name}: ENOSPC creating a directory after three leaves no directory behind`, async () => {
    const dir = await scenario.target();
    const before = snapshot(dir);
    let dirs = 0;
    let made = 0;
    const treeFs = fsWith({
      mkdirSync(path, options) {
        if (++dirs === 4) throw errno('ENOSPC', `no space left on device, mkdir '${String(path)}'`);
        made++;
        return nodeFs.mkdirSync(path, options);
      },
    });
    const result = await run(['init', '--yes', '--answers', scenario.answers(), dir], treeFs);
    if (dirs < 4) {
      // An update creates fewer than four directories: the run succeeds, which is also right.
      assert.is(result.code, 0, result.stderr);
      return;
    }
    faults++;
    assert.ok(made === 3);
    assert.is(result.code, 1, result.stderr);
    assert.match(result.stderr, /error: nothing was written: ENOSPC/);
    assertUnchanged(dir, before);
  });

  test(`${scenario.name}: EIO on the fourth rename rolls back the three renamed files`, async () => {
    faults++;
    const dir = await scenario.target();
    const before = snapshot(dir);
    let renames = 0;
    const treeFs = fsWith({
      renameSync(from, to) {
        if (++renames === 4) throw errno('EIO', `i/o error, rename '${String(from)}'`);
        return nodeFs.renameSync(from, to);
      },
    });
    const result = await run(['init', '--yes', '--answers', scenario.answers(), dir], treeFs);
    assert.is(result.code, 1, result.stderr);
    assert.match(result.stderr, /error: nothing was written: EIO: i\/o error, rename/);
    assertUnchanged(dir, before);
    assert.equal(leftovers(dir), []);
  });

  test(`${scenario.name}: when the rollback itself fails, exit 1 names exactly the files that changed, and the next run restores them`, async () => {
    faults += 2;
    const dir = await scenario.target();
    const before = snapshot(dir);
    let renames = 0;
    const renamedTargets: string[] = [];
    let broken = true;
    const treeFs = fsWith({
      renameSync(from, to) {
        if (isTemp(from)) {
          if (++renames === 4) throw errno('EIO', `i/o error, rename '${String(from)}'`);
          renamedTargets.push(String(to));
        }
        // The rollback cannot put back the second renamed file: neither rename its backup over it (updated)...
        if (broken && isBackup(from) && String(to) === renamedTargets[1]) throw errno('EACCES', `permission denied, rename '${String(from)}'`);
        return nodeFs.renameSync(from, to);
      },
      // ...nor remove it (created).
      unlinkSync(path) {
        if (broken && String(path) === renamedTargets[1]) throw errno('EACCES', `permission denied, unlink '${String(path)}'`);
        return nodeFs.unlinkSync(path);
      },
    });
    const result = await run(['init', '--yes', '--answers', scenario.answers(), dir], treeFs);
    assert.is(result.code, 1, result.stderr);
    const stuck = renamedTargets[1].slice(dir.length + 1);
    assert.match(result.stderr, new RegExp(`error: writing failed \\(EIO: i/o error, rename .*\\) and these files could not be restored: ${stuck.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    const after = snapshot(dir);
    // Exactly that file differs (and, for a new file, the directories that hold it), beside the journal kept for the next run.
    const kept = leftovers(dir);
    assert.ok(kept.includes('.atmos-oidc.journal'), `the journal is kept: ${kept}`);
    const changed = differences(before, after).filter((p) => after.get(p)?.type !== 'dir' && !kept.includes(p));
    assert.equal(changed, [stuck]);
    // The fault clears; the next run finishes the rollback from the journal.
    broken = false;
    const again = await run(['workflows', '--yes', dir], treeFs);
    assert.match(again.stderr, /interrupted before its write was committed/);
    assertUnchanged(dir, before);
    assert.equal(leftovers(dir), []);
  });
}

test('Tree-level: a failure after the third file of a direct flush leaves the tree as before', () => {
  faults++;
  const dir = tempDir('faults-tree-');
  writeFileSync(join(dir, 'keep.yaml'), 'keep: true\n');
  writeFileSync(join(dir, 'old.yaml'), 'old: true\n');
  const before = snapshot(dir);
  let temps = 0;
  const tree = new Tree(
    dir,
    fsWith({
      writeFileSync(path, data, options) {
        if (isTemp(path) && ++temps === 4) throw errno('EROFS', 'read-only file system');
        return nodeFs.writeFileSync(path, data, options);
      },
    }),
  );
  tree.write('old.yaml', 'old: false\n');
  for (const path of ['x/one.yaml', 'x/two.yaml', 'y/z/three.yaml', 'four.yaml', 'five.yaml']) tree.write(path, `${path}: true\n`);
  assert.throws(() => tree.flush(), (e: unknown) => e instanceof FlushError && /nothing was written: EROFS/.test(e.message));
  assertUnchanged(dir, before);
});

test('faults: counts', () => {
  assert.ok(faults >= 12, `injected ${faults}`);
  console.log(`  flush-faults: ${faults} faults injected (read-only file, directories in the way, EIO/ENOSPC/EROFS after the third file, failed rollbacks)`);
});

test.run();
