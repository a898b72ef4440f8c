/**
 * Where a repository keeps `atmos.yaml`, found the way Atmos v1.215.0 finds it, and why.
 *
 * Atmos (pkg/config/load.go, `loadConfigSources`) merges, lowest priority first: the system directory
 * `/usr/local/etc/atmos` (pkg/config/const.go `SystemDirConfigFilePath`), `~/.atmos`, parent
 * directories, the git root, the working directory, then the directory named by `ATMOS_CLI_CONFIG_PATH`
 * (`readEnvAmosConfigPath`), then `--config-path` (`readAtmosConfigCli`); `--config FILE` replaces all of
 * them (`loadConfigFromCLIArgs`). Each of those is a *directory* searched for `atmos.yaml`/`atmos.yml`
 * (viper, `SetConfigName("atmos")`). The highest source present is the file whose keys win, so it is
 * the one reported here; lower ones are listed in `others`.
 *
 * Real repositories add two places Atmos itself cannot see from a checkout: the system directory is kept
 * under `rootfs/usr/local/etc/atmos/` (copied into a container image), and CI points
 * `ATMOS_CLI_CONFIG_PATH`/`ATMOS_BASE_PATH` at the configuration in a workflow's `env:`, often as
 * `${{ vars.X }}` (a GitHub variable, unknown offline unless given in `vars`).
 *
 * `base_path` (pkg/config/config.go `resolveAbsolutePath`): empty → git root; `.`/`./x`/`../x` → the
 * config directory when written in atmos.yaml, the working directory when from `ATMOS_BASE_PATH` or a
 * flag ("runtime"); a bare `x` → git root joined when it exists, else the config directory joined;
 * absolute paths pass through (mapped here into the repository when they name the workspace or rootfs).
 */
import { dirOf, joinPath, normalizeDir, type Repo } from './repo.ts';
import { isPlainObject } from './yaml.ts';

export const SYSTEM_DIR = '/usr/local/etc/atmos';
/** The system directory as repositories keep it, for a container image (geodesic's `rootfs/`). */
export const ROOTFS_SYSTEM_DIR = `rootfs${SYSTEM_DIR}`;
const ROOT_FILES = ['atmos.yaml', '.atmos.yaml', 'atmos.yml'];
const DIR_FILES = ['atmos.yaml', 'atmos.yml'];

export type DiscoverySource =
  | 'flag'
  | 'environment'
  | 'workflow env'
  | 'repository root'
  | 'system directory'
  | 'only candidate'
  | 'none';

export interface DiscoverOptions {
  /** The process environment `check` runs in (ATMOS_CLI_CONFIG_PATH, ATMOS_BASE_PATH). */
  env?: Record<string, string | undefined>;
  /** `--config`: a file or a directory, repository-relative (the CLI makes absolute paths relative). */
  configPath?: string | null;
  /** GitHub variables (`vars.X`), when known, to resolve `${{ vars.X }}` in a workflow's env. */
  vars?: Record<string, string>;
  /** `--base-path` (Atmos's flag): wins over ATMOS_BASE_PATH, a workflow's env and `base_path`. */
  basePath?: string | null;
}

/** A place a workflow sets one of the variables. */
export interface WorkflowSetting {
  variable: 'ATMOS_CLI_CONFIG_PATH' | 'ATMOS_BASE_PATH';
  /** The value as written. */
  value: string;
  /** Repository-relative path, or null when it cannot be resolved offline (an expression, a host path). */
  resolved: string | null;
  file: string;
  /** `env`, `jobs.plan.env`, `jobs.plan.steps[2].env`. */
  place: string;
}

export interface DiscoveredConfig {
  /** Repository-relative path of the configuration file whose keys win, or null when none is found. */
  file: string | null;
  /** Its directory (Atmos's `CliConfigPath`), "" for the root. */
  dir: string;
  source: DiscoverySource;
  /** One sentence: where it was found and why there. */
  why: string;
  /** Other atmos.yaml files Atmos would merge under it (lower priority), or that were passed over. */
  others: string[];
  /** `ATMOS_BASE_PATH` when the environment, a flag or a workflow sets it (resolved, repository-relative). */
  basePathOverride: { path: string; source: 'flag' | 'environment' | 'workflow env'; why: string } | null;
  /** Every place a workflow sets ATMOS_CLI_CONFIG_PATH or ATMOS_BASE_PATH. */
  workflowSettings: WorkflowSetting[];
  /** Problems worth a finding: a named place without atmos.yaml, unresolved variables, several candidates. */
  problems: string[];
}

/** Find the configuration the repository's Atmos runs with. Never throws. */
export function discoverAtmosConfig(repo: Repo, options: DiscoverOptions = {}): DiscoveredConfig {
  const env = options.env ?? {};
  const vars = options.vars ?? {};
  const problems: string[] = [];
  const workflowSettings = readWorkflowSettings(repo, vars);
  const rootFile = ROOT_FILES.find((f) => repo.exists(f)) ?? null;
  const systemFile = findIn(repo, ROOTFS_SYSTEM_DIR);
  const lower = [systemFile, rootFile].filter((f): f is string => f !== null);
  const basePathOverride = decideBasePath(repo, env, workflowSettings, problems, options.basePath ?? null);
  const result = (file: string | null, source: DiscoverySource, why: string): DiscoveredConfig => ({
    file,
    dir: file ? dirOf(file) : '',
    source,
    why,
    others: lower.filter((f) => f !== file),
    basePathOverride,
    workflowSettings,
    problems,
  });

  // --config: a file, or a directory searched like Atmos's --config-path.
  if (options.configPath) {
    const given = options.configPath;
    const path = mapHostPath(repo, given);
    if (path !== null && repo.exists(path) && isYaml(path)) return result(path, 'flag', `--config ${given}`);
    const inDir = path === null ? null : findIn(repo, path);
    if (inDir) return result(inDir, 'flag', `--config ${given} (a directory: Atmos reads atmos.yaml in it)`);
    problems.push(`--config ${given}: no atmos.yaml there`);
  }

  const fromEnv = env.ATMOS_CLI_CONFIG_PATH;
  if (fromEnv) {
    const path = mapHostPath(repo, fromEnv);
    const found = path === null ? null : findIn(repo, path);
    if (found) return result(found, 'environment', `ATMOS_CLI_CONFIG_PATH=${fromEnv} in the environment`);
    problems.push(`ATMOS_CLI_CONFIG_PATH=${fromEnv} (environment): Atmos finds no atmos.yaml or atmos.yml in that directory`);
  }

  const configSettings = workflowSettings.filter((s) => s.variable === 'ATMOS_CLI_CONFIG_PATH');
  const resolvable = configSettings.filter((s) => s.resolved !== null);
  if (resolvable.length) {
    const best = mostCommon(resolvable.map((s) => s.resolved!));
    const where = resolvable.find((s) => s.resolved === best)!;
    const found = findIn(repo, best);
    const differing = [...new Set(resolvable.map((s) => s.value))].filter((v) => v !== where.value);
    if (differing.length) problems.push(`workflows set ATMOS_CLI_CONFIG_PATH to different values (${[where.value, ...differing].join(', ')}): check reads ${where.value}`);
    if (found) return result(found, 'workflow env', `ATMOS_CLI_CONFIG_PATH: ${where.value} in ${where.file} (${where.place})`);
    problems.push(`ATMOS_CLI_CONFIG_PATH: ${where.value} in ${where.file} (${where.place}): no atmos.yaml or atmos.yml in that directory of the repository`);
  }
  const unresolved = configSettings.filter((s) => s.resolved === null);

  if (rootFile) {
    const why = unresolved.length
      ? `${rootFile} at the repository root; ${unresolved[0].file} sets ATMOS_CLI_CONFIG_PATH: ${unresolved[0].value}, unknown offline`
      : `${rootFile} at the repository root (the git root and working directory Atmos searches)`;
    return result(rootFile, 'repository root', why);
  }
  if (systemFile)
    return result(systemFile, 'system directory', `${systemFile}: the Atmos system directory ${SYSTEM_DIR}, kept under rootfs/ for the container image`);

  // Nothing where Atmos looks from a checkout: a workflow names the directory through a variable
  // check cannot see, or the repository relies on a path set outside it. One candidate is the answer.
  const candidates = repo.all().filter((p) => /(^|\/)atmos\.ya?ml$/.test(p) && !/(^|\/)(node_modules|\.git|vendor)\//.test(p));
  if (candidates.length === 1) {
    const because = unresolved.length
      ? `${unresolved[0].file} sets ATMOS_CLI_CONFIG_PATH: ${unresolved[0].value}, unknown offline; ${candidates[0]} is the only atmos.yaml in the repository`
      : `${candidates[0]} is the only atmos.yaml in the repository (Atmos finds it only through ATMOS_CLI_CONFIG_PATH or --config-path)`;
    return result(candidates[0], 'only candidate', because);
  }
  if (candidates.length > 1)
    problems.push(`several atmos.yaml files and none where Atmos looks (${candidates.join(', ')}): pass check --config PATH`);
  for (const s of unresolved) problems.push(`ATMOS_CLI_CONFIG_PATH: ${s.value} in ${s.file} (${s.place}) is only known in GitHub: pass check --config PATH`);
  return result(null, 'none', candidates.length > 1 ? 'several atmos.yaml files, none where Atmos looks' : 'no atmos.yaml anywhere Atmos looks');
}

/**
 * Resolve `base_path` as written in the configuration file at `configDir` (source "config"), unless
 * `override` (ATMOS_BASE_PATH) is set. Returns a repository-relative directory ("" for the root).
 */
export function resolveBasePath(repo: Repo, basePath: unknown, configDir: string, override: DiscoveredConfig['basePathOverride']): string {
  if (override) return override.path;
  const value = typeof basePath === 'string' ? basePath.trim() : '';
  if (!value) return '';
  if (value.startsWith('/') || /^\$\{\{|^\$GITHUB_WORKSPACE|^\$\{GITHUB_WORKSPACE\}/.test(value)) return mapHostPath(repo, value) ?? '';
  if (value === '.' || value === '..' || value.startsWith('./') || value.startsWith('../')) return joinPath(configDir, value);
  const fromRoot = normalizeDir(value);
  if (dirExists(repo, fromRoot)) return fromRoot;
  const fromConfig = joinPath(configDir, value);
  return dirExists(repo, fromConfig) ? fromConfig : fromRoot;
}

function decideBasePath(
  repo: Repo,
  env: Record<string, string | undefined>,
  settings: WorkflowSetting[],
  problems: string[],
  flag: string | null,
): DiscoveredConfig['basePathOverride'] {
  // Runtime source: `.`, `./x` and bare names are relative to the working directory, the checkout's root.
  const runtime = (value: string): string | null => (value.startsWith('/') || value.startsWith('$') ? mapHostPath(repo, value) : normalizeDir(value));
  if (flag) {
    const path = runtime(flag);
    if (path !== null) return { path, source: 'flag', why: `--base-path ${flag}` };
    problems.push(`--base-path ${flag} is outside the repository`);
  }
  if (env.ATMOS_BASE_PATH !== undefined && env.ATMOS_BASE_PATH !== '') {
    const path = runtime(env.ATMOS_BASE_PATH);
    if (path !== null) return { path, source: 'environment', why: `ATMOS_BASE_PATH=${env.ATMOS_BASE_PATH} in the environment` };
    problems.push(`ATMOS_BASE_PATH=${env.ATMOS_BASE_PATH} (environment) is outside the repository`);
  }
  const base = settings.filter((s) => s.variable === 'ATMOS_BASE_PATH');
  const known = base.filter((s) => s.resolved !== null);
  if (known.length) {
    const best = mostCommon(known.map((s) => s.resolved!));
    const where = known.find((s) => s.resolved === best)!;
    return { path: best, source: 'workflow env', why: `ATMOS_BASE_PATH: ${where.value} in ${where.file} (${where.place})` };
  }
  for (const s of base) problems.push(`ATMOS_BASE_PATH: ${s.value} in ${s.file} (${s.place}) is only known in GitHub: check reads base_path from atmos.yaml`);
  return null;
}

/** Every `env:` of every workflow (top level, jobs, steps) that sets the two variables. */
export function readWorkflowSettings(repo: Repo, vars: Record<string, string> = {}): WorkflowSetting[] {
  const out: WorkflowSetting[] = [];
  for (const file of repo.under('.github/workflows').filter(isYaml).sort()) {
    const parsed = repo.yaml(file);
    if (!parsed || parsed.errors.length || !isPlainObject(parsed.value)) continue;
    const doc = parsed.value;
    const visit = (env: unknown, place: string): void => {
      if (!isPlainObject(env)) return;
      for (const variable of ['ATMOS_CLI_CONFIG_PATH', 'ATMOS_BASE_PATH'] as const) {
        const raw = env[variable];
        if (typeof raw !== 'string' && typeof raw !== 'number') continue;
        const value = String(raw);
        out.push({ variable, value, resolved: resolveWorkflowValue(repo, value, vars), file, place });
      }
    };
    visit(doc.env, 'env');
    const jobs = isPlainObject(doc.jobs) ? doc.jobs : {};
    for (const [id, job] of Object.entries(jobs)) {
      if (!isPlainObject(job)) continue;
      visit(job.env, `jobs.${id}.env`);
      const steps = Array.isArray(job.steps) ? job.steps : [];
      steps.forEach((step, i) => isPlainObject(step) && visit(step.env, `jobs.${id}.steps[${i}].env`));
    }
  }
  return out;
}

/**
 * A workflow's value as a repository path: `${{ github.workspace }}` is the checkout, `${{ vars.X }}`
 * is substituted when known; any other expression, or a host path outside rootfs/, is null.
 */
function resolveWorkflowValue(repo: Repo, value: string, vars: Record<string, string>): string | null {
  let text = value.trim();
  let unknown = false;
  text = text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    if (expr === 'github.workspace') return '${GITHUB_WORKSPACE}';
    const v = /^vars\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
    if (v && vars[v[1]] !== undefined) return vars[v[1]];
    unknown = true;
    return '';
  });
  if (unknown) return null;
  return text.startsWith('/') || text.startsWith('$') ? mapHostPath(repo, text) : normalizeDir(text);
}

/**
 * A path as the CI machine or a container sees it, in the repository: the workspace is the root;
 * an absolute path is looked for under rootfs/ (the image's files). Null when it is neither.
 */
function mapHostPath(repo: Repo, value: string): string | null {
  const ws = /^(?:\$\{GITHUB_WORKSPACE\}|\$GITHUB_WORKSPACE|\$\{\{\s*github\.workspace\s*\}\})(\/.*)?$/.exec(value);
  if (ws) return normalizeDir(ws[1] ?? '');
  if (!value.startsWith('/')) return value.startsWith('$') ? null : normalizeDir(value);
  const inRootfs = joinPath('rootfs', value);
  return dirExists(repo, inRootfs) || repo.exists(inRootfs) ? inRootfs : null;
}

function findIn(repo: Repo, dir: string): string | null {
  for (const name of DIR_FILES) {
    const p = joinPath(dir, name);
    if (repo.exists(p)) return p;
  }
  return null;
}

function dirExists(repo: Repo, dir: string): boolean {
  return dir === '' || repo.under(dir).length > 0;
}

function isYaml(path: string): boolean {
  return /\.ya?ml$/.test(path);
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}
