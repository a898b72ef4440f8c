/**
 * The chains: for every job that obtains AWS credentials, each stack (and group of components) it
 * can run for, each `sub` it can send. Per chain: the identity Atmos resolves (`--identity` >
 * `ATMOS_IDENTITY` > the default identity, with stack and component `auth` merged over the active
 * profile), the role ARN it assumes, the component that creates that role, the role's trust
 * patterns, and the verdict: `allowed` (the trust admits the sub and every other link holds),
 * `denied`, or `unknown` (a link is only known when Atmos or GitHub runs).
 */
import { admits, AUDIENCE, subClaim, type JobContext } from '../setup/trust.ts';
import type { ActiveConfig, Profiles, Report } from '../atmos/config.ts';
import { splitList } from '../atmos/config.ts';
import { finding, type Finding } from '../atmos/findings.ts';
import type { AnswersFacts, Subject } from './repository.ts';
import { findRole, isProviderComponent, PROVIDER_HOST_PATH, parseArn, resolveFunctionArn, roleArnParts, type AwsSide, type RoleInfo } from './roles.ts';
import type { ComponentInstance, Stack, Stacks } from '../atmos/stacks.ts';
import { hasTemplate, renderTemplate } from '../atmos/template.ts';
import { refText, type AtmosStep, type AwsActionStep, type Job, type Ref, type Workflow } from './workflows.ts';
import { isPlainObject, isYamlFunction, type YamlFunction } from '../atmos/yaml.ts';

export type Verdict = 'allowed' | 'denied' | 'unknown';

export interface Chain {
  workflow: string;
  job: string;
  /** 0-based index of the step that obtains credentials. */
  step: number;
  /** `atmos terraform plan`, `configure-aws-credentials`, … */
  command: string;
  /** The stack, null for steps that name a role directly (or atmos commands outside a stack). */
  stack: string | null;
  components: string[];
  /** Matrix values this chain stands for, e.g. `stage=dev`. */
  variant: string | null;
  /** What decides the sub: `environment:dev`, `pull_request`, `ref:refs/heads/main`. */
  context: string | null;
  sub: string | null;
  /** A condition the verdict depends on (a free workflow input, the tag of a release). */
  condition: string | null;
  /** Set when the code that runs is not the code of the ref in `sub` (a checkout of a PR head or of `inputs.sha`). */
  runs: string | null;
  profiles: string[];
  identity: string | null;
  roleArn: string | null;
  account: string | null;
  /** The component instance that creates the role. */
  role: { stack: string; component: string; file: string } | null;
  patterns: string[];
  matched: string | null;
  providerArn: string | null;
  audience: string;
  /** Whether the role's trust policy admits `sub` with `audience`: what the IAM policy simulator decides. */
  trust: 'admits' | 'rejects' | 'unknown';
  verdict: Verdict;
  reasons: string[];
}

interface Ctx {
  subject: Subject;
  defaultBranch: string;
  answers: AnswersFacts | null;
  stacks: Stacks;
  profiles: Profiles;
  side: AwsSide;
  workflows: Workflow[];
  templatesEnabled: boolean;
  report: Report;
  gitops: Record<string, unknown>;
  repoManagesRoles: boolean;
  /** The line of a YAML path in a file (0 when unknown). */
  lineOf: (file: string, path: Array<string | number>) => number;
  /** Whether the file itself sets `path` (lineOf answers for the deepest part that exists). */
  sets: (file: string, path: Array<string | number>) => boolean;
  /** Is this file YAML that does not parse? Chains that depend on it are unknown, not broken. */
  invalid: (file: string) => boolean;
}

interface SubOption {
  context: JobContext | null;
  label: string | null;
  condition: string | null;
  unknown: string | null;
}

export function buildChains(c: Ctx): Chain[] {
  const chains: Chain[] = [];
  const callers = reusableCallers(c.workflows);
  for (const wf of c.workflows) {
    for (const job of wf.jobs) {
      if (!job.steps.length) continue;
      // A reusable workflow's jobs run with the caller's event and ref (the sub describes the caller),
      // and never with more permissions than the calling job has: its own block, else its workflow's,
      // else the default token, which has no id-token (docs.github.com/en/actions/reference/workflows-and-actions/
      // reusing-workflow-configurations, "Access and permissions for nested workflows"; GitHub then refuses
      // the run: "The nested job 'x' is requesting 'id-token: write', but is only allowed 'id-token: none'").
      const called = wf.triggers.some((t) => t.event === 'workflow_call') ? callers.get(wf.file) ?? [] : [];
      // Each caller runs the job with its own event and its own permissions, so the job is judged once
      // per caller (and once for the workflow's own triggers): a caller without id-token denies only the
      // runs it starts, not those of a caller that grants it.
      const own = wf.triggers.filter((t) => t.event !== 'workflow_call');
      const runs: Job[] = called.length
        ? [
            ...(own.length ? [{ ...job, triggers: own }] : []),
            ...called.map((x) => ({
              ...job,
              triggers: x.triggers,
              idToken: !x.idToken.granted && job.idToken.granted ? { ...x.idToken, granted: false, file: x.file } : job.idToken,
              checkouts: [...job.checkouts, ...x.checkouts],
            })),
          ]
        : [job];
      for (const j of runs) chains.push(...jobChains(c, j));
    }
  }
  environmentCase(c, chains);
  return dedupeChains(chains);
}

/** The chains of one run of a job (a job of a reusable workflow: as one caller runs it). */
function jobChains(c: Ctx, j: Job): Chain[] {
  const made: Chain[] = [];
  for (const step of j.steps) made.push(...(step.kind === 'aws-action' ? awsActionChains(c, j, step) : step.authDisabled ? [] : atmosChains(c, j, step)));
  // id-token is needed only where a chain asks GitHub for a token: a job whose atmos commands
  // run without Atmos auth (static keys, no identities) has no chain and needs none.
  if (!j.idToken.granted && made.length) {
    reportIdToken(c, j);
    // Without id-token: write there is no token at all, whatever else holds.
    for (const ch of made) {
      if (ch.verdict !== 'denied') ch.reasons.unshift('the job has no id-token: write');
      ch.verdict = 'denied';
    }
  }
  const other = j.checkouts.find((x) => x.controlledBy);
  for (const ch of made) {
    if (other) ch.runs = `checks out ${other.ref}: ${other.controlledBy}`;
    else if (ch.context === 'pull_request' && j.triggers.some((t) => t.event === 'pull_request_target') && !j.triggers.some((t) => t.event === 'pull_request'))
      ch.runs = 'pull_request_target runs the base branch\'s workflow and code';
  }
  return made;
}

/** Stand-ins for a part of the sub only the run knows (see `evaluate`). */
const ANY_VALUES = ['check-any-value', 'Z', '9.x_Q'];

/** One row per distinct chain: a script that runs `atmos terraform plan` in two branches of an if is one chain. */
function dedupeChains(chains: Chain[]): Chain[] {
  const seen = new Set<string>();
  return chains.filter((ch) => {
    const key = JSON.stringify([ch.workflow, ch.job, ch.step, ch.stack, ch.components, ch.variant, ch.sub, ch.condition, ch.identity, ch.roleArn, ch.verdict]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function reusableCallers(workflows: Workflow[]): Map<string, Job[]> {
  const map = new Map<string, Job[]>();
  for (const wf of workflows) for (const job of wf.jobs) if (job.calls) map.set(job.calls, [...(map.get(job.calls) ?? []), job]);
  return map;
}

function reportIdToken(c: Ctx, job: Job): void {
  const where = job.idToken.file ? `the calling job's permissions in ${job.idToken.file} (a reusable workflow gets no more than its caller grants)` : job.idToken.source === 'job' ? 'its job-level permissions (which replace the workflow\'s)' : job.idToken.source === 'workflow' ? 'the workflow permissions' : 'any permissions block (the default token has none)';
  c.report(
    finding({
      severity: 'error',
      code: 'id-token-missing',
      message: `job "${job.id}" obtains AWS credentials but ${where} do not grant id-token: write: GitHub gives it no OIDC token (the error reads "not authorized to perform: sts:TagSession" or "Credentials could not be loaded")`,
      file: job.idToken.file ?? job.file,
      line: job.idToken.line,
      place: job.idToken.place,
      fix: job.idToken.file ? `add "id-token: write" to ${job.idToken.place} in ${job.idToken.file}` : job.idToken.source === 'job' ? `add "id-token: write" to jobs.${job.id}.permissions` : 'add "permissions: { id-token: write, contents: read }" to the workflow or the job',
      workflow: job.file,
      job: job.id,
    }),
  );
}

const triggerCache = new WeakMap<Job, SubOption[]>();

/** The contexts that decide a job's sub, before stack-specific environments (once per job: asked per component). */
function triggerContexts(c: Ctx, job: Job): SubOption[] {
  let hit = triggerCache.get(job);
  if (!hit) triggerCache.set(job, (hit = triggerContextsUncached(c, job)));
  return hit;
}

function triggerContextsUncached(c: Ctx, job: Job): SubOption[] {
  const out: SubOption[] = [];
  const seen = new Set<string>();
  const push = (context: JobContext): void => {
    const key = JSON.stringify(context);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ context, label: null, condition: null, unknown: null });
  };
  // The context per event (GitHub's OIDC reference, docs.github.com/actions/reference/openid-connect-reference:
  // environment, else pull_request for pull request events, else the run's GITHUB_REF; GITHUB_REF per
  // event from content/actions/using-workflows/events-that-trigger-workflows.md in github/docs, and
  // data/reusables/actions/ref-description.md there for pull_request_target's base-branch ref):
  // pull_request_target is a pull request event (ref-description.md: "for pull requests events
  // except pull_request_target, it is refs/pull/<n>/merge"; its GITHUB_REF is the base branch), so
  // the claim says pull_request (no primary statement of its sub was found: verify with
  // actions-oidc-debugger before relying on a base-branch trust); release runs on the release's tag; merge_group on the queue's temporary
  // branch gh-readonly-queue/<base>/pr-<n>-<sha>; workflow_dispatch on the branch or tag the
  // dispatcher picks (the default branch assumed, as Atmos Pro dispatches there); schedule,
  // workflow_run, repository_dispatch, issue and comment events on the default branch.
  // `*` stands for a part only the run knows; evaluate() judges it for every value.
  for (const t of job.triggers) {
    if (t.event === 'pull_request' || t.event === 'pull_request_target') push({ pullRequest: true });
    else if (t.event === 'push') {
      if (t.branches) for (const b of t.branches) push({ ref: `refs/heads/${b}` });
      if (t.tags) for (const tag of t.tags) push({ ref: `refs/tags/${tag}` });
      if (!t.branches && !t.tags) push({ ref: `refs/heads/${c.defaultBranch}` });
    } else if (t.event === 'release') push({ ref: 'refs/tags/*' });
    else if (t.event === 'merge_group') for (const b of t.branches ?? [c.defaultBranch]) push({ ref: `refs/heads/gh-readonly-queue/${b}/*` });
    else push({ ref: `refs/heads/${c.defaultBranch}` });
  }
  if (!out.length) push({ ref: `refs/heads/${c.defaultBranch}` });
  return out;
}

function variantLabel(row: Record<string, string>, used: string[]): string | null {
  const parts = used.filter((k) => k in row).map((k) => `${k}=${row[k]}`);
  return parts.length ? parts.join(',') : null;
}

function resolveRef(ref: Ref, row: Record<string, string>): { value: string | null; unknown: string | null } {
  if (ref.kind === 'literal') return { value: ref.value, unknown: null };
  if (ref.kind === 'matrix' && ref.name in row) return classifyValue(row[ref.name]);
  return { value: null, unknown: ref.kind === 'input' ? null : ref.text };
}

function classifyValue(v: string): { value: string | null; unknown: string | null } {
  return v.includes('${{') ? { value: null, unknown: v } : { value: v, unknown: null };
}

/** The environment-or-trigger contexts of a job in one stack/component (or none). */
function subOptions(c: Ctx, job: Job, row: Record<string, string>, stack: Stack | null, component: ComponentInstance | null): SubOption[] {
  const env = job.environment;
  if (!env) return triggerContexts(c, job);
  if (env.kind === 'literal') return [{ context: { environment: env.value }, label: null, condition: null, unknown: null }];
  if (env.kind === 'matrix') {
    const r = resolveRef(env, row);
    if (r.value !== null) return [{ context: { environment: r.value }, label: null, condition: null, unknown: null }];
    return [{ context: null, label: null, condition: null, unknown: env.text }];
  }
  if (env.kind === 'input') {
    const values = stack && component ? dispatchedInputs(c, job, stack, component, env.name) : null;
    if (values && values.length) {
      return values.map((v) =>
        v === ''
          ? { context: triggerContexts(c, job)[0].context, label: null, condition: null, unknown: null }
          : v === null
            ? { context: null, label: null, condition: null, unknown: `input ${env.name} from settings.pro` }
            : { context: { environment: v }, label: null, condition: null, unknown: null },
      );
    }
    // Dispatched by hand: whoever runs it types the environment.
    return [{ context: null, label: null, condition: `input:${env.name}`, unknown: null }];
  }
  return [{ context: null, label: null, condition: null, unknown: env.text }];
}

/**
 * The values Atmos Pro passes for `input` when it dispatches `job`'s workflow for `component` in
 * `stack`, from every `settings.pro` event that names the workflow. null: unknowable; '': not passed.
 */
function dispatchedInputs(c: Ctx, job: Job, stack: Stack, component: ComponentInstance, input: string): Array<string | null> | null {
  const entries = proDispatches(component, job.file);
  if (!entries.length) return null;
  const values = new Set<string | null>();
  for (const e of entries) {
    const raw = isPlainObject(e.inputs) ? e.inputs[input] : undefined;
    if (raw === undefined || raw === null) {
      values.add('');
      continue;
    }
    if (isYamlFunction(raw)) {
      values.add(null);
      continue;
    }
    const text = String(raw);
    if (!hasTemplate(text)) {
      values.add(text);
      continue;
    }
    if (!c.templatesEnabled) {
      const place = c.stacks.whereComponent(stack, component, [...e.path, 'inputs', input]);
      c.report(
        finding({
          severity: 'error',
          code: 'templates-disabled',
          message: `settings.pro passes ${input}: "${text}" to ${baseName(job.file)}, but atmos.yaml does not set templates.settings.enabled: true, so the template is sent as written and the job's environment is literally "${text}"`,
          file: place.file,
          line: place.line,
          place: place.place,
          fix: 'add "templates: { settings: { enabled: true } }" to atmos.yaml',
          related: [job.file],
        }),
      );
      values.add(text);
      continue;
    }
    const rendered = renderTemplate(text, {
      vars: component.vars,
      settings: component.settings,
      atmos_component: component.name,
      atmos_stack: stack.name,
      atmos_stack_file: stack.file,
      component: component.base,
      workspace: stack.name,
    });
    values.add(rendered);
  }
  return [...values];
}

interface Dispatch {
  path: string[];
  inputs: unknown;
}

const dispatchCache = new WeakMap<object, Map<string, Dispatch[]>>();

/** Every `settings.pro … workflows.<file>` entry of a component that names this workflow file. */
function proDispatches(component: ComponentInstance, workflowFile: string): Dispatch[] {
  const pro = component.settings.pro;
  if (!isPlainObject(pro)) return [];
  let byFile = dispatchCache.get(pro);
  if (!byFile) dispatchCache.set(pro, (byFile = new Map()));
  let hit = byFile.get(workflowFile);
  if (!hit) byFile.set(workflowFile, (hit = proDispatchesUncached(pro, workflowFile)));
  return hit;
}

function proDispatchesUncached(pro: Record<string, any>, workflowFile: string): Dispatch[] {
  if (pro.enabled === false) return [];
  const name = baseName(workflowFile);
  const alt = name.endsWith('.yaml') ? name.replace(/\.yaml$/, '.yml') : name.replace(/\.yml$/, '.yaml');
  const out: Dispatch[] = [];
  // Events are maps (`pull_request.merged.workflows`) or, in newer settings, lists of
  // `{ on: [...], workflows }` entries: walk both.
  const walk = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, String(i)]));
      return;
    }
    if (!isPlainObject(node)) return;
    if (node.enabled === false) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'workflows' && isPlainObject(value)) {
        for (const file of [name, alt]) if (isPlainObject(value[file])) out.push({ path: [...path, 'workflows', file], inputs: value[file].inputs });
      } else walk(value, [...path, key]);
    }
  };
  walk(pro, ['settings', 'pro']);
  return out;
}

function baseName(path: string): string {
  return path.replace(/^.*\//, '');
}

function awsActionChains(c: Ctx, job: Job, step: AwsActionStep): Chain[] {
  const out: Chain[] = [];
  const seen = new Set<string>();
  const audience = step.audience ? (step.audience.kind === 'literal' ? step.audience.value : null) : AUDIENCE;
  if (audience !== null && audience !== AUDIENCE) reportAudience(c, job.file, step.audienceLine ?? step.line, `jobs.${job.id}.steps[${step.index}].with.audience`, `configure-aws-credentials in job "${job.id}" asks for audience "${audience}"`, 'remove the audience input (it defaults to sts.amazonaws.com)', job);
  for (const row of job.matrix) {
    let role: { value: string | null; unknown: string | null };
    if (step.role.kind === 'gitops') {
      const v = (c.gitops as Record<string, unknown>)[step.role.which];
      role = typeof v === 'string' ? classifyValue(v) : { value: null, unknown: `integrations.github.gitops.role.${step.role.which} in atmos.yaml` };
    } else role = resolveRef(step.role, row);
    // Label the variant by the matrix values people read (stage=dev), not the ARN itself.
    const roleKey = step.role.kind === 'matrix' ? step.role.name : '';
    const others = Object.keys(row).filter((k) => k !== roleKey && !String(row[k]).startsWith('arn:'));
    const used = roleKey || job.environment?.kind === 'matrix' ? (others.length ? others : [roleKey]) : [];
    const variant = variantLabel(row, used);
    for (const opt of subOptions(c, job, row, null, null)) {
      const key = `${role.value}|${role.unknown}|${JSON.stringify(opt)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const chain = baseChain(job, step.index, 'configure-aws-credentials', null, [], variant, []);
      chain.audience = audience ?? AUDIENCE;
      chain.identity = null;
      if (role.value === null) {
        chain.reasons.push(`role-to-assume is ${role.unknown ?? refText(step.role as Ref)}: known only when the workflow runs`);
        unknowable(c, job.file, step.line, step.place, `role-to-assume of job "${job.id}" (${role.unknown ?? refText(step.role as Ref)}) is known only when the workflow runs: its chain cannot be proved`, 'use a literal role ARN (or a matrix of literal ARNs)', job);
        finishUnknown(chain);
        out.push(chain);
        continue;
      }
      chain.roleArn = role.value;
      if (audience === null) chain.reasons.push('audience is an expression');
      evaluate(c, job, chain, opt, step.line, step.place);
      out.push(chain);
    }
  }
  return out;
}

function baseChain(job: Job, step: number, command: string, stack: string | null, components: string[], variant: string | null, profiles: string[]): Chain {
  return {
    workflow: job.file,
    job: job.id,
    step,
    command,
    stack,
    components,
    variant,
    context: null,
    sub: null,
    condition: null,
    runs: null,
    profiles,
    identity: null,
    roleArn: null,
    account: null,
    role: null,
    patterns: [],
    matched: null,
    providerArn: null,
    audience: AUDIENCE,
    trust: 'unknown',
    verdict: 'unknown',
    reasons: [],
  };
}

function finishUnknown(chain: Chain): void {
  chain.trust = 'unknown';
  chain.verdict = 'unknown';
}

function unknowable(c: Ctx, file: string, line: number, place: string, message: string, fix: string, job?: Job): void {
  c.report(finding({ severity: 'warning', code: 'value-unknowable', message, file, line, place, fix, workflow: job?.file, job: job?.id }));
}

function reportAudience(c: Ctx, file: string, line: number, place: string, what: string, fix: string, job?: Job): void {
  c.report(
    finding({
      severity: 'error',
      code: 'audience-invalid',
      message: `${what}, not sts.amazonaws.com: the role's trust (StringEquals aud = sts.amazonaws.com) and the provider's client id both reject it ("Incorrect token audience")`,
      file,
      line,
      place,
      fix,
      workflow: job?.file,
      job: job?.id,
    }),
  );
}

interface IdentityResult {
  name: string | null;
  roleArn: string | null;
  providerArnNote?: string;
  audience: string;
  /** Set when the chain cannot go on: the reason, already reported. */
  broken: string | null;
  unknown: string | null;
  /** Atmos auth is not configured here: the command uses whatever credentials the job already has. */
  skip?: boolean;
}

function atmosChains(c: Ctx, job: Job, step: AtmosStep): Chain[] {
  const out: Chain[] = [];
  const command = `atmos ${step.command}`.trim();
  for (const row of job.matrix) {
    let profiles = c.stacks.config.defaultProfiles;
    if (step.profile) {
      const r = resolveRef(step.profile, row);
      if (r.value !== null) profiles = splitList(r.value);
      else unknowable(c, job.file, step.line, step.place, `the profile of job "${job.id}" (${refText(step.profile)}) is known only when the workflow runs; reading the default profile`, 'set ATMOS_PROFILE to a literal profile name', job);
    }
    const active = c.profiles.active(profiles);
    if (active.missing.length) {
      c.report(
        finding({
          severity: 'error',
          code: 'profile-missing',
          message: `job "${job.id}" activates profile ${active.missing.map((p) => `"${p}"`).join(', ')}, which has no directory under ${c.stacks.config.profilesBasePath}/ (Atmos stops with "profile not found")`,
          file: job.file,
          line: step.line,
          place: step.place,
          fix: `create ${c.stacks.config.profilesBasePath}/${active.missing[0]}/atmos.yaml, or set ATMOS_PROFILE to one of: ${c.profiles.available().join(', ') || '(none)'}`,
          workflow: job.file,
          job: job.id,
        }),
      );
    }
    const targets = step.terraform ? terraformTargets(c, job, step, row) : [{ stack: null as Stack | null, components: [] as ComponentInstance[] }];
    for (const target of targets) {
      // Group the components of a stack that resolve to the same identity, role and subs.
      const groups = new Map<string, { comps: string[]; make: () => Chain[] }>();
      const units = target.components.length ? target.components : [null];
      for (const comp of units) {
        const identity = resolveIdentityCached(c, job, step, row, active, target.stack, comp);
        if (identity.skip) continue;
        const options = subOptions(c, job, row, target.stack, comp);
        const key = groupKey(identity, options);
        const existing = groups.get(key);
        if (existing) {
          if (comp) existing.comps.push(comp.name);
          continue;
        }
        const entry = {
          comps: comp ? [comp.name] : [],
          make: (): Chain[] =>
            options.map((opt) => {
              const chain = baseChain(job, step.index, command, target.stack?.name ?? null, entry.comps, variantLabel(row, matrixKeys(step, job)), active.profiles);
              chain.identity = identity.name;
              chain.audience = identity.audience;
              if (identity.broken) {
                chain.reasons.push(identity.broken);
                chain.verdict = 'denied';
                chain.trust = 'unknown';
                setSub(c, chain, opt);
                return chain;
              }
              if (identity.unknown || !identity.roleArn) {
                chain.reasons.push(identity.unknown ?? 'the role ARN is unknown');
                setSub(c, chain, opt);
                finishUnknown(chain);
                return chain;
              }
              chain.roleArn = identity.roleArn;
              evaluate(c, job, chain, opt, step.line, step.place);
              return chain;
            }),
        };
        groups.set(key, entry);
      }
      for (const g of groups.values()) out.push(...g.make());
    }
  }
  return out;
}

/** The key components of a stack are grouped by: JSON of a few short fields (cheaper than of the objects, per component of every stack). */
function groupKey(identity: IdentityResult, options: SubOption[]): string {
  let key = `${identity.name}\u0000${identity.roleArn}\u0000${identity.audience}\u0000${identity.broken}\u0000${identity.unknown}\u0000${identity.skip}`;
  for (const o of options) key += `\u0001${o.context ? JSON.stringify(o.context) : ''}\u0000${o.label}\u0000${o.condition}\u0000${o.unknown}`;
  return key;
}

function matrixKeys(step: AtmosStep, job: Job): string[] {
  const keys: string[] = [];
  for (const r of [step.stack, step.identity, step.component, job.environment]) if (r?.kind === 'matrix') keys.push(r.name);
  return keys;
}

/** Does Atmos Pro dispatch this workflow file for any component (per repository and file: asked per step and matrix row)? */
const dispatchedAnywhereCache = new WeakMap<Stacks, Map<string, boolean>>();

/** The stacks and components an `atmos terraform` step can run for. */
function terraformTargets(c: Ctx, job: Job, step: AtmosStep, row: Record<string, string>): Array<{ stack: Stack; components: ComponentInstance[] }> {
  const deployable = (s: Stack): ComponentInstance[] => [...s.components.values()].filter((x) => !x.abstract && x.enabled);
  let stacks: Stack[];
  const stackRef = step.stack ? resolveRef(step.stack, row) : { value: null, unknown: null };
  if (stackRef.value !== null) {
    const s = c.stacks.byName(stackRef.value);
    if (!s) {
      c.report(
        finding({
          severity: 'error',
          code: 'stack-missing',
          message: `job "${job.id}" runs for stack "${stackRef.value}", which no manifest defines (stacks: ${c.stacks.all().map((x) => x.name).slice(0, 10).join(', ') || 'none'})`,
          file: job.file,
          line: step.line,
          place: step.place,
          fix: 'use the name Atmos gives the stack (its name:, else stacks.name_template / name_pattern in atmos.yaml)',
          workflow: job.file,
          job: job.id,
        }),
      );
      return [];
    }
    stacks = [s];
  } else stacks = c.stacks.all();
  const componentRef = step.component ? resolveRef(step.component, row) : { value: null, unknown: null };
  let byFile = dispatchedAnywhereCache.get(c.stacks);
  if (!byFile) dispatchedAnywhereCache.set(c.stacks, (byFile = new Map()));
  let dispatchedAnywhere = byFile.get(job.file);
  if (dispatchedAnywhere === undefined) byFile.set(job.file, (dispatchedAnywhere = c.stacks.all().some((s) => deployable(s).some((x) => proDispatches(x, job.file).length))));
  const out: Array<{ stack: Stack; components: ComponentInstance[] }> = [];
  for (const s of stacks) {
    let comps = deployable(s);
    if (componentRef.value !== null) comps = comps.filter((x) => x.name === componentRef.value);
    else if (dispatchedAnywhere && step.stack?.kind === 'input') comps = comps.filter((x) => proDispatches(x, job.file).length);
    if (comps.length) out.push({ stack: s, components: comps });
  }
  return out;
}

const identityCache = new WeakMap<ActiveConfig, WeakMap<object, Map<string, IdentityResult>>>();

/**
 * resolveIdentity, remembered per profile, stack or component and identity name when it found a
 * role without reporting anything (the only results that do not depend on the job): a large
 * repository runs it for every component of every stack in every workflow (bench/scale.mjs).
 */
function resolveIdentityCached(c: Ctx, job: Job, step: AtmosStep, row: Record<string, string>, active: ActiveConfig, stack: Stack | null, comp: ComponentInstance | null): IdentityResult {
  const holder = comp ?? stack;
  const named = step.identity ? resolveRef(step.identity, row) : null;
  if (!holder || (named && named.value === null)) return resolveIdentity(c, job, step, row, active, stack, comp);
  const key = named ? `=${named.value}` : '';
  let byHolder = identityCache.get(active);
  if (!byHolder) identityCache.set(active, (byHolder = new WeakMap()));
  let byName = byHolder.get(holder);
  if (!byName) byHolder.set(holder, (byName = new Map()));
  const hit = byName.get(key);
  if (hit) return hit;
  const result = resolveIdentity(c, job, step, row, active, stack, comp);
  if (result.roleArn && !result.broken && !result.unknown && !result.skip && result.audience === AUDIENCE) byName.set(key, result);
  return result;
}

function findIdentity(identities: Record<string, any>, name: string): string | null {
  if (name in identities) return name;
  const lower = name.toLowerCase();
  return Object.keys(identities).find((k) => k.toLowerCase() === lower) ?? null;
}

function resolveIdentity(c: Ctx, job: Job, step: AtmosStep, row: Record<string, string>, active: ActiveConfig, stack: Stack | null, comp: ComponentInstance | null): IdentityResult {
  const local = comp ? comp.auth : stack ? stack.auth : {};
  const auth = mergeAuth(active.auth, local);
  const identities: Record<string, any> = isPlainObject(auth.identities) ? auth.identities : {};
  const result: IdentityResult = { name: null, roleArn: null, audience: AUDIENCE, broken: null, unknown: null };
  // A configuration file that does not parse is reported as such; what it would have said is unknown.
  const unreadable = active.invalid.length || stack ? [...active.invalid, ...(stack ? invalidFiles(c, stack) : [])] : [];
  if (unreadable.length) return { ...result, unknown: `${unreadable[0]} is not valid YAML` };
  const profileText = active.profiles.length ? `profile ${active.profiles.join(',')}` : 'atmos.yaml (no profile)';
  const profileFile = active.files[active.files.length - 1] ?? 'atmos.yaml';
  let name: string | null = null;
  if (!step.identity && !Object.keys(identities).length) return { ...result, skip: true };
  if (step.identity) {
    const r = resolveRef(step.identity, row);
    if (r.value === null) {
      result.unknown = `the identity (${refText(step.identity)}) is known only when the workflow runs`;
      unknowable(c, job.file, step.line, step.place, `the identity of job "${job.id}" (${refText(step.identity)}) is known only when the workflow runs`, 'name the identity literally (--identity or ATMOS_IDENTITY)', job);
      return result;
    }
    name = findIdentity(identities, r.value);
    if (!name) {
      c.report(
        finding({
          severity: 'error',
          code: 'identity-not-in-profile',
          message: `job "${job.id}" selects identity "${r.value}" (${step.identitySource}), which ${profileText} does not define${stack ? ` in stack ${stack.name}` : ''} (identities: ${Object.keys(identities).join(', ') || 'none'})`,
          file: job.file,
          line: step.line,
          place: step.place,
          fix: `use one of the identities of ${profileText}, or add "${r.value}" to ${profileFile}`,
          related: active.files,
          workflow: job.file,
          job: job.id,
          stack: stack?.name,
        }),
      );
      result.name = r.value;
      result.broken = `identity ${r.value} is not defined in ${profileText}`;
      return result;
    }
  } else {
    const localDefaults = Object.entries(isPlainObject(local.identities) ? local.identities : {})
      .filter(([, d]) => isPlainObject(d) && d.default === true)
      .map(([n]) => n);
    const localOff = new Set(
      Object.entries(isPlainObject(local.identities) ? local.identities : {})
        .filter(([, d]) => isPlainObject(d) && d.default === false)
        .map(([n]) => n),
    );
    const globalIdentities = isPlainObject(active.auth.identities) ? active.auth.identities : {};
    // A default selected in the stack (or component) replaces the profile's defaults, as Atmos does.
    const defaults = localDefaults.length
      ? localDefaults
      : Object.entries(globalIdentities)
          .filter(([n, d]) => isPlainObject(d) && d.default === true && !localOff.has(n))
          .map(([n]) => n);
    if (defaults.length !== 1) {
      // `describe affected` and `list instances` authenticate only when a YAML function needs
      // it: without a default they run unauthenticated, so there is no chain to report.
      if (!step.terraform && /^(describe|list) /.test(step.command)) return { ...result, skip: true };
      const none = defaults.length === 0;
      const where = localDefaults.length && stack ? c.stacks.whereStack(stack, ['auth', 'identities']) : { file: profileFile, line: c.lineOf(profileFile, ['auth', 'identities']), place: 'auth.identities' };
      c.report(
        finding({
          severity: 'error',
          code: none ? 'default-identity-none' : 'default-identity-multiple',
          message: none
            ? `job "${job.id}" names no identity and ${profileText}${stack ? ` in stack ${stack.name}` : ''} has no default identity: in CI Atmos stops with "no default identity configured"`
            : `${profileText}${stack ? ` in stack ${stack.name}` : ''} marks ${defaults.length} identities default (${defaults.join(', ')}): in CI Atmos refuses to choose ("multiple default identities")`,
          file: where.file,
          line: where.line,
          place: where.place,
          fix: none ? `mark one identity "default: true" in ${profileFile}, or select one in the job (ATMOS_IDENTITY)` : 'keep "default: true" on exactly one identity (set the others to default: false where a stack selects its own)',
          related: [job.file, ...active.files],
          workflow: job.file,
          job: job.id,
          stack: stack?.name,
        }),
      );
      result.broken = none ? 'no default identity' : `several default identities (${defaults.join(', ')})`;
      return result;
    }
    name = defaults[0];
  }
  result.name = name;
  // Follow `via.identity` to the identity that authenticates with the provider: its role is the
  // one GitHub's token must be trusted by.
  let current: Record<string, any> = isPlainObject(identities[name]) ? identities[name] : {};
  let currentName = name;
  const seen = new Set<string>([name]);
  while (isPlainObject(current.via) && typeof current.via.identity === 'string') {
    const next = findIdentity(identities, current.via.identity);
    if (!next || seen.has(next)) break;
    seen.add(next);
    currentName = next;
    current = isPlainObject(identities[next]) ? identities[next] : {};
  }
  const providerName = isPlainObject(current.via) && typeof current.via.provider === 'string' ? current.via.provider : null;
  const providers: Record<string, any> = isPlainObject(auth.providers) ? auth.providers : {};
  const provider = providerName && isPlainObject(providers[providerName]) ? providers[providerName] : null;
  const idFile = active.identityFiles.get(currentName) ?? profileFile;
  if (!provider || provider.kind !== 'github/oidc' || (current.kind && current.kind !== 'aws/assume-role')) {
    const why = !providerName
      ? `identity "${currentName}" has no via.provider`
      : !provider
        ? `identity "${currentName}" uses provider "${providerName}", which ${profileText} does not define`
        : provider.kind !== 'github/oidc'
          ? `identity "${currentName}" authenticates through provider "${providerName}" of kind ${String(provider.kind)}, which cannot run in GitHub Actions without a person`
          : `identity "${currentName}" is of kind ${String(current.kind)}; behind github/oidc only aws/assume-role calls AssumeRoleWithWebIdentity`;
    c.report(
      finding({
        severity: 'error',
        code: 'identity-not-oidc',
        message: `job "${job.id}" uses identity "${name}": ${why}`,
        file: idFile,
        line: c.lineOf(idFile, ['auth', 'identities', currentName]),
        place: `auth.identities.${currentName}`,
        fix: 'in the CI profile, make the identity kind aws/assume-role with via: { provider: <a github/oidc provider> }',
        related: [job.file],
        workflow: job.file,
        job: job.id,
        stack: stack?.name,
      }),
    );
    result.broken = why;
    return result;
  }
  const audience = isPlainObject(provider.spec) ? provider.spec.audience : undefined;
  if (audience !== AUDIENCE) {
    const providerFile = active.files.slice().reverse().find((f) => c.sets(f, ['auth', 'providers', providerName!])) ?? profileFile;
    reportAudience(
      c,
      providerFile,
      c.lineOf(providerFile, ['auth', 'providers', providerName!, 'spec', 'audience']),
      `auth.providers.${providerName}.spec.audience`,
      audience === undefined ? `provider "${providerName}" sets no spec.audience (Atmos requires it)` : `provider "${providerName}" asks GitHub for audience "${String(audience)}"`,
      `set auth.providers.${providerName}.spec.audience: sts.amazonaws.com`,
      job,
    );
    result.audience = typeof audience === 'string' ? audience : '';
  }
  const arnValue = isPlainObject(current.principal) ? current.principal.assume_role : undefined;
  let arn: string | null = null;
  if (typeof arnValue === 'string' && !hasTemplate(arnValue)) arn = arnValue;
  else if (isYamlFunction(arnValue) && stack) arn = resolveFunctionArn(arnValue as YamlFunction, stack, c.stacks, c.side);
  if (!arn) {
    const place = stack && comp ? c.stacks.whereComponent(stack, comp, ['auth', 'identities', currentName, 'principal', 'assume_role']) : { file: idFile, line: c.lineOf(idFile, ['auth', 'identities', currentName]), place: `auth.identities.${currentName}.principal.assume_role` };
    if (arnValue === undefined) {
      c.report(
        finding({
          severity: 'error',
          code: 'identity-no-role',
          message: `identity "${currentName}" has no principal.assume_role${stack ? ` in stack ${stack.name}` : ''}: Atmos has no role to assume`,
          file: place.file,
          line: place.line,
          place: place.place,
          fix: `set auth.identities.${currentName}.principal.assume_role to the role ARN`,
          related: [job.file],
          workflow: job.file,
          job: job.id,
          stack: stack?.name,
        }),
      );
      result.broken = `identity ${currentName} has no principal.assume_role`;
      return result;
    }
    result.unknown = `principal.assume_role of ${currentName} (${String(arnValue)}) is known only when Atmos runs`;
    unknowable(c, place.file, place.line, place.place, `principal.assume_role of identity "${currentName}"${stack ? ` in stack ${stack.name}` : ''} (${String(arnValue)}) is known only when Atmos runs: its chains cannot be proved`, 'write the role ARN literally (or as !terraform.output <iam-role component> role_arn in the same stack)');
    return result;
  }
  result.roleArn = arn;
  return result;
}

const mergedAuth = new WeakMap<object, WeakMap<object, Record<string, any>>>();

/**
 * The files of a stack that do not parse, once per stack: resolveIdentity runs per component,
 * and a stack of a large repository imports a hundred files (bench/scale.mjs measured this scan
 * as a quarter of check's time). Every file of a stack is parsed before chains are built.
 */
const invalidByStack = new WeakMap<Stack, string[]>();
function invalidFiles(c: Ctx, stack: Stack): string[] {
  let hit = invalidByStack.get(stack);
  if (!hit) invalidByStack.set(stack, (hit = stack.files.filter((f) => c.invalid(f))));
  return hit;
}

/** Stack/component `auth` deep-merged over the profile's (the shape Atmos merges); cached by identity. */
function mergeAuth(global: Record<string, any>, local: Record<string, any>): Record<string, any> {
  let inner = mergedAuth.get(global);
  if (!inner) mergedAuth.set(global, (inner = new WeakMap()));
  let hit = inner.get(local);
  if (!hit) inner.set(local, (hit = mergeAuthUncached(global, local)));
  return hit;
}

function mergeAuthUncached(global: Record<string, any>, local: Record<string, any>): Record<string, any> {
  if (!Object.keys(local).length) return global;
  const out: Record<string, any> = { ...global };
  for (const key of Object.keys(local)) {
    if (isPlainObject(global[key]) && isPlainObject(local[key])) {
      const merged: Record<string, any> = { ...global[key] };
      for (const [k, v] of Object.entries(local[key])) merged[k] = isPlainObject(merged[k]) && isPlainObject(v) ? deep(merged[k], v) : v;
      out[key] = merged;
    } else out[key] = local[key];
  }
  return out;
}

function deep(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deep(out[k], v) : v;
  return out;
}

function setSub(c: Ctx, chain: Chain, opt: SubOption): void {
  if (opt.context) {
    chain.sub = subClaim(c.subject.subjectRepository, opt.context);
    chain.context = chain.sub.slice(`repo:${c.subject.subjectRepository}:`.length);
  }
}

/** Decide a chain whose role ARN is known. */
function evaluate(c: Ctx, job: Job, chain: Chain, opt: SubOption, line: number, place: string): void {
  const parts = roleArnParts(chain.roleArn!);
  chain.account = parts?.account ?? null;
  const { role, elsewhere } = findRole(c.side, chain.roleArn!);
  if (parts && parts.name.toLowerCase() === 'githubactions' && !role)
    c.report(
      finding({
        severity: 'warning',
        code: 'role-named-githubactions',
        message: `job "${job.id}" assumes a role named GitHubActions (${chain.roleArn}); roles with this name have been reported to fail with the generic error`,
        file: job.file,
        line,
        place,
        fix: 'rename the role, e.g. after its permission boundary',
        workflow: job.file,
        job: job.id,
      }),
    );
  // The sub: a fixed context, or (for an environment typed at dispatch) the one the role trusts.
  let free: string | null = null;
  if (opt.condition?.startsWith('input:')) free = opt.condition.slice('input:'.length);
  if (opt.unknown) {
    chain.reasons.push(`the job's environment (${opt.unknown}) is known only when the workflow runs`);
    unknowable(c, job.file, job.environmentLine, `jobs.${job.id}.environment`, `the environment of job "${job.id}" (${opt.unknown}) is known only when the workflow runs, and it decides the sub claim`, 'use a literal environment, or an input that settings.pro sets per stack', job);
  }
  if (!role && c.side.unreadable) {
    if (!opt.unknown && !free) setSub(c, chain, opt);
    chain.reasons.push(`no component creates ${chain.roleArn}, but ${c.side.unreadable} is not valid YAML`);
    finishUnknown(chain);
    return;
  }
  if (!role) {
    if (!opt.unknown && !free) setSub(c, chain, opt);
    const other = elsewhere.find((r) => r.created);
    // Refuted only where the repository manages the roles of that account (or records its setup):
    // a role of an account whose roles are made elsewhere is unknown, not missing.
    // In an adopted repository (answers `adopted:`) the tool's own roles do not make the user's
    // outside roles the repository's: only the user's role components count, as before adoption.
    const adopted = c.answers?.adopted === true;
    const ours = (r: RoleInfo): boolean => adopted && (c.answers?.roles ?? []).some((x) => `iam-role/${x.name}` === r.component.name);
    const provable =
      elsewhere.length > 0 || (c.answers !== null && !adopted) || c.side.roles.some((r) => !ours(r) && r.account !== null && r.account === parts?.account);
    if (other) {
      chain.verdict = 'denied';
      chain.reasons.push(`no role ${parts?.name} in account ${parts?.account}; ${other.component.name} creates it in account ${other.account ?? '(unknown)'} (stack ${other.stack.name})`);
    } else if (provable) {
      chain.verdict = 'denied';
      chain.reasons.push(`no component in this repository creates ${chain.roleArn}`);
    } else {
      chain.verdict = 'unknown';
      chain.reasons.push('role not created in this repository (assumed managed elsewhere)');
    }
    chain.trust = 'unknown';
    c.report(
      finding({
        severity: provable ? 'error' : 'warning',
        code: 'role-not-found',
        message: `${baseName(job.file)} job "${job.id}"${chain.stack ? ` in stack ${chain.stack}` : chain.variant ? ` (${chain.variant})` : ''} assumes ${chain.roleArn}, ${other ? `but ${other.component.name} creates ${parts?.name} in account ${other.account ?? '(unknown)'} (stack ${other.stack.name}), not ${parts?.account}` : 'which no component in this repository creates'}${c.stacks.all().length ? '' : ` (Atmos finds no stack: stacks.included_paths in ${c.stacks.config.file ?? 'atmos.yaml'} match no manifest under ${c.stacks.config.stacksBasePath || 'the repository'})`}`,
        file: job.file,
        line,
        place,
        fix: other ? `point the identity's principal.assume_role at ${other.arn}` : 'point the job at a role an iam-role component creates (check --explain ROLE lists them), or add that component',
        related: chain.stack ? [c.stacks.byName(chain.stack)?.file ?? ''] : [],
        workflow: job.file,
        job: job.id,
        stack: chain.stack ?? undefined,
      }),
    );
    return;
  }
  chain.role = { stack: role.stack.name, component: role.component.name, file: role.trustPlace.file };
  chain.providerArn = typeof role.providerArn === 'string' ? role.providerArn : isYamlFunction(role.providerArn) ? resolveFunctionArn(role.providerArn, role.stack, c.stacks, c.side) : null;
  // github-oidc-role reads the provider of its own account from remote state: the job's ARN names it.
  if (!chain.providerArn && role.kind === 'github-oidc-role' && chain.account) chain.providerArn = `arn:${parts?.partition ?? 'aws'}:iam::${chain.account}:${PROVIDER_HOST_PATH}`;
  chain.patterns = role.patterns ?? [];
  if (free && role.patterns) {
    const trusted = role.patterns.map((p) => /^repo:[^:]+:environment:([^*?]+)$/.exec(p)?.[1]).filter((x): x is string => Boolean(x));
    const value = trusted[0] ?? `<${free}>`;
    opt = { ...opt, context: { environment: value } };
    chain.condition = trusted.length ? `dispatched with ${free}=${trusted.join(' or ')}` : `dispatched with any ${free}`;
  }
  if (!opt.unknown) setSub(c, chain, opt);
  if (!role.created) {
    chain.verdict = 'denied';
    chain.trust = 'unknown';
    chain.reasons.push(`${role.component.name} is disabled in stack ${role.stack.name}: the role is not created`);
    chainBroken(c, job, chain, role, `${role.component.name} is disabled in stack ${role.stack.name} (metadata.enabled or vars.enabled is false), so ${chain.roleArn} does not exist`, `enable ${role.component.name} in stack ${role.stack.name}, or point the job at a role that exists`);
    return;
  }
  if (!role.github) {
    chain.verdict = 'denied';
    chain.trust = 'rejects';
    chain.patterns = []; // the component emits no GitHub statement at all
    const switchedOff = role.kind === 'iam-role' && role.component.vars.github_oidc_provider_enabled !== true;
    const why = switchedOff ? 'github_oidc_provider_enabled is not true' : `${role.entriesVar} is empty`;
    chain.reasons.push(`${role.component.name} emits no GitHub trust statement (${why})`);
    const where = c.stacks.whereComponent(role.stack, role.component, ['vars', switchedOff ? 'github_oidc_provider_enabled' : role.entriesVar]);
    c.report(
      finding({
        severity: 'error',
        code: 'role-no-github-trust',
        message: `${baseName(job.file)} job "${job.id}" assumes ${chain.roleArn}, but ${role.component.name} in stack ${role.stack.name} creates it without a GitHub OIDC trust statement (${why})`,
        file: where.file,
        line: where.line,
        place: where.place,
        fix: role.kind === 'iam-role' ? `set github_oidc_provider_enabled: true and trusted_github_repos (e.g. ["${c.subject.repository}"]) on ${role.component.name}` : `set github_actions_allowed_repos (e.g. ["${c.subject.repository}"]) on ${role.component.name}`,
        related: [job.file],
        workflow: job.file,
        job: job.id,
        stack: chain.stack ?? undefined,
        component: role.component.name,
      }),
    );
    return;
  }
  if (!role.patterns || opt.unknown || !chain.sub) {
    finishUnknown(chain);
    if (!role.patterns) chain.reasons.push(`${role.entriesVar} of ${role.component.name} is known only when Atmos runs`);
    return;
  }
  let matched: string | null;
  if (chain.sub.includes('*')) {
    // A part only the run knows (a release's tag, a merge queue branch): proved when every value
    // is admitted, refuted when none can be, else it depends on the value. "Every" is tried with
    // stand-ins that differ in first and last character and in length, so a pattern such as
    // refs/tags/c* (which admits one stand-in by chance) is not taken for one that admits all.
    const prefix = chain.sub.slice(0, chain.sub.indexOf('*'));
    const every = ANY_VALUES.every((v) => admits(role.patterns!, chain.sub!.replaceAll('*', v)));
    const literal = (p: string): string => p.replace(/[*?].*$/, '');
    const some = role.patterns.find((p) => literal(p).startsWith(prefix) || prefix.startsWith(literal(p)));
    if (!every && some) {
      chain.matched = some;
      chain.condition = `only for a ${prefix.includes('refs/tags/') ? 'tag' : 'branch'} that ${some} admits`;
      chain.trust = 'unknown';
      chain.verdict = 'unknown';
      chain.reasons.push(`the ${prefix.includes('refs/tags/') ? 'tag' : 'branch'} is known only when the workflow runs; ${some} admits some values`);
      return;
    }
    matched = every ? admits(role.patterns, chain.sub.replaceAll('*', ANY_VALUES[0])) : null;
  } else matched = admits(role.patterns, chain.sub);
  chain.matched = matched;
  const audienceOk = chain.audience === AUDIENCE;
  // The Federated principal must be a provider of the role's own account: STS validates the token
  // there, and IAM (the simulator too) refuses a principal of another account without more policy.
  const providerAccount = chain.providerArn ? parseArn(chain.providerArn)?.account : null;
  const sameAccount = !providerAccount || !chain.account || providerAccount === chain.account;
  chain.trust = chain.matched && audienceOk && sameAccount ? 'admits' : 'rejects';
  if (!audienceOk) chain.reasons.push(`audience "${chain.audience}" is not ${AUDIENCE}`);
  if (!sameAccount) chain.reasons.push(`the role trusts the provider of account ${providerAccount}, not its own`);
  if (!chain.matched) {
    chain.reasons.push(`sub ${chain.sub} matches none of ${role.patterns.join(', ')}`);
    const entry = entryFor(chain.sub, c.subject.subjectRepository);
    chainBroken(
      c,
      job,
      chain,
      role,
      `${baseName(job.file)} job "${job.id}"${chain.stack ? ` in stack ${chain.stack}` : chain.variant ? ` (${chain.variant})` : ''} sends sub "${chain.sub}", which ${role.component.name} (${chain.roleArn}) does not admit: its patterns are ${role.patterns.map((p) => `"${p}"`).join(', ') || '(none)'}`,
      entry
        ? `add "${entry}" to ${role.entriesVar} of ${role.component.name} in stack ${role.stack.name}, or change the job so it sends a sub the role admits`
        : `pull requests can only be admitted by an entry without constraint (${c.subject.repository}); better, give pull request jobs a read-only role`,
    );
  }
  // workflow_dispatch runs on whatever branch the dispatcher picks: when the trust admits any
  // branch, a writer's own unreviewed branch runs with this role.
  if (chain.matched && chain.context?.startsWith('ref:refs/heads/') && job.triggers.some((t) => t.event === 'workflow_dispatch')) {
    const anyBranch = admits(role.patterns, subClaim(c.subject.subjectRepository, { ref: 'refs/heads/check-probe/any-branch' }));
    if (anyBranch) chain.runs ??= `workflow_dispatch from any branch: ${anyBranch} admits them all, so a writer's unreviewed branch runs with this role`;
  }
  // Everything else that must hold for AWS to hand out credentials (id-token: see buildChains).
  const providerOk = providerHolds(c, role, chain.providerArn);
  if (!providerOk) chain.reasons.push(`no GitHub OIDC provider ${chain.providerArn ?? ''} in account ${role.account ?? '?'}`.replace('  ', ' '));
  chain.verdict = chain.trust === 'admits' && providerOk ? 'allowed' : 'denied';
}

/** The provider the role trusts is GitHub's and is in the role's account (deployed or recorded as existing). */
function providerHolds(c: Ctx, role: RoleInfo, arn: string | null): boolean {
  if (!arn) return false;
  const p = parseArn(arn);
  if (!p || p.resource !== 'oidc-provider/token.actions.githubusercontent.com') return false;
  if (role.account && p.account !== role.account) return false;
  if (!role.account) return true;
  if (c.side.providersByAccount.has(p.account) || c.side.reusedProviders.get(p.account) === arn) return true;
  // No provider component anywhere and no answers file: the provider is managed outside, assumed present.
  return c.side.providers.length === 0 && c.answers === null;
}

function entryFor(sub: string, subjectRepository: string): string | null {
  const prefix = `repo:${subjectRepository}:`;
  if (!sub.startsWith(prefix)) return null;
  const context = sub.slice(prefix.length);
  if (context === 'pull_request') return null;
  if (context.startsWith('ref:refs/heads/')) return `${subjectRepository}:${context.slice('ref:refs/heads/'.length)}`;
  return `${subjectRepository}:${context}`;
}

function chainBroken(c: Ctx, job: Job, chain: Chain, role: RoleInfo, message: string, fix: string): void {
  c.report(
    finding({
      severity: 'error',
      code: 'chain-broken',
      message,
      file: role.trustPlace.file,
      line: role.trustPlace.line,
      place: role.trustPlace.place,
      fix,
      related: [job.file],
      workflow: job.file,
      job: job.id,
      stack: chain.stack ?? undefined,
      component: role.component.name,
    }),
  );
}

/** Environment names that differ only in case: one GitHub environment, two IAM spellings. */
function environmentCase(c: Ctx, chains: Chain[]): void {
  const names = new Map<string, Map<string, string>>();
  const note = (name: string, where: string): void => {
    const key = name.toLowerCase();
    if (!names.has(key)) names.set(key, new Map());
    if (!names.get(key)!.has(name)) names.get(key)!.set(name, where);
  };
  for (const ch of chains) if (ch.context?.startsWith('environment:')) note(ch.context.slice('environment:'.length), `${ch.workflow} job ${ch.job}${ch.stack ? ` (stack ${ch.stack})` : ''}`);
  for (const r of c.side.roles) for (const p of r.patterns ?? []) {
    const m = /:environment:([^*?]+)$/.exec(p);
    if (m && p.startsWith(`repo:${c.subject.subjectRepository}:`)) note(m[1], `${r.component.name} in stack ${r.stack.name}`);
  }
  for (const spellings of names.values()) {
    if (spellings.size < 2) continue;
    const list = [...spellings].map(([n, w]) => `"${n}" (${w})`);
    const firstRole = c.side.roles.find((r) => (r.patterns ?? []).some((p) => [...spellings.keys()].some((n) => p.endsWith(`:environment:${n}`))));
    const f: Finding = finding({
      severity: 'warning',
      code: 'environment-case',
      message: `GitHub Environment names differ only in case: ${list.join(', ')}. GitHub treats them as one environment, IAM compares the sub case-sensitively`,
      file: firstRole?.trustPlace.file ?? '',
      line: firstRole?.trustPlace.line ?? 0,
      place: firstRole?.trustPlace.place ?? '',
      fix: 'spell the environment the same way in workflows, settings.pro and trusted_github_repos',
    });
    c.report(f);
  }
}

export { isProviderComponent };
