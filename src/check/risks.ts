/**
 * Risks `check` can name without reading a trust policy: they follow from which jobs reach which
 * role, and from the trust entries the repository itself writes.
 *
 * - `role-shared-pull-request`: one role serves a job that runs code a pull request controls (a pull
 *   request event, a checkout of the PR head or of a free `inputs.sha`) and an apply, production or
 *   admin job. Both jobs must obtain that role for CI to work, so its trust admits both subs, and
 *   the pull request reaches the credentials production uses.
 * - `pull-request-environment-admin`: a pull-request job names an environment that an admin role
 *   trusts (`environment:` wins over `pull_request` in the sub): only the environment's protection,
 *   which lives in GitHub's settings, stands between a pull request and that role.
 * - `admin-from-other-repository`: an admin role whose trust admits pull requests (or any run) of a
 *   repository other than this one.
 * - `static-aws-keys`: long-lived AWS keys from secrets.
 */
import { finding, type Finding } from '../atmos/findings.ts';
import type { Report } from '../atmos/config.ts';
import { admits, stringLike, subClaim } from '../setup/trust.ts';
import type { Chain } from './chains.ts';
import type { Subject } from './repository.ts';
import type { AwsSide, RoleInfo } from './roles.ts';
import { acknowledgedByAnswers, roleArnParts } from './roles.ts';
import type { AnswersFacts } from './repository.ts';
import type { Job, Workflow } from './workflows.ts';

export interface RiskInput {
  chains: Chain[];
  workflows: Workflow[];
  side: AwsSide;
  subject: Subject;
  answers: AnswersFacts | null;
  report: Report;
}

export function riskFindings(input: RiskInput): void {
  const jobs = new Map<string, Job>();
  for (const wf of input.workflows) for (const j of wf.jobs) jobs.set(`${j.file}#${j.id}`, j);
  sharedRoles(input, jobs);
  pullRequestEnvironments(input, jobs);
  otherRepositories(input);
  staticKeys(input, jobs);
}

/**
 * Why a chain runs code a pull request controls, or null: a pull request event, a checkout of the
 * PR head, or a checkout of a commit a dispatcher names when no environment gates the job (a
 * dispatched apply in an environment is gated by that environment's reviewers, not by its sub).
 */
export function pullRequestCode(chain: Chain, job: Job | undefined): string | null {
  if (!job) return null;
  if (job.triggers.some((t) => t.event === 'pull_request')) return 'runs on pull_request';
  const head = job.checkouts.find((x) => x.pullRequestCode && x.controlledBy?.startsWith('the pull request head'));
  if (head) return `checks out ${head.ref}`;
  const named = job.checkouts.find((x) => x.pullRequestCode);
  if (named && !job.environment && !chain.context?.startsWith('environment:')) return `checks out ${named.ref} with no environment to gate it`;
  return null;
}

/** Why a chain is privileged (applies, production, admin), or null. */
export function privileged(chain: Chain, side: AwsSide, job: Job | undefined): string | null {
  const role = chain.roleArn ? side.roles.find((r) => r.arn === chain.roleArn && r.created) : undefined;
  if (role?.admin) return `assumes ${role.component.name}, an administrator role`;
  if (/\b(apply|deploy|destroy|import)\b|terraform workflow|remediation/i.test(chain.command)) return `runs ${chain.command}`;
  if (job?.applies) return `runs ${job.applies}`;
  const env = chain.context?.startsWith('environment:') ? chain.context.slice('environment:'.length) : null;
  if (env && /^prod|[-_/]prod|production/i.test(env)) return `deploys to environment ${env}`;
  const name = chain.roleArn ? roleArnParts(chain.roleArn)?.name ?? '' : '';
  if (/admin/i.test(name) || /admin/i.test(chain.identity ?? '')) return `assumes ${name || chain.identity}, named admin`;
  return null;
}

function label(chain: Chain): string {
  return `${chain.workflow.replace(/^.*\//, '').replace(/\.ya?ml$/, '')}/${chain.job}${chain.stack ? ` (stack ${chain.stack})` : ''}`;
}

function sharedRoles(input: RiskInput, jobs: Map<string, Job>): void {
  const byRole = new Map<string, Chain[]>();
  for (const ch of input.chains) if (ch.roleArn) byRole.set(ch.roleArn, [...(byRole.get(ch.roleArn) ?? []), ch]);
  for (const [arn, chains] of byRole) {
    // A pull-request chain the trust is known to refuse is no risk.
    const prs = chains.filter((ch) => ch.verdict !== 'denied').map((ch) => ({ ch, why: pullRequestCode(ch, jobs.get(`${ch.workflow}#${ch.job}`)) })).filter((x) => x.why);
    const candidates = chains.map((ch) => ({ ch, why: privileged(ch, input.side, jobs.get(`${ch.workflow}#${ch.job}`)) })).filter((x) => x.why);
    // Two jobs: one that runs pull-request code, another that is privileged (a dispatched apply that
    // checks out inputs.sha is one job, gated by its environment).
    const otherJob = (a: Chain, b: Chain): boolean => a.workflow !== b.workflow || a.job !== b.job;
    const pr = prs.find((p) => candidates.some((q) => otherJob(p.ch, q.ch)));
    const priv = pr && candidates.find((q) => otherJob(pr.ch, q.ch));
    if (!pr || !priv) continue;
    const job = jobs.get(`${pr.ch.workflow}#${pr.ch.job}`)!;
    const step = job.steps.find((s) => s.index === pr.ch.step);
    // setup basic: one role for everything, chosen in .atmos-oidc.yaml after a warning; warn again.
    const role = input.side.roles.find((r) => r.arn === arn && r.created);
    const ack = role !== undefined && acknowledgedByAnswers(input.answers, input.subject, role, subClaim(input.subject.subjectRepository, { pullRequest: true }));
    input.report(
      finding({
        severity: ack ? 'warning' : 'error',
        code: 'role-shared-pull-request',
        // Worded as roles.ts words its acknowledged findings: "setup basic" only where the answers say basic.
        message: `${ack ? (input.answers?.setup === 'basic' ? '(setup basic, as chosen in .atmos-oidc.yaml) ' : `(as recorded for ${role.component.name} in .atmos-oidc.yaml) `) : ''}${arn} serves ${label(pr.ch)}, which ${pr.why} (code a pull request controls), and ${label(priv.ch)}, which ${priv.why}: both must obtain the role, so its trust admits the pull request's token, and a pull request can run with the credentials the other job uses`,
        file: pr.ch.workflow,
        line: step?.line ?? job.line,
        place: step?.place ?? `jobs.${job.id}`,
        fix: 'give pull-request jobs their own read-only role (trusted for pull_request or a preview environment), and keep this role for applies from a protected environment',
        related: [priv.ch.workflow],
        workflow: pr.ch.workflow,
        job: pr.ch.job,
      }),
    );
  }
}

function pullRequestEnvironments(input: RiskInput, jobs: Map<string, Job>): void {
  const admins = input.side.roles.filter((r) => r.created && r.github && r.admin && r.patterns);
  const seen = new Set<string>();
  for (const ch of input.chains) {
    if (!ch.context?.startsWith('environment:')) continue;
    const job = jobs.get(`${ch.workflow}#${ch.job}`);
    if (!job || !job.triggers.some((t) => t.event === 'pull_request' || t.event === 'pull_request_target')) continue;
    const env = ch.context.slice('environment:'.length);
    const sub = subClaim(input.subject.subjectRepository, { environment: env });
    for (const r of admins) {
      const matched = admits(r.patterns!, sub);
      const key = `${ch.workflow}#${ch.job}#${env}#${r.arn ?? r.component.name}`;
      if (!matched || seen.has(key)) continue;
      seen.add(key);
      input.report(
        finding({
          severity: 'error',
          code: 'pull-request-environment-admin',
          message: `${label(ch)} runs on pull requests in environment "${env}", and the administrator role ${r.arn ?? r.component.name} (${r.component.name}, stack ${r.stack.name}) trusts that environment (${matched}): the sub is environment:${env} whatever the event, so only the environment's protection rules, kept in GitHub's settings, stand between a pull request and that role`,
          file: ch.workflow,
          line: job.environmentLine,
          place: `jobs.${job.id}.environment`,
          fix: `run pull-request jobs in an environment no administrator role trusts (a preview environment with a read-only role), or remove environment:${env} from ${r.component.name}'s trust; required reviewers on "${env}" are the last gate`,
          related: [r.trustPlace.file],
          workflow: ch.workflow,
          job: ch.job,
        }),
      );
    }
  }
}

function otherRepositories(input: RiskInput): void {
  const ours = input.subject.subjectRepository;
  const owner = ours.split('/')[0].replace(/@\d+$/, '');
  const report = new Map<string, { role: RoleInfo; patterns: string[]; stacks: string[] }>();
  for (const r of input.side.roles) {
    if (!r.created || !r.github || !r.admin || !r.patterns) continue;
    const others = r.patterns.filter((p) => {
      const m = /^repo:([^:]+):(.*)$/.exec(p);
      if (!m) return p === '*' || p.startsWith('repo:*');
      const [, repo, context] = m;
      if (!stringLike(context, 'pull_request') && context !== '*') return false;
      if (repo === ours) return false;
      // org/* of this owner is trust-entry-org-wildcard already.
      if (repo === `${owner}/*`) return false;
      return true;
    });
    if (!others.length) continue;
    const key = `${r.trustPlace.file}#${r.trustPlace.line}#${r.component.name}#${others.join(',')}`;
    const hit = report.get(key);
    if (hit) hit.stacks.push(r.stack.name);
    else report.set(key, { role: r, patterns: others, stacks: [r.stack.name] });
  }
  for (const { role: r, patterns, stacks } of report.values()) {
    const f: Finding = finding({
      severity: 'error',
      code: 'admin-from-other-repository',
      message: `${r.component.name} is an administrator role${stacks.length > 1 ? ` in stacks ${stacks.join(', ')}` : ` in stack ${stacks[0]}`} and admits pull requests of another repository (${patterns.join(', ')}): whoever can open a pull request there runs with it`,
      file: r.trustPlace.file,
      line: r.trustPlace.line,
      place: r.trustPlace.place,
      fix: `trust only ${input.subject.repository}, constrained to a protected environment (e.g. "${input.subject.repository}:environment:production"); give other repositories their own roles`,
      component: r.component.name,
    });
    input.report(f);
  }
}

function staticKeys(input: RiskInput, jobs: Map<string, Job>): void {
  for (const job of jobs.values()) {
    if (!job.staticKeys) continue;
    input.report(
      finding({
        severity: 'warning',
        code: 'static-aws-keys',
        message: `job "${job.id}" authenticates to AWS with long-lived keys from secrets (${job.staticKeys.text}): they do not expire, are not tied to this repository, branch or environment, and every workflow that can read the secret can use them`,
        file: job.file,
        line: job.staticKeys.line,
        place: job.staticKeys.place,
        fix: 'switch the job to OIDC (aws-actions/configure-aws-credentials with role-to-assume, or an Atmos github/oidc identity) with id-token: write, then delete the keys in IAM and the secrets',
        workflow: job.file,
        job: job.id,
      }),
    );
  }
}
