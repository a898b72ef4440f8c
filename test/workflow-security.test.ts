/**
 * The workflow security rules (src/setup/workflow-rules.ts): every golden case's workflows keep them, in
 * both pin modes; each rule catches the mistake it is about; the generator refuses answers that
 * would break one; and `pin_actions: sha` pins every action from the shipped table.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { ACTION_PINS, actionRef, unpinnedActions, USED_ACTIONS } from '../src/answers/action-pins.ts';
import { parseAnswersText, resolveAnswers } from '../src/answers/answers.ts';
import { buildModel } from '../src/setup/model.ts';
import { InputError } from '../src/answers/validate.ts';
import { checkWorkflow, rulesForModel, type WorkflowRule, type WorkflowRuleOptions } from '../src/setup/workflow-rules.ts';
import { goldenCases, GOLDEN_DIR, ROOT, runCli, tempDir, seedGolden } from './helpers/run.ts';
import { snapshot, assertUnchanged } from './helpers/snapshot.ts';

type Obj = Record<string, any>;

function goldenAnswers(name: string): Obj {
  return parse(readFileSync(join(GOLDEN_DIR, name, 'answers.yaml'), 'utf8'), { version: '1.2' }) as Obj;
}

/** The rule options of a golden case, from its answers as the spec states them (not from the model). */
function optionsFor(answers: Obj, pin: 'major' | 'sha' = 'major'): WorkflowRuleOptions {
  const namespace = answers.namespace ?? String(answers.repository).split('/')[0].toLowerCase();
  const advanced = (answers.setup ?? 'advanced') === 'advanced';
  return { pin, adminIdentities: advanced ? [`${namespace}/admin`] : [], defaultIdentity: advanced ? `${namespace}/planner` : `${namespace}/admin` };
}

function workflowsIn(dir: string): Map<string, string> {
  const wfDir = join(dir, '.github', 'workflows');
  return new Map(readdirSync(wfDir).map((name) => [name, readFileSync(join(wfDir, name), 'utf8')]));
}

let checked = 0;

for (const name of goldenCases()) {
  test(`golden ${name}: every expected workflow keeps the rules`, () => {
    const answers = goldenAnswers(name);
    const workflows = workflowsIn(join(GOLDEN_DIR, name, 'expected'));
    assert.ok(workflows.size >= 3);
    const model = buildModel(resolveAnswers(answers));
    for (const [file, text] of workflows) {
      assert.equal(checkWorkflow(text, optionsFor(answers)), [], file);
      assert.equal(checkWorkflow(text, rulesForModel(model)), [], `${file} (options from the model)`);
      checked++;
    }
  });

  test(`golden ${name}: with pin_actions: sha, every action is a full SHA from the table and the rules hold`, async () => {
    const answersFile = join(tempDir('wfsec-answers-'), 'answers.yaml');
    writeFileSync(answersFile, `${readFileSync(join(GOLDEN_DIR, name, 'answers.yaml'), 'utf8')}pin_actions: sha\n`);
    const dir = seedGolden(name, tempDir(`wfsec-${name}-`));
    const result = await runCli(['init', '--yes', '--answers', answersFile, dir]);
    assert.is(result.code, 0, result.stderr);
    const sha = workflowsIn(dir);
    const major = workflowsIn(join(GOLDEN_DIR, name, 'expected'));
    assert.equal([...sha.keys()], [...major.keys()]);
    for (const [file, text] of sha) {
      assert.equal(checkWorkflow(text, optionsFor(goldenAnswers(name), 'sha')), [], file);
      checked++;
      // Only the `uses:` lines differ from the default output, each pinned as the table says.
      const a = text.split('\n');
      const b = major.get(file)!.split('\n');
      assert.is(a.length, b.length, file);
      a.forEach((line, i) => {
        if (line === b[i]) return;
        const ref = /uses: (\S+@v\d+)$/.exec(b[i])?.[1];
        assert.ok(ref, `${file}:${i + 1} only uses: lines change, not ${JSON.stringify(b[i])}`);
        const pin = ACTION_PINS[ref];
        assert.is(line, b[i].replace(ref, `${ref.split('@')[0]}@${pin.sha} # ${pin.release}`));
      });
      // The major-version output would not pass in sha mode: the rule tells them apart.
      assert.ok(checkWorkflow(major.get(file)!, { pin: 'sha' }).some((v) => v.rule === 'unpinned-action'), `${file}: @vN is not a SHA`);
    }
    assert.match(readFileSync(join(dir, '.atmos-oidc.yaml'), 'utf8'), /\npin_actions: sha\n/);
    const again = await runCli(['workflows', dir]);
    assert.is(again.code, 0, again.stderr);
    assert.equal(workflowsIn(dir), sha, 'regenerating keeps the pins');
  });
}

// ---------------------------------------------------------------------------------------------
// Each rule catches its mistake: one edit at a time to a generated workflow.

const ADVANCED = 'advanced-three-accounts';
const base = (file: string): string => readFileSync(join(GOLDEN_DIR, ADVANCED, 'expected', '.github', 'workflows', file), 'utf8');
const ADVANCED_OPTIONS = optionsFor(goldenAnswers(ADVANCED));

function rulesOf(text: string, options: WorkflowRuleOptions = ADVANCED_OPTIONS): WorkflowRule[] {
  return [...new Set(checkWorkflow(text, options).map((v) => v.rule))];
}

function edited(file: string, from: string | RegExp, to: string): string {
  const text = base(file);
  const out = text.replace(from, to);
  assert.ok(out !== text, `the edit applies to ${file}: ${from}`);
  return out;
}

const MUTATIONS: Array<{ what: string; text: () => string; rule: WorkflowRule; options?: WorkflowRuleOptions }> = [
  {
    what: 'an input pasted into run:',
    text: () => edited('atmos-terraform-plan.yaml', 'atmos terraform plan "$COMPONENT" -s "$STACK" --upload-status', 'atmos terraform plan ${{ inputs.component }} -s "$STACK" --upload-status'),
    rule: 'expression-in-run',
  },
  {
    what: 'an event field pasted into a one-line run:',
    text: () => edited('atmos-pro.yaml', 'run: atmos describe affected --upload', 'run: echo "${{ github.event.pull_request.title }}" && atmos describe affected --upload'),
    rule: 'expression-in-run',
  },
  { what: 'a pull_request_target trigger', text: () => edited('atmos-pro.yaml', /^  pull_request:$/m, '  pull_request_target:'), rule: 'pull-request-target' },
  { what: 'pull_request_target in a list of events', text: () => edited('test-oidc.yaml', /^on:\n  workflow_dispatch:$/m, 'on: [workflow_dispatch, pull_request_target]'), rule: 'pull-request-target' },
  { what: 'no permissions block', text: () => edited('atmos-terraform-apply.yaml', /^permissions:\n(  .*\n)+/m, ''), rule: 'permissions-missing' },
  { what: 'permissions: write-all', text: () => edited('atmos-terraform-apply.yaml', /^permissions:\n(  .*\n)+/m, 'permissions: write-all\n'), rule: 'permissions-missing' },
  { what: 'a job that runs Atmos without id-token: write', text: () => edited('atmos-upload-instances.yaml', '  id-token: write\n', ''), rule: 'id-token-missing' },
  {
    what: 'a job-level permissions block that drops id-token',
    text: () => edited('test-oidc.yaml', '    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n'),
    rule: 'id-token-missing',
  },
  {
    what: 'id-token: write on a job that obtains no credentials',
    text: () => `${base('test-oidc.yaml')}\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo lint\n`,
    rule: 'id-token-unneeded',
  },
  { what: 'contents: write', text: () => edited('atmos-terraform-plan.yaml', 'contents: read', 'contents: write'), rule: 'permissions-excess' },
  { what: 'checks: write without a status upload', text: () => edited('atmos-pro.yaml', '  contents: read\n', '  contents: read\n  checks: write\n'), rule: 'permissions-excess' },
  {
    what: 'a pull-request job with the admin identity in env',
    text: () => edited('atmos-pro.yaml', '      ATMOS_PROFILE: github\n', '      ATMOS_PROFILE: github\n      ATMOS_IDENTITY: acme/admin\n'),
    rule: 'pr-reaches-admin',
  },
  {
    what: 'a pull-request job with --identity of the admin',
    text: () => edited('atmos-pro.yaml', 'atmos describe affected --upload', 'atmos describe affected --upload --identity=acme/admin'),
    rule: 'pr-reaches-admin',
  },
  {
    what: 'a pull-request job whose default identity is the admin',
    text: () => base('atmos-pro.yaml'),
    rule: 'pr-reaches-admin',
    options: { ...ADVANCED_OPTIONS, defaultIdentity: 'acme/admin' },
  },
  {
    what: 'a pull-request smoke test assuming an admin role',
    text: () => edited('test-oidc.yaml', /^on:\n  workflow_dispatch:$/m, 'on:\n  pull_request:'),
    rule: 'pr-reaches-admin',
    options: { ...ADVANCED_OPTIONS, adminRoleArns: ['arn:aws:iam::222222222222:role/acme-gbl-staging-planner'] },
  },
  { what: 'an action on a branch', text: () => edited('atmos-terraform-apply.yaml', 'actions/checkout@v6', 'actions/checkout@main'), rule: 'unpinned-action' },
  { what: 'an action without a ref', text: () => edited('atmos-terraform-apply.yaml', 'actions/checkout@v6', 'actions/checkout'), rule: 'unpinned-action' },
  { what: 'a short SHA', text: () => edited('atmos-terraform-apply.yaml', 'actions/checkout@v6', 'actions/checkout@de0fac2'), rule: 'unpinned-action' },
  { what: 'a docker action without a tag', text: () => edited('atmos-terraform-apply.yaml', 'actions/checkout@v6', 'docker://alpine'), rule: 'unpinned-action' },
  { what: 'a major tag when SHAs are required', text: () => base('test-oidc.yaml'), rule: 'unpinned-action', options: { ...ADVANCED_OPTIONS, pin: 'sha' } },
  { what: 'a file that is not a workflow', text: () => 'name: x\n', rule: 'not-a-workflow' },
  { what: 'a duplicate key', text: () => edited('test-oidc.yaml', 'permissions:\n', 'permissions:\n  contents: read\n'), rule: 'not-a-workflow' },
];

for (const m of MUTATIONS) {
  test(`rule ${m.rule} catches ${m.what}`, () => {
    const rules = rulesOf(m.text(), m.options);
    assert.ok(rules.includes(m.rule), `expected ${m.rule}, got [${rules.join(', ')}]`);
  });
}

test('allowed forms stay allowed: local actions, version tags, full SHAs, docker digests, env-passed inputs', () => {
  const text = edited(
    'atmos-terraform-apply.yaml',
    '      - uses: actions/checkout@v6\n',
    '      - uses: actions/checkout@v6.0.2\n      - uses: ./.github/actions/setup\n      - uses: docker://alpine:3.20\n      - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830\n',
  );
  assert.equal(checkWorkflow(text, ADVANCED_OPTIONS), []);
  assert.equal(rulesOf(text, { ...ADVANCED_OPTIONS, pin: 'sha' }), ['unpinned-action'], 'in sha mode only full SHAs and digests pass');
  // The basic setup's single admin role is reached by pull requests by design (and said so): no admin is passed.
  const basic = readFileSync(join(GOLDEN_DIR, 'guide-basic', 'expected', '.github', 'workflows', 'atmos-pro.yaml'), 'utf8');
  assert.equal(checkWorkflow(basic, optionsFor(goldenAnswers('guide-basic'))), []);
  assert.ok(rulesOf(basic, { adminIdentities: ['acme/admin'], defaultIdentity: 'acme/admin' }).includes('pr-reaches-admin'), 'the rule itself would see it');
});

// ---------------------------------------------------------------------------------------------
// The generator enforces the rules on its own output.

test('advanced answers whose plan role holds admin policies are refused before anything is written', async () => {
  const answersFile = join(tempDir('wfsec-admin-plan-'), 'answers.yaml');
  writeFileSync(
    answersFile,
    `version: 1
repository: acme/infra-live
setup: advanced
accounts:
  - stage: dev
    id: "111111111111"
roles:
  - name: planner
    identity: acme/planner
    policies: [arn:aws:iam::aws:policy/AdministratorAccess]
    trust: [acme/infra-live]
    used_for: [plan]
  - name: terraform
    identity: acme/admin
    policies: [arn:aws:iam::aws:policy/AdministratorAccess]
    trust: ["acme/infra-live:environment:{stage}"]
    used_for: [apply]
`,
  );
  const dir = tempDir('wfsec-admin-plan-target-');
  writeFileSync(join(dir, 'README.md'), 'mine\n');
  const before = snapshot(dir);
  const result = await runCli(['init', '--yes', '--answers', answersFile, dir]);
  assert.is(result.code, 2, result.stderr);
  assert.match(result.stderr, /error: roles: "planner" is not allowed; in the advanced setup the role used_for "plan" must not hold administrator policies/);
  assert.match(result.stderr, /a pull request runs this job, and it uses the administrator identity acme\/planner/);
  assertUnchanged(dir, before);
});

// ---------------------------------------------------------------------------------------------
// The pin table.

test('the pin table covers exactly the actions the templates use, with full SHAs of the same major version', () => {
  const templates = readdirSync(join(ROOT, 'templates', 'workflows')).map((f) => readFileSync(join(ROOT, 'templates', 'workflows', f), 'utf8'));
  const used = new Set(templates.flatMap((t) => [...t.matchAll(/\{\{action "([^"]+)"\}\}/g)].map((m) => m[1])));
  assert.equal([...used].sort(), [...USED_ACTIONS].sort(), 'USED_ACTIONS lists every {{action}} of the templates');
  assert.not.ok(templates.some((t) => /^\s*(?:- )?uses: (?!\{\{action )/m.test(t)), 'every uses: in a template goes through {{action}}');
  for (const [ref, pin] of Object.entries(ACTION_PINS)) {
    assert.match(pin.sha, /^[0-9a-f]{40}$/, ref);
    assert.is(pin.release.split('.')[0], ref.slice(ref.lastIndexOf('@') + 1), `${ref}: ${pin.release} is a release of that major version`);
  }
  assert.equal(unpinnedActions(), [], 'every used action has a verified SHA');
});

test('sha mode refuses, with exit 2 naming pin_actions, an action that has no verified SHA', async () => {
  assert.equal(unpinnedActions({}), [...USED_ACTIONS]);
  assert.is(actionRef('actions/checkout@v6', 'major', {}), 'actions/checkout@v6');
  try {
    actionRef('actions/checkout@v6', 'sha', {});
    assert.unreachable('an unpinned action in sha mode throws');
  } catch (error) {
    assert.ok(error instanceof InputError);
    assert.is(error.problems[0].field, 'pin_actions');
    assert.match(error.message, /pin_actions: "sha" is not allowed; "sha" needs a verified commit SHA for every action, and this version of create-atmos-oidc ships none for actions\/checkout@v6; use "major"/);
  }
  // Through the command line: a table entry taken away for the duration of the run.
  const saved = ACTION_PINS['actions/checkout@v6'];
  delete (ACTION_PINS as Record<string, unknown>)['actions/checkout@v6'];
  try {
    const answersFile = join(tempDir('wfsec-unpinned-'), 'answers.yaml');
    writeFileSync(answersFile, 'version: 1\nrepository: acme/infra-live\npin_actions: sha\naccounts:\n  - stage: dev\n    id: "111111111111"\n');
    const dir = tempDir('wfsec-unpinned-target-');
    const before = snapshot(dir);
    const result = await runCli(['init', '--yes', '--answers', answersFile, dir]);
    assert.is(result.code, 2, result.stderr);
    assert.match(result.stderr, /error: pin_actions: "sha" is not allowed; .*ships none for actions\/checkout@v6; use "major"/);
    assertUnchanged(dir, before);
  } finally {
    (ACTION_PINS as Record<string, unknown>)['actions/checkout@v6'] = saved;
  }
});

test('workflow rules: counts', () => {
  assert.ok(checked >= goldenCases().length * 6, `checked ${checked}`);
  console.log(`  workflow-security: ${checked} golden workflows checked (both pin modes), ${MUTATIONS.length} mutations each caught by its rule`);
});

test.run();
