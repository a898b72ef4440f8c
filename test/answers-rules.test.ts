/**
 * The answers file's rules (src/answers/answers.ts), one scenario per test: defaults, each field
 * checked under its own name, the cross-field rules (unique stages, one provider per account, one
 * role per use, role name length), the strict YAML reading, and the file written back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANSWERS_FILE,
  DEFAULT_ATMOS_VERSION,
  DEFAULT_REGION,
  defaultNamespace,
  defaultRoles,
  managedPolicy,
  parseAnswersText,
  parseAnswersYaml,
  readRecord,
  renderAnswersFile,
  REQUIRED_ANSWERS,
  resolveAnswers,
  roleFullName,
  SCHEMA_VERSION,
  stateRoleArn,
  type RawAnswers,
} from '../src/answers/answers.ts';
import { InputError, type InputProblem } from '../src/answers/validate.ts';

const PROVIDER = (account: string, partition = 'aws'): string => `arn:${partition}:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
const minimal = (extra: RawAnswers = {}): RawAnswers => ({ repository: 'acme/infra-live', accounts: [{ stage: 'dev', id: '111111111111' }], ...extra });

function problemsOf(raw: RawAnswers, source?: string): InputProblem[] {
  try {
    resolveAnswers(raw, source);
  } catch (error) {
    assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
    return (error as InputError).problems;
  }
  return [];
}
const fields = (raw: RawAnswers): string[] => problemsOf(raw).map((p) => p.field);
function onlyProblem(raw: RawAnswers, field: string, allowed?: string | RegExp): InputProblem {
  const problems = problemsOf(raw);
  assert.equal(problems.map((p) => p.field), [field], `exactly one problem, at ${field}: ${JSON.stringify(problems)}`);
  if (typeof allowed === 'string') assert.is(problems[0].allowed, allowed);
  else if (allowed) assert.match(problems[0].allowed, allowed);
  return problems[0];
}

test('constants: file name, schema version, default Atmos version and region, required answers', () => {
  assert.is(ANSWERS_FILE, '.atmos-oidc.yaml');
  assert.is(SCHEMA_VERSION, 1);
  assert.is(DEFAULT_ATMOS_VERSION, '1.215.0');
  assert.is(DEFAULT_REGION, 'us-east-2');
  assert.equal([...REQUIRED_ANSWERS], ['repository', 'accounts']);
});

test('defaults: every answer left out is filled', () => {
  assert.equal(resolveAnswers(minimal()), {
    version: 1,
    repository: 'acme/infra-live',
    repository_ids: null,
    namespace: 'acme',
    region: 'us-east-2',
    default_branch: 'main',
    setup: 'advanced',
    apply_environment: '{stage}',
    atmos_version: '1.215.0',
    atmos_pro: true,
    tfstate_role_arn: null,
    backend: null,
    accounts: [{ stage: 'dev', id: '111111111111', oidc_provider_arn: null }],
    roles: defaultRoles({ setup: 'advanced', namespace: 'acme', repository: 'acme/infra-live', apply_environment: '{stage}', region: 'us-east-2' }),
    pin_actions: 'major',
    guard_workflow: false,
  });
});

test('the default namespace is the owner in lower case', () => {
  assert.is(defaultNamespace('AcMe/Infra'), 'acme');
  assert.is(resolveAnswers(minimal({ repository: 'Big-Org/x' })).namespace, 'big-org');
});

test('default roles, basic: one admin role trusted for the whole repository, for plan and apply', () => {
  assert.equal(defaultRoles({ setup: 'basic', namespace: 'acme', repository: 'acme/r', apply_environment: 'prod', region: 'us-east-1' }), [
    { name: 'terraform', identity: 'acme/admin', policies: ['arn:aws:iam::aws:policy/AdministratorAccess'], trust: ['acme/r'], used_for: ['plan', 'apply'] },
  ]);
});

test('default roles, advanced: a read-only planner and an admin role only the apply environment reaches; ARNs in the region\'s partition', () => {
  assert.equal(defaultRoles({ setup: 'advanced', namespace: 'acme', repository: 'acme/r', apply_environment: 'prod-{stage}', region: 'cn-north-1' }), [
    { name: 'planner', identity: 'acme/planner', policies: ['arn:aws-cn:iam::aws:policy/ReadOnlyAccess'], trust: ['acme/r'], used_for: ['plan'] },
    { name: 'terraform', identity: 'acme/admin', policies: ['arn:aws-cn:iam::aws:policy/AdministratorAccess'], trust: ['acme/r:environment:prod-{stage}'], used_for: ['apply'] },
  ]);
  assert.is(managedPolicy('aws-us-gov', 'X'), 'arn:aws-us-gov:iam::aws:policy/X');
});

test('roles: null or an empty list take the setup\'s defaults', () => {
  assert.is(resolveAnswers(minimal({ roles: null })).roles.length, 2);
  assert.is(resolveAnswers(minimal({ roles: [] })).roles.length, 2);
  assert.is(resolveAnswers(minimal({ setup: 'basic' })).roles.length, 1);
});

test('each field is checked under its own name', () => {
  const cases: [RawAnswers, string][] = [
    [{ repository: 'acme' }, 'repository'],
    [{ namespace: 'Acme' }, 'namespace'],
    [{ region: 'mars-1' }, 'region'],
    [{ default_branch: '/main' }, 'default_branch'],
    [{ setup: 'expert' }, 'setup'],
    [{ apply_environment: 'a:b' }, 'apply_environment'],
    [{ atmos_version: '1.215.0-rc1' }, 'atmos_version'],
    [{ atmos_pro: 'yes' }, 'atmos_pro'],
    [{ tfstate_role_arn: 'arn:aws:iam::111111111111:user/x' }, 'tfstate_role_arn'],
    [{ pin_actions: 'minor' }, 'pin_actions'],
    [{ version: 2 }, 'version'],
  ];
  for (const [extra, field] of cases) onlyProblem(minimal(extra), field);
});

test('a problem carries the value and the rule\'s sentence', () => {
  const p = onlyProblem(minimal({ namespace: 'Acme' }), 'namespace');
  assert.is(p.value, 'Acme');
  assert.match(p.allowed, /^expected 1 to 32 lower-case letters/);
});

test('version: 1 or absent; another is refused with the upgrade hint', () => {
  assert.is(resolveAnswers(minimal({ version: 1 })).version, 1);
  onlyProblem(minimal({ version: '1' }), 'version', 'this version of create-atmos-oidc reads schema version 1; upgrade the tool to read a newer file');
});

test('unknown keys are named with their path, at every level', () => {
  assert.equal(fields(minimal({ colour: 'red' })), ['colour']);
  const p = problemsOf(minimal({ colour: 'red' }))[0];
  assert.is(p.allowed, 'unknown key; the keys allowed here are version, repository, repository_ids, namespace, region, default_branch, setup, apply_environment, atmos_version, atmos_pro, tfstate_role_arn, backend, accounts, roles, pin_actions, guard_workflow, generator, files, adopted');
  assert.equal(fields(minimal({ accounts: [{ stage: 'dev', id: '111111111111', extra: 1 }] })), ['accounts[0].extra']);
  assert.equal(fields(minimal({ repository_ids: { owner: 1, repo: 2, x: 3 } })), ['repository_ids.x']);
  assert.equal(fields(minimal({ roles: [{ ...defaultRoles({ setup: 'basic', namespace: 'acme', repository: 'acme/infra-live', apply_environment: 'p', region: 'us-east-1' })[0], x: 1 }] })), ['roles[0].x']);
  assert.equal(fields(minimal({ generator: 'x', files: {} })), [], 'what the tool records beside the answers is not unknown');
});

test('a second source names itself before every field', () => {
  const problems = problemsOf(minimal({ namespace: 'Acme' }), '--answers a.yaml');
  assert.equal(problems.map((p) => p.field), ['--answers a.yaml: namespace']);
});

test('repository_ids: both numeric ids, or nothing', () => {
  assert.equal(resolveAnswers(minimal({ repository_ids: { owner: 1, repo: 2 } })).repository_ids, { owner: 1, repo: 2 });
  assert.is(resolveAnswers(minimal({ repository_ids: null })).repository_ids, null);
  onlyProblem(minimal({ repository_ids: [1, 2] }), 'repository_ids', 'expected a map with both "owner" and "repo" numeric ids, or nothing');
  onlyProblem(minimal({ repository_ids: 'x' }), 'repository_ids');
  assert.equal(fields(minimal({ repository_ids: { owner: '1' } })), ['repository_ids.owner', 'repository_ids.repo']);
});

test('tfstate role: checked in the region\'s partition', () => {
  assert.is(resolveAnswers(minimal({ tfstate_role_arn: 'arn:aws:iam::111111111111:role/s' })).tfstate_role_arn, 'arn:aws:iam::111111111111:role/s');
  onlyProblem(minimal({ region: 'cn-north-1', tfstate_role_arn: 'arn:aws:iam::111111111111:role/s' }), 'tfstate_role_arn', /partition "aws-cn"/);
});

test('pin_actions: sha is accepted while every action has a pin; major is not written to the file', () => {
  assert.is(resolveAnswers(minimal({ pin_actions: 'sha' })).pin_actions, 'sha');
});

test('unquoted numbers and booleans get the quoting hint when the text would do', () => {
  const p = onlyProblem(minimal({ default_branch: 123 }), 'default_branch');
  assert.is(p.allowed, 'expected a branch name of letters, digits, ".", "_", "-" and "/", e.g. "main" (YAML read the unquoted 123 as a number; write it quoted, "123")');
  assert.match(onlyProblem(minimal({ apply_environment: true }), 'apply_environment').allowed, /\(YAML read the unquoted true as a boolean; write it quoted, "true"\)$/);
  assert.not.match(onlyProblem(minimal({ namespace: 1.5 }), 'namespace').allowed, /YAML read/, 'no hint where the text is refused too');
  assert.not.match(onlyProblem(minimal({ setup: 'x' }), 'setup').allowed, /YAML read/, 'no hint for a string');
});

test('accounts: missing, empty or not a list is one problem naming what is expected', () => {
  for (const accounts of [undefined, [], {}, 'dev'])
    onlyProblem({ repository: 'acme/r', accounts }, 'accounts', 'expected a list with at least one account (stage and 12-digit id)');
});

test('accounts: an entry that is not a map', () => {
  onlyProblem(minimal({ accounts: ['dev'] }), 'accounts[0]', 'expected a map with "stage", "id" and optionally "oidc_provider_arn"');
});

test('accounts: a 12-digit unquoted id is read as text; a shorter number is refused', () => {
  assert.is(resolveAnswers(minimal({ accounts: [{ stage: 'dev', id: 111111111111 }] })).accounts[0].id, '111111111111');
  onlyProblem(minimal({ accounts: [{ stage: 'dev', id: 12345678901 }] }), 'accounts[0].id', /quoted string/);
  onlyProblem(minimal({ accounts: [{ stage: 'Dev', id: '111111111111' }] }), 'accounts[0].stage');
});

test('accounts: the provider ARN must be in that account and partition', () => {
  assert.is(resolveAnswers(minimal({ accounts: [{ stage: 'dev', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111') }] })).accounts[0].oidc_provider_arn, PROVIDER('111111111111'));
  onlyProblem(minimal({ accounts: [{ stage: 'dev', id: '111111111111', oidc_provider_arn: PROVIDER('222222222222') }] }), 'accounts[0].oidc_provider_arn', /not in 222222222222/);
  onlyProblem(minimal({ accounts: [{ stage: 'dev', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111', 'aws-cn') }] }), 'accounts[0].oidc_provider_arn', /partition "aws"/);
  onlyProblem(minimal({ region: 'us-gov-west-1', accounts: [{ stage: 'dev', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111') }] }), 'accounts[0].oidc_provider_arn', /partition "aws-us-gov"/);
});

test('accounts: a provider ARN with an account id that is not text is still checked', () => {
  const problems = problemsOf(minimal({ accounts: [{ stage: 'dev', id: 5, oidc_provider_arn: 'x' }] }));
  assert.equal(problems.map((p) => p.field), ['accounts[0].id', 'accounts[0].oidc_provider_arn']);
  assert.match(problems[1].allowed, /arn:aws:iam::111111111111:oidc-provider/, 'the example uses a placeholder account');
});

test('accounts: stages are unique; two stages may share one account', () => {
  const accounts = [
    { stage: 'dev', id: '111111111111' },
    { stage: 'prod', id: '111111111111' },
    { stage: 'dev', id: '222222222222' },
  ];
  const p = onlyProblem(minimal({ accounts }), 'accounts[2].stage', 'stages must be unique; accounts[0] already uses it (two stages may share one account id, not one stage two accounts)');
  assert.is(p.value, 'dev');
  assert.equal(fields(minimal({ accounts: [{ stage: 1, id: '111111111111' }, { stage: 1, id: '111111111111' }] })), ['accounts[0].stage', 'accounts[1].stage'], 'a stage that is not text is not compared');
});

test('accounts: two stages of one account naming different providers are refused', () => {
  const same = [
    { stage: 'dev', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111') },
    { stage: 'qa', id: '111111111111' },
    { stage: 'prod', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111') },
  ];
  assert.equal(fields(minimal({ accounts: same })), [], 'the same provider named by two stages is fine');
  // A GitHub provider's ARN is fixed but for partition and account, so two different ones in one
  // account differ in partition: the first problem is the partition, the second this rule.
  const problems = problemsOf(
    minimal({
      accounts: [
        { stage: 'dev', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111') },
        { stage: 'prod', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111', 'aws-cn') },
      ],
    }),
  );
  assert.equal(problems.map((p) => p.field), ['accounts[1].oidc_provider_arn', 'accounts[1].oidc_provider_arn']);
  assert.is(problems[1].allowed, `an account has one GitHub OIDC provider; another stage of account 111111111111 names ${PROVIDER('111111111111')}`);
  assert.is(problems[1].value, PROVIDER('111111111111', 'aws-cn'));
});

test('accounts: providers of different accounts do not conflict', () => {
  assert.equal(
    fields(
      minimal({
        accounts: [
          { stage: 'dev', id: '111111111111', oidc_provider_arn: PROVIDER('111111111111') },
          { stage: 'prod', id: '222222222222', oidc_provider_arn: PROVIDER('222222222222') },
        ],
      }),
    ),
    [],
  );
});

const ROLE = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'ci', identity: 'acme/ci', policies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], trust: ['acme/infra-live'], used_for: ['plan', 'apply'], ...extra });

test('roles: given roles are read as written', () => {
  assert.equal(resolveAnswers(minimal({ roles: [ROLE()] })).roles, [{ name: 'ci', identity: 'acme/ci', policies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], trust: ['acme/infra-live'], used_for: ['plan', 'apply'] }]);
});

test('roles: not a list, or an entry not a map', () => {
  onlyProblem(minimal({ roles: 'ci' }), 'roles', 'expected a list of roles, or nothing for the defaults of the setup');
  const problems = problemsOf(minimal({ roles: ['ci'] }));
  assert.is(problems[0].field, 'roles[0]');
  assert.is(problems[0].allowed, 'expected a map with "name", "identity", "policies", "trust" and "used_for"');
});

test('roles: each field of a role under its own name', () => {
  onlyProblem(minimal({ roles: [ROLE({ name: 'CI' })] }), 'roles[0].name');
  onlyProblem(minimal({ roles: [ROLE({ identity: 'ci' })] }), 'roles[0].identity');
  onlyProblem(minimal({ roles: [ROLE({ policies: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'x'] })] }), 'roles[0].policies[1]');
  onlyProblem(minimal({ roles: [ROLE({ trust: ['x acme/infra-live'] })] }), 'roles[0].trust[0]');
  onlyProblem(minimal({ roles: [ROLE({ policies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], trust: ['acme/infra-live', 'acme/x:'] })] }), 'roles[0].trust[1]');
});

test('roles: policies and trust must be non-empty lists; used_for may be empty but must be a list', () => {
  onlyProblem(minimal({ roles: [ROLE({ policies: [] })] }), 'roles[0].policies', 'expected a list with at least one managed policy ARN');
  onlyProblem(minimal({ roles: [ROLE({ policies: undefined })] }), 'roles[0].policies', 'expected a list with at least one managed policy ARN');
  onlyProblem(minimal({ roles: [ROLE({ trust: 'acme/infra-live' })] }), 'roles[0].trust', 'expected a list with at least one trusted_github_repos entry');
  const usedFor = problemsOf(minimal({ roles: [ROLE({ used_for: 'plan' })] }));
  assert.is(usedFor[0].field, 'roles[0].used_for');
  assert.is(usedFor[0].allowed, 'expected a list of "plan" or "apply"');
  onlyProblem(minimal({ roles: [ROLE({ used_for: ['plan', 'apply', 'deploy'] })] }), 'roles[0].used_for[2]', 'expected "plan" or "apply"');
});

test('roles: exactly one role per use, named in the problem', () => {
  const none = problemsOf(minimal({ roles: [ROLE({ used_for: ['plan'] })] }));
  assert.equal(none.map((p) => p.field), ['roles']);
  assert.equal(none[0].value, []);
  assert.is(none[0].allowed, 'exactly one role must be used_for "apply" (the identity the apply jobs use)');
  const two = problemsOf(minimal({ roles: [ROLE(), ROLE({ name: 'ci2', identity: 'acme/ci2', used_for: ['plan'] })] }));
  assert.equal(two.map((p) => p.field), ['roles']);
  assert.equal(two[0].value, ['ci', 'ci2']);
  assert.is(two[0].allowed, 'exactly one role must be used_for "plan" (the identity the plan, affected-stacks and upload jobs use)');
  assert.equal(fields(minimal({ roles: [ROLE({ used_for: [] })] })), ['roles', 'roles']);
});

test('roles: names and identities are unique', () => {
  const problems = problemsOf(minimal({ roles: [ROLE({ used_for: ['plan'] }), ROLE({ used_for: ['apply'] })] }));
  assert.equal(problems.map((p) => [p.field, p.allowed]), [
    ['roles[1].name', 'role names must be unique'],
    ['roles[1].identity', 'each role has its own identity; this one is taken'],
  ]);
});

test('roles: the full IAM role name fits in 64 characters, for every account', () => {
  const name = 'a'.repeat(32);
  const p = onlyProblem(minimal({ namespace: 'n'.repeat(20), accounts: [{ stage: 's'.repeat(8), id: '111111111111' }], roles: [ROLE({ name })] }), 'roles[0].name');
  assert.is(p.allowed, `the IAM role name "${'n'.repeat(20)}-gbl-${'s'.repeat(8)}-${name}" (namespace-gbl-stage-name) would exceed 64 characters; shorten the namespace, stage or role name`);
  // 20 + 5 + 6 + 1 + 32 = 64 exactly: allowed.
  assert.equal(fields(minimal({ namespace: 'n'.repeat(20), accounts: [{ stage: 's'.repeat(6), id: '111111111111' }], roles: [ROLE({ name })] })), []);
});

test('roles: no defaults are derived once another problem is found', () => {
  assert.equal(fields(minimal({ namespace: 'N'.repeat(40) })), ['namespace']);
});

test('roleFullName: namespace-gbl-stage-name, lower case, empty parts dropped', () => {
  assert.is(roleFullName('acme', 'dev', 'planner'), 'acme-gbl-dev-planner');
  assert.is(roleFullName('Acme', '', 'X'), 'acme-gbl-x');
});

test('every problem is reported in one run', () => {
  assert.equal(fields({ repository: 'x', namespace: 'A', region: 'r', accounts: [] }), ['repository', 'namespace', 'region', 'accounts']);
});

test('parse: plain block YAML and the yaml package read the same', () => {
  const text = 'repository: acme/r\naccounts:\n  - stage: dev\n    id: "111111111111"\n';
  assert.equal(parseAnswersText(text, 'a.yaml'), { repository: 'acme/r', accounts: [{ stage: 'dev', id: '111111111111' }] });
  assert.equal(parseAnswersYaml(text, 'a.yaml'), parseAnswersText(text, 'a.yaml'));
});

function parseProblems(text: string): InputProblem[] {
  try {
    parseAnswersText(text, 'a.yaml');
  } catch (error) {
    assert.ok(error instanceof InputError);
    return (error as InputError).problems;
  }
  assert.unreachable(`${JSON.stringify(text)} is refused`);
  return [];
}

test('parse: a duplicate key is named with its place and the key', () => {
  const [p] = parseProblems('repository: a/b\nnamespace: x\nrepository: c/d\n');
  assert.is(p.field, 'a.yaml:3:1: repository');
  assert.is(p.value, 'repository');
  assert.is(p.allowed, 'each key may appear once in a map, and this one is already set above; keep one of them');
  assert.is(parseProblems('a: 1\n"a": 2\n')[0].value, 'a', 'quotes around the key are dropped');
});

test('parse: two documents are refused', () => {
  const [p] = parseProblems('a: 1\n---\nb: 2\n');
  assert.match(p.field, /^a\.yaml:\d+:\d+$/);
  assert.is(p.allowed, 'expected one YAML document; remove the "---" and what follows, or merge the documents');
});

test('parse: invalid YAML names the line', () => {
  const [p] = parseProblems('a: [1, 2\n');
  assert.match(p.allowed, /^expected valid YAML 1\.2 \(/);
  assert.not.match(p.allowed, / at line \d+, column \d+/, 'the position is in the field, not repeated');
  assert.match(p.field, /^a\.yaml:\d+:\d+$/);
});

test('parse: anchors, aliases and tags are refused, naming the path', () => {
  const problems = parseProblems('a: &x 1\nb: *x\nc: !!str 3\n');
  assert.equal(problems.map((p) => [p.field, p.value]), [
    ['a.yaml: a', '&x'],
    ['a.yaml: b', '*x'],
    ['a.yaml: c', 'tag:yaml.org,2002:str'],
  ]);
  assert.is(problems[0].allowed, 'anchors are not read in an answers file; write values out');
  assert.is(problems[1].allowed, 'aliases are not read in an answers file; write the value out');
  assert.is(problems[2].allowed, 'YAML tags are not read in an answers file; write plain values');
  assert.is(parseProblems('!!map {a: 1}\n')[0].field, 'a.yaml: (document)');
});

test('parse: a document that is not a map is refused', () => {
  for (const text of ['- a\n', 'just text\n', ''])
    assert.is(parseProblems(text)[0].allowed, 'expected a YAML map of answers (see the answers file reference in the README)');
});

test('parse: a "#" right after text, which strict YAML refuses, goes to the strict parser', () => {
  assert.ok(parseProblems('a: b#c\nd: [\n').length > 0);
  assert.equal(parseAnswersText('a: "b#c"\n', 'a.yaml'), { a: 'b#c' });
});

test('readRecord: answers apart from the recorded generator and hashes; only string hashes kept', () => {
  const record = readRecord({ ...minimal(), generator: 'create-atmos-oidc@1', files: { 'a.yaml': 'sha256:1', b: 2 } }, 'x');
  assert.is(record.generator, 'create-atmos-oidc@1');
  assert.equal(record.files, { 'a.yaml': 'sha256:1' });
  assert.is(record.answers.repository, 'acme/infra-live');
  const bare = readRecord({ ...minimal(), generator: 3, files: 'x' }, 'x');
  assert.is(bare.generator, undefined);
  assert.equal(bare.files, {});
  assert.throws(() => readRecord({ ...minimal(), namespace: 'A' }, 'src.yaml'), (e: unknown) => (e as InputError).problems[0].field === 'src.yaml: namespace');
});

test('render: stable order, every answer explicit, hashes sorted, pin_actions only when not the default; reads back the same', () => {
  const answers = resolveAnswers(minimal({ repository_ids: { owner: 1, repo: 2 } }));
  const text = renderAnswersFile({ answers, generator: 'g', files: { 'z.yaml': 'h2', 'a.yaml': 'h1' } });
  assert.ok(text.startsWith('# create-atmos-oidc answers (schema version 1). Commit this file: `create-atmos-oidc workflows`\n# regenerates every managed file from it. "files" records what was last written, to detect edits.\n'));
  const keys = text.split('\n').filter((l) => /^[a-z_]+:/.test(l)).map((l) => l.split(':')[0]);
  assert.equal(keys, ['version', 'repository', 'repository_ids', 'namespace', 'region', 'default_branch', 'setup', 'apply_environment', 'atmos_version', 'atmos_pro', 'tfstate_role_arn', 'accounts', 'roles', 'generator', 'files']);
  assert.ok(text.indexOf('a.yaml') < text.indexOf('z.yaml'), 'hashes sorted by path');
  const back = readRecord(parseAnswersText(text, 'a.yaml'), 'a.yaml');
  assert.equal(back.answers, answers);
  assert.equal(back.files, { 'a.yaml': 'h1', 'z.yaml': 'h2' });
  const sha = renderAnswersFile({ answers: { ...answers, pin_actions: 'sha', repository_ids: null }, files: {} });
  assert.match(sha, /\npin_actions: sha\n/);
  assert.not.match(sha, /repository_ids/);
});

test('a missing repository is one problem, and the derived namespace does not add another', () => {
  assert.equal(fields({ accounts: [{ stage: 'dev', id: '111111111111' }] }), ['repository']);
  assert.equal(fields({ repository: 5, accounts: [{ stage: 'dev', id: '111111111111' }] }), ['repository']);
});

test('no quoting hint for a list whose text would pass', () => {
  assert.not.match(onlyProblem(minimal({ default_branch: ['main'] }), 'default_branch').allowed, /YAML read/);
});

test('an account id given as a list is refused, not read as its text', () => {
  onlyProblem(minimal({ accounts: [{ stage: 'dev', id: ['111111111111'] }] }), 'accounts[0].id');
});

test('a role without used_for has no use: only the one-role-per-use problems', () => {
  const role = ROLE();
  delete role.used_for;
  assert.equal(fields(minimal({ roles: [role] })), ['roles', 'roles']);
});

test('parse: an error past line 9 is reported without the parser\'s own position text', () => {
  const [p] = parseProblems(`${'\n'.repeat(11)}a: [1, 2\nb: ]\n`);
  assert.match(p.field, /^a\.yaml:1\d:\d+$/);
  assert.not.match(p.allowed, /at line/);
  assert.not.match(p.allowed, /column/);
});

test('parse: a duplicate key that opens a nested map, in a list item, or quoted, is named plainly', () => {
  assert.is(parseProblems('a:\n  x: 1\na:\n  y: 2\n')[0].value, 'a');
  assert.is(parseProblems('accounts:\n  - stage: a\n    stage: b\n')[0].value, 'stage');
  assert.is(parseProblems("'k': 1\nk: 2\n")[0].value, 'k');
  assert.is(parseProblems('k: 1\n"k": 2\n')[0].value, 'k');
});

test('parse: an error on a blank first line shows the parser\'s reason, not an empty value', () => {
  // A tab before a lone carriage return: the parser's error sits on line 1, which holds nothing to show.
  const [p] = parseProblems('\t\r');
  assert.is(p.field, 'a.yaml:1:1');
  assert.is(p.value, 'Tabs are not allowed as indentation');
  assert.is(p.allowed, 'expected valid YAML 1.2 (Tabs are not allowed as indentation)');
});

test('parse: an anchor under a complex key is refused, and the path never reads "undefined"', () => {
  const [p] = parseProblems('? [a]\n: &x 1\n');
  assert.is(p.value, '&x');
  assert.is(p.field, 'a.yaml: (document)', 'a complex key has no plain name: the path stops at the document');
});

test('render: hashes sorted by path whatever order they were recorded in', () => {
  const answers = resolveAnswers(minimal());
  const text = renderAnswersFile({ answers, files: { 'm.yaml': '1', 'z.yaml': '2', 'a.yaml': '3', 'b/c.yaml': '4', 'b.yaml': '5' } });
  const order = text.slice(text.indexOf('files:')).split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(':')[0]);
  assert.equal(order, ['a.yaml', 'b.yaml', 'b/c.yaml', 'm.yaml', 'z.yaml']);
});

const S3 = { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2' };
const ROLE_ARN = 'arn:aws:iam::111111111111:role/tfstate';
const backendOf = (backend: unknown) => resolveAnswers(minimal({ backend })).backend;

test('backend: left out or null is no backend answer (files from before the key read as they did)', () => {
  assert.is(resolveAnswers(minimal()).backend, null);
  assert.is(backendOf(null), null);
});

test('backend: not a map, or a type other than s3, existing or local, is refused under its own name', () => {
  onlyProblem(minimal({ backend: 's3' }), 'backend', /^expected a map with "type"/);
  onlyProblem(minimal({ backend: ['s3'] }), 'backend', /^expected a map with "type"/);
  for (const type of ['gcs', 'S3', undefined]) onlyProblem(minimal({ backend: { type } }), 'backend.type', /^expected "s3" .*"existing" .*"local"/);
});

test('backend: existing and local take only their type; another key is named as unknown', () => {
  assert.equal(backendOf({ type: 'existing' }), { type: 'existing' });
  assert.equal(backendOf({ type: 'local' }), { type: 'local' });
  onlyProblem(minimal({ backend: { type: 'local', bucket: 'acme-tfstate' } }), 'backend.bucket', 'unknown key; the keys allowed here are type');
});

test('backend s3: bucket and region required; S3 native locking by default, none of the optional keys', () => {
  assert.equal(backendOf(S3), { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2', key_prefix: null, use_lockfile: true, dynamodb_table: null, role_arn: null });
  assert.equal(fields(minimal({ backend: { type: 's3' } })), ['backend.bucket', 'backend.region']);
});

test('backend s3: every key checked under its own name, an unknown key named', () => {
  const bad = { type: 's3', bucket: 'A_', region: 'r', key_prefix: '/x', dynamodb_table: 'a b', use_lockfile: 'yes', role_arn: 'no', extra: 1 };
  assert.equal(fields(minimal({ backend: bad })), ['backend.extra', 'backend.bucket', 'backend.region', 'backend.key_prefix', 'backend.dynamodb_table', 'backend.use_lockfile', 'backend.role_arn']);
  const unknown = onlyProblem(minimal({ backend: { ...S3, extra: 1 } }), 'backend.extra');
  assert.is(unknown.allowed, 'unknown key; the keys allowed here are type, bucket, region, key_prefix, use_lockfile, dynamodb_table, role_arn');
});

test('backend s3: the optional keys are read as given', () => {
  const full = { ...S3, key_prefix: 'infra-live', dynamodb_table: 'acme-lock', use_lockfile: false, role_arn: ROLE_ARN };
  assert.equal(backendOf(full), { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2', key_prefix: 'infra-live', use_lockfile: false, dynamodb_table: 'acme-lock', role_arn: ROLE_ARN });
  assert.equal(backendOf({ ...S3, dynamodb_table: 'acme-lock' }), { ...backendOf(S3), dynamodb_table: 'acme-lock', use_lockfile: false }, 'a lock table means no lockfile by default');
  onlyProblem(minimal({ backend: { ...S3, role_arn: 'arn:aws-cn:iam::111111111111:role/x' } }), 'backend.role_arn', /partition "aws"/);
});

test('backend s3: exactly one lock, S3 lockfile or DynamoDB table', () => {
  const both = onlyProblem(minimal({ backend: { ...S3, use_lockfile: true, dynamodb_table: 'acme-lock' } }), 'backend.use_lockfile', /^choose one lock/);
  assert.is(both.value, true);
  const none = onlyProblem(minimal({ backend: { ...S3, use_lockfile: false } }), 'backend.use_lockfile', /^state needs a lock/);
  assert.is(none.value, false);
});

test('the state role is one answer: backend.role_arn and tfstate_role_arn must name the same role', () => {
  const other = 'arn:aws:iam::111111111111:role/other';
  const p = onlyProblem(minimal({ tfstate_role_arn: other, backend: { ...S3, role_arn: ROLE_ARN } }), 'backend.role_arn', /tfstate_role_arn says arn:aws:iam::111111111111:role\/other/);
  assert.is(p.value, ROLE_ARN);
  assert.equal(fields(minimal({ tfstate_role_arn: ROLE_ARN, backend: { ...S3, role_arn: ROLE_ARN } })), []);
  assert.equal(fields(minimal({ tfstate_role_arn: other, backend: S3 })), []);
});

test('stateRoleArn: an s3 backend role first, else tfstate_role_arn', () => {
  const other = 'arn:aws:iam::111111111111:role/other';
  assert.is(stateRoleArn(resolveAnswers(minimal({ backend: { ...S3, role_arn: ROLE_ARN } }))), ROLE_ARN);
  assert.is(stateRoleArn(resolveAnswers(minimal({ tfstate_role_arn: other, backend: S3 }))), other);
  assert.is(stateRoleArn(resolveAnswers(minimal({ tfstate_role_arn: other, backend: { type: 'existing' } }))), other);
  assert.is(stateRoleArn(resolveAnswers(minimal())), null);
});

test('guard_workflow: off by default, a boolean when given', () => {
  assert.is(resolveAnswers(minimal()).guard_workflow, false);
  assert.is(resolveAnswers(minimal({ guard_workflow: true })).guard_workflow, true);
  onlyProblem(minimal({ guard_workflow: 'yes' }), 'guard_workflow', 'expected true or false');
});

const ADOPTED = { config: 'atmos.yaml', stacks: { dev: 'stacks/orgs/acme/dev.yaml' }, workflows: { plan: '.github/workflows/plan.yml' }, profile: 'ci', user_files: ['README.md'] };
function adoptedProblem(adopted: unknown): InputProblem {
  try {
    readRecord({ ...minimal(), adopted }, 'src.yaml');
  } catch (error) {
    assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
    assert.is((error as InputError).problems.length, 1);
    return (error as InputError).problems[0];
  }
  assert.unreachable(`adopted ${JSON.stringify(adopted)} is refused`);
  return undefined as never;
}

test('readRecord: the adoption record is read as written, and left out when absent', () => {
  assert.equal(readRecord({ ...minimal(), adopted: ADOPTED }, 'src.yaml').adopted, ADOPTED);
  assert.not.ok('adopted' in readRecord(minimal(), 'src.yaml'));
  assert.not.ok('adopted' in readRecord({ ...minimal(), adopted: null }, 'src.yaml'));
  assert.equal(readRecord({ ...minimal(), adopted: { config: 'atmos.yaml' } }, 'src.yaml').adopted, { config: 'atmos.yaml', stacks: {}, workflows: {}, profile: 'github', user_files: [] }, 'the defaults');
  assert.is(readRecord({ ...minimal(), adopted: { ...ADOPTED, profile: '' } }, 'src.yaml').adopted?.profile, 'github');
  assert.is(readRecord({ ...minimal(), adopted: { ...ADOPTED, profile: 3 } }, 'src.yaml').adopted?.profile, 'github');
});

test('readRecord: a malformed adoption record is refused, naming the file and the field', () => {
  const whole = adoptedProblem('yes');
  assert.equal([whole.field, whole.value], ['src.yaml: adopted', 'yes']);
  assert.match(whole.allowed, /^a map written by create-atmos-oidc when it adopted this repository/);
  for (const key of ['stacks', 'workflows']) {
    for (const value of [['a'], { dev: 3 }, 'x']) {
      const p = adoptedProblem({ ...ADOPTED, [key]: value });
      assert.equal([p.field, p.value, p.allowed], [`src.yaml: adopted.${key}`, value, 'a map of names to repository paths']);
    }
  }
  for (const value of ['README.md', ['a', 3]]) {
    const p = adoptedProblem({ ...ADOPTED, user_files: value });
    assert.equal([p.field, p.value, p.allowed], ['src.yaml: adopted.user_files', value, 'a list of repository paths']);
  }
  for (const value of [undefined, '', 3]) {
    const p = adoptedProblem({ ...ADOPTED, config: value });
    assert.equal([p.field, p.value, p.allowed], ['src.yaml: adopted.config', value, 'the path of the atmos.yaml the repository uses']);
  }
});

test('render: the backend with only the keys that say something, guard_workflow only when on, the adoption record; reads back the same', () => {
  const answers = resolveAnswers(minimal({ backend: { ...S3, key_prefix: 'infra-live', role_arn: ROLE_ARN }, guard_workflow: true }));
  const text = renderAnswersFile({ answers, generator: 'g', files: {}, adopted: ADOPTED });
  assert.match(text, /\nbackend:\n {2}type: s3\n {2}bucket: acme-tfstate\n {2}region: us-east-2\n {2}key_prefix: infra-live\n {2}use_lockfile: true\n {2}role_arn: arn:aws:iam::111111111111:role\/tfstate\naccounts:\n/);
  assert.match(text, /\nguard_workflow: true\ngenerator: g\nadopted:\n {2}config: atmos.yaml\n/);
  const back = readRecord(parseAnswersText(text, 'a.yaml'), 'a.yaml');
  assert.equal(back.answers, answers);
  assert.equal(back.adopted, ADOPTED);
  const table = renderAnswersFile({ answers: resolveAnswers(minimal({ backend: { ...S3, dynamodb_table: 'acme-lock' } })), files: {} });
  assert.match(table, /\nbackend:\n {2}type: s3\n {2}bucket: acme-tfstate\n {2}region: us-east-2\n {2}dynamodb_table: acme-lock\naccounts:\n/);
  const existing = renderAnswersFile({ answers: resolveAnswers(minimal({ backend: { type: 'existing' } })), files: {} });
  assert.match(existing, /\nbackend:\n {2}type: existing\naccounts:\n/);
  const plain = renderAnswersFile({ answers: resolveAnswers(minimal()), files: {} });
  assert.not.match(plain, /backend|guard_workflow|adopted/);
});

test('accounts: a number id of other than 12 digits is refused as the number it was read as', () => {
  for (const id of [1234567890123, 12345678901]) assert.is(onlyProblem(minimal({ accounts: [{ stage: 'dev', id }] }), 'accounts[0].id').value, id);
});

test('roles: a stage that is not text is one problem, not also a role name too long for it', () => {
  const stage = ['s'.repeat(60)];
  assert.equal(fields(minimal({ accounts: [{ stage, id: '111111111111' }], roles: [ROLE({ name: 'planner' })] })), ['accounts[0].stage']);
});

test('parse: a syntax error on a blank line shows the line above it, trimmed; with only blank lines there, the reason', () => {
  const [above] = parseProblems('a: [1, 2  \n');
  assert.equal([above.field, above.value], ['a.yaml:2:1', 'a: [1, 2']);
  assert.is(above.allowed, 'expected valid YAML 1.2 (Flow sequence in block collection must be sufficiently indented and end with a ])');
  const [blank] = parseProblems('repository: acme/r\na: [1,\n\n');
  assert.equal([blank.field, blank.value], ['a.yaml:4:1', 'Flow sequence in block collection must be sufficiently indented and end with a ]']);
});

test('parse: a file with a YAML error reports the error alone, not also its anchors', () => {
  assert.equal(parseProblems('a: 1\na: 2\nb: &x 3\n').map((p) => p.field), ['a.yaml:2:1: a']);
});

test('parse: an anchor in a nested map is named by its dotted path', () => {
  const [p] = parseProblems('a:\n  b: &x 1\n');
  assert.equal([p.field, p.value], ['a.yaml: a.b', '&x']);
});

test('parse: an implicit key over 1024 characters is refused, as strict YAML 1.2 does', () => {
  const [p] = parseProblems(`${'k'.repeat(1100)}: 1\n`);
  assert.is(p.field, 'a.yaml:1:1');
  assert.match(p.allowed, /at most 1024 chars/);
});

test('parse: a syntax error on a line of white space only shows the line above it', () => {
  const [p] = parseProblems('a: [1, 2\n   ');
  assert.equal([p.field, p.value], ['a.yaml:2:4', 'a: [1, 2']);
});

test('parse: the reason of a syntax error past column 9 is given without the parser\'s own position text', () => {
  const [p] = parseProblems('repository: a b: c\n');
  assert.equal([p.field, p.value, p.allowed], ['a.yaml:1:13', 'repository: a b: c', 'expected valid YAML 1.2 (Nested mappings are not allowed in compact mappings)']);
});

test('parse: a duplicate key with ":" or quotes inside it, or quoted whole, is named as written', () => {
  assert.is(parseProblems('a:b: 1\na:b: 2\n')[0].value, 'a:b');
  assert.is(parseProblems('x"y": 1\nx"y": 2\n')[0].value, 'x"y"');
  assert.is(parseProblems('kk: 1\n"kk": 2\n')[0].value, 'kk');
});

test('roles: an entry that is not a map is one problem (plus the uses it leaves unset), even with the longest namespace and stage', () => {
  const raw = minimal({ namespace: 'n'.repeat(20), accounts: [{ stage: 's'.repeat(32), id: '111111111111' }], roles: ['planner'] });
  assert.equal(fields(raw), ['roles[0]', 'roles', 'roles']);
});

test('render: a recorded path the plain writer declines (a tab in it) is written by the yaml package, every line as the plain writer would put it', () => {
  const answers = resolveAnswers(minimal({ backend: S3 }));
  const generator = 'create-atmos-oidc 1.0.0, a version note long enough that a writer folding at 80 columns would break it';
  const plain = renderAnswersFile({ answers, generator, files: { 'x.yaml': 'h' } });
  const odd = renderAnswersFile({ answers, generator, files: { 'a\tb.yaml': 'h' } });
  assert.is(odd, plain.replace('\n  x.yaml: h\n', '\n  a\tb.yaml: h\n'));
  assert.equal(readRecord(parseAnswersText(odd, 'a.yaml'), 'a.yaml').files, { 'a\tb.yaml': 'h' });
});

test('parse: a duplicate key and a syntax error are reported in the order of the file', () => {
  assert.equal(parseProblems('a: 1\na: 2\nb: [1, 2\n').map((p) => p.field), ['a.yaml:2:1: a', 'a.yaml:4:1']);
});

test.run();
