/**
 * Everything a command needs from the outside world, parsed once from argv and injected, so tests
 * drive commands without a terminal: output streams, the prompt, the environment.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
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

export interface Context {
  command: Command;
  dir: string;
  answersFile: string | null;
  yes: boolean;
  dryRun: boolean;
  force: boolean;
  /** `--conflict inline`: write git-style markers into conflicting files (exit 1) instead of leaving them. */
  conflict: 'report' | 'inline';
  json: boolean;
  help: boolean;
  version: boolean;
  stage: string | null;
  accountId: string | null;
  oidcProviderArn: string | null;
  name: string | null;
  identity: string | null;
  policies: string[];
  trust: string[];
  explain: string | null;
  /** (check) `owner/repo` the workflows run in, when neither .atmos-oidc.yaml nor the git remote says. */
  repository: string | null;
  /** (check) `OWNER_ID/REPO_ID`: GitHub sends immutable subject claims (owner@id/repo@id). */
  repositoryIds: string | null;
  io: Io;
}

/** Parse argv (without `node` and the script). Usage errors are input errors: exit 2. */
export function getContext(argv: string[], io: Io): Context {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        answers: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        conflict: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        stage: { type: 'string' },
        'account-id': { type: 'string' },
        'oidc-provider-arn': { type: 'string' },
        name: { type: 'string' },
        identity: { type: 'string' },
        policy: { type: 'string', multiple: true },
        trust: { type: 'string', multiple: true },
        explain: { type: 'string' },
        repository: { type: 'string' },
        'repository-ids': { type: 'string' },
      },
    });
  } catch (error) {
    throw new InputError({ field: 'arguments', value: argv.join(' '), allowed: `${(error as Error).message.split('\n')[0]}; see --help` });
  }
  const { values, positionals } = parsed;
  if (values.conflict !== undefined && values.conflict !== 'inline' && values.conflict !== 'report')
    throw new InputError({ field: '--conflict', value: values.conflict, allowed: 'expected "inline" (write conflict markers into the file) or "report" (leave the file, the default)' });
  if (values.conflict === 'inline' && values.force)
    throw new InputError({ field: '--conflict', value: values.conflict, allowed: 'expected --force or --conflict inline, not both: --force takes the generated side of each conflict, inline lets you choose' });
  let command: Command = 'init';
  const rest = [...positionals];
  if (rest.length && (COMMANDS as readonly string[]).includes(rest[0])) command = rest.shift() as Command;
  if (rest.length > 1)
    throw new InputError({ field: 'arguments', value: rest.join(' '), allowed: `expected at most one directory after the command (${COMMANDS.join(', ')})` });
  return {
    command,
    dir: resolve(io.cwd, rest[0] ?? '.'),
    answersFile: values.answers ? resolve(io.cwd, values.answers) : null,
    yes: Boolean(values.yes),
    dryRun: Boolean(values['dry-run']),
    force: Boolean(values.force),
    conflict: values.conflict === 'inline' ? 'inline' : 'report',
    json: Boolean(values.json),
    help: Boolean(values.help),
    version: Boolean(values.version),
    stage: values.stage ?? null,
    accountId: values['account-id'] ?? null,
    oidcProviderArn: values['oidc-provider-arn'] ?? null,
    name: values.name ?? null,
    identity: values.identity ?? null,
    policies: values.policy ?? [],
    trust: values.trust ?? [],
    explain: values.explain ?? null,
    repository: values.repository ?? null,
    repositoryIds: values['repository-ids'] ?? null,
    io,
  };
}

export const HELP = `create-atmos-oidc: keyless GitHub Actions to AWS (OIDC) for Atmos and Atmos Pro

Usage:
  create-atmos-oidc [init] [DIR]      scaffold into DIR (default: the current directory)
  create-atmos-oidc account [DIR]     add an AWS account (stage) to an existing setup
  create-atmos-oidc role [DIR]        add an IAM role with its Atmos identity
  create-atmos-oidc workflows [DIR]   regenerate every managed file from .atmos-oidc.yaml
  create-atmos-oidc check [DIR]       verify the trust chain of the repository in DIR

Options:
  --answers FILE     answers from a YAML file shaped like .atmos-oidc.yaml; prompt only for the rest
  -y, --yes          never prompt: take given answers and defaults (also when stdin is not a terminal)
  --dry-run          print every create/update/conflict with a unified diff; write nothing
  --force            resolve each conflicting region to the generated side, keeping every other
                     edit; every diff is printed before anything is written
  --conflict inline  write git-style conflict markers into conflicting files instead (exit 1);
                     the next run refuses a file until its markers are resolved
  --json             (check) machine-readable findings on stdout
  --explain ROLE     (check) print the trust policy the component creates for ROLE in each account
  --repository OWNER/REPO, --repository-ids OWNER_ID/REPO_ID
                     (check) the repository the workflows run in, and its immutable subject ids,
                     when .atmos-oidc.yaml and the git remote do not say
  account: --stage NAME --account-id ID [--oidc-provider-arn ARN]
  role:    --name NAME --identity ORG/BOUNDARY --policy ARN... --trust ENTRY...
  -h, --help         this help
  -v, --version      the version

Through npm, put -- before flags: npm create atmos-oidc@latest -- --yes --answers answers.yaml

Exit codes: 0 done; 1 check found an error, a conflict was left unresolved, or another run
holds DIR (.atmos-oidc.lock); 2 bad input or usage (nothing written); 130 cancelled (nothing
written); 143/129 terminated by SIGTERM/SIGHUP (nothing partial is left).
`;
