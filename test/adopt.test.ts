/**
 * init on repositories that had Atmos before the tool came (test/fixtures/adopt/, each written in a
 * shape public Atmos repositories have, domain.md section 9): the answers read from the repository,
 * the exact lines added to files the user wrote (nothing removed), `check` before and after (no new
 * error; every chain keeps its verdict or gets a better one), then account, role and workflows on
 * the result; a second init changes nothing, and --dry-run writes nothing.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, diskRepo, type CheckResult } from '../src/check/index.ts';
import { addImport } from '../src/setup/adopt.ts';
import { ROOT, readTree, runCli, tempDir } from './helpers/run.ts';
import { atmosSchemaErrors, securityRuleViolations, workflowParserErrors, workflowSchemaErrors } from './helpers/judges.ts';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'adopt');
const made: string[] = [];

test.after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A clone of fixture `name` whose origin is github.com/acme/infra. */
function clone(name: string): string {
  const dir = tempDir(`adopt-${name}-`);
  made.push(dir);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, '.git', 'config'), '[remote "origin"]\n\turl = git@github.com:acme/infra.git\n');
  return dir;
}

function answersFile(text: string): string {
  const dir = tempDir('adopt-answers-');
  made.push(dir);
  const path = join(dir, 'answers.yaml');
  writeFileSync(path, text);
  return path;
}

/**
 * The lines `after` adds to `before`, asserting that every line of `before` is still there, in
 * order and byte for byte.
 */
function addedLines(path: string, before: string, after: string): string[] {
  const old = before.split('\n');
  const added: string[] = [];
  let i = 0;
  for (const line of after.split('\n')) {
    if (i < old.length && line === old[i]) i++;
    else added.push(line);
  }
  assert.is(i, old.length, `${path}: every line the user wrote is kept, in order (missing from line ${i + 1}: ${JSON.stringify(old[i])})`);
  return added.filter((l) => l !== '');
}

const RANK: Record<string, number> = { denied: 0, unknown: 1, allowed: 2 };
const chainKey = (c: CheckResult['chains'][number]): string => [c.workflow, c.job, c.stack, c.variant, c.sub].join(' | ');
const errorKey = (f: CheckResult['findings'][number]): string => [f.code, f.file, f.place].join(' | ');

/** `check` after adoption: no error it did not report before, and every chain as good as before. */
function assertNoRegression(before: CheckResult, after: CheckResult, label: string): void {
  const old = new Set(before.findings.filter((f) => f.severity === 'error').map(errorKey));
  const fresh = after.findings.filter((f) => f.severity === 'error' && !old.has(errorKey(f)));
  assert.equal(fresh.map((f) => `${f.code}: ${f.message}`), [], `${label}: check reports no new error`);
  const now = new Map(after.chains.map((c) => [chainKey(c), c]));
  for (const c of before.chains) {
    const same = now.get(chainKey(c));
    assert.ok(same, `${label}: chain ${chainKey(c)} is still there`);
    assert.ok(RANK[same.verdict] >= RANK[c.verdict], `${label}: chain ${chainKey(c)} was ${c.verdict}, is ${same.verdict}`);
  }
}

interface Case {
  fixture: string;
  /** What --answers gives: the answers the repository could not give. */
  asked?: string;
  /** Lines of the "Answers read from the repository" block, each `field: value`. */
  inferred: string[];
  /** Files created, sorted. */
  created: string[];
  /** Files the user wrote that change, with exactly the lines added to each. */
  changed: Record<string, string[]>;
  /** Chains of the user's own workflows before adoption (`workflow/job verdict`). */
  userChains: string[];
  /** Errors check reports before adoption (codes). */
  errorsBefore: string[];
  /** Errors check reports after adoption (codes; none new, some may be gone). */
  errorsAfter?: string[];
  /** Checks of the written files. */
  written?: (files: Map<string, string>) => void;
}

const CI_KEYS = ['ci:', '  enabled: true'];
const TEMPLATES = ['templates:', '  settings:', '    enabled: true'];
const OUR_WORKFLOWS = ['atmos-pro.yaml', 'atmos-terraform-apply.yaml', 'atmos-terraform-plan.yaml', 'atmos-upload-instances.yaml', 'test-oidc.yaml'].map((w) => `.github/workflows/${w}`);

const CASES: Record<string, Case> = {
  'reference architecture: orgs/<ns>/<tenant>/<account>/<region>, name_pattern with the tenant, label order, S3 backend in _defaults.yaml': {
    fixture: 'refarch',
    inferred: [
      'repository: acme/infra',
      'namespace: acme',
      'accounts.dev: 111111111111',
      'accounts.prod: 222222222222',
      'region: us-east-2',
      'tfstate_role_arn: arn:aws:iam::999999999999:role/acme-core-gbl-root-tfstate',
      'backend: {"type":"existing"}',
    ],
    created: [
      '.atmos-oidc.yaml',
      ...OUR_WORKFLOWS,
      '.gitignore',
      'profiles/github/atmos.yaml',
      'stacks/catalog/github-ci-accounts/dev.yaml',
      'stacks/catalog/github-ci-accounts/prod.yaml',
      'stacks/catalog/github-ci.yaml',
      'stacks/mixins/atmos-pro.yaml',
    ].sort(),
    changed: {
      'atmos.yaml': ['    auto_generate_files: true', ...CI_KEYS, ...TEMPLATES],
      'stacks/orgs/acme/plat/dev/global-region.yaml': ['  - catalog/github-ci-accounts/dev'],
      'stacks/orgs/acme/plat/prod/global-region.yaml': ['  - catalog/github-ci-accounts/prod'],
    },
    userChains: [],
    errorsBefore: [],
    written: (files) => {
      // The roles are named by the stack's own label order: namespace, tenant, environment, stage, name.
      assert.match(files.get('stacks/catalog/github-ci-accounts/dev.yaml') ?? '', /assume_role: arn:aws:iam::111111111111:role\/acme-plat-gbl-dev-planner\n/);
      assert.match(files.get('.github/workflows/test-oidc.yaml') ?? '', /role: arn:aws:iam::222222222222:role\/acme-plat-gbl-prod-planner\n/);
      assert.not.ok(files.has('stacks/orgs/acme/dev.yaml'), 'no second stack manifest of our own naming');
    },
  },
  'atmos.yaml under rootfs/usr/local/etc/atmos/, accounts from the permission sets of a people profile': {
    fixture: 'rootfs',
    inferred: ['repository: acme/infra', 'namespace: acme', 'accounts.live: 444444444444', 'accounts.staging: 333333333333', 'region: eu-west-1', 'backend: {"type":"existing"}'],
    created: [
      '.atmos-oidc.yaml',
      ...OUR_WORKFLOWS,
      '.gitignore',
      'rootfs/usr/local/etc/atmos/profiles/github/atmos.yaml',
      'stacks/catalog/github-ci-accounts/live.yaml',
      'stacks/catalog/github-ci-accounts/staging.yaml',
      'stacks/catalog/github-ci.yaml',
      'stacks/mixins/atmos-pro.yaml',
    ].sort(),
    changed: {
      'rootfs/usr/local/etc/atmos/atmos.yaml': ['    auto_generate_files: true', ...CI_KEYS, ...TEMPLATES],
      // No import list before: one is added after the file's leading comments (here, none).
      'stacks/orgs/acme/plat/live.yaml': ['  - catalog/github-ci-accounts/live'],
      'stacks/orgs/acme/plat/staging.yaml': ['  - catalog/github-ci-accounts/staging'],
    },
    userChains: [],
    errorsBefore: [],
    written: (files) => {
      assert.not.ok(files.has('atmos.yaml'), 'no second atmos.yaml at the root');
      assert.match(files.get('.github/workflows/atmos-terraform-plan.yaml') ?? '', /\n {6}ATMOS_CLI_CONFIG_PATH: rootfs\/usr\/local\/etc\/atmos\n/);
      assert.match(files.get('stacks/catalog/github-ci-accounts/live.yaml') ?? '', /role\/acme-plat-euw1-live-terraform\n/);
    },
  },
  'an existing provider and a deploy role created by iam-role in every account': {
    fixture: 'provider-roles',
    inferred: ['repository: acme/infra', 'namespace: acme', 'accounts.dev: 555555555555', 'accounts.prod: 666666666666', 'region: us-west-2'],
    asked: 'backend:\n  type: local\n',
    created: [
      '.atmos-oidc.yaml',
      ...OUR_WORKFLOWS,
      '.gitignore',
      'profiles/github/atmos.yaml',
      'stacks/catalog/github-ci-accounts/dev.yaml',
      'stacks/catalog/github-ci-accounts/prod.yaml',
      'stacks/catalog/github-ci.yaml',
      'stacks/mixins/atmos-pro.yaml',
    ].sort(),
    changed: {
      'atmos.yaml': TEMPLATES,
      'stacks/orgs/acme/dev.yaml': ['  - catalog/github-ci-accounts/dev'],
      'stacks/orgs/acme/prod.yaml': ['  - catalog/github-ci-accounts/prod'],
    },
    userChains: ['deploy/deploy allowed'],
    errorsBefore: [],
    written: (files) => {
      const dev = files.get('stacks/catalog/github-ci-accounts/dev.yaml') ?? '';
      assert.not.match(dev, /\n {4}github-oidc-provider:/, 'the account keeps its own provider: none is deployed again');
      assert.match(dev, /stack "dev" deploys this account's provider/);
      assert.not.match(files.get('stacks/catalog/github-ci.yaml') ?? '', /github-oidc-provider:/);
    },
  },
  "Cloud Posse's older github-oidc-role component; accounts from vars and from the stack's auth role ARNs": {
    fixture: 'oidc-role',
    inferred: ['repository: acme/infra', 'namespace: acme', 'accounts.dev: 777777777777', 'accounts.prod: 888888888888', 'region: us-east-1'],
    asked: 'backend:\n  type: local\n',
    created: [
      '.atmos-oidc.yaml',
      ...OUR_WORKFLOWS,
      '.gitignore',
      'profiles/github/atmos.yaml',
      'stacks/catalog/github-ci-accounts/dev.yaml',
      'stacks/catalog/github-ci-accounts/prod.yaml',
      'stacks/catalog/github-ci.yaml',
      'stacks/mixins/atmos-pro.yaml',
    ].sort(),
    changed: {
      'atmos.yaml': [
        '    deploy_run_init: true',
        '    init_run_reconfigure: true',
        '    auto_generate_backend_file: true',
        '    auto_generate_files: true',
        ...CI_KEYS,
        ...TEMPLATES,
      ],
      'stacks/deploy/dev.yaml': ['  - catalog/github-ci-accounts/dev'],
      'stacks/deploy/prod.yaml': ['  - catalog/github-ci-accounts/prod'],
    },
    userChains: [],
    // The user's cicd role (PowerUserAccess, trusted for the whole repository) is theirs to fix; prod
    // had no provider for it, and gets ours.
    errorsBefore: ['admin-from-any-branch', 'admin-from-pull-request', 'provider-missing'],
    errorsAfter: ['admin-from-any-branch', 'admin-from-pull-request'],
    written: (files) => {
      assert.match(files.get('stacks/catalog/github-ci-accounts/prod.yaml') ?? '', /\n {4}github-oidc-provider:\n/, 'prod has no provider yet: ours is deployed there');
      assert.not.match(files.get('stacks/catalog/github-ci-accounts/dev.yaml') ?? '', /\n {4}github-oidc-provider:\n/, 'dev deploys its own');
      const answers = files.get('.atmos-oidc.yaml') ?? '';
      assert.match(answers, /adopted:\n {2}config: atmos.yaml\n {2}stacks:\n {4}dev: stacks\/deploy\/dev.yaml\n {4}prod: stacks\/deploy\/prod.yaml\n/);
    },
  },
  'workflows with our names but other contents, manifests that name their stacks, a github profile with its own default': {
    fixture: 'our-names',
    inferred: ['repository: acme/infra', 'namespace: acme', 'accounts.dev: 121212121212', 'accounts.prod: 343434343434', 'region: us-east-2'],
    asked: 'backend:\n  type: local\n',
    created: [
      '.atmos-oidc.yaml',
      '.github/workflows/atmos-pro.yaml',
      '.github/workflows/atmos-terraform-apply-oidc.yaml',
      '.github/workflows/atmos-terraform-plan-oidc.yaml',
      '.github/workflows/atmos-upload-instances.yaml',
      '.github/workflows/test-oidc.yaml',
      '.gitignore',
      'profiles/github/atmos-oidc.yaml',
      'stacks/catalog/github-ci-accounts/dev.yaml',
      'stacks/catalog/github-ci-accounts/prod.yaml',
      'stacks/catalog/github-ci.yaml',
      'stacks/mixins/atmos-pro.yaml',
    ].sort(),
    changed: {
      'atmos.yaml': TEMPLATES,
      'stacks/orgs/acme/dev.yaml': ['import:', '  - catalog/github-ci-accounts/dev'],
      'stacks/orgs/acme/prod.yaml': ['import:', '  - catalog/github-ci-accounts/prod'],
    },
    userChains: ['atmos-terraform-apply/apply unknown'],
    errorsBefore: [],
    written: (files) => {
      const profile = files.get('profiles/github/atmos-oidc.yaml') ?? '';
      assert.not.match(profile, /default: true/, 'the profile keeps its one default identity');
      assert.match(profile, /provider: gha\n/, "the profile's own github/oidc provider is used");
      assert.not.match(profile, /providers:/);
      assert.match(files.get('.github/workflows/atmos-terraform-plan-oidc.yaml') ?? '', /\n {6}ATMOS_IDENTITY: acme\/planner\n/, 'plan jobs name their identity');
      const mixin = files.get('stacks/mixins/atmos-pro.yaml') ?? '';
      assert.match(mixin, /\n {10}atmos-terraform-plan-oidc\.yaml:\n/, 'Atmos Pro dispatches the workflows under their new names');
      assert.not.match(mixin, /atmos-terraform-plan\.yaml/);
      assert.match(files.get('.atmos-oidc.yaml') ?? '', /workflows:\n {4}atmos-terraform-apply\.yaml: atmos-terraform-apply-oidc\.yaml\n {4}atmos-terraform-plan\.yaml: atmos-terraform-plan-oidc\.yaml\n/);
    },
  },
  'a basic Atmos Pro repository whose own settings.pro dispatches its own workflows': {
    fixture: 'pro-basic',
    inferred: ['repository: acme/infra', 'namespace: acme', 'accounts.dev: 101010101010', 'accounts.prod: 202020202020', 'region: us-east-1', 'atmos_pro: true'],
    asked: 'backend:\n  type: local\n',
    created: [
      '.atmos-oidc.yaml',
      ...OUR_WORKFLOWS,
      '.gitignore',
      'profiles/github/atmos.yaml',
      'stacks/catalog/github-ci-accounts/dev.yaml',
      'stacks/catalog/github-ci-accounts/prod.yaml',
      'stacks/catalog/github-ci.yaml',
    ].sort(),
    changed: {
      'stacks/deploy/dev.yaml': ['  - catalog/github-ci-accounts/dev'],
      'stacks/deploy/prod.yaml': ['  - catalog/github-ci-accounts/prod'],
    },
    userChains: ['pro-plan/plan unknown'],
    errorsBefore: [],
    written: (files) => {
      assert.not.ok(files.has('stacks/mixins/atmos-pro.yaml'), "the stacks' own settings.pro stays the only one");
      assert.not.match(files.get('stacks/catalog/github-ci-accounts/dev.yaml') ?? '', /mixins\/atmos-pro/);
    },
  },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`adopt: ${name}`, async () => {
    const dir = clone(c.fixture);
    const before = readTree(dir);
    const checkBefore = checkRepository(diskRepo(dir));
    assert.equal(checkBefore.findings.filter((f) => f.severity === 'error').map((f) => f.code), c.errorsBefore, 'errors before adoption');
    assert.equal(checkBefore.chains.map((ch) => `${ch.workflow.replace(/^.*\//, '').replace(/\.ya?ml$/, '')}/${ch.job} ${ch.verdict}`).sort(), c.userChains, 'chains before adoption');
    const flags = c.asked ? ['--answers', answersFile(c.asked)] : [];

    const dry = await runCli(['init', '--yes', '--dry-run', ...flags, dir]);
    assert.is(dry.code, 0, dry.stderr);
    assert.equal([...readTree(dir)], [...before], '--dry-run writes nothing');

    const run = await runCli(['init', '--yes', ...flags, dir]);
    assert.is(run.code, 0, run.stderr);
    const block = run.stdout.slice(run.stdout.indexOf('Answers read from the repository:'), run.stdout.indexOf('\n\n', run.stdout.indexOf('Answers read')));
    const inferred = block
      .split('\n')
      .slice(1)
      .filter((l) => !l.startsWith('  note:'))
      .map((l) => l.trim().replace(/ {2}\(.*$/, ''));
    assert.equal(inferred.sort(), [...c.inferred].sort(), 'answers read from the repository');

    const after = readTree(dir);
    const created = [...after.keys()].filter((p) => !before.has(p));
    assert.equal(created.sort(), c.created, 'files added');
    const changed = [...before.keys()].filter((p) => after.get(p) !== before.get(p));
    assert.equal(changed.sort(), Object.keys(c.changed).sort(), 'files of the user that changed');
    for (const [path, lines] of Object.entries(c.changed)) assert.equal(addedLines(path, before.get(path) ?? '', after.get(path) ?? ''), lines, `${path}: lines added`);
    c.written?.(after);
    // Independent judges on what was written: Atmos's schemas, GitHub's workflow parser and schema, the security rules.
    assert.equal(atmosSchemaErrors(dir), [], "Atmos's schemas");
    for (const path of created.filter((p) => p.startsWith('.github/workflows/'))) {
      const text = after.get(path) ?? '';
      assert.equal([...(await workflowParserErrors(path, text)), ...workflowSchemaErrors(text, path)], [], `${path}: GitHub's parser and schema`);
    }
    assert.equal(securityRuleViolations(dir).filter((v) => created.some((p) => v.startsWith(p))), [], 'security rules of our workflows');

    const checkAfter = checkRepository(diskRepo(dir));
    assertNoRegression(checkBefore, checkAfter, 'after init');
    assert.equal(checkAfter.findings.filter((f) => f.severity === 'error').map((f) => f.code), c.errorsAfter ?? [], 'errors after adoption');
    const checked = await runCli(['check', dir]);
    assert.is(checked.code, (c.errorsAfter ?? []).length ? 1 : 0, `check after adoption:\n${checked.stdout}`);

    const again = await runCli(['init', '--yes', dir]);
    assert.is(again.code, 0, again.stderr);
    assert.equal([...readTree(dir)], [...after], 'a second init changes nothing');

    // Day two on the adopted repository.
    const stage = c.inferred.find((l) => l.startsWith('accounts.'))?.match(/^accounts\.(\w+): (\d+)$/) as RegExpMatchArray;
    const account = await runCli(['account', '--stage', stage[1], '--account-id', stage[2], dir]);
    assert.is(account.code, 0, account.stderr);
    assert.equal([...readTree(dir)], [...after], 'account for an adopted stage changes nothing');
    const role = await runCli(['role', '--name', 'reader', '--identity', 'acme/reader', '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra:ref:refs/heads/main', dir]);
    assert.is(role.code, 0, role.stderr);
    const withRole = readTree(dir);
    for (const path of Object.keys(c.changed)) assert.is(withRole.get(path), after.get(path), `${path} (the user's) is not touched by role`);
    for (const [path, text] of before) if (!(path in c.changed)) assert.is(withRole.get(path), text, `${path} (the user's) is not touched by role`);
    assert.match(withRole.get('stacks/catalog/github-ci.yaml') ?? '', /\n {4}iam-role\/reader:\n/);
    assertNoRegression(checkBefore, checkRepository(diskRepo(dir)), 'after role');
    const workflows = await runCli(['workflows', dir]);
    assert.is(workflows.code, 0, workflows.stderr);
    assert.equal([...readTree(dir)], [...withRole], 'workflows right after role changes nothing');
  });
}

test('adopt: what the repository does not say (here the accounts) is asked, and only that', async () => {
  const dir = clone('rootfs');
  rmSync(join(dir, 'rootfs', 'usr', 'local', 'etc', 'atmos', 'profiles'), { recursive: true });
  const missing = await runCli(['init', '--yes', dir]);
  assert.is(missing.code, 2);
  assert.match(missing.stdout, /note: stage live: no account id in its stacks .*: asked/);
  assert.match(missing.stderr, /error: accounts: \(missing\) is not allowed; required/);
  assert.not.match(missing.stderr, /repository|namespace|region/, 'nothing else is missing');
  const run = await runCli(['init', '--yes', '--answers', answersFile('accounts:\n  - stage: live\n    id: "444444444444"\n'), dir]);
  assert.is(run.code, 0, run.stderr);
  const answers = readTree(dir).get('.atmos-oidc.yaml') ?? '';
  assert.match(answers, /\nrepository: acme\/infra\nnamespace: acme\nregion: eu-west-1\n/, 'the inferred answers are kept beside the given ones');
  assert.match(answers, /accounts:\n {2}- stage: live\n {4}id: "444444444444"\n/);
  assert.match(answers, /stacks:\n {4}live: stacks\/orgs\/acme\/plat\/live\.yaml\n/);
});

test('adopt, day two: account adds a stage whose stack exists, into that stack, touching only its manifest import', async () => {
  const dir = clone('refarch');
  const init = await runCli(['init', '--yes', '--answers', answersFile('accounts:\n  - stage: dev\n    id: "111111111111"\n'), dir]);
  assert.is(init.code, 0, init.stderr);
  const before = readTree(dir);
  assert.not.ok(before.has('stacks/catalog/github-ci-accounts/prod.yaml'));
  const run = await runCli(['account', '--stage', 'prod', '--account-id', '222222222222', dir]);
  assert.is(run.code, 0, run.stderr);
  const after = readTree(dir);
  const manifest = 'stacks/orgs/acme/plat/prod/global-region.yaml';
  assert.equal(addedLines(manifest, before.get(manifest) ?? '', after.get(manifest) ?? ''), ['  - catalog/github-ci-accounts/prod']);
  assert.match(after.get('stacks/catalog/github-ci-accounts/prod.yaml') ?? '', /role\/acme-plat-gbl-prod-terraform\n/);
  assert.match(after.get('.atmos-oidc.yaml') ?? '', /\n {4}prod: stacks\/orgs\/acme\/plat\/prod\/global-region\.yaml\n/);
  for (const [path, text] of before)
    if (path.startsWith('stacks/orgs/') && path !== manifest) assert.is(after.get(path), text, `${path} unchanged`);
  assertNoRegression(checkRepository(diskRepo(dir)), checkRepository(diskRepo(dir)), 'after account');
  assert.is((await runCli(['check', dir])).code, 0);
});

test('adopt: a file listed in adopted.user_files is never rewritten; a change to it stops the run with nothing written', async () => {
  const dir = clone('refarch');
  assert.is((await runCli(['init', '--yes', dir])).code, 0);
  const answers = readTree(dir).get('.atmos-oidc.yaml') ?? '';
  assert.match(answers, /\n {2}user_files:\n/);
  writeFileSync(join(dir, '.atmos-oidc.yaml'), answers.replace('\n  user_files:\n', '\n  user_files:\n    - stacks/catalog/github-ci.yaml\n'));
  const before = readTree(dir);
  const run = await runCli(['role', '--name', 'reader', '--identity', 'acme/reader', '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra:main', dir]);
  assert.is(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /conflict {2}stacks\/catalog\/github-ci\.yaml {2}\(yours \(adopted\.user_files in \.atmos-oidc\.yaml\): create-atmos-oidc does not rewrite it\)/);
  assert.equal([...readTree(dir)], [...before], 'nothing written');
});

test('adopt in a terminal: the answers read from the repository are confirmed and never asked again; the summary comes before writing', async () => {
  const dir = clone('refarch');
  const asked: string[] = [];
  // Takes every default: the choices the repository cannot make (setup, environments, versions) are still asked.
  const prompter = {
    color: false,
    async confirm(o: { message: string; default?: boolean }) {
      asked.push(o.message);
      return o.default ?? true;
    },
    async input(o: { message: string; default?: string }): Promise<string> {
      asked.push(o.message);
      if (o.default === undefined) throw new Error(`asked for input without a default: ${o.message}`);
      return o.default;
    },
    async select<T extends string>(o: { message: string; default?: T; choices: Array<{ value: T }> }): Promise<T> {
      asked.push(o.message);
      return o.default ?? o.choices[0].value;
    },
  };
  const run = await runCli(['init', dir], { prompter });
  assert.is(run.code, 0, run.stderr);
  assert.is(asked[0], 'Use these answers?');
  assert.is(asked.at(-1), 'Write these files?');
  for (const inferred of [/GitHub repository/, /^Namespace/, /Stage of AWS account/, /AWS account id/, /^AWS region/, /Terraform state/])
    assert.not.ok(asked.some((m) => inferred.test(m)), `${inferred} is read from the repository, not asked (asked: ${asked.join(' | ')})`);
  assert.ok(run.stdout.indexOf('Answers read from the repository:') < run.stdout.indexOf('Plan for'));
  assert.match(readTree(dir).get('.atmos-oidc.yaml') ?? '', /\nrepository: acme\/infra\n/);
});

test('adopt: an existing profile gets a default identity from us only when it has none', async () => {
  const dir = clone('our-names');
  writeFileSync(join(dir, 'profiles', 'github', 'atmos.yaml'), 'auth:\n  providers:\n    gha:\n      kind: github/oidc\n      region: us-east-2\n      spec:\n        audience: sts.amazonaws.com\n');
  const run = await runCli(['init', '--yes', '--answers', answersFile('backend:\n  type: local\n'), dir]);
  assert.is(run.code, 0, run.stderr);
  const tree = readTree(dir);
  assert.match(tree.get('profiles/github/atmos-oidc.yaml') ?? '', /acme\/planner:\n {6}default: true\n/);
  assert.not.match(tree.get('.github/workflows/atmos-terraform-plan-oidc.yaml') ?? '', /ATMOS_IDENTITY/);
});

test('adopt: a workflow of ours that the user copied and edited (same jobs, same triggers) keeps its name and their edit', async () => {
  const probe = clone('provider-roles');
  assert.is((await runCli(['init', '--yes', '--answers', answersFile('backend:\n  type: local\n'), probe])).code, 0);
  const ours = readTree(probe).get('.github/workflows/test-oidc.yaml') ?? '';
  const dir = clone('provider-roles');
  const theirs = ours.replace(/^#.*\n/gm, '').replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    timeout-minutes: 10\n');
  assert.match(theirs, /timeout-minutes: 10/);
  writeFileSync(join(dir, '.github', 'workflows', 'test-oidc.yaml'), theirs);
  const run = await runCli(['init', '--yes', '--answers', answersFile('backend:\n  type: local\n'), dir]);
  assert.is(run.code, 0, run.stderr);
  const after = readTree(dir);
  assert.is(after.get('.github/workflows/test-oidc.yaml'), theirs, 'the same workflow: nothing of ours is missing from it, and their edit stays');
  assert.not.ok(after.has('.github/workflows/test-oidc-oidc.yaml'), 'not written a second time under another name');
  assert.not.match(after.get('.atmos-oidc.yaml') ?? '', /test-oidc\.yaml: test-oidc-oidc\.yaml/);
  assert.match(after.get('.atmos-oidc.yaml') ?? '', /\n {2}\.github\/workflows\/test-oidc\.yaml: sha256:/, 'recorded as ours: later runs merge three ways');
  assert.is((await runCli(['workflows', dir])).code, 0);
  assert.equal([...readTree(dir)], [...after], 'workflows keeps their edit');
});

const refusals: Array<[string, (dir: string) => void, RegExp]> = [
  [
    'two configurations Atmos would merge (the root and rootfs)',
    (dir) => cpSync(join(dir, 'rootfs', 'usr', 'local', 'etc', 'atmos', 'atmos.yaml'), join(dir, 'atmos.yaml')),
    /error: rootfs\/usr\/local\/etc\/atmos\/atmos\.yaml and atmos\.yaml: .*Atmos merges atmos\.yaml under .*keep one atmos\.yaml/,
  ],
  [
    'two manifests resolving to the same stack name',
    (dir) => cpSync(join(dir, 'stacks', 'orgs', 'acme', 'plat', 'live.yaml'), join(dir, 'stacks', 'orgs', 'acme', 'plat', 'live-copy.yaml')),
    /error: stacks\/orgs\/acme\/plat\/live-copy\.yaml, stacks\/orgs\/acme\/plat\/live\.yaml: "plat-live" .*give each a distinct name/,
  ],
  [
    'a manifest the name template does not resolve for',
    (dir) => writeFileSync(join(dir, 'stacks', 'orgs', 'acme', 'plat', 'sandbox.yaml'), 'import:\n  - orgs/acme/_defaults\nvars:\n  stage: sandbox\n'),
    /error: stacks\/orgs\/acme\/plat\/sandbox\.yaml: .*name_template .* does not resolve for this manifest/,
  ],
  [
    'an import that names no file',
    (dir) => writeFileSync(join(dir, 'stacks', 'orgs', 'acme', 'plat', 'live.yaml'), 'import:\n  - orgs/acme/_defaults\n  - catalog/missing\nvars:\n  tenant: plat\n  stage: live\n'),
    /error: stacks\/orgs\/acme\/plat\/live\.yaml:3: .*catalog\/missing/,
  ],
];

for (const [name, breakIt, message] of refusals) {
  test(`adopt refuses ${name}: exit 2, the file named, nothing written`, async () => {
    const dir = clone('rootfs');
    breakIt(dir);
    const before = readTree(dir);
    const run = await runCli(['init', '--yes', '--answers', answersFile('accounts:\n  - stage: live\n    id: "444444444444"\n'), dir]);
    assert.is(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, message);
    assert.match(run.stderr, /Nothing was written\./);
    assert.equal([...readTree(dir)], [...before]);
  });
}

test('adopt refuses role names the stacks already use: exit 2, nothing written', async () => {
  const dir = clone('provider-roles');
  for (const f of ['stacks/catalog/iam.yaml', 'stacks/orgs/acme/dev.yaml', 'stacks/orgs/acme/prod.yaml']) {
    const path = join(dir, ...f.split('/'));
    writeFileSync(path, (readTree(dir).get(f) ?? '').replaceAll('iam-role/gha-deployer', 'iam-role/planner'));
  }
  const before = readTree(dir);
  const run = await runCli(['init', '--yes', '--answers', answersFile('backend:\n  type: local\n'), dir]);
  assert.is(run.code, 2, run.stdout + run.stderr);
  assert.match(run.stderr, /error: roles\.planner: "planner" is not allowed; a role name stack dev does not use already \(it has iam-role\/planner\)/);
  assert.equal([...readTree(dir)], [...before]);
});

test('adopt refuses included_paths that would make the files it adds stacks of their own', async () => {
  const dir = clone('oidc-role');
  writeFileSync(join(dir, 'atmos.yaml'), (readTree(dir).get('atmos.yaml') ?? '').replace('    - "deploy/**/*"\n', '    - "**/*"\n  excluded_paths:\n    - "catalog/github-oidc-role.yaml"\n'));
  const before = readTree(dir);
  const run = await runCli(['init', '--yes', '--answers', answersFile('backend:\n  type: local\n'), dir]);
  assert.is(run.code, 2, run.stdout + run.stderr);
  assert.match(run.stderr, /error: stacks\.included_paths in atmos\.yaml: .*add "catalog\/\*\*\/\*" to stacks\.excluded_paths/);
  assert.equal([...readTree(dir)], [...before]);
});

test('adopt: a stage without a stack in the repository is refused, naming the stages that have one', async () => {
  const dir = clone('provider-roles');
  const run = await runCli(['account', '--stage', 'qa', '--account-id', '999999999999', dir]);
  assert.is(run.code, 2);
  const init = await runCli(['init', '--yes', '--answers', answersFile('backend:\n  type: local\naccounts:\n  - stage: qa\n    id: "999999999999"\n'), dir]);
  assert.is(init.code, 2, init.stdout + init.stderr);
  assert.match(init.stderr, /accounts\[0\]\.stage: "qa" is not allowed; a stage whose stack exists in this repository \(dev, prod\)/);
});

test('addImport keeps every byte: appends in the list own indentation, after map items, or adds the list after leading comments', () => {
  assert.is(addImport('# c\nimport:\n- a\n- b\n\nvars:\n  x: 1\n', 'z'), '# c\nimport:\n- a\n- b\n- z\n\nvars:\n  x: 1\n');
  assert.is(addImport('import:\n  - path: a\n    context: {}\n  - b # mine\nvars: {}\n', 'z'), 'import:\n  - path: a\n    context: {}\n  - b # mine\n  - z\nvars: {}\n');
  assert.is(addImport('# stack\n# dev\nvars:\n  x: 1\n', 'z'), '# stack\n# dev\nimport:\n  - z\n\nvars:\n  x: 1\n');
  assert.is(addImport('import:\r\n  - a\r\n', 'z'), 'import:\r\n  - a\r\n  - z\r\n');
  assert.is(addImport('import:\n  - z\n', 'z'), 'import:\n  - z\n', 'listed already: unchanged');
  assert.throws(() => addImport('import: [a, b]\n', 'z'), /block list/);
});

test.run();
