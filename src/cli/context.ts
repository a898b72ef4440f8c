/**
 * Everything a command needs from the outside world, parsed once from argv and injected, so tests
 * drive commands without a terminal: output streams, the prompt, the environment.
 *
 * The command line is one table, `OPTIONS`: a row per option and the commands it belongs to. Parsing,
 * the help texts, "did you mean" and the refusal of another command's option all read that table,
 * so adding an option to a command is one row (and, to read it typed, one line in `getContext`).
 * `--trust` is `role`'s (an entry) and `check`'s (a file): one name may have a row per command, as
 * long as every row has the same type.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { TreeFs } from '../write/tree.ts';
import { branded, InputError } from '../answers/validate.ts';

export const COMMANDS = ['init', 'account', 'role', 'workflows', 'check'] as const;
export type Command = (typeof COMMANDS)[number];

/**
 * A prompt the user can answer; `Cancelled` is thrown on Ctrl-C or Escape. `hint` is one line shown
 * beside the question while it is asked (a prompter may ignore it).
 */
export interface Prompter {
  input(options: { message: string; default?: string; validate?: (value: string) => true | string; hint?: string }): Promise<string>;
  confirm(options: { message: string; default?: boolean; hint?: string }): Promise<boolean>;
  select<T extends string>(options: {
    message: string;
    choices: Array<{ value: T; name?: string; description?: string; short?: string }>;
    default?: T;
    hint?: string;
  }): Promise<T>;
  /**
   * Pick one of many choices by typing to filter them (by value and name, case-insensitive). Optional:
   * without it, callers fall back to `input` with validation.
   */
  search?<T extends string>(options: { message: string; choices: Array<{ value: T; name?: string; description?: string }>; default?: T; hint?: string }): Promise<T>;
  /** True when the terminal the prompts draw on shows colour (see src/cli/color.ts); absent means no colour. */
  readonly color?: boolean;
}

const CANCELLED = Symbol.for('create-atmos-oidc.Cancelled');

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
    Object.defineProperty(this, CANCELLED, { value: true });
  }
  // Recognised across two copies of this module (see `branded` in validate.ts).
  static [Symbol.hasInstance] = branded(CANCELLED);
}

const DECLINED = Symbol.for('create-atmos-oidc.Declined');

/** The user answered no to "Write these files?": exit 1, nothing written (unlike Ctrl-C, 130). */
export class Declined extends Error {
  constructor() {
    super('declined');
    this.name = 'Declined';
    Object.defineProperty(this, DECLINED, { value: true });
  }
  static [Symbol.hasInstance] = branded(DECLINED);
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Null when prompting is impossible (not a terminal). */
  prompter: Prompter | null;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The file system the write path uses; tests inject faults here. Default: Node's. */
  treeFs?: TreeFs;
}

/** One option of the command line. */
export interface OptionSpec {
  name: string;
  short?: string;
  type: 'boolean' | 'string';
  multiple?: boolean;
  /** The commands it belongs to. */
  commands: readonly Command[];
  /** The value's placeholder in help, e.g. FILE. */
  value?: string;
  help: string;
}

const ALL: readonly Command[] = COMMANDS;
const WRITING: readonly Command[] = ['init', 'account', 'role', 'workflows'];

/** Every option, in the order help lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: 'answers', type: 'string', commands: ['init'], value: 'FILE', help: 'answers from a YAML file shaped like .atmos-oidc.yaml; only what is missing is asked' },
  { name: 'repository', type: 'string', commands: ['init'], value: 'OWNER/REPO', help: 'the GitHub repository whose workflows assume the roles (over --answers and the git remote)' },
  { name: 'account', type: 'string', multiple: true, commands: ['init'], value: 'STAGE=ID[,provider=ARN]', help: 'an AWS account; repeat for each (together they replace the accounts of --answers)' },
  { name: 'set', type: 'string', multiple: true, commands: ['init'], value: 'KEY=VALUE', help: 'any other answer, e.g. --set setup=basic --set region=eu-west-1 (repeatable; over --answers)' },
  { name: 'stage', type: 'string', commands: ['account'], value: 'NAME', help: 'the new account\'s stage (its stack name)' },
  { name: 'account-id', type: 'string', commands: ['account'], value: 'ID', help: 'its 12-digit AWS account id' },
  { name: 'oidc-provider-arn', type: 'string', commands: ['account'], value: 'ARN', help: 'the account\'s existing GitHub OIDC provider, reused instead of deploying one' },
  { name: 'name', type: 'string', commands: ['role'], value: 'NAME', help: 'the role\'s name (component iam-role/NAME)' },
  { name: 'identity', type: 'string', commands: ['role'], value: 'ORG/BOUNDARY', help: 'its Atmos identity, named after its permission boundary' },
  { name: 'policy', type: 'string', multiple: true, commands: ['role'], value: 'ARN', help: 'a managed policy ARN (repeatable)' },
  { name: 'trust', type: 'string', multiple: true, commands: ['role'], value: 'ENTRY', help: 'a trusted_github_repos entry, e.g. acme/app:main (repeatable)' },
  { name: 'format', type: 'string', commands: ['check'], value: 'FORMAT', help: 'text (default), json, sarif (GitHub code scanning) or markdown (the run summary)' },
  { name: 'json', type: 'boolean', commands: ['check'], help: 'the same as --format json' },
  { name: 'explain', type: 'string', commands: ['check'], value: 'ROLE', help: 'the trust policy the component creates for ROLE in each account' },
  { name: 'repository', type: 'string', commands: ['check'], value: 'OWNER/REPO', help: 'the repository the workflows run in, when .atmos-oidc.yaml and the git remote do not say' },
  { name: 'repository-ids', type: 'string', commands: ['check'], value: 'OWNER_ID/REPO_ID', help: 'its numeric ids: GitHub sends immutable subject claims (owner@id/repo@id)' },
  { name: 'config', type: 'string', commands: ['check'], value: 'PATH', help: 'the atmos.yaml CI uses, or its directory (default: ATMOS_CLI_CONFIG_PATH, a workflow\'s env, the root, rootfs/usr/local/etc/atmos)' },
  { name: 'trust', type: 'string', multiple: true, commands: ['check'], value: 'FILE', help: 'trust policies of roles created elsewhere: the JSON of aws iam get-role or list-roles (repeatable)' },
  { name: 'aws', type: 'boolean', commands: ['check'], help: 'read those trust policies with the AWS CLI (its credentials\' account; nothing is run without this flag)' },
  { name: 'github', type: 'boolean', commands: ['check'], help: 'read environments\' protection, the OIDC sub template, ids and default branch with gh' },
  { name: 'base-path', type: 'string', commands: ['check'], value: 'PATH', help: 'Atmos\'s base path as CI sets it (default: ATMOS_BASE_PATH, a workflow\'s env, else base_path in atmos.yaml)' },
  { name: 'yes', short: 'y', type: 'boolean', commands: WRITING, help: 'never prompt: take given answers and defaults (also when stdin is not a terminal)' },
  { name: 'dry-run', type: 'boolean', commands: WRITING, help: 'print every create/update/delete/conflict with a unified diff; write nothing' },
  { name: 'force', type: 'boolean', commands: WRITING, help: 'overwrite managed files edited by hand (the diff is printed first)' },
  { name: 'no-color', type: 'boolean', commands: ALL, help: 'no colour codes (as NO_COLOR=1)' },
  { name: 'help', short: 'h', type: 'boolean', commands: ALL, help: 'this help' },
  { name: 'version', short: 'v', type: 'boolean', commands: ALL, help: 'the version' },
];

export interface Context {
  command: Command;
  dir: string;
  answersFile: string | null;
  yes: boolean;
  dryRun: boolean;
  force: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
  /** `--no-color`: never colour, whatever the terminal says. */
  noColor: boolean;
  stage: string | null;
  accountId: string | null;
  oidcProviderArn: string | null;
  name: string | null;
  identity: string | null;
  policies: string[];
  trust: string[];
  explain: string | null;
  /** `owner/repo`: (init) an answer; (check) the repository, when neither .atmos-oidc.yaml nor the git remote says. */
  repository: string | null;
  /** (check) `OWNER_ID/REPO_ID`: GitHub sends immutable subject claims (owner@id/repo@id). */
  repositoryIds: string | null;
  /** (check) `--config PATH`, absolute: the atmos.yaml (or its directory) CI uses. */
  config: string | null;
  /** (check) `--base-path PATH`, absolute: Atmos's base path, as CI sets it. */
  basePath: string | null;
  /** (check) text, json, sarif or markdown; --json is --format json. */
  format: string | null;
  /** (check) read trust policies with the AWS CLI; read environments and the sub template with gh. */
  aws: boolean;
  github: boolean;
  /** (init) `--account STAGE=ID[,provider=ARN]`, as typed. */
  accounts: string[];
  /** (init) `--set KEY=VALUE`, as typed. */
  sets: string[];
  /** Every option given, by name, for options added without a typed field. */
  options: Record<string, string | boolean | string[] | undefined>;
  /** Said once before the command runs (npm took a flag meant for us). */
  warnings: string[];
  io: Io;
}

/** `help [COMMAND]` or `--help`: print help and exit 0. */
export interface HelpRequest {
  help: true;
  command: Command | null;
}

/** Edit distance (Levenshtein) between two short words. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const kept = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = kept;
    }
  }
  return row[b.length];
}

/** The closest of `candidates` to `word`, when it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return best !== null && (bestDistance <= limit || (best.startsWith(word) && word.length >= 3)) ? best : null;
}

const flag = (o: OptionSpec): string => `--${o.name}`;

function optionsOf(command: Command): OptionSpec[] {
  return OPTIONS.filter((o) => o.commands.includes(command));
}

function usageError(value: string, allowed: string): InputError {
  return new InputError({ field: 'arguments', value, allowed });
}

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Parse argv (without `node` and the script). Usage errors are input errors: exit 2. */
export function getContext(argv: string[], io: Io): Context | HelpRequest {
  // Parse with every option known (each name has one type in the table), then hold each option
  // against the command: an option of another command is refused, naming that command.
  const known: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> = {};
  for (const o of OPTIONS) known[o.name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  const { values, positionals, tokens } = parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true, options: known });

  const rest = [...positionals];
  let command: Command = 'init';
  let explicit = false;
  let helpTopic: string | null | undefined;
  if (rest[0] === 'help') {
    rest.shift();
    helpTopic = rest.shift() ?? null;
  } else if (rest.length && isCommand(rest[0])) {
    command = rest.shift() as Command;
    explicit = true;
  } else if (rest.length && !exists(resolve(io.cwd, rest[0]))) {
    // A word that is no directory here but looks like a command is a misspelt command, not a new DIR.
    const guess = closest(rest[0], [...COMMANDS, 'help']);
    if (guess && !/[/\\.]/.test(rest[0]))
      throw usageError(rest[0], `not a command and not an existing directory; did you mean \`${guess}\`? Commands: ${COMMANDS.join(', ')}, help`);
  }
  if (helpTopic !== undefined) {
    if (helpTopic === null) return { help: true, command: null };
    if (!isCommand(helpTopic)) {
      const guess = closest(helpTopic, COMMANDS);
      throw usageError(helpTopic, `expected a command: ${COMMANDS.join(', ')}${guess ? `; did you mean \`${guess}\`?` : ''}`);
    }
    return { help: true, command: helpTopic };
  }

  const mine = optionsOf(command);
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const spec = mine.find((o) => o.name === token.name);
    if (spec) {
      if (spec.type === 'string' && typeof token.value !== 'string')
        throw usageError(token.rawName, `${token.rawName} needs a value: ${token.rawName} ${spec.value ?? 'VALUE'} (see \`create-atmos-oidc help ${command}\`)`);
      if (spec.type === 'boolean' && token.value !== undefined)
        throw usageError(`${token.rawName}=${token.value}`, `${token.rawName} takes no value`);
      continue;
    }
    const elsewhere = OPTIONS.filter((o) => o.name === token.name).flatMap((o) => o.commands);
    if (elsewhere.length) {
      const owner = elsewhere[0];
      throw usageError(
        token.rawName,
        `${token.rawName} is an option of \`${elsewhere.join('`, `')}\`, not of \`${command}\`; e.g. create-atmos-oidc ${owner} ${token.rawName}${OPTIONS.find((o) => o.name === token.name)?.value ? ` ${OPTIONS.find((o) => o.name === token.name)?.value}` : ''}`,
      );
    }
    const guess = closest(token.name, mine.map((o) => o.name));
    throw usageError(
      token.rawName,
      `unknown option for \`${command}\`${guess ? `; did you mean --${guess}?` : ''} (\`create-atmos-oidc help ${command}\` lists them)`,
    );
  }
  if (rest.length > 1)
    throw usageError(rest.join(' '), `expected at most one directory after the command (${COMMANDS.join(', ')}); options start with --`);
  if (values.help) return { help: true, command: explicit ? command : null };

  const str = (name: string): string | null => (typeof values[name] === 'string' ? (values[name] as string) : null);
  const list = (name: string): string[] => (Array.isArray(values[name]) ? (values[name] as Array<string | boolean>).filter((v): v is string => typeof v === 'string') : []);
  const ctx: Context = {
    command,
    dir: resolve(io.cwd, rest[0] ?? '.'),
    answersFile: str('answers') !== null ? resolve(io.cwd, str('answers') as string) : null,
    yes: values.yes === true,
    dryRun: values['dry-run'] === true,
    force: values.force === true,
    json: values.json === true,
    help: false,
    version: values.version === true,
    noColor: values['no-color'] === true,
    stage: str('stage'),
    accountId: str('account-id'),
    oidcProviderArn: str('oidc-provider-arn'),
    name: str('name'),
    identity: str('identity'),
    policies: list('policy'),
    trust: list('trust'),
    explain: str('explain'),
    repository: str('repository'),
    repositoryIds: str('repository-ids'),
    config: str('config') === null ? null : resolve(io.cwd, str('config')!),
    basePath: str('base-path') === null ? null : resolve(io.cwd, str('base-path')!),
    format: str('format'),
    aws: values.aws === true,
    github: values.github === true,
    accounts: list('account'),
    sets: list('set'),
    options: values as Context['options'],
    warnings: [],
    io,
  };
  npmAteFlags(ctx);
  return ctx;
}

const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== 'false' && v !== '0';

/**
 * `npm create atmos-oidc --dry-run` (no `--`) hands --dry-run to npm, which leaves
 * `npm_config_dry_run=true` in our environment and runs us without it. A dry run was asked for, so it
 * is honoured; --force and --yes are not (they would write, or skip the confirmation, on a guess).
 */
function npmAteFlags(ctx: Context): void {
  const env = ctx.io.env;
  const writes = WRITING.includes(ctx.command);
  if (!writes) return;
  if (truthy(env.npm_config_dry_run) && !ctx.dryRun) {
    ctx.dryRun = true;
    ctx.warnings.push('npm took --dry-run for itself (npm_config_dry_run is set): running as a dry run. Put our flags after --: npm create atmos-oidc@latest -- --dry-run');
  }
  if (truthy(env.npm_config_force) && !ctx.force)
    ctx.warnings.push('npm took --force for itself (npm_config_force is set): it is NOT applied here. Put our flags after --: npm create atmos-oidc@latest -- --force');
  if (truthy(env.npm_config_yes) && !ctx.yes && ctx.io.prompter)
    ctx.warnings.push('npm took --yes for itself (npm_config_yes is set): this run still asks. To never prompt, put it after --: npm create atmos-oidc@latest -- --yes');
}

const USAGE: Record<Command, { args: string; summary: string; examples: string[]; notes?: string[] }> = {
  init: {
    args: '[init] [DIR]',
    summary: 'scaffold into DIR (default: the current directory); in a set-up DIR, asks again with the recorded answers as defaults',
    examples: [
      'create-atmos-oidc',
      'create-atmos-oidc init --yes --repository acme/infra-live --account dev=111111111111 --account prod=222222222222',
      'create-atmos-oidc init --yes --answers answers.yaml --set setup=basic --set region=eu-west-1',
      'create-atmos-oidc init --dry-run infra-live',
    ],
    notes: [
      'Answers, highest first: flags (--repository, --account, --set), --answers FILE, DIR/.atmos-oidc.yaml,',
      'the git remote origin (repository only), then defaults. What is still missing is asked for, or',
      'with --yes (or no terminal) named in an error.',
      'A DIR whose Atmos already has stacks is adopted: answers are read from its stacks, git remote and',
      '  profiles, and the setup goes into its own stacks (one import line per manifest), profile and free',
      '  workflow names; see "Adopting a repository that already has Atmos" in the README.',
      '--set keys: repository, repository_ids (OWNER_ID/REPO_ID or null), namespace, region, default_branch,',
      '  setup (basic|advanced), apply_environment, atmos_version, atmos_pro (true|false),',
      '  tfstate_role_arn (ARN or null), pin_actions (major|sha), guard_workflow (true|false)',
    ],
  },
  account: {
    args: 'account [DIR]',
    summary: 'add an AWS account (stage) to an existing setup',
    examples: ['create-atmos-oidc account', 'create-atmos-oidc account --yes --stage staging --account-id 333333333333'],
  },
  role: {
    args: 'role [DIR]',
    summary: 'add an IAM role with its Atmos identity',
    examples: [
      'create-atmos-oidc role',
      'create-atmos-oidc role --yes --name deployer --identity acme/deployer --policy arn:aws:iam::aws:policy/ReadOnlyAccess --trust acme/app:main',
    ],
  },
  workflows: {
    args: 'workflows [DIR]',
    summary: 'regenerate every managed file from .atmos-oidc.yaml',
    examples: ['create-atmos-oidc workflows', 'create-atmos-oidc workflows --dry-run'],
  },
  check: {
    args: 'check [DIR]',
    summary: 'verify the trust chain of the Atmos repository in DIR',
    examples: ['create-atmos-oidc check', 'create-atmos-oidc check --json', 'create-atmos-oidc check --explain iam-role/terraform'],
  },
};

const EXIT_CODES = `Exit codes: 0 done; 1 check found an error, you declined to write, a conflict was left
unresolved, or another run holds DIR; 2 bad input or usage (nothing written); 130 cancelled
(nothing written); 143/129 terminated by SIGTERM/SIGHUP (nothing partial is left).`;

function optionLines(options: readonly OptionSpec[]): string[] {
  const left = options.map((o) => `${o.short ? `-${o.short}, ` : '    '}${flag(o)}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.min(34, Math.max(...left.map((l) => l.length)) + 2);
  return options.map((o, i) => `  ${left[i].length + 2 > width ? `${left[i]}\n  ${''.padEnd(width)}` : left[i].padEnd(width)}${o.help}`);
}

/** `create-atmos-oidc help`: the commands, the options every command has, where to read more. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => USAGE[c].args.length)) + 2;
  return [
    'create-atmos-oidc: keyless GitHub Actions to AWS (OIDC) for Atmos and Atmos Pro',
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  create-atmos-oidc ${USAGE[c].args.padEnd(width)}${USAGE[c].summary.split(';')[0]}`),
    `  create-atmos-oidc ${'help [COMMAND]'.padEnd(width)}this help, or a command's options and examples`,
    '',
    'Options of every command:',
    ...optionLines(OPTIONS.filter((o) => o.commands.length === COMMANDS.length)),
    '',
    'Run `create-atmos-oidc help COMMAND` (or COMMAND --help) for its options and examples.',
    'Through npm, put -- before flags: npm create atmos-oidc@latest -- --yes --answers answers.yaml',
    '',
    EXIT_CODES,
    '',
  ].join('\n');
}

/** `create-atmos-oidc help COMMAND`: what it does, its options, examples. */
export function commandHelp(command: Command): string {
  const u = USAGE[command];
  return [
    `create-atmos-oidc ${u.args}: ${u.summary}`,
    '',
    'Options:',
    ...optionLines(optionsOf(command)),
    ...(u.notes ? ['', ...u.notes] : []),
    '',
    'Examples:',
    ...u.examples.map((e) => `  ${e}`),
    '',
    EXIT_CODES,
    '',
  ].join('\n');
}
