/**
 * `atmos.yaml` and profiles as Atmos reads them for the parts that decide a trust chain: where
 * stacks live and how they are named, whether templates are processed, and the `auth` section of
 * the active profile(s) (`profiles/<name>/*.yaml` deep-merged over `atmos.yaml`).
 */
import type { Finding } from './findings.ts';
import { finding } from './findings.ts';
import { dirOf, joinPath, normalizeDir, type Repo } from './repo.ts';
import { deepMerge, isPlainObject, mergeAll, type ListMergeStrategy } from './yaml.ts';
import { globMatch } from './glob.ts';
import { discoverAtmosConfig, resolveBasePath, type DiscoveredConfig, type DiscoverOptions } from './discover.ts';

export interface AtmosConfig {
  /** `atmos.yaml` (or `.atmos.yaml`), or null when the repository has none. */
  file: string | null;
  /** The merged configuration: `import:` and `atmos.d/` files, then the file itself. */
  raw: Record<string, any>;
  /** Files that make up `raw`, in merge order. */
  files: string[];
  basePath: string;
  stacksBasePath: string;
  included: string[];
  excluded: string[];
  namePattern: string | null;
  nameTemplate: string | null;
  templatesEnabled: boolean;
  profilesBasePath: string;
  defaultProfiles: string[];
  listMerge: ListMergeStrategy;
  /** Configuration files that are not valid YAML. */
  invalid: string[];
  /** Where `file` was found and why (src/atmos/discover.ts). */
  discovery: DiscoveredConfig;
}

export type Report = (f: Finding) => void;

/** Report a file's YAML syntax errors once, and return its value (null when unusable). */
export function readYamlValue(repo: Repo, path: string, report: Report): unknown {
  const parsed = repo.yaml(path);
  if (!parsed) return null;
  if (parsed.errors.length) {
    const e = parsed.errors[0];
    report(
      finding({
        severity: 'error',
        code: 'yaml-invalid',
        message: `${path} is not valid YAML: ${e.message}`,
        file: path,
        line: e.line,
        fix: 'fix the YAML syntax at the line shown (Atmos and GitHub refuse the file as it is)',
      }),
    );
    return null;
  }
  return parsed.value;
}

export function loadAtmosConfig(
  repo: Repo,
  report: Report,
  additions: Record<string, unknown> | null = null,
  where: DiscoverOptions = {},
): AtmosConfig {
  const discovery = discoverAtmosConfig(repo, where);
  const file = discovery.file;
  const configDir = discovery.dir;
  const files: string[] = [];
  let raw: Record<string, any> = {};
  for (const problem of discovery.problems)
    report(
      finding({
        severity: 'warning',
        code: 'atmos-config-location',
        message: `${problem}${file ? `; reading ${file} (${discovery.why})` : ''}`,
        file: '',
        fix: 'point check at the configuration CI uses: check --config PATH, or ATMOS_CLI_CONFIG_PATH/ATMOS_BASE_PATH in its environment',
      }),
    );
  if (!file) {
    report(
      finding({
        severity: 'warning',
        code: 'atmos-config-missing',
        message: 'no atmos.yaml where Atmos looks (--config, ATMOS_CLI_CONFIG_PATH, a workflow\'s env, the repository root, rootfs/usr/local/etc/atmos): reading stacks from stacks/ with Atmos defaults',
        file: '',
        fix: 'add atmos.yaml (create-atmos-oidc init writes one), or name it with check --config PATH, so Atmos and check agree on where stacks are',
      }),
    );
  } else {
    const own = readYamlValue(repo, file, report);
    const ownMap = isPlainObject(own) ? own : {};
    const layers: unknown[] = [];
    // atmos.d/ beside the file that wins (pkg/config/load.go mergeDefaultImports(dir of atmos.yaml)).
    for (const dir of [joinPath(configDir, 'atmos.d'), joinPath(configDir, '.atmos.d')]) {
      for (const p of repo.under(dir).filter(isYamlFile)) {
        files.push(p);
        layers.push(readYamlValue(repo, p, report));
      }
    }
    const imports = Array.isArray(ownMap.import) ? ownMap.import : typeof ownMap.import === 'string' ? [ownMap.import] : [];
    for (const entry of imports) {
      if (typeof entry !== 'string' || /^https?:|^[a-z]+::/.test(entry)) continue;
      // Relative to the file's own base_path taken from the working directory, the checkout's root
      // (pkg/config/imports.go processConfigImportsWithFS: filepath.Abs(source.BasePath)).
      const importBase = typeof ownMap.base_path === 'string' && !ownMap.base_path.startsWith('/') ? ownMap.base_path : '';
      for (const p of expandConfigImport(repo, joinPath(importBase, entry))) {
        files.push(p);
        layers.push(readYamlValue(repo, p, report));
      }
    }
    files.push(file);
    const { import: _ignored, ...rest } = ownMap;
    raw = mergeAll([...layers.filter(isPlainObject), rest]) ?? {};
  }
  if (additions) raw = deepMerge(raw, additions, 'append');
  const basePath = resolveBasePath(repo, raw.base_path, configDir, discovery.basePathOverride);
  const stacks = isPlainObject(raw.stacks) ? raw.stacks : {};
  const stacksBase = typeof stacks.base_path === 'string' ? stacks.base_path : 'stacks';
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const profiles = isPlainObject(raw.profiles) ? raw.profiles : {};
  const strategy = raw.settings?.list_merge_strategy;
  return {
    file,
    raw,
    files,
    basePath,
    stacksBasePath: joinPath(basePath, stacksBase),
    // Atmos joins each to the stacks base path with filepath.Join (pkg/config/config.go
    // AtmosConfigAbsolutePaths, u.JoinPaths), which drops a leading "./".
    included: file ? strings(stacks.included_paths).map(cleanGlob) : ['**/*'],
    excluded: strings(stacks.excluded_paths).map(cleanGlob),
    namePattern: typeof stacks.name_pattern === 'string' && stacks.name_pattern ? stacks.name_pattern : null,
    nameTemplate: typeof stacks.name_template === 'string' && stacks.name_template ? stacks.name_template : null,
    templatesEnabled: raw.templates?.settings?.enabled === true,
    // Relative to the directory of atmos.yaml (pkg/config/profiles.go discoverProfileLocations at v1.215.0:
    // baseDir is CliConfigPath; profiles.base_path joined to it, else <baseDir>/profiles).
    profilesBasePath: joinPath(file ? dirOf(file) : '', typeof profiles.base_path === 'string' ? profiles.base_path : 'profiles'),
    defaultProfiles: typeof profiles.default === 'string' ? splitList(profiles.default) : [],
    listMerge: strategy === 'append' || strategy === 'merge' ? strategy : 'replace',
    invalid: [...files, ...(file ? [file] : [])].filter((f, i, all) => repo.invalid(f) && all.indexOf(f) === i),
    discovery,
  };
}

function expandConfigImport(repo: Repo, entry: string): string[] {
  const path = normalizeDir(entry);
  if (/[*?[{]/.test(path)) return repo.all().filter((p) => isYamlFile(p) && globMatch(path, p));
  for (const candidate of [path, `${path}.yaml`, `${path}.yml`]) if (repo.exists(candidate)) return [candidate];
  return [];
}

function cleanGlob(glob: string): string {
  return glob.replace(/^(\.\/)+/, '');
}

export function isYamlFile(path: string): boolean {
  return /\.ya?ml$/.test(path);
}

export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface ActiveConfig {
  /** Profiles asked for, in merge order. */
  profiles: string[];
  /** Those without a directory. */
  missing: string[];
  /** The `auth` section after merging the profiles over atmos.yaml. */
  auth: Record<string, any>;
  /** Files that contributed, for findings. */
  files: string[];
  /** The file that defines each identity last (for findings about an identity). */
  identityFiles: Map<string, string>;
  /** Files of this configuration that are not valid YAML: its auth cannot be read. */
  invalid: string[];
}

/** The configuration a command sees with these profiles active. Cached per profile list. */
export class Profiles {
  private readonly cache = new Map<string, ActiveConfig>();
  private readonly repo: Repo;
  private readonly config: AtmosConfig;
  private readonly report: Report;

  constructor(repo: Repo, config: AtmosConfig, report: Report) {
    this.repo = repo;
    this.config = config;
    this.report = report;
  }

  /** Names of the profiles present in the repository. */
  available(): string[] {
    const names = new Set<string>();
    for (const p of this.repo.under(this.config.profilesBasePath)) {
      const rest = p.slice(this.config.profilesBasePath.length + (this.config.profilesBasePath ? 1 : 0));
      const i = rest.indexOf('/');
      if (i > 0 && isYamlFile(rest)) names.add(rest.slice(0, i));
    }
    return [...names].sort();
  }

  active(profiles: string[]): ActiveConfig {
    const key = profiles.join(',');
    const hit = this.cache.get(key);
    if (hit) return hit;
    const rootAuth = isPlainObject(this.config.raw.auth) ? this.config.raw.auth : {};
    let auth: Record<string, any> = rootAuth;
    const files = this.config.file ? [this.config.file] : [];
    const identityFiles = new Map<string, string>();
    for (const name of Object.keys(isPlainObject(rootAuth.identities) ? rootAuth.identities : {})) identityFiles.set(name, this.identityFile(name));
    const missing: string[] = [];
    const invalid = this.config.invalid.slice();
    for (const profile of profiles) {
      const dir = joinPath(this.config.profilesBasePath, profile);
      const profileFiles = this.repo.under(dir).filter(isYamlFile);
      if (!profileFiles.length) {
        missing.push(profile);
        continue;
      }
      for (const p of profileFiles) {
        const value = readYamlValue(this.repo, p, this.report);
        if (this.repo.invalid(p)) invalid.push(p);
        if (!isPlainObject(value) || !isPlainObject(value.auth)) continue;
        files.push(p);
        auth = deepMerge(auth, value.auth, this.config.listMerge);
        if (isPlainObject(value.auth.identities)) for (const name of Object.keys(value.auth.identities)) identityFiles.set(name, p);
      }
    }
    const result: ActiveConfig = { profiles, missing, auth, files, identityFiles, invalid };
    this.cache.set(key, result);
    return result;
  }

  private identityFile(_name: string): string {
    return this.config.file ?? 'atmos.yaml';
  }
}
