/**
 * Asking for the answers that are missing, one prompt each, in the order a person thinks about them,
 * validated with the same rules as the answers file so a typo is fixed where it is made. Only what
 * `raw` lacks is asked. The outside world (git, gh) comes in through `Lookups`, so tests can stand in
 * for it.
 */
import { spawn } from 'node:child_process';
import { defaultNamespace, DEFAULT_ATMOS_VERSION, DEFAULT_REGION, type Answers, type RawAnswers } from '../answers/answers.ts';
import { colorSupported, palette } from './color.ts';
import { Cancelled, type Prompter } from './context.ts';
import { AWS_REGIONS, partitionOf } from '../answers/regions.ts';
import * as rules from '../answers/validate.ts';

/** Repositories created on or after this day send immutable subject claims (`owner@id/repo@id`). */
export const IMMUTABLE_CLAIMS_SINCE = '2026-07-15';

const asValidator =
  (rule: rules.Rule) =>
  (value: string): true | string =>
    rule(value) ?? true;

/** Parse a git remote URL (https or ssh, with or without `.git`) into `owner/repo`. */
export function repositoryFromRemote(url: string): string | null {
  const match = /github\.com[:/]+([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url.trim());
  if (!match) return null;
  const candidate = `${match[1]}/${match[2]}`;
  return rules.repository(candidate) === null ? candidate : null;
}

/** What `gh api repos/OWNER/REPO` told us: the numeric ids, or why there are none. */
export type IdsLookup =
  | { status: 'found'; owner: number; repo: number; createdAt: string | null }
  /** `gh` is not installed or not logged in: nothing to report, just ask. */
  | { status: 'unavailable'; reason: string }
  /** `gh` ran and failed (unknown repository, no access, network): say why, then ask. */
  | { status: 'failed'; reason: string };

/** The outside world the prompts consult for defaults. */
export interface Lookups {
  /** The URL of the `origin` remote of the git repository at `dir`, or null. */
  originUrl(dir: string): Promise<string | null>;
  /** The numeric owner and repository ids of `owner/repo`, via `gh`. */
  repositoryIds(repository: string): Promise<IdsLookup>;
}

/** Run a program; rejects like execa (`code: 'ENOENT'` when missing, `exitCode`, `stderr`, `timedOut`). */
export type Run = (file: string, args: string[], options: { cwd?: string; timeout: number; env?: Record<string, string> }) => Promise<{ stdout: string }>;

const execaRun: Run = async (file, args, options) => {
  const { execa } = await import('execa');
  const result = await execa(file, args, { ...options, stdin: 'ignore', reject: true });
  return { stdout: String(result.stdout) };
};

/**
 * A program's standard output through `node:child_process` alone, for the lookup made before the
 * first question: loading execa would cost more than git takes to answer. Rejects on a failed
 * start, a non-zero exit or the timeout (only success is told apart).
 */
const plainRun: Run = (file, args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ? { ...process.env, ...options.env } : process.env, stdio: ['ignore', 'pipe', 'ignore'], timeout: options.timeout });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve({ stdout }) : reject(Object.assign(new Error(`${file} exited with ${signal ?? code}`), { exitCode: code ?? undefined }))));
  });

/** `git remote get-url origin` in `dir`; null when there is no repository, no origin or no git. */
export async function gitOriginUrl(dir: string, run: Run = plainRun): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['remote', 'get-url', 'origin'], { cwd: dir, timeout: 3000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/**
 * Look up the numeric ids with `gh api repos/OWNER/REPO` (`owner.id`, `id`, and `created_at`, which
 * tells whether the repository sends immutable subject claims by default). Never throws.
 */
export async function ghRepositoryIds(repository: string, run: Run = execaRun): Promise<IdsLookup> {
  let stdout: string;
  try {
    ({ stdout } = await run('gh', ['api', `repos/${repository}`], {
      timeout: 8000,
      env: { GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' },
    }));
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; stderr?: unknown; timedOut?: boolean; message?: string };
    if (e.code === 'ENOENT') return { status: 'unavailable', reason: 'gh is not installed' };
    const stderr = typeof e.stderr === 'string' ? e.stderr : '';
    if (e.exitCode === 4 || /gh auth login|not logged in/i.test(stderr)) return { status: 'unavailable', reason: 'gh is not logged in (gh auth login)' };
    if (e.timedOut) return { status: 'failed', reason: 'gh api timed out' };
    const line = stderr.split('\n').find((l) => l.trim()) ?? String(e.message ?? 'unknown error').split('\n')[0];
    return { status: 'failed', reason: `gh api repos/${repository} failed: ${line.trim().replace(/^gh:\s*/, '')}` };
  }
  try {
    const body = JSON.parse(stdout) as { id?: unknown; owner?: { id?: unknown }; created_at?: unknown };
    const owner = body.owner?.id;
    const repo = body.id;
    if (rules.githubId(owner) === null && rules.githubId(repo) === null)
      return { status: 'found', owner: owner as number, repo: repo as number, createdAt: typeof body.created_at === 'string' ? body.created_at : null };
  } catch {
    /* fall through */
  }
  return { status: 'failed', reason: `gh api repos/${repository} answered without numeric ids` };
}

/** The real lookups: git through `node:child_process`, gh through execa (or both through `run`). */
export function systemLookups(run?: Run): Lookups {
  return { originUrl: (dir) => gitOriginUrl(dir, run ?? plainRun), repositoryIds: (repository) => ghRepositoryIds(repository, run ?? execaRun) };
}

export interface PromptOptions {
  /** The target directory, whose git remote suggests the repository. */
  dir: string;
  lookups?: Lookups;
  /**
   * The recorded answers of a set-up repository: every question is asked again with them as the
   * defaults (copier's update), instead of the tool's defaults.
   */
  defaults?: Answers;
}

/** A numeric GitHub id typed at a prompt, checked by the answers file's rule. */
function githubIdText(value: string): true | string {
  const trimmed = value.trim();
  return (/^\d{1,16}$/.test(trimmed) ? rules.githubId(Number(trimmed)) : rules.githubId(trimmed)) ?? true;
}

/** An account id as typed; the console shows it as `1111-2222-3333`, so dashes and spaces are dropped. */
function accountIdText(value: string): string {
  const compact = value.trim().replace(/[\s-]/g, '');
  return /^\d+$/.test(compact) ? compact : value;
}

/** Stage names offered in turn for the first, second and third account. */
const STAGE_SUGGESTIONS = ['dev', 'prod', 'staging'];

/** Prompt for every missing answer, in the order a person thinks about them. */
export async function promptMissing(raw: RawAnswers, prompter: Prompter, options: PromptOptions): Promise<RawAnswers> {
  const lookups = options.lookups ?? systemLookups();
  const out: RawAnswers = { ...raw };
  const before = options.defaults;

  if (out.repository === undefined) {
    const remote = before ? null : await lookups.originUrl(options.dir);
    const fromRemote = remote ? repositoryFromRemote(remote) : null;
    out.repository = (
      await prompter.input({
        message: 'GitHub repository (owner/repo)',
        hint: before ? 'whose workflows assume the roles; default as recorded' : fromRemote ? 'whose workflows assume the roles; default from git remote origin' : 'whose workflows assume the roles',
        default: before?.repository ?? fromRemote ?? undefined,
        validate: (v) => asValidator(rules.repository)(v.trim()),
      })
    ).trim();
  }
  const repository = String(out.repository);

  if (out.repository_ids === undefined) {
    if (before && before.repository === repository) {
      const ids = before.repository_ids;
      const keep = await prompter.confirm({
        message: ids ? `Keep immutable subject claims with owner id ${ids.owner} and repository id ${ids.repo}?` : 'Keep subject claims by name (no immutable ids)?',
        hint: 'as recorded',
        default: true,
      });
      out.repository_ids = keep ? ids : await promptRepositoryIds(repository, prompter, lookups);
    } else out.repository_ids = await promptRepositoryIds(repository, prompter, lookups);
  }

  if (out.namespace === undefined) {
    out.namespace = await prompter.input({
      message: 'Namespace',
      hint: 'Atmos vars.namespace: first part of role names and identities',
      default: before && before.repository === repository ? before.namespace : defaultNamespace(repository),
      validate: asValidator(rules.label),
    });
  }
  if (out.default_branch === undefined) {
    out.default_branch = await prompter.input({
      message: 'Default branch',
      hint: 'where the workflows run from and Atmos Pro dispatches',
      default: before?.default_branch ?? 'main',
      validate: asValidator(rules.branch),
    });
  }
  if (out.region === undefined) out.region = await promptRegion(prompter, before?.region);
  const partition = partitionOf(String(out.region));

  if (out.accounts === undefined && before) {
    const listed = before.accounts.map((a) => `${a.stage} (${a.id})`).join(', ');
    const keep = await prompter.confirm({ message: `Keep the accounts ${listed}?`, hint: 'no asks for each account again, these as defaults', default: true });
    if (keep) out.accounts = before.accounts.map((a) => ({ ...a }));
  }
  if (out.accounts === undefined) {
    const accounts: Array<{ stage: string; id: string; oidc_provider_arn: string | null }> = [];
    do {
      const recorded = before?.accounts[accounts.length];
      const taken = new Set(accounts.map((a) => a.stage));
      const suggestion = [...STAGE_SUGGESTIONS.slice(accounts.length), ...STAGE_SUGGESTIONS].find((s) => !taken.has(s));
      const stage = await prompter.input({
        message: `Stage of AWS account ${accounts.length + 1}`,
        hint: 'one Atmos stack per stage, e.g. dev, staging, prod',
        default: recorded && !taken.has(recorded.stage) ? recorded.stage : suggestion,
        validate: (v) => rules.label(v) ?? (taken.has(v) ? 'this stage is already listed; stages must be unique' : true),
      });
      const id = await promptAccountId(prompter, stage, accounts, recorded?.stage === stage ? recorded.id : undefined);
      const sameAccount = accounts.find((a) => a.id === id);
      let providerArn: string | null;
      if (sameAccount) {
        // One account has one GitHub provider: a second stage in it shares the first one's answer.
        providerArn = sameAccount.oidc_provider_arn;
      } else {
        const hasProvider = await prompter.confirm({
          message: `Does account ${id} already have a GitHub OIDC provider?`,
          hint: 'an account has only one; an existing one is reused, not created',
          default: Boolean(recorded?.id === id && recorded.oidc_provider_arn),
        });
        providerArn = hasProvider
          ? await prompter.input({
              message: 'ARN of that provider',
              default: recorded?.id === id && recorded.oidc_provider_arn ? recorded.oidc_provider_arn : `arn:${partition}:iam::${id}:oidc-provider/token.actions.githubusercontent.com`,
              validate: asValidator(rules.oidcProviderArn(id, partition)),
            })
          : null;
      }
      accounts.push({ stage, id, oidc_provider_arn: providerArn });
    } while (await prompter.confirm({ message: 'Add another AWS account?', hint: `${accounts.map((a) => a.stage).join(', ')} so far`, default: false }));
    out.accounts = accounts;
  }

  if (out.setup === undefined) {
    out.setup = await prompter.select({
      message: 'Setup',
      default: before?.setup ?? 'advanced',
      choices: [
        { value: 'advanced', short: 'advanced', name: 'advanced  read-only planner for pull requests and plans; admin only inside a GitHub Environment' },
        { value: 'basic', short: 'basic', name: 'basic     one admin role that any pull request can assume (the guide\'s first setup)' },
      ],
    });
  }
  if (out.apply_environment === undefined && out.setup === 'advanced') {
    const stages = Array.isArray(out.accounts) ? (out.accounts as Array<{ stage?: unknown }>).map((a) => String(a.stage)) : [];
    const kind = await prompter.select({
      message: 'GitHub Environment of the apply job',
      hint: 'the admin role trusts only jobs running in it',
      default: before && before.apply_environment !== '{stage}' ? 'fixed' : 'per-stage',
      choices: [
        { value: 'per-stage', short: 'one per stage', name: `one per stage   ${stages.length ? stages.join(', ') : '{stage}'}: each account trusts its own` },
        { value: 'fixed', short: 'one fixed name', name: 'one fixed name  e.g. production, for every account' },
      ],
    });
    out.apply_environment =
      kind === 'per-stage'
        ? '{stage}'
        : await prompter.input({
            message: 'Name of the GitHub Environment',
            hint: 'protect it with required reviewers',
            default: before && before.apply_environment !== '{stage}' ? before.apply_environment : 'production',
            validate: asValidator(rules.environment),
          });
  }
  if (out.atmos_version === undefined) {
    out.atmos_version = await prompter.input({
      message: 'Atmos version',
      hint: `repository variable ATMOS_VERSION; at least ${rules.MIN_ATMOS_VERSION}`,
      default: before?.atmos_version ?? DEFAULT_ATMOS_VERSION,
      validate: asValidator(rules.atmosVersion),
    });
  }
  if (out.atmos_pro === undefined) {
    out.atmos_pro = await prompter.confirm({ message: 'Use Atmos Pro?', hint: 'affected stacks on pull requests, dispatched plan and apply', default: before?.atmos_pro ?? true });
  }
  let backend: Record<string, unknown> | null = null;
  if (out.backend === undefined) {
    const was = before?.backend ?? null;
    const wasS3 = was?.type === 's3' ? was : null;
    const type = await prompter.select({
      message: 'Terraform state backend',
      hint: 'where CI keeps state between runs',
      default: was?.type ?? 's3',
      choices: [
        { value: 's3', short: 's3', name: 's3        an S3 bucket (the tool writes the backend into the stacks\' _defaults.yaml)' },
        { value: 'existing', short: 'existing', name: 'existing  your stacks already configure one (the generated stacks import it)' },
        { value: 'local', short: 'local', name: 'local     state is NOT kept between CI runs: every plan shows everything as new' },
      ],
    });
    backend = { type };
    if (type === 's3') {
      const namespace = typeof out.namespace === 'string' ? out.namespace : typeof out.repository === 'string' ? defaultNamespace(out.repository) : 'acme';
      backend.bucket = await prompter.input({ message: 'S3 bucket for Terraform state', hint: 'it must exist; the roles need access to it', default: wasS3?.bucket ?? `${namespace}-tfstate`, validate: asValidator(rules.s3Bucket) });
      backend.region = await prompter.input({
        message: 'Region of the state bucket',
        default: wasS3?.region ?? (typeof out.region === 'string' ? out.region : DEFAULT_REGION),
        validate: asValidator(rules.region),
      });
      if (wasS3?.key_prefix) backend.key_prefix = wasS3.key_prefix;
      const lock = await prompter.select({
        message: 'State lock',
        default: wasS3?.dynamodb_table ? 'dynamodb' : 'lockfile',
        choices: [
          { value: 'lockfile', short: 'S3 lock file', name: 'S3 lock file    use_lockfile (Terraform >= 1.10), nothing else to create' },
          { value: 'dynamodb', short: 'DynamoDB table', name: 'DynamoDB table  an existing lock table' },
        ],
      });
      if (lock === 'dynamodb')
        backend.dynamodb_table = await prompter.input({ message: 'DynamoDB lock table', default: wasS3?.dynamodb_table ?? `${namespace}-tfstate-lock`, validate: asValidator(rules.dynamodbTable) });
    }
    out.backend = backend;
  }
  if (out.tfstate_role_arn === undefined) {
    const arn = (
      await prompter.input({
        message: 'Terraform state role ARN',
        hint: 'the backend assumes it, and every generated role may; empty for none',
        default: (before?.backend?.type === 's3' ? before.backend.role_arn : null) ?? before?.tfstate_role_arn ?? '',
        validate: (v) => (v.trim() === '' ? true : (rules.roleArn(partition)(v.trim()) ?? true)),
      })
    ).trim();
    // One answer: with an S3 backend asked here, the role is the backend's role_arn (and the roles' statement).
    if (backend?.type === 's3' && arn !== '') {
      backend.role_arn = arn;
      out.tfstate_role_arn = null;
    } else out.tfstate_role_arn = arn === '' ? null : arn;
  }
  if (out.guard_workflow === undefined) {
    out.guard_workflow = await prompter.confirm({
      message: 'Add a pull-request guard workflow?',
      hint: 'runs create-atmos-oidc check on pull requests that touch workflows, stacks or profiles; findings in code scanning',
      default: before?.guard_workflow ?? false,
    });
  }
  return out;
}

/**
 * Immutable subject claims: whether the repository sends `owner@id/repo@id`, and its ids. `gh`,
 * when installed and logged in, answers both the ids and (by the creation date) the default.
 */
async function promptRepositoryIds(repository: string, prompter: Prompter, lookups: Lookups): Promise<{ owner: number; repo: number } | null> {
  const found: IdsLookup =
    rules.repository(repository) === null ? await lookups.repositoryIds(repository) : { status: 'unavailable', reason: 'the repository is not a valid OWNER/REPO' };
  const created = found.status === 'found' && found.createdAt ? found.createdAt.slice(0, 10) : null;
  const newer = created !== null && created >= IMMUTABLE_CLAIMS_SINCE;
  const uses = await prompter.confirm({
    message: 'Does the repository send immutable subject claims (owner@id/repo@id)?',
    hint:
      created === null
        ? `yes if created on or after ${IMMUTABLE_CLAIMS_SINCE}, or opted in`
        : newer
          ? `created ${created}, on or after ${IMMUTABLE_CLAIMS_SINCE}: it does`
          : `created ${created}, before ${IMMUTABLE_CLAIMS_SINCE}: only if opted in, renamed or transferred since`,
    default: newer,
  });
  if (!uses) return null;
  if (found.status === 'found') {
    const take = await prompter.confirm({ message: `Use owner id ${found.owner} and repository id ${found.repo}?`, hint: 'from gh api', default: true });
    if (take) return { owner: found.owner, repo: found.repo };
  }
  const why = found.status === 'found' ? '' : `${found.reason}; `;
  const [owner, repo] = repository.split('/');
  const ownerId = await prompter.input({
    message: `Numeric id of owner ${owner}`,
    hint: `${why}owner.id in gh api repos/${repository}`,
    validate: githubIdText,
  });
  const repoId = await prompter.input({
    message: `Numeric id of repository ${repo}`,
    hint: `id in gh api repos/${repository}`,
    validate: githubIdText,
  });
  return { owner: Number(ownerId.trim()), repo: Number(repoId.trim()) };
}

/** Region codes with their names, the default first, so Enter on an empty filter takes it. */
export function regionChoices(preferred = DEFAULT_REGION): Array<{ value: string; name: string }> {
  const codes = Object.keys(AWS_REGIONS);
  const ordered = [preferred, ...codes.filter((c) => c !== preferred)].filter((c) => Object.hasOwn(AWS_REGIONS, c));
  const width = Math.max(...codes.map((c) => c.length));
  return ordered.map((code) => ({ value: code, name: `${code.padEnd(width)}  ${AWS_REGIONS[code].name}` }));
}

/** Does a choice match what was typed? Every word must appear in its value or name. */
export function matchesFilter(term: string | undefined, choice: { value: string; name?: string }): boolean {
  const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const text = `${choice.value} ${choice.name ?? ''}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

async function promptRegion(prompter: Prompter, recorded?: string): Promise<string> {
  const preferred = recorded ?? DEFAULT_REGION;
  if (prompter.search)
    return prompter.search({ message: 'AWS region', hint: 'type to filter, e.g. "frank" or "eu-"', default: preferred, choices: regionChoices(preferred) });
  return prompter.input({ message: 'AWS region', hint: 'a region code, e.g. eu-central-1', default: preferred, validate: asValidator(rules.region) });
}

/**
 * An account id, checked where it is typed: by the rule, and against the stages already listed. An
 * id another stage uses is most often a paste from the line above, so it is taken only once the
 * user says it is the same account (two stages may share one); otherwise the id is asked again.
 */
export async function promptAccountId(
  prompter: Prompter,
  stage: string,
  others: ReadonlyArray<{ stage: string; id: string }>,
  recorded?: string,
): Promise<string> {
  for (;;) {
    const id = accountIdText(
      await prompter.input({ message: `AWS account id of ${stage}`, hint: '12 digits', default: recorded, validate: (v) => asValidator(rules.accountId)(accountIdText(v)) }),
    );
    const shared = others.filter((a) => a.id === id).map((a) => a.stage);
    if (!shared.length) return id;
    const same = await prompter.confirm({
      message: `Account ${id} is ${shared.join(' and ')}'s too: same account as ${shared[0]}?`,
      hint: 'yes: both stages deploy into one account; no: type the id again',
      default: false,
    });
    if (same) return id;
    recorded = undefined;
  }
}

type Prompts = typeof import('@inquirer/prompts');

/** Where the real prompts read and draw; by default the process's own terminal. */
export interface PromptStreams {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/**
 * The prompter over `@inquirer/prompts`. Ctrl-C (inquirer's ExitPromptError) and Escape (which
 * inquirer ignores, so it is watched here and aborts the prompt) become `Cancelled`; hints are shown
 * dimmed beside the question while it is open; colour follows `color`.
 */
export function createInquirerPrompter(prompts: Prompts, options: PromptStreams & { color: boolean }): Prompter {
  const c = palette(options.color);
  const streams: PromptStreams = { ...(options.input ? { input: options.input } : {}), ...(options.output ? { output: options.output } : {}) };
  const theme = (hint: string | undefined) => ({
    prefix: { idle: c.blue('?'), done: c.green('✔') },
    spinner: { interval: 80, frames: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'].map((f) => c.yellow(f)) },
    style: {
      message: (text: string, status: string) => (hint && status !== 'done' ? `${c.bold(text)} ${c.dim(`· ${hint}`)}` : c.bold(text)),
      answer: c.cyan,
      error: (text: string) => c.red(`> ${text}`),
      defaultAnswer: (text: string) => c.dim(`(${text})`),
      help: c.dim,
      highlight: c.cyan,
      key: (text: string) => c.cyan(c.bold(`<${text}>`)),
      description: c.cyan,
      disabled: c.dim,
      searchTerm: c.cyan,
      keysHelpTip: (keys: [string, string][]) => keys.map(([key, action]) => `${c.bold(key)} ${c.dim(action)}`).join(c.dim(' • ')),
    },
  });
  const ask = async <T>(run: (context: PromptStreams & { signal: AbortSignal }) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    const input = (streams.input ?? process.stdin) as NodeJS.ReadableStream;
    const onKey = (_text: unknown, key: { name?: string } | undefined): void => {
      if (key?.name === 'escape') controller.abort();
    };
    input.on('keypress', onKey);
    try {
      return await run({ ...streams, signal: controller.signal });
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw new Cancelled();
      throw error;
    } finally {
      input.removeListener('keypress', onKey);
    }
  };
  return {
    color: options.color,
    input: (o) => ask((ctx) => prompts.input({ message: o.message, default: o.default, validate: o.validate, theme: theme(o.hint) }, ctx)),
    confirm: (o) => ask((ctx) => prompts.confirm({ message: o.message, default: o.default, theme: theme(o.hint) }, ctx)),
    select: (o) => ask((ctx) => prompts.select({ message: o.message, choices: o.choices, default: o.default, theme: theme(o.hint) }, ctx)),
    search: (o) =>
      ask((ctx) =>
        prompts.search(
          {
            message: o.message,
            default: o.default,
            pageSize: 8,
            source: (term) => o.choices.filter((choice) => matchesFilter(term, choice)).map((choice) => ({ ...choice, short: choice.value })),
            theme: theme(o.hint),
          },
          ctx,
        ),
      ),
  };
}

/** The real prompts, loaded only when a terminal asks for them. */
export async function inquirerPrompter(): Promise<Prompter> {
  const prompts = await import('@inquirer/prompts');
  return createInquirerPrompter(prompts, { color: colorSupported(process.stdout, process.env) });
}
