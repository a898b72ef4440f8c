/**
 * The trust rules of GitHub's OIDC `sub` claim and of the `aws-iam-role` component, as plain
 * functions: what pattern an entry becomes, what `sub` a job sends, and whether one admits the other.
 */

export const AUDIENCE = 'sts.amazonaws.com';
export const TOKEN_HOST = 'token.actions.githubusercontent.com';

/**
 * The `StringLike` pattern the component emits for one `trusted_github_repos` entry, as its
 * `trusted_github_repos_regexp` (`^(?:(?P<org>[^://]*)\/)?(?P<repo>[^://]*):?(?P<constraint>.*)?$`,
 * aws-iam-role src/github-assume-role-policy.tf; ../shared/reference/components/aws-iam-role/) splits it:
 * the org is whatever precedes a first `/` that comes before any `:`; the repo runs to the next `:` or
 * `/`; one `:` after it is dropped; the rest is the constraint. No constraint → `repo:org/repo:*`; one
 * starting `ref:` or `environment:` → verbatim; any other → a branch, `ref:refs/heads/<constraint>`.
 * An empty org falls back to `trusted_github_org` (`coalesce`). So `a/b/c` is repo `b` with branch `/c`,
 * and `a/b:` has no constraint. Terraform fails where the regex cannot match (a line break in the constraint)
 * or where no org is left; so does this function. test/trust-terraform.test.ts compares the two.
 */
export function trustPattern(entry: string, trustedOrg: string | null): string {
  const first = entry.search(/[:/]/);
  const hasOrg = first !== -1 && entry[first] === '/';
  const org = hasOrg ? entry.slice(0, first) : '';
  const rest = hasOrg ? entry.slice(first + 1) : entry;
  const end = rest.search(/[:/]/);
  const repo = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? '' : rest.slice(end);
  const constraint = tail.startsWith(':') ? tail.slice(1) : tail;
  // RE2's `.` (the constraint) stops at a line break; `[^://]` (org and repo) does not.
  if (constraint.includes('\n')) throw new Error(`trust entry ${JSON.stringify(entry)} has a line break in its constraint, which the component's pattern cannot match`);
  const owner = org || trustedOrg;
  if (!owner) throw new Error(`trust entry "${entry}" has no org and trusted_github_org is empty`);
  let context: string;
  if (constraint === '') context = '*';
  else if (constraint.startsWith('ref:') || constraint.startsWith('environment:')) context = constraint;
  else context = `ref:refs/heads/${constraint}`;
  return `repo:${owner}/${repo}:${context}`;
}

/** IAM `StringLike`: `*` any run of characters, `?` one character, case-sensitive. */
export function stringLike(pattern: string, value: string): boolean {
  let source = '^';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${source}$`, 's').test(value);
}

/** The subject prefix GitHub sends: by name, or with immutable numeric ids. */
export function subjectRepo(repository: string, ids: { owner: number; repo: number } | null): string {
  if (!ids) return repository;
  const [owner, repo] = repository.split('/');
  return `${owner}@${ids.owner}/${repo}@${ids.repo}`;
}

/**
 * What a job runs in: an environment wins over a pull request, which wins over the ref. `ref` is
 * the full ref (`refs/heads/main`, `refs/tags/v1`); the claim reads `ref:refs/heads/main`.
 */
export type JobContext = { environment: string } | { pullRequest: true } | { ref: string };

export function subClaim(subjectRepository: string, context: JobContext): string {
  const encode = (s: string): string => s.replaceAll(':', '%3A');
  if ('environment' in context) return `repo:${subjectRepository}:environment:${encode(context.environment)}`;
  if ('pullRequest' in context) return `repo:${subjectRepository}:pull_request`;
  return `repo:${subjectRepository}:ref:${encode(context.ref)}`;
}

/** Does any of the role's patterns admit this `sub`? Returns the pattern that matched, if any. */
export function admits(patterns: readonly string[], sub: string): string | null {
  return patterns.find((p) => stringLike(p, sub)) ?? null;
}

/**
 * The trust policy document the component creates for a role with these patterns, so `check` and
 * tests can show, simulate and compare exactly what AWS will evaluate.
 */
export function trustPolicyDocument(providerArn: string, patterns: readonly string[]): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OidcProviderAssume',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity', 'sts:TagSession'],
        Condition: {
          StringEquals: { [`${TOKEN_HOST}:aud`]: AUDIENCE },
          StringLike: { [`${TOKEN_HOST}:sub`]: [...patterns] },
        },
      },
    ],
  };
}

/** A trust entry that does not mean what it looks like, or that hands out too much. */
export interface TrustWarning {
  entry: string;
  message: string;
}

/** Warnings for entries whose effect surprises people (reference: the component's parsing rules). */
export function trustEntryWarnings(entry: string, isAdmin: boolean): TrustWarning[] {
  const warnings: TrustWarning[] = [];
  const colon = entry.indexOf(':');
  const repoPart = colon === -1 ? entry : entry.slice(0, colon);
  const constraint = colon === -1 ? null : entry.slice(colon + 1);
  if (constraint === 'pull_request')
    warnings.push({ entry, message: `"${entry}" trusts a branch named "pull_request", not pull requests (the component turns any constraint other than "ref:..." or "environment:..." into a branch); pull request jobs cannot be singled out through trusted_github_repos` });
  if (constraint === '*')
    warnings.push({ entry, message: `"${entry}" trusts every branch (ref:refs/heads/*) but no pull request and no environment job` });
  if (repoPart.endsWith('/*') || repoPart === '*')
    warnings.push({ entry, message: `"${entry}" trusts every repository of the organisation: any of them can assume this role` });
  if (isAdmin && constraint === null)
    warnings.push({ entry, message: `"${entry}" has no constraint on an administrator role: any branch, pull request or environment of that repository can assume it` });
  return warnings;
}

/** One trust entry in words, for summaries and comments. */
export function describeEntry(entry: string, trustedOrg: string | null): string {
  const pattern = trustPattern(entry, trustedOrg);
  const match = /^repo:([^:]+):(.*)$/.exec(pattern);
  if (!match) return pattern;
  const [, repo, context] = match;
  const where = repo.endsWith('/*') ? `every repository of ${repo.slice(0, -2)}` : repo;
  if (context === '*') return `any branch, tag, pull request or environment of ${where}`;
  if (context.startsWith('environment:')) return `only jobs running in GitHub Environment ${context.slice('environment:'.length)} of ${where}`;
  if (context.startsWith('ref:refs/heads/')) return `jobs on branch ${context.slice('ref:refs/heads/'.length)} of ${where} (not pull requests or environments)`;
  if (context.startsWith('ref:refs/tags/')) return `jobs on tag ${context.slice('ref:refs/tags/'.length)} of ${where}`;
  return `${context} of ${where}`;
}

export function describeEntries(entries: readonly string[], trustedOrg: string | null): string {
  return entries.map((e) => describeEntry(e, trustedOrg)).join('; or ');
}
