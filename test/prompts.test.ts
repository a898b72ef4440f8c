/**
 * The interactive init without a terminal: a scripted prompter stands in for the person, fake
 * lookups stand in for git and gh, and `@inquirer/testing` drives the real inquirer prompts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prompts from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { resolveAnswers, type RawAnswers } from '../src/answers/answers.ts';
import { colorSupported, palette } from '../src/cli/color.ts';
import { Cancelled, type Prompter } from '../src/cli/context.ts';
import { buildModel } from '../src/setup/model.ts';
import {
  createInquirerPrompter,
  ghRepositoryIds,
  gitOriginUrl,
  matchesFilter,
  promptMissing,
  regionChoices,
  repositoryFromRemote,
  type IdsLookup,
  type Lookups,
  type Run,
} from '../src/cli/prompts.ts';
import { planSummary } from '../src/cli/summary.ts';
import * as rules from '../src/answers/validate.ts';
import { readTree, ROOT, runCli, tempDir } from './helpers/run.ts';

// ---------------------------------------------------------------------------------------------
// A scripted person: each step names the prompt it expects (by message) and what is typed there.

type Kind = 'input' | 'confirm' | 'select' | 'search';
/**
 * What the person does at one prompt: `undefined` presses Enter on the default; a string is typed
 * (for `search`, it is the filter, and Enter takes the first match); a list of strings is typed in
 * turn, each rejected one leaving its inline error; `true`/`false` answer a confirm.
 */
type Answer = string | string[] | boolean | undefined;
interface Step {
  kind: Kind;
  message: RegExp;
  answer?: Answer;
}
interface Asked {
  kind: Kind;
  message: string;
  default?: unknown;
  hint?: string;
  errors: string[];
  choices?: string[];
}

class ScriptError extends Error {}

function scripted(steps: Step[], options: { search?: boolean; cancelAt?: RegExp } = {}): Prompter & { asked: Asked[]; left: () => Step[] } {
  const queue = [...steps];
  const asked: Asked[] = [];
  const next = (kind: Kind, o: { message: string; default?: unknown; hint?: string }, choices?: string[]): { step: Step; record: Asked } => {
    const record: Asked = { kind, message: o.message, default: o.default, hint: o.hint, errors: [], choices };
    asked.push(record);
    if (options.cancelAt?.test(o.message)) throw new Cancelled();
    const step = queue.shift();
    if (!step) throw new ScriptError(`unexpected ${kind} prompt "${o.message}": the script has ended`);
    if (step.kind !== kind || !step.message.test(o.message))
      throw new ScriptError(`expected ${step.kind} ${step.message}, got ${kind} "${o.message}"`);
    return { step, record };
  };
  const typed = (answer: Answer, fallback: string): string[] => (answer === undefined ? [fallback] : Array.isArray(answer) ? answer : [String(answer)]);
  const prompter: Prompter & { asked: Asked[]; left: () => Step[] } = {
    asked,
    left: () => queue,
    async input(o) {
      const { step, record } = next('input', o);
      for (const value of typed(step.answer, o.default ?? '')) {
        const verdict = o.validate ? o.validate(value) : true;
        if (verdict === true) return value;
        record.errors.push(verdict);
      }
      throw new ScriptError(`no typed value passed validation at "${o.message}": ${record.errors.join(' | ')}`);
    },
    async confirm(o) {
      const { step } = next('confirm', o);
      return step.answer === undefined ? (o.default ?? false) : Boolean(step.answer);
    },
    async select(o) {
      const { step } = next(
        'select',
        o,
        o.choices.map((c) => c.value),
      );
      const value = step.answer === undefined ? (o.default ?? o.choices[0].value) : String(step.answer);
      const choice = o.choices.find((c) => c.value === value);
      if (!choice) throw new ScriptError(`"${value}" is not a choice of "${o.message}"`);
      return choice.value;
    },
  };
  if (options.search !== false) {
    prompter.search = async (o) => {
      const { step } = next('search', o);
      if (step.answer === undefined) return o.default ?? o.choices[0].value;
      const match = o.choices.find((c) => matchesFilter(String(step.answer), c));
      if (!match) throw new ScriptError(`nothing matches "${step.answer}" at "${o.message}"`);
      return match.value;
    };
  }
  return prompter;
}

/** Lookups that never touch git or gh. */
function fakeLookups(options: { remote?: string | null; ids?: IdsLookup } = {}): Lookups & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    originUrl: async (dir) => {
      calls.push(`origin ${dir}`);
      return options.remote ?? null;
    },
    repositoryIds: async (repository) => {
      calls.push(`ids ${repository}`);
      return options.ids ?? { status: 'unavailable', reason: 'gh is not installed' };
    },
  };
}

/**
 * The prompts of a basic single-account run, taking every default but the account id and the setup;
 * without the repository prompt when `raw` gives the repository.
 */
function basicSteps(overrides: Partial<Record<string, Answer>> = {}, repositoryGiven = false): Step[] {
  const s = (kind: Kind, message: RegExp, key: string): Step => ({ kind, message, answer: overrides[key] });
  const steps: Step[] = [
    s('input', /^GitHub repository/, 'repository'),
    s('confirm', /immutable subject claims/, 'immutable'),
    s('input', /^Namespace/, 'namespace'),
    s('input', /^Default branch/, 'branch'),
    s('search', /^AWS region/, 'region'),
    s('input', /^Stage of AWS account 1/, 'stage'),
    { kind: 'input', message: /^AWS account id of/, answer: overrides.id ?? '111111111111' },
    s('confirm', /already have a GitHub OIDC provider/, 'provider'),
    s('confirm', /^Add another AWS account/, 'another'),
    { kind: 'select', message: /^Setup/, answer: overrides.setup ?? 'basic' },
    s('input', /^Atmos version/, 'atmos'),
    s('confirm', /^Use Atmos Pro/, 'pro'),
    s('select', /^Terraform state backend/, 'backend'),
    s('input', /^S3 bucket for Terraform state/, 'bucket'),
    s('input', /^Region of the state bucket/, 'bucketRegion'),
    s('select', /^State lock/, 'lock'),
    s('input', /^Terraform state role ARN/, 'tfstate'),
    s('confirm', /^Add a pull-request guard workflow/, 'guard'),
  ];
  return repositoryGiven ? steps.slice(1) : steps;
}

const OPTIONS = (lookups: Lookups = fakeLookups()) => ({ dir: '/nonexistent', lookups });

// ---------------------------------------------------------------------------------------------
// The repository default from `git remote get-url origin`.

test('repositoryFromRemote: https and ssh forms, with and without .git', () => {
  const cases: Array<[string, string | null]> = [
    ['https://github.com/acme/infra-live', 'acme/infra-live'],
    ['https://github.com/acme/infra-live.git', 'acme/infra-live'],
    ['https://github.com/acme/infra-live/', 'acme/infra-live'],
    ['https://user@github.com/Acme-Corp/infra.live.git\n', 'Acme-Corp/infra.live'],
    ['git@github.com:acme/infra-live.git', 'acme/infra-live'],
    ['git@github.com:acme/infra-live', 'acme/infra-live'],
    ['ssh://git@github.com/acme/infra-live.git', 'acme/infra-live'],
    ['ssh://git@github.com:22/acme/infra-live.git', null],
    ['https://gitlab.com/acme/infra-live.git', null],
    ['git@github.com:acme/infra/live.git', null],
    ['', null],
  ];
  for (const [url, expected] of cases) assert.is(repositoryFromRemote(url), expected, url);
});

test('the repository is offered from the origin remote, the namespace from its owner, lower-cased', async () => {
  const lookups = fakeLookups({ remote: 'git@github.com:Acme/infra-live.git' });
  const prompter = scripted(basicSteps());
  const raw = await promptMissing({}, prompter, { dir: '/work/target', lookups });
  assert.is(prompter.asked[0].default, 'Acme/infra-live');
  assert.match(prompter.asked[0].hint ?? '', /git remote origin/);
  assert.is(raw.repository, 'Acme/infra-live');
  assert.is(prompter.asked[2].default, 'acme');
  assert.is(raw.namespace, 'acme');
  assert.equal(lookups.calls, ['origin /work/target', 'ids Acme/infra-live']);
  assert.equal(prompter.left(), []);
});

test('https remote with .git gives the same default; no remote gives none', async () => {
  const https = scripted(basicSteps());
  await promptMissing({}, https, OPTIONS(fakeLookups({ remote: 'https://github.com/acme/infra-live.git' })));
  assert.is(https.asked[0].default, 'acme/infra-live');
  const none = scripted(basicSteps({ repository: 'acme/other' }));
  const raw = await promptMissing({}, none, OPTIONS(fakeLookups({ remote: null })));
  assert.is(none.asked[0].default, undefined);
  assert.is(raw.repository, 'acme/other');
});

test('the pull-request guard workflow is asked last, off unless chosen', async () => {
  const off = scripted(basicSteps());
  const rawOff = await promptMissing({}, off, OPTIONS(fakeLookups({ remote: 'git@github.com:acme/infra-live.git' })));
  assert.is(rawOff.guard_workflow, false);
  assert.is(off.asked.at(-1)?.default, false, 'the default is no: the guard is opt-in');
  const on = scripted(basicSteps({ guard: true }));
  assert.is((await promptMissing({}, on, OPTIONS(fakeLookups({ remote: 'git@github.com:acme/infra-live.git' })))).guard_workflow, true);
});

test('gitOriginUrl runs git remote get-url origin in the target; failures mean no default', async () => {
  const calls: unknown[] = [];
  const run: Run = async (file, args, options) => {
    calls.push([file, args, options.cwd]);
    return { stdout: 'git@github.com:acme/infra-live.git\n' };
  };
  assert.is(await gitOriginUrl('/repo', run), 'git@github.com:acme/infra-live.git');
  assert.equal(calls, [['git', ['remote', 'get-url', 'origin'], '/repo']]);
  const failing: Run = async () => {
    throw Object.assign(new Error('error: No such remote'), { exitCode: 2 });
  };
  assert.is(await gitOriginUrl('/repo', failing), null);
});

test('gitOriginUrl with the real git', async () => {
  const dir = tempDir('prompts-git-');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  assert.is(await gitOriginUrl(dir), null, 'no origin yet');
  execFileSync('git', ['remote', 'add', 'origin', 'https://github.com/acme/infra-live.git'], { cwd: dir });
  const url = await gitOriginUrl(dir);
  assert.is(url, 'https://github.com/acme/infra-live.git');
  assert.is(repositoryFromRemote(url ?? ''), 'acme/infra-live');
  assert.is(await gitOriginUrl(join(dir, 'missing')), null, 'a directory that does not exist yet');
});

// ---------------------------------------------------------------------------------------------
// Validation: the answers file's rules, shown at the prompt.

test('a wrong account id is refused inline with the rule\'s message, then corrected; dashes are dropped', async () => {
  const prompter = scripted(basicSteps({ id: ['12345', '1111-1111-111', 'acct 111111111111', '1111-1111-1111'] }, true));
  const raw = await promptMissing({ repository: 'acme/infra-live' }, prompter, OPTIONS());
  const account = prompter.asked.find((a) => a.message.startsWith('AWS account id'));
  assert.equal(account?.errors, [rules.accountId('12345'), rules.accountId('11111111111'), rules.accountId('acct 111111111111')]);
  assert.match(account?.errors[0] ?? '', /expected exactly 12 digits/);
  assert.equal(raw.accounts, [{ stage: 'dev', id: '111111111111', oidc_provider_arn: null }], 'the console\'s dashed form is accepted, stored as 12 digits');
});

test('every input validates with the same rule as the answers file', async () => {
  const prompter = scripted(
    basicSteps({
      repository: ['acme', 'acme/infra-live.git', 'acme/infra-live'],
      namespace: ['Acme', 'acme'],
      branch: ['-main', 'main'],
      stage: ['Dev', 'dev'],
      atmos: ['v1.215.0', '1.213.0', '1.215.0'],
      bucket: ['Acme_State', 'acme-tfstate'],
      bucketRegion: ['us-east-9', 'us-east-2'],
      tfstate: ['arn:aws-cn:iam::111111111111:role/state', 'arn:aws:iam::111111111111:role/state'],
    }),
  );
  const raw = await promptMissing({}, prompter, OPTIONS());
  const errors = (prefix: RegExp) => prompter.asked.find((a) => prefix.test(a.message))?.errors;
  assert.equal(errors(/^GitHub repository/), [rules.repository('acme'), rules.repository('acme/infra-live.git')]);
  assert.match(errors(/^GitHub repository/)?.[1] ?? '', /without the "\.git" suffix/);
  assert.equal(errors(/^Namespace/), [rules.label('Acme')]);
  assert.equal(errors(/^Default branch/), [rules.branch('-main')]);
  assert.equal(errors(/^Stage/), [rules.label('Dev')]);
  assert.equal(errors(/^Atmos version/), [rules.atmosVersion('v1.215.0'), rules.atmosVersion('1.213.0')]);
  assert.equal(errors(/^S3 bucket/), [rules.s3Bucket('Acme_State')]);
  assert.equal(errors(/^Region of the state bucket/), [rules.region('us-east-9')]);
  assert.equal(errors(/^Terraform state role/), [rules.roleArn('aws')('arn:aws-cn:iam::111111111111:role/state')]);
  // One answer: the state role asked with an S3 backend is the backend's role_arn (and the roles' statement).
  assert.equal(raw.backend, { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2', role_arn: 'arn:aws:iam::111111111111:role/state' });
  assert.is(raw.tfstate_role_arn, null);
  const answers = resolveAnswers(raw);
  assert.is(answers.setup, 'basic');
  assert.is(answers.region, 'us-east-2');
});

test('the provider ARN must belong to the account it is given for', async () => {
  const steps = basicSteps({ provider: true }, true);
  const own = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
  steps.splice(7, 0, { kind: 'input', message: /^ARN of that provider/, answer: ['arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com', own] });
  const prompter = scripted(steps);
  const raw = await promptMissing({ repository: 'acme/infra-live' }, prompter, OPTIONS());
  const arn = prompter.asked.find((a) => a.message.startsWith('ARN'));
  assert.is(arn?.default, own, 'the default names the account\'s own provider');
  assert.match(arn?.errors[0] ?? '', /expected a provider in this account \(111111111111\)/);
  assert.equal((raw.accounts as RawAnswers[])[0].oidc_provider_arn, own);
});

test('without a search prompt the region is typed and validated', async () => {
  const steps = basicSteps({}, true).map((s) => (s.kind === 'search' ? { kind: 'input' as const, message: s.message, answer: ['us-east-9', 'eu-west-1'] } : s));
  const prompter = scripted(steps, { search: false });
  const raw = await promptMissing({ repository: 'acme/infra-live' }, prompter, OPTIONS());
  assert.equal(prompter.asked.find((a) => a.message === 'AWS region')?.errors, [rules.region('us-east-9')]);
  assert.is(raw.region, 'eu-west-1');
});

test('the region list filters by code and by name, the default first', () => {
  const choices = regionChoices();
  assert.is(choices[0].value, 'us-east-2');
  assert.is(choices.length, 38);
  const pick = (term: string) => choices.filter((c) => matchesFilter(term, c)).map((c) => c.value);
  assert.equal(pick('frank'), ['eu-central-1']);
  assert.equal(pick('EU WEST'), ['eu-west-1', 'eu-west-2', 'eu-west-3']);
  assert.equal(pick('gov'), ['us-gov-east-1', 'us-gov-west-1']);
  assert.equal(pick('nowhere'), []);
  assert.is(pick('').length, 38);
});

// ---------------------------------------------------------------------------------------------
// The account loop.

test('the account loop: several stages, unique names, a shared account asked about its provider once', async () => {
  const steps: Step[] = [
    { kind: 'input', message: /^Stage of AWS account 1/ },
    { kind: 'input', message: /^AWS account id of dev/, answer: '111111111111' },
    { kind: 'confirm', message: /111111111111 already have/, answer: false },
    { kind: 'confirm', message: /^Add another/, answer: true },
    { kind: 'input', message: /^Stage of AWS account 2/, answer: ['dev', 'staging'] },
    { kind: 'input', message: /^AWS account id of staging/, answer: '111111111111' },
    { kind: 'confirm', message: /^Account 111111111111 is dev's too: same account as dev\?/, answer: true },
    { kind: 'confirm', message: /^Add another/, answer: true },
    { kind: 'input', message: /^Stage of AWS account 3/ },
    { kind: 'input', message: /^AWS account id of prod/, answer: '333333333333' },
    { kind: 'confirm', message: /333333333333 already have/, answer: true },
    { kind: 'input', message: /^ARN of that provider/ },
    { kind: 'confirm', message: /^Add another/, answer: false },
  ];
  const prompter = scripted(steps);
  const raw = await promptMissing({ repository: 'acme/infra-live', repository_ids: null, namespace: 'acme', default_branch: 'main', region: 'us-east-1', setup: 'basic', atmos_version: '1.215.0', atmos_pro: false, tfstate_role_arn: null, guard_workflow: false, backend: { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2' } }, prompter, OPTIONS());
  assert.equal(raw.accounts, [
    { stage: 'dev', id: '111111111111', oidc_provider_arn: null },
    { stage: 'staging', id: '111111111111', oidc_provider_arn: null },
    { stage: 'prod', id: '333333333333', oidc_provider_arn: 'arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com' },
  ]);
  const stages = prompter.asked.filter((a) => a.message.startsWith('Stage'));
  assert.equal(stages.map((a) => a.default), ['dev', 'prod', 'prod']);
  assert.equal(stages[1].errors, ['this stage is already listed; stages must be unique']);
  assert.equal(prompter.left(), []);
  const answers = resolveAnswers(raw);
  assert.is(answers.accounts.length, 3);
});

test('advanced: the apply environment is one per stage or one fixed name', async () => {
  const given = { repository: 'acme/infra-live', repository_ids: null, namespace: 'acme', default_branch: 'main', region: 'us-east-2', accounts: [{ stage: 'dev', id: '111111111111' }], atmos_version: '1.215.0', atmos_pro: true, tfstate_role_arn: null, guard_workflow: false, backend: { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2' } };
  const perStage = scripted([
    { kind: 'select', message: /^Setup/ },
    { kind: 'select', message: /^GitHub Environment of the apply job/ },
  ]);
  const a = await promptMissing(given, perStage, OPTIONS());
  assert.is(a.setup, 'advanced', 'advanced is the default');
  assert.is(a.apply_environment, '{stage}');
  assert.match(perStage.asked[1].choices?.join(' ') ?? '', /per-stage fixed/);
  const fixed = scripted([
    { kind: 'select', message: /^Setup/, answer: 'advanced' },
    { kind: 'select', message: /^GitHub Environment of the apply job/, answer: 'fixed' },
    { kind: 'input', message: /^Name of the GitHub Environment/, answer: ['prod*', 'production'] },
  ]);
  const b = await promptMissing(given, fixed, OPTIONS());
  assert.is(b.apply_environment, 'production');
  assert.equal(fixed.asked[2].errors, [rules.environment('prod*')]);
});

test('answers already given are not asked again', async () => {
  const complete = { repository: 'acme/infra-live', namespace: 'acme', region: 'eu-west-1', accounts: [{ stage: 'dev', id: '111111111111' }], setup: 'basic' };
  const prompter = scripted([
    { kind: 'confirm', message: /immutable/ },
    { kind: 'input', message: /^Default branch/ },
    { kind: 'input', message: /^Atmos version/ },
    { kind: 'confirm', message: /^Use Atmos Pro/ },
    { kind: 'select', message: /^Terraform state backend/, answer: 'existing' },
    { kind: 'input', message: /^Terraform state role/ },
    { kind: 'confirm', message: /^Add a pull-request guard/ },
  ]);
  const lookups = fakeLookups({ remote: 'git@github.com:other/repo.git' });
  const raw = await promptMissing(complete, prompter, OPTIONS(lookups));
  assert.equal(prompter.left(), []);
  assert.not.ok(lookups.calls.some((c) => c.startsWith('origin')), 'no git lookup when the repository is given');
  assert.is(raw.region, 'eu-west-1');
  const none = scripted([]);
  await promptMissing({ ...raw }, none, OPTIONS());
  assert.is(none.asked.length, 0);
});

// ---------------------------------------------------------------------------------------------
// Immutable subject claims: gh present, absent, failing.

const IDS_GIVEN = { namespace: 'acme', default_branch: 'main', region: 'us-east-2', accounts: [{ stage: 'dev', id: '111111111111' }], setup: 'basic', atmos_version: '1.215.0', atmos_pro: true, tfstate_role_arn: null, guard_workflow: false, backend: { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2' } };

test('gh present: a repository created after the cut-over defaults to yes, and its ids are offered', async () => {
  const lookups = fakeLookups({ ids: { status: 'found', owner: 123456, repo: 789012, createdAt: '2026-08-01T10:00:00Z' } });
  const prompter = scripted([
    { kind: 'confirm', message: /immutable subject claims/ },
    { kind: 'confirm', message: /^Use owner id 123456 and repository id 789012/ },
  ]);
  const raw = await promptMissing({ repository: 'acme/infra-live', ...IDS_GIVEN }, prompter, OPTIONS(lookups));
  assert.is(prompter.asked[0].default, true);
  assert.match(prompter.asked[0].hint ?? '', /created 2026-08-01, on or after 2026-07-15: it does/);
  assert.equal(raw.repository_ids, { owner: 123456, repo: 789012 });
  assert.equal(lookups.calls, ['ids acme/infra-live']);
  assert.equal(resolveAnswers(raw).repository_ids, { owner: 123456, repo: 789012 });
});

test('gh present, an older repository: defaults to no; yes still offers the ids, and they can be typed instead', async () => {
  const lookups = fakeLookups({ ids: { status: 'found', owner: 1, repo: 2, createdAt: '2019-03-04T00:00:00Z' } });
  const no = scripted([{ kind: 'confirm', message: /immutable/ }]);
  const a = await promptMissing({ repository: 'acme/infra-live', ...IDS_GIVEN }, no, OPTIONS(lookups));
  assert.is(no.asked[0].default, false);
  assert.match(no.asked[0].hint ?? '', /before 2026-07-15: only if opted in/);
  assert.is(a.repository_ids, null);
  const typed = scripted([
    { kind: 'confirm', message: /immutable/, answer: true },
    { kind: 'confirm', message: /^Use owner id 1 and repository id 2/, answer: false },
    { kind: 'input', message: /^Numeric id of owner acme/, answer: '10' },
    { kind: 'input', message: /^Numeric id of repository infra-live/, answer: '20' },
  ]);
  const b = await promptMissing({ repository: 'acme/infra-live', ...IDS_GIVEN }, typed, OPTIONS(lookups));
  assert.equal(b.repository_ids, { owner: 10, repo: 20 });
});

test('gh absent: the question is asked without a date, and the ids are asked for, validated', async () => {
  const lookups = fakeLookups({ ids: { status: 'unavailable', reason: 'gh is not installed' } });
  const prompter = scripted([
    { kind: 'confirm', message: /immutable/, answer: true },
    { kind: 'input', message: /^Numeric id of owner acme/, answer: ['abc', '0', '123456'] },
    { kind: 'input', message: /^Numeric id of repository infra-live/, answer: ['-5', '789012'] },
  ]);
  const raw = await promptMissing({ repository: 'acme/infra-live', ...IDS_GIVEN }, prompter, OPTIONS(lookups));
  assert.is(prompter.asked[0].default, false);
  assert.match(prompter.asked[0].hint ?? '', /on or after 2026-07-15, or opted in/);
  assert.match(prompter.asked[1].hint ?? '', /^gh is not installed; owner\.id in gh api repos\/acme\/infra-live/);
  assert.equal(prompter.asked[1].errors, [rules.githubId('abc'), rules.githubId(0)]);
  assert.equal(prompter.asked[2].errors, [rules.githubId('-5')]);
  assert.equal(raw.repository_ids, { owner: 123456, repo: 789012 });
});

test('gh failing: the reason is shown where the ids are asked for', async () => {
  const lookups = fakeLookups({ ids: { status: 'failed', reason: 'gh api repos/acme/infra-live failed: Not Found (HTTP 404)' } });
  const prompter = scripted([
    { kind: 'confirm', message: /immutable/, answer: true },
    { kind: 'input', message: /^Numeric id of owner/, answer: '1' },
    { kind: 'input', message: /^Numeric id of repository/, answer: '2' },
  ]);
  const raw = await promptMissing({ repository: 'acme/infra-live', ...IDS_GIVEN }, prompter, OPTIONS(lookups));
  assert.match(prompter.asked[1].hint ?? '', /Not Found \(HTTP 404\)/);
  assert.equal(raw.repository_ids, { owner: 1, repo: 2 });
});

test('ghRepositoryIds: gh present and logged in', async () => {
  const calls: Array<{ file: string; args: string[]; env?: Record<string, string> }> = [];
  const run: Run = async (file, args, options) => {
    calls.push({ file, args, env: options.env });
    return { stdout: JSON.stringify({ id: 789012, name: 'infra-live', owner: { login: 'acme', id: 123456 }, created_at: '2026-09-01T00:00:00Z' }) };
  };
  assert.equal(await ghRepositoryIds('acme/infra-live', run), { status: 'found', owner: 123456, repo: 789012, createdAt: '2026-09-01T00:00:00Z' });
  assert.is(calls[0].file, 'gh');
  assert.equal(calls[0].args, ['api', 'repos/acme/infra-live']);
  assert.is(calls[0].env?.GH_PROMPT_DISABLED, '1');
});

test('ghRepositoryIds: gh absent, not logged in, failing, timing out, odd output', async () => {
  const throwing = (error: object): Run => async () => {
    throw Object.assign(new Error('Command failed'), error);
  };
  assert.equal(await ghRepositoryIds('acme/x', throwing({ code: 'ENOENT' })), { status: 'unavailable', reason: 'gh is not installed' });
  assert.equal(await ghRepositoryIds('acme/x', throwing({ exitCode: 4, stderr: 'To get started with GitHub CLI, please run:  gh auth login' })), {
    status: 'unavailable',
    reason: 'gh is not logged in (gh auth login)',
  });
  assert.equal(await ghRepositoryIds('acme/x', throwing({ exitCode: 1, stderr: '\ngh: Not Found (HTTP 404)\n' })), {
    status: 'failed',
    reason: 'gh api repos/acme/x failed: Not Found (HTTP 404)',
  });
  assert.equal(await ghRepositoryIds('acme/x', throwing({ timedOut: true, exitCode: undefined, stderr: '' })), { status: 'failed', reason: 'gh api timed out' });
  const odd: Run = async () => ({ stdout: '{"id": "nope"}' });
  assert.equal((await ghRepositoryIds('acme/x', odd)).status, 'failed');
  const notJson: Run = async () => ({ stdout: '<html>' });
  assert.equal((await ghRepositoryIds('acme/x', notJson)).status, 'failed');
});

// ---------------------------------------------------------------------------------------------
// The whole command: summary, confirmation, cancellation, --yes and non-terminal stdin.

function writeAnswers(dir: string, answers: RawAnswers): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'answers.yaml');
  writeFileSync(file, stringify(answers));
  return file;
}

/** A prompter that fails the test if it is ever asked anything. */
const neverAsk: Prompter = {
  input: async (o) => assert.unreachable(`asked "${o.message}"`) as never,
  confirm: async (o) => assert.unreachable(`asked "${o.message}"`) as never,
  select: async (o) => assert.unreachable(`asked "${o.message}"`) as never,
  search: async (o) => assert.unreachable(`asked "${o.message}"`) as never,
};

const ADVANCED = {
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
  backend: { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2' },
  guard_workflow: false,
  accounts: [
    { stage: 'dev', id: '111111111111' },
    { stage: 'prod', id: '222222222222' },
  ],
};

test('in a terminal: a summary of files and of who can assume each role, then a confirmation', async () => {
  const work = tempDir('prompts-summary-');
  const { apply_environment: _asked, ...given } = ADVANCED;
  const file = writeAnswers(join(work, 'in'), given);
  const target = join(work, 'out');
  const prompter = scripted([
    { kind: 'select', message: /^GitHub Environment of the apply job/ },
    { kind: 'confirm', message: /^Write these files\?/ },
  ]);
  const result = await runCli(['init', '--answers', file, target], { prompter });
  assert.is(result.code, 0, result.stderr);
  assert.equal(prompter.left(), []);
  assert.match(result.stdout, /Summary for acme\/infra-live \(region us-east-2, advanced setup, Atmos 1\.215\.0, Atmos Pro on\)/);
  assert.match(result.stdout, /Files: 15 to create, 0 to change; listed above\./);
  assert.match(result.stdout, /State: s3:\/\/acme-tfstate \(us-east-2\), S3 lock file\n/);
  assert.match(result.stdout, /iam-role\/terraform in prod: only jobs running in GitHub Environment prod of acme\/infra-live \(AdministratorAccess\)/);
  assert.match(result.stdout, /iam-role\/planner in dev: any branch, tag, pull request or environment of acme\/infra-live \(ReadOnlyAccess\)/);
  assert.match(result.stdout, /dev +111111111111 +creates its GitHub OIDC provider/);
  assert.ok(result.stdout.indexOf('Summary for') < result.stdout.indexOf('Wrote 15 files.'), 'the summary comes before writing');
  assert.match(result.stdout, /Next steps:/);
  assert.not.match(result.stdout, /\u001b\[/, 'no colour codes for a prompter without colour');
  assert.ok(readTree(target).has('.atmos-oidc.yaml'));
});

test('answering no to the confirmation writes nothing and exits 1 (not 130, which is Ctrl-C)', async () => {
  const work = tempDir('prompts-no-');
  const file = writeAnswers(join(work, 'in'), ADVANCED);
  const target = join(work, 'out');
  mkdirSync(target);
  writeFileSync(join(target, 'README.md'), 'mine\n');
  const prompter = scripted([{ kind: 'confirm', message: /^Write these files\?/, answer: false }]);
  const result = await runCli(['init', '--answers', file, target], { prompter });
  assert.is(result.code, 1);
  assert.is(result.stderr, 'Declined: nothing was written.\n');
  assert.equal([...readTree(target).keys()], ['README.md']);
});

test('an account id another stage uses is asked about where it is typed: no asks for the id again', async () => {
  const steps: Step[] = [
    { kind: 'input', message: /^Stage of AWS account 1/, answer: 'prod' },
    { kind: 'input', message: /^AWS account id of prod/, answer: '111111111111' },
    { kind: 'confirm', message: /111111111111 already have/, answer: false },
    { kind: 'confirm', message: /^Add another/, answer: true },
    { kind: 'input', message: /^Stage of AWS account 2/, answer: 'dev' },
    { kind: 'input', message: /^AWS account id of dev/, answer: '111111111111' },
    { kind: 'confirm', message: /^Account 111111111111 is prod's too: same account as prod\?/, answer: false },
    { kind: 'input', message: /^AWS account id of dev/, answer: '222222222222' },
    { kind: 'confirm', message: /222222222222 already have/, answer: false },
    { kind: 'confirm', message: /^Add another/, answer: false },
  ];
  const prompter = scripted(steps);
  const raw = await promptMissing({ repository: 'acme/infra-live', repository_ids: null, namespace: 'acme', default_branch: 'main', region: 'us-east-1', setup: 'basic', atmos_version: '1.215.0', atmos_pro: false, tfstate_role_arn: null, guard_workflow: false, backend: { type: 'local' } }, prompter, OPTIONS());
  assert.equal(raw.accounts, [
    { stage: 'prod', id: '111111111111', oidc_provider_arn: null },
    { stage: 'dev', id: '222222222222', oidc_provider_arn: null },
  ]);
  assert.equal(prompter.left(), []);
});

test('asked again with recorded answers: each default is the recorded value; no to "keep the accounts" asks each with its own', async () => {
  const recorded = resolveAnswers({
    repository: 'acme/infra-live', namespace: 'acme-x', region: 'eu-west-1', default_branch: 'trunk', setup: 'advanced', apply_environment: 'production',
    atmos_version: '1.215.0', atmos_pro: false, tfstate_role_arn: null,
    backend: { type: 's3', bucket: 'acme-x-state', region: 'eu-west-2', key_prefix: 'live', dynamodb_table: 'acme-x-lock', role_arn: 'arn:aws:iam::111111111111:role/state' },
    accounts: [{ stage: 'dev', id: '111111111111', oidc_provider_arn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' }, { stage: 'prod', id: '222222222222' }],
  });
  const steps: Step[] = [
    { kind: 'input', message: /^GitHub repository/ },
    { kind: 'confirm', message: /^Keep subject claims by name/ },
    { kind: 'input', message: /^Namespace/ },
    { kind: 'input', message: /^Default branch/ },
    { kind: 'search', message: /^AWS region/ },
    { kind: 'confirm', message: /^Keep the accounts dev \(111111111111\), prod \(222222222222\)\?/, answer: false },
    { kind: 'input', message: /^Stage of AWS account 1/ },
    { kind: 'input', message: /^AWS account id of dev/ },
    { kind: 'confirm', message: /111111111111 already have/ },
    { kind: 'input', message: /^ARN of that provider/ },
    { kind: 'confirm', message: /^Add another/, answer: true },
    { kind: 'input', message: /^Stage of AWS account 2/ },
    { kind: 'input', message: /^AWS account id of prod/ },
    { kind: 'confirm', message: /222222222222 already have/ },
    { kind: 'confirm', message: /^Add another/, answer: false },
    { kind: 'select', message: /^Setup/ },
    { kind: 'select', message: /^GitHub Environment of the apply job/ },
    { kind: 'input', message: /^Name of the GitHub Environment/ },
    { kind: 'input', message: /^Atmos version/ },
    { kind: 'confirm', message: /^Use Atmos Pro/ },
    { kind: 'select', message: /^Terraform state backend/ },
    { kind: 'input', message: /^S3 bucket for Terraform state/ },
    { kind: 'input', message: /^Region of the state bucket/ },
    { kind: 'select', message: /^State lock/ },
    { kind: 'input', message: /^DynamoDB lock table/ },
    { kind: 'input', message: /^Terraform state role ARN/ },
    { kind: 'confirm', message: /^Add a pull-request guard workflow/ },
  ];
  const prompter = scripted(steps);
  const raw = await promptMissing({}, prompter, { ...OPTIONS(), defaults: recorded });
  assert.equal(prompter.left(), []);
  const again = resolveAnswers({ ...raw, roles: recorded.roles });
  assert.equal({ ...again, roles: [] }, { ...recorded, roles: [] }, 'Enter at every question keeps every answer');
  const defaults = Object.fromEntries(prompter.asked.map((a) => [a.message, a.default]));
  assert.is(defaults['Namespace'], 'acme-x');
  assert.is(defaults['Default branch'], 'trunk');
  assert.is(defaults['AWS region'], 'eu-west-1');
  assert.is(defaults['Name of the GitHub Environment'], 'production');
  assert.is(defaults['S3 bucket for Terraform state'], 'acme-x-state');
  assert.is(defaults['Region of the state bucket'], 'eu-west-2');
  assert.is(defaults['Terraform state role ARN'], 'arn:aws:iam::111111111111:role/state');
});

test('Cancelled at any prompt: exit 130, one line, nothing written', async () => {
  const target = tempDir('prompts-cancel-');
  const prompter = scripted(basicSteps({ repository: 'acme/infra-live' }), { cancelAt: /^AWS region/ });
  const result = await runCli(['init', target], { prompter });
  assert.is(result.code, 130);
  assert.is(result.stderr, 'Cancelled: nothing was written.\n');
  assert.is(result.stdout, '');
  assert.equal(readdirSync(target), []);
});

test('--yes never prompts, not even to confirm; --dry-run does not confirm', async () => {
  const work = tempDir('prompts-yes-');
  const file = writeAnswers(join(work, 'in'), ADVANCED);
  const yes = await runCli(['init', '--yes', '--answers', file, join(work, 'out')], { prompter: neverAsk });
  assert.is(yes.code, 0, yes.stderr);
  const missing = await runCli(['init', '--yes', join(work, 'empty')], { prompter: neverAsk });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /repository: \(missing\) is not allowed; required, and --yes/);
  const dry = await runCli(['init', '--dry-run', '--answers', file, join(work, 'dry')], { prompter: neverAsk });
  assert.is(dry.code, 0, dry.stderr);
  assert.equal(readdirSync(work).sort(), ['in', 'out']);
});

test('a stdin that is not a terminal never prompts: missing answers are named, complete ones are written', () => {
  const work = tempDir('prompts-notty-');
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: ROOT, input: '', encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
  const missing = run(['init', join(work, 'a')]);
  assert.is(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /repository: \(missing\)/);
  assert.match(missing.stderr, /accounts: \(missing\)/);
  const file = writeAnswers(join(work, 'in'), ADVANCED);
  const complete = run(['init', '--answers', file, join(work, 'b')]);
  assert.is(complete.status, 0, complete.stderr);
  assert.not.match(complete.stdout, /Write these files\?|Summary for/);
  assert.match(complete.stdout, /Wrote 15 files\./);
});

// ---------------------------------------------------------------------------------------------
// The summary and colour.

test('summary: a reused provider, a shared account, the basic setup\'s warning', () => {
  const answers = resolveAnswers({
    repository: 'acme/infra-live',
    setup: 'basic',
    accounts: [
      { stage: 'dev', id: '111111111111', oidc_provider_arn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' },
      { stage: 'staging', id: '222222222222' },
      { stage: 'qa', id: '222222222222' },
    ],
  });
  const text = planSummary(
    [
      { path: '.gitignore', kind: 'update', before: 'x\n', after: 'x\n.workdir/\n' },
      { path: 'atmos.yaml', kind: 'create', before: null, after: '' },
      { path: 'stacks/x.yaml', kind: 'unchanged', before: '', after: '' },
    ],
    buildModel(answers),
  );
  assert.match(text, /Files: 1 to create, 1 to change \(\.gitignore\), 1 unchanged; listed above\./);
  assert.match(text, /dev {6}111111111111 {2}reuses arn:aws:iam::111111111111:oidc-provider\/token\.actions\.githubusercontent\.com/);
  assert.match(text, /staging {2}222222222222 {2}creates its GitHub OIDC provider/);
  assert.match(text, /qa {7}222222222222 {2}uses the provider that stage staging creates/);
  assert.match(text, /iam-role\/terraform in qa: any branch, tag, pull request or environment of acme\/infra-live \(AdministratorAccess\)/);
  assert.match(text, /Any pull request can assume an administrator role here/);
  assert.match(text, /State: no backend answered; state stays in each job's work directory and is lost/, 'an answers file from before the backend key');
  assert.not.match(text, /\u001b\[/);
  const local = planSummary([], buildModel(resolveAnswers({ ...ADVANCED, backend: { type: 'local' } })));
  assert.match(local, /State: local, NOT kept between CI runs/);
  const ids = planSummary([], buildModel(resolveAnswers({ ...ADVANCED, repository_ids: { owner: 1, repo: 2 } })));
  assert.match(ids, /Subject claims: immutable, acme@1\/infra-live@2/);
  assert.match(ids, /iam-role\/terraform in prod: only jobs running in GitHub Environment prod of acme@1\/infra-live@2/);
  assert.match(planSummary([], buildModel(answers), palette(true)), /\u001b\[1mSummary for/);
});

test('colour only on a terminal that has it, never with NO_COLOR, always with FORCE_COLOR', () => {
  const tty = { isTTY: true, hasColors: () => true };
  assert.ok(colorSupported(tty, {}));
  assert.not.ok(colorSupported(tty, { NO_COLOR: '1' }));
  assert.ok(colorSupported(tty, { NO_COLOR: '' }), 'an empty NO_COLOR does not count');
  assert.not.ok(colorSupported(tty, { TERM: 'dumb' }));
  assert.not.ok(colorSupported({ isTTY: true, hasColors: () => false }, {}));
  assert.not.ok(colorSupported({ isTTY: false }, {}));
  assert.not.ok(colorSupported({}, {}));
  assert.ok(colorSupported({ isTTY: false }, { FORCE_COLOR: '1' }));
  assert.not.ok(colorSupported(tty, { FORCE_COLOR: '0' }));
  assert.is(palette(false).red('x'), 'x');
  assert.is(palette(true).red('x'), '\u001b[31mx\u001b[39m');
});

// ---------------------------------------------------------------------------------------------
// The real inquirer prompts, driven by @inquirer/testing.

/** Render one method of the real prompter on @inquirer/testing's streams. */
function renderReal<K extends 'input' | 'confirm' | 'select' | 'search'>(method: K, config: Parameters<NonNullable<Prompter[K]>>[0], color = false) {
  const prompt = (cfg: typeof config, context: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }) => {
    const prompter = createInquirerPrompter(prompts, { ...context, color });
    return (prompter[method] as (o: typeof config) => Promise<unknown>)(cfg);
  };
  return render(prompt as never, config as never);
}

test('inquirer input: the hint while asking, the rule\'s message inline, the corrected answer', async () => {
  const { answer, events, getScreen } = await renderReal('input', { message: 'AWS account id of dev', hint: '12 digits', validate: (v: string) => rules.accountId(v) ?? true });
  assert.is(getScreen(), '? AWS account id of dev · 12 digits');
  events.type('12345');
  events.keypress('enter');
  await new Promise((r) => setTimeout(r, 20));
  assert.match(getScreen(), /> expected exactly 12 digits, e\.g\. "111111111111"/);
  for (let i = 0; i < 5; i++) events.keypress('backspace');
  events.type('111111111111');
  events.keypress('enter');
  assert.is(await answer, '111111111111');
  assert.is(getScreen(), '✔ AWS account id of dev 111111111111', 'the hint is gone once answered');
});

test('inquirer search: type to filter the regions, Enter takes the first match', async () => {
  const { answer, events, getScreen } = await renderReal('search', { message: 'AWS region', default: 'us-east-2', choices: regionChoices() });
  assert.match(getScreen(), /❯ us-east-2 +US East \(Ohio\)/);
  events.type('frank');
  await new Promise((r) => setTimeout(r, 20));
  assert.match(getScreen(), /❯ eu-central-1 +Europe \(Frankfurt\)/);
  assert.not.match(getScreen(), /us-east-2/);
  events.keypress('enter');
  assert.is(await answer, 'eu-central-1');
  assert.is(getScreen(), '✔ AWS region eu-central-1');
});

/** The error a prompt ends with, or a failure when it is still open after `ms`. */
async function rejection(answer: Promise<unknown>, ms = 2000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise((resolve) => (timer = setTimeout(() => resolve(new Error(`the prompt is still open after ${ms} ms`)), ms)));
  try {
    return await Promise.race([answer.then(() => null, (e: unknown) => e), open]);
  } finally {
    clearTimeout(timer);
  }
}

test('inquirer: Escape and Ctrl-C both cancel the prompt', async () => {
  for (const method of ['input', 'confirm', 'search'] as const) {
    const config = method === 'search' ? { message: 'AWS region', choices: regionChoices() } : { message: 'Namespace' };
    const escape = await renderReal(method, config as never);
    escape.events.keypress('escape');
    assert.instance(await rejection(escape.answer as Promise<unknown>), Cancelled, `${method}: Escape`);
  }
  const ctrlC = await renderReal('select', { message: 'Setup', choices: [{ value: 'basic' }, { value: 'advanced' }] });
  ctrlC.events.keypress({ name: 'c', ctrl: true });
  assert.instance(await rejection(ctrlC.answer as Promise<unknown>), Cancelled, 'select: Ctrl-C');
});

test('inquirer: colour codes only when the prompter has colour', async () => {
  const plain = await renderReal('confirm', { message: 'Use Atmos Pro?', hint: 'dispatch', default: true }, false);
  assert.not.match(plain.getScreen({ raw: true }), /\u001b\[(?:1|2|3\d)m/);
  plain.events.keypress('enter');
  await plain.answer;
  const coloured = await renderReal('confirm', { message: 'Use Atmos Pro?', hint: 'dispatch', default: true }, true);
  assert.match(coloured.getScreen({ raw: true }), /\u001b\[2m· dispatch\u001b\[22m/);
  coloured.events.keypress('enter');
  assert.is(await coloured.answer, true);
});

test.run();
