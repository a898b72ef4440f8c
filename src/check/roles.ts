/**
 * The AWS side, as the components build it: every IAM role an `aws-iam-role` instance creates
 * (its null-label name, account, ARN and GitHub trust patterns by the component's rules), every
 * GitHub OIDC provider an `aws-github-oidc-provider` instance deploys, the account of each stack,
 * and the findings about roles and providers that hold whatever the workflows do.
 */
import { partitionOf } from '../answers/regions.ts';
import { admits, subClaim, trustEntryWarnings, trustPattern } from '../setup/trust.ts';
import type { Report } from '../atmos/config.ts';
import { finding, type FindingCode, type Severity } from '../atmos/findings.ts';
import { patternRepository, type AnswersFacts, type Subject } from './repository.ts';
import type { ComponentInstance, Place, Stack, Stacks } from '../atmos/stacks.ts';
import { hasTemplate } from '../atmos/template.ts';
import { isPlainObject, isYamlFunction, YamlFunction } from '../atmos/yaml.ts';

export const PROVIDER_HOST_PATH = 'oidc-provider/token.actions.githubusercontent.com';
const ADMIN_POLICY = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

export interface RoleInfo {
  stack: Stack;
  component: ComponentInstance;
  /** The IAM role name, or null when a label is only known at run time. */
  name: string | null;
  account: string | null;
  arn: string | null;
  /** The instance is enabled and `vars.enabled` is not false: the role exists after apply. */
  created: boolean;
  /** The component emits its GitHub statement (`github_oidc_provider_enabled` and entries). */
  github: boolean;
  org: string | null;
  /** `trusted_github_repos`, or null when unknowable. */
  entries: string[] | null;
  patterns: string[] | null;
  /** `github_oidc_provider_arn`: a string, null when unset, or the opaque value. */
  providerArn: string | null | YamlFunction;
  admin: boolean;
  trustPlace: Place;
  /** `iam-role` (aws-iam-role) or Cloud Posse's older `github-oidc-role` component. */
  kind: 'iam-role' | 'github-oidc-role';
  /** The input that holds the trust entries: `trusted_github_repos`, or `github_actions_allowed_repos`. */
  entriesVar: string;
}

export interface ProviderInfo {
  stack: Stack;
  component: ComponentInstance;
  account: string | null;
  created: boolean;
}

/**
 * An instance of the `aws-iam-role` component: by its source, by its Terraform component's name,
 * or (vendored under another name) by the component's GitHub inputs. A stack fragment that only
 * sets `trusted_github_repos` for a component defined elsewhere is not one by itself.
 */
export function isRoleComponent(c: ComponentInstance): boolean {
  return sourceUri(c.source).includes('aws-iam-role') || /(^|[/-])iam-role$/.test(c.base) || ('trusted_github_repos' in c.vars && 'github_oidc_provider_enabled' in c.vars);
}

/**
 * Cloud Posse's older `github-oidc-role` component (cloudposse-terraform-components/aws-github-oidc-role,
 * src/main.tf): role name `module.this.id`, trust from account-map's team-assume-role-policy module
 * given only `trusted_github_repos = var.github_actions_allowed_repos` (so `trusted_github_org` keeps
 * its default "cloudposse", src/modules/team-assume-role-policy/github-assume-role-policy.mixin.tf in
 * aws-account-map), a GitHub statement whenever that list is non-empty, and the provider read from
 * the `github-oidc-provider` component's remote state in the `gbl` environment of the same stage.
 */
export function isGithubOidcRoleComponent(c: ComponentInstance): boolean {
  return sourceUri(c.source).includes('aws-github-oidc-role') || /(^|[/-])github-oidc-role$/.test(c.base) || 'github_actions_allowed_repos' in c.vars;
}

/** The org account-map's module assumes for entries without one, as github-oidc-role leaves it. */
export const GITHUB_OIDC_ROLE_ORG = 'cloudposse';

export function isProviderComponent(c: ComponentInstance): boolean {
  return sourceUri(c.source).includes('aws-github-oidc-provider') || /github-oidc-provider$/.test(c.base);
}

function sourceUri(source: unknown): string {
  if (typeof source === 'string') return source;
  if (isPlainObject(source) && typeof source.uri === 'string') return source.uri;
  return '';
}

export function parseArn(arn: string): { partition: string; service: string; account: string; resource: string } | null {
  const m = /^arn:([\w-]+):([\w-]+):[\w-]*:(\d{12})?:(.+)$/.exec(arn);
  return m ? { partition: m[1], service: m[2], account: m[3] ?? '', resource: m[4] } : null;
}

/** `arn:…:role/path/name` → `{account, name}`. */
export function roleArnParts(arn: string): { account: string; name: string; partition: string } | null {
  const p = parseArn(arn);
  if (!p || p.service !== 'iam' || !p.resource.startsWith('role/')) return null;
  return { account: p.account, name: p.resource.split('/').pop() ?? '', partition: p.partition };
}

function known(value: unknown): value is string | number | boolean {
  return (typeof value === 'string' && !hasTemplate(value)) || typeof value === 'number' || typeof value === 'boolean';
}

import { nullLabelId } from '../atmos/label.ts';
export { nullLabelId };

export interface AwsSide {
  roles: RoleInfo[];
  providers: ProviderInfo[];
  stackAccounts: Map<string, string | null>;
  /** Roles by `account/name` (and `?/name` for roles whose account is unknown). */
  byKey: Map<string, RoleInfo[]>;
  providersByAccount: Map<string, ProviderInfo[]>;
  /** Accounts whose provider the answers file says exists already (reused, not deployed). */
  reusedProviders: Map<string, string>;
  /** A stack file that is not valid YAML (roles it would create are unknown), or null. */
  unreadable: string | null;
}

/** The account a stack deploys into: the answers file, else the stack's own role ARNs, else its vars. */
function stackAccount(stack: Stack, answers: AnswersFacts | null): string | null {
  const stage = typeof stack.vars.stage === 'string' ? stack.vars.stage : null;
  const account = answers?.accounts.find((a) => a.stage === stack.name) ?? (stage ? answers?.accounts.find((a) => a.stage === stage) : undefined);
  if (account) return account.id;
  const fromAuth = new Set<string>();
  const identities = isPlainObject(stack.auth.identities) ? stack.auth.identities : {};
  for (const def of Object.values(identities)) {
    const arn = isPlainObject(def) && isPlainObject(def.principal) ? def.principal.assume_role : null;
    const parts = typeof arn === 'string' ? roleArnParts(arn) : null;
    if (parts?.account) fromAuth.add(parts.account);
  }
  if (fromAuth.size === 1) return [...fromAuth][0];
  for (const key of ['account_id', 'aws_account_id']) {
    const v = stack.vars[key];
    if ((typeof v === 'string' || typeof v === 'number') && /^\d{12}$/.test(String(v))) return String(v);
  }
  return null;
}

export function buildAwsSide(stacks: Stacks, answers: AnswersFacts | null): AwsSide {
  const roles: RoleInfo[] = [];
  const providers: ProviderInfo[] = [];
  const stackAccounts = new Map<string, string | null>();
  for (const stack of stacks.all()) {
    let account = stackAccount(stack, answers);
    const roleComponents = [...stack.components.values()].filter((c) => !c.abstract && isRoleComponent(c) && !isProviderComponent(c));
    if (!account) {
      // Last resort: the account of the provider ARN the stack's roles trust.
      const fromProvider = new Set<string>();
      for (const c of roleComponents) {
        const arn = c.vars.github_oidc_provider_arn;
        const p = typeof arn === 'string' ? parseArn(arn) : null;
        if (p?.account) fromProvider.add(p.account);
      }
      if (fromProvider.size === 1) account = [...fromProvider][0];
    }
    stackAccounts.set(stack.name, account);
    for (const c of stack.components.values()) {
      if (c.abstract) continue;
      const created = c.enabled && c.vars.enabled !== false;
      if (isProviderComponent(c)) {
        providers.push({ stack, component: c, account, created });
        continue;
      }
      const oidcRole = !isRoleComponent(c) && isGithubOidcRoleComponent(c);
      if (!isRoleComponent(c) && !oidcRole) continue;
      const kind = oidcRole ? 'github-oidc-role' : 'iam-role';
      const entriesVar = oidcRole ? 'github_actions_allowed_repos' : 'trusted_github_repos';
      const name = nullLabelId(c.vars);
      const region = typeof c.vars.region === 'string' ? c.vars.region : '';
      const partition = region ? partitionOf(region) : 'aws';
      const rawEntries = c.vars[entriesVar];
      const entries = Array.isArray(rawEntries) ? (rawEntries.every(known) ? rawEntries.map(String) : null) : rawEntries === undefined || rawEntries === null ? [] : null;
      const org = oidcRole ? GITHUB_OIDC_ROLE_ORG : known(c.vars.trusted_github_org) ? String(c.vars.trusted_github_org) : null;
      let patterns: string[] | null = null;
      if (entries) {
        try {
          patterns = entries.map((e) => trustPattern(e, org));
        } catch {
          patterns = null;
        }
      }
      const providerRaw = oidcRole ? (account ? `arn:${partition}:iam::${account}:${PROVIDER_HOST_PATH}` : null) : c.vars.github_oidc_provider_arn;
      let place: Place | undefined;
      const policies = oidcRole ? (Array.isArray(c.vars.iam_policies) ? c.vars.iam_policies : []) : Array.isArray(c.vars.managed_policy_arns) ? c.vars.managed_policy_arns : [];
      const statements = oidcRole
        ? (Array.isArray(c.vars.iam_policy) ? c.vars.iam_policy : []).flatMap((d: unknown) => (isPlainObject(d) && Array.isArray(d.statements) ? d.statements : []))
        : isPlainObject(c.vars.policy_statements)
          ? Object.values(c.vars.policy_statements)
          : [];
      const admin =
        policies.some((p: unknown) => typeof p === 'string' && ADMIN_POLICY.test(p)) ||
        statements.some((s) => isPlainObject(s) && String(s.effect ?? 'Allow').toLowerCase() === 'allow' && Array.isArray(s.actions) && s.actions.includes('*') && Array.isArray(s.resources) && s.resources.includes('*'));
      roles.push({
        stack,
        component: c,
        name,
        account,
        arn: name && account ? `arn:${partition}:iam::${account}:role/${name}` : null,
        created,
        github: (oidcRole || c.vars.github_oidc_provider_enabled === true) && (entries === null || entries.length > 0),
        org,
        entries,
        patterns,
        providerArn: typeof providerRaw === 'string' ? providerRaw : isYamlFunction(providerRaw) ? providerRaw : null,
        admin,
        // Where the trust is written, looked up only when a finding needs it.
        get trustPlace(): Place {
          return (place ??= stacks.whereComponent(stack, c, ['vars', entriesVar]));
        },
        kind,
        entriesVar,
      });
    }
  }
  const byKey = new Map<string, RoleInfo[]>();
  for (const r of roles) {
    if (!r.name) continue;
    const key = `${r.account ?? '?'}/${r.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const providersByAccount = new Map<string, ProviderInfo[]>();
  for (const p of providers) if (p.created && p.account) providersByAccount.set(p.account, [...(providersByAccount.get(p.account) ?? []), p]);
  const reusedProviders = new Map<string, string>();
  for (const a of answers?.accounts ?? []) if (a.oidcProviderArn) reusedProviders.set(a.id, a.oidcProviderArn);
  const unreadable = stacks.manifestFiles().concat(stacks.all().flatMap((s) => s.files)).find((f) => stacks.invalid(f)) ?? null;
  return { roles, providers, stackAccounts, byKey, providersByAccount, reusedProviders, unreadable };
}

/** The role a job asks for, by ARN: exact account and name, else a role whose account is unknown. */
export function findRole(side: AwsSide, arn: string): { role: RoleInfo | null; elsewhere: RoleInfo[] } {
  const parts = roleArnParts(arn);
  if (!parts) return { role: null, elsewhere: [] };
  const exact = side.byKey.get(`${parts.account}/${parts.name}`) ?? side.byKey.get(`?/${parts.name}`) ?? [];
  const role = exact.find((r) => r.created) ?? exact[0] ?? null;
  const elsewhere = role ? [] : side.roles.filter((r) => r.name === parts.name);
  return { role, elsewhere };
}

/**
 * Resolve `!terraform.output <component> [<stack>] <output>` (or `!terraform.state`) when it names
 * a role's ARN or a provider's ARN that this repository creates: both are computed from the stack.
 */
export function resolveFunctionArn(value: YamlFunction, stack: Stack, stacks: Stacks, side: AwsSide): string | null {
  if (value.tag !== '!terraform.output' && value.tag !== '!terraform.state') return null;
  const args = value.args();
  if (args.length < 2 || args.length > 3) return null;
  const component = args[0];
  const target = args.length === 3 ? stacks.byName(args[1]) : stack;
  const output = args[args.length - 1].replace(/^\./, '');
  if (!target) return null;
  if (/^(role_)?arn$/.test(output)) {
    const r = side.roles.find((x) => x.stack === target && x.component.name === component);
    return r?.arn ?? null;
  }
  if (output === 'oidc_provider_arn') {
    const p = side.providers.find((x) => x.stack === target && x.component.name === component);
    const account = p ? side.stackAccounts.get(target.name) : null;
    return account ? `arn:aws:iam::${account}:${PROVIDER_HOST_PATH}` : null;
  }
  return null;
}

interface Grouped {
  severity: Severity;
  code: FindingCode;
  place: Place;
  component: string;
  stacks: string[];
  message: (stacks: string) => string;
  fix: string;
}

/** Role and provider findings, grouped so one misplaced line in a catalog is one finding, not one per stack. */
export function roleFindings(side: AwsSide, subject: Subject, answers: AnswersFacts | null, stacks: Stacks, report: Report): void {
  const groups = new Map<string, Grouped>();
  const add = (g: Omit<Grouped, 'stacks'>, stack: string): void => {
    const key = `${g.code}|${g.place.file}|${g.place.line}|${g.component}|${g.message('')}`;
    const existing = groups.get(key);
    if (existing) existing.stacks.push(stack);
    else groups.set(key, { ...g, stacks: [stack] });
  };
  const repo = subject.subjectRepository;
  const probes = {
    pr: subClaim(repo, { pullRequest: true }),
    branch: subClaim(repo, { ref: 'refs/heads/check-probe/any-new-branch' }),
  };
  for (const r of side.roles) {
    if (!r.created) continue;
    const c = r.component;
    if (r.name && r.name.toLowerCase() === 'githubactions')
      add(
        {
          severity: 'warning',
          code: 'role-named-githubactions',
          place: stacks.whereComponent(r.stack, c, ['vars', 'name']),
          component: c.name,
          message: (s) => `${c.name} creates a role named "${r.name}"${s}; roles with this name have been reported to fail AssumeRoleWithWebIdentity with the generic error`,
          fix: 'give the role another name (vars.name), e.g. after its permission boundary',
        },
        r.stack.name,
      );
    if (!r.github) continue;
    if (r.entries === null || r.patterns === null) {
      add(
        {
          severity: 'warning',
          code: 'value-unknowable',
          place: r.trustPlace,
          component: c.name,
          message: (s) => `${r.entriesVar} of ${c.name}${s} is computed when Atmos runs (a YAML function or template): its trust cannot be proved or refuted offline`,
          fix: 'write the trust entries as a plain list of strings',
        },
        r.stack.name,
      );
    }
    if (r.patterns) {
      const acknowledged = (probe: string): boolean => acknowledgedByAnswers(answers, subject, r, probe);
      // Whose choice it was, in the words of the setup: the basic setup's admin role, or a role the
      // answers file records as trusted so (an advanced setup has no "setup basic" to blame).
      const basic = answers?.setup === 'basic';
      const chosen = basic ? ' (setup basic, as chosen in .atmos-oidc.yaml)' : ` (as recorded for ${c.name} in .atmos-oidc.yaml)`;
      const ackFix = basic
        ? 'switch to setup: advanced (a read-only planner for plans, admin only from a protected GitHub Environment)'
        : `trust ${c.name} only from a protected environment (${subject.repository}:environment:<name>) in .atmos-oidc.yaml, or give it a policy short of administrator`;
      if (r.admin && admits(r.patterns, probes.pr)) {
        const ack = acknowledged(probes.pr);
        add(
          {
            severity: ack ? 'warning' : 'error',
            code: 'admin-from-pull-request',
            place: r.trustPlace,
            component: c.name,
            message: (s) =>
              `${c.name} is an administrator role and admits pull request tokens (${admits(r.patterns!, probes.pr)})${s}: any pull request, from any branch, can run with it${ack ? chosen : ''}`,
            fix: ack
              ? ackFix
              : `constrain its trusted_github_repos to an environment (e.g. ${subject.repository}:environment:production) and use a read-only role for pull requests`,
          },
          r.stack.name,
        );
      }
      if (r.admin && admits(r.patterns, probes.branch)) {
        const ack = acknowledged(probes.branch);
        add(
          {
            severity: ack ? 'warning' : 'error',
            code: 'admin-from-any-branch',
            place: r.trustPlace,
            component: c.name,
            message: (s) =>
              `${c.name} is an administrator role and admits tokens from any branch (${admits(r.patterns!, probes.branch)})${s}: anyone who can push a branch can run with it${ack ? chosen : ''}`,
            fix: ack ? ackFix : `constrain its trusted_github_repos to a protected environment (${subject.repository}:environment:<name>) or the default branch`,
          },
          r.stack.name,
        );
      }
      for (const entry of r.entries ?? []) {
        for (const w of trustEntryWarnings(entry, r.admin)) {
          const code = entryCode(entry);
          if (!code) continue;
          add(
            {
              severity: code === 'trust-entry-org-wildcard' && r.admin ? 'error' : 'warning',
              code,
              place: r.trustPlace,
              component: c.name,
              message: (s) => `${c.name}${s}: ${w.message}`,
              fix:
                code === 'trust-entry-pull-request'
                  ? `use ${entry.split(':')[0]} (no constraint) if pull requests must assume this role, or an environment: constraint for the jobs that need it`
                  : code === 'trust-entry-all-branches'
                    ? `name the branch (${entry.split(':')[0]}:main) or the environment (${entry.split(':')[0]}:environment:<name>) that should assume it`
                    : `name the repository (${subject.repository}) instead of every repository of the organisation`,
            },
            r.stack.name,
          );
        }
      }
      immutableFindings(r, subject, add);
    }
    providerFindings(r, side, answers, stacks, add);
  }
  for (const [account, list] of side.providersByAccount) {
    const reused = side.reusedProviders.get(account);
    if (list.length > 1 || reused) {
      const first = list[0];
      const where = stacks.whereComponent(first.stack, first.component, ['vars', 'enabled']);
      const names = list.map((p) => `${p.component.name} in stack ${p.stack.name}`);
      add(
        {
          severity: 'error',
          code: 'provider-duplicate',
          place: list.length > 1 ? stacks.whereComponent(list[1].stack, list[1].component, ['vars', 'enabled']) : where,
          component: first.component.name,
          message: () =>
            reused
              ? `account ${account} already has a GitHub OIDC provider (${reused}, per .atmos-oidc.yaml) and ${names.join(', ')} deploys another: AWS allows one per URL (EntityAlreadyExists)`
              : `account ${account} gets ${list.length} GitHub OIDC providers (${names.join(', ')}): AWS allows one per URL, the second apply fails with EntityAlreadyExists`,
          fix: 'deploy github-oidc-provider in one stack per account; disable it in the others (metadata.enabled: false and vars.enabled: false)',
        },
        first.stack.name,
      );
    }
  }
  for (const g of groups.values()) {
    const list = [...new Set(g.stacks)];
    const suffix = list.length === 1 ? ` (stack ${list[0]})` : ` (stacks ${list.join(', ')})`;
    report(finding({ severity: g.severity, code: g.code, message: g.message(suffix), file: g.place.file, line: g.place.line, place: g.place.place, fix: g.fix, component: g.component, stack: list[0] }));
  }
}

function entryCode(entry: string): FindingCode | null {
  const colon = entry.indexOf(':');
  const repoPart = colon === -1 ? entry : entry.slice(0, colon);
  const constraint = colon === -1 ? null : entry.slice(colon + 1);
  if (constraint === 'pull_request') return 'trust-entry-pull-request';
  if (constraint === '*') return 'trust-entry-all-branches';
  if (repoPart.endsWith('/*') || repoPart === '*') return 'trust-entry-org-wildcard';
  return null;
}

/**
 * Did the user choose this reach through the tool (which warned them then)? True when the answers
 * file records, for this role, trust entries that themselves admit the probe.
 */
export function acknowledgedByAnswers(answers: AnswersFacts | null, subject: Subject, r: RoleInfo, probe: string): boolean {
  if (!answers) return false;
  const recorded = answers.roles.find((a) => `iam-role/${a.name}` === r.component.name);
  if (!recorded) return false;
  const stage = typeof r.stack.vars.stage === 'string' ? r.stack.vars.stage : r.stack.name;
  const patterns: string[] = [];
  for (const entry of recorded.trust) {
    let e = entry.replaceAll('{stage}', stage);
    if (subject.ids && e.startsWith(`${subject.repository}`) && (e.length === subject.repository.length || e[subject.repository.length] === ':'))
      e = subject.subjectRepository + e.slice(subject.repository.length);
    try {
      patterns.push(trustPattern(e, r.org));
    } catch {
      /* an entry without org: not a recorded choice we can read */
    }
  }
  return admits(patterns, probe) !== null;
}

function immutableFindings(r: RoleInfo, subject: Subject, add: (g: Omit<Grouped, 'stacks'>, stack: string) => void): void {
  const [owner, name] = subject.repository.toLowerCase().split('/');
  for (const p of r.patterns ?? []) {
    const pr = patternRepository(p);
    if (!pr || pr.owner.toLowerCase() !== owner || pr.repo.toLowerCase() !== name) continue;
    const patternHasIds = pr.ownerId !== null || pr.repoId !== null;
    let problem: string | null = null;
    if (subject.ids && !patternHasIds)
      problem = `GitHub sends "repo:${subject.subjectRepository}:…" for this repository (immutable subject claims${subject.idsSource === 'trust entries' ? ', as its other trust entries say' : ''}), so the name-only pattern ${p} never matches`;
    else if (subject.ids && (pr.ownerId !== subject.ids.owner || pr.repoId !== subject.ids.repo))
      problem = `the pattern ${p} carries ids ${pr.ownerId}/${pr.repoId}, but the repository's are ${subject.ids.owner}/${subject.ids.repo}`;
    else if (!subject.ids && patternHasIds)
      problem = `the pattern ${p} uses the immutable owner@id/repo@id form, but ${subject.idsSource === 'none' && subject.source === 'answers' ? '.atmos-oidc.yaml records no repository_ids' : 'nothing says this repository sends it'}: GitHub sends "repo:${subject.repository}:…" unless the repository has immutable subject claims`;
    if (!problem) continue;
    const text = problem;
    add(
      {
        severity: 'error',
        code: 'immutable-id-mismatch',
        place: r.trustPlace,
        component: r.component.name,
        message: (s) => `${r.component.name}${s}: ${text}`,
        fix: subject.ids
          ? `write trust entries as ${subject.subjectRepository}[:constraint] (record repository_ids in .atmos-oidc.yaml and run create-atmos-oidc workflows)`
          : `write trust entries as ${subject.repository}[:constraint], or record repository_ids in .atmos-oidc.yaml if the repository has immutable subject claims`,
      },
      r.stack.name,
    );
  }
}

function providerFindings(r: RoleInfo, side: AwsSide, answers: AnswersFacts | null, stacks: Stacks, add: (g: Omit<Grouped, 'stacks'>, stack: string) => void): void {
  const place = stacks.whereComponent(r.stack, r.component, ['vars', 'github_oidc_provider_arn']);
  const c = r.component.name;
  if (r.providerArn === null) return; // the component itself fails to plan without it; nothing to add about accounts
  let arn: string | null = typeof r.providerArn === 'string' ? r.providerArn : resolveFunctionArn(r.providerArn, r.stack, stacks, side);
  if (arn !== null && hasTemplate(arn)) arn = null;
  if (arn === null) {
    add(
      {
        severity: 'warning',
        code: 'value-unknowable',
        place,
        component: c,
        message: (s) => `github_oidc_provider_arn of ${c}${s} is computed when Atmos runs (${String(r.providerArn)}): which provider the role trusts cannot be checked offline`,
        fix: 'write the provider ARN as a plain string (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)',
      },
      r.stack.name,
    );
    return;
  }
  const parsed = parseArn(arn);
  const account = r.account;
  if (parsed && account && parsed.account !== account) {
    add(
      {
        severity: 'error',
        code: 'provider-other-account',
        place,
        component: c,
        message: (s) => `${c}${s} is created in account ${account} but trusts the OIDC provider of account ${parsed.account} (${arn}): STS only accepts a provider in the role's own account`,
        fix: `set github_oidc_provider_arn to arn:${parsed.partition}:iam::${account}:${PROVIDER_HOST_PATH}`,
      },
      r.stack.name,
    );
    return;
  }
  if (!account) return;
  const wellFormed = parsed !== null && parsed.service === 'iam' && parsed.resource === PROVIDER_HOST_PATH;
  const deployed = side.providersByAccount.has(account);
  const reused = side.reusedProviders.get(account);
  if (wellFormed && (deployed || reused === arn)) return;
  const repoManagesProviders = side.providers.length > 0 || answers !== null;
  add(
    {
      severity: !wellFormed || repoManagesProviders ? 'error' : 'warning',
      code: 'provider-missing',
      place,
      component: c,
      message: (s) =>
        !wellFormed
          ? `${c}${s} trusts ${arn}, which is not GitHub's provider (always arn:…:iam::<account>:${PROVIDER_HOST_PATH})`
          : repoManagesProviders
            ? `${c}${s} trusts ${arn}, but no stack deploys github-oidc-provider in account ${account}${reused ? ` and .atmos-oidc.yaml records ${reused} there` : ''}: STS answers "No OpenIDConnect provider found"`
            : `no stack in this repository deploys a GitHub OIDC provider in account ${account}; ${c}${s} assumes ${arn} exists already`,
      fix: !wellFormed
        ? `set github_oidc_provider_arn to arn:aws:iam::${account}:${PROVIDER_HOST_PATH}`
        : `deploy github-oidc-provider in one stack of account ${account}, or record the existing provider (create-atmos-oidc account --oidc-provider-arn)`,
    },
    r.stack.name,
  );
}
