/**
 * What `check` reports. Every finding has a stable code (scripts and CI match on it; never rename
 * one), a severity, the file and place it is about, a message, and a fix in one line.
 *
 * Severity rules. An error is something that will fail in CI, or that lets a job reach more than
 * the repository's owner decided: `check` exits 1 and `init` refuses to write the setup. A warning
 * is a risk or an ambiguity that does not break a chain by itself, or a choice the user made with
 * the tool and was warned about (setup `basic` trusting the admin role for the whole repository),
 * or something `check` cannot prove offline. In detail:
 * - a chain that cannot hold (`chain-broken`, `id-token-missing`, `audience-invalid`, the identity
 *   and provider codes, `immutable-id-mismatch`, `templates-disabled`) is always an error;
 * - an admin role reachable from a pull request or from any branch is an error, unless the
 *   answers file records exactly that choice for that role (then a warning: the tool warned when it
 *   was made, and warns again here);
 * - `${{ … }}` in `run:` is an error when it carries text someone else controls (event payloads,
 *   workflow inputs, head ref), else a warning;
 * - a trust entry that does not mean what it looks like is a warning (a chain relying on it is
 *   reported broken on its own), except `org/*` on an admin role, which is an error;
 * - a value only Atmos can compute at run time (a YAML function, a template) is a warning where it
 *   decides a chain: the chain's verdict is then "unknown", neither proved nor refuted.
 */

export type Severity = 'error' | 'warning';

export const CODES = {
  'chain-broken': 'a job cannot assume its role: the role does not admit the job\'s sub claim, or the role is missing',
  'admin-from-pull-request': 'an administrator role admits pull request tokens',
  'admin-from-any-branch': 'an administrator role admits tokens from any branch',
  'id-token-missing': 'a job that obtains AWS credentials lacks permissions id-token: write',
  'audience-invalid': 'an OIDC audience other than sts.amazonaws.com',
  'identity-not-in-profile': 'the identity a job selects does not exist in the active profile',
  'identity-not-oidc': 'the identity a job uses does not authenticate through a github/oidc provider',
  'identity-no-role': 'the identity a job uses names no role to assume (no principal.assume_role)',
  'default-identity-none': 'a job relies on the default identity and there is none',
  'default-identity-multiple': 'more than one default identity',
  'profile-missing': 'a job activates a profile that does not exist',
  'provider-other-account': 'a role trusts an OIDC provider ARN of another account',
  'provider-missing': 'no GitHub OIDC provider is deployed in a role\'s account',
  'provider-duplicate': 'two GitHub OIDC providers are deployed in one account',
  'run-expression': '${{ … }} inside run:',
  'trust-entry-pull-request': 'a trust entry ending in :pull_request (a branch named pull_request)',
  'trust-entry-all-branches': 'a trust entry ending in :* (every branch, but no pull request or environment)',
  'trust-entry-org-wildcard': 'a trust entry org/* (every repository of the organisation)',
  'immutable-id-mismatch': 'trust entries and the sub claim disagree on the immutable owner@id/repo@id form',
  'environment-case': 'GitHub Environment names that differ only in case',
  'role-named-githubactions': 'a role named GitHubActions',
  'value-unknowable': 'a value that decides a chain is only known when Atmos runs',
  'templates-disabled': 'settings.pro inputs use {{ }} templates but templates.settings.enabled is not true',
  'role-not-found': 'no component in the repository creates the role a job assumes',
  'sub-template-custom': 'the repository or organisation customises the OIDC sub template (check --github)',
  'environment-unprotected': 'a chain runs in a GitHub Environment with no required reviewers and no branch policy, or one that does not exist (check --github)',
  'source-unavailable': 'check --aws or --github could not read what it was asked to (no CLI, no login, an error or a timeout)',
  'role-no-github-trust': 'a role reached by a job has no GitHub OIDC trust statement',
  'stack-missing': 'a job names a stack that does not exist',
  'import-missing': 'a stack manifest imports a file that does not exist',
  'yaml-invalid': 'a file that is not valid YAML',
  'atmos-config-missing': 'no atmos.yaml: Atmos defaults assumed',
  'atmos-config-location': 'where CI finds atmos.yaml is ambiguous or names a place without one',
  'role-shared-pull-request': 'one role serves code a pull request controls and an apply, production or admin job',
  'pull-request-environment-admin': 'a pull-request job names an environment an administrator role trusts',
  'admin-from-other-repository': 'an administrator role admits pull requests of another repository',
  'static-aws-keys': 'long-lived AWS keys from secrets instead of OIDC',
  'stack-name-duplicate': 'several stack manifests resolve to the same stack name',
  'nothing-to-check': 'DIR is not an Atmos repository: no atmos.yaml, stacks, answers file or credential-using workflow',
  'repository-assumed': 'the GitHub repository was inferred, not read from .atmos-oidc.yaml or the git remote',
  'matrix-too-large': 'a job matrix makes more jobs than GitHub runs from one matrix (256)',
} as const;

export type FindingCode = keyof typeof CODES;

export interface Finding {
  severity: Severity;
  code: FindingCode;
  message: string;
  /** Repository-relative file the finding is about ("" when it is about the repository as a whole). */
  file: string;
  /** 1-based line in `file`, 0 when unknown. */
  line: number;
  /** The place in the file: a YAML path such as `jobs.apply.permissions`. */
  place: string;
  fix: string;
  /** Other files involved (the workflow of a chain, the profile of an identity, …). */
  related?: string[];
  workflow?: string;
  job?: string;
  stack?: string;
  component?: string;
}

export function finding(f: Omit<Finding, 'line' | 'place'> & { line?: number; place?: string }): Finding {
  return { line: 0, place: '', ...f };
}

/** Drop exact repeats (the same code, place and message reached through several chains). */
export function dedupeFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.severity}|${f.code}|${f.file}|${f.line}|${f.place}|${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

/**
 * One finding for a problem that repeats per stack: findings that differ only in the stack they
 * name become one, naming every stack ("in stacks dev, prod").
 */
export function groupByStack(findings: Finding[]): Finding[] {
  const groups = new Map<string, { first: Finding; stacks: string[] }>();
  const out: Array<Finding | { group: string }> = [];
  for (const f of findings) {
    if (!f.stack || !f.message.includes(`stack ${f.stack}`)) {
      out.push(f);
      continue;
    }
    const norm = (text: string): string => text.split(`stack ${f.stack}`).join('stack {}');
    const key = JSON.stringify([f.severity, f.code, f.file, f.line, f.place, f.workflow, f.job, f.component, norm(f.message), norm(f.fix)]);
    const g = groups.get(key);
    if (g) {
      if (!g.stacks.includes(f.stack)) g.stacks.push(f.stack);
      continue;
    }
    groups.set(key, { first: f, stacks: [f.stack] });
    out.push({ group: key });
  }
  return out.map((item) => {
    if (!('group' in item)) return item;
    const { first, stacks } = groups.get(item.group)!;
    if (stacks.length === 1) return first;
    const names = `stacks ${stacks.join(', ')}`;
    const replace = (text: string): string => text.split(`stack ${first.stack}`).join(names);
    return { ...first, message: replace(first.message), fix: replace(first.fix) };
  });
}

/** Errors first, then by file, line and code: a stable order for people and diffs. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = (s: Severity): number => (s === 'error' ? 0 : 1);
  return [...findings].sort(
    (a, b) => rank(a.severity) - rank(b.severity) || cmp(a.file, b.file) || a.line - b.line || cmp(a.code, b.code) || cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
