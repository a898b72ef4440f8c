/**
 * One golden case per scenario: answers in, the expected tree out, compared file by file.
 * `UPDATE=1` rewrites `expected/`; review the change in `git diff` before committing it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goldenCases, GOLDEN_DIR, readTree, renderGolden, runCli, seedGolden, tempDir } from './helpers/run.ts';

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

for (const name of goldenCases()) {
  test(`golden: ${name} has no template artefacts`, async () => {
    for (const [path, content] of readTree(await renderGolden(name))) {
      assert.not.match(content, /&quot;|&#x27;|&amp;|&lt;|&gt;|\[object Object\]|\bundefined\b|\bNaN\b/, `${path}: an HTML escape or a missing value`);
      assert.not.match(content, /\n\n\n/, `${path}: no double blank lines`);
      assert.not.match(content, /[ \t]+\n/, `${path}: no trailing whitespace`);
      assert.ok(content.endsWith('\n') && !content.endsWith('\n\n'), `${path}: ends with exactly one newline`);
      const braces = content.match(/\{\{[^}]*\}\}/g) ?? [];
      for (const expression of braces) {
        const allowed = /^\{\{ (vars|inputs|secrets|matrix|github|steps)\.[^}]+\}\}$|^\{\{ !?\(?github\.|^\{\{ \.(atmos_component|atmos_stack|vars\.stage) \}\}$|^\{\{ \}\}$/.test(expression);
        assert.ok(allowed, `${path}: unexpected template expression ${expression}`);
      }
    }
  });

  test(`golden: ${name} rendered twice changes no byte, and --dry-run writes nothing`, async () => {
    const dir = await renderGolden(name);
    const first = readTree(dir);
    const again = await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, name, 'answers.yaml'), dir]);
    assert.is(again.code, 0, again.stderr);
    assert.equal(readTree(dir), first);
    const seeded = existsSync(join(GOLDEN_DIR, name, 'before'));
    const fresh = seeded ? seedGolden(name, tempDir('dry-')) : join(tempDir('dry-'), 'target');
    const beforeDry = readTree(fresh);
    const dry = await runCli(['init', '--yes', '--dry-run', '--answers', join(GOLDEN_DIR, name, 'answers.yaml'), fresh]);
    assert.is(dry.code, 0, dry.stderr);
    if (seeded) assert.equal(readTree(fresh), beforeDry, 'the existing repository was left as it was');
    else assert.not.ok(existsSync(fresh), 'the target directory was not even created');
    assert.match(dry.stdout, /\+\+\+ b\/\.github\/workflows\/test-oidc\.yaml/);
  });
}

test.run();
