/**
 * Security rules every generated workflow must keep, as a function that returns violations, so the
 * generator can refuse its own output and tests can run the same rules over every case:
 *
 * - `expression-in-run`: no `${{ … }}` inside `run:`. Inputs and event data reach scripts only
 *   through `env:`, where the shell receives them as data, never as code.
 * - `pull-request-target`: no `pull_request_target` trigger (it runs with the base repository's
 *   secrets and token on code from a fork).
 * - `permissions-missing`: every job has an explicit `permissions:` map (otherwise it gets the
 *   repository's default token, possibly write-all).
 * - `id-token-missing` / `id-token-unneeded`: `id-token: write` exactly where a job obtains
 *   credentials through OIDC (configure-aws-credentials, or Atmos with its github/oidc provider).
 * - `permissions-excess`: no other write scope, except `checks`/`statuses` for a job that uploads
 *   statuses (`--upload-status`).
 * - `pr-reaches-admin`: a job that a pull request triggers resolves to no administrator identity
 *   or role (advanced setup: only the apply job, inside its environment, may).
 * - `unpinned-action`: every action pinned to at least a major version tag (`@v6`), or to a full
 *   commit SHA when `pin` is `sha`.
 */
import { parseDocument } from 'yaml';
import { fastParseKept } from '../atmos/fastyaml.ts';
import type { Model } from './model.ts';
import { InputError } from '../answers/validate.ts';

export type WorkflowRule =
  | 'not-a-workflow'
  | 'expression-in-run'
  | 'pull-request-target'
  | 'permissions-missing'
  | 'id-token-missing'
  | 'id-token-unneeded'
  | 'permissions-excess'
  | 'pr-reaches-admin'
  | 'unpinned-action';

export interface WorkflowViolation {
  rule: WorkflowRule;
  /** The job (and step) where it was found, when it is about one. */
  where: string;
  message: string;
}

export interface WorkflowRuleOptions {
  /** `major`: actions need at least `@vN`; `sha`: a full 40-character commit SHA. Default `major`. */
  pin?: 'major' | 'sha';
  /** Identities (Atmos `ATMOS_IDENTITY` / `--identity`) that hold administrator rights. */
  adminIdentities?: readonly string[];
  /** Role ARNs (configure-aws-credentials `role-to-assume`) that hold administrator rights. */
  adminRoleArns?: readonly string[];
  /** The identity Atmos uses when a job names none (the profile's default). */
  defaultIdentity?: string | null;
}

type Map = Record<string, unknown>;

function isMap(value: unknown): value is Map {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The events a workflow's `on:` names, whatever its form (string, list or map). */
export function workflowEvents(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.filter((e): e is string => typeof e === 'string');
  if (isMap(on)) return Object.keys(on);
  return [];
}

const EXPRESSION = /\$\{\{/;
const SHA = /^[0-9a-f]{40}$/;
const MAJOR_OR_MORE = /^v\d+(?:\.\d+){0,2}$/;
const CONFIGURE_AWS = /^aws-actions\/configure-aws-credentials@/;
/** A shell line that runs the `atmos` binary (Atmos auth and Atmos Pro both exchange the OIDC token). */
const RUNS_ATMOS = /(?:^|[\s;&|(])atmos\s/m;
const UPLOADS_STATUS = /--upload-status\b/;
const STATUS_SCOPES = new Set(['checks', 'statuses']);
/** github/codeql-action/upload-sarif needs security-events: write (its action.yml, input "token"). */
const UPLOADS_SARIF = /^github\/codeql-action\/upload-sarif@/;

function steps(job: Map): Map[] {
  return Array.isArray(job.steps) ? job.steps.filter(isMap) : [];
}

function stepName(step: Map, index: number): string {
  return typeof step.name === 'string' ? `step "${step.name}"` : typeof step.uses === 'string' ? `step ${index + 1} (${step.uses})` : `step ${index + 1}`;
}

/** Does the job obtain credentials through GitHub's OIDC token? */
export function obtainsCredentials(job: Map): boolean {
  return steps(job).some(
    (step) => (typeof step.uses === 'string' && CONFIGURE_AWS.test(step.uses)) || (typeof step.run === 'string' && RUNS_ATMOS.test(step.run)),
  );
}

/** The values `${{ matrix.KEY }}` can take in a job (from `matrix.KEY` lists and `include` entries). */
function matrixValues(job: Map, key: string): unknown[] {
  const matrix = isMap(job.strategy) ? job.strategy.matrix : undefined;
  if (!isMap(matrix)) return [];
  const values: unknown[] = [];
  if (Array.isArray(matrix[key])) values.push(...(matrix[key] as unknown[]));
  if (Array.isArray(matrix.include)) for (const entry of matrix.include) if (isMap(entry) && key in entry) values.push(entry[key]);
  return values;
}

/** Expand a value that may be `${{ matrix.KEY }}` into the values it can take; other expressions stay as they are. */
function expand(job: Map, value: unknown): unknown[] {
  if (typeof value !== 'string') return [value];
  const match = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(value.trim());
  return match ? matrixValues(job, match[1]) : [value];
}

/** The identities and role ARNs a job's credential steps resolve to. */
function reachedPrincipals(workflow: Map, job: Map, defaultIdentity: string | null): { identities: Set<string>; roleArns: Set<string> } {
  const identities = new Set<string>();
  const roleArns = new Set<string>();
  const envOf = (m: unknown): Map => (isMap(m) && isMap(m.env) ? m.env : {});
  for (const step of steps(job)) {
    if (typeof step.uses === 'string' && CONFIGURE_AWS.test(step.uses)) {
      const role = isMap(step.with) ? step.with['role-to-assume'] : undefined;
      for (const value of expand(job, role)) if (typeof value === 'string') roleArns.add(value);
    }
    if (typeof step.run === 'string' && RUNS_ATMOS.test(step.run)) {
      const flags = [...step.run.matchAll(/--identity[=\s]+["']?([^\s"']+)/g)].map((m) => m[1]);
      const fromEnv = envOf(step).ATMOS_IDENTITY ?? envOf(job).ATMOS_IDENTITY ?? envOf(workflow).ATMOS_IDENTITY;
      const named = flags.length ? flags : fromEnv !== undefined ? expand(job, fromEnv) : defaultIdentity ? [defaultIdentity] : [];
      for (const value of named) if (typeof value === 'string') identities.add(value);
    }
  }
  return { identities, roleArns };
}

function checkUses(uses: string, where: string, pin: 'major' | 'sha', out: WorkflowViolation[]): void {
  if (uses.startsWith('./')) return;
  if (uses.startsWith('docker://')) {
    const pinned = pin === 'sha' ? /@sha256:[0-9a-f]{64}$/.test(uses) : /(?::[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(uses.slice('docker://'.length).replace(/^[^/]*\//, ''));
    if (!pinned) out.push({ rule: 'unpinned-action', where, message: `${uses} is not pinned to ${pin === 'sha' ? 'a digest' : 'a tag or digest'}` });
    return;
  }
  const at = uses.lastIndexOf('@');
  const ref = at === -1 ? '' : uses.slice(at + 1);
  const ok = pin === 'sha' ? SHA.test(ref) : SHA.test(ref) || MAJOR_OR_MORE.test(ref);
  if (!ok)
    out.push({
      rule: 'unpinned-action',
      where,
      message: `${uses} is not pinned to ${pin === 'sha' ? 'a full commit SHA' : 'a version tag (at least @vN) or a full commit SHA'}${ref ? `; "${ref}" can move to any code` : ''}`,
    });
}

/**
 * The workflow as plain values, or the first YAML error as a string. Plain block YAML (all that the
 * templates produce) takes check's fast path, which returns what `yaml` returns, and the parse is
 * kept for `check`, which reads the same text back from the planned tree; the rest goes to `yaml`.
 */
function parseWorkflow(text: string): { value: unknown } | string {
  const fast = fastParseKept(text);
  if (fast) return { value: fast.value };
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true });
  if (doc.errors.length) return doc.errors[0].message.split('\n')[0];
  return { value: doc.toJS() as unknown };
}

/** Check one workflow's text; returns every violation found (none when it keeps every rule). */
export function checkWorkflow(text: string, options: WorkflowRuleOptions = {}): WorkflowViolation[] {
  const out: WorkflowViolation[] = [];
  const parsed = parseWorkflow(text);
  if (typeof parsed === 'string') return [{ rule: 'not-a-workflow', where: '(document)', message: `not valid YAML 1.2: ${parsed}` }];
  const workflow = parsed.value;
  if (!isMap(workflow) || !isMap(workflow.jobs)) return [{ rule: 'not-a-workflow', where: '(document)', message: 'expected a map with "on" and "jobs"' }];
  const pin = options.pin ?? 'major';
  const admins = new Set(options.adminIdentities ?? []);
  const adminArns = new Set(options.adminRoleArns ?? []);

  const events = workflowEvents(workflow.on);
  if (events.includes('pull_request_target'))
    out.push({ rule: 'pull-request-target', where: 'on', message: 'pull_request_target runs with the base repository\'s token and secrets on code from the pull request; use pull_request' });
  const pullRequest = events.includes('pull_request') || events.includes('pull_request_target');

  for (const [jobId, rawJob] of Object.entries(workflow.jobs)) {
    if (!isMap(rawJob)) continue;
    const job = rawJob;
    const where = `jobs.${jobId}`;
    if (typeof job.uses === 'string') checkUses(job.uses, where, pin, out);

    steps(job).forEach((step, i) => {
      const at = `${where} ${stepName(step, i)}`;
      if (typeof step.run === 'string' && EXPRESSION.test(step.run))
        out.push({ rule: 'expression-in-run', where: at, message: `run: contains "\${{ … }}", which GitHub pastes into the script before the shell parses it; pass the value through env: and use "$NAME"` });
      if (typeof step.uses === 'string') checkUses(step.uses, at, pin, out);
    });

    const permissions = job.permissions ?? workflow.permissions;
    const credentials = obtainsCredentials(job);
    if (!isMap(permissions)) {
      out.push({
        rule: 'permissions-missing',
        where,
        message:
          permissions === undefined
            ? 'no permissions: block, so the job gets the repository\'s default token permissions (possibly write-all)'
            : `permissions: ${JSON.stringify(permissions)} grants every scope at once; list only the scopes the job needs`,
      });
    } else {
      const idToken = permissions['id-token'];
      if (credentials && idToken !== 'write')
        out.push({ rule: 'id-token-missing', where, message: 'obtains credentials through OIDC but lacks "id-token: write" (it fails with "not authorized to perform: sts:TagSession")' });
      if (!credentials && idToken === 'write')
        out.push({ rule: 'id-token-unneeded', where, message: 'has "id-token: write" but obtains no credentials; only jobs that assume a role may request an OIDC token' });
      const uploads = steps(job).some((s) => typeof s.run === 'string' && UPLOADS_STATUS.test(s.run));
      for (const [scope, level] of Object.entries(permissions)) {
        if (scope === 'id-token' || level !== 'write') continue;
        if (STATUS_SCOPES.has(scope) && uploads) continue;
        if (scope === 'security-events' && steps(job).some((s) => typeof s.uses === 'string' && UPLOADS_SARIF.test(s.uses))) continue;
        out.push({ rule: 'permissions-excess', where, message: `"${scope}: write" is more than the job needs` });
      }
    }

    if (pullRequest && credentials && (admins.size || adminArns.size)) {
      const reached = reachedPrincipals(workflow, job, options.defaultIdentity ?? null);
      for (const identity of reached.identities)
        if (admins.has(identity)) out.push({ rule: 'pr-reaches-admin', where, message: `a pull request runs this job, and it uses the administrator identity ${identity}` });
      for (const arn of reached.roleArns)
        if (adminArns.has(arn)) out.push({ rule: 'pr-reaches-admin', where, message: `a pull request runs this job, and it assumes the administrator role ${arn}` });
    }
  }
  return out;
}

/** The rule options that follow from a model: its pin mode, and in `advanced` its administrator roles. */
export function rulesForModel(model: Model): WorkflowRuleOptions {
  const admins = model.answers.setup === 'advanced' ? model.roles.filter((r) => r.isAdmin) : [];
  return {
    pin: model.answers.pin_actions ?? 'major',
    adminIdentities: admins.map((r) => r.answer.identity),
    adminRoleArns: model.accounts.flatMap((a) => a.roles.filter((r) => admins.includes(r.role)).map((r) => r.arn)),
    defaultIdentity: model.planRole.answer.identity,
  };
}

/**
 * Refuse a generated workflow that breaks a rule. A pull-request job reaching an administrator role
 * comes from the answers (a `plan` role with administrator policies in `advanced`): an input error.
 * Any other violation is a defect of the templates.
 */
export function assertWorkflowRules(path: string, text: string, model: Model): void {
  const violations = checkWorkflow(text, rulesForModel(model));
  if (!violations.length) return;
  const fromAnswers = violations.filter((v) => v.rule === 'pr-reaches-admin');
  if (fromAnswers.length === violations.length)
    throw new InputError({
      field: 'roles',
      value: model.planRole.answer.name,
      allowed: `in the advanced setup the role used_for "plan" must not hold administrator policies, because pull requests run the plan jobs (${path}: ${fromAnswers[0].message}); give it read-only policies, set "roles: []" to take the advanced setup's own roles, or use the basic setup`,
    });
  throw new Error(`generated ${path} breaks the workflow rules: ${violations.map((v) => `${v.where}: ${v.message} [${v.rule}]`).join('; ')}`);
}
