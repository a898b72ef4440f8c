/**
 * Discovery of an existing Atmos repository, for adopting it: where its configuration is, how its
 * stacks are named and which manifests are stacks, each stack's account, region, namespace and
 * labels, its backend, the GitHub OIDC providers and roles it already deploys (with their trust),
 * the profiles and identities it has, and the workflows it runs. Read-only, over the same `Repo`
 * and stack resolver `check` uses, so adoption and `check` agree on what the repository is.
 *
 * Where the configuration is comes from `discoverAtmosConfig` (src/atmos/discover.ts), through
 * `loadAtmosConfig`, exactly as `check` finds it.
 */
import { loadAtmosConfig, Profiles, isYamlFile, type AtmosConfig, type Report } from './config.ts';
import type { DiscoverOptions } from './discover.ts';
import type { Finding } from './findings.ts';
import { nullLabelId } from './label.ts';
import { joinPath, Repo, type RepoFiles } from './repo.ts';
import { Stacks, type ComponentInstance, type Stack } from './stacks.ts';
import { isPlainObject } from './yaml.ts';

export interface DiscoveredRole {
  stack: string;
  instance: string;
  /** `iam-role` (aws-iam-role) or `github-oidc-role` (Cloud Posse's older component). */
  kind: 'iam-role' | 'github-oidc-role';
  /** The IAM role name the component creates, when known offline. */
  roleName: string | null;
  /** Trust entries (`trusted_github_repos`, or `github_actions_allowed_repos` of github-oidc-role); null when computed at run time. */
  trust: string[] | null;
  enabled: boolean;
}

export interface DiscoveredStack {
  name: string;
  /** The top-level manifest (the file an import is added to). */
  file: string;
  namespace: string | null;
  tenant: string | null;
  environment: string | null;
  stage: string | null;
  region: string | null;
  labelOrder: string[] | null;
  /** The AWS account id, and where it was read. */
  account: string | null;
  accountFrom: string | null;
  backendType: string | null;
  backend: Record<string, any> | null;
  /** Instances of `github-oidc-provider` that deploy a provider in this stack, with the files that define each. */
  providers: Array<{ instance: string; files: string[] }>;
  roles: DiscoveredRole[];
  /** `settings.pro.enabled` is true in this stack (Atmos Pro dispatches its workflows). */
  pro: boolean;
  /** The files of the stack (the manifest and its imports) that set `settings.pro`. */
  proFiles: string[];
  /** Every var of the stack (global and `terraform:`), for naming what the tool adds. */
  vars: Record<string, any>;
}

export interface DiscoveredIdentity {
  name: string;
  kind: string | null;
  isDefault: boolean;
  assumeRole: string | null;
  viaProvider: string | null;
  /** `principal.account` of a permission set: `{ name, id }` when written. */
  account: { name: string | null; id: string | null } | null;
}

export interface DiscoveredProfile {
  name: string;
  files: string[];
  providers: Array<{ name: string; kind: string | null }>;
  identities: DiscoveredIdentity[];
}

export interface DiscoveredWorkflow {
  path: string;
  name: string | null;
  triggers: string[];
  jobs: string[];
  /** What it does, in a few words, for the summary. */
  summary: string;
}

export interface Discovery {
  /** The configuration Atmos reads (`config.file` null when the repository has none). */
  config: AtmosConfig;
  stacks: DiscoveredStack[];
  /** Stack names more than one manifest resolves to. */
  duplicates: Array<{ name: string; files: string[] }>;
  profiles: DiscoveredProfile[];
  /** Identities of `atmos.yaml`'s own `auth` section. */
  rootIdentities: DiscoveredIdentity[];
  workflows: DiscoveredWorkflow[];
  /** `owner/repo` of the `origin` remote when it is on GitHub. */
  repository: string | null;
  /** What reading the repository reported (invalid YAML, missing imports). */
  findings: Finding[];
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value : typeof value === 'number' ? String(value) : null;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\//;

function identitiesOf(auth: unknown): DiscoveredIdentity[] {
  const identities = isPlainObject(auth) && isPlainObject(auth.identities) ? auth.identities : {};
  return Object.entries(identities).map(([name, def]) => {
    const d = isPlainObject(def) ? def : {};
    const principal = isPlainObject(d.principal) ? d.principal : {};
    const account = isPlainObject(principal.account) ? { name: str(principal.account.name), id: str(principal.account.id) } : null;
    return {
      name,
      kind: str(d.kind),
      isDefault: d.default === true,
      assumeRole: str(principal.assume_role),
      viaProvider: isPlainObject(d.via) ? str(d.via.provider) : null,
      account,
    };
  });
}

/** The account a stack deploys into: its vars, else the role ARNs of its auth, else a permission set named after it. */
function stackAccount(stack: Stack, people: DiscoveredIdentity[]): { id: string; from: string } | null {
  for (const key of ['account_id', 'aws_account_id']) {
    const v = stack.vars[key];
    if ((typeof v === 'string' || typeof v === 'number') && /^\d{12}$/.test(String(v))) return { id: String(v), from: `vars.${key}` };
  }
  const fromAuth = new Set<string>();
  for (const id of identitiesOf(stack.auth)) {
    const m = id.assumeRole ? ROLE_ARN.exec(id.assumeRole) : null;
    if (m) fromAuth.add(m[1]);
  }
  if (fromAuth.size === 1) return { id: [...fromAuth][0], from: 'auth role ARNs' };
  const stage = str(stack.vars.stage);
  const tenant = str(stack.vars.tenant);
  const names = [stage, tenant && stage ? `${tenant}-${stage}` : null].filter((x): x is string => Boolean(x));
  for (const id of people) if (id.account?.id && id.account.name && names.includes(id.account.name) && /^\d{12}$/.test(id.account.id)) return { id: id.account.id, from: `profile identity ${id.name}` };
  return null;
}

function isProvider(c: ComponentInstance): boolean {
  return c.base === 'github-oidc-provider' || /aws-github-oidc-provider/.test(JSON.stringify(c.source ?? ''));
}

function roleKind(c: ComponentInstance): DiscoveredRole['kind'] | null {
  if (c.base === 'github-oidc-role' || /aws-github-oidc-role/.test(JSON.stringify(c.source ?? ''))) return 'github-oidc-role';
  if (c.base === 'iam-role' || /aws-iam-role/.test(JSON.stringify(c.source ?? ''))) return 'iam-role';
  return null;
}

function describeStack(repo: Repo, stack: Stack, people: DiscoveredIdentity[]): DiscoveredStack {
  const v = stack.vars;
  const terraform = isPlainObject(stack.raw.terraform) ? stack.raw.terraform : {};
  const backendType = str(terraform.backend_type) ?? str(stack.raw.backend_type);
  const backendSection = isPlainObject(terraform.backend) ? terraform.backend : isPlainObject(stack.raw.backend) ? stack.raw.backend : null;
  const backend = backendType && backendSection && isPlainObject(backendSection[backendType]) ? backendSection[backendType] : null;
  const account = stackAccount(stack, people);
  const providers: DiscoveredStack['providers'] = [];
  const definedIn = (instance: string): string[] =>
    stack.files.filter((f) => {
      const v = repo.yaml(f)?.value;
      return isPlainObject(v) && isPlainObject(v.components) && isPlainObject(v.components.terraform) && v.components.terraform[instance] !== undefined;
    });
  const roles: DiscoveredRole[] = [];
  for (const c of stack.components.values()) {
    if (c.abstract) continue;
    const enabled = c.enabled && c.vars.enabled !== false;
    if (isProvider(c)) {
      if (enabled) providers.push({ instance: c.name, files: definedIn(c.name) });
      continue;
    }
    const kind = roleKind(c);
    if (!kind) continue;
    // aws-github-oidc-role passes github_actions_allowed_repos as trusted_github_repos to
    // account-map's team-assume-role-policy (cloudposse-terraform-components/aws-github-oidc-role src/main.tf).
    const raw = kind === 'github-oidc-role' ? c.vars.github_actions_allowed_repos : c.vars.trusted_github_repos;
    const trust = Array.isArray(raw) && raw.every((e) => typeof e === 'string') ? (raw as string[]) : raw === undefined || raw === null ? [] : null;
    roles.push({ stack: stack.name, instance: c.name, kind, roleName: nullLabelId(c.vars), trust, enabled });
  }
  const pro = isPlainObject(stack.raw.settings) && isPlainObject(stack.raw.settings.pro) && stack.raw.settings.pro.enabled === true;
  const proFiles = stack.files.filter((f) => {
    const v = repo.yaml(f)?.value;
    return isPlainObject(v) && isPlainObject(v.settings) && v.settings.pro !== undefined;
  });
  return {
    name: stack.name,
    file: stack.file,
    namespace: str(v.namespace),
    tenant: str(v.tenant),
    environment: str(v.environment),
    stage: str(v.stage),
    region: str(v.region),
    labelOrder: Array.isArray(v.label_order) ? v.label_order.map(String) : null,
    account: account?.id ?? null,
    accountFrom: account?.from ?? null,
    backendType,
    backend,
    providers,
    roles,
    pro,
    proFiles,
    vars: v,
  };
}

const TRIGGER_WORDS: Record<string, string> = {
  pull_request: 'pull requests',
  push: 'pushes',
  workflow_dispatch: 'on demand',
  schedule: 'on a schedule',
  release: 'releases',
  merge_group: 'the merge queue',
  workflow_run: 'after another workflow',
  workflow_call: 'when called',
};

/** Every workflow's name, triggers, jobs and what it runs, read leniently. */
export function readWorkflows(repo: Repo): DiscoveredWorkflow[] {
  const out: DiscoveredWorkflow[] = [];
  for (const path of repo.under('.github/workflows').filter(isYamlFile)) {
    if (path.split('/').length !== 3) continue;
    const parsed = repo.yaml(path);
    const v = parsed && isPlainObject(parsed.value) ? parsed.value : {};
    const on = v.on ?? v[true as unknown as string];
    const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : isPlainObject(on) ? Object.keys(on) : [];
    const jobs = isPlainObject(v.jobs) ? Object.keys(v.jobs) : [];
    const text = repo.read(path) ?? '';
    const does: string[] = [];
    if (/atmos\s+terraform\s+(plan)/.test(text) || /github-action-atmos-terraform-plan/.test(text)) does.push('terraform plan');
    if (/atmos\s+terraform\s+(apply|deploy)/.test(text) || /github-action-atmos-terraform-apply/.test(text)) does.push('terraform apply');
    if (/describe\s+affected|affected-stacks/.test(text)) does.push('affected stacks');
    if (/configure-aws-credentials/.test(text)) does.push('AWS credentials');
    out.push({
      path,
      name: str(v.name),
      triggers,
      jobs,
      summary: `${does.length ? does.join(', ') : 'no Atmos or AWS steps'}; runs on ${triggers.map((t) => TRIGGER_WORDS[t] ?? t).join(', ') || 'no trigger'}`,
    });
  }
  return out;
}

/** `owner/repo` of the `origin` remote in `.git/config`, when it is a GitHub URL. */
export function gitOrigin(repo: Repo): string | null {
  const text = repo.read('.git/config');
  if (!text) return null;
  const section = /\[remote "origin"\]([^[]*)/.exec(text);
  const url = section && /^\s*url\s*=\s*(\S+)/m.exec(section[1]);
  const m = url && /github\.com[:/]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url[1]);
  return m ? `${m[1]}/${m[2]}` : null;
}

/** Read the repository behind `files` for adoption. Never throws for problems in the repository. */
export function discover(files: RepoFiles, where: DiscoverOptions = {}): Discovery {
  const repo = new Repo(files);
  const findings: Finding[] = [];
  const report: Report = (f) => void findings.push(f);
  const config = loadAtmosConfig(repo, report, null, where);
  const workflows = readWorkflows(repo);
  const repository = gitOrigin(repo);
  if (!config.file) return { config, stacks: [], duplicates: [], profiles: [], rootIdentities: [], workflows, repository, findings };
  const profilesReader = new Profiles(repo, config, report);
  const profiles: DiscoveredProfile[] = profilesReader.available().map((name) => {
    const dir = joinPath(config.profilesBasePath, name);
    const profileFiles = repo.under(dir).filter(isYamlFile);
    const auth = profilesReader.active([name]).auth;
    const providers = isPlainObject(auth.providers) ? Object.entries(auth.providers).map(([n, d]) => ({ name: n, kind: isPlainObject(d) ? str(d.kind) : null })) : [];
    return { name, files: profileFiles, providers, identities: identitiesOf(auth) };
  });
  const rootIdentities = identitiesOf(config.raw.auth);
  const people = [...rootIdentities, ...profiles.flatMap((p) => p.identities)];
  const resolver = new Stacks(repo, config, report);
  const all = resolver.all();
  const byName = new Map<string, string[]>();
  for (const s of all) byName.set(s.name, [...(byName.get(s.name) ?? []), s.file]);
  const duplicates = [...byName].filter(([, f]) => f.length > 1).map(([name, f]) => ({ name, files: f }));
  const stacks = all.map((s) => describeStack(repo, s, people));
  return { config, stacks, duplicates, profiles, rootIdentities, workflows, repository, findings };
}
