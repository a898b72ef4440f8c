/**
 * Field rules shared by the answers file, the command-line flags and the prompts. Each rule returns
 * `null` when the value is allowed, or a sentence saying what is allowed; the caller adds the field
 * name and the value, so every message names all three.
 */
import { AWS_REGIONS } from './regions.ts';

export const MIN_ATMOS_VERSION = '1.214.0';

/** One rejected answer: which field, what was given, what would have been accepted. */
export interface InputProblem {
  field: string;
  value: unknown;
  allowed: string;
}

/**
 * `instanceof` that holds across two copies of a module (a module loaded both through `require` and
 * through `import`, as under a test runner, gives two classes): errors carry a brand, and the
 * check looks for it rather than for one particular class object.
 */
export function branded(brand: symbol): (value: unknown) => boolean {
  return (value) => typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

const INPUT_ERROR = Symbol.for('create-atmos-oidc.InputError');

/** Bad input or usage: exit code 2, nothing written. */
export class InputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[] | InputProblem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = list;
    Object.defineProperty(this, INPUT_ERROR, { value: true });
  }
  static [Symbol.hasInstance] = branded(INPUT_ERROR);
}

/** A value as it appears in a message: quoted, control characters escaped, long values cut. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length <= 80) return text;
  return `${text.slice(0, 77)}...${typeof value === 'string' ? ` (${[...value].length} characters)` : ''}`;
}

/**
 * What a reader cannot see in a quoted value: characters outside ASCII that look like ASCII ones
 * (Cyrillic "а", fullwidth "１"), and white space at either end.
 */
export function invisibleTraits(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  const traits: string[] = [];
  const foreign = new Map<string, number>();
  let position = 0;
  for (const ch of value) {
    position++;
    if ((ch.codePointAt(0) ?? 0) > 0x7e && !foreign.has(ch) && foreign.size < 3) foreign.set(ch, position);
  }
  const described = [...foreign].map(([ch, at]) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} "${ch}" (first at character ${at})`);
  if (described.length) traits.push(`it contains characters outside ASCII, which may only look like letters or digits: ${described.join(', ')}`);
  if (value !== value.trim()) traits.push('it has white space at the start or end');
  return traits;
}

export function formatProblem(problem: InputProblem): string {
  const traits = invisibleTraits(problem.value);
  const note = traits.length ? ` (note: ${traits.join('; ')})` : '';
  // A field named after a key or a flag's value may hold control characters: keep the message on one line.
  const field = problem.field.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return `${field}: ${showValue(problem.value)} is not allowed; ${problem.allowed}${note}`;
}

export type Rule = (value: unknown) => string | null;

const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const SEMVER = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/;

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** `owner/repo` by GitHub's naming rules. */
export const repository: Rule = (value) => {
  const allowed =
    'expected OWNER/REPO as on GitHub: an owner of letters, digits and single inner hyphens (at most 39), a repository of letters, digits, ".", "_" and "-" (at most 100), e.g. "acme/infra-live"';
  if (!isString(value)) return allowed;
  const parts = value.split('/');
  if (parts.length !== 2) return allowed;
  const [owner, repo] = parts;
  if (!GITHUB_OWNER.test(owner) || !GITHUB_REPO.test(repo) || repo === '.' || repo === '..') return allowed;
  if (repo.toLowerCase().endsWith('.git')) return `${allowed} (without the ".git" suffix)`;
  return null;
};

export const githubId: Rule = (value) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    ? null
    : 'expected a positive whole number, the numeric id GitHub shows in GET /repos/OWNER/REPO';

/** Namespace and stage become parts of IAM role names, Atmos stack names and file names. */
export const label: Rule = (value) =>
  isString(value) && LABEL.test(value)
    ? null
    : 'expected 1 to 32 lower-case letters, digits or inner hyphens (it becomes part of IAM role names, stack names and file names), e.g. "dev"';

export const region: Rule = (value) =>
  isString(value) && Object.hasOwn(AWS_REGIONS, value)
    ? null
    : 'expected an AWS region code such as "us-east-2" (see `aws ec2 describe-regions`)';

/** A git branch name, restricted to characters that need no quoting in a `sub` claim. */
export const branch: Rule = (value) => {
  const allowed = 'expected a branch name of letters, digits, ".", "_", "-" and "/", e.g. "main"';
  if (!isString(value) || !/^[A-Za-z0-9._/-]{1,200}$/.test(value)) return allowed;
  if (value.startsWith('/') || value.endsWith('/') || value.includes('//') || value.includes('..')) return allowed;
  if (value.endsWith('.lock') || value.startsWith('-')) return allowed;
  return null;
};

export const setup: Rule = (value) =>
  value === 'basic' || value === 'advanced' ? null : 'expected "basic" or "advanced"';

/**
 * A GitHub Environment name, optionally containing `{stage}` (expanded per account). Characters that
 * are IAM wildcards (`*`, `?`) or that GitHub encodes in the `sub` claim (`:`) are refused, so the
 * name in the trust policy is the name in the token.
 */
export const environment: Rule = (value) => {
  const allowed =
    'expected a GitHub Environment name of letters, digits, ".", "_" and "-", optionally with "{stage}" (one per account), e.g. "production" or "{stage}"';
  if (!isString(value)) return allowed;
  const probe = value.replaceAll('{stage}', 'stage');
  return ENVIRONMENT.test(probe) ? null : allowed;
};

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

export const atmosVersion: Rule = (value) => {
  const allowed = `expected an Atmos release at least ${MIN_ATMOS_VERSION}, as MAJOR.MINOR.PATCH without "v" (it is the container image tag), e.g. "1.215.0"`;
  if (!isString(value) || !SEMVER.test(value)) return allowed;
  return compareVersions(value, MIN_ATMOS_VERSION) < 0 ? allowed : null;
};

export const boolean: Rule = (value) => (typeof value === 'boolean' ? null : 'expected true or false');

export const accountId: Rule = (value) =>
  isString(value) && /^\d{12}$/.test(value)
    ? null
    : typeof value === 'number'
      ? 'expected exactly 12 digits written as a quoted string, e.g. "012345678901" (unquoted, YAML reads a number and drops leading zeros)'
      : 'expected exactly 12 digits, e.g. "111111111111"';

const ARN_PARTITIONS = '(aws|aws-us-gov|aws-cn)';
const OIDC_PROVIDER_ARN = new RegExp(
  `^arn:${ARN_PARTITIONS}:iam::(\\d{12}):oidc-provider/token\\.actions\\.githubusercontent\\.com$`,
);
const ROLE_ARN = new RegExp(`^arn:${ARN_PARTITIONS}:iam::(\\d{12}):role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`);
const POLICY_ARN = new RegExp(`^arn:${ARN_PARTITIONS}:iam::(aws|\\d{12}):policy/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,128}$`);

/** The ARN of an account's GitHub OIDC provider; it must live in that same account and partition. */
export function oidcProviderArn(accountId: string | undefined, partition: string): Rule {
  return (value) => {
    const example = `arn:${partition}:iam::${accountId ?? '111111111111'}:oidc-provider/token.actions.githubusercontent.com`;
    const match = isString(value) ? OIDC_PROVIDER_ARN.exec(value) : null;
    if (!match) return `expected the ARN of an IAM OIDC provider for GitHub, e.g. "${example}"`;
    if (match[1] !== partition) return `expected an ARN in partition "${partition}" (from the region), e.g. "${example}"`;
    if (accountId && match[2] !== accountId)
      return `expected a provider in this account (${accountId}), not in ${match[2]}: IAM trusts only a provider of its own account, e.g. "${example}"`;
    return null;
  };
}

export function roleArn(partition: string): Rule {
  return (value) => {
    const match = isString(value) ? ROLE_ARN.exec(value) : null;
    if (!match || match[1] !== partition)
      return `expected an IAM role ARN in partition "${partition}", e.g. "arn:${partition}:iam::111111111111:role/my-tfstate-role"`;
    return null;
  };
}

export function policyArn(partition: string): Rule {
  return (value) => {
    const match = isString(value) ? POLICY_ARN.exec(value) : null;
    if (!match || match[1] !== partition)
      return `expected a managed policy ARN in partition "${partition}", e.g. "arn:${partition}:iam::aws:policy/ReadOnlyAccess"`;
    return null;
  };
}

/** An Atmos identity named `{org}/{boundary}`, after the permission boundary it grants. */
export const identity: Rule = (value) =>
  isString(value) && /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?\/[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(value)
    ? null
    : 'expected ORG/BOUNDARY in lower-case letters, digits and inner hyphens, named after the permission boundary, e.g. "acme/planner"';

/** A role's short name: the null-label `name`, the last part of `<namespace>-gbl-<stage>-<name>`. */
export const roleName: Rule = label;

/**
 * One `trusted_github_repos` entry of the `aws-iam-role` component: `[org/]repo[:constraint]`.
 * Owner and repository may carry immutable ids (`owner@123/repo@456`); `*` stands for any repository
 * (warned about elsewhere); the constraint may use `{stage}`.
 */
export const trustEntry: Rule = (value) => {
  const allowed =
    'expected a trusted_github_repos entry "OWNER/REPO[:CONSTRAINT]", where CONSTRAINT is a branch ("main"), "ref:refs/heads/..." or "ref:refs/tags/...", or "environment:NAME" (NAME may use "{stage}"), e.g. "acme/infra-live:environment:production"';
  if (!isString(value)) return allowed;
  const match = /^(?:([A-Za-z0-9-]+(?:@\d+)?)\/)?([A-Za-z0-9._-]+(?:@\d+)?|\*)(?::(.+))?$/.exec(value);
  if (!match) return allowed;
  const constraint = match[3];
  if (constraint !== undefined) {
    const probe = constraint.replaceAll('{stage}', 'stage');
    // ".." is refused in refs (git does too); an environment name is not a path, and any name
    // `apply_environment` accepts is accepted here.
    if (!/^[A-Za-z0-9._/*?:-]{1,255}$/.test(probe) || (!probe.startsWith('environment:') && probe.includes('..'))) return allowed;
  }
  return null;
};

export const nonEmptyList = (what: string): string => `expected a list with at least one ${what}`;

/** How third-party actions are pinned in the generated workflows (see src/answers/action-pins.ts). */
export const pinActions: Rule = (value) =>
  value === 'major' || value === 'sha'
    ? null
    : 'expected "major" (actions pinned to a major version tag, e.g. actions/checkout@v6) or "sha" (full commit SHAs from the table create-atmos-oidc ships)';


/**
 * S3 general purpose bucket names (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
 * 3 to 63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit,
 * no two adjacent dots, not an IP address, and none of the prefixes and suffixes AWS reserves.
 */
export const s3Bucket: Rule = (value) => {
  const allowed =
    'expected an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit, no "..", not an IP address, without the reserved prefixes xn--, sthree-, amzn-s3-demo- or suffixes -s3alias, --ol-s3, .mrap, --x-s3, --table-s3, e.g. "acme-tfstate"';
  if (!isString(value) || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) return allowed;
  if (value.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(value)) return allowed;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(value) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(value)) return allowed;
  return null;
};

/** The folder inside the bucket that holds state (`workspace_key_prefix`): S3 key characters, no leading or trailing "/". */
export const s3KeyPrefix: Rule = (value) =>
  isString(value) && /^[A-Za-z0-9!_.*'()-]+(?:\/[A-Za-z0-9!_.*'()-]+)*$/.test(value) && value.length <= 512 && !value.split('/').includes('..')
    ? null
    : 'expected a key prefix of letters, digits and !_.*\'()- in "/"-separated parts, without a leading or trailing "/", e.g. "infra-live"';

/** A DynamoDB table name: 3 to 255 letters, digits, "_", "-" and ".". */
export const dynamodbTable: Rule = (value) =>
  isString(value) && /^[A-Za-z0-9_.-]{3,255}$/.test(value) ? null : 'expected a DynamoDB table name of 3 to 255 letters, digits, "_", "-" and ".", e.g. "acme-tfstate-lock"';
