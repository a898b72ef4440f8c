/**
 * What `atmos.yaml` must say for the generated workflows to run on real Atmos (read in Atmos
 * v1.215.0), and how an existing `atmos.yaml` is brought there: keys it lacks are added through
 * the structural merge; a key the user set to something else is never overwritten, the run is
 * refused with the exact change to make.
 */
import { loadAtmosConfig, type AtmosConfig } from '../atmos/config.ts';
import { globMatch } from '../atmos/glob.ts';
import { Repo, type RepoFiles } from '../atmos/repo.ts';
import { isPlainObject } from '../atmos/yaml.ts';
import { InputError, type InputProblem } from '../answers/validate.ts';
import { checkRelativePath } from '../write/tree.ts';

export interface AtmosSetting {
  /** Key path in `atmos.yaml`. */
  path: string[];
  value: unknown;
  /** Why the generated setup needs it, with the Atmos source it was read in. */
  why: string;
}

/** Settings every generated setup needs, whatever the answers. */
export const CI_SETTINGS: AtmosSetting[] = [
  {
    path: ['components', 'terraform', 'deploy_run_init'],
    value: true,
    why: '`atmos terraform deploy` (the apply job) runs `terraform init` first only with this (internal/exec/terraform_execute_helpers.go, shouldRunTerraformInit)',
  },
  {
    path: ['components', 'terraform', 'init_run_reconfigure'],
    value: true,
    why: 'init with -reconfigure, so a backend written into a reused work directory is taken as it is now (internal/exec/terraform_execute_helpers.go, buildInitArgs)',
  },
  {
    path: ['components', 'terraform', 'auto_generate_backend_file'],
    value: true,
    why: 'writes backend.tf.json from the stacks\' backend section into the work directory (internal/exec/terraform_utils.go, generateBackendConfig)',
  },
  {
    path: ['components', 'terraform', 'auto_generate_files'],
    value: true,
    why: 'writes each component\'s generate: files (iam_roles_override.tf) into the work directory before init (pkg/terraform/generate/generate.go, GenerateFilesForComponent)',
  },
  {
    path: ['ci', 'enabled'],
    value: true,
    why: '`describe affected` finds its base commit from the CI environment, and a plan with --upload-status that finds changes (exit 2) is success (internal/exec/describe_affected.go, resolveBaseFromCI; internal/exec/ci_exit_codes.go, mapCIExitCode)',
  },
];

/** Atmos Pro's dispatch inputs are Go templates that Atmos renders when it describes stacks. */
export const TEMPLATES_SETTING: AtmosSetting = {
  path: ['templates', 'settings', 'enabled'],
  value: true,
  why: 'settings.pro inputs ({{ .atmos_component }}, {{ .vars.stage }}) are Go templates Atmos renders only with this',
};

export interface AtmosConfigPlan {
  /** The configuration file (`atmos.yaml` or `.atmos.yaml`), or null when the repository has none. */
  file: string | null;
  config: AtmosConfig | null;
  stacksBasePath: string;
  /** Keys to add to `file`, as a nested map (empty when nothing is missing). */
  additions: Record<string, unknown>;
  /** One line per added key, to say what was added. */
  added: string[];
}

function getIn(value: unknown, path: string[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

/**
 * Read the repository's Atmos configuration as `check` does (src/atmos/config.ts) and decide what
 * it lacks for the generated stacks (`manifest`, `defaultsFile` under the stacks base path) and CI.
 */
export function planAtmosConfig(files: RepoFiles, options: { atmosPro: boolean; manifest: (stacksBasePath: string) => string; defaultsFile: ((stacksBasePath: string) => string) | null }): AtmosConfigPlan {
  const repo = new Repo(files);
  const invalid: string[] = [];
  const config = loadAtmosConfig(repo, (f) => {
    if (f.code === 'yaml-invalid') invalid.push(f.message);
  });
  if (!config.file) return { file: null, config: null, stacksBasePath: 'stacks', additions: {}, added: [] };
  if (invalid.length)
    throw new InputError({ field: config.file, value: invalid[0], allowed: 'expected valid YAML: fix it so the keys CI needs can be added to it' });
  refuseOutside(config.raw);
  const problems: InputProblem[] = [];
  const additions: Record<string, unknown> = {};
  const added: string[] = [];
  const settings = options.atmosPro ? [...CI_SETTINGS, TEMPLATES_SETTING] : CI_SETTINGS;
  for (const setting of settings) {
    const have = getIn(config.raw, setting.path);
    const key = setting.path.join('.');
    if (have === undefined || have === null) {
      setIn(additions, setting.path, setting.value);
      added.push(`${key}: ${String(setting.value)}  (${setting.why})`);
    } else if (have !== setting.value) {
      problems.push({ field: `${config.file}: ${key}`, value: have, allowed: `expected ${String(setting.value)}: ${setting.why}; set "${key}: ${String(setting.value)}" and run again` });
    }
  }
  const base = config.stacksBasePath;
  const rel = (path: string): string => path.slice(base.length + 1);
  const manifest = rel(options.manifest(base));
  if (!config.included.some((g) => globMatch(g, manifest))) {
    setIn(additions, ['stacks', 'included_paths'], ['orgs/**/*']);
    added.push(`stacks.included_paths: + "orgs/**/*"  (the generated stacks live under ${base}/orgs/)`);
  }
  if (options.defaultsFile) {
    const defaults = rel(options.defaultsFile(base));
    const isStack = [...config.included, ...((getIn(additions, ['stacks', 'included_paths']) as string[] | undefined) ?? [])].some((g) => globMatch(g, defaults));
    if (isStack && !config.excluded.some((g) => globMatch(g, defaults))) {
      setIn(additions, ['stacks', 'excluded_paths'], ['**/_defaults.yaml']);
      added.push(`stacks.excluded_paths: + "**/_defaults.yaml"  (${defaults} is imported by the stacks, not a stack itself)`);
    }
  }
  if (problems.length) throw new InputError(problems);
  return { file: config.file, config, stacksBasePath: base, additions, added };
}

/**
 * `base_path` and `stacks.base_path` decide where the generated stacks are written: as written (not
 * normalised, so "../x" or "/x" cannot quietly become "x"), they must stay inside the target.
 */
function refuseOutside(raw: Record<string, any>): void {
  const trim = (p: string): string => p.replace(/^\.\//, '').replace(/\/+$/, '');
  const base = typeof raw.base_path === 'string' && !['', '.', './'].includes(raw.base_path) ? trim(raw.base_path) : '';
  const stacks = isPlainObject(raw.stacks) && typeof raw.stacks.base_path === 'string' ? trim(raw.stacks.base_path) : 'stacks';
  checkRelativePath([base, stacks].filter(Boolean).join('/'));
}
