/**
 * Which GitHub repository the workflows run in, and how GitHub names it in the `sub` claim: by name
 * (`owner/repo`) or, for repositories with immutable subject claims, `owner@id/repo@id`. Read from
 * options, else `.atmos-oidc.yaml`, else the git remote; the immutable form from options or the
 * answers file, else inferred from the trust entries themselves.
 */
import { ANSWERS_FILE } from '../answers/answers.ts';
import { subjectRepo } from '../setup/trust.ts';
import type { Repo } from '../atmos/repo.ts';
import { isPlainObject } from '../atmos/yaml.ts';

/** What `.atmos-oidc.yaml` says, read leniently: `check` also runs on files people edited. */
export interface AnswersFacts {
  repository: string | null;
  repositoryIds: { owner: number; repo: number } | null;
  defaultBranch: string | null;
  setup: string | null;
  accounts: Array<{ stage: string; id: string; oidcProviderArn: string | null }>;
  roles: Array<{ name: string; identity: string | null; trust: string[] }>;
  /** The tool adopted a repository that had Atmos before it (the answers file records `adopted`). */
  adopted: boolean;
}

export function readAnswersFacts(repo: Repo): AnswersFacts | null {
  const parsed = repo.yaml(ANSWERS_FILE);
  if (!parsed || !isPlainObject(parsed.value)) return null;
  const v = parsed.value;
  const str = (x: unknown): string | null => (typeof x === 'string' && x ? x : typeof x === 'number' ? String(x) : null);
  const ids = isPlainObject(v.repository_ids) && Number.isInteger(Number(v.repository_ids.owner)) && Number.isInteger(Number(v.repository_ids.repo)) && v.repository_ids.owner !== undefined && v.repository_ids.repo !== undefined
    ? { owner: Number(v.repository_ids.owner), repo: Number(v.repository_ids.repo) }
    : null;
  return {
    repository: str(v.repository),
    repositoryIds: ids,
    defaultBranch: str(v.default_branch),
    setup: str(v.setup),
    accounts: (Array.isArray(v.accounts) ? v.accounts : [])
      .filter(isPlainObject)
      .map((a) => ({ stage: str(a.stage) ?? '', id: str(a.id) ?? '', oidcProviderArn: str(a.oidc_provider_arn) }))
      .filter((a) => a.stage && a.id),
    roles: (Array.isArray(v.roles) ? v.roles : [])
      .filter(isPlainObject)
      .map((r) => ({ name: str(r.name) ?? '', identity: str(r.identity), trust: Array.isArray(r.trust) ? r.trust.map(String) : [] }))
      .filter((r) => r.name),
    adopted: isPlainObject(v.adopted),
  };
}

/** `owner/repo` of the `origin` remote in `.git/config`, when it is a GitHub URL. */
export function gitRemoteRepository(repo: Repo): string | null {
  const text = repo.read('.git/config');
  if (!text) return null;
  const section = /\[remote "origin"\]([^[]*)/.exec(text);
  const url = section && /^\s*url\s*=\s*(\S+)/m.exec(section[1]);
  if (!url) return null;
  const m = /github\.com[:/]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url[1]);
  return m ? `${m[1]}/${m[2]}` : null;
}

/** The default branch from `.git/refs/remotes/origin/HEAD`, when the clone has it. */
export function gitDefaultBranch(repo: Repo): string | null {
  const text = repo.read('.git/refs/remotes/origin/HEAD');
  const m = text && /ref:\s*refs\/remotes\/origin\/(\S+)/.exec(text);
  return m ? m[1] : null;
}

export interface Subject {
  /** `owner/repo` by name. */
  repository: string;
  ids: { owner: number; repo: number } | null;
  /** What GitHub puts after `repo:` in the sub claim. */
  subjectRepository: string;
  /** Where `repository` came from. */
  source: 'option' | 'answers' | 'git remote' | 'trust entries' | 'unknown';
  /** Where the id form came from. */
  idsSource: 'option' | 'answers' | 'trust entries' | 'none';
}

/** The repository part of a `StringLike` sub pattern: `{owner, ownerId, repo, repoId}`, or null. */
export function patternRepository(pattern: string): { owner: string; ownerId: number | null; repo: string; repoId: number | null } | null {
  const m = /^repo:([^/:@]+)(?:@(\d+))?\/([^/:@]+)(?:@(\d+))?:/.exec(pattern);
  if (!m) return null;
  return { owner: m[1], ownerId: m[2] ? Number(m[2]) : null, repo: m[3], repoId: m[4] ? Number(m[4]) : null };
}

export function decideSubject(
  options: { repository?: string | null; repositoryIds?: { owner: number; repo: number } | null },
  answers: AnswersFacts | null,
  remote: string | null,
  patterns: string[],
): Subject {
  let repository = options.repository ?? answers?.repository ?? remote ?? null;
  let source: Subject['source'] = options.repository ? 'option' : answers?.repository ? 'answers' : remote ? 'git remote' : 'unknown';
  if (!repository) {
    const counts = new Map<string, number>();
    for (const p of patterns) {
      const r = patternRepository(p);
      if (r && r.owner !== '*' && r.repo !== '*' && !r.repo.includes('*')) counts.set(`${r.owner}/${r.repo}`, (counts.get(`${r.owner}/${r.repo}`) ?? 0) + 1);
    }
    const best = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    if (best) {
      repository = best[0];
      source = 'trust entries';
    }
  }
  repository ??= 'unknown/unknown';
  let ids = options.repositoryIds ?? null;
  let idsSource: Subject['idsSource'] = ids ? 'option' : 'none';
  if (!ids && answers) {
    ids = answers.repositoryIds;
    idsSource = ids ? 'answers' : 'none';
  } else if (!ids) {
    // No answers file and no option: if this repository's own trust entries use the immutable
    // form, that is the best evidence of what GitHub sends.
    const [owner, name] = repository.toLowerCase().split('/');
    const counts = new Map<string, number>();
    let named = 0;
    for (const p of patterns) {
      const r = patternRepository(p);
      if (!r || r.owner.toLowerCase() !== owner || r.repo.toLowerCase() !== name) continue;
      if (r.ownerId !== null && r.repoId !== null) counts.set(`${r.ownerId}/${r.repoId}`, (counts.get(`${r.ownerId}/${r.repoId}`) ?? 0) + 1);
      else named++;
    }
    const best = [...counts].sort((a, b) => b[1] - a[1])[0];
    if (best && best[1] >= named) {
      const [o, r] = best[0].split('/').map(Number);
      ids = { owner: o, repo: r };
      idsSource = 'trust entries';
    }
  }
  return { repository, ids, subjectRepository: subjectRepo(repository, ids), source, idsSource };
}
