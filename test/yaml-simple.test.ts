/**
 * The YAML written without `yaml` (src/atmos/yaml-simple.ts) against `yaml.stringify` with the options
 * the templates and the answers file use: on edge cases, every answers file at hand and random
 * values it must return exactly what `yaml` returns, or decline.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { simpleBlock, simpleScalar } from '../src/atmos/yaml-simple.ts';
import { ROOT } from './helpers/run.ts';

const asValue = (value: unknown): string => stringify(value, { lineWidth: 0, defaultStringType: 'PLAIN' }).trimEnd();
const asKey = (key: string): string => stringify({ [key]: 1 }, { lineWidth: 0, indentSeq: true, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' }).replace(/: 1\n$/, '');

const EDGES = [
  '', ' ', 'a', '-', '?', ':', '#', '- a', '? a', ':a', 'a:', 'a: b', 'a:b', 'a #b', 'a#b', '#a', ' a', 'a ', 'a\tb',
  'true', 'True', 'TRUE', 'tRUE', 'false', 'null', 'Null', 'NULL', 'nULL', '~', 'yes', 'no', 'on', 'off', 'y', 'n',
  '0', '00', '007', '-1', '+1', '1.5', '.5', '5.', '1e3', '1E+3', '.inf', '-.Inf', '.nan', '0o17', '0o8', '0x1F', '0xG', '1_000', '12:30',
  '---', '--- a', '---a', '...', '...a', '%YAML', '%', 'a---', '"q"', "'q'", 'it\'s', 'say "hi"', 'both \' and "', 'back\\slash',
  '[a]', '{a}', 'a[b]', 'a{b}', ',a', 'a,b', '&a', '*a', '!a', '|a', '>a', '@a', '`a', 'a`b', '{stage}', '{{ .vars.stage }}', '${{ x }}',
  'arn:aws:iam::111111111111:role/acme-gbl-dev-planner', 'acme/infra-live:environment:{stage}', 'repo:acme/infra-live:ref:refs/heads/main',
  'IAM role for GitHub Actions CI/CD (acme/x). Trusts the GitHub OIDC provider for keyless authentication.', 'us-east-2', '1.215.0', 'v1',
  'é', 'a\u00a0b', 'line\nbreak', 'tab\there', '\u0007', 'k'.repeat(1001),
];

test('edge cases: what yaml writes, or declined', () => {
  let taken = 0;
  for (const value of [...EDGES, null, true, false, 0, 1, -1, 42, -0, 1.5, 2 ** 53, NaN, Infinity, undefined, [], {}]) {
    const simple = simpleScalar(value);
    if (simple === null) continue;
    taken++;
    assert.is(simple, asValue(value), JSON.stringify(value));
  }
  assert.ok(taken > 60, `${taken} edge cases written without yaml`);
  for (const key of EDGES) {
    const simple = simpleScalar(key, true);
    if (simple !== null) assert.is(simple, asKey(key), `key ${JSON.stringify(key)}`);
  }
});

test('random strings, numbers and keys: what yaml writes, or declined', () => {
  const text = fc.oneof(fc.string({ maxLength: 24 }), fc.stringMatching(/^[-a-zA-Z0-9 :#'"{}[\]&*!|>%@`?,.~+_/\\$()=]{0,24}$/), fc.stringMatching(/^[-+.0-9eExXoO_:]{0,10}$/));
  let taken = 0;
  fc.assert(
    fc.property(fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)), (value) => {
      const simple = simpleScalar(value);
      if (simple === null) return;
      taken++;
      assert.is(simple, asValue(value), JSON.stringify(value));
    }),
    { numRuns: 5000, seed: 20261128 },
  );
  fc.assert(
    fc.property(text, (key) => {
      const simple = simpleScalar(key, true);
      if (simple !== null) assert.is(simple, asKey(key), `key ${JSON.stringify(key)}`);
    }),
    { numRuns: 3000, seed: 20261129 },
  );
  assert.ok(taken > 2500, `${taken} of 5000 random values written without yaml`);
});

const BLOCK = { lineWidth: 0, indentSeq: true, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' } as const;

function answersFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) answersFiles(path, out);
    else if (name === '.atmos-oidc.yaml' || name === 'answers.yaml') out.push(path);
  }
  return out;
}

test('block maps: every answers file at hand written back as yaml writes it', () => {
  const files = [...answersFiles(join(ROOT, 'test')), ...answersFiles(join(ROOT, 'examples'))];
  assert.ok(files.length >= 12, `${files.length} answers files`);
  let taken = 0;
  for (const file of files) {
    const value = parse(readFileSync(file, 'utf8'));
    const simple = simpleBlock(value);
    if (simple === null) continue;
    taken++;
    assert.is(simple, stringify(value, BLOCK), file);
  }
  assert.ok(taken >= files.length - 2, `${taken} of ${files.length} answers files written without yaml`);
});

test('block maps: random nested maps and sequences as yaml writes them, or declined', () => {
  const key = fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_./-]{0,12}$/), fc.string({ maxLength: 8 }));
  const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[-a-z0-9 :#'"{}.]{0,12}$/), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
  const value = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('value'), { maxLength: 4 }),
    map: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  })).value;
  let taken = 0;
  fc.assert(
    fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }), (map) => {
      const simple = simpleBlock(map);
      if (simple === null) return;
      taken++;
      assert.is(simple, stringify(map, BLOCK), JSON.stringify(map));
    }),
    { numRuns: 3000, seed: 20261130 },
  );
  assert.ok(taken > 300, `${taken} of 3000 random maps written without yaml`);
});

test.run();
