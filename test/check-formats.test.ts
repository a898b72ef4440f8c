/**
 * `check --format sarif` and `--format markdown`, judged by independent tools: the OASIS SARIF
 * 2.1.0 JSON schema (as shipped by @microsoft/jest-sarif, lib/schemas/sarif-2.1.0-rtm.5.json)
 * through Ajv, and Mermaid's own parser (mermaid.parse, with a jsdom window for its sanitiser).
 * The Markdown of every fixture is a reviewed snapshot under test/snapshots/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CODES } from '../src/check/index.ts';
import { mermaidGraphs } from '../src/check/formats.ts';
import { ROOT, runCli } from './helpers/run.ts';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'check');
const SNAPSHOTS = join(ROOT, 'test', 'snapshots');
const TRUST = join(ROOT, 'test', 'fixtures', 'trust');
const NATIVE_REPO = 'cloudposse-examples/atmos-native-ci-advanced';
const require = createRequire(import.meta.url);

/** Each fixture, with the flags that give it a repository (and, once, trust policies from files). */
const CASES: Array<{ name: string; dir: string; flags: string[] }> = [
  ...readdirSync(FIXTURES)
    .sort()
    .map((name) => ({ name, dir: join(FIXTURES, name), flags: name === 'native-ci' ? ['--repository', NATIVE_REPO] : [] })),
  // What the guard workflow runs: check on a repository the tool generated with the guard on.
  { name: 'golden-guard-workflow', dir: join(ROOT, 'test', 'golden', 'guard-workflow', 'expected'), flags: [] },
  { name: 'native-ci-trust', dir: join(FIXTURES, 'native-ci'), flags: ['--repository', NATIVE_REPO, '--trust', join(TRUST, 'get-role-dev.json'), '--trust', join(TRUST, 'list-roles.json')] },
];

function sarifValidator(): (data: unknown) => boolean {
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  // The schema's `format: uri` / `uri-reference` are checked by shape below; Ajv without ajv-formats ignores them.
  // Its `language` pattern (`…{2}]?$`) is only valid without the u flag, as JSON Schema draft-04 tools read it.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
  return ajv.compile(schema) as (data: unknown) => boolean;
}

test('--format sarif is valid SARIF 2.1.0 for every fixture, with what GitHub code scanning needs', async () => {
  const validate = sarifValidator() as ((data: unknown) => boolean) & { errors?: unknown };
  let results = 0;
  for (const c of CASES) {
    const r = await runCli(['check', '--format', 'sarif', ...c.flags, c.dir]);
    assert.ok(r.code === 0 || r.code === 1, `${c.name}: ${r.stderr}`);
    const sarif = JSON.parse(r.stdout);
    assert.ok(validate(sarif), `${c.name}: ${JSON.stringify(validate.errors, null, 2)}`);
    assert.is(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    const ruleIds = run.tool.driver.rules.map((rule: { id: string }) => rule.id);
    assert.equal(ruleIds, Object.keys(CODES), `${c.name}: one rule per finding code`);
    const json = JSON.parse((await runCli(['check', '--json', ...c.flags, c.dir])).stdout);
    assert.is(run.results.length, json.findings.length, `${c.name}: one result per finding`);
    for (const [i, res] of run.results.entries()) {
      const f = json.findings[i];
      assert.is(res.ruleId, f.code);
      assert.is(ruleIds[res.ruleIndex], res.ruleId);
      assert.is(res.level, f.severity);
      const loc = res.locations[0].physicalLocation;
      assert.not.match(loc.artifactLocation.uri, /^\/|^[a-z]+:/i, `${c.name}: ${loc.artifactLocation.uri} is relative to the repository root`);
      assert.ok(existsSync(join(c.dir, decodeURIComponent(loc.artifactLocation.uri))), `${c.name}: ${loc.artifactLocation.uri} exists in the repository`);
      assert.is(loc.region.startLine, Math.max(1, f.line));
      results++;
    }
  }
  assert.ok(results > 10, `${results} results checked`);
});

test('the SARIF validator refuses what code scanning would refuse (a result without a message, a wrong version)', () => {
  const validate = sarifValidator();
  const base = { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'a', message: { text: 'm' } }] }] };
  assert.ok(validate(base));
  assert.not.ok(validate({ ...base, version: '2.0.0' }));
  assert.not.ok(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'a' }] }] }));
});

let mermaid: { parse: (text: string) => Promise<unknown> } | null = null;
async function parser(): Promise<{ parse: (text: string) => Promise<unknown> }> {
  if (mermaid) return mermaid;
  // Mermaid sanitises labels with DOMPurify, which needs a window; jsdom supplies one.
  const { JSDOM } = await import('jsdom');
  (globalThis as { window?: unknown }).window = new JSDOM('').window;
  mermaid = (await import('mermaid')).default as unknown as { parse: (text: string) => Promise<unknown> };
  return mermaid;
}

test('--format markdown: every Mermaid graph parses with Mermaid\'s own parser, and the summary matches its reviewed snapshot', async () => {
  const m = await parser();
  let graphs = 0;
  for (const c of CASES) {
    const r = await runCli(['check', '--format', 'markdown', ...c.flags, c.dir]);
    assert.ok(r.code === 0 || r.code === 1, `${c.name}: ${r.stderr}`);
    const blocks = [...r.stdout.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((x) => x[1]);
    const json = JSON.parse((await runCli(['check', '--json', ...c.flags, c.dir])).stdout);
    assert.is(blocks.length, new Set(json.chains.map((ch: { workflow: string }) => ch.workflow)).size, `${c.name}: one graph per workflow with chains`);
    for (const block of blocks) {
      await m.parse(block); // throws on a syntax error
      graphs++;
    }
    const file = join(SNAPSHOTS, `check-${c.name}.md`);
    if (process.env.UPDATE === '1') {
      mkdirSync(SNAPSHOTS, { recursive: true });
      writeFileSync(file, r.stdout);
    }
    assert.ok(existsSync(file), `${file} is missing: run UPDATE=1 on this test and review it`);
    assert.fixture(r.stdout, readFileSync(file, 'utf8'), `${c.name}: markdown snapshot`);
  }
  assert.ok(graphs >= 4);
});

test('Mermaid labels: quotes, angle brackets, pipes and line breaks in names never break the graph', async () => {
  const m = await parser();
  const chain = {
    workflow: '.github/workflows/a"b.yml',
    job: 'plan <pr> | "x"',
    step: 0,
    command: 'configure-aws-credentials',
    stack: 'dev|"1"',
    components: [],
    variant: null,
    context: 'environment:a]b',
    sub: null,
    condition: 'dispatched with env=a"b',
    profiles: [],
    identity: 'x}{y',
    roleArn: 'arn:aws:iam::123456789012:role/a-b',
    account: '123456789012',
    role: null,
    patterns: [],
    matched: null,
    providerArn: null,
    audience: 'sts.amazonaws.com',
    trust: 'unknown' as const,
    verdict: 'unknown' as const,
    reasons: ['line one\nline "two" <b>'],
  };
  const [{ graph }] = mermaidGraphs([chain]);
  await m.parse(graph);
  assert.match(graph, '#quot;');
  let refused = false;
  try {
    await m.parse('flowchart LR\n  n0["a"] --> n1[[ "b"\n');
  } catch {
    refused = true;
  }
  assert.ok(refused, 'the parser refuses a broken graph (it is a real judge)');
});

test('--format with an unknown value, or --json with another format: exit 2, nothing printed', async () => {
  const bad = await runCli(['check', '--format', 'xml', join(FIXTURES, 'pro-advanced')]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '--format');
  assert.match(bad.stderr, 'text, json, sarif, markdown');
  assert.is(bad.stdout, '');
  const both = await runCli(['check', '--json', '--format', 'sarif', join(FIXTURES, 'pro-advanced')]);
  assert.is(both.code, 2);
  assert.match(both.stderr, '--json');
});

test.run();
