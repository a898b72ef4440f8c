/**
 * The write journal itself (src/write/journal.ts): recovery is idempotent (a death during recovery
 * is recovered the same way), and a journal this tool did not write is refused, never acted on.
 */
import * as nodeFs from 'node:fs';
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JOURNAL_FILE, recoverInterrupted, RecoveryError } from '../src/write/journal.ts';
import { Tree } from '../src/write/tree.ts';
import { tempDir } from './helpers/run.ts';
import { leftovers, snapshot } from './helpers/snapshot.ts';

const WORK = tempDir('journal-');
let dirs = 0;

/** A directory with files of its own, and a tree that updates one, creates two and deletes one. */
function setup(): { dir: string; plan: (tree: Tree) => void } {
  const dir = join(WORK, `d${++dirs}`);
  mkdirSync(join(dir, 'keep'), { recursive: true });
  writeFileSync(join(dir, 'keep', 'a.yaml'), 'a: old\n');
  writeFileSync(join(dir, 'gone.yaml'), 'gone: true\n');
  writeFileSync(join(dir, 'README.md'), 'ours\n');
  return {
    dir,
    plan: (tree) => {
      tree.write('keep/a.yaml', 'a: new\n');
      tree.write('new/deep/b.yaml', 'b: 1\n');
      tree.write('c.yaml', 'c: 1\n');
      tree.remove('gone.yaml');
    },
  };
}

class Death extends Error {}

/** The tree after a clean flush, and the number of changes it makes. */
function reference(): { old: string; next: string; ops: number } {
  const { dir, plan } = setup();
  const old = JSON.stringify([...snapshot(dir)]);
  let ops = 0;
  const tree = new Tree(dir, nodeFs, { beforeOp: () => void ops++ });
  plan(tree);
  tree.flush();
  return { old, next: JSON.stringify([...snapshot(dir)]), ops };
}

test('a death at any step of a recovery is recovered by the next one: old or new tree, nothing left', () => {
  const ref = reference();
  let cases = 0;
  for (let killAt = 1; killAt <= ref.ops; killAt++) {
    const { dir, plan } = setup();
    const tree = new Tree(dir, nodeFs, {
      beforeOp: (n) => {
        if (n >= killAt) throw new Death(); // dead: nothing after it runs either
      },
    });
    plan(tree);
    try {
      tree.flush();
    } catch {
      /* the death: flush sees an error, but its rollback cannot run either */
    }
    // Now a journal may or may not be there; die during recovery at every step, then recover.
    const base = join(WORK, `base-${killAt}`);
    cpSync(dir, base, { recursive: true });
    for (let recoverKill = 1; recoverKill <= 30; recoverKill++) {
      const copy = join(WORK, `copy-${killAt}-${recoverKill}`);
      cpSync(base, copy, { recursive: true });
      try {
        recoverInterrupted(copy, nodeFs, {
          beforeOp: (n) => {
            if (n >= recoverKill) throw new Death();
          },
        });
      } catch (error) {
        if (!(error instanceof Death) && !(error instanceof RecoveryError)) throw error;
      }
      recoverInterrupted(copy);
      const now = JSON.stringify([...snapshot(copy)]);
      assert.ok(now === ref.old || now === ref.next, `death before change ${killAt}, then during recovery at ${recoverKill}: ${now}`);
      assert.equal(leftovers(copy), []);
      rmSync(copy, { recursive: true, force: true });
      cases++;
    }
  }
  assert.ok(cases > 300, `${cases} cases`);
});

test('a journal that is not JSON, or names a path outside DIR, or a foreign temporary name: refused, nothing changed', () => {
  const bad = [
    'not json',
    JSON.stringify({ version: 1, pid: 1, state: 'commit', dirs: [], steps: [{ path: '../outside.yaml', temp: '../outside.yaml.atmos-oidc-1.tmp', backup: null }] }),
    JSON.stringify({ version: 1, pid: 1, state: 'commit', dirs: [], steps: [{ path: 'a.yaml', temp: 'other.yaml', backup: null }] }),
    JSON.stringify({ version: 1, pid: 1, state: 'rollback', dirs: ['/etc'], steps: [] }),
  ];
  for (const text of bad) {
    const dir = join(WORK, `bad-${++dirs}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), 'a: 1\n');
    writeFileSync(join(dir, 'other.yaml'), 'other\n');
    writeFileSync(join(dir, JOURNAL_FILE), text);
    const before = snapshot(dir);
    assert.throws(() => recoverInterrupted(dir), (e: unknown) => e instanceof RecoveryError && /is not a journal this tool wrote; nothing was changed/.test((e as Error).message));
    assert.equal(snapshot(dir), before);
  }
});

test('a journal whose target lies through a symbolic link is refused', () => {
  const dir = join(WORK, `link-${++dirs}`);
  const outside = join(WORK, `outside-${dirs}`);
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim.yaml'), 'precious\n');
  symlinkSync(outside, join(dir, 'out'));
  writeFileSync(
    join(dir, JOURNAL_FILE),
    JSON.stringify({ version: 1, pid: 1, state: 'commit', dirs: [], steps: [{ path: 'out/victim.yaml', temp: null, backup: 'out/victim.yaml.atmos-oidc-1.bak' }] }),
  );
  assert.throws(() => recoverInterrupted(dir), (e: unknown) => e instanceof RecoveryError && /names out\/victim\.yaml, whose directory is reached through a symbolic link/.test((e as Error).message));
  assert.ok(nodeFs.existsSync(join(outside, 'victim.yaml')), 'the file outside is untouched');
});

test('power loss: every new file, backup and journal is fsynced before the commit rename, every directory after its renames and before the backups go', () => {
  const { dir, plan } = setup();
  const log: string[] = [];
  const fds = new Map<number, string>();
  const rel = (p: string) => (p === dir ? '.' : p.slice(dir.length + 1));
  const recording = {
    ...nodeFs,
    openSync: ((path: string, flags: string) => {
      const fd = nodeFs.openSync(path, flags);
      fds.set(fd, rel(path));
      return fd;
    }) as typeof nodeFs.openSync,
    fsyncSync: (fd: number) => {
      log.push(`fsync ${fds.get(fd)}`);
      nodeFs.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      log.push(`rename ${rel(String(from))} -> ${rel(String(to))}`);
      nodeFs.renameSync(from, to);
    },
    unlinkSync: (path: string) => {
      log.push(`unlink ${rel(String(path))}`);
      nodeFs.unlinkSync(path);
    },
  } as typeof nodeFs;
  const tree = new Tree(dir, recording);
  plan(tree);
  tree.flush();
  const at = (entry: string) => {
    const i = log.indexOf(entry);
    assert.ok(i >= 0, `${entry} happened:\n${log.join('\n')}`);
    return i;
  };
  const targetRenames = log.flatMap((e, i) => (/^rename \S+\.atmos-oidc-\d+\.tmp -> /.test(e) ? [i] : []));
  assert.is(targetRenames.length, 3, log.join('\n'));
  const commitRename = log.lastIndexOf(`rename ${JOURNAL_FILE}.tmp -> ${JOURNAL_FILE}`, targetRenames[0]);
  assert.ok(commitRename > 0, 'the commit journal is renamed before the first target');
  for (const path of ['keep/a.yaml', 'new/deep/b.yaml', 'c.yaml']) {
    const temp = `${path}.atmos-oidc-${process.pid}.tmp`;
    assert.ok(at(`fsync ${temp}`) < commitRename, `${temp} synced before the commit`);
  }
  for (const d of ['.', 'keep', 'new', 'new/deep']) assert.ok(log.indexOf(`fsync ${d}`) < commitRename, `directory ${d} synced before the commit`);
  assert.ok(log.lastIndexOf(`fsync ${JOURNAL_FILE}.tmp`, commitRename) >= 0, 'the commit journal synced before its rename');
  const lastTargetRename = targetRenames[2];
  const firstBackupGone = log.findIndex((e, i) => i > lastTargetRename && e.startsWith('unlink') && e.endsWith('.bak'));
  assert.ok(lastTargetRename > commitRename && firstBackupGone > lastTargetRename, log.join('\n'));
  for (const d of ['.', 'keep', 'new/deep']) {
    const synced = log.indexOf(`fsync ${d}`, lastTargetRename);
    assert.ok(synced > lastTargetRename && synced < firstBackupGone, `directory ${d} synced after its renames, before the backups go:\n${log.join('\n')}`);
  }
});

test('cleanup', () => {
  rmSync(WORK, { recursive: true, force: true });
});

test.run();
