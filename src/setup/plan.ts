/**
 * From answers to a planned tree: render every file, decide per file whether it is created,
 * updated, left unchanged or in conflict with an edit by hand, and record what was written.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { ANSWERS_FILE, renderAnswersFile, type Answers, type AnswersRecord } from '../answers/answers.ts';
import { renderSetup, type RenderedFile } from './files.ts';
import { buildModel, type Model } from './model.ts';
import { mergeText, mergeYaml } from '../write/merge.ts';
import type { Tree } from '../write/tree.ts';
import { VERSION } from './version.ts';
import type { Discovery } from '../atmos/inventory.ts';
import { adaptModel, addImport, planAdoption, renderAdoptedSetup, ACCOUNT_FILES_DIR, type Adoption } from './adopt.ts';
import { workflowNames } from './files.ts';

export interface PlanOptions {
  /** Overwrite files edited by hand (the diff is printed first). */
  force: boolean;
  /** The answers file found in the target, if any: its hashes tell an edit by hand from our own output. */
  previous: AnswersRecord | null;
  /**
   * Other answers the last generation may have used (the answers file as last committed, when the
   * user has since edited it). A candidate is used as a merge base only where its output
   * reproduces the recorded hash.
   */
  baseCandidates?: Answers[];
  /** The repository as discovered, when init adopts it (or adopted it earlier): write into its layout. */
  discovery?: Discovery | null;
}

export interface PlanResult {
  model: Model;
  /** What adopting the repository decided (null when the tool laid the repository out itself). */
  adoption: Adoption | null;
  /** Keys an existing `atmos.yaml` lacks, as YAML to add, or null when it has them (or was written). */
  atmosConfigAdvice: string | null;
}

export function hashContent(content: string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
}

interface AtmosConfigFacts {
  stacksBasePath: string;
  missing: string[];
}

/** Read what an existing `atmos.yaml` says about where stacks live, and what our files need from it. */
export function inspectAtmosConfig(text: string, atmosPro: boolean, namespace: string): AtmosConfigFacts {
  let config: Record<string, any> = {};
  try {
    config = (parse(text, { version: '1.2', logLevel: 'silent' }) as Record<string, any>) ?? {};
  } catch {
    config = {};
  }
  const stacks = config?.stacks ?? {};
  const base = typeof config?.base_path === 'string' && config.base_path !== '.' && config.base_path !== './' && config.base_path !== '' ? config.base_path.replace(/\/+$/, '') : '';
  const stacksBase = typeof stacks.base_path === 'string' ? stacks.base_path.replace(/^\.\//, '').replace(/\/+$/, '') : 'stacks';
  const stacksBasePath = base ? `${base}/${stacksBase}` : stacksBase;
  const missing: string[] = [];
  const included: string[] = Array.isArray(stacks.included_paths) ? stacks.included_paths : [];
  const sample = `orgs/${namespace}/dev.yaml`;
  if (!included.some((glob) => globMatch(glob, sample))) missing.push('stacks:\n  included_paths:\n    - "orgs/**/*"');
  if (!stacks.name_template && !stacks.name_pattern) missing.push('stacks:\n  name_template: "{{ .vars.stage }}"');
  if (atmosPro && config?.templates?.settings?.enabled !== true) missing.push('templates:\n  settings:\n    enabled: true');
  return { stacksBasePath, missing };
}

/** The subset of Atmos's glob syntax its stack paths use: `**`, `*`, `?`; a pattern may omit `.yaml`. */
export function globMatch(glob: string, path: string): boolean {
  let source = '^';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`${source}$`);
  return re.test(path) || re.test(path.replace(/\.ya?ml$/, ''));
}

/**
 * Place one rendered file. A file that is exactly our last output (its hash is recorded in the
 * answers file) is replaced; an edited managed file is merged three ways with `git merge-file`; an
 * edited shared YAML file is merged structurally. What cannot be merged cleanly is a conflict,
 * unless `force`.
 */
async function place(tree: Tree, file: RenderedFile, base: string | undefined, options: PlanOptions): Promise<void> {
  const before = tree.original(file.path);
  if (file.ownership === 'once') {
    if (before === null) tree.write(file.path, file.content);
    return;
  }
  if (file.ownership === 'lines') {
    const present = new Set((before ?? '').split('\n').map((l) => l.trim()));
    const missing = file.content.split('\n').filter((l) => l.trim() && !present.has(l.trim()) && !present.has(`/${l.trim()}`));
    if (!missing.length) {
      if (before !== null) tree.write(file.path, before);
      return;
    }
    const prefix = before === null || before === '' ? '' : before.endsWith('\n') ? before : `${before}\n`;
    tree.write(file.path, `${prefix}${missing.join('\n')}\n`);
    return;
  }
  const recorded = options.previous?.files[file.path];
  if (before === null || before === file.content || (recorded !== undefined && hashContent(before) === recorded)) {
    tree.write(file.path, file.content);
    return;
  }
  // `base` is the last generated content, reproduced from answers whose output matches the recorded hash.
  const trustedBase = base ?? null;
  if (file.ownership === 'shared') {
    const merged = mergeYaml(before, trustedBase, file.content, options.force);
    if (merged.conflicts.length) {
      tree.conflict(file.path, file.content, `both your edit and the new answers change ${merged.conflicts.join(', ')}`);
    } else {
      tree.write(file.path, merged.text);
    }
    return;
  }
  if (options.force) {
    tree.write(file.path, file.content);
    return;
  }
  if (!trustedBase) {
    tree.conflict(
      file.path,
      file.content,
      recorded
        ? 'edited by hand, and its last generated version cannot be reproduced as a merge base (it is rebuilt from .atmos-oidc.yaml on disk or as committed in git: commit before editing the answers)'
        : 'exists and was not written by create-atmos-oidc',
    );
    return;
  }
  const merged = await mergeText(before, trustedBase, file.content);
  if (merged && merged.conflicts === 0) tree.write(file.path, merged.text);
  else
    tree.conflict(
      file.path,
      file.content,
      merged ? `edited by hand; a three-way merge with the new output has ${merged.conflicts} conflicting hunk${merged.conflicts === 1 ? '' : 's'}` : 'edited by hand, and git is not available to merge',
      merged ? conflictHunks(merged.text) : undefined,
    );
}

/** The regions of a merge result between git's conflict markers, with two lines of context. */
function conflictHunks(text: string): string {
  const lines = text.split('\n');
  const keep = new Set<number>();
  let start = -1;
  lines.forEach((line, i) => {
    if (line.startsWith('<<<<<<< ')) start = i;
    if (line.startsWith('>>>>>>> ') && start >= 0) {
      for (let j = Math.max(0, start - 2); j <= Math.min(lines.length - 1, i + 2); j++) keep.add(j);
      start = -1;
    }
  });
  const out: string[] = [];
  let last = -2;
  for (const i of [...keep].sort((a, b) => a - b)) {
    if (i !== last + 1 && out.length) out.push('...');
    out.push(lines[i]);
    last = i;
  }
  return out.join('\n');
}

/**
 * A file the tool wrote last time but no longer generates (an account removed, Atmos Pro turned
 * off) is removed when it is exactly as written, and reported when it was edited.
 */
function removeStale(tree: Tree, generated: Set<string>, options: PlanOptions): void {
  for (const [path, recorded] of Object.entries(options.previous?.files ?? {})) {
    if (generated.has(path)) continue;
    const before = tree.original(path);
    if (before === null) continue;
    if (hashContent(before) === recorded || options.force) tree.remove(path);
    else tree.conflict(path, before, 'no longer generated from the answers, but edited by hand: delete it yourself, or run with --force');
  }
}

/** Plan the whole setup for `answers` into `tree`, answers file last. */
export async function planSetup(tree: Tree, answers: Answers, options: PlanOptions): Promise<PlanResult> {
  if (options.discovery) return planAdopted(tree, answers, options, options.discovery);
  const existingConfig = tree.original('atmos.yaml');
  const facts = existingConfig === null ? null : inspectAtmosConfig(existingConfig, answers.atmos_pro, answers.namespace);
  const stacksBasePath = facts?.stacksBasePath ?? 'stacks';
  const model = buildModel(answers, stacksBasePath);
  const files = renderSetup(model, existingConfig === null);
  const bases = new Map<string, string>();
  const recorded = options.previous?.files ?? {};
  const candidates = options.previous ? [options.previous.answers, ...(options.baseCandidates ?? [])] : [];
  for (const candidate of candidates) {
    for (const f of renderSetup(buildModel(candidate, stacksBasePath), false)) {
      if (!bases.has(f.path) && recorded[f.path] === hashContent(f.content)) bases.set(f.path, f.content);
    }
  }
  for (const file of files) await place(tree, file, bases.get(file.path), options);
  removeStale(tree, new Set(files.map((f) => f.path)), options);

  const hashes: Record<string, string> = {};
  for (const file of files) {
    if (file.ownership !== 'managed' && file.ownership !== 'shared') continue;
    const change = tree.changes().find((c) => c.path === file.path);
    if (change?.kind === 'conflict') {
      const kept = options.previous?.files[file.path];
      if (kept) hashes[file.path] = kept;
    } else {
      hashes[file.path] = hashContent(file.content);
    }
  }
  tree.write(ANSWERS_FILE, renderAnswersFile({ answers, generator: `create-atmos-oidc@${VERSION}`, files: hashes }));
  const advice = facts && facts.missing.length ? facts.missing.join('\n') : null;
  return { model, adoption: null, atmosConfigAdvice: advice };
}

/** Record what was written: the hash of each file the tool owns, kept as it was for one left in conflict. */
function recordHashes(tree: Tree, files: RenderedFile[], options: PlanOptions): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const file of files) {
    if (file.ownership !== 'managed' && file.ownership !== 'shared') continue;
    const change = tree.changes().find((c) => c.path === file.path);
    if (change?.kind === 'conflict') {
      const kept = options.previous?.files[file.path];
      if (kept) hashes[file.path] = kept;
    } else {
      hashes[file.path] = hashContent(file.content);
    }
  }
  return hashes;
}

/**
 * Plan the setup into a repository that had Atmos before the tool came: into its own stacks (one
 * import line added to each account's manifest), its own configuration (never a second atmos.yaml,
 * never renamed stacks: only keys it lacks are advised), its profile and free workflow names.
 */
async function planAdopted(tree: Tree, answers: Answers, options: PlanOptions, discovery: Discovery): Promise<PlanResult> {
  const ourFiles = new Set(Object.keys(options.previous?.files ?? {}));
  const probe = buildModel(answers);
  const adoption = planAdoption(discovery, answers, options.previous?.adopted ?? null, workflowNames(probe), ourFiles);
  const config = discovery.config;
  const stacksBasePath = config?.stacksBasePath ?? 'stacks';
  const modelFor = (a: Answers): Model => {
    const m = buildModel(a, stacksBasePath);
    adaptModel(m, adoption);
    return m;
  };
  const model = modelFor(answers);
  const files = renderAdoptedSetup(model, adoption);
  const bases = new Map<string, string>();
  const recorded = options.previous?.files ?? {};
  const candidates = options.previous ? [options.previous.answers, ...(options.baseCandidates ?? [])] : [];
  for (const candidate of candidates) {
    let rendered: RenderedFile[] = [];
    try {
      rendered = renderAdoptedSetup(modelFor(candidate), adoption);
    } catch {
      continue; // answers whose stages no longer resolve here cannot be a merge base
    }
    for (const f of rendered) if (!bases.has(f.path) && recorded[f.path] === hashContent(f.content)) bases.set(f.path, f.content);
  }
  for (const file of files) await place(tree, file, bases.get(file.path), options);
  removeStale(tree, new Set(files.map((f) => f.path)), options);
  // The user's manifests: one import line each, nothing else.
  for (const [stage, target] of adoption.targets) {
    const current = tree.read(target.file);
    if (current === null) continue;
    const next = addImport(current, `${ACCOUNT_FILES_DIR}/${stage}`);
    if (next !== current || tree.changes().every((c) => c.path !== target.file)) tree.write(target.file, next);
  }
  tree.write(ANSWERS_FILE, renderAnswersFile({ answers, generator: `create-atmos-oidc@${VERSION}`, files: recordHashes(tree, files, options), adopted: adoption.record }));
  const configText = tree.original(adoption.record.config);
  const facts = configText === null ? null : inspectAtmosConfig(configText, answers.atmos_pro, answers.namespace);
  // Only keys that add to the configuration: a name template or other included paths would rename
  // or hide the user's stacks, and the adopted files resolve under the names the stacks have.
  const advice = facts ? facts.missing.filter((block) => block.startsWith('templates:')) : [];
  return { model, adoption, atmosConfigAdvice: advice.length ? advice.join('\n') : null };
}
