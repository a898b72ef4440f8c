/**
 * What GitHub's settings add to the chains (`check --github`): the OIDC sub template, and the
 * protection of the environments the chains run in. Pure functions over facts read by
 * src/check/sources.ts from the REST API (shapes: GitHub REST docs, "Actions OIDC" and
 * "Deployment environments"; domain.md section 2).
 */
import { admits } from '../setup/trust.ts';
import { finding, type Finding } from '../atmos/findings.ts';
import type { Chain } from './chains.ts';

export interface GithubEnvironment {
  name: string;
  /** `protection_rules[].type`: required_reviewers, wait_timer, branch_policy. */
  rules: string[];
  /** `deployment_branch_policy`: null when any branch may deploy. */
  branchPolicy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
}

export interface GithubFacts {
  /** `include_claim_keys` in force (repository's, else organisation's), null for the default form. */
  subKeys: string[] | null;
  /** Which template: `repository`, `organisation`. */
  subTemplateFrom: string | null;
  /** Null when the environments could not be read. */
  environments: GithubEnvironment[] | null;
}

/** Keys equal to the default form: `repo:<owner>/<repo>:<context>`. */
const isDefault = (keys: string[]): boolean => keys.length === 2 && keys[0] === 'repo' && keys[1] === 'context';

/**
 * The sub a job sends under a customised template: each key as `key:value`, joined by `:`
 * (GitHub docs, "Customizing the subject claims for an organization or repository"). Null when a
 * key's value is only known when the job runs.
 */
export function customSub(keys: string[], defaultSub: string): string | null {
  const m = /^repo:([^:]+):(.*)$/.exec(defaultSub);
  if (!m) return null;
  const [, repository, context] = m;
  const parts: string[] = [];
  for (const key of keys) {
    if (key === 'repo' || key === 'repository') parts.push(`${key}:${repository}`);
    // `context` is written as its value alone, as in the default form (repo:…:environment:prod).
    else if (key === 'context') parts.push(context);
    else if (key === 'repository_owner') parts.push(`repository_owner:${repository.split('/')[0].replace(/@\d+$/, '')}`);
    else if (key === 'environment' && context.startsWith('environment:')) parts.push(`environment:${context.slice('environment:'.length)}`);
    else if (key === 'ref' && context.startsWith('ref:')) parts.push(`ref:${context.slice('ref:'.length)}`);
    else return null;
  }
  return parts.join(':');
}

/**
 * Apply a customised template: each chain's sub changes, and default-form patterns are judged
 * again. Returns the finding to report once every trust has judged the new subs (`settle`).
 */
export function applySubTemplate(chains: Chain[], facts: GithubFacts): ((all: Chain[]) => Finding) | null {
  const keys = facts.subKeys;
  if (!keys || isDefault(keys)) return null;
  let broken = 0;
  for (const chain of chains) {
    if (!chain.sub) continue;
    const sub = customSub(keys, chain.sub);
    chain.reasons.push(`sub template from the ${facts.subTemplateFrom} (include_claim_keys: ${keys.join(', ')})`);
    if (sub === null) {
      chain.sub = null;
      if (chain.verdict === 'allowed') chain.verdict = 'unknown';
      chain.trust = 'unknown';
      chain.reasons.unshift(`the customised sub (${keys.join(', ')}) is known only when the job runs`);
      continue;
    }
    chain.sub = sub;
    if (chain.trust === 'unknown' || !chain.patterns.length) continue;
    chain.matched = admits(chain.patterns, sub);
    if (!chain.matched && chain.verdict === 'allowed') {
      chain.verdict = 'denied';
      chain.trust = 'rejects';
      chain.reasons.unshift(`sub ${sub} (customised template) matches none of ${chain.patterns.join(', ')}`);
      broken++;
    }
  }
  return (all) => {
    // Chains the template broke here, or that an outside trust policy then refused.
    broken = all.filter((c) => c.trust === 'rejects' && c.reasons.some((r) => r.startsWith('sub template from'))).length;
    return finding({
      severity: broken ? 'error' : 'warning',
      code: 'sub-template-custom',
      message: `the ${facts.subTemplateFrom}'s OIDC sub template is customised (include_claim_keys: ${keys.join(', ')}): every job sends "${keys.map((k) => `${k}:…`).join(':')}", not repo:OWNER/REPO:CONTEXT${broken ? `, and ${broken} chain${broken === 1 ? '' : 's'} that the default form would pass no longer match their role's trust` : ''}`,
      file: '',
      fix: 'write trust patterns in the customised form, or set the template back to the default (PUT /repos/{owner}/{repo}/actions/oidc/customization/sub with use_default: true)',
    });
  };
}

/**
 * Environments the chains run in that nothing protects: no required reviewers and no deployment
 * branch policy (anyone who can push a branch, or open a pull request whose job names the
 * environment, gets its role), or that do not exist (the first job that names one creates it bare).
 */
export function environmentFindings(chains: Chain[], facts: GithubFacts, report: (f: Finding) => void): void {
  if (!facts.environments) return;
  const byName = new Map(facts.environments.map((e) => [e.name.toLowerCase(), e]));
  const seen = new Set<string>();
  for (const chain of chains) {
    const name = /^environment:(.+)$/.exec(chain.context ?? '')?.[1];
    if (!name || chain.verdict === 'denied') continue;
    const key = `${name.toLowerCase()}|${chain.workflow}|${chain.job}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const env = byName.get(name.toLowerCase());
    const reviewers = env?.rules.includes('required_reviewers') ?? false;
    const branches = env?.branchPolicy !== null && env?.branchPolicy !== undefined;
    if (env && (reviewers || branches)) continue;
    chain.reasons.push(env ? `environment ${name} has no required reviewers and no branch policy (gh api)` : `environment ${name} does not exist on GitHub (gh api)`);
    report(
      finding({
        severity: 'warning',
        code: 'environment-unprotected',
        message: env
          ? `job "${chain.job}" gets ${chain.roleArn ?? 'its role'} in environment ${name}, which has neither required reviewers nor a deployment branch policy: any branch (and a pull request job naming it) can use that role`
          : `job "${chain.job}" runs in environment ${name}, which does not exist on GitHub: the first run creates it with no protection at all`,
        file: chain.workflow,
        place: `jobs.${chain.job}.environment`,
        fix: `protect environment ${name}: required reviewers and a deployment branch policy (Settings → Environments, or PUT /repos/{owner}/{repo}/environments/${name})`,
        workflow: chain.workflow,
        job: chain.job,
      }),
    );
  }
}
