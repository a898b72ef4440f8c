/**
 * The parts of Atmos `check` re-implements, each on a small in-memory repository: stack names,
 * imports, deep merge, inheritance, profiles, YAML functions, workflow parsing; and `check` inside
 * `init` (the planned tree is checked before anything is written).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, memoryRepo, type CheckResult } from '../src/check/index.ts';
import { atmosCommands, classify } from '../src/check/workflows.ts';
import { deepMerge, parseYaml, YamlFunction } from '../src/atmos/yaml.ts';
import { nullLabelId } from '../src/check/roles.ts';
import { renderTemplate } from '../src/atmos/template.ts';
import { GOLDEN_DIR, readTree, runCli, tempDir } from './helpers/run.ts';

const ATMOS = 'stacks:\n  base_path: stacks\n  included_paths: ["orgs/**/*"]\n  excluded_paths: ["**/_defaults.yaml"]\n';

function run(files: Record<string, string>): CheckResult {
  return checkRepository(memoryRepo(files), { repository: 'acme/infra' });
}

test('stack names: the manifest name, else name_template, else name_pattern, else the path', () => {
  const files = {
    'stacks/orgs/a.yaml': 'name: custom\nvars: { stage: a, tenant: t, environment: e }\n',
    'stacks/orgs/b.yaml': 'vars: { stage: b, tenant: t, environment: e }\n',
    'stacks/orgs/c/d.yaml': 'vars: { stage: d }\n',
  };
  const names = (config: string): string[] => run({ 'atmos.yaml': ATMOS + config, ...files }).stacks.all().map((s) => s.name);
  assert.equal(names('  name_template: "{{ .vars.tenant }}-{{ .vars.stage }}"\n  name_pattern: "{stage}"\n'), ['custom', 'd', 't-b'], 'a template with a missing var falls back to the pattern');
  assert.equal(names('  name_pattern: "{tenant}-{environment}-{stage}"\n'), ['custom', 'orgs/c/d', 't-e-b']);
  assert.equal(names(''), ['custom', 'orgs/b', 'orgs/c/d']);
});

test('imports: base-path and relative forms, globs, extension optional; deep merge with lists replaced', () => {
  const result = run({
    'atmos.yaml': ATMOS,
    'stacks/catalog/base.yaml': 'vars: { list: [1, 2], map: { a: 1, b: 1 } }\n',
    'stacks/catalog/extra/one.yaml': 'vars: { map: { b: 2 }, one: true }\n',
    'stacks/catalog/extra/two.yml': 'vars: { two: true }\n',
    'stacks/orgs/acme/_defaults.yaml': 'import: [catalog/base]\nvars: { namespace: acme }\n',
    'stacks/orgs/acme/dev.yaml': 'import:\n  - ./_defaults\n  - catalog/extra/*\n  - path: catalog/missing\n    skip_if_missing: true\nvars: { list: [3], stage: dev }\n',
  });
  const dev = result.stacks.all()[0];
  assert.equal(dev.vars, { list: [3], map: { a: 1, b: 2 }, namespace: 'acme', one: true, two: true, stage: 'dev' });
  assert.equal(dev.files, ['stacks/catalog/base.yaml', 'stacks/orgs/acme/_defaults.yaml', 'stacks/catalog/extra/one.yaml', 'stacks/catalog/extra/two.yml', 'stacks/orgs/acme/dev.yaml']);
  assert.equal(result.findings, []);
});

test('a missing import is an error at its line', () => {
  const result = run({ 'atmos.yaml': ATMOS, 'stacks/orgs/dev.yaml': 'vars: {}\nimport:\n  - catalog/nope\n' });
  const f = result.findings.find((x) => x.code === 'import-missing')!;
  assert.is(f.severity, 'error');
  assert.is(f.line, 3);
  assert.is(f.place, 'import[0]');
});

test('components: terraform section, metadata.inherits in order, abstract bases, metadata not inherited', () => {
  const result = run({
    'atmos.yaml': ATMOS,
    'stacks/orgs/dev.yaml': [
      'vars: { stage: dev, region: us-east-1 }',
      'terraform: { vars: { tf: 1 }, auth: { identities: { x: { default: true } } } }',
      'components:',
      '  terraform:',
      '    base/a: { metadata: { type: abstract }, vars: { a: 1, shared: a } }',
      '    base/b: { metadata: { type: abstract, component: other }, vars: { b: 1, shared: b } }',
      '    role/x:',
      '      metadata: { component: iam-role, inherits: [base/a, base/b] }',
      '      vars: { own: 1 }',
      '      auth: { identities: { y: { default: true } } }',
    ].join('\n'),
  });
  const stack = result.stacks.all()[0];
  const x = stack.components.get('role/x')!;
  assert.is(x.base, 'iam-role');
  assert.is(x.abstract, false, 'metadata.type is not inherited');
  assert.equal(x.vars, { stage: 'dev', region: 'us-east-1', tf: 1, a: 1, b: 1, shared: 'b', own: 1 });
  assert.equal(x.chain, ['base/a', 'base/b', 'role/x']);
  assert.equal(x.auth, { identities: { x: { default: true }, y: { default: true } } });
  assert.ok(stack.components.get('base/a')!.abstract);
});

test('null-label role names: default order without tenant, custom order, use_fullname false, case', () => {
  assert.is(nullLabelId({ namespace: 'Acme', tenant: 'plat', environment: 'gbl', stage: 'dev', name: 'terraform' }), 'acme-gbl-dev-terraform');
  assert.is(nullLabelId({ namespace: 'acme', tenant: 'plat', environment: 'gbl', stage: 'dev', name: 'x', label_order: ['namespace', 'tenant', 'environment', 'stage', 'name', 'attributes'], attributes: ['ci'] }), 'acme-plat-gbl-dev-x-ci');
  assert.is(nullLabelId({ namespace: 'acme', name: 'GitHubActions', use_fullname: false }), 'GitHubActions');
  assert.is(nullLabelId({ namespace: new YamlFunction('!env', 'NS'), name: 'x' }), null, 'a label only known at run time');
});

test('YAML: Atmos functions are opaque values, unknown tags too; merge keys and anchors work; duplicate keys are errors', () => {
  const parsed = parseYaml('a: !terraform.state vpc .vpc_id\nb: !custom.tag x\nbase: &b { k: 1 }\nc:\n  <<: *b\n  j: 2\n', 'f.yaml');
  const v = parsed.value as Record<string, unknown>;
  assert.ok(v.a instanceof YamlFunction && (v.a as YamlFunction).tag === '!terraform.state');
  assert.ok(v.b instanceof YamlFunction);
  assert.equal(v.c, { k: 1, j: 2 });
  assert.is(parseYaml('a: 1\na: 2\n', 'f.yaml').errors.length, 1);
  assert.is(parseYaml('on:\n  push:\n', 'w.yaml').value && Object.keys(parseYaml('on:\n  push:\n', 'w.yaml').value as object)[0], 'on', 'YAML 1.2: on stays a key');
  assert.equal(deepMerge({ a: [1], m: { x: 1 } }, { a: [2], m: { y: 2 } }), { a: [2], m: { x: 1, y: 2 } });
  assert.equal(deepMerge({ a: [1] }, { a: [2] }, 'append'), { a: [1, 2] });
});

test('templates: field access only', () => {
  assert.is(renderTemplate('{{ .vars.tenant }}-{{- .vars.stage }}', { vars: { tenant: 't', stage: 'dev' } }), 't-dev');
  assert.is(renderTemplate('{{ .vars.stage | upper }}', { vars: { stage: 'dev' } }), null);
  assert.is(renderTemplate('{{ .vars.missing }}', { vars: {} }), null);
});

test('workflow scripts: atmos commands, flags, $VAR through env, export, expressions as one word', () => {
  const env = { STACK: '${{ inputs.stack }}', ATMOS_PROFILE: 'github' };
  const [a, b, c] = atmosCommands(
    'export ATMOS_IDENTITY=acme/admin\nif true; then atmos terraform plan vpc -s "$STACK" --identity=acme/planner; fi\natmos terraform apply ${{ inputs.component }} --stack ${{ inputs.stack }}\nATMOS_PROFILE=ci atmos describe affected --upload\natmos version\n',
    env,
  );
  assert.equal([a.command, a.component, a.stack, a.identity, a.identitySource, a.profile], ['terraform plan', { kind: 'literal', value: 'vpc' }, classify('${{ inputs.stack }}'), { kind: 'literal', value: 'acme/planner' }, '--identity', { kind: 'literal', value: 'github' }]);
  assert.equal([b.component, b.stack, b.identity, b.identitySource], [classify('${{ inputs.component }}'), classify('${{ inputs.stack }}'), { kind: 'literal', value: 'acme/admin' }, 'ATMOS_IDENTITY']);
  assert.equal([c.command, c.profile], ['describe affected', { kind: 'literal', value: 'ci' }]);
  assert.is(atmosCommands('atmos terraform plan x -s dev --identity=false', {})[0].authDisabled, true);
});

test('a job-level permissions block replaces the workflow one; write-all grants id-token', () => {
  const base = {
    'atmos.yaml': ATMOS,
    'stacks/orgs/dev.yaml': 'vars: { stage: dev }\n',
  };
  const wf = (perms: string, jobPerms: string): string =>
    `on: push\n${perms}jobs:\n  j:\n    runs-on: ubuntu-latest\n${jobPerms}    steps:\n      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: arn:aws:iam::111111111111:role/x\n          aws-region: us-east-1\n`;
  const missing = (perms: string, jobPerms: string): boolean => run({ ...base, '.github/workflows/w.yaml': wf(perms, jobPerms) }).findings.some((f) => f.code === 'id-token-missing');
  assert.is(missing('permissions:\n  id-token: write\n', ''), false);
  assert.is(missing('permissions:\n  id-token: write\n', '    permissions:\n      contents: read\n'), true);
  assert.is(missing('', ''), true, 'the default token has no id-token');
  assert.is(missing('permissions: write-all\n', ''), false);
  assert.is(missing('', '    permissions: {}\n'), true);
});

test('odd shapes anywhere never crash check', () => {
  const odd = [null, 5, 'text', [], [1, 'a', null], { x: null }, { enabled: false }, '{{ .vars.x }}', '!terraform.state a b'];
  const places = [
    (v: string) => ({ 'atmos.yaml': `stacks: ${v}\nauth: ${v}\nprofiles: ${v}\n`, 'stacks/a.yaml': 'vars: {}\n' }),
    (v: string) => ({ 'atmos.yaml': ATMOS, 'stacks/orgs/a.yaml': `import: ${v}\nvars: ${v}\nauth: ${v}\ncomponents:\n  terraform:\n    x: ${v}\n    y:\n      metadata: ${v}\n      vars: ${v}\n      settings:\n        pro: ${v}\n` }),
    (v: string) => ({
      'atmos.yaml': ATMOS,
      'profiles/github/atmos.yaml': `auth:\n  providers: ${v}\n  identities:\n    a: ${v}\n    b:\n      default: true\n      via: ${v}\n      principal: ${v}\n`,
      '.github/workflows/w.yaml': `on: ${v}\npermissions: ${v}\njobs:\n  j:\n    environment: ${v}\n    strategy:\n      matrix: ${v}\n    env:\n      ATMOS_PROFILE: github\n    steps:\n      - run: atmos terraform plan x -s y\n      - uses: aws-actions/configure-aws-credentials@v4\n        with: ${v}\n      - ${v}\n`,
    }),
    (v: string) => ({ 'atmos.yaml': ATMOS, '.atmos-oidc.yaml': `repository: ${v}\nrepository_ids: ${v}\naccounts: ${v}\nroles: ${v}\n`, '.github/workflows/w.yml': `jobs: ${v}\n` }),
  ];
  for (const value of odd) {
    const text = value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value).replace(/^"!(.*)"$/, '!$1') : JSON.stringify(value);
    for (const place of places) {
      const files = place(text);
      try {
        checkRepository(memoryRepo(files));
      } catch (error) {
        assert.unreachable(`check threw on ${JSON.stringify(files)}: ${(error as Error).stack}`);
      }
    }
  }
});

test('init refuses a setup whose trust chain has an error, and writes nothing', async () => {
  const dir = tempDir('refuse-');
  assert.is((await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, 'advanced-three-accounts', 'answers.yaml'), dir])).code, 0);
  const before = readTree(dir);
  // An admin role any repository of the organisation can assume: the tool warns, check refuses.
  const result = await runCli(['role', '--yes', '--name', 'ops', '--identity', 'acme/ops', '--policy', 'arn:aws:iam::aws:policy/AdministratorAccess', '--trust', 'acme/*', dir]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /Nothing was written: check found \d+ errors? in the trust chain/);
  assert.match(result.stderr, /trust-entry-org-wildcard/);
  assert.equal(readTree(dir), before, 'nothing written');
});

test('init goes ahead past an error in a file it does not write, and reports it', async () => {
  const dir = tempDir('preexisting-');
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  const own = 'on: pull_request\npermissions:\n  id-token: write\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
  writeFileSync(join(dir, '.github/workflows/greet.yaml'), own);
  const result = await runCli(['init', '--yes', '--answers', join(GOLDEN_DIR, 'advanced-three-accounts', 'answers.yaml'), dir]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, /check error \(in a file this run does not write\)/);
  assert.match(result.stderr, /run-expression/);
  assert.ok(existsSync(join(dir, 'stacks/catalog/github-ci.yaml')));
  assert.is(readFileSync(join(dir, '.github/workflows/greet.yaml'), 'utf8'), own);
  assert.is((await runCli(['check', dir])).code, 1, 'check itself still reports it');
});

test.run();
