/**
 * Judges for a generated repository, built on tools and rules written by others: GitHub's workflow
 * parser, the SchemaStore and Atmos JSON schemas, our security rules, and an independent reader of the
 * credential chain. They take any directory, so the results of every command can be judged the same way.
 *
 * The chain reader is deliberately separate from src/setup/model.ts: it reads only what lands in the
 * repository (workflows, stacks, profiles, `.atmos-oidc.yaml`) and reapplies the rules of GitHub,
 * Atmos and the `aws-iam-role` component (reference/domain.md sections 2, 3, 5). From src/ it takes only
 * `trustPattern`, the component's documented entry-to-pattern rule. Anything it does not understand
 * throws, so a judge never passes by ignoring configuration.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionsMetadataProvider } from '@actions/languageservice';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDocument, type ScalarTag } from 'yaml';
import { trustPattern } from '../../src/setup/trust.ts';

// Loosely typed YAML data: the judges check shapes themselves and throw on what they do not expect.
type Obj = Record<string, any>;

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The shared data next to the repository (`../shared`); absent in a plain clone. */
export const SCHEMAS_DIR = join(REPO_ROOT, '..', 'shared', 'schemas');
export const WORKFLOW_SCHEMA = join(SCHEMAS_DIR, 'github', 'github-workflow.json');
export const ATMOS_MANIFEST_SCHEMA = join(SCHEMAS_DIR, 'atmos', 'manifest-1.0.json');
export const ATMOS_CONFIG_SCHEMA = join(SCHEMAS_DIR, 'atmos', 'config-1.0.json');

/** Why schema judges cannot run here, or null when they can. */
export function schemasMissingReason(): string | null {
  const missing = [WORKFLOW_SCHEMA, ATMOS_MANIFEST_SCHEMA, ATMOS_CONFIG_SCHEMA].filter((p) => !existsSync(p));
  return missing.length ? `schemas not found (${missing.map((p) => relative(REPO_ROOT, p)).join(', ')}): the shared data directory ../shared is absent` : null;
}

// ---------------------------------------------------------------------------------------------
// YAML and files

/** Atmos YAML functions, kept as opaque strings: their values exist only when Atmos runs. */
const ATMOS_TAGS: ScalarTag[] = [
  '!env', '!exec', '!include', '!include.raw', '!repo-root', '!cwd', '!random', '!literal', '!store', '!store.get',
  '!template', '!terraform.output', '!terraform.state', '!aws.account_id', '!aws.caller_identity_arn',
  '!aws.caller_identity_user_id', '!aws.region',
].map((tag) => ({ tag, resolve: (value: string) => `${tag} ${value}` }));

/** Parse YAML 1.2 (never 1.1: `on:` must stay a key); any error or warning is a failure. */
export function parseYaml(text: string, where: string, options: { atmos?: boolean } = {}): unknown {
  const doc = parseDocument(text, { prettyErrors: true, customTags: options.atmos ? ATMOS_TAGS : [] });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(`${where}: ${problems.map((p) => p.message).join('; ')}`);
  return doc.toJS();
}

function readYamlFile(dir: string, path: string, options: { atmos?: boolean } = {}): Obj {
  const value = parseYaml(readFileSync(join(dir, path), 'utf8'), path, options);
  if (value === null || value === undefined) return {};
  if (!isMap(value)) throw new Error(`${path}: expected a mapping at the top level`);
  return value;
}

function isMap(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every file under `dir` (relative, "/" separators), sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const child = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, child)).isDirectory()) walk(child);
      else out.push(child);
    }
  };
  if (existsSync(dir)) walk('');
  return out.sort();
}

const isYaml = (path: string): boolean => /\.ya?ml$/.test(path);

/** Atmos-style glob: `**` any number of directories, `*` and `?` within one path segment. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Deep merge as Atmos does it: maps merge, lists and scalars replace, later wins. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const out: Obj = { ...base };
    for (const [key, value] of Object.entries(over)) if (value !== undefined) out[key] = key in base ? deepMerge(base[key], value) : value;
    return out;
  }
  return over === undefined ? base : over;
}

const merge = (...layers: unknown[]): Obj => layers.reduce<Obj>((acc, layer) => deepMerge(acc, layer ?? {}) as Obj, {});

// ---------------------------------------------------------------------------------------------
// Workflows

export interface WorkflowFile {
  /** Relative to the repository root, e.g. `.github/workflows/atmos-terraform-plan.yaml`. */
  path: string;
  text: string;
}

export function workflowFiles(dir: string): WorkflowFile[] {
  const base = join(dir, '.github', 'workflows');
  return listFiles(base)
    .filter((name) => !name.includes('/') && isYaml(name))
    .map((name) => ({ path: `.github/workflows/${name}`, text: readFileSync(join(base, name), 'utf8') }));
}

/**
 * Input names of the actions the generated workflows use, from their `action.yml` (actions/checkout;
 * aws-actions/configure-aws-credentials, whose majors up to v6 have only added inputs; the guard's
 * github/codeql-action/upload-sarif), so GitHub's
 * parser checks step inputs offline: a misspelt input is reported. A name listed here that the pinned
 * version lacks would go unreported; an action missing here is not checked for inputs at all.
 */
const ACTION_INPUTS: Record<string, string[]> = {
  'actions/checkout': [
    'repository', 'ref', 'token', 'ssh-key', 'ssh-known-hosts', 'ssh-strict', 'ssh-user', 'persist-credentials', 'path',
    'clean', 'filter', 'sparse-checkout', 'sparse-checkout-cone-mode', 'fetch-depth', 'fetch-tags', 'show-progress',
    'lfs', 'submodules', 'set-safe-directory', 'github-server-url',
  ],
  'aws-actions/configure-aws-credentials': [
    'audience', 'aws-access-key-id', 'aws-secret-access-key', 'aws-session-token', 'aws-region', 'mask-aws-account-id',
    'role-to-assume', 'web-identity-token-file', 'role-duration-seconds', 'role-session-name', 'role-external-id',
    'role-skip-session-tagging', 'inline-session-policy', 'managed-session-policies', 'output-credentials',
    'output-env-credentials', 'unset-current-credentials', 'disable-retry', 'retry-max-attempts',
    'special-characters-workaround', 'use-existing-credentials', 'allowed-account-ids', 'force-skip-oidc',
    'role-chaining', 'http-proxy', 'no-proxy', 'action-timeout-s',
  ],
  // upload-sarif/action.yml at v4.36.2 (8aad20d150bbac5944a9f9d289da16a4b0d87c1e) of github/codeql-action.
  'github/codeql-action/upload-sarif': ['sarif_file', 'checkout_path', 'ref', 'sha', 'token', 'matrix', 'category', 'wait-for-processing'],
};

const actionsMetadataProvider: ActionsMetadataProvider = {
  async fetchActionMetadata(action) {
    const inputs = ACTION_INPUTS[`${action.owner}/${action.name}${action.path ? `/${action.path}` : ''}`];
    if (!inputs) return undefined;
    return { name: action.name, description: '', inputs: Object.fromEntries(inputs.map((name) => [name, { description: name }])) };
  },
};

/** Every diagnostic (error or warning) of GitHub's own workflow parser, as `path:line:col message`. */
export async function workflowParserErrors(path: string, text: string): Promise<string[]> {
  // The package is ESM-only and imports JSON without import attributes: a dynamic import goes through
  // Node's ESM loader with tsx's hooks, which accept that on Node 20 (a static import here would be
  // compiled to require() under `uvu -r tsx`, which its "exports" do not allow).
  const { validate } = await import('@actions/languageservice');
  const doc = TextDocument.create(`file:///${path}`, 'yaml', 1, text);
  const diagnostics = await validate(doc, { actionsMetadataProvider });
  return diagnostics.map((d) => `${path}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
}

// SchemaStore and Atmos schemas use annotation keywords ajv does not know: strict mode off.
let workflowValidator: ValidateFunction | null = null;

/** Errors of the SchemaStore workflow schema (draft-07). Needs ../shared/schemas. */
export function workflowSchemaErrors(text: string, where = 'workflow'): string[] {
  workflowValidator ??= new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(WORKFLOW_SCHEMA, 'utf8')));
  const data = parseYaml(text, where);
  if (workflowValidator(data)) return [];
  return (workflowValidator.errors ?? []).map((e) => `${where}: ${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

let atmosValidators: { manifest: ValidateFunction; config: ValidateFunction } | null = null;

/**
 * Errors of Atmos's own schemas (draft 2020-12): every YAML file under the stacks base path against
 * the stack manifest schema; `atmos.yaml` and each `profiles/<name>/atmos.yaml` against the config schema.
 */
export function atmosSchemaErrors(dir: string): string[] {
  if (!atmosValidators) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    atmosValidators = {
      manifest: ajv.compile(JSON.parse(readFileSync(ATMOS_MANIFEST_SCHEMA, 'utf8'))),
      config: ajv.compile(JSON.parse(readFileSync(ATMOS_CONFIG_SCHEMA, 'utf8'))),
    };
  }
  const { manifest, config } = atmosValidators;
  const errors: string[] = [];
  const check = (validator: typeof manifest, path: string): void => {
    if (!validator(readYamlFile(dir, path, { atmos: true })))
      for (const e of validator.errors ?? []) errors.push(`${path}: ${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  };
  const stacksBase = atmosStacksConfig(dir).basePath;
  for (const file of listFiles(join(dir, stacksBase)).filter(isYaml)) check(manifest, `${stacksBase}/${file}`);
  const configFiles = ['atmos.yaml', ...listFiles(join(dir, 'profiles')).filter((p) => /^[^/]+\/atmos\.ya?ml$/.test(p)).map((p) => `profiles/${p}`)];
  for (const path of configFiles) if (existsSync(join(dir, path))) check(config, path);
  return errors;
}

interface Workflow {
  path: string;
  /** The file name, which is how Atmos Pro's settings name the workflow it dispatches. */
  file: string;
  doc: Obj;
}

function readWorkflows(dir: string): Workflow[] {
  return workflowFiles(dir).map(({ path, text }) => {
    const doc = parseYaml(text, path);
    if (!isMap(doc) || !isMap(doc.jobs)) throw new Error(`${path}: no jobs`);
    return { path, file: path.split('/').pop() as string, doc };
  });
}

/** The triggers of a workflow as a map, whichever of the three forms `on:` takes. */
function triggersOf(workflow: Workflow): Obj {
  const on = workflow.doc.on;
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t) => [t, null]));
  if (isMap(on)) return on;
  throw new Error(`${workflow.path}: no "on:" triggers`);
}

function stepsOf(job: Obj): Obj[] {
  return Array.isArray(job.steps) ? job.steps.filter(isMap) : [];
}

/** A `run:` script, with where it is and the shell it runs in. */
export interface RunScript {
  workflow: string;
  job: string;
  step: string;
  script: string;
  shell: string;
}

/** Every `run:` script of a workflow, with its effective shell (step, job defaults, workflow defaults, bash). */
export function runScripts(path: string, text: string): RunScript[] {
  const doc = parseYaml(text, path) as Obj;
  const scripts: RunScript[] = [];
  for (const [jobId, job] of Object.entries<Obj>(doc.jobs ?? {})) {
    stepsOf(job).forEach((step, index) => {
      if (typeof step.run !== 'string') return;
      const shell = step.shell ?? job.defaults?.run?.shell ?? doc.defaults?.run?.shell ?? 'bash';
      scripts.push({ workflow: path, job: jobId, step: step.name ?? `step ${index + 1}`, script: step.run, shell });
    });
  }
  return scripts;
}

const ATMOS_COMMAND = /(^|[\s;&|(])atmos\s/m;
const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials@';

type CredentialStep =
  | { kind: 'atmos'; profile: string; identity: string | null }
  | { kind: 'configure-aws-credentials'; roleToAssume: string; audience: string };

/**
 * How a job obtains AWS credentials: each step that runs `atmos` with ATMOS_PROFILE in its effective
 * environment (workflow, job and step `env:`), and each step of aws-actions/configure-aws-credentials.
 */
function credentialSteps(workflow: Workflow, jobId: string, job: Obj): CredentialStep[] {
  const found: CredentialStep[] = [];
  for (const step of stepsOf(job)) {
    const env = merge(workflow.doc.env, job.env, step.env);
    if (typeof step.run === 'string' && ATMOS_COMMAND.test(step.run) && env.ATMOS_PROFILE !== undefined) {
      const profile = String(env.ATMOS_PROFILE);
      const identity = env.ATMOS_IDENTITY === undefined ? null : String(env.ATMOS_IDENTITY);
      for (const value of [profile, identity ?? ''])
        if (value.includes('${{')) throw new Error(`${workflow.path}: job ${jobId}: ATMOS_PROFILE/ATMOS_IDENTITY from an expression (${value}) cannot be read offline`);
      if (!found.some((f) => f.kind === 'atmos' && f.profile === profile && f.identity === identity)) found.push({ kind: 'atmos', profile, identity });
    }
    if (typeof step.uses === 'string' && step.uses.startsWith(CONFIGURE_AWS)) {
      const role = step.with?.['role-to-assume'];
      if (typeof role !== 'string') throw new Error(`${workflow.path}: job ${jobId}: configure-aws-credentials without role-to-assume`);
      found.push({ kind: 'configure-aws-credentials', roleToAssume: role, audience: String(step.with?.audience ?? 'sts.amazonaws.com') });
    }
  }
  return found;
}

/** `permissions:` grants an OIDC token: `write-all`, or `id-token: write`. */
function grantsIdToken(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  return isMap(permissions) && permissions['id-token'] === 'write';
}

/**
 * Our security rules, which no third-party checker covers (validators.md): no `${{` inside a `run:`
 * script (inputs reach scripts through `env:`); every job that obtains AWS credentials has
 * `id-token: write` at its effective level (a job's own `permissions:` replaces the workflow's);
 * no `pull_request_target` trigger.
 */
export function securityRuleViolations(dir: string): string[] {
  const violations: string[] = [];
  for (const workflow of readWorkflows(dir)) {
    if ('pull_request_target' in triggersOf(workflow)) violations.push(`${workflow.path}: triggered by pull_request_target, which runs with the base repository's secrets and token for code from forks`);
    for (const [jobId, job] of Object.entries<Obj>(workflow.doc.jobs)) {
      for (const step of stepsOf(job))
        if (typeof step.run === 'string' && step.run.includes('${{'))
          violations.push(`${workflow.path}: job ${jobId}, step "${step.name ?? step.run.split('\n')[0]}": \${{ }} inside run: (pass it through env:)`);
      if (credentialSteps(workflow, jobId, job).length === 0) continue;
      const own = 'permissions' in job;
      if (!grantsIdToken(own ? job.permissions : workflow.doc.permissions))
        violations.push(`${workflow.path}: job ${jobId} obtains AWS credentials but its ${own ? 'job-level' : 'workflow-level'} permissions do not grant id-token: write`);
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// The repository as Atmos and AWS see it

interface Answers {
  repository: string;
  repository_ids?: { owner: number; repo: number } | null;
  default_branch?: string;
  setup?: string;
  apply_environment?: string;
  atmos_pro?: boolean;
  accounts: { stage: string; id: string; oidc_provider_arn?: string | null }[];
  roles?: { name: string; identity: string; used_for?: string[] }[];
}

function readAnswers(dir: string): Answers {
  const answers = readYamlFile(dir, '.atmos-oidc.yaml') as Answers;
  if (typeof answers.repository !== 'string' || !Array.isArray(answers.accounts)) throw new Error('.atmos-oidc.yaml: repository and accounts are required');
  return answers;
}

interface StacksConfig {
  basePath: string;
  included: string[];
  excluded: string[];
  nameTemplate: string | null;
  namePattern: string | null;
}

/** Where stack manifests are and how stacks are named, from `atmos.yaml` (defaults: stacks/orgs/**). */
function atmosStacksConfig(dir: string): StacksConfig {
  const stacks = existsSync(join(dir, 'atmos.yaml')) ? (readYamlFile(dir, 'atmos.yaml', { atmos: true }).stacks ?? {}) : {};
  return {
    basePath: stacks.base_path ?? 'stacks',
    included: stacks.included_paths ?? ['orgs/**/*'],
    excluded: stacks.excluded_paths ?? [],
    nameTemplate: stacks.name_template ?? null,
    namePattern: stacks.name_pattern ?? null,
  };
}

export interface Stack {
  name: string;
  /** The top-level manifest, relative to the repository root. */
  file: string;
  /** The manifest with its imports deep-merged in order, then its own keys. */
  config: Obj;
}

function loadManifest(dir: string, basePath: string, file: string, seen: string[]): Obj {
  if (seen.includes(file)) throw new Error(`import cycle: ${[...seen, file].join(' -> ')}`);
  const doc = readYamlFile(dir, file, { atmos: true });
  let merged: Obj = {};
  for (const entry of doc.import ?? []) {
    const target = typeof entry === 'string' ? entry : entry?.path;
    if (typeof target !== 'string' || /[*?{]/.test(target)) throw new Error(`${file}: import ${JSON.stringify(entry)} is not a plain path`);
    const root = target.startsWith('.') ? dirname(file) : basePath;
    const candidates = [target, `${target}.yaml`, `${target}.yml`].map((t) => join(root, t).split('\\').join('/'));
    const found = candidates.find((c) => existsSync(join(dir, c)) && statSync(join(dir, c)).isFile());
    if (!found) throw new Error(`${file}: import "${target}" not found under ${root}`);
    merged = merge(merged, loadManifest(dir, basePath, found, [...seen, file]));
  }
  const { import: _imports, ...own } = doc;
  return merge(merged, own);
}

/** Every stack: the manifests Atmos includes, named by `name:`, else name_template, else name_pattern, else the file. */
export function loadStacks(dir: string): Stack[] {
  const cfg = atmosStacksConfig(dir);
  const included = cfg.included.map(globToRegExp);
  const excluded = cfg.excluded.map(globToRegExp);
  const files = listFiles(join(dir, cfg.basePath)).filter((f) => isYaml(f) && included.some((r) => r.test(f)) && !excluded.some((r) => r.test(f)));
  return files.map((rel) => {
    const file = `${cfg.basePath}/${rel}`;
    const own = readYamlFile(dir, file, { atmos: true });
    const config = loadManifest(dir, cfg.basePath, file, []);
    const vars: Obj = config.vars ?? {};
    let name: string;
    if (typeof own.name === 'string') name = own.name;
    else if (cfg.nameTemplate) name = cfg.nameTemplate.replace(/\{\{\s*\.vars\.(\w+)\s*\}\}/g, (_, key: string) => String(vars[key] ?? ''));
    else if (cfg.namePattern) name = cfg.namePattern.replace(/\{(\w+)\}/g, (_, key: string) => String(vars[key] ?? ''));
    else name = rel.replace(/\.ya?ml$/, '');
    if (!name || name.includes('{{')) throw new Error(`${file}: cannot compute the stack name`);
    return { name, file, config };
  });
}

/**
 * A Terraform component's configuration in a stack as Atmos resolves it: the stack's global and
 * `terraform:` sections, then each component it inherits from (`metadata.inherits`), then its own
 * sections; `metadata` is the component's own.
 */
export function resolveComponent(stack: Stack, component: string): Obj {
  const section: Obj = stack.config.components?.terraform ?? {};
  if (!isMap(section[component])) throw new Error(`stack ${stack.name}: no component ${component}`);
  const chain: string[] = [];
  const visit = (name: string): void => {
    const cfg = section[name];
    if (!isMap(cfg)) throw new Error(`stack ${stack.name}: ${component} inherits missing component ${name}`);
    for (const parent of cfg.metadata?.inherits ?? []) visit(parent);
    if (!chain.includes(name)) chain.push(name);
  };
  visit(component);
  const globals = { vars: stack.config.vars, settings: stack.config.settings, env: stack.config.env };
  const terraform = { vars: stack.config.terraform?.vars, settings: stack.config.terraform?.settings, env: stack.config.terraform?.env };
  const layers = chain.map((name) => {
    const { metadata: _metadata, ...rest } = section[name];
    return rest;
  });
  return { ...merge(globals, terraform, ...layers), metadata: section[component].metadata ?? {} };
}

const componentType = (name: string, cfg: Obj): string => cfg.metadata?.component ?? name;
const isDeployed = (cfg: Obj): boolean => cfg.metadata?.type !== 'abstract' && cfg.metadata?.enabled !== false && cfg.vars?.enabled !== false;

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The null-label id the component names its role with: labels in `label_order`, lower-cased. */
function labelId(vars: Obj): string {
  const order: string[] = vars.label_order ?? ['namespace', 'environment', 'stage', 'name', 'attributes'];
  const delimiter: string = vars.delimiter ?? '-';
  const labels = order
    .flatMap((key) => (key === 'attributes' ? (vars.attributes ?? []) : [vars[key]]))
    .filter((v) => v !== undefined && v !== null && v !== '')
    .map((v) => String(v).replace(/[^-a-zA-Z0-9]/g, ''));
  const id = labels.join(delimiter);
  return vars.label_value_case === 'none' ? id : id.toLowerCase();
}

/** An IAM role that a stack creates with the `iam-role` component, and the trust it gets. */
export interface StackRole {
  stack: string;
  accountId: string;
  /** The component instance, e.g. `iam-role/terraform`. */
  component: string;
  arn: string;
  /** `github_oidc_provider_arn` as resolved in the stack. */
  providerArn: string | null;
  /** Who puts that provider into the account: `stack <name>`, `existing` (declared reused), or null. */
  providerSource: string | null;
  /** The `sub` patterns of the GitHub statement; empty when the component emits none. */
  patterns: string[];
}

interface Repo {
  answers: Answers;
  stacks: Stack[];
  workflows: Workflow[];
  roles: StackRole[];
}

function accountOf(answers: Answers, stack: Stack): string {
  const stage = stack.config.vars?.stage;
  const account = answers.accounts.find((a) => a.stage === stage);
  if (!account) throw new Error(`${stack.file}: stage ${stage} is not an account of .atmos-oidc.yaml`);
  return String(account.id);
}

function readRepo(dir: string): Repo {
  const answers = readAnswers(dir);
  const stacks = loadStacks(dir);
  const providers = new Map<string, string>();
  for (const a of answers.accounts) if (a.oidc_provider_arn) providers.set(a.oidc_provider_arn, 'existing');
  for (const stack of stacks) {
    for (const [name, cfg] of Object.entries<Obj>(stack.config.components?.terraform ?? {})) {
      if (componentType(name, cfg) !== 'github-oidc-provider') continue;
      const resolved = resolveComponent(stack, name);
      if (!isDeployed(resolved)) continue;
      const arn = `arn:${partitionOf(String(resolved.vars.region))}:iam::${accountOf(answers, stack)}:oidc-provider/token.actions.githubusercontent.com`;
      if (!providers.has(arn)) providers.set(arn, `stack ${stack.name}`);
    }
  }
  const roles: StackRole[] = [];
  for (const stack of stacks) {
    for (const [name, cfg] of Object.entries<Obj>(stack.config.components?.terraform ?? {})) {
      if (componentType(name, cfg) !== 'iam-role') continue;
      const resolved = resolveComponent(stack, name);
      if (!isDeployed(resolved)) continue;
      const vars: Obj = resolved.vars;
      if (vars.use_fullname === false) throw new Error(`${stack.file}: ${name} sets use_fullname: false, which this reader does not model`);
      const roleName = labelId(vars);
      if (roleName.length > 64) throw new Error(`${stack.file}: ${name}: role name ${roleName} is longer than 64 characters`);
      const accountId = accountOf(answers, stack);
      const repos: string[] = vars.trusted_github_repos ?? [];
      const providerArn = typeof vars.github_oidc_provider_arn === 'string' && vars.github_oidc_provider_arn ? vars.github_oidc_provider_arn : null;
      const emitsStatement = vars.github_oidc_provider_enabled === true && providerArn !== null && repos.length > 0;
      roles.push({
        stack: stack.name,
        accountId,
        component: name,
        arn: `arn:${partitionOf(String(vars.region))}:iam::${accountId}:role/${roleName}`,
        providerArn,
        providerSource: providerArn ? (providers.get(providerArn) ?? null) : null,
        patterns: emitsStatement ? repos.map((entry) => trustPattern(entry, vars.trusted_github_org ?? null)) : [],
      });
    }
  }
  return { answers, stacks, workflows: readWorkflows(dir), roles };
}

/** Every IAM role the stacks create, with its ARN, provider and trust patterns. */
export function stackRoles(dir: string): StackRole[] {
  return readRepo(dir).roles;
}

/** The subject GitHub puts before the context: `owner/repo`, or `owner@id/repo@id` with immutable ids. */
function subjectOf(answers: Answers): string {
  const [owner, repo] = answers.repository.split('/');
  const ids = answers.repository_ids;
  return ids ? `${owner}@${ids.owner}/${repo}@${ids.repo}` : `${owner}/${repo}`;
}

/** The GitHub Environment names a job's `environment:` takes when it runs for `stack`. */
function environmentsFor(repo: Repo, workflow: Workflow, jobId: string, raw: string, stack: Stack | null): string[] {
  if (!raw.includes('${{')) return [raw];
  // A matrix job runs one entry per stack: the entry whose `stage` is the stack's (the job passes
  // `-s "$STAGE"` from matrix.stage), and its environment is that entry's value.
  const fromMatrix = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(raw.trim());
  if (fromMatrix) {
    const job: Obj = workflow.doc.jobs[jobId];
    const include: Obj[] = Array.isArray(job.strategy?.matrix?.include) ? job.strategy.matrix.include : [];
    if (!stack) throw new Error(`${workflow.path}: job ${jobId}: environment ${raw} depends on a stack, and no stack matches`);
    const entries = include.filter((entry) => isMap(entry) && entry.stage === stack.config.vars?.stage);
    if (entries.length === 0) throw new Error(`${workflow.path}: job ${jobId}: no matrix entry for stack ${stack.name}`);
    return entries.map((entry) => String(entry[fromMatrix[1]]));
  }
  const input = /^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$/.exec(raw.trim());
  if (!input) throw new Error(`${workflow.path}: job ${jobId}: environment ${raw} cannot be resolved offline`);
  if (!stack) throw new Error(`${workflow.path}: job ${jobId}: environment ${raw} depends on a stack, and no stack matches`);
  const vars: Obj = stack.config.vars ?? {};
  const expand = (value: string): string =>
    value.replace(/\{\{\s*\.vars\.(\w+)\s*\}\}/g, (_, key: string) => {
      if (vars[key] === undefined) throw new Error(`${stack.file}: {{ .vars.${key} }} is not set`);
      return String(vars[key]);
    });
  if (repo.answers.atmos_pro === false) {
    // Without Atmos Pro a person dispatches the apply; the environment they are meant to name per stack.
    if (!repo.answers.apply_environment) throw new Error(`.atmos-oidc.yaml: no apply_environment for ${workflow.path}`);
    return [repo.answers.apply_environment.replaceAll('{stage}', String(vars.stage))];
  }
  // Atmos Pro dispatches the workflow with the inputs of settings.pro (any event), evaluated per stack.
  const values = new Set<string>();
  const walk = (node: unknown): void => {
    if (!isMap(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'workflows' && isMap(value) && isMap(value[workflow.file]?.inputs) && input[1] in value[workflow.file].inputs)
        values.add(expand(String(value[workflow.file].inputs[input[1]])));
      walk(value);
    }
  };
  walk(stack.config.settings?.pro);
  if (values.size === 0) throw new Error(`${stack.file}: settings.pro dispatches ${workflow.file} without input ${input[1]}`);
  for (const v of values) if (v.includes('{{')) throw new Error(`${stack.file}: ${input[1]} "${v}" is a template this reader cannot evaluate`);
  return [...values];
}

/**
 * The contexts of a job's `sub` claim (reference/domain.md section 2): an environment wins over a pull
 * request, which wins over the ref. Dispatched and scheduled runs are on the default branch.
 */
function contextsFor(repo: Repo, workflow: Workflow, jobId: string, job: Obj, stack: Stack | null): string[] {
  const encode = (s: string): string => s.replaceAll(':', '%3A');
  const environment = isMap(job.environment) ? job.environment.name : job.environment;
  if (environment !== undefined && environment !== null)
    return environmentsFor(repo, workflow, jobId, String(environment), stack).map((env) => `environment:${encode(env)}`);
  const defaultBranch = repo.answers.default_branch ?? 'main';
  const contexts = new Set<string>();
  for (const [event, filter] of Object.entries(triggersOf(workflow))) {
    if (event === 'pull_request') contexts.add('pull_request');
    else if (event === 'push') {
      if (isMap(filter) && (filter.tags || filter['tags-ignore'])) throw new Error(`${workflow.path}: push on tags is not modelled`);
      const branches: unknown[] = isMap(filter) && Array.isArray(filter.branches) ? filter.branches : [defaultBranch];
      for (const branch of branches) {
        if (typeof branch !== 'string' || /[*?[!]/.test(branch)) throw new Error(`${workflow.path}: push branch pattern ${String(branch)} is not modelled`);
        contexts.add(`ref:${encode(`refs/heads/${branch}`)}`);
      }
    } else if (event === 'schedule' || event === 'workflow_dispatch') contexts.add(`ref:${encode(`refs/heads/${defaultBranch}`)}`);
    else throw new Error(`${workflow.path}: trigger ${event} is not modelled by the credential chain reader`);
  }
  return [...contexts];
}

/** The role ARNs a `role-to-assume` value takes: a literal, or `${{ matrix.<key> }}` over the job's matrix. */
function roleArnsOf(workflow: Workflow, jobId: string, job: Obj, value: string): string[] {
  if (!value.includes('${{')) return [value];
  const ref = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(value.trim());
  const matrix = job.strategy?.matrix;
  if (!ref || !isMap(matrix)) throw new Error(`${workflow.path}: job ${jobId}: role-to-assume ${value} cannot be resolved offline`);
  if (matrix.exclude) throw new Error(`${workflow.path}: job ${jobId}: matrix exclude is not modelled`);
  const key = ref[1];
  const values = [...(Array.isArray(matrix[key]) ? matrix[key] : []), ...(Array.isArray(matrix.include) ? matrix.include.map((entry: Obj) => entry?.[key]) : [])];
  if (values.length === 0 || values.some((v) => typeof v !== 'string')) throw new Error(`${workflow.path}: job ${jobId}: matrix.${key} has no role ARNs`);
  return [...new Set<string>(values)];
}

/** The Atmos auth configuration a job sees in a stack: root atmos.yaml, then the profile(s), then the stack's own `auth`. */
function authFor(dir: string, profile: string, stack: Stack): Obj {
  const layers: unknown[] = [];
  if (existsSync(join(dir, 'atmos.yaml'))) layers.push(readYamlFile(dir, 'atmos.yaml', { atmos: true }).auth);
  for (const name of profile.split(',').map((p) => p.trim())) {
    const path = `profiles/${name}/atmos.yaml`;
    if (!existsSync(join(dir, path))) throw new Error(`ATMOS_PROFILE=${profile}: ${path} does not exist`);
    layers.push(readYamlFile(dir, path, { atmos: true }).auth);
  }
  for (const [name, cfg] of Object.entries<Obj>(stack.config.components?.terraform ?? {}))
    if (isMap(cfg) && cfg.auth) throw new Error(`${stack.file}: component ${name} has its own auth block, which this reader does not model`);
  layers.push(stack.config.auth, stack.config.terraform?.auth);
  return merge(...layers);
}

/** One way a job gets credentials for one account: what it sends and what it meets there. */
export interface CredentialChain {
  workflow: string;
  job: string;
  via: 'atmos' | 'configure-aws-credentials';
  /** The stack (account) the credentials are for; null when the role ARN matches no stack's role. */
  stack: string | null;
  /** The Atmos identity (ATMOS_IDENTITY, else the profile's default); null for configure-aws-credentials. */
  identity: string | null;
  /** The role the job asks for. */
  roleArn: string;
  /** The `aud` it asks for: the Atmos provider's spec.audience, or the action's audience input. */
  audience: string | null;
  /** `owner/repo` or `owner@id/repo@id`, as GitHub puts it into `sub`. */
  subject: string;
  /** Every `sub` the job can send, with its context. */
  claims: { context: string; sub: string }[];
  /** The role the catalog and stack create under `roleArn`; null when none does (a broken chain). */
  role: StackRole | null;
}

/**
 * For every account (stack) and every job that obtains AWS credentials: the `sub` claims it can send,
 * the identity and role it asks for, and the role (provider, trust patterns) the stacks create under
 * that ARN. A job that runs Atmos gets one chain per stack; a configure-aws-credentials job one per ARN.
 */
export function credentialChains(dir: string): CredentialChain[] {
  const repo = readRepo(dir);
  const subject = subjectOf(repo.answers);
  const chains: CredentialChain[] = [];
  const claimsFor = (workflow: Workflow, jobId: string, job: Obj, stack: Stack | null): CredentialChain['claims'] =>
    contextsFor(repo, workflow, jobId, job, stack).map((context) => ({ context, sub: `repo:${subject}:${context}` }));
  for (const workflow of repo.workflows) {
    for (const [jobId, job] of Object.entries<Obj>(workflow.doc.jobs)) {
      for (const step of credentialSteps(workflow, jobId, job)) {
        if (step.kind === 'configure-aws-credentials') {
          for (const roleArn of roleArnsOf(workflow, jobId, job, step.roleToAssume)) {
            const role = repo.roles.find((r) => r.arn === roleArn) ?? null;
            const stack = role ? (repo.stacks.find((s) => s.name === role.stack) ?? null) : null;
            chains.push({ workflow: workflow.path, job: jobId, via: step.kind, stack: stack?.name ?? null, identity: null, roleArn, audience: step.audience, subject, claims: claimsFor(workflow, jobId, job, stack), role });
          }
          continue;
        }
        for (const stack of repo.stacks) {
          const auth = authFor(dir, step.profile, stack);
          const identities: Obj = auth.identities ?? {};
          let identity = step.identity;
          if (identity === null) {
            const defaults = Object.keys(identities).filter((id) => identities[id]?.default === true);
            if (defaults.length !== 1) throw new Error(`stack ${stack.name}, profile ${step.profile}: ${defaults.length} default identities (${defaults.join(', ')}); exactly one is needed`);
            identity = defaults[0];
          }
          const spec: Obj | undefined = identities[identity];
          if (!isMap(spec)) throw new Error(`${workflow.path}: job ${jobId}: identity ${identity} is not in profile ${step.profile}`);
          if (spec.kind !== 'aws/assume-role' || !isMap(spec.via) || typeof spec.via.provider !== 'string')
            throw new Error(`identity ${identity}: only aws/assume-role via a provider is modelled`);
          const provider: Obj | undefined = auth.providers?.[spec.via.provider];
          const audience = isMap(provider) && provider.kind === 'github/oidc' ? (provider.spec?.audience ?? null) : null;
          const roleArn = String(spec.principal?.assume_role ?? '');
          const role = repo.roles.find((r) => r.arn === roleArn && r.stack === stack.name) ?? null;
          chains.push({ workflow: workflow.path, job: jobId, via: 'atmos', stack: stack.name, identity, roleArn, audience, subject, claims: claimsFor(workflow, jobId, job, stack), role });
        }
      }
    }
  }
  return chains;
}

/** The setup and the roles used for apply, as `.atmos-oidc.yaml` records them. */
export function setupOf(dir: string): { setup: string; defaultBranch: string; applyRoleNames: string[] } {
  const answers = readAnswers(dir);
  return {
    setup: answers.setup ?? 'basic',
    defaultBranch: answers.default_branch ?? 'main',
    applyRoleNames: (answers.roles ?? []).filter((r) => r.used_for?.includes('apply')).map((r) => r.name),
  };
}
