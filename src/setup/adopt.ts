/**
 * Adopting an existing Atmos repository: the answers its stacks already give (repository, namespace,
 * region, accounts and stages, an existing OIDC provider per account, the state role), the layouts
 * that cannot be adopted safely, and the files written into the repository's own layout instead of
 * ours:
 * - per account, one file `<stacks>/catalog/github-ci-accounts/<stage>.yaml` that the account's
 *   existing stack manifest imports (one import line added to the user's manifest, nothing else), so
 *   the components land in the stack that already exists, under its name, never in a second stack;
 * - the role names the component will create in that stack, from the stack's own labels
 *   (`label_order`, tenant, environment), not from our naming;
 * - identities added to the user's `github` profile as a file of their own inside it, without a
 *   second default (jobs then name the plan identity);
 * - our workflows under another name when the user has a different workflow of that name.
 */
import type { Discovery, DiscoveredStack } from '../atmos/inventory.ts';
import { globMatch } from '../atmos/glob.ts';
import { nullLabelId } from '../atmos/label.ts';
import { joinPath } from '../atmos/repo.ts';
import { parseYaml, isPlainObject } from '../atmos/yaml.ts';
import type { AdoptedRecord, Answers, RawAnswers } from '../answers/answers.ts';
import { InputError } from '../answers/validate.ts';
import { CATALOG_IMPORT, IAM_ROLE_SOURCE, OIDC_PROVIDER_SOURCE, PRO_MIXIN_IMPORT, PROFILE_NAME, PROVIDER_COMPONENT, PROVIDER_NAME, type Model } from './model.ts';
import { renderTemplate } from './render.ts';
import { CATALOG_PATH, PRO_MIXIN_PATH, WORKFLOWS_DIR, renderCatalog, renderProMixin, renderProfile, renderWorkflow, workflowFile, workflowNames, type RenderedFile } from './files.ts';
import { assertWorkflowRules } from './workflow-rules.ts';

export const ACCOUNT_FILES_DIR = 'catalog/github-ci-accounts';
/** The file our identities go into inside a profile directory the user already has. */
export const ADOPTED_PROFILE_FILE = 'atmos-oidc.yaml';

export interface InferredAnswer {
  field: string;
  value: unknown;
  /** Where it was read, in words (for the confirmation). */
  from: string;
}

export interface Inference {
  raw: RawAnswers;
  inferred: InferredAnswer[];
  /** What could not be inferred, or was left out, and why. */
  notes: string[];
}

/**
 * Is this a repository with Atmos stacks that init should adopt, rather than lay out from scratch?
 * An atmos.yaml alone (no stack yet) is completed the usual way; stacks mean the user's layout rules.
 */
export function hasAtmos(d: Discovery): boolean {
  return d.config.file !== null && (d.stacks.length > 0 || d.duplicates.length > 0 || d.findings.some((f) => f.code === 'yaml-invalid' || f.code === 'import-missing'));
}

function refuse(field: string, value: unknown, allowed: string): never {
  throw new InputError({ field, value, allowed });
}

/**
 * Layouts the tool cannot adopt without guessing: more than one configuration Atmos would read,
 * a configuration or stack that does not parse, and stacks whose names collide or do not resolve.
 */
export function refuseUnsafe(d: Discovery): void {
  const config = d.config;
  const where = config.discovery;
  // Atmos merges every configuration it finds (pkg/config/load.go loadConfigSources): with two, the
  // keys we would add could land in either, and what CI reads depends on the machine.
  if (config.file && where.others.length)
    refuse(
      [config.file, ...where.others].join(' and '),
      config.file,
      `one Atmos configuration: Atmos merges ${where.others.join(', ')} under ${config.file} (found through ${where.why}), so which keys CI reads depends on where it runs; keep one atmos.yaml (move the other away) and run again`,
    );
  const ambiguous = where.problems.find((p) => /several atmos\.yaml|different values|only known in GitHub/.test(p) && !/ATMOS_BASE_PATH/.test(p));
  if (ambiguous) refuse(config.file ?? 'atmos.yaml', ambiguous, 'a configuration the repository names unambiguously: set ATMOS_CLI_CONFIG_PATH to one literal directory in every workflow, or keep one atmos.yaml');
  if (!config.file) return;
  const invalid = d.findings.find((f) => f.code === 'yaml-invalid');
  if (invalid) refuse(invalid.file, invalid.message, 'every configuration and stack file must be valid YAML before it can be adopted: fix the line shown');
  const missing = d.findings.find((f) => f.code === 'import-missing');
  if (missing) refuse(`${missing.file}:${missing.line}`, missing.message, `a stack must resolve before it can be adopted: ${missing.fix}`);
  for (const dup of d.duplicates)
    refuse(
      dup.files.join(', '),
      dup.name,
      `these manifests resolve to the same stack name "${dup.name}" (Atmos refuses to run them): give each a distinct name (its vars, or name:) and run again`,
    );
  const base = config.stacksBasePath;
  if (config.namePattern || config.nameTemplate)
    for (const s of d.stacks) {
      const byPath = s.file.slice(base ? base.length + 1 : 0).replace(/\.ya?ml$/, '');
      if (s.name === byPath)
        refuse(
          s.file,
          s.name,
          `${config.nameTemplate ? `stacks.name_template "${config.nameTemplate}"` : `stacks.name_pattern "${config.namePattern}"`} in ${config.file} does not resolve for this manifest (a var it names is missing): set those vars in it or its imports, or exclude it with stacks.excluded_paths`,
        );
    }
}

/** The stack an account's components go into: the stage's global stack (environment gbl), else its first. */
export function targetStack(d: Discovery, stage: string): DiscoveredStack | null {
  const candidates = d.stacks.filter((s) => s.stage === stage);
  return candidates.find((s) => s.environment === 'gbl') ?? candidates[0] ?? null;
}

function mostCommon(values: Array<string | null>): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = v;
  return best;
}

/** The answers the repository already gives. */
export function inferAnswers(d: Discovery): Inference {
  const raw: RawAnswers = {};
  const inferred: InferredAnswer[] = [];
  const notes: string[] = [];
  const set = (field: string, value: unknown, from: string): void => {
    raw[field] = value;
    inferred.push({ field, value, from });
  };
  if (d.repository) set('repository', d.repository, 'the origin remote in .git/config');
  const namespace = mostCommon(d.stacks.map((s) => s.namespace));
  if (namespace) set('namespace', namespace, 'vars.namespace of the stacks');
  const stages = [...new Set(d.stacks.map((s) => s.stage).filter((x): x is string => Boolean(x)))].sort();
  const accounts: Array<{ stage: string; id: string; oidc_provider_arn: string | null }> = [];
  for (const stage of stages) {
    const ids = [...new Set(d.stacks.filter((s) => s.stage === stage && s.account).map((s) => s.account as string))];
    if (ids.length > 1) {
      notes.push(`stage ${stage} is in more than one account (${ids.join(', ')}): left out; give it in --answers if it should be set up`);
      continue;
    }
    const target = targetStack(d, stage);
    if (!ids.length || !target) {
      notes.push(`stage ${stage}: no account id in its stacks (vars.account_id, the role ARNs of its auth, or a profile's permission set): asked`);
      continue;
    }
    const id = ids[0];
    // A provider the stacks deploy themselves stays theirs: the answer stays null (nothing outside
    // the repository), and the account's file deploys none (adaptModel).
    const providerStack = d.stacks.find((s) => s.account === id && s.providers.length);
    accounts.push({ stage, id, oidc_provider_arn: null });
    const from = d.stacks.find((s) => s.stage === stage && s.account)?.accountFrom ?? '';
    inferred.push({
      field: `accounts.${stage}`,
      value: id,
      from: `stack ${target.name} (${target.file}), account from ${from}${providerStack ? `; its provider is ${providerStack.providers[0].instance} of stack ${providerStack.name}, not deployed again` : ''}`,
    });
  }
  if (accounts.length) raw.accounts = accounts;
  const region = mostCommon(accounts.map((a) => targetStack(d, a.stage)?.region ?? null).concat(d.stacks.map((s) => s.region)));
  if (region) set('region', region, 'vars.region of the stacks');
  const stateRoles = new Set<string>();
  for (const s of d.stacks) {
    const b = s.backend;
    const arn = b && (isPlainObject(b.assume_role) ? b.assume_role.role_arn : b.role_arn);
    if (typeof arn === 'string' && /^arn:aws[\w-]*:iam::\d{12}:role\//.test(arn)) stateRoles.add(arn);
  }
  if (stateRoles.size === 1) set('tfstate_role_arn', [...stateRoles][0], `the ${d.stacks.find((s) => s.backendType)?.backendType ?? 's3'} backend's role in the stacks`);
  else if (stateRoles.size > 1) notes.push(`the stacks assume ${stateRoles.size} different state roles: tfstate_role_arn left unset`);
  const backendStack = d.stacks.find((s) => s.backendType);
  // The stacks keep their own state backend: the components added to them use it as it is.
  if (backendStack) set('backend', { type: 'existing' }, `terraform.backend_type ${backendStack.backendType} of the stacks (${backendStack.file} and its imports)`);
  if (d.stacks.some((s) => s.pro)) set('atmos_pro', true, 'settings.pro.enabled in the stacks');
  return { raw, inferred, notes };
}

/** Where the user's own workflows would be overwritten by ours: taken names, from the repository. */
function freeName(taken: Set<string>, name: string): string {
  const stem = name.replace(/\.ya?ml$/, '');
  for (let i = 1; ; i++) {
    const candidate = `${stem}-oidc${i === 1 ? '' : `-${i}`}.yaml`;
    if (!taken.has(candidate)) return candidate;
  }
}

export interface Adoption {
  discovery: Discovery;
  record: AdoptedRecord;
  /** Stage → the stack the account's components go into. */
  targets: Map<string, DiscoveredStack>;
  /** The user's profile our identities join, or null when ours is written as usual. */
  userProfile: { name: string; dir: string; hasDefault: boolean; provider: string | null } | null;
  /** Stacks whose own settings.pro dispatches their workflows: our mixin is not imported there. */
  ownPro: Set<string>;
  /** Per account id, the user's stack that deploys its GitHub OIDC provider (none is deployed by us there). */
  userProviders: Map<string, DiscoveredStack>;
  /** Where the profiles live (relative to the adopted atmos.yaml, as Atmos resolves them). */
  profilesBasePath: string;
  /** Our workflow names renamed by this run (not by an earlier adoption): candidates for a merge instead. */
  renamedNow: Set<string>;
}

/**
 * Decide where everything goes for `answers` in the discovered repository, keeping what an earlier
 * adoption recorded. Every stage must have its stack already (the tool never invents one).
 */
export function planAdoption(d: Discovery, answers: Answers, previous: AdoptedRecord | null, ourWorkflows: string[], ourFiles: Set<string>): Adoption {
  refuseUnsafe(d);
  const config = d.config;
  if (!config.file) refuse('atmos.yaml', null, 'expected the Atmos configuration of the repository');
  const targets = new Map<string, DiscoveredStack>();
  for (const account of answers.accounts) {
    const recorded = previous?.stacks[account.stage];
    const target = (recorded && d.stacks.find((s) => s.file === recorded && s.stage === account.stage)) || targetStack(d, account.stage);
    if (!target)
      refuse(
        `accounts[${answers.accounts.indexOf(account)}].stage`,
        account.stage,
        `a stage whose stack exists in this repository (${[...new Set(d.stacks.map((s) => s.stage).filter(Boolean))].join(', ') || 'none has vars.stage'}): create the account's stack first, then add it`,
      );
    if (target.account && target.account !== account.id)
      refuse(`accounts[${answers.accounts.indexOf(account)}].id`, account.id, `the account of stack ${target.name} (${target.file}), which is ${target.account}`);
    for (const role of answers.roles) {
      const clash = target.roles.find((r) => r.instance === `iam-role/${role.name}`);
      if (clash && !ourFiles.has(joinPath(config.stacksBasePath, ACCOUNT_FILES_DIR, `${account.stage}.yaml`)))
        refuse(`roles.${role.name}`, role.name, `a role name stack ${target.name} does not use already (it has iam-role/${role.name}): name ours differently with roles: in --answers`);
    }
    targets.set(account.stage, target);
  }
  // The files we add under the stacks base path must not be stacks themselves.
  const base = config.stacksBasePath;
  for (const rel of [`${CATALOG_IMPORT}.yaml`, `${PRO_MIXIN_IMPORT}.yaml`, `${ACCOUNT_FILES_DIR}/x.yaml`]) {
    if (config.included.some((g) => globMatch(g, rel)) && !config.excluded.some((g) => globMatch(g, rel)))
      refuse(
        `stacks.included_paths in ${config.file}`,
        config.included,
        `paths that leave ${joinPath(base, rel.split('/')[0])}/ out (Atmos would read the imported file ${joinPath(base, rel)} as a stack of its own): add "${rel.split('/')[0]}/**/*" to stacks.excluded_paths`,
      );
  }
  const taken = new Set(d.workflows.map((w) => w.path.split('/').pop() as string));
  const workflows: Record<string, string> = {};
  const renamedNow = new Set<string>();
  for (const name of ourWorkflows) {
    const recorded = previous?.workflows[name];
    if (recorded) workflows[name] = recorded;
    else if (taken.has(name) && !ourFiles.has(`.github/workflows/${name}`)) {
      const renamed = freeName(taken, name);
      taken.add(renamed);
      workflows[name] = renamed;
      renamedNow.add(name);
    }
  }
  const profileDir = joinPath(config.profilesBasePath, PROFILE_NAME);
  const profile = d.profiles.find((p) => p.name === PROFILE_NAME);
  const ours = joinPath(profileDir, 'atmos.yaml');
  const userProfile =
    profile && !(profile.files.length === 1 && profile.files[0] === ours && ourFiles.has(ours))
      ? {
          name: PROFILE_NAME,
          dir: profileDir,
          // A default of the user's (ours carry the identities of our roles) stays the only one.
          hasDefault: profile.identities.some((i) => i.isDefault && !answers.roles.some((r) => r.identity === i.name)),
          provider: profile.providers.find((p) => p.kind === 'github/oidc')?.name ?? null,
        }
      : null;
  const userFiles = new Set(previous?.user_files ?? []);
  for (const t of targets.values()) userFiles.add(t.file);
  if (userProfile) for (const f of profile?.files ?? []) if (!f.endsWith(`/${ADOPTED_PROFILE_FILE}`)) userFiles.add(f);
  for (const [name] of Object.entries(workflows)) if (taken.has(name)) userFiles.add(`.github/workflows/${name}`);
  const record: AdoptedRecord = {
    config: config.file,
    stacks: Object.fromEntries([...targets].map(([stage, s]) => [stage, s.file])),
    workflows: Object.fromEntries(Object.entries(workflows).sort(([a], [b]) => (a < b ? -1 : 1))),
    profile: PROFILE_NAME,
    user_files: [...userFiles].sort(),
  };
  const userProviders = new Map<string, DiscoveredStack>();
  for (const s of d.stacks)
    if (s.account && !userProviders.has(s.account) && s.providers.some((p) => p.files.some((f) => !ourFiles.has(f)))) userProviders.set(s.account, s);
  return { discovery: d, record, targets, userProfile, userProviders, profilesBasePath: config.profilesBasePath, renamedNow, ownPro: new Set([...targets.values()].filter((s) => s.pro && s.proFiles.some((f) => !ourFiles.has(f))).map((s) => s.name)) };
}

/** Point the model at the adopted stacks: their names, files and the role names their labels give. */
export function adaptModel(model: Model, adoption: Adoption): void {
  const base = adoption.discovery.config.stacksBasePath;
  for (const account of model.accounts) {
    const target = adoption.targets.get(account.stage);
    if (!target) continue;
    account.stackName = target.name;
    const provider = adoption.userProviders.get(account.id);
    if (provider && account.deploysProvider) {
      account.deploysProvider = false;
      account.providerStage = provider.name;
    }
    account.manifestPath = joinPath(base, ACCOUNT_FILES_DIR, `${account.stage}.yaml`);
    for (const r of account.roles) {
      const name = nullLabelId({ ...target.vars, name: r.role.answer.name });
      if (!name) continue;
      r.roleName = name;
      r.arn = `arn:${model.partition}:iam::${account.id}:role/${name}`;
    }
  }
  model.workflowFiles = { ...adoption.record.workflows };
  // The runner's Atmos image does not have the repository's rootfs/ in /usr/local/etc/atmos: name it.
  const configDir = adoption.record.config.includes('/') ? adoption.record.config.slice(0, adoption.record.config.lastIndexOf('/')) : '';
  if (configDir) model.atmosConfigDir = configDir;
  if (adoption.userProfile?.hasDefault) model.planIdentityExplicit = true;
}

/** The file imported by an adopted account's stack: our components and identities for that account. */
export function renderAdoptedAccount(model: Model, index: number, adoption: Adoption): string {
  const account = model.accounts[index];
  const target = adoption.targets.get(account.stage) as DiscoveredStack;
  const proMixin = model.answers.atmos_pro && !adoption.ownPro.has(target.name);
  return renderTemplate('stacks/adopted-account.yaml.hbs', {
    stack: target.name,
    manifest: target.file,
    id: account.id,
    providerComponent: PROVIDER_COMPONENT,
    providerSource: OIDC_PROVIDER_SOURCE,
    roleSource: IAM_ROLE_SOURCE,
    deploysProvider: account.deploysProvider,
    providerArn: account.providerArn,
    reusesProvider: account.reusesProvider,
    userProvider: adoption.userProviders.get(account.id)?.name ?? false,
    catalogImport: CATALOG_IMPORT,
    proMixinImport: proMixin ? PRO_MIXIN_IMPORT : false,
    ownPro: model.answers.atmos_pro && !proMixin,
    profileName: model.profileName,
    roles: account.roles,
  });
}

/** Our identities inside the user's own profile directory: no second default, their provider reused. */
export function renderAdoptedProfile(model: Model, adoption: Adoption): string {
  const first = model.accounts[0];
  const p = adoption.userProfile;
  return renderTemplate('profiles/adopted.yaml.hbs', {
    profileDir: p?.dir ?? '',
    providerName: p?.provider ?? PROVIDER_NAME,
    withProvider: !p?.provider,
    region: model.answers.region,
    firstStack: first.stackName,
    identities: first.roles.map((r) => ({ name: r.role.answer.identity, default: !p?.hasDefault && r.role === model.planRole, arn: r.arn })),
  });
}

/**
 * `entry` added to the `import:` list of a manifest, keeping every byte the user wrote: a line
 * appended after the list's last item (in the list's own indentation), or an `import:` block added
 * after the leading comments when the manifest has none. Unchanged when the entry is listed already.
 */
export function addImport(text: string, entry: string): string {
  const parsed = parseYaml(text, 'manifest');
  const value = parsed.value;
  const imports = isPlainObject(value) ? value.import : undefined;
  const listed = (Array.isArray(imports) ? imports : typeof imports === 'string' ? [imports] : []).some(
    (e: unknown) => e === entry || (isPlainObject(e) && e.path === entry),
  );
  if (listed) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^import:\s*(#.*)?$/.test(l));
  if (start === -1) {
    if (imports !== undefined) refuse('import', imports, 'a block list of imports (one "- path" per line) to add ours to; write the import list in block form');
    let at = 0;
    while (at < lines.length && (/^\s*#/.test(lines[at]) || lines[at] === '---')) at++;
    const block = [`import:`, `  - ${entry}`, ...(at < lines.length && lines[at].trim() ? [''] : [])];
    lines.splice(at, 0, ...block);
    return lines.join(eol);
  }
  let last = start;
  let indent = '  ';
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim() || /^\s*#/.test(l)) continue;
    const m = /^(\s*)- /.exec(l);
    if (m) {
      indent = m[1];
      last = i;
      continue;
    }
    if (/^\s/.test(l) && last > start) {
      last = i; // a continuation of the last item (a map entry's keys)
      continue;
    }
    break;
  }
  lines.splice(last + 1, 0, `${indent}- ${entry}`);
  return lines.join(eol);
}


/** Every file the tool owns in an adopted repository, in a stable order. */
export function renderAdoptedSetup(model: Model, adoption: Adoption): RenderedFile[] {
  const files: RenderedFile[] = [];
  files.push({ path: CATALOG_PATH(model), content: renderCatalog({ ...model, deploysAnyProvider: false }), ownership: 'shared' });
  model.accounts.forEach((account, i) => files.push({ path: account.manifestPath, content: renderAdoptedAccount(model, i, adoption), ownership: 'shared' }));
  if (model.answers.atmos_pro && [...adoption.targets.values()].some((t) => !adoption.ownPro.has(t.name)))
    files.push({ path: PRO_MIXIN_PATH(model), content: renderProMixin(model), ownership: 'shared' });
  if (adoption.userProfile) files.push({ path: joinPath(adoption.userProfile.dir, ADOPTED_PROFILE_FILE), content: renderAdoptedProfile(model, adoption), ownership: 'shared' });
  else files.push({ path: joinPath(adoption.profilesBasePath, PROFILE_NAME, 'atmos.yaml'), content: renderProfile(model), ownership: 'shared' });
  for (const name of workflowNames(model)) {
    const path = `${WORKFLOWS_DIR}/${workflowFile(model, name)}`;
    const content = renderWorkflow(model, name);
    assertWorkflowRules(path, content, model);
    files.push({ path, content, ownership: 'managed' });
  }
  files.push({ path: '.gitignore', content: '.workdir/\n', ownership: 'lines' });
  return files;
}
