/**
 * GitHub Actions workflows as far as the trust chain goes: which jobs obtain AWS credentials (a step
 * using `aws-actions/configure-aws-credentials` with `role-to-assume`, or a `run:` that calls
 * `atmos`), what decides their `sub` claim (the job's `environment:`, else the triggers), whether
 * they may request a token at all (`id-token: write`, job permissions replacing workflow ones),
 * and which identity, profile, stack and component their `atmos` commands name.
 */
import { finding } from '../atmos/findings.ts';
import { readYamlValue, splitList, type Report } from '../atmos/config.ts';
import type { Repo } from '../atmos/repo.ts';
import { isPlainObject } from '../atmos/yaml.ts';

/** A value in a workflow: literal, a workflow input, a matrix value, or an expression we cannot know. */
export type Ref =
  | { kind: 'literal'; value: string }
  | { kind: 'input'; name: string; text: string }
  | { kind: 'matrix'; name: string; text: string }
  | { kind: 'unknown'; text: string };

export interface Trigger {
  event: string;
  /** Branch filters of push / pull_request, null when absent. */
  branches: string[] | null;
  tags: string[] | null;
  /** `workflow_dispatch` / `workflow_call` inputs and their types (`string` when not given). */
  inputs?: Record<string, string>;
}

/** An `actions/checkout` step whose `ref:` is not the run's own commit. */
export interface Checkout extends Located {
  ref: string;
  /** Who picks the commit that runs: a sentence, or null when the ref is fixed by the workflow. */
  controlledBy: string | null;
  /** The commit is one a pull request controls (its head), not merely one a writer names. */
  pullRequestCode: boolean;
}

export interface Located {
  line: number;
  place: string;
}

export interface AwsActionStep extends Located {
  kind: 'aws-action';
  index: number;
  role: Ref | { kind: 'gitops'; which: 'plan' | 'apply' };
  audience: Ref | null;
  /** The line of the audience input, where a finding about it points. */
  audienceLine?: number;
  uses: string;
}

export interface AtmosStep extends Located {
  kind: 'atmos';
  index: number;
  /** `terraform plan`, `describe affected`, … */
  command: string;
  terraform: boolean;
  component: Ref | null;
  stack: Ref | null;
  /** From `--identity`, else `ATMOS_IDENTITY`; null means the default identity. */
  identity: Ref | null;
  identitySource: string;
  /** From `--profile`, else `ATMOS_PROFILE`; null means `profiles.default` (or none). */
  profile: Ref | null;
  /** `--identity=false` (or ATMOS_IDENTITY=false): Atmos auth is off. */
  authDisabled: boolean;
}

export type CredentialStep = AwsActionStep | AtmosStep;

export interface Job {
  file: string;
  workflowName: string;
  id: string;
  name: string;
  line: number;
  triggers: Trigger[];
  /** `file` is set when the calling workflow's job decides (a reusable workflow's caller). */
  idToken: { granted: boolean; source: 'job' | 'workflow' | 'default'; line: number; place: string; file?: string };
  environment: Ref | null;
  environmentLine: number;
  /** Matrix combinations ([{}] without a matrix). */
  matrix: Array<Record<string, string>>;
  steps: CredentialStep[];
  /** A reusable workflow this job calls (`uses: ./.github/workflows/x.yaml`). */
  calls: string | null;
  /** Checkouts of another commit than the run's (`ref: ${{ inputs.sha }}`, a PR head). */
  checkouts: Checkout[];
  /** A step that changes infrastructure: `terraform|tofu|atmos terraform apply|deploy|destroy`, or an apply action. */
  applies: string | null;
  /** Long-lived AWS keys from secrets (env AWS_ACCESS_KEY_ID, or configure-aws-credentials' aws-access-key-id). */
  staticKeys: Located & { text: string } | null;
}

export interface Workflow {
  file: string;
  name: string;
  triggers: Trigger[];
  jobs: Job[];
}

const EXPR = /\$\{\{([\s\S]*?)\}\}/g;

export function classify(text: unknown): Ref {
  const s = typeof text === 'number' || typeof text === 'boolean' ? String(text) : typeof text === 'string' ? text : '';
  if (!s.includes('${{')) return { kind: 'literal', value: s };
  const input = /^\s*\$\{\{\s*(?:inputs|github\.event\.inputs)\.([\w-]+)\s*\}\}\s*$/.exec(s);
  if (input) return { kind: 'input', name: input[1], text: s };
  const matrix = /^\s*\$\{\{\s*matrix\.([\w-]+)\s*\}\}\s*$/.exec(s);
  if (matrix) return { kind: 'matrix', name: matrix[1], text: s };
  return { kind: 'unknown', text: s };
}

export function refText(ref: Ref | { kind: 'gitops'; which: string } | null): string {
  if (!ref) return '';
  if (ref.kind === 'literal') return ref.value;
  if (ref.kind === 'gitops') return `integrations.github.gitops.role.${ref.which}`;
  return ref.text;
}

export function workflowFiles(repo: Repo): string[] {
  return repo.under('.github/workflows').filter((p) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(p));
}

export function readWorkflows(repo: Repo, report: Report): Workflow[] {
  const out: Workflow[] = [];
  for (const file of workflowFiles(repo)) {
    const value = readYamlValue(repo, file, report);
    if (!isPlainObject(value)) continue;
    const parsed = repo.yaml(file)!;
    const triggers = readTriggers(value.on);
    const workflowEnv = stringMap(value.env);
    const wf: Workflow = { file, name: typeof value.name === 'string' ? value.name : file.replace(/^.*\//, ''), triggers, jobs: [] };
    const jobs = isPlainObject(value.jobs) ? value.jobs : {};
    for (const [id, rawJob] of Object.entries(jobs)) {
      if (!isPlainObject(rawJob)) continue;
      const job = readJob(file, wf, id, rawJob, value, workflowEnv, parsed.lineOf, report);
      wf.jobs.push(job);
    }
    out.push(wf);
  }
  return out;
}

function readTriggers(on: unknown): Trigger[] {
  const events: Array<[string, unknown]> =
    typeof on === 'string' ? [[on, null]] : Array.isArray(on) ? on.filter((e) => typeof e === 'string').map((e) => [e as string, null]) : isPlainObject(on) ? Object.entries(on) : [];
  return events.map(([event, config]) => {
    const c = isPlainObject(config) ? config : {};
    const list = (v: unknown): string[] | null => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : null);
    const inputs: Record<string, string> = {};
    if (isPlainObject(c.inputs)) for (const [name, def] of Object.entries(c.inputs)) inputs[name] = isPlainObject(def) && typeof def.type === 'string' ? def.type : 'string';
    return { event, branches: list(c.branches), tags: list(c.tags), inputs };
  });
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined && !isPlainObject(v)) out[k] = String(v);
  return out;
}

/** The matrix rows of a job; a matrix past GitHub's limit is reported, never cut silently. */
function matrixOf(file: string, job: string, matrix: unknown, line: number, report: Report): Array<Record<string, string>> {
  const { rows, jobs } = expandMatrix(matrix);
  if (jobs > MATRIX_JOB_LIMIT)
    report(
      finding({
        severity: 'error',
        code: 'matrix-too-large',
        message: `the matrix of job "${job}" makes ${jobs >= MATRIX_EXPAND_CAP ? `at least ${MATRIX_EXPAND_CAP}` : jobs} jobs after exclude and include; GitHub documents at most ${MATRIX_JOB_LIMIT} jobs per matrix, so it will not run this job as written${rows.length < jobs ? ` (check read the first ${rows.length})` : ''}`,
        file,
        line,
        place: `jobs.${job}.strategy.matrix`,
        fix: `split the job, or narrow the matrix with exclude, to at most ${MATRIX_JOB_LIMIT} combinations`,
      }),
    );
  return rows;
}

function idToken(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  if (isPlainObject(permissions)) return permissions['id-token'] === 'write';
  return false;
}

function readJob(
  file: string,
  wf: Workflow,
  id: string,
  job: Record<string, any>,
  workflow: Record<string, any>,
  workflowEnv: Record<string, string>,
  lineOf: (path: Array<string | number>) => number,
  report: Report,
): Job {
  const base = ['jobs', id];
  let token: Job['idToken'];
  if ('permissions' in job) token = { granted: idToken(job.permissions), source: 'job', line: lineOf([...base, 'permissions']), place: `jobs.${id}.permissions` };
  else if ('permissions' in workflow) token = { granted: idToken(workflow.permissions), source: 'workflow', line: lineOf(['permissions']), place: 'permissions' };
  else token = { granted: false, source: 'default', line: lineOf(base), place: `jobs.${id}` };
  const envValue = isPlainObject(job.environment) ? job.environment.name : job.environment;
  const jobEnv = { ...workflowEnv, ...stringMap(job.env) };
  const result: Job = {
    file,
    workflowName: wf.name,
    id,
    name: typeof job.name === 'string' ? job.name : id,
    line: lineOf(base),
    triggers: wf.triggers,
    idToken: token,
    environment: envValue === undefined || envValue === null || envValue === '' ? null : classify(envValue),
    environmentLine: lineOf([...base, 'environment']),
    matrix: matrixOf(file, id, job.strategy?.matrix, lineOf([...base, 'strategy', 'matrix']), report),
    steps: [],
    calls: typeof job.uses === 'string' && job.uses.startsWith('./') ? job.uses.replace(/^\.\//, '').replace(/@.*$/, '') : null,
    checkouts: [],
    staticKeys: null,
    applies: null,
  };
  const inputTypes = Object.assign({}, ...wf.triggers.map((t) => t.inputs ?? {})) as Record<string, string>;
  const keyIn = (env: Record<string, string>): string | null => {
    const v = env.AWS_ACCESS_KEY_ID ?? env.AWS_SECRET_ACCESS_KEY;
    return v !== undefined && /\$\{\{[^}]*secrets\./.test(v) ? v : null;
  };
  const workflowKey = keyIn(workflowEnv);
  const jobKey = keyIn(stringMap(job.env));
  if (jobKey) result.staticKeys = { text: jobKey, line: lineOf([...base, 'env']), place: `jobs.${id}.env` };
  else if (workflowKey) result.staticKeys = { text: workflowKey, line: lineOf(['env']), place: 'env' };
  const steps = Array.isArray(job.steps) ? job.steps : [];
  steps.forEach((step: unknown, index: number) => {
    if (!isPlainObject(step)) return;
    const stepEnv = { ...jobEnv, ...stringMap(step.env) };
    const path = [...base, 'steps', index];
    const stepKey = keyIn(stringMap(step.env));
    if (stepKey && !result.staticKeys) result.staticKeys = { text: stepKey, line: lineOf([...path, 'env']), place: `jobs.${id}.steps[${index}].env` };
    if (typeof step.uses === 'string') {
      const uses = step.uses;
      const w = isPlainObject(step.with) ? step.with : {};
      // actions/checkout's ref, or the sha Cloud Posse's atmos plan/apply actions check out themselves.
      const checkoutRef = /^actions\/checkout@/i.test(uses) ? w.ref : /^cloudposse\/github-action-atmos-terraform-/i.test(uses) ? w.sha : undefined;
      if (checkoutRef !== undefined && checkoutRef !== null && String(checkoutRef) !== '') {
        const ref = String(checkoutRef);
        const key = /^actions\/checkout@/i.test(uses) ? 'ref' : 'sha';
        result.checkouts.push({ ref, ...checkoutControl(ref, inputTypes), line: lineOf([...path, 'with', key]), place: `jobs.${id}.steps[${index}].with.${key}` });
      }
      if (/^aws-actions\/configure-aws-credentials@/i.test(uses) && typeof w['aws-access-key-id'] === 'string' && /secrets\./.test(w['aws-access-key-id']) && !result.staticKeys)
        result.staticKeys = { text: w['aws-access-key-id'], line: lineOf([...path, 'with', 'aws-access-key-id']), place: `jobs.${id}.steps[${index}].with.aws-access-key-id` };
      if (/^aws-actions\/configure-aws-credentials@/i.test(uses) && w['role-to-assume'] !== undefined && w['aws-access-key-id'] === undefined) {
        result.steps.push({
          kind: 'aws-action',
          index,
          uses,
          role: classify(w['role-to-assume']),
          audience: w.audience === undefined ? null : classify(w.audience),
          ...(w.audience === undefined ? {} : { audienceLine: lineOf([...path, 'with', 'audience']) }),
          line: lineOf([...path, 'with', 'role-to-assume']),
          place: `jobs.${id}.steps[${index}].with.role-to-assume`,
        });
      } else if (/^cloudposse\/github-action-atmos-terraform-(plan|apply|drift-detection|drift-remediation)@/i.test(uses)) {
        const which = /apply|remediation/i.test(uses) ? 'apply' : 'plan';
        result.steps.push({ kind: 'aws-action', index, uses, role: { kind: 'gitops', which }, audience: null, line: lineOf([...path, 'uses']), place: `jobs.${id}.steps[${index}].uses` });
      }
    }
    if (!result.applies) {
      const uses = typeof step.uses === 'string' ? step.uses : '';
      const run = typeof step.run === 'string' ? step.run : '';
      const m = /\b(?:atmos\s+terraform|terraform|tofu|terragrunt)\s+(apply|deploy|destroy)\b/.exec(run);
      if (m) result.applies = m[0];
      else if (/^cloudposse\/github-action-atmos-terraform-(apply|drift-remediation)@/i.test(uses)) result.applies = uses.replace(/@.*$/, '');
    }
    if (typeof step.run === 'string') {
      reportRunExpressions(step.run, file, id, index, lineOf([...path, 'run']), report, inputTypes, stepEnv, result.matrix);
      for (const cmd of atmosCommands(step.run, stepEnv)) {
        result.steps.push({ ...cmd, index, line: lineOf([...path, 'run']), place: `jobs.${id}.steps[${index}].run` });
      }
    }
  });
  return result;
}

/**
 * GitHub documents at most 256 jobs from one matrix per workflow run ("Running variations of jobs
 * in a workflow", docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/
 * running-variations-of-jobs-in-a-workflow, and the workflow syntax for
 * jobs.<job_id>.strategy.matrix).
 */
export const MATRIX_JOB_LIMIT = 256;
/** Products bigger than this are not built at all (memory): only counted, and reported. */
const MATRIX_EXPAND_CAP = 100_000;

export interface MatrixExpansion {
  /** The combinations GitHub runs ([{}] without a matrix); the first MATRIX_EXPAND_CAP when far too many. */
  rows: Array<Record<string, string>>;
  /** How many jobs the matrix makes (before the cap). */
  jobs: number;
}

/**
 * GitHub's matrix, in the documented order (same page, "Expanding or adding matrix configurations"
 * and "Excluding matrix configurations"): the product of the lists in key order; then `exclude`
 * removes every combination that matches all of an entry's keys (a partial match suffices); then
 * `include`, processed after exclude, entry by entry: its values are added to every combination in
 * which none of them would overwrite an original matrix value (values added by an earlier include
 * may be overwritten), and an entry that fits no combination becomes a combination of its own.
 */
export function expandMatrix(matrix: unknown): MatrixExpansion {
  if (!isPlainObject(matrix)) return { rows: [{}], jobs: 1 };
  const axes: Array<[string, string[]]> = [];
  for (const [key, values] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude' || !Array.isArray(values)) continue;
    axes.push([key, values.filter((v) => v !== null && v !== undefined && !isPlainObject(v) && !Array.isArray(v)).map(String)]);
  }
  const excludes = Array.isArray(matrix.exclude) ? matrix.exclude.filter(isPlainObject).map((e) => Object.entries(stringMap(e))) : [];
  const includes = Array.isArray(matrix.include) ? matrix.include.filter(isPlainObject).map((inc) => stringMap(inc)) : [];
  const excluded = (row: Record<string, string>): boolean => excludes.some((ex) => ex.length > 0 && ex.every(([k, v]) => row[k] === v));

  // The product, built one combination at a time (odometer order: the last key varies fastest), so
  // an exclusion is applied before a combination is kept and a huge product is only counted.
  const base: Array<Record<string, string>> = [];
  let kept = 0;
  const size = axes.reduce((n, [, values]) => n * values.length, axes.length ? 1 : 0);
  if (size > 0) {
    const index = axes.map(() => 0);
    for (let done = 0; done < size; done++) {
      const row: Record<string, string> = {};
      axes.forEach(([key, values], i) => (row[key] = values[index[i]]));
      if (!excluded(row)) {
        kept++;
        if (base.length < MATRIX_EXPAND_CAP) base.push(row);
      }
      for (let i = axes.length - 1; i >= 0; i--) {
        if (++index[i] < axes[i][1].length) break;
        index[i] = 0;
      }
      if (done >= MATRIX_EXPAND_CAP * 10 && kept > MATRIX_EXPAND_CAP) {
        // Far past the limit: estimate no further, the finding says "at least".
        kept = Math.max(kept, MATRIX_EXPAND_CAP);
        break;
      }
    }
  }
  const original = new Set(axes.map(([key]) => key));
  const extra: Array<Record<string, string>> = [];
  for (const inc of includes) {
    let fitted = false;
    for (const row of base) {
      if (Object.entries(inc).every(([k, v]) => !original.has(k) || row[k] === v)) {
        Object.assign(row, inc);
        fitted = true;
      }
    }
    if (!fitted) extra.push({ ...inc });
  }
  const rows = [...base, ...extra];
  return { rows: rows.length ? rows : [{}], jobs: Math.max(kept + extra.length, rows.length ? 0 : 1) };
}

/**
 * Who controls a value GitHub pastes into a script. `outsider`: someone without write access can
 * choose it (pull request and issue text, branch names, commit messages, dispatch and
 * repository_dispatch payloads); `fixed`: GitHub or the repository's owners decide it and its
 * characters cannot form shell syntax (SHAs, ids, numbers, the repository and actor names, which
 * GitHub limits to letters, digits, `-`, `_` and `.`); `unknown`: it comes from another step, job,
 * env or matrix, whose own source decides. The README lists the same table.
 */
export type Control = 'outsider' | 'fixed' | 'unknown';

const FIXED_EXACT = new Set([
  'github.sha', 'github.repository', 'github.repository_owner', 'github.repository_id', 'github.repository_owner_id',
  'github.run_id', 'github.run_number', 'github.run_attempt', 'github.job', 'github.workflow', 'github.workflow_ref', 'github.workflow_sha',
  'github.event_name', 'github.actor', 'github.actor_id', 'github.triggering_actor', 'github.server_url', 'github.api_url', 'github.graphql_url',
  'github.workspace', 'github.action', 'github.action_path', 'github.retention_days', 'github.ref_type', 'github.ref_protected', 'github.token',
  'github.event.number', 'github.event.action', 'github.event.repository.name', 'github.event.repository.full_name', 'github.event.repository.owner.login',
  'github.event.repository.default_branch', 'github.event.sender.login', 'github.event.pull_request.user.login', 'github.event.issue.user.login',
]);
/** Endings that make a payload field safe whatever event carries it: hashes, ids, numbers, flags, logins. */
const FIXED_SUFFIX = /(^|[._])(sha|head_sha|base_sha|after|before|id|node_id|number|run_id|run_number|run_attempt|merged|draft|login|created_at|updated_at|html_url|url)$/;
const OUTSIDER = /^(github\.event\.|github\.head_ref$|github\.base_ref$|github\.ref$|github\.ref_name$|inputs\.)/;
const UNKNOWN_ROOTS = /^(steps|needs|env|matrix|jobs|strategy)\./;
/** Values GitHub sets itself: a job's result, a step's outcome (success, failure, cancelled, skipped). */
const FIXED_RESULTS = /^(needs\.[\w-]+\.result|steps\.[\w-]+\.(outcome|conclusion)|job\.status|strategy\.(job-index|job-total|fail-fast|max-parallel))$/;
const FIXED_ROOTS = /^(secrets|vars|runner|job)\./;

/** The control of one context reference (`github.event.pull_request.title`, `inputs.sha`). */
export function referenceControl(ref: string, inputTypes: Record<string, string> = {}): Control {
  const r = ref.replace(/\[['"]?([\w-]+)['"]?\]/g, '.$1').replace(/\.\*/g, '.0');
  const input = /^(?:inputs|github\.event\.inputs)\.([\w-]+)$/.exec(r);
  // GitHub accepts only true/false for a boolean input, a number for a number, a listed option for a choice.
  if (input) return ['boolean', 'number', 'choice', 'environment'].includes(inputTypes[input[1]] ?? '') ? 'fixed' : 'outsider';
  if (FIXED_EXACT.has(r) || FIXED_ROOTS.test(r) || FIXED_RESULTS.test(r)) return 'fixed';
  if (UNKNOWN_ROOTS.test(r)) return 'unknown';
  if (/^github\.event\./.test(r) && FIXED_SUFFIX.test(r)) return 'fixed';
  if (OUTSIDER.test(r)) return 'outsider';
  return r.startsWith('github.') ? 'fixed' : 'unknown';
}

/**
 * The control of a whole `${{ … }}` expression: the worst of the references it reads. `env.X` is
 * judged by the value the workflow gives X (workflow, job and step `env:`), one level deep.
 */
export function expressionControl(
  expr: string,
  inputTypes: Record<string, string> = {},
  env: Record<string, string> | null = null,
  matrix: Array<Record<string, string>> | null = null,
): { control: Control; reference: string | null } {
  const body = expr.replace(/^\$\{\{|\}\}$/g, '').replace(/'[^']*'/g, "''");
  let worst: { control: Control; reference: string | null } = { control: 'fixed', reference: null };
  const rank = { fixed: 0, unknown: 1, outsider: 2 } as const;
  for (const m of body.matchAll(/\b[A-Za-z_][\w-]*(?:\.[\w-]+|\.\*|\[[^\]]*\])+/g)) {
    // A matrix key whose every value is written literally in the workflow is the authors' choice.
    const matrixKey = /^matrix\.([\w-]+)$/.exec(m[0])?.[1];
    if (matrixKey && matrix && matrix.length && matrix.every((row) => matrixKey in row && !row[matrixKey].includes('${{'))) continue;
    const envName = /^env\.([\w-]+)$/.exec(m[0])?.[1];
    const viaEnv = envName && env && envName in env ? worstOf([...env[envName].matchAll(EXPR)].map((x) => expressionControl(x[0], inputTypes, null))) : null;
    const control = viaEnv ? viaEnv.control : referenceControl(m[0], inputTypes);
    const reference = viaEnv?.reference ? `${m[0]} (${viaEnv.reference})` : m[0];
    if (rank[control] > rank[worst.control]) worst = { control, reference };
  }
  return worst;
}

function worstOf(results: Array<{ control: Control; reference: string | null }>): { control: Control; reference: string | null } {
  const rank = { fixed: 0, unknown: 1, outsider: 2 } as const;
  return results.reduce((a, b) => (rank[b.control] > rank[a.control] ? b : a), { control: 'fixed' as Control, reference: null });
}

function reportRunExpressions(
  run: string,
  file: string,
  job: string,
  index: number,
  line: number,
  report: Report,
  inputTypes: Record<string, string>,
  env: Record<string, string>,
  matrix: Array<Record<string, string>>,
): void {
  const found = new Set<string>();
  for (const m of run.matchAll(EXPR)) found.add(m[0]);
  for (const expr of found) {
    const { control, reference } = expressionControl(expr, inputTypes, env, matrix);
    if (control === 'fixed') continue;
    const outsider = control === 'outsider';
    report(
      finding({
        severity: outsider ? 'error' : 'warning',
        code: 'run-expression',
        message: `${expr} is pasted into the shell script of job "${job}" step ${index + 1}${outsider ? `: ${reference} is chosen by whoever opens the pull request, names the branch or dispatches the run, who can then run commands with this job's credentials` : `: ${reference} comes from elsewhere in the run, and GitHub substitutes it into the script text before the shell runs`}`,
        file,
        line,
        place: `jobs.${job}.steps[${index}].run`,
        fix: `pass it through env: (e.g. env: { VALUE: ${expr} }) and use "$VALUE" in the script`,
        job,
        workflow: file,
      }),
    );
  }
}

/** Who chooses the commit an `actions/checkout` `ref:` names. */
function checkoutControl(ref: string, inputTypes: Record<string, string>): { controlledBy: string | null; pullRequestCode: boolean } {
  if (!ref.includes('${{')) return { controlledBy: null, pullRequestCode: false };
  if (/github\.event\.pull_request\.head\.|github\.head_ref|refs\/pull\/|github\.event\.workflow_run\.head_/.test(ref))
    return { controlledBy: 'the pull request head (code its author wrote, not the ref the token names)', pullRequestCode: true };
  const input = /(?:inputs|github\.event\.inputs)\.([\w-]+)/.exec(ref);
  if (input && referenceControl(`inputs.${input[1]}`, inputTypes) === 'outsider')
    return { controlledBy: `input ${input[1]}: any commit the dispatcher names, an unmerged pull request's head included`, pullRequestCode: true };
  if (/github\.event\.client_payload/.test(ref)) return { controlledBy: 'the repository_dispatch payload', pullRequestCode: true };
  return { controlledBy: null, pullRequestCode: false };
}

type AtmosCommand = Omit<AtmosStep, 'index' | 'line' | 'place'>;

const PREFIX_WORDS = new Set(['exec', 'time', 'sudo', 'command', 'env', 'then', 'else', 'do', 'if', 'elif', 'while', 'until', '!', '{', '(']);

/**
 * Atmos commands that authenticate with the active identity: Terraform runs, `auth`, workflows,
 * and the Atmos Pro uploads (`describe affected`, `list instances`), which the generated workflows
 * give the plan identity. `version`, `validate`, `vendor` and the like need no AWS credentials.
 */
const CREDENTIAL_COMMANDS = /^(terraform|tf|auth|workflow|aws)\b|^describe affected$|^list instances$/;

/** Every `atmos …` command in a shell script, with `$VAR` resolved through `env:` and `export`. */
export function atmosCommands(script: string, env: Record<string, string>): AtmosCommand[] {
  const out: AtmosCommand[] = [];
  const scope = { ...env };
  const text = script.replace(/\\\r?\n/g, ' ');
  for (const line of text.split(/\r?\n/)) {
    for (const segment of line.split(/&&|\|\||;|\|/)) {
      const trimmed = segment.replace(/#.*$/, '').trim();
      if (!trimmed) continue;
      const words = tokenize(trimmed, scope);
      const local: Record<string, string> = {};
      let i = 0;
      if (words[0]?.raw === 'export') {
        for (const w of words.slice(1)) {
          const eq = w.value.indexOf('=');
          if (eq > 0) scope[w.value.slice(0, eq)] = w.value.slice(eq + 1);
        }
        continue;
      }
      while (i < words.length && /^[A-Za-z_]\w*=/.test(words[i].raw)) {
        const eq = words[i].value.indexOf('=');
        local[words[i].value.slice(0, eq)] = words[i].value.slice(eq + 1);
        i++;
      }
      while (i < words.length && PREFIX_WORDS.has(words[i].raw)) i++;
      if (words[i]?.value !== 'atmos' && !/\/atmos$/.test(words[i]?.value ?? '')) continue;
      const cmd = parseAtmos(words.slice(i + 1), { ...scope, ...local });
      if (CREDENTIAL_COMMANDS.test(cmd.command)) out.push(cmd);
    }
  }
  return out;
}

interface Word {
  raw: string;
  value: string;
}

/** Split a command line into words, removing quotes and expanding `$VAR` / `${VAR}` from `scope`. */
function tokenize(line: string, scope: Record<string, string>): Word[] {
  const words: Word[] = [];
  let raw = '';
  let value = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  const push = (): void => {
    if (started) words.push({ raw, value });
    raw = '';
    value = '';
    started = false;
  };
  /** `$` at `i` (already added to `raw`): expand a variable and return where to go on, or keep the `$`. */
  const dollar = (i: number): number => {
    const v = variable(line, i, scope);
    if (!v) {
      value += '$';
      return i;
    }
    value += v.value;
    raw += line.slice(i + 1, v.end);
    return v.end - 1;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      raw += ch;
      if (ch === quote) quote = null;
      else if (ch === '$' && quote === '"') i = dollar(i);
      else value += ch;
      continue;
    }
    if (ch === '$' && line.startsWith('${{', i)) {
      // A GitHub expression is one word however many spaces it holds.
      const end = line.indexOf('}}', i);
      const expr = end === -1 ? line.slice(i) : line.slice(i, end + 2);
      started = true;
      raw += expr;
      value += expr;
      i += expr.length - 1;
      continue;
    }
    if (/\s/.test(ch)) {
      push();
      continue;
    }
    started = true;
    raw += ch;
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '$') i = dollar(i);
    else value += ch;
  }
  push();
  return words;
}

function variable(line: string, at: number, scope: Record<string, string>): { value: string; end: number } | null {
  const m = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/.exec(line.slice(at));
  if (!m) return null;
  const name = m[1] ?? m[2];
  return { value: name in scope ? scope[name] : `\${${name}}`, end: at + m[0].length };
}

function parseAtmos(args: Word[], env: Record<string, string>): AtmosCommand {
  const positional: string[] = [];
  let stack: string | null = null;
  let identity: string | null = null;
  let identityFlag = false;
  let profile: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].value;
    const take = (): string | null => {
      const next = args[i + 1]?.value;
      if (next === undefined || next.startsWith('-')) return null;
      i++;
      return next;
    };
    const eq = a.indexOf('=');
    const flag = a.startsWith('-') ? (eq > 0 ? a.slice(0, eq) : a) : null;
    const inline = flag && eq > 0 ? a.slice(eq + 1) : null;
    if (flag === '-s' || flag === '--stack') stack = inline ?? take();
    else if (flag === '-i' || flag === '--identity') {
      identityFlag = true;
      identity = inline ?? take();
    } else if (flag === '--profile') profile = inline ?? take();
    else if (a === '--') break;
    else if (!flag) positional.push(a);
  }
  const terraform = positional[0] === 'terraform' || positional[0] === 'tf';
  const command = positional.slice(0, 2).join(' ');
  const component = terraform && positional[2] !== undefined ? positional[2] : null;
  const fromEnvIdentity = env.ATMOS_IDENTITY;
  const identityText = identityFlag ? identity : fromEnvIdentity ?? null;
  const profileText = profile ?? env.ATMOS_PROFILE ?? null;
  return {
    kind: 'atmos',
    command,
    terraform,
    component: component === null ? null : refOf(component),
    stack: stack === null ? null : refOf(stack),
    identity: identityText === null ? null : refOf(identityText),
    identitySource: identityFlag ? '--identity' : fromEnvIdentity !== undefined ? 'ATMOS_IDENTITY' : 'default',
    profile: profileText === null ? null : refOf(profileText),
    authDisabled: identityText === 'false',
  };
}

/** A word after `$VAR` expansion: literal, an expression from `env:`, or a variable we could not see. */
function refOf(value: string): Ref {
  if (value.includes('${{')) return classify(value);
  if (/\$\{?[A-Za-z_]/.test(value)) return { kind: 'unknown', text: value };
  return { kind: 'literal', value };
}

export { splitList };
