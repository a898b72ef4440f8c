/**
 * Trust policies of roles created outside the repository (`check --trust FILE`, `check --aws`):
 * read the JSON of `aws iam get-role` (`{ Role: {…} }`) or `aws iam list-roles` (`{ Roles: […] }`),
 * and judge each chain whose role no component of the repository creates.
 *
 * Shapes (IAM API reference, GetRole / ListRoles, https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html):
 * `Role.Arn`, `Role.RoleName`, `Role.AssumeRolePolicyDocument`. The API returns the document
 * URL-encoded (RFC 3986); the AWS CLI decodes it and prints JSON, older or scripted exports keep it
 * as a string. All three are read.
 *
 * Only what a GitHub token can be judged on offline is decided here: the Federated principal, the
 * action, and conditions on `token.actions.githubusercontent.com:sub` and `:aud`. A statement with
 * any other condition key makes the verdict unknown, with the key named.
 */
import { admits, AUDIENCE, stringLike, TOKEN_HOST } from '../setup/trust.ts';
import { finding, type Finding } from '../atmos/findings.ts';
import type { Chain } from './chains.ts';

export interface ExternalRole {
  arn: string;
  name: string;
  account: string;
  /** The trust policy, parsed. */
  policy: Record<string, unknown>;
  /** Where it came from: `--trust FILE`, `aws iam get-role`. */
  source: string;
  /** The source says the role does not exist (get-role answered NoSuchEntity). */
  missing?: boolean;
}

/** Thrown for a file that is not get-role or list-roles JSON; the message names the field. */
export class TrustFileError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly allowed: string,
  ) {
    super(`${field}: ${value}: ${allowed}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The trust policy as an object, from the CLI's decoded JSON, a JSON string, or the API's URL-encoded string. */
export function policyDocument(value: unknown): Record<string, unknown> | null {
  if (isObject(value)) return value;
  if (typeof value !== 'string') return null;
  for (const text of [value, safeDecode(value)]) {
    if (text === null) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return parsed;
    } catch {
      // try the next spelling
    }
  }
  return null;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return null;
  }
}

/** The roles in one get-role or list-roles JSON text; `source` names it in errors and in the report. */
export function parseRoles(text: string, source: string): ExternalRole[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TrustFileError('--trust', source, `expected the JSON output of "aws iam get-role" or "aws iam list-roles" (${(error as Error).message})`);
  }
  const list = isObject(data) && isObject(data.Role) ? [data.Role] : isObject(data) && Array.isArray(data.Roles) ? data.Roles : null;
  if (!list) throw new TrustFileError('--trust', source, 'expected an object with "Role" (aws iam get-role) or "Roles" (aws iam list-roles)');
  return list.map((role, i) => {
    const where = isObject(data) && Array.isArray((data as { Roles?: unknown }).Roles) ? `Roles[${i}]` : 'Role';
    if (!isObject(role) || typeof role.Arn !== 'string') throw new TrustFileError(`--trust ${source} ${where}.Arn`, String(isObject(role) ? role.Arn : role), 'expected the role ARN, arn:aws:iam::ACCOUNT:role/NAME');
    const m = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(role.Arn);
    if (!m) throw new TrustFileError(`--trust ${source} ${where}.Arn`, role.Arn, 'expected the role ARN, arn:aws:iam::ACCOUNT:role/NAME');
    const policy = policyDocument(role.AssumeRolePolicyDocument);
    if (!policy) throw new TrustFileError(`--trust ${source} ${where}.AssumeRolePolicyDocument`, String(role.AssumeRolePolicyDocument).slice(0, 80), 'expected the trust policy: JSON, or the URL-encoded JSON the IAM API returns');
    return { arn: role.Arn, name: m[2], account: m[1], policy, source };
  });
}

export interface TrustDecision {
  decision: 'admits' | 'rejects' | 'unknown';
  /** The sub patterns of the statements that name GitHub's provider (what the report shows). */
  patterns: string[];
  matched: string | null;
  reason: string | null;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strings = (v: unknown): string[] => asList(v).filter((x): x is string => typeof x === 'string');

/** Does the statement's Action (or NotAction) cover AssumeRoleWithWebIdentity? Actions are case-insensitive. */
function coversAction(st: Record<string, unknown>): boolean {
  const hit = (list: string[]): boolean => list.some((a) => stringLike(a.toLowerCase(), 'sts:assumerolewithwebidentity'));
  if (st.Action !== undefined) return hit(strings(st.Action));
  if (st.NotAction !== undefined) return !hit(strings(st.NotAction));
  return false;
}

function coversPrincipal(st: Record<string, unknown>, provider: string): boolean {
  const p = st.Principal;
  if (p === '*') return true;
  if (!isObject(p)) return false;
  return strings(p.Federated).includes(provider) || strings(p.AWS).includes('*');
}

type Claims = Record<string, string>;

/** One condition block against the token's claims: true, false, or the key we cannot judge. */
function conditionHolds(condition: unknown, claims: Claims): boolean | string {
  if (condition === undefined) return true;
  if (!isObject(condition)) return 'Condition';
  for (const [rawOp, block] of Object.entries(condition)) {
    if (!isObject(block)) return rawOp;
    let op = rawOp;
    const ifExists = op.endsWith('IfExists');
    if (ifExists) op = op.slice(0, -'IfExists'.length);
    const qualifier = op.startsWith('ForAnyValue:') ? 'any' : op.startsWith('ForAllValues:') ? 'all' : null;
    if (qualifier) op = op.slice(op.indexOf(':') + 1);
    for (const [rawKey, expected] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      const claim = Object.keys(claims).find((k) => k.toLowerCase() === key);
      if (!claim) return rawKey;
      const value = claims[claim];
      const values = strings(expected);
      let result: boolean;
      switch (op) {
        case 'StringEquals':
          result = values.includes(value);
          break;
        case 'StringEqualsIgnoreCase':
          result = values.some((v) => v.toLowerCase() === value.toLowerCase());
          break;
        case 'StringLike':
          result = admits(values, value) !== null;
          break;
        case 'StringNotEquals':
          result = !values.includes(value);
          break;
        case 'StringNotEqualsIgnoreCase':
          result = !values.some((v) => v.toLowerCase() === value.toLowerCase());
          break;
        case 'StringNotLike':
          result = admits(values, value) === null;
          break;
        default:
          return rawOp;
      }
      // A single-valued claim: ForAnyValue and ForAllValues over one value reduce to the operator.
      if (!result) return false;
    }
  }
  return true;
}

/**
 * What AWS decides for AssumeRoleWithWebIdentity with a GitHub token (`sub`, `aud`) presented to
 * `role` through the provider of the role's own account: an explicit Deny wins, else any Allow.
 */
export function judgeTrust(role: ExternalRole, sub: string, aud: string): TrustDecision {
  const provider = `arn:aws:iam::${role.account}:oidc-provider/${TOKEN_HOST}`;
  if (role.missing) return { decision: 'rejects', patterns: [], matched: null, reason: `role ${role.name} does not exist in account ${role.account} (${role.source})` };
  const claims: Claims = { [`${TOKEN_HOST}:sub`]: sub, [`${TOKEN_HOST}:aud`]: aud };
  const statements = asList(role.policy.Statement).filter(isObject);
  const patterns: string[] = [];
  let allowed = false;
  let matched: string | null = null;
  let unknownDeny: string | null = null;
  let unknownAllow: string | null = null;
  for (const st of statements) {
    if (!coversPrincipal(st, provider) || !coversAction(st)) continue;
    const own: string[] = [];
    const cond = isObject(st.Condition) ? st.Condition : {};
    for (const block of Object.values(cond)) if (isObject(block)) for (const [k, v] of Object.entries(block)) if (k.toLowerCase() === `${TOKEN_HOST}:sub`) own.push(...strings(v));
    patterns.push(...own);
    const holds = conditionHolds(st.Condition, claims);
    if (typeof holds === 'string') {
      const why = `the trust policy's condition ${holds} is not a claim check can evaluate offline`;
      if (st.Effect === 'Deny') unknownDeny ??= why;
      else unknownAllow ??= why;
      continue;
    }
    if (!holds) continue;
    if (st.Effect === 'Deny') return { decision: 'rejects', patterns, matched: null, reason: 'an explicit Deny statement matches the token' };
    if (st.Effect === 'Allow') {
      allowed = true;
      matched ??= own.length ? admits(own, sub) : '*';
    }
  }
  // A Deny that may apply leaves the verdict open; an Allow that may apply matters only if no other does.
  if (unknownDeny) return { decision: 'unknown', patterns, matched: null, reason: unknownDeny };
  if (allowed) return { decision: 'admits', patterns, matched, reason: null };
  if (unknownAllow) return { decision: 'unknown', patterns, matched: null, reason: unknownAllow };
  const reason = patterns.length
    ? `sub ${sub} matches none of ${patterns.join(', ')}${aud !== AUDIENCE ? ` (or audience ${aud} is refused)` : ''}`
    : `no statement allows sts:AssumeRoleWithWebIdentity from ${provider}`;
  return { decision: 'rejects', patterns, matched: null, reason };
}

/** A chain no component of the repository judged: no role found, and not refuted for another reason. */
function judgeable(chain: Chain): boolean {
  return chain.role === null && chain.roleArn !== null && chain.sub !== null;
}

export interface ExternalUse {
  arn: string;
  source: string;
  chains: number;
}

/**
 * Judge the chains whose role is in `roles` with its trust policy, and replace their `role-not-found`
 * findings: a rejected sub becomes `chain-broken` at the same place, an admitted one needs none.
 */
export function applyExternalTrust(chains: Chain[], findings: Finding[], roles: ExternalRole[]): { findings: Finding[]; used: ExternalUse[] } {
  const byArn = new Map(roles.map((r) => [r.arn, r]));
  const used = new Map<string, ExternalUse>();
  const judged = new Set<string>();
  const added: Finding[] = [];
  for (const chain of chains) {
    if (!judgeable(chain)) continue;
    const role = byArn.get(chain.roleArn as string);
    if (!role) continue;
    const d = judgeTrust(role, chain.sub as string, chain.audience);
    judged.add(`${chain.workflow}|${chain.job}|${chain.stack ?? ''}|${chain.roleArn}`);
    const use = used.get(role.arn) ?? { arn: role.arn, source: role.source, chains: 0 };
    use.chains++;
    used.set(role.arn, use);
    const idTokenMissing = chain.reasons.includes('the job has no id-token: write');
    chain.reasons = chain.reasons.filter((r) => !/^role not created in this repository|^no component in this repository creates/.test(r));
    chain.patterns = d.patterns;
    chain.matched = d.matched;
    chain.providerArn = `arn:aws:iam::${role.account}:oidc-provider/${TOKEN_HOST}`;
    chain.trust = d.decision;
    chain.reasons.push(`trust policy from ${role.source}`);
    if (d.reason) chain.reasons.unshift(d.reason);
    chain.verdict = idTokenMissing || d.decision === 'rejects' ? 'denied' : d.decision === 'admits' ? 'allowed' : 'unknown';
    if (d.decision === 'rejects') {
      const at = findings.find((f) => f.code === 'role-not-found' && f.workflow === chain.workflow && f.job === chain.job && (f.stack ?? null) === chain.stack && f.message.includes(role.arn));
      added.push(
        finding({
          severity: 'error',
          code: 'chain-broken',
          message: `${chain.workflow.replace(/^.*\//, '')} job "${chain.job}"${chain.stack ? ` in stack ${chain.stack}` : ''} sends sub "${chain.sub}", which the trust policy of ${role.arn} (from ${role.source}) does not admit: ${d.reason}`,
          file: at?.file ?? chain.workflow,
          line: at?.line ?? 0,
          place: at?.place ?? `jobs.${chain.job}`,
          fix: `change the trust policy of ${role.name} (outside this repository) to admit "${chain.sub}", or change the job so it sends a sub the role admits`,
          workflow: chain.workflow,
          job: chain.job,
          stack: chain.stack ?? undefined,
        }),
      );
    }
  }
  const kept = findings.filter((f) => !(f.code === 'role-not-found' && judged.has(`${f.workflow}|${f.job}|${f.stack ?? ''}|${[...byArn.keys()].find((a) => f.message.includes(a)) ?? ''}`)));
  return { findings: [...kept, ...added], used: [...used.values()] };
}
