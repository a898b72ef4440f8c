/**
 * The sources `check` reads outside the repository, only when asked (`--aws`, `--github`): the
 * AWS CLI and GitHub's `gh`, run with a timeout and no shell. Offline is the default: nothing here
 * runs without its flag. A missing CLI, no credentials, an API error or a timeout is reported in
 * the output (a `source-unavailable` warning) and leaves those chains as they were.
 *
 * Commands (shapes from the AWS CLI and GitHub REST references):
 * - `aws sts get-caller-identity` → `{ UserId, Account, Arn }`: which account the credentials reach;
 * - `aws iam get-role --role-name NAME` → `{ Role: { Arn, AssumeRolePolicyDocument, … } }`, or
 *   `An error occurred (NoSuchEntity) …` on stderr with exit 254;
 * - `gh auth status` exits 1 when not logged in;
 * - `gh api repos/{owner}/{repo}` → `{ id, owner: { id, login, type }, default_branch, created_at }`;
 * - `gh api repos/{owner}/{repo}/environments` → `{ total_count, environments: [{ name,
 *   protection_rules: [{ type }], deployment_branch_policy }] }`;
 * - `gh api repos/{owner}/{repo}/actions/oidc/customization/sub` → `{ use_default, include_claim_keys? }`;
 * - `gh api orgs/{org}/actions/oidc/customization/sub` → `{ include_claim_keys }`.
 */
import { parseRoles, type ExternalRole } from './external.ts';
import type { GithubEnvironment, GithubFacts } from './github.ts';

export interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** The executable is not on PATH. */
  missing: boolean;
  timedOut: boolean;
}

export type Runner = (command: string, args: string[]) => Promise<RunResult>;

/** Run without a shell, with a timeout, stdin closed (gh and aws must never prompt). */
export function processRunner(env: Record<string, string | undefined>, timeoutMs: number): Runner {
  return async (command, args) => {
    const { execa } = await import('execa');
    const r = await execa(command, args, { reject: false, timeout: timeoutMs, env: { ...env, AWS_PAGER: '', GH_PROMPT_DISABLED: '1', NO_COLOR: '1' }, extendEnv: false, stdin: 'ignore' });
    const missing = (r as { code?: string }).code === 'ENOENT';
    return { ok: r.exitCode === 0 && !r.timedOut, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), missing, timedOut: Boolean(r.timedOut) };
  };
}

export interface SourceNote {
  source: 'aws' | 'github';
  /** What could not be read, in a sentence. */
  problem: string;
}

function firstLine(text: string): string {
  return text.trim().split('\n').find((l) => l.trim())?.trim().slice(0, 200) ?? '';
}

function failure(what: string, r: RunResult, timeoutMs: number): string {
  if (r.missing) return `${what}: the command is not installed (not on PATH)`;
  if (r.timedOut) return `${what}: no answer within ${timeoutMs / 1000} s`;
  return `${what}: ${firstLine(r.stderr) || firstLine(r.stdout) || 'failed'}`;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The trust policies of `arns` the AWS CLI's credentials can read (roles of its own account). */
export async function readAwsRoles(arns: string[], run: Runner, timeoutMs: number): Promise<{ roles: ExternalRole[]; notes: SourceNote[]; account: string | null }> {
  const notes: SourceNote[] = [];
  const who = await run('aws', ['sts', 'get-caller-identity', '--output', 'json']);
  const caller = who.ok ? json(who.stdout) : null;
  if (!isObject(caller) || typeof caller.Account !== 'string') {
    notes.push({ source: 'aws', problem: failure('aws sts get-caller-identity', who.ok ? { ...who, stderr: 'unexpected output' } : who, timeoutMs) });
    return { roles: [], notes, account: null };
  }
  const account = caller.Account;
  const roles: ExternalRole[] = [];
  const others = new Set<string>();
  for (const arn of [...new Set(arns)].sort()) {
    const m = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (!m) continue;
    if (m[1] !== account) {
      others.add(m[1]);
      continue;
    }
    const r = await run('aws', ['iam', 'get-role', '--role-name', m[2], '--output', 'json']);
    if (!r.ok) {
      if (/NoSuchEntity/.test(r.stderr)) roles.push({ arn, name: m[2], account, policy: {}, source: 'aws iam get-role', missing: true });
      else notes.push({ source: 'aws', problem: failure(`aws iam get-role --role-name ${m[2]}`, r, timeoutMs) });
      continue;
    }
    try {
      roles.push(...parseRoles(r.stdout, `aws iam get-role ${m[2]}`).filter((x) => x.arn === arn));
    } catch (error) {
      notes.push({ source: 'aws', problem: `aws iam get-role --role-name ${m[2]}: ${(error as Error).message}` });
    }
  }
  if (others.size) notes.push({ source: 'aws', problem: `roles in account${others.size === 1 ? '' : 's'} ${[...others].join(', ')} were not read: the AWS CLI's credentials are for account ${account} (run check --aws once per account, or pass --trust files)` });
  return { roles, notes, account };
}

export interface GithubRead {
  facts: GithubFacts | null;
  defaultBranch: string | null;
  repositoryIds: { owner: number; repo: number } | null;
  notes: SourceNote[];
}

/** Immutable subject claims: repositories created on or after this date (domain.md section 2). */
const IMMUTABLE_FROM = '2026-07-15';

/** What GitHub's settings say about `repository` (owner/repo), through a logged-in `gh`. */
export async function readGithub(repository: string, run: Runner, timeoutMs: number): Promise<GithubRead> {
  const out: GithubRead = { facts: null, defaultBranch: null, repositoryIds: null, notes: [] };
  const note = (problem: string): void => void out.notes.push({ source: 'github', problem });
  const status = await run('gh', ['auth', 'status']);
  if (!status.ok) {
    note(status.missing || status.timedOut ? failure('gh auth status', status, timeoutMs) : `gh auth status: not logged in (${firstLine(status.stderr) || 'run gh auth login'})`);
    return out;
  }
  const api = async (path: string): Promise<{ data: unknown; problem: string | null }> => {
    const r = await run('gh', ['api', '-H', 'Accept: application/vnd.github+json', path]);
    if (!r.ok) return { data: null, problem: failure(`gh api ${path}`, r, timeoutMs) };
    const data = json(r.stdout);
    return data === null ? { data: null, problem: `gh api ${path}: the answer is not JSON` } : { data, problem: null };
  };
  const repo = await api(`repos/${repository}`);
  const owner = repository.split('/')[0];
  let isOrg = false;
  if (repo.problem || !isObject(repo.data)) note(repo.problem ?? `gh api repos/${repository}: unexpected answer`);
  else {
    const d = repo.data;
    if (typeof d.default_branch === 'string') out.defaultBranch = d.default_branch;
    const ownerId = isObject(d.owner) ? d.owner.id : null;
    isOrg = isObject(d.owner) && d.owner.type === 'Organization';
    if (typeof d.id === 'number' && typeof ownerId === 'number' && typeof d.created_at === 'string' && d.created_at.slice(0, 10) >= IMMUTABLE_FROM) out.repositoryIds = { owner: ownerId, repo: d.id };
  }
  let environments: GithubEnvironment[] | null = null;
  const envs = await api(`repos/${repository}/environments`);
  if (envs.problem) note(envs.problem);
  else if (isObject(envs.data) && Array.isArray(envs.data.environments))
    environments = envs.data.environments.filter(isObject).map((e) => ({
      name: String(e.name),
      rules: Array.isArray(e.protection_rules) ? e.protection_rules.filter(isObject).map((r) => String(r.type)) : [],
      branchPolicy: isObject(e.deployment_branch_policy) ? { protected_branches: e.deployment_branch_policy.protected_branches === true, custom_branch_policies: e.deployment_branch_policy.custom_branch_policies === true } : null,
    }));
  let subKeys: string[] | null = null;
  let subTemplateFrom: string | null = null;
  const sub = await api(`repos/${repository}/actions/oidc/customization/sub`);
  const keysOf = (d: unknown): string[] | null => (isObject(d) && Array.isArray(d.include_claim_keys) && d.include_claim_keys.length ? d.include_claim_keys.map(String) : null);
  if (sub.problem) note(sub.problem);
  else if (isObject(sub.data) && sub.data.use_default === false) {
    // use_default false: the repository's keys if set, else the organisation's template.
    subKeys = keysOf(sub.data);
    if (subKeys) subTemplateFrom = 'repository';
    else if (isOrg) {
      const org = await api(`orgs/${owner}/actions/oidc/customization/sub`);
      if (org.problem) note(org.problem);
      subKeys = keysOf(org.data);
      if (subKeys) subTemplateFrom = 'organisation';
    }
  }
  out.facts = { subKeys, subTemplateFrom, environments };
  return out;
}
