/**
 * One golden case per scenario: answers in, the expected tree out, compared file by file.
 * `UPDATE=1` rewrites `expected/`; review the change in `git diff` before committing it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goldenCases, GOLDEN_DIR, readTree, renderGolden } from './helpers/run.ts';

for (const name of goldenCases()) {
  test(`golden: ${name} renders exactly its expected tree`, async () => {
    const actual = readTree(await renderGolden(name));
    const expectedDir = join(GOLDEN_DIR, name, 'expected');
    if (process.env.UPDATE === '1') {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const [path, content] of actual) {
        mkdirSync(dirname(join(expectedDir, path)), { recursive: true });
        writeFileSync(join(expectedDir, path), content);
      }
    }
    const expected = readTree(expectedDir);
    assert.equal([...actual.keys()], [...expected.keys()], 'the same files');
    for (const [path, content] of expected) assert.fixture(actual.get(path) ?? '', content, path);
  });
}

test.run();
