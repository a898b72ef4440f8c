/**
 * `check`: prove or refute, before CI runs, every trust chain of an Atmos repository (written by
 * this tool or not): for each workflow job that obtains AWS credentials, the sub it sends, the
 * identity and role it resolves to per stack, and whether that role's trust admits it.
 *
 * Library first: `checkRepository(files, options)` works on any `{ read, list }` (the disk, or the
 * planned `Tree` of `init` before anything is written); the command is `runCheck` in src/cli/check-command.ts.
 */
import { trustPolicyDocument } from '../setup/trust.ts';
import { loadAtmosConfig, Profiles } from '../atmos/config.ts';
import type { DiscoverOptions } from '../atmos/discover.ts';
import { buildChains, type Chain } from './chains.ts';
import { dedupeFindings, finding, groupByStack, sortFindings, type Finding } from '../atmos/findings.ts';
import { Repo, diskRepo, type RepoFiles } from '../atmos/repo.ts';
import { FileRefused } from '../atmos/safe-read.ts';
import { decideSubject, gitDefaultBranch, gitRemoteRepository, readAnswersFacts, type Subject } from './repository.ts';
import { buildAwsSide, resolveFunctionArn, roleFindings, type AwsSide, type RoleInfo } from './roles.ts';
import { Stacks } from '../atmos/stacks.ts';
import { readWorkflows } from './workflows.ts';
import { applyExternalTrust, type ExternalRole, type ExternalUse } from './external.ts';
import { applySubTemplate, environmentFindings, type GithubFacts } from './github.ts';
import { riskFindings } from './risks.ts';
import { deepMerge, hasIn, isPlainObject, isYamlFunction, parseYaml } from '../atmos/yaml.ts';

export type { Chain } from './chains.ts';
export type { Finding, FindingCode, Severity } from '../atmos/findings.ts';
export { CODES } from '../atmos/findings.ts';
export { diskRepo, memoryRepo, type RepoFiles } from '../atmos/repo.ts';
export { formatFinding } from './report.ts';

export interface CheckOptions {
  /** `owner/repo` whose workflows assume the roles (default: .atmos-oidc.yaml, else the git remote). */
  repository?: string | null;
  /** Numeric ids when GitHub sends immutable subject claims (default: .atmos-oidc.yaml, else inferred). */
  repositoryIds?: { owner: number; repo: number } | null;
  /** The branch dispatched and scheduled runs use (default: .atmos-oidc.yaml, else the clone's, else main). */
  defaultBranch?: string | null;
  /**
   * Keys to read as if added to `atmos.yaml` (lists are appended): `init` leaves an existing
   * atmos.yaml alone and prints the keys it needs, and checks the setup as it will be once they are added.
   */
  atmosConfigAdditions?: Record<string, unknown> | null;
  /** Trust policies of roles created outside the repository (`--trust FILE`, `--aws`): they judge the chains no component does. */
  externalRoles?: ExternalRole[];
  /** GitHub's settings read by `check --github`: the sub template and the environments' protection. */
  github?: GithubFacts | null;
  /** Where to find atmos.yaml beyond the root: `--config`, the environment, GitHub variables (src/atmos/discover.ts). */
  atmosConfig?: DiscoverOptions;
}

/** The YAML blocks `init` advises adding to an existing atmos.yaml, as one map of additions. */
export function additionsFromAdvice(advice: string | null): Record<string, unknown> | null {
  if (!advice) return null;
  let out: Record<string, unknown> = {};
  for (const block of advice.split(/\n(?=\S)/)) {
    const value = parseYaml(block, 'advice').value;
    if (isPlainObject(value)) out = deepMerge(out, value, 'append');
  }
  return out;
}

export interface CheckResult {
  chains: Chain[];
  findings: Finding[];
  subject: Subject;
  errors: number;
  warnings: number;
  /** Every role an iam-role component creates, per stack (for `--explain`). */
  roles: RoleInfo[];
  side: AwsSide;
  stacks: Stacks;
  /** The outside trust policies that judged chains, and how many each. */
  external: ExternalUse[];
}

/** Check the repository behind `files`; never throws for problems in the repository (they are findings). */
export function checkRepository(files: RepoFiles, options: CheckOptions = {}): CheckResult {
  const repo = new Repo(safeFiles(files));
  const findings: Finding[] = [];
  const report = (f: Finding): void => {
    findings.push(f);
  };
  const answers = readAnswersFacts(repo);
  const config = loadAtmosConfig(repo, report, options.atmosConfigAdditions ?? null, options.atmosConfig ?? {});
  const profiles = new Profiles(repo, config, report);
  const stacks = new Stacks(repo, config, report);
  stacks.all();
  const side = buildAwsSide(stacks, answers);
  const patterns = side.roles.flatMap((r) => r.patterns ?? []);
  const subject = decideSubject(options, answers, gitRemoteRepository(repo), patterns);
  if (subject.source === 'trust entries' || subject.source === 'unknown')
    report(
      finding({
        severity: 'warning',
        code: 'repository-assumed',
        message:
          subject.source === 'unknown'
            ? 'no .atmos-oidc.yaml, no GitHub remote and no trust entries name the repository: sub claims are computed for unknown/unknown'
            : `no .atmos-oidc.yaml and no GitHub remote: assuming the workflows run in ${subject.repository}, the repository the trust entries name most`,
        file: '',
        fix: 'run check inside a clone whose origin is the GitHub repository, or add .atmos-oidc.yaml with repository: owner/repo',
      }),
    );
  const defaultBranch = options.defaultBranch ?? answers?.defaultBranch ?? gitDefaultBranch(repo) ?? 'main';
  roleFindings(side, subject, answers, stacks, report);
  const workflows = readWorkflows(repo, report);
  const gitops = config.raw.integrations?.github?.gitops?.role;
  const chains = buildChains({
    subject,
    defaultBranch,
    answers,
    stacks,
    profiles,
    side,
    workflows,
    templatesEnabled: config.templatesEnabled,
    report,
    gitops: isPlainObject(gitops) ? gitops : {},
    repoManagesRoles: side.roles.length > 0 || answers !== null,
    lineOf: (file, path) => repo.yaml(file)?.lineOf(path) ?? 0,
    sets: (file, path) => hasIn(repo.yaml(file)?.value, path),
    invalid: (file) => repo.invalid(file),
  });
  // A customised sub template changes every sub before any trust judges it.
  const settleTemplate = options.github ? applySubTemplate(chains, options.github) : null;
  let external: ExternalUse[] = [];
  if (options.externalRoles?.length) {
    const applied = applyExternalTrust(chains, findings, options.externalRoles);
    findings.splice(0, findings.length, ...applied.findings);
    external = applied.used;
  }
  if (settleTemplate) report(settleTemplate(chains));
  if (options.github) environmentFindings(chains, options.github, report);
  riskFindings({ chains, workflows, side, subject, answers, report });
  // Nothing here is Atmos: no atmos.yaml, no stack, no answers file, no job that obtains credentials.
  // "No error" would read as "all is well"; it is an error so a mistyped DIR fails loudly.
  if (!answers && !stacks.all().length && !chains.length && findings.some((f) => f.code === 'atmos-config-missing'))
    report(
      finding({
        severity: 'error',
        code: 'nothing-to-check',
        message: 'no atmos.yaml, no stack manifest, no .atmos-oidc.yaml and no workflow that obtains AWS credentials: this is not an Atmos repository (or not its root)',
        file: '',
        fix: 'run check at the root of the Atmos repository (where atmos.yaml is), or pass its path as DIR',
      }),
    );
  const sorted = sortFindings(groupByStack(dedupeFindings(findings)));
  return {
    chains,
    findings: sorted,
    subject,
    errors: sorted.filter((f) => f.severity === 'error').length,
    warnings: sorted.filter((f) => f.severity === 'warning').length,
    roles: side.roles,
    side,
    stacks,
    external,
  };
}

/**
 * A `read` that throws (a directory where a file should be, a symlink the Tree refuses) reads as
 * absent; but a file refused as unsafe to read (a FIFO, a device, a link out of the repository, a
 * file over the size cap) stops the check: exit 2, naming it, rather than a silently partial check.
 */
function safeFiles(files: RepoFiles): RepoFiles {
  return {
    read(path) {
      try {
        return files.read(path);
      } catch (error) {
        if (error instanceof FileRefused) throw error;
        return null;
      }
    },
    list(dir) {
      try {
        return files.list(dir);
      } catch {
        return [];
      }
    },
  };
}

export interface ExplainedRole {
  stack: string;
  component: string;
  account: string | null;
  roleArn: string | null;
  providerArn: string | null;
  patterns: string[] | null;
  /** The trust policy document the component creates (null when it creates no GitHub statement). */
  policy: object | null;
  note: string | null;
}

/**
 * The trust policy the component creates for `role` in each stack. `role` may be the component
 * instance (`iam-role/terraform`), its `vars.name` (`terraform`), the IAM role name or ARN.
 */
export function explainRole(result: CheckResult, role: string): ExplainedRole[] {
  const matches = result.roles.filter(
    (r) => r.component.name === role || r.component.vars.name === role || r.name === role || r.arn === role || r.component.name === `iam-role/${role}`,
  );
  return matches.map((r) => {
    const providerArn = typeof r.providerArn === 'string' ? r.providerArn : isYamlFunction(r.providerArn) ? resolveFunctionArn(r.providerArn, r.stack, result.stacks, result.side) : null;
    let note: string | null = null;
    if (!r.created) note = 'disabled in this stack: the role is not created';
    else if (!r.github) note = 'no GitHub statement (github_oidc_provider_enabled is not true or trusted_github_repos is empty)';
    else if (!r.patterns) note = 'trusted_github_repos is only known when Atmos runs';
    else if (!providerArn) note = 'github_oidc_provider_arn is not set or only known when Atmos runs';
    const policy = r.created && r.github && r.patterns && providerArn ? trustPolicyDocument(providerArn, r.patterns) : null;
    return { stack: r.stack.name, component: r.component.name, account: r.account, roleArn: r.arn, providerArn, patterns: r.patterns, policy, note };
  });
}
