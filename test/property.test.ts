/**
 * Property tests: random valid answer sets (fast-check), each written as an answers file, read back
 * through the strict reader, resolved, modelled and rendered in process. For every one:
 * - every generated file parses as YAML 1.2 with unique keys (workflows keep `on` as a key: they are
 *   never read as YAML 1.1, where `on` is `true`);
 * - every value given is read back where it belongs (repository, ids, namespace, stages, account ids,
 *   region, branch, environments, ARNs, versions), computed here from the answers, not from the model;
 * - every workflow keeps the security rules (src/setup/workflow-rules.ts);
 * - the trust verdicts hold, from the model (admits/trustPattern/subClaim) and from the rendered
 *   stacks and catalog: the plan role admits pull requests and the default branch; in `advanced` the
 *   admin role admits its stage's environment only, never a pull request or a branch;
 * - the answers file written back reads back to the same answers.
 * GitHub's own workflow parser checks the distinct workflows of the first PARSER_SAMPLES sets.
 */
import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDocument } from 'yaml';
import { ACTION_PINS } from '../src/answers/action-pins.ts';
import { parseAnswersText, readRecord, renderAnswersFile, resolveAnswers, type Answers } from '../src/answers/answers.ts';
import { renderSetup } from '../src/setup/files.ts';
import { buildModel } from '../src/setup/model.ts';
import { AWS_REGIONS } from '../src/answers/regions.ts';
import { admits, subClaim, trustPattern } from '../src/setup/trust.ts';
import { checkWorkflow } from '../src/setup/workflow-rules.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);
const PARSER_SAMPLES = Number(process.env.PARSER_SAMPLES ?? 250);

type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Arbitraries: valid by the documented rules, biased towards values YAML would misread unquoted.

const YAMLISH = ['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n', '123', '1e3', '0x1f', '0o17', '1-0', 'nan', 'inf', '007'];
const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');

/** An Atmos/IAM label: lower-case letters, digits, inner hyphens, at most `max` characters. */
function label(max: number): fc.Arbitrary<string> {
  const random = fc
    .array(fc.string({ unit: lower, minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.join('-'))
    .filter((s) => s.length <= max);
  return fc.oneof({ weight: 3, arbitrary: random }, { weight: 1, arbitrary: fc.constantFrom(...YAMLISH.filter((s) => s.length <= max && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(s))) });
}

const owner = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.string({ unit: alnum, minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }).map((p) => p.join('-')) },
  { weight: 1, arbitrary: fc.constantFrom('True', 'NULL', 'Yes', 'On', '0x10', '1e5', '42', 'Acme-Corp') },
);
const repoName = fc
  .oneof(
    { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...'abcXYZ019._-'), minLength: 1, maxLength: 20 }) },
    { weight: 1, arbitrary: fc.constantFrom('infra-live', '.github', 'null', 'true', '1.0', '.inf', '-1', '_', 'a.b', 'on', '...a', '---', '-.inf', '.NaN') },
  )
  .filter((r) => /^[A-Za-z0-9._-]{1,100}$/.test(r) && r !== '.' && r !== '..' && !r.toLowerCase().endsWith('.git'));

const branch = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.string({ unit: fc.constantFrom(...'abzAZ09_-'), minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }).map((p) => p.join('/')) },
  { weight: 1, arbitrary: fc.constantFrom('main', 'trunk', 'master', 'true', 'v1.2.3', 'release/2026.1', 'null', '1.0', 'on') },
).filter((b) => /^[A-Za-z0-9._/-]{1,200}$/.test(b) && !b.startsWith('-') && !b.endsWith('.lock') && !b.includes('..'));

const environmentName = fc.oneof(
  fc.constant('{stage}'),
  fc.constantFrom('production', 'prod-{stage}', '{stage}.eu', 'deploy_{stage}', 'True', 'null', '1e5', 'Prod', '---a', '...', '-', '.{stage}', '--- x'.replace(' ', '-')),
  fc.string({ unit: fc.constantFrom(...'abcXYZ019._-'), minLength: 1, maxLength: 30 }),
);

const atmosVersion = fc.oneof(
  fc.tuple(fc.integer({ min: 214, max: 999 }), fc.integer({ min: 0, max: 99 })).map(([minor, patch]) => `1.${minor}.${patch}`),
  fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 9 })).map(([a, b, c]) => `${a}.${b}.${c}`),
);
const accountId = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 });
const iamName = fc.string({ unit: fc.constantFrom(...'abcXYZ019+=,.@_-'), minLength: 1, maxLength: 40 });

interface Sample {
  raw: Obj;
  /** Roles as the answers will resolve them (the setup's defaults, then any extra role). */
  roles: Array<{ name: string; identity: string; policies: string[]; trust: string[]; used_for: string[] }>;
}

const sample: fc.Arbitrary<Sample> = fc
  .record({
    owner,
    repo: repoName,
    namespace: fc.option(label(12), { nil: undefined }),
    region: fc.constantFrom(...Object.keys(AWS_REGIONS)),
    branch: fc.option(branch, { nil: undefined }),
    setup: fc.constantFrom('basic', 'advanced'),
    environment: fc.option(environmentName, { nil: undefined }),
    atmosVersion: fc.option(atmosVersion, { nil: undefined }),
    atmosPro: fc.option(fc.boolean(), { nil: undefined }),
    ids: fc.option(fc.record({ owner: fc.integer({ min: 1, max: 2 ** 40 }), repo: fc.integer({ min: 1, max: 2 ** 40 }) }), { nil: null }),
    stages: fc.uniqueArray(label(16), { minLength: 1, maxLength: 4 }),
    accountIds: fc.array(accountId, { minLength: 1, maxLength: 3 }),
    accountPick: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    reuse: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    tfstate: fc.option(iamName, { nil: null }),
    pin: fc.option(fc.constantFrom('major', 'sha'), { nil: undefined }),
    extraRole: fc.option(
      fc.record({
        name: label(10),
        constraints: fc.array(fc.oneof(branch, fc.constant('ref:refs/tags/v*'), fc.constant('environment:{stage}'), environmentName.map((e) => `environment:${e}`)), {
          minLength: 1,
          maxLength: 3,
        }),
        policy: fc.constantFrom('ReadOnlyAccess', 'SecurityAudit', 'AmazonS3ReadOnlyAccess'),
      }),
      { nil: null },
    ),
  })
  .filter((s) => (s.namespace ?? s.owner.toLowerCase()).length <= 32 && !(s.extraRole && ['planner', 'terraform'].includes(s.extraRole.name)))
  .map((s) => {
    const partition = AWS_REGIONS[s.region].partition;
    const repository = `${s.owner}/${s.repo}`;
    const namespace = s.namespace ?? s.owner.toLowerCase();
    const environment = s.environment ?? '{stage}';
    const accounts = s.stages.map((stage, i) => {
      const idIndex = s.accountPick[i] % s.accountIds.length;
      const id = s.accountIds[idIndex];
      const provider = s.reuse[idIndex] ? `arn:${partition}:iam::${id}:oidc-provider/token.actions.githubusercontent.com` : null;
      return { stage, id, ...(provider ? { oidc_provider_arn: provider } : {}) };
    });
    const admin = `arn:${partition}:iam::aws:policy/AdministratorAccess`;
    const roles: Sample['roles'] =
      s.setup === 'basic'
        ? [{ name: 'terraform', identity: `${namespace}/admin`, policies: [admin], trust: [repository], used_for: ['plan', 'apply'] }]
        : [
            { name: 'planner', identity: `${namespace}/planner`, policies: [`arn:${partition}:iam::aws:policy/ReadOnlyAccess`], trust: [repository], used_for: ['plan'] },
            { name: 'terraform', identity: `${namespace}/admin`, policies: [admin], trust: [`${repository}:environment:${environment}`], used_for: ['apply'] },
          ];
    if (s.extraRole)
      roles.push({
        name: s.extraRole.name,
        identity: `${namespace}/${s.extraRole.name}-x`,
        policies: [`arn:${partition}:iam::aws:policy/${s.extraRole.policy}`],
        trust: s.extraRole.constraints.map((c) => `${repository}:${c}`),
        used_for: [],
      });
    const raw: Obj = {
      version: 1,
      repository,
      ...(s.ids ? { repository_ids: { owner: s.ids.owner, repo: s.ids.repo } } : {}),
      ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
      region: s.region,
      ...(s.branch !== undefined ? { default_branch: s.branch } : {}),
      setup: s.setup,
      ...(s.environment !== undefined ? { apply_environment: s.environment } : {}),
      ...(s.atmosVersion !== undefined ? { atmos_version: s.atmosVersion } : {}),
      ...(s.atmosPro !== undefined ? { atmos_pro: s.atmosPro } : {}),
      ...(s.tfstate ? { tfstate_role_arn: `arn:${partition}:iam::${s.accountIds[0]}:role/${s.tfstate}` } : {}),
      ...(s.pin !== undefined ? { pin_actions: s.pin } : {}),
      accounts,
      ...(s.extraRole ? { roles } : {}),
    };
    return { raw, roles };
  })
  .filter(({ raw, roles }) =>
    // IAM role names are at most 64 characters; such answers are refused (tested in bad-input).
    (raw.accounts as Obj[]).every((a) => roles.every((r) => `${raw.namespace ?? String(raw.repository).split('/')[0].toLowerCase()}-gbl-${a.stage}-${r.name}`.length <= 64)),
  );

// ---------------------------------------------------------------------------------------------
// Reading the rendered files back.

function parseYaml(path: string, text: string): Obj {
  // `!exec` is the one Atmos YAML function we write (the catalog's account-map override): kept as text.
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true, strict: true, customTags: [{ tag: '!exec', resolve: (t: string) => `!exec ${t}` }] });
  if (doc.errors.length || doc.warnings.length) throw new Error(`${path} does not parse as YAML 1.2: ${[...doc.errors, ...doc.warnings][0].message}`);
  return doc.toJS() as Obj;
}

/** What a GitHub Environment name becomes for one stage. */
const expandEnv = (env: string, stage: string): string => env.replaceAll('{stage}', stage);
/** Atmos Pro evaluates `{{ .vars.stage }}` in settings.pro inputs; this is all the templating we emit. */
const evalProTemplate = (text: string, stage: string): string => text.replaceAll('{{ .vars.stage }}', stage);

const parserQueue = new Map<string, { path: string; text: string; raw: Obj }>();
let runs = 0;
let filesParsed = 0;
let verdicts = 0;

function checkSample({ raw, roles }: Sample): void {
  runs++;
  // 1. The answers as a file, through the strict reader, then resolved.
  const answersText = `# random answers\n${JSON.stringify(raw, null, 2)}\n`;
  const parsed = parseAnswersText(answersText, 'answers.yaml');
  const answers: Answers = resolveAnswers(parsed);

  const [owner, repo] = String(raw.repository).split('/');
  const namespace: string = raw.namespace ?? owner.toLowerCase();
  const region: string = raw.region;
  const partition = AWS_REGIONS[region].partition;
  const defaultBranch: string = raw.default_branch ?? 'main';
  const environment: string = raw.apply_environment ?? '{stage}';
  const atmosPro: boolean = raw.atmos_pro ?? true;
  const pin: string = raw.pin_actions ?? 'major';
  const ids = raw.repository_ids as { owner: number; repo: number } | undefined;
  const subjectRepo = ids ? `${owner}@${ids.owner}/${repo}@${ids.repo}` : `${owner}/${repo}`;
  const trustedOrg = ids ? `${owner}@${ids.owner}` : owner;
  const withIds = (entry: string): string => (ids && entry.startsWith(`${raw.repository}`) ? `${subjectRepo}${entry.slice(String(raw.repository).length)}` : entry);
  const accounts = raw.accounts as Array<{ stage: string; id: string; oidc_provider_arn?: string }>;
  const planRole = roles.find((r) => r.used_for.includes('plan'))!;
  const applyRole = roles.find((r) => r.used_for.includes('apply'))!;

  assert.is(answers.repository, raw.repository);
  assert.equal(answers.repository_ids, ids ?? null);
  assert.is(answers.namespace, namespace);
  assert.is(answers.region, region);
  assert.is(answers.default_branch, defaultBranch);
  assert.is(answers.apply_environment, environment);
  assert.is(answers.atmos_version, raw.atmos_version ?? '1.215.0');
  assert.is(answers.pin_actions, pin);
  assert.equal(answers.accounts.map((a) => [a.stage, a.id]), accounts.map((a) => [a.stage, a.id]));
  assert.equal(answers.roles.map((r) => r.name), roles.map((r) => r.name));

  // 2. Render everything in process.
  const model = buildModel(answers);
  const files = new Map(renderSetup(model, true).map((f) => [f.path, f.content]));
  const yaml = new Map<string, Obj>();
  for (const [path, text] of files) {
    if (path === '.gitignore' || path.endsWith('.tf')) continue;
    yaml.set(path, parseYaml(path, text));
    filesParsed++;
  }

  // 3. Read back: catalog.
  const catalog = yaml.get('stacks/catalog/github-ci.yaml')!.components.terraform as Obj;
  const deploysAny = new Set(accounts.filter((a) => !accounts.some((b) => b.id === a.id && b.oidc_provider_arn)).map((a) => a.id)).size > 0;
  assert.is('github-oidc-provider' in catalog, deploysAny, 'the catalog has the provider component iff some account deploys one');
  for (const role of roles) {
    const vars = catalog[`iam-role/${role.name}`].vars as Obj;
    assert.is(vars.name, role.name);
    assert.equal(vars.managed_policy_arns, role.policies);
    assert.is(vars.trusted_github_org, trustedOrg);
    const perStage = role.trust.some((e) => e.includes('{stage}'));
    if (perStage) assert.not.ok('trusted_github_repos' in vars);
    else assert.equal(vars.trusted_github_repos, role.trust.map(withIds));
    if (raw.tfstate_role_arn) assert.equal(vars.policy_statements.TerraformStateBackendAssumeRole.resources, [raw.tfstate_role_arn]);
    else assert.not.ok('policy_statements' in vars);
  }

  // Stacks, one per account.
  for (const account of accounts) {
    const stack = yaml.get(`stacks/orgs/${namespace}/${account.stage}.yaml`);
    assert.ok(stack, `a stack for ${account.stage}`);
    assert.is(stack.name, account.stage);
    assert.equal(stack.vars, { namespace, environment: 'gbl', stage: account.stage, region });
    assert.equal(stack.import, atmosPro ? ['catalog/github-ci', 'mixins/atmos-pro'] : ['catalog/github-ci']);
    const reused = accounts.find((b) => b.id === account.id && b.oidc_provider_arn)?.oidc_provider_arn;
    const providerArn = reused ?? `arn:${partition}:iam::${account.id}:oidc-provider/token.actions.githubusercontent.com`;
    const firstOfAccount = accounts.find((b) => b.id === account.id) === account;
    const deploys = !reused && firstOfAccount;
    const components = stack.components.terraform as Obj;
    assert.is(components['github-oidc-provider']?.metadata?.enabled === false, !deploys, `${account.stage}: provider disabled iff not deployed here`);
    for (const role of roles) {
      const arn = `arn:${partition}:iam::${account.id}:role/${namespace}-gbl-${account.stage}-${role.name}`;
      assert.is(stack.auth.identities[role.identity].principal.assume_role, arn);
      const vars = components[`iam-role/${role.name}`].vars as Obj;
      assert.is(vars.github_oidc_provider_arn, providerArn);
      const entries = role.trust.map((e) => withIds(expandEnv(e, account.stage)));
      if (role.trust.some((e) => e.includes('{stage}'))) assert.equal(vars.trusted_github_repos, entries);
    }
  }

  // Profile.
  const profile = yaml.get('profiles/github/atmos.yaml')!.auth as Obj;
  assert.is(profile.providers['github-oidc'].region, region);
  assert.is(profile.providers['github-oidc'].spec.audience, 'sts.amazonaws.com');
  for (const role of roles) {
    const identity = profile.identities[role.identity];
    assert.is(identity.principal.assume_role, `arn:${partition}:iam::${accounts[0].id}:role/${namespace}-gbl-${accounts[0].stage}-${role.name}`);
    assert.is(identity.default === true, role === planRole);
  }

  // Workflows: YAML 1.2 keeps `on`; values read back; rules hold.
  const workflows = [...files.keys()].filter((p) => p.startsWith('.github/workflows/'));
  assert.equal(workflows.length, atmosPro ? 5 : 3);
  const adminIdentities = raw.setup === 'advanced' ? roles.filter((r) => r.policies.some((p) => p.endsWith('/AdministratorAccess'))).map((r) => r.identity) : [];
  for (const path of workflows) {
    const wf = yaml.get(path)!;
    assert.ok('on' in wf && !('true' in wf), `${path}: "on" is a key`);
    assert.equal(
      checkWorkflow(files.get(path)!, { pin: pin as 'major' | 'sha', adminIdentities, defaultIdentity: planRole.identity }),
      [],
      `${path}: workflow rules`,
    );
    for (const job of Object.values(wf.jobs as Obj))
      for (const step of (job as Obj).steps ?? []) {
        if (!step.uses) continue;
        const pinned = Object.entries(ACTION_PINS).find(([ref]) => step.uses.startsWith(ref.slice(0, ref.indexOf('@') + 1)));
        assert.ok(pinned, `${path}: ${step.uses} is a known action`);
        assert.is(step.uses, pin === 'sha' ? `${pinned[0].split('@')[0]}@${pinned[1].sha}` : pinned[0]);
      }
    if (runs <= PARSER_SAMPLES) {
      const key = createHash('sha256').update(files.get(path)!).digest('hex');
      if (!parserQueue.has(key)) parserQueue.set(key, { path, text: files.get(path)!, raw });
    }
  }
  const smoke = yaml.get('.github/workflows/test-oidc.yaml')!.jobs.test;
  assert.equal(
    smoke.strategy.matrix.include,
    accounts.map((a) => ({ stage: a.stage, role: `arn:${partition}:iam::${a.id}:role/${namespace}-gbl-${a.stage}-${planRole.name}` })),
  );
  // The smoke test goes through the profile and identity of the plan jobs, and, for an apply role
  // trusted only in an environment, through a job in that environment with the apply identity.
  const smokeStep = smoke.steps.find((s: Obj) => typeof s.run === 'string' && s.run.includes('atmos terraform plan'));
  assert.is(smokeStep?.env.COMPONENT, `iam-role/${planRole.name}`);
  assert.is(smoke.env.ATMOS_PROFILE, 'github');
  const smokeApply = yaml.get('.github/workflows/test-oidc.yaml')!.jobs['test-apply'];
  if (applyRole === planRole) assert.is(smokeApply, undefined);
  else {
    assert.is(smokeApply.environment, '${{ matrix.environment }}');
    assert.is(smokeApply.env.ATMOS_IDENTITY, applyRole.identity);
    assert.equal(
      smokeApply.strategy.matrix.include,
      accounts.map((a) => ({ stage: a.stage, environment: expandEnv(environment, a.stage), role: `arn:${partition}:iam::${a.id}:role/${namespace}-gbl-${a.stage}-${applyRole.name}` })),
    );
  }
  const apply = yaml.get('.github/workflows/atmos-terraform-apply.yaml')!;
  // Atmos Pro passes the environment; without it the input is a choice among the configured
  // environments, or the environment is fixed when there is one.
  const environments = [...new Set(accounts.map((a) => expandEnv(environment, a.stage)))];
  if (atmosPro || environments.length > 1) assert.is(apply.jobs.apply.environment, '${{ inputs.github_environment }}');
  else assert.is(apply.jobs.apply.environment, environments[0]);
  if (!atmosPro && environments.length > 1) {
    assert.is(apply.on.workflow_dispatch.inputs.github_environment.type, 'choice');
    assert.equal(apply.on.workflow_dispatch.inputs.github_environment.options, environments);
  }
  if (!atmosPro && environments.length === 1) assert.not.ok('github_environment' in apply.on.workflow_dispatch.inputs);
  assert.is(apply.jobs.apply.env.ATMOS_IDENTITY, applyRole === planRole ? undefined : applyRole.identity);
  if (atmosPro) {
    assert.equal(yaml.get('.github/workflows/atmos-pro.yaml')!.on.pull_request.branches, [defaultBranch]);
    assert.equal(yaml.get('.github/workflows/atmos-upload-instances.yaml')!.on.push.branches, [defaultBranch]);
  }

  // 4. Trust verdicts. From the rendered files: the stack's identity → role → trusted repos.
  const pro = atmosPro ? (yaml.get('stacks/mixins/atmos-pro.yaml')!.settings.pro as Obj) : null;
  for (const account of accounts) {
    const stack = yaml.get(`stacks/orgs/${namespace}/${account.stage}.yaml`)!;
    const patternsOf = (role: Sample['roles'][number]): string[] => {
      const stackVars = stack.components.terraform[`iam-role/${role.name}`].vars as Obj;
      const catalogVars = catalog[`iam-role/${role.name}`].vars as Obj;
      const entries: string[] = stackVars.trusted_github_repos ?? catalogVars.trusted_github_repos;
      return entries.map((e) => trustPattern(e, catalogVars.trusted_github_org));
    };
    const pullRequest = subClaim(subjectRepo, { pullRequest: true });
    const onBranch = subClaim(subjectRepo, { ref: `refs/heads/${defaultBranch}` });
    const env = expandEnv(environment, account.stage);
    const inEnvironment = subClaim(subjectRepo, { environment: env });
    const planPatterns = patternsOf(planRole);
    const applyPatterns = patternsOf(applyRole);
    assert.ok(admits(planPatterns, pullRequest), `${account.stage}: the plan role admits pull requests`);
    assert.ok(admits(planPatterns, onBranch), `${account.stage}: the plan role admits the default branch`);
    assert.not.ok(admits(planPatterns, subClaim(`${owner}/${repo}-fork`, { pullRequest: true })), 'another repository is refused');
    if (raw.setup === 'advanced') {
      assert.ok(admits(applyPatterns, inEnvironment), `${account.stage}: the admin role admits environment ${env}`);
      assert.not.ok(admits(applyPatterns, pullRequest), `${account.stage}: the admin role refuses pull requests`);
      assert.not.ok(admits(applyPatterns, onBranch), `${account.stage}: the admin role refuses the default branch`);
      for (const other of accounts) {
        const otherEnv = expandEnv(environment, other.stage);
        if (otherEnv !== env) assert.not.ok(admits(applyPatterns, subClaim(subjectRepo, { environment: otherEnv })), `${account.stage}: refuses environment ${otherEnv}`);
      }
      // Atmos Pro dispatches the apply of this stack into exactly the environment the admin role trusts.
      if (pro) assert.is(evalProTemplate(pro.pull_request.merged.workflows['atmos-terraform-apply.yaml'].inputs.github_environment, account.stage), env);
    } else {
      assert.ok(admits(applyPatterns, pullRequest), 'basic: the single admin role admits pull requests (the documented trade-off)');
    }
    verdicts += raw.setup === 'advanced' ? 6 : 4;
  }
  // The same verdicts from the model, through its own accounts.
  for (const account of model.accounts) {
    const plan = account.roles.find((r) => r.role === model.planRole)!;
    const admin = account.roles.find((r) => r.role === model.applyRole)!;
    assert.ok(admits(plan.patterns, subClaim(model.subjectRepository, { pullRequest: true })));
    assert.ok(admits(plan.patterns, subClaim(model.subjectRepository, { ref: `refs/heads/${defaultBranch}` })));
    if (raw.setup === 'advanced') {
      assert.ok(admits(admin.patterns, subClaim(model.subjectRepository, { environment: account.applyEnvironment })));
      assert.not.ok(admits(admin.patterns, subClaim(model.subjectRepository, { pullRequest: true })));
      assert.not.ok(admits(admin.patterns, subClaim(model.subjectRepository, { ref: `refs/heads/${defaultBranch}` })));
    }
  }

  // 5. The answers file written back reads back to the same answers.
  const written = files.has('.atmos-oidc.yaml') ? files.get('.atmos-oidc.yaml')! : renderAnswersFile({ answers, generator: 'test', files: {} });
  const again = readRecord(parseAnswersText(written, '.atmos-oidc.yaml'), '.atmos-oidc.yaml');
  assert.equal(again.answers, answers);
}

test(`${RUNS} random valid answer sets render files that read back, keep the rules and trust as intended`, () => {
  const started = Date.now();
  fc.assert(
    fc.property(sample, (s) => {
      try {
        checkSample(s);
      } catch (error) {
        // fast-check reports the counterexample; this keeps the assertion that failed beside it.
        throw new Error(`${(error as Error).message}\n${(error as { details?: string }).details ?? ''}`);
      }
    }),
    { numRuns: RUNS },
  );
  assert.ok(runs >= RUNS);
  console.log(`  property: ${runs} answer sets, ${filesParsed} YAML files parsed, ${verdicts} trust verdicts checked from the rendered files (${Date.now() - started} ms)`);
});

test('GitHub\'s workflow parser accepts every distinct workflow of the first answer sets', async () => {
  const { validate } = await import('@actions/languageservice');
  const { TextDocument } = await import('vscode-languageserver-textdocument');
  const started = Date.now();
  let checked = 0;
  for (const { path, text, raw } of parserQueue.values()) {
    const doc = TextDocument.create(`file:///repo/${path}`, 'yaml', 1, text);
    const diagnostics = await validate(doc, {});
    assert.equal(
      diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`),
      [],
      `${path} from ${JSON.stringify(raw)}`,
    );
    checked++;
  }
  assert.ok(checked > 100, `checked ${checked}`);
  console.log(`  property: GitHub's parser on ${checked} distinct workflows from the first ${Math.min(PARSER_SAMPLES, runs)} answer sets (${Date.now() - started} ms)`);
});

test.run();
