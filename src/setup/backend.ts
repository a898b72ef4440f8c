/**
 * The state backend in the generated stacks. `s3` and `local` are written into
 * `<stacks>/orgs/<namespace>/_defaults.yaml`, which every generated stack imports; `existing` finds
 * the file of the repository's stacks that already sets `terraform.backend_type`, and every
 * generated stack imports that file instead.
 */
import type { AtmosConfig } from '../atmos/config.ts';
import { isYamlFile } from '../atmos/config.ts';
import { globMatch } from '../atmos/glob.ts';
import { Repo, type RepoFiles } from '../atmos/repo.ts';
import { isPlainObject } from '../atmos/yaml.ts';

export interface ExistingBackend {
  /** The file that sets it, repository-relative. */
  file: string;
  /** Its import path (relative to the stacks base path, without `.yaml`). */
  importPath: string;
  backendType: string;
}

/**
 * The first file under the stacks base path, other than `skip` (our own output), whose
 * `terraform.backend_type` is set. Files that are not stacks themselves (catalog, `_defaults.yaml`)
 * come first, since those are what stacks import.
 */
export function findExistingBackend(files: RepoFiles, config: AtmosConfig | null, stacksBasePath: string, skip: Set<string>): ExistingBackend | null {
  const repo = new Repo(files);
  const candidates = repo.under(stacksBasePath).filter((p) => isYamlFile(p) && !skip.has(p));
  const rel = (p: string): string => p.slice(stacksBasePath.length + 1);
  const isStack = (p: string): boolean =>
    config !== null && config.included.some((g) => globMatch(g, rel(p))) && !config.excluded.some((g) => globMatch(g, rel(p)));
  const ordered = [...candidates.filter((p) => !isStack(p)), ...candidates.filter(isStack)];
  for (const file of ordered) {
    const value = repo.yaml(file)?.value;
    const terraform = isPlainObject(value) && isPlainObject(value.terraform) ? value.terraform : null;
    if (terraform && typeof terraform.backend_type === 'string' && terraform.backend_type !== '')
      return { file, importPath: rel(file).replace(/\.ya?ml$/, ''), backendType: terraform.backend_type };
  }
  return null;
}
