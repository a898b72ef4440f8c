/**
 * The stack resolver: which manifests are stacks (`included_paths` minus `excluded_paths` under
 * `stacks.base_path`), what each is called (its own `name:`, else `name_template`, else
 * `name_pattern`, else its path), and every component instance in it after imports (relative
 * `./x` and base-path `catalog/x` forms, globs) and Atmos's deep merge: global sections, then the
 * `terraform:` section, then the components named in `metadata.inherits` (in order), then the
 * component itself. `metadata` is not inherited; `metadata.type: abstract` components are not
 * deployable; `metadata.component` names the Terraform component an instance runs.
 */
import { finding } from './findings.ts';
import { isYamlFile, readYamlValue, type AtmosConfig, type Report } from './config.ts';
import { globMatch, hasGlob } from './glob.ts';
import { dirOf, joinPath, type Repo } from './repo.ts';
import { hasTemplate, renderTemplate } from './template.ts';
import { deepMerge, getIn, hasIn, isPlainObject, mergeAll, type ListMergeStrategy } from './yaml.ts';

export interface ComponentInstance {
  /** The instance name, e.g. `iam-role/terraform`. */
  name: string;
  /** The Terraform component it runs (`metadata.component`, else the instance name). */
  base: string;
  abstract: boolean;
  /** `metadata.enabled` is not false (Atmos skips the component otherwise). */
  enabled: boolean;
  vars: Record<string, any>;
  settings: Record<string, any>;
  /** Stack, `terraform:` and component `auth` sections merged (the profile's auth goes under it). */
  auth: Record<string, any>;
  source: unknown;
  metadata: Record<string, any>;
  /** Component names whose own sections were merged, base first, this one last. */
  chain: string[];
}

export interface Stack {
  name: string;
  /** The top-level manifest. */
  file: string;
  /** Every file merged into this stack, imports first, the manifest last. */
  files: string[];
  raw: Record<string, any>;
  /** Global `vars` merged with `terraform.vars`. */
  vars: Record<string, any>;
  /** Global and `terraform:` `auth` merged: what applies to every Terraform component of the stack. */
  auth: Record<string, any>;
  components: Map<string, ComponentInstance>;
}

export interface Place {
  file: string;
  line: number;
  place: string;
}

interface ResolvedFile {
  value: Record<string, any>;
  files: string[];
}

const EMPTY: Record<string, any> = Object.freeze({}) as Record<string, any>;

function asMap(value: unknown): Record<string, any> {
  return isPlainObject(value) ? value : EMPTY;
}

export class Stacks {
  readonly config: AtmosConfig;
  private readonly repo: Repo;
  private readonly report: Report;
  private readonly resolved = new Map<string, ResolvedFile>();
  private readonly resolving = new Set<string>();
  private stackList: Stack[] | null = null;
  private readonly names = new Map<string, Stack>();
  private readonly lists: ListMergeStrategy;

  constructor(repo: Repo, config: AtmosConfig, report: Report) {
    this.repo = repo;
    this.config = config;
    this.report = report;
    this.lists = config.listMerge;
  }

  /** Manifest files that are stacks, relative to the repository. */
  manifestFiles(): string[] {
    const base = this.config.stacksBasePath;
    const prefix = base ? `${base}/` : '';
    return this.repo
      .under(base)
      .filter((p) => isYamlFile(p))
      .filter((p) => {
        const rel = p.slice(prefix.length);
        return this.config.included.some((g) => globMatch(g, rel)) && !this.config.excluded.some((g) => globMatch(g, rel));
      });
  }

  all(): Stack[] {
    if (this.stackList) return this.stackList;
    const stacks: Stack[] = [];
    for (const file of this.manifestFiles()) {
      const stack = this.load(file);
      if (stack) stacks.push(stack);
    }
    stacks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const byName = new Map<string, Stack[]>();
    for (const s of stacks) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    for (const [name, same] of byName) {
      this.names.set(name, same[0]);
      if (same.length > 1) this.reportDuplicate(name, same);
    }
    this.stackList = stacks;
    return stacks;
  }

  /**
   * Several manifests that resolve to one stack name. Atmos stops on a component defined in more
   * than one of them ("Found duplicate config for the component", internal/exec/utils.go at v1.215.0);
   * components each defines once still resolve, but check reads the first manifest for the name.
   */
  private reportDuplicate(name: string, same: Stack[]): void {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const s of same)
      for (const c of s.components.keys()) {
        if (seen.has(c) && seen.get(c) !== s.file && !clashes.includes(c)) clashes.push(c);
        else if (!seen.has(c)) seen.set(c, s.file);
      }
    const files = same.map((s) => s.file);
    this.report(
      finding({
        severity: clashes.length ? 'error' : 'warning',
        code: 'stack-name-duplicate',
        message: `${files.join(', ')} all resolve to stack name "${name}"${clashes.length ? `, and define ${clashes.slice(0, 5).join(', ')}${clashes.length > 5 ? ', …' : ''} in more than one of them: Atmos stops with "Found duplicate config for the component"` : `: check reads ${files[0]} for that name`}`,
        file: files[1],
        line: 0,
        fix: 'give each manifest its own stack name (different vars for name_pattern / name_template, or its own name:), or merge the manifests',
        related: files.filter((f) => f !== files[1]),
        stack: name,
      }),
    );
  }

  /** Is this stack file YAML that does not parse? */
  invalid(file: string): boolean {
    return this.repo.invalid(file);
  }

  byName(name: string): Stack | undefined {
    this.all();
    return this.names.get(name);
  }

  private load(file: string): Stack | null {
    const own = asMap(readYamlValue(this.repo, file, this.report));
    const { value: raw, files } = this.resolveFile(file);
    if (!Object.keys(own).length) return null;
    const terraform = asMap(raw.terraform);
    const vars = mergeAll([asMap(raw.vars), asMap(terraform.vars)], this.lists) ?? {};
    const auth = mergeAll([asMap(raw.auth), asMap(terraform.auth)], this.lists) ?? {};
    const stack: Stack = { name: '', file, files, raw, vars, auth, components: new Map() };
    stack.name = this.stackName(stack, own);
    const defs = asMap(getIn(raw, ['components', 'terraform']));
    for (const name of Object.keys(defs)) {
      if (!isPlainObject(defs[name])) continue;
      stack.components.set(name, this.component(stack, defs, name));
    }
    return stack;
  }

  private stackName(stack: Stack, own: Record<string, any>): string {
    if (typeof own.name === 'string' && own.name.trim()) return own.name.trim();
    const context = { vars: stack.vars, settings: asMap(stack.raw.settings), env: asMap(stack.raw.env) };
    if (this.config.nameTemplate) {
      const rendered = renderTemplate(this.config.nameTemplate, context);
      if (rendered && !rendered.includes('<no value>')) return rendered;
    }
    if (this.config.namePattern) {
      let ok = true;
      const name = this.config.namePattern.replace(/\{(\w+)\}/g, (_m, key: string) => {
        const v = stack.vars[key];
        if (typeof v !== 'string' || !v) ok = false;
        return typeof v === 'string' ? v : '';
      });
      if (ok) return name;
    }
    const base = this.config.stacksBasePath;
    return stack.file.slice(base ? base.length + 1 : 0).replace(/\.ya?ml$/, '');
  }

  /** A manifest with its imports merged under it (cached: catalogs are shared by many stacks). */
  resolveFile(file: string): ResolvedFile {
    const hit = this.resolved.get(file);
    if (hit) return hit;
    if (this.resolving.has(file)) return { value: {}, files: [] };
    this.resolving.add(file);
    const own = asMap(readYamlValue(this.repo, file, this.report));
    const layers: Record<string, any>[] = [];
    const files: string[] = [];
    const imports = Array.isArray(own.import) ? own.import : typeof own.import === 'string' ? [own.import] : [];
    imports.forEach((entry: unknown, index: number) => {
      const path = typeof entry === 'string' ? entry : isPlainObject(entry) && typeof entry.path === 'string' ? entry.path : null;
      if (path === null) return;
      const skipIfMissing = isPlainObject(entry) && entry.skip_if_missing === true;
      for (const target of this.importTargets(file, path, index, skipIfMissing)) {
        const r = this.resolveFile(target);
        layers.push(r.value);
        for (const f of r.files) if (!files.includes(f)) files.push(f);
      }
    });
    const { import: _imports, ...rest } = own;
    layers.push(rest);
    files.push(file);
    const result = { value: mergeAll(layers, this.lists) ?? {}, files };
    this.resolving.delete(file);
    this.resolved.set(file, result);
    return result;
  }

  private importTargets(from: string, path: string, index: number, skipIfMissing: boolean): string[] {
    const parsed = this.repo.yaml(from);
    const line = parsed?.lineOf(['import', index]) ?? 0;
    if (/^[a-z][a-z0-9+.-]*::|^https?:\/\//i.test(path)) return [];
    if (hasTemplate(path)) {
      this.report(
        finding({
          severity: 'warning',
          code: 'value-unknowable',
          message: `import "${path}" is a template: check cannot tell which file it names, so what it would add is not read`,
          file: from,
          line,
          place: `import[${index}]`,
          fix: 'import a literal path where the imported file sets auth, vars or settings that decide a trust chain',
        }),
      );
      return [];
    }
    const relative = path.startsWith('./') || path.startsWith('../');
    const target = relative ? joinPath(dirOf(from), path) : joinPath(this.config.stacksBasePath, path);
    if (hasGlob(target)) {
      const matches = this.repo.all().filter((p) => isYamlFile(p) && globMatch(target, p) && p !== from);
      if (!matches.length && !skipIfMissing) this.missingImport(from, path, index, line);
      return matches;
    }
    for (const candidate of [target, `${target}.yaml`, `${target}.yml`]) if (this.repo.exists(candidate) && isYamlFile(candidate)) return [candidate];
    if (!skipIfMissing) this.missingImport(from, path, index, line);
    return [];
  }

  private missingImport(from: string, path: string, index: number, line: number): void {
    this.report(
      finding({
        severity: 'error',
        code: 'import-missing',
        message: `${from} imports "${path}", which is not a file under ${this.config.stacksBasePath || 'the stacks base path'} (Atmos stops with an error)`,
        file: from,
        line,
        place: `import[${index}]`,
        fix: `create ${joinPath(this.config.stacksBasePath, path)}.yaml or correct the import (paths are relative to stacks.base_path, without .yaml, or start with ./)`,
      }),
    );
  }

  /** The component `name` as Atmos resolves it in `stack`. */
  private component(stack: Stack, defs: Record<string, any>, name: string): ComponentInstance {
    const def = asMap(defs[name]);
    const metadata = asMap(def.metadata);
    const chain: string[] = [];
    const own = this.ownSections(defs, name, chain, new Set());
    const terraform = asMap(stack.raw.terraform);
    const section = (key: string): Record<string, any> => mergeAll([asMap(stack.raw[key]), asMap(terraform[key]), asMap(own[key])], this.lists) ?? {};
    return {
      name,
      base: typeof metadata.component === 'string' && metadata.component ? metadata.component : typeof def.component === 'string' && def.component ? def.component : name,
      abstract: metadata.type === 'abstract',
      enabled: metadata.enabled !== false,
      vars: section('vars'),
      settings: section('settings'),
      auth: section('auth'),
      source: own.source,
      metadata,
      chain,
    };
  }

  /** The component's own sections after its `metadata.inherits` (and legacy `component:`) bases. */
  private ownSections(defs: Record<string, any>, name: string, chain: string[], seen: Set<string>): Record<string, any> {
    if (seen.has(name)) return {};
    seen.add(name);
    const def = asMap(defs[name]);
    const metadata = asMap(def.metadata);
    const bases: string[] = [];
    if (typeof def.component === 'string' && def.component !== name && isPlainObject(defs[def.component])) bases.push(def.component);
    if (Array.isArray(metadata.inherits)) for (const b of metadata.inherits) if (typeof b === 'string') bases.push(b);
    const layers: Record<string, any>[] = [];
    for (const base of bases) if (isPlainObject(defs[base])) layers.push(this.ownSections(defs, base, chain, seen));
    const { metadata: _m, component: _c, ...rest } = def;
    layers.push(rest);
    chain.push(name);
    return layers.reduce((a, b) => deepMerge(a, b, this.lists), {});
  }

  /**
   * Where a component's value at `sub` (e.g. `['vars', 'trusted_github_repos']`) is set: the last
   * file, in merge order, that sets it for this component, one of its bases, the `terraform:`
   * section or the stack globally.
   */
  whereComponent(stack: Stack, component: ComponentInstance | string, sub: string[]): Place {
    const chain = typeof component === 'string' ? [component] : component.chain;
    const name = typeof component === 'string' ? component : component.name;
    const candidates: Array<Array<string | number>> = [
      ...[...chain].reverse().map((c) => ['components', 'terraform', c, ...sub]),
      ['terraform', ...sub],
      [...sub],
    ];
    return this.where(stack, candidates) ?? { file: stack.file, line: 0, place: ['components', 'terraform', name, ...sub].join('.') };
  }

  /** Where a stack-level value at `path` is set (last file in merge order). */
  whereStack(stack: Stack, path: Array<string | number>): Place {
    return this.where(stack, [path]) ?? { file: stack.file, line: 0, place: path.join('.') };
  }

  private where(stack: Stack, candidates: Array<Array<string | number>>): Place | null {
    // The most specific section wins whatever the file order; within one, the last file wins.
    for (const path of candidates) {
      for (let i = stack.files.length - 1; i >= 0; i--) {
        const parsed = this.repo.yaml(stack.files[i]);
        if (!parsed || parsed.value === null) continue;
        if (hasIn(parsed.value, path)) return { file: stack.files[i], line: parsed.lineOf(path), place: path.join('.') };
      }
    }
    return null;
  }
}
