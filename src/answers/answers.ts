/**
 * The answers file, `.atmos-oidc.yaml` (schema version 1): reading it strictly, filling defaults,
 * validating every field, and writing it back in a stable order.
 */
import { isAlias, isNode, isScalar, parseDocument, visit, stringify } from 'yaml';
import { DEFAULT_PIN_MODE, unpinnedActions, type PinMode } from './action-pins.ts';
import { fastParse } from '../atmos/fastyaml.ts';
import { duplicateKeyErrors } from '../atmos/yaml.ts';
import { partitionOf } from './regions.ts';
import { simpleBlock } from '../atmos/yaml-simple.ts';
import * as rules from './validate.ts';
import { InputError, type InputProblem } from './validate.ts';

export const ANSWERS_FILE = '.atmos-oidc.yaml';
export const SCHEMA_VERSION = 1;
export const DEFAULT_ATMOS_VERSION = '1.215.0';
export const DEFAULT_REGION = 'us-east-2';

export type Setup = 'basic' | 'advanced';
/** Which generated jobs use a role: `plan` (plan, affected stacks, upload, drift, smoke test) or `apply`. */
export type RoleUse = 'plan' | 'apply';

export interface AccountAnswer {
  stage: string;
  id: string;
  oidc_provider_arn: string | null;
}

export interface RoleAnswer {
  name: string;
  identity: string;
  policies: string[];
  /** `trusted_github_repos` entries, by name; `{stage}` expands per account. */
  trust: string[];
  used_for: RoleUse[];
}

/**
 * Where Terraform keeps state. `s3`: the tool writes the backend into the stacks' `_defaults.yaml`;
 * `existing`: the repository's stacks already configure one (detected, and imported by every
 * generated stack); `local`: state stays in the throw-away work directory, only when chosen.
 */
export type BackendAnswer =
  | {
      type: 's3';
      bucket: string;
      region: string;
      key_prefix: string | null;
      use_lockfile: boolean;
      dynamodb_table: string | null;
      role_arn: string | null;
    }
  | { type: 'existing' }
  | { type: 'local' };

export const BACKEND_TYPES = ['s3', 'existing', 'local'] as const;
const S3_BACKEND_KEYS = ['type', 'bucket', 'region', 'key_prefix', 'use_lockfile', 'dynamodb_table', 'role_arn'];

export interface Answers {
  version: 1;
  repository: string;
  repository_ids: { owner: number; repo: number } | null;
  namespace: string;
  region: string;
  default_branch: string;
  setup: Setup;
  apply_environment: string;
  atmos_version: string;
  atmos_pro: boolean;
  tfstate_role_arn: string | null;
  /** The state backend; null in answers files written before the key existed (the tool then warns). */
  backend: BackendAnswer | null;
  accounts: AccountAnswer[];
  roles: RoleAnswer[];
  /** How third-party actions are pinned: `major` (`@v6`, the default) or `sha` (full commit SHAs). */
  pin_actions: PinMode;
  /** Write the opt-in pull-request guard workflow (check → code scanning and the run summary). */
  guard_workflow: boolean;
}

/** What the tool records beside the answers: which version wrote the files, and their hashes. */
export interface AnswersRecord {
  answers: Answers;
  generator?: string;
  files: Record<string, string>;
  /** Present when init adopted an existing Atmos repository (see AdoptedRecord). */
  adopted?: AdoptedRecord;
}

/**
 * What adopting an existing Atmos repository decided, so later runs write into the same places and
 * never rewrite what the user owns. Recorded beside the answers; schema version 1 files without it
 * are repositories the tool laid out itself.
 */
export interface AdoptedRecord {
  /** The atmos.yaml Atmos reads (it may live outside the root). */
  config: string;
  /** Per stage, the user's stack manifest that imports this account's file. */
  stacks: Record<string, string>;
  /** Our workflow file name → the file it is written to, when the user has one of that name. */
  workflows: Record<string, string>;
  /** The profile the workflows activate. */
  profile: string;
  /** Files that are the user's: the tool only adds an import line to a manifest, and never rewrites them. */
  user_files: string[];
}

/** Answers as they arrive from a file, flags or prompts: anything may be missing or wrong. */
export type RawAnswers = Record<string, unknown>;

const TOP_LEVEL_KEYS = [
  'version',
  'repository',
  'repository_ids',
  'namespace',
  'region',
  'default_branch',
  'setup',
  'apply_environment',
  'atmos_version',
  'atmos_pro',
  'tfstate_role_arn',
  'backend',
  'accounts',
  'roles',
  'pin_actions',
  'guard_workflow',
] as const;
const RECORD_KEYS = ['generator', 'files', 'adopted'];
const ACCOUNT_KEYS = ['stage', 'id', 'oidc_provider_arn'];
const ROLE_KEYS = ['name', 'identity', 'policies', 'trust', 'used_for'];

/** The answers a run cannot do without; `--yes` names them when they are missing. */
export const REQUIRED_ANSWERS = ['repository', 'accounts'] as const;

/** The owner of `owner/repo`, lower-cased: the default namespace. */
export function defaultNamespace(repository: string): string {
  return repository.split('/')[0].toLowerCase();
}

export function managedPolicy(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/**
 * The roles a setup starts with. `basic` is the guide's single admin role trusted for the whole
 * repository; `advanced` splits a read-only planner (any context) from an admin role that only a job
 * running in the apply environment can assume.
 */
export function defaultRoles(a: Pick<Answers, 'setup' | 'namespace' | 'repository' | 'apply_environment' | 'region'>): RoleAnswer[] {
  const partition = partitionOf(a.region);
  const admin = managedPolicy(partition, 'AdministratorAccess');
  if (a.setup === 'basic') {
    return [{ name: 'terraform', identity: `${a.namespace}/admin`, policies: [admin], trust: [a.repository], used_for: ['plan', 'apply'] }];
  }
  return [
    {
      name: 'planner',
      identity: `${a.namespace}/planner`,
      policies: [managedPolicy(partition, 'ReadOnlyAccess')],
      trust: [a.repository],
      used_for: ['plan'],
    },
    {
      name: 'terraform',
      identity: `${a.namespace}/admin`,
      policies: [admin],
      trust: [`${a.repository}:environment:${a.apply_environment}`],
      used_for: ['apply'],
    },
  ];
}

/**
 * YAML reads an unquoted `123` or `true` as a number or a boolean; when the same text as a string
 * would be allowed, say so instead of leaving the reader to guess why "123" was refused.
 */
function unquotedHint(value: unknown, rule: rules.Rule): string {
  if ((typeof value !== 'number' && typeof value !== 'boolean') || rule(String(value)) !== null) return '';
  return ` (YAML read the unquoted ${String(value)} as a ${typeof value}; write it quoted, "${String(value)}")`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Fill defaults and validate. Collects every problem before throwing, so one run names them all.
 * `raw.accounts`/`raw.repository` missing is reported as missing (the caller prompts first when it can).
 */
export function resolveAnswers(raw: RawAnswers, source = 'answers'): Answers {
  const problems: InputProblem[] = [];
  const check = (field: string, value: unknown, rule: rules.Rule): void => {
    const allowed = rule(value);
    if (allowed) problems.push({ field, value, allowed: allowed + unquotedHint(value, rule) });
  };
  const unknownKeys = (where: string, object: Record<string, unknown>, known: readonly string[]): void => {
    for (const key of Object.keys(object)) {
      if (!known.includes(key))
        problems.push({ field: where ? `${where}.${key}` : key, value: object[key], allowed: `unknown key; the keys allowed here are ${known.join(', ')}` });
    }
  };

  unknownKeys('', raw, [...TOP_LEVEL_KEYS, ...RECORD_KEYS]);

  const version = raw.version ?? SCHEMA_VERSION;
  if (version !== SCHEMA_VERSION)
    problems.push({ field: 'version', value: version, allowed: `this version of create-atmos-oidc reads schema version ${SCHEMA_VERSION}; upgrade the tool to read a newer file` });

  const repository = raw.repository;
  check('repository', repository, rules.repository);
  const repo = typeof repository === 'string' ? repository : 'owner/repo';

  let repositoryIds: Answers['repository_ids'] = null;
  if (raw.repository_ids !== undefined && raw.repository_ids !== null) {
    const ids = raw.repository_ids;
    if (!isPlainObject(ids)) {
      problems.push({ field: 'repository_ids', value: ids, allowed: 'expected a map with both "owner" and "repo" numeric ids, or nothing' });
    } else {
      unknownKeys('repository_ids', ids, ['owner', 'repo']);
      check('repository_ids.owner', ids.owner, rules.githubId);
      check('repository_ids.repo', ids.repo, rules.githubId);
      repositoryIds = { owner: ids.owner as number, repo: ids.repo as number };
    }
  }

  const namespace = raw.namespace ?? defaultNamespace(repo);
  check('namespace', namespace, rules.label);
  const region = raw.region ?? DEFAULT_REGION;
  check('region', region, rules.region);
  const partition = partitionOf(String(region));
  const defaultBranch = raw.default_branch ?? 'main';
  check('default_branch', defaultBranch, rules.branch);
  const setup = raw.setup ?? 'advanced';
  check('setup', setup, rules.setup);
  const applyEnvironment = raw.apply_environment ?? '{stage}';
  check('apply_environment', applyEnvironment, rules.environment);
  const atmosVersion = raw.atmos_version ?? DEFAULT_ATMOS_VERSION;
  check('atmos_version', atmosVersion, rules.atmosVersion);
  const atmosPro = raw.atmos_pro ?? true;
  check('atmos_pro', atmosPro, rules.boolean);
  const tfstate = raw.tfstate_role_arn ?? null;
  if (tfstate !== null) check('tfstate_role_arn', tfstate, rules.roleArn(partition));
  const backend = readBackend(raw.backend, partition, problems, unknownKeys, check);
  if (backend?.type === 's3' && backend.role_arn && tfstate !== null && backend.role_arn !== tfstate)
    problems.push({
      field: 'backend.role_arn',
      value: backend.role_arn,
      allowed: `the state role is one answer: tfstate_role_arn says ${String(tfstate)}; give the same ARN in both, or only backend.role_arn`,
    });
  const pinActions = raw.pin_actions ?? DEFAULT_PIN_MODE;
  check('pin_actions', pinActions, rules.pinActions);
  const guardWorkflow = raw.guard_workflow ?? false;
  check('guard_workflow', guardWorkflow, rules.boolean);
  if (pinActions === 'sha' && unpinnedActions().length)
    problems.push({
      field: 'pin_actions',
      value: pinActions,
      allowed: `"sha" needs a verified commit SHA for every action, and this version of create-atmos-oidc ships none for ${unpinnedActions().join(', ')}; use "major"`,
    });

  const accounts: AccountAnswer[] = [];
  if (!Array.isArray(raw.accounts) || raw.accounts.length === 0) {
    problems.push({ field: 'accounts', value: raw.accounts, allowed: rules.nonEmptyList('account (stage and 12-digit id)') });
  } else {
    raw.accounts.forEach((entry, i) => {
      const field = `accounts[${i}]`;
      if (!isPlainObject(entry)) {
        problems.push({ field, value: entry, allowed: 'expected a map with "stage", "id" and optionally "oidc_provider_arn"' });
        return;
      }
      unknownKeys(field, entry, ACCOUNT_KEYS);
      check(`${field}.stage`, entry.stage, rules.label);
      // A 12-digit number is unambiguous; shorter numbers lost their leading zeros and are refused.
      const id = typeof entry.id === 'number' && /^\d{12}$/.test(String(entry.id)) ? String(entry.id) : entry.id;
      check(`${field}.id`, id, rules.accountId);
      const providerArn = entry.oidc_provider_arn ?? null;
      if (providerArn !== null) check(`${field}.oidc_provider_arn`, providerArn, rules.oidcProviderArn(typeof id === 'string' ? id : undefined, partition));
      accounts.push({ stage: entry.stage as string, id: id as string, oidc_provider_arn: providerArn as string | null });
    });
    const seen = new Map<string, number>();
    accounts.forEach((account, i) => {
      if (typeof account.stage !== 'string') return;
      const first = seen.get(account.stage);
      if (first !== undefined)
        problems.push({ field: `accounts[${i}].stage`, value: account.stage, allowed: `stages must be unique; accounts[${first}] already uses it (two stages may share one account id, not one stage two accounts)` });
      else seen.set(account.stage, i);
    });
    const providerByAccount = new Map<string, string>();
    accounts.forEach((account, i) => {
      if (!account.oidc_provider_arn) return;
      const other = providerByAccount.get(account.id);
      if (other && other !== account.oidc_provider_arn)
        problems.push({ field: `accounts[${i}].oidc_provider_arn`, value: account.oidc_provider_arn, allowed: `an account has one GitHub OIDC provider; another stage of account ${account.id} names ${other}` });
      else providerByAccount.set(account.id, account.oidc_provider_arn);
    });
  }

  const base = {
    setup: setup as Setup,
    namespace: namespace as string,
    repository: repo,
    apply_environment: applyEnvironment as string,
    region: region as string,
  };
  let roles: RoleAnswer[];
  if (raw.roles === undefined || raw.roles === null || (Array.isArray(raw.roles) && raw.roles.length === 0)) {
    roles = problems.length ? [] : defaultRoles(base);
  } else if (!Array.isArray(raw.roles)) {
    problems.push({ field: 'roles', value: raw.roles, allowed: 'expected a list of roles, or nothing for the defaults of the setup' });
    roles = [];
  } else {
    roles = raw.roles.map((entry, i) => readRole(entry, `roles[${i}]`, partition, problems, unknownKeys, check));
    checkRoleSet(roles, problems);
  }
  for (const [i, role] of roles.entries()) {
    for (const account of accounts) {
      const full = roleFullName(String(namespace), account.stage, role.name);
      if (typeof account.stage === 'string' && full.length > 64)
        problems.push({ field: `roles[${i}].name`, value: role.name, allowed: `the IAM role name "${full}" (namespace-gbl-stage-name) would exceed 64 characters; shorten the namespace, stage or role name` });
    }
  }

  if (problems.length) throw new InputError(problems.map((p) => ({ ...p, field: source === 'answers' ? p.field : `${source}: ${p.field}` })));

  return {
    version: SCHEMA_VERSION,
    repository: repo,
    repository_ids: repositoryIds,
    namespace: namespace as string,
    region: region as string,
    default_branch: defaultBranch as string,
    setup: setup as Setup,
    apply_environment: applyEnvironment as string,
    atmos_version: atmosVersion as string,
    atmos_pro: atmosPro as boolean,
    tfstate_role_arn: tfstate as string | null,
    backend,
    accounts,
    roles,
    pin_actions: pinActions as PinMode,
    guard_workflow: guardWorkflow as boolean,
  };
}

/**
 * The `backend` answer. Missing stays null (answers files from before the key read as they did);
 * anything given is validated field by field, by S3's bucket naming rules and IAM's ARN form.
 */
function readBackend(
  value: unknown,
  partition: string,
  problems: InputProblem[],
  unknownKeys: (where: string, object: Record<string, unknown>, known: readonly string[]) => void,
  check: (field: string, value: unknown, rule: rules.Rule) => void,
): BackendAnswer | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    problems.push({ field: 'backend', value, allowed: 'expected a map with "type" (s3, existing or local) and, for s3, "bucket" and "region"' });
    return null;
  }
  const type = value.type;
  if (type !== 's3' && type !== 'existing' && type !== 'local') {
    problems.push({ field: 'backend.type', value: type, allowed: 'expected "s3" (state in an S3 bucket), "existing" (the stacks already configure a backend) or "local" (state is not kept between CI runs)' });
    return null;
  }
  if (type !== 's3') {
    unknownKeys('backend', value, ['type']);
    return { type };
  }
  unknownKeys('backend', value, S3_BACKEND_KEYS);
  check('backend.bucket', value.bucket, rules.s3Bucket);
  check('backend.region', value.region, rules.region);
  const keyPrefix = value.key_prefix ?? null;
  if (keyPrefix !== null) check('backend.key_prefix', keyPrefix, rules.s3KeyPrefix);
  const table = value.dynamodb_table ?? null;
  if (table !== null) check('backend.dynamodb_table', table, rules.dynamodbTable);
  const lockfile = value.use_lockfile ?? table === null;
  check('backend.use_lockfile', lockfile, rules.boolean);
  if (lockfile === true && table !== null)
    problems.push({ field: 'backend.use_lockfile', value: lockfile, allowed: 'choose one lock: use_lockfile: true (S3 native locking, Terraform >= 1.10) or dynamodb_table, not both' });
  if (lockfile === false && table === null)
    problems.push({ field: 'backend.use_lockfile', value: lockfile, allowed: 'state needs a lock: leave use_lockfile true, or name a dynamodb_table' });
  const roleArn = value.role_arn ?? null;
  if (roleArn !== null) check('backend.role_arn', roleArn, rules.roleArn(partition));
  return {
    type: 's3',
    bucket: value.bucket as string,
    region: value.region as string,
    key_prefix: keyPrefix as string | null,
    use_lockfile: lockfile as boolean,
    dynamodb_table: table as string | null,
    role_arn: roleArn as string | null,
  };
}

/** The role for Terraform state: the backend's `role_arn`, else `tfstate_role_arn` (one answer, two places). */
export function stateRoleArn(a: Pick<Answers, 'backend' | 'tfstate_role_arn'>): string | null {
  return (a.backend?.type === 's3' ? a.backend.role_arn : null) ?? a.tfstate_role_arn;
}

function readRole(
  entry: unknown,
  field: string,
  partition: string,
  problems: InputProblem[],
  unknownKeys: (where: string, object: Record<string, unknown>, known: readonly string[]) => void,
  check: (field: string, value: unknown, rule: rules.Rule) => void,
): RoleAnswer {
  if (!isPlainObject(entry)) {
    problems.push({ field, value: entry, allowed: 'expected a map with "name", "identity", "policies", "trust" and "used_for"' });
    return { name: '', identity: '', policies: [], trust: [], used_for: [] };
  }
  unknownKeys(field, entry, ROLE_KEYS);
  check(`${field}.name`, entry.name, rules.roleName);
  check(`${field}.identity`, entry.identity, rules.identity);
  const list = (key: string, what: string, rule: rules.Rule, allowEmpty = false): string[] => {
    const value = entry[key] ?? (allowEmpty ? [] : undefined);
    if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
      problems.push({ field: `${field}.${key}`, value, allowed: allowEmpty ? `expected a list of ${what}` : rules.nonEmptyList(what) });
      return [];
    }
    value.forEach((item, j) => check(`${field}.${key}[${j}]`, item, rule));
    return value as string[];
  };
  const policies = list('policies', 'managed policy ARN', rules.policyArn(partition));
  const trust = list('trust', 'trusted_github_repos entry', rules.trustEntry);
  const usedFor = list('used_for', '"plan" or "apply"', (v) => (v === 'plan' || v === 'apply' ? null : 'expected "plan" or "apply"'), true);
  return { name: entry.name as string, identity: entry.identity as string, policies, trust, used_for: usedFor as RoleUse[] };
}

function checkRoleSet(roles: RoleAnswer[], problems: InputProblem[]): void {
  const names = new Set<string>();
  const identities = new Set<string>();
  roles.forEach((role, i) => {
    if (names.has(role.name)) problems.push({ field: `roles[${i}].name`, value: role.name, allowed: 'role names must be unique' });
    names.add(role.name);
    if (identities.has(role.identity))
      problems.push({ field: `roles[${i}].identity`, value: role.identity, allowed: 'each role has its own identity; this one is taken' });
    identities.add(role.identity);
  });
  for (const use of ['plan', 'apply'] as const) {
    const users = roles.filter((r) => r.used_for.includes(use));
    if (users.length !== 1)
      problems.push({
        field: 'roles',
        value: users.map((r) => r.name),
        allowed: `exactly one role must be used_for "${use}" (the identity the ${use === 'plan' ? 'plan, affected-stacks and upload' : 'apply'} jobs use)`,
      });
  }
}

/** The IAM role name the component creates (null-label id, default label order, lower-cased). */
export function roleFullName(namespace: string, stage: string, name: string): string {
  return [namespace, 'gbl', stage, name].filter(Boolean).join('-').toLowerCase();
}

/**
 * Parse answers YAML strictly: YAML 1.2, unique keys, and no anchors, aliases or tags, which would
 * let one value silently stand for another in a file that decides IAM trust.
 */
export function parseAnswersText(text: string, file: string): RawAnswers & { files?: unknown; generator?: unknown } {
  const plain = plainAnswers(text);
  return plain ? answersMap(plain.value, file) : parseAnswersYaml(text, file);
}

/** `parseAnswersText` with the `yaml` package alone (what the fast path must agree with). */
export function parseAnswersYaml(text: string, file: string): RawAnswers & { files?: unknown; generator?: unknown } {
  // Unique keys are checked in linear time by duplicateKeyErrors (the package's own check is quadratic).
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: false, prettyErrors: true, strict: true });
  const problems: InputProblem[] = [];
  const lines = text.split(/\r?\n/);
  const duplicates = duplicateKeyErrors(doc).map((e) => {
    const before = text.slice(0, e.pos[0]);
    e.linePos = [{ line: before.split('\n').length, col: e.pos[0] - before.lastIndexOf('\n') }];
    return e;
  });
  for (const error of [...doc.errors, ...duplicates].sort((a, b) => a.pos[0] - b.pos[0])) {
    const at = error.linePos?.[0];
    const where = at ? `${file}:${at.line}:${at.col}` : file;
    const line = at ? (lines[at.line - 1] ?? '') : '';
    const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    if (error.code === 'DUPLICATE_KEY') {
      const key = line.replace(/^[\s-]*/, '').replace(/\s*:(\s.*)?$/, '').replace(/^(["'])(.*)\1$/, '$2');
      problems.push({ field: `${where}: ${key}`, value: key, allowed: 'each key may appear once in a map, and this one is already set above; keep one of them' });
    } else if (error.code === 'MULTIPLE_DOCS') {
      problems.push({ field: where, value: line, allowed: 'expected one YAML document; remove the "---" and what follows, or merge the documents' });
    } else {
      const shown = line.trim() || (at ? (lines[at.line - 2] ?? '').trim() : '');
      problems.push({ field: where, value: shown || reason, allowed: `expected valid YAML 1.2 (${reason})` });
    }
  }
  if (!problems.length) {
    visit(doc, (_key, node, path) => {
      if (!isNode(node)) return;
      const where = `${file}: ${yamlPath(path)}`;
      if (isAlias(node)) problems.push({ field: where, value: `*${node.source}`, allowed: 'aliases are not read in an answers file; write the value out' });
      else if (node.anchor) problems.push({ field: where, value: `&${node.anchor}`, allowed: 'anchors are not read in an answers file; write values out' });
      else if (node.tag)
        problems.push({ field: where, value: node.tag, allowed: 'YAML tags are not read in an answers file; write plain values' });
    });
  }
  if (problems.length) throw new InputError(problems);
  return answersMap(doc.toJS({ maxAliasCount: 0 }) as unknown, file);
}

function answersMap(value: unknown, file: string): RawAnswers {
  if (!isPlainObject(value)) throw new InputError({ field: file, value, allowed: 'expected a YAML map of answers (see the answers file reference in the README)' });
  return value;
}

/**
 * An answers file in plain block YAML (as the tool writes it, and as the examples are written) read
 * by check's fast path, which returns what `yaml` returns or declines: it takes no anchor, alias,
 * tag, duplicate key or second document, so such a file has none of the problems reported above.
 * Two errors only `strict` parsing reports are ruled out before it: a `#` right after other
 * text (a comment must follow white space) and an implicit key over 1024 characters.
 */
function plainAnswers(text: string): { value: unknown } | null {
  if (/\S#/.test(text) || /^[^\n]{1024}/m.test(text)) return null;
  const fast = fastParse(text);
  return fast && { value: fast.value };
}

function yamlPath(path: readonly unknown[]): string {
  const parts: string[] = [];
  for (const step of path) {
    const key = (step as { key?: { value?: unknown } }).key;
    if (key && isScalar(key)) parts.push(String(key.value));
  }
  return parts.join('.') || '(document)';
}

/** Split a stored answers file into the answers proper and what the tool recorded beside them. */
export function readRecord(raw: RawAnswers, source: string): AnswersRecord {
  const { files, generator, adopted, ...rest } = raw as RawAnswers & { files?: unknown; generator?: unknown; adopted?: unknown };
  const hashes: Record<string, string> = {};
  if (isPlainObject(files)) for (const [k, v] of Object.entries(files)) if (typeof v === 'string') hashes[k] = v;
  const record: AnswersRecord = { answers: resolveAnswers(rest, source), generator: typeof generator === 'string' ? generator : undefined, files: hashes };
  const adoptedRecord = readAdopted(adopted, source);
  if (adoptedRecord) record.adopted = adoptedRecord;
  return record;
}

function readAdopted(value: unknown, source: string): AdoptedRecord | null {
  if (value === undefined || value === null) return null;
  const bad = (field: string, v: unknown, allowed: string): never => {
    throw new InputError({ field: `${source}: adopted${field}`, value: v, allowed });
  };
  if (!isPlainObject(value)) bad('', value, 'a map written by create-atmos-oidc when it adopted this repository (config, stacks, workflows, profile, user_files)');
  const v = value as Record<string, unknown>;
  const strings = (key: string): Record<string, string> => {
    const m = v[key] ?? {};
    if (!isPlainObject(m) || Object.values(m).some((x) => typeof x !== 'string')) bad(`.${key}`, m, 'a map of names to repository paths');
    return { ...(m as Record<string, string>) };
  };
  const userFiles = v.user_files ?? [];
  if (!Array.isArray(userFiles) || userFiles.some((x) => typeof x !== 'string')) bad('.user_files', userFiles, 'a list of repository paths');
  if (typeof v.config !== 'string' || !v.config) bad('.config', v.config, 'the path of the atmos.yaml the repository uses');
  return {
    config: v.config as string,
    stacks: strings('stacks'),
    workflows: strings('workflows'),
    profile: typeof v.profile === 'string' && v.profile ? v.profile : 'github',
    user_files: [...(userFiles as string[])],
  };
}

/** The backend as written back: only the keys that say something (nulls left out). */
function backendRecord(b: BackendAnswer): Record<string, unknown> {
  if (b.type !== 's3') return { type: b.type };
  return {
    type: 's3',
    bucket: b.bucket,
    region: b.region,
    ...(b.key_prefix ? { key_prefix: b.key_prefix } : {}),
    ...(b.dynamodb_table ? { dynamodb_table: b.dynamodb_table } : { use_lockfile: b.use_lockfile }),
    ...(b.role_arn ? { role_arn: b.role_arn } : {}),
  };
}

/** The answers file as written: stable key order, every answer explicit, hashes last. */
export function renderAnswersFile(record: AnswersRecord): string {
  const a = record.answers;
  const ordered = {
    version: a.version,
    repository: a.repository,
    ...(a.repository_ids ? { repository_ids: { owner: a.repository_ids.owner, repo: a.repository_ids.repo } } : {}),
    namespace: a.namespace,
    region: a.region,
    default_branch: a.default_branch,
    setup: a.setup,
    apply_environment: a.apply_environment,
    atmos_version: a.atmos_version,
    atmos_pro: a.atmos_pro,
    tfstate_role_arn: a.tfstate_role_arn,
    ...(a.backend ? { backend: backendRecord(a.backend) } : {}),
    accounts: a.accounts.map((x) => ({ stage: x.stage, id: x.id, oidc_provider_arn: x.oidc_provider_arn })),
    roles: a.roles.map((r) => ({ name: r.name, identity: r.identity, policies: r.policies, trust: r.trust, used_for: r.used_for })),
    // Written only when not the default, so files written before the key existed stay byte-identical.
    ...(a.pin_actions && a.pin_actions !== DEFAULT_PIN_MODE ? { pin_actions: a.pin_actions } : {}),
    ...(a.guard_workflow ? { guard_workflow: true } : {}),
    generator: record.generator,
    ...(record.adopted
      ? {
          adopted: {
            config: record.adopted.config,
            stacks: record.adopted.stacks,
            workflows: record.adopted.workflows,
            profile: record.adopted.profile,
            user_files: record.adopted.user_files,
          },
        }
      : {}),
    files: Object.fromEntries(Object.entries(record.files).sort(([x], [y]) => (x < y ? -1 : 1))),
  };
  const header =
    '# create-atmos-oidc answers (schema version 1). Commit this file: `create-atmos-oidc workflows`\n' +
    '# regenerates every managed file from it. "files" records what was last written, to detect edits.\n';
  return header + (simpleBlock(ordered) ?? stringify(ordered, { lineWidth: 0, indentSeq: true, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' }));
}
