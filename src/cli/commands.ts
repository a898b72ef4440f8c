/**
 * Day-two commands: `account` and `role` change the answers, then plan every file again through
 * the same write path as `init`; `check` verifies a repository's trust chain.
 */
import { join } from 'node:path';
import { ANSWERS_FILE, resolveAnswers, type Answers, type AnswersRecord, type RawAnswers } from '../answers/answers.ts';
import type { Context } from './context.ts';
import { partitionOf } from '../answers/regions.ts';
import { trustEntryWarnings } from '../setup/trust.ts';
import * as rules from '../answers/validate.ts';
import { InputError } from '../answers/validate.ts';

export interface DayTwoDeps {
  gatherPrevious: (dir: string) => AnswersRecord | null;
  planAndWrite: (ctx: Context, generator: 'account' | 'role', answers: Answers, previous: AnswersRecord | null) => Promise<number>;
  /** Print a warning once per run. */
  warn: (ctx: Context, message: string) => void;
}

function requirePrevious(ctx: Context, deps: DayTwoDeps): AnswersRecord {
  const previous = deps.gatherPrevious(ctx.dir);
  if (!previous)
    throw new InputError({ field: ANSWERS_FILE, value: join(ctx.dir, ANSWERS_FILE), allowed: 'expected the answers file of an earlier `create-atmos-oidc init` in DIR' });
  return previous;
}

function canPrompt(ctx: Context): boolean {
  return ctx.io.prompter !== null && !ctx.yes;
}

function requireFlag(flag: string, value: unknown): never {
  throw new InputError({ field: flag, value, allowed: 'required with --yes or when stdin is not a terminal' });
}

async function addAccount(ctx: Context, deps: DayTwoDeps): Promise<number> {
  const previous = requirePrevious(ctx, deps);
  const a = previous.answers;
  const partition = partitionOf(a.region);
  const prompter = canPrompt(ctx) ? ctx.io.prompter : null;
  const taken = new Set(a.accounts.map((x) => x.stage));
  const stage =
    ctx.stage ??
    (prompter
      ? await prompter.input({ message: 'Stage name of the new account', validate: (v) => rules.label(v) ?? (taken.has(v) ? 'this stage exists already' : true) })
      : requireFlag('--stage', undefined));
  const id =
    ctx.accountId ??
    (prompter
      ? await (await import('./prompts.ts')).promptAccountId(prompter, stage, a.accounts)
      : requireFlag('--account-id', undefined));
  let providerArn = ctx.oidcProviderArn;
  if (!providerArn && !ctx.stage && prompter && (await prompter.confirm({ message: `Does account ${id} already have a GitHub OIDC provider?`, default: false }))) {
    providerArn = await prompter.input({ message: 'Its ARN', validate: (v) => rules.oidcProviderArn(id, partition)(v) ?? true });
  }
  // Run twice, the same command changes nothing: an account listed exactly so already is not an error.
  const listed = a.accounts.find((x) => x.stage === stage);
  if (listed && listed.id === id && listed.oidc_provider_arn === (providerArn ?? null)) {
    ctx.io.stdout(`Account ${stage} (${id}) is already part of the setup; nothing to add.\n`);
    return deps.planAndWrite(ctx, 'account', a, previous);
  }
  const raw: RawAnswers = { ...a, accounts: [...a.accounts, { stage, id, oidc_provider_arn: providerArn ?? null }] };
  // A problem is named after the flag only when a flag gave the value; a typed answer keeps its field.
  const i = a.accounts.length;
  const flags: Record<string, string> = {};
  if (ctx.stage !== null) flags['--stage'] = `accounts[${i}].stage`;
  if (ctx.accountId !== null) flags['--account-id'] = `accounts[${i}].id`;
  if (ctx.oidcProviderArn !== null) flags['--oidc-provider-arn'] = `accounts[${i}].oidc_provider_arn`;
  const answers = resolveFlags(raw, flags);
  return deps.planAndWrite(ctx, 'account', answers, previous);
}

/** Resolve answers, naming the flag rather than the answers-file field when a flag was wrong. */
function resolveFlags(raw: RawAnswers, flagFields: Record<string, string>): Answers {
  try {
    return resolveAnswers(raw);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const byField = Object.fromEntries(Object.entries(flagFields).map(([flag, field]) => [field, flag]));
    throw new InputError(error.problems.map((p) => (byField[p.field] ? { ...p, field: byField[p.field] } : p)));
  }
}

async function addRole(ctx: Context, deps: DayTwoDeps): Promise<number> {
  const previous = requirePrevious(ctx, deps);
  const a = previous.answers;
  const partition = partitionOf(a.region);
  const prompter = canPrompt(ctx) ? ctx.io.prompter : null;
  // A name that exists is refused where it is typed, not after every other question.
  const existing = (v: string): string | null => {
    const r = a.roles.find((x) => x.name === v);
    return r ? `role ${v} exists already (identity ${r.identity}); choose another name, or edit it in ${ANSWERS_FILE} and run \`create-atmos-oidc workflows\`` : null;
  };
  const name =
    ctx.name ??
    (prompter ? await prompter.input({ message: 'Role name (iam-role/<name>)', validate: (v) => rules.roleName(v) ?? existing(v) ?? true }) : requireFlag('--name', undefined));
  const identity =
    ctx.identity ??
    (prompter ? await prompter.input({ message: 'Identity, named after its permission boundary', default: `${a.namespace}/${name}`, validate: (v) => rules.identity(v) ?? true }) : requireFlag('--identity', undefined));
  let policies = ctx.policies;
  if (!policies.length) {
    if (!prompter) requireFlag('--policy', undefined);
    policies = [await prompter.input({ message: 'Managed policy ARN', default: `arn:${partition}:iam::aws:policy/ReadOnlyAccess`, validate: (v) => rules.policyArn(partition)(v) ?? true })];
  }
  let trust = ctx.trust;
  if (!trust.length) {
    if (!prompter) requireFlag('--trust', undefined);
    ctx.io.stdout(TRUST_HELP);
    trust = [];
    do {
      const entry = await prompter.input({
        message: 'Trusted entry',
        default: trust.length ? undefined : `${a.repository}:environment:{stage}`,
        validate: (v) => rules.trustEntry(v) ?? (trust.includes(v) ? 'this entry is listed already' : true),
      });
      for (const w of trustEntryWarnings(entry, false)) deps.warn(ctx, w.message);
      trust.push(entry);
    } while (await prompter.confirm({ message: 'Add another trusted entry?', default: false }));
  }
  const isAdmin = policies.some((p) => /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/.test(p));
  // Entries typed at the prompt were warned about as they were typed; the admin warning is new. Each
  // is said once per run (the plan's own warnings repeat them).
  for (const entry of trust) for (const w of trustEntryWarnings(entry, isAdmin)) deps.warn(ctx, w.message);
  // Run twice, the same command changes nothing: a role defined exactly so already is not an error.
  const defined = a.roles.find((r) => r.name === name);
  // Lists are sets here (the stack files merge them as sets): the same entries in another order are the same role.
  const sameSet = (x: readonly string[], y: readonly string[]): boolean => {
    const [sx, sy] = [new Set(x), new Set(y)];
    return sx.size === sy.size && [...sx].every((v) => sy.has(v));
  };
  if (defined && defined.identity === identity && sameSet(defined.policies, policies) && sameSet(defined.trust, trust)) {
    ctx.io.stdout(`Role ${name} is already part of the setup as given; nothing to add.\n`);
    return deps.planAndWrite(ctx, 'role', a, previous);
  }
  const index = a.roles.length;
  const raw: RawAnswers = { ...a, roles: [...a.roles, { name, identity, policies, trust, used_for: [] }] };
  // A problem is named after the flag only when a flag gave the value; a typed answer keeps its field.
  const flags: Record<string, string> = {};
  if (ctx.name !== null) flags['--name'] = `roles[${index}].name`;
  if (ctx.identity !== null) flags['--identity'] = `roles[${index}].identity`;
  if (ctx.policies.length) policies.forEach((_, i) => (flags[`--policy ${policies[i]}`] = `roles[${index}].policies[${i}]`));
  if (ctx.trust.length) trust.forEach((_, i) => (flags[`--trust ${trust[i]}`] = `roles[${index}].trust[${i}]`));
  return deps.planAndWrite(ctx, 'role', resolveFlags(raw, flags), previous);
}

export const TRUST_HELP = `Trust entries (trusted_github_repos of the aws-iam-role component):
  acme/infra-live                          repo:acme/infra-live:*  (any branch, tag, PR or environment)
  acme/infra-live:main                     repo:acme/infra-live:ref:refs/heads/main  (that branch only)
  acme/infra-live:environment:production   repo:acme/infra-live:environment:production  (jobs in that environment)
  acme/infra-live:ref:refs/tags/v*         repo:acme/infra-live:ref:refs/tags/v*  (verbatim ref)
  {stage} in an entry becomes each account's stage.
`;

export async function runDayTwo(ctx: Context, deps: DayTwoDeps): Promise<number> {
  if (ctx.command === 'account') return addAccount(ctx, deps);
  if (ctx.command === 'role') return addRole(ctx, deps);
  const { runCheck } = await import('./check-command.ts');
  return runCheck(ctx);
}
