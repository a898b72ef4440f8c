/**
 * From answers to a planned tree: render every file, decide per file whether it is created,
 * updated, left unchanged or in conflict with an edit by hand, and record what was written.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import { ANSWERS_FILE, renderAnswersFile, type Answers, type AnswersRecord } from '../answers/answers.ts';
import { renderSetup, type RenderedFile } from './files.ts';
import { buildModel, type Model } from './model.ts';
import { addMissingKeys, AddKeysError, conflictMarkerRanges, MARKER_OURS, MARKER_SEP, MARKER_THEIRS, mergeText, mergeYaml } from '../write/merge.ts';
import { eolOf, fromLf, toLf } from '../write/bytes.ts';
import { InputError } from '../answers/validate.ts';
import { planAtmosConfig } from './atmos-config.ts';
import { findExistingBackend, type ExistingBackend } from './backend.ts';
import type { Tree } from '../write/tree.ts';
import { VERSION } from './version.ts';
import type { Discovery } from '../atmos/inventory.ts';
import { adaptModel, addImport, planAdoption, renderAdoptedSetup, ACCOUNT_FILES_DIR, type Adoption } from './adopt.ts';
import { renderWorkflow, WORKFLOWS_DIR, workflowNames } from './files.ts';
import { isPlainObject, parseYaml } from '../atmos/yaml.ts';

export interface PlanOptions {
  /** Resolve each conflicting region to the tool's side, keeping every other edit (the diff is printed first). */
  force: boolean;
  /** `inline`: write git-style conflict markers into a conflicting file instead of leaving it alone. */
  conflict?: 'report' | 'inline';
  /** The answers file found in the target, if any: its hashes tell an edit by hand from our own output. */
  previous: AnswersRecord | null;
  /**
   * Other answers the last generation may have used (the answers file in the index and in each
   * commit of its git history, newest first). A candidate is used as a merge base only where its
   * output reproduces the recorded hash; a lazy source is read only while some edited file still
   * lacks its base.
   */
  baseCandidates?: Answers[] | (() => AsyncIterable<Answers>);
  /** The repository as discovered, when init adopts it (or adopted it earlier): write into its layout. */
  discovery?: Discovery | null;
}

/** A file written with conflict markers (`--conflict inline`): the run exits 1 until they are resolved. */
export interface InlineConflict {
  path: string;
  reason: string;
}

export interface PlanResult {
  model: Model;
  /** What adopting the repository decided (null when the tool laid the repository out itself). */
  adoption: Adoption | null;
  /** Always null now: keys an existing `atmos.yaml` lacks are added to it (see `atmosConfigAdded`). */
  atmosConfigAdvice: string | null;
  /** The keys added to an existing `atmos.yaml`, one line each with why (empty when none). */
  atmosConfigAdded: string[];
  /** The configuration file keys were added to, when any. */
  atmosConfigFile: string | null;
  /** With `backend: existing`, the file whose backend every generated stack imports. */
  existingBackend: ExistingBackend | null;
  /** Files written with conflict markers (only with `conflict: 'inline'`). */
  inlineConflicts: InlineConflict[];
}

/** The recorded hash of a generated file: `sha256:` and the full SHA-256 digest (64 hex digits). */
export function hashContent(content: string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/**
 * Whether `content` is what `recorded` describes. Versions before 0.2 wrote `sha256:` with only the
 * first 32 hex digits of the digest (half of it, under a label that promised all of it); such a
 * record is still read, as that prefix, so a repository set up by them keeps its merge base.
 */
export function hashMatches(content: string, recorded: string | undefined): boolean {
  if (recorded === undefined) return false;
  const full = hashContent(content);
  if (/^sha256:[0-9a-f]{64}$/.test(recorded)) return recorded === full;
  if (/^sha256:[0-9a-f]{32}$/.test(recorded)) return full.startsWith(recorded);
  return false;
}

/**
 * Place one rendered file. A file that is exactly our last output (its hash is recorded in the
 * answers file) is replaced; an edited managed file is merged three ways with `git merge-file`; an
 * edited shared YAML file is merged structurally. Either merge runs once, resolving conflicting
 * regions to the tool's side: that text is what `--force` writes and what a conflict's preview
 * shows, so the two cannot differ. Without `--force` a conflict leaves the file alone (or, with
 * `--conflict inline`, writes git-style markers around each conflicting region).
 * Line endings are the file's own: a CRLF file is merged as LF and written back as CRLF.
 */
async function place(tree: Tree, file: RenderedFile, base: string | undefined, options: PlanOptions, inline: InlineConflict[]): Promise<void> {
  const raw = tree.original(file.path);
  const eol = raw === null ? 'lf' : eolOf(raw);
  const before = raw === null ? null : toLf(raw, eol);
  const write = (text: string): void => void tree.write(file.path, fromLf(text, eol));
  if (file.ownership === 'once') {
    if (before === null) write(file.content);
    return;
  }
  if (file.ownership === 'lines') {
    const present = new Set((before ?? '').split('\n').map((l) => l.trim()));
    const missing = file.content.split('\n').filter((l) => l.trim() && !present.has(l.trim()) && !present.has(`/${l.trim()}`));
    if (!missing.length) {
      if (raw !== null) tree.write(file.path, raw);
      return;
    }
    const prefix = before === null || before === '' ? '' : before.endsWith('\n') ? before : `${before}\n`;
    write(`${prefix}${missing.join('\n')}\n`);
    return;
  }
  const recorded = options.previous?.files[file.path];
  if (before === null || before === file.content || hashMatches(before, recorded)) {
    write(file.content);
    return;
  }
  const markers = conflictMarkerRanges(before);
  if (markers.length) {
    const where = markers.map(([a, b]) => `${a}-${b}`).join(', ');
    tree.conflict(file.path, raw!, `has unresolved conflict markers (lines ${where}): resolve them in an editor, then run again`);
    return;
  }
  // `base` is the last generated content, reproduced from answers whose output matches the recorded hash.
  const trustedBase = base ?? null;
  let forced: string;
  let reason: string;
  let detail: string | undefined;
  let withMarkers: (() => Promise<string>) | null = null;
  if (file.ownership === 'shared') {
    const merged = mergeYaml(before, trustedBase, file.content, 'theirs');
    if (!merged.conflicts.length) return write(merged.text);
    forced = merged.text;
    reason = `both your edit and the new answers change ${merged.conflicts.join(', ')}`;
    withMarkers = async () => mergeYaml(before, trustedBase, file.content, 'markers').text;
  } else if (!trustedBase) {
    forced = file.content;
    reason = recorded
      ? 'edited by hand, and its last generated version cannot be reproduced as a merge base (it is rebuilt from .atmos-oidc.yaml in the working tree, the index or its git history)'
      : 'exists and was not written by create-atmos-oidc';
    withMarkers = async () => `${MARKER_OURS}\n${before.endsWith('\n') || !before ? before : `${before}\n`}${MARKER_SEP}\n${file.content}${MARKER_THEIRS}\n`;
  } else {
    const merged = await mergeText(before, trustedBase, file.content, 'theirs');
    if (merged && merged.conflicts === 0) return write(merged.text);
    forced = merged ? merged.text : file.content;
    const shown = merged ? await mergeText(before, trustedBase, file.content, 'markers') : null;
    reason = merged ? `edited by hand; a three-way merge with the new output has ${merged.conflicts} conflicting hunk${merged.conflicts === 1 ? '' : 's'}` : 'edited by hand, and git is not available to merge';
    detail = shown ? conflictHunks(shown.text) : undefined;
    if (shown) withMarkers = async () => shown.text;
  }
  if (options.force) {
    write(forced);
    return;
  }
  if (options.conflict === 'inline' && withMarkers) {
    write(await withMarkers());
    inline.push({ path: file.path, reason });
    return;
  }
  tree.conflict(file.path, fromLf(forced, eol), reason, detail);
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
    const raw = tree.original(path);
    if (raw === null) continue;
    const before = toLf(raw, eolOf(raw));
    if (hashMatches(before, recorded) || options.force) tree.remove(path);
    else tree.conflict(path, before, 'no longer generated from the answers, but edited by hand: delete it yourself, or run with --force');
  }
}

/** Plan the whole setup for `answers` into `tree`, answers file last. */
export async function planSetup(tree: Tree, answers: Answers, options: PlanOptions): Promise<PlanResult> {
  if (options.discovery) return planAdopted(tree, answers, options, options.discovery);
  const namespaceDir = (base: string): string => `${base}/orgs/${answers.namespace}`;
  const writesDefaults = answers.backend?.type === 's3' || answers.backend?.type === 'local';
  const atmos = planAtmosConfig(tree, {
    atmosPro: answers.atmos_pro,
    manifest: (base) => `${namespaceDir(base)}/${answers.accounts[0].stage}.yaml`,
    defaultsFile: writesDefaults ? (base) => `${namespaceDir(base)}/_defaults.yaml` : null,
  });
  const stacksBasePath = atmos.stacksBasePath;
  let existingBackend: ExistingBackend | null = null;
  if (answers.backend?.type === 'existing') {
    const ours = new Set(Object.keys(options.previous?.files ?? {}));
    existingBackend = findExistingBackend(tree, atmos.config, stacksBasePath, ours);
    if (!existingBackend)
      throw new InputError({
        field: 'backend.type',
        value: 'existing',
        allowed: `no file under ${stacksBasePath}/ sets terraform.backend_type, so the generated stacks would keep state in the throw-away work directory; answer "s3" with a bucket, or add the backend to your stacks first`,
      });
  }
  const model = buildModel(answers, stacksBasePath, existingBackend?.importPath ?? null);
  const files = renderSetup(model, atmos.file === null);
  if (atmos.file && atmos.added.length) tree.write(atmos.file, withAddedKeys(atmos.file, tree.original(atmos.file) ?? '', atmos.additions));
  const bases = await mergeBases(tree, files, (a) => renderSetup(buildModel(a, stacksBasePath, existingBackend?.importPath ?? null), false), options);
  const inline: InlineConflict[] = [];
  for (const file of files) await place(tree, file, bases.get(file.path), options, inline);
  removeStale(tree, new Set(files.map((f) => f.path)), options);
  const fresh = renderAnswersFile({ answers, generator: `create-atmos-oidc@${VERSION}`, files: recordHashes(tree, files, options, inline) });
  tree.write(ANSWERS_FILE, answersFileText(tree.original(ANSWERS_FILE), fresh));
  return { model, adoption: null, atmosConfigAdvice: null, atmosConfigAdded: atmos.file ? atmos.added : [], atmosConfigFile: atmos.file, existingBackend, inlineConflicts: inline };
}

/**
 * Our workflows the adoption would rename because the user has one of that name: where the user's
 * is the same workflow and the structural merge adds ours to it without a conflict, the name is
 * kept and the merged text is what gets written (recorded as ours, so later runs merge three ways).
 */
function mergeSameWorkflows(tree: Tree, model: Model, adoption: Adoption): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of Object.keys(adoption.record.workflows)) {
    const path = `${WORKFLOWS_DIR}/${name}`;
    if (!adoption.renamedNow.has(name)) continue;
    const theirs = tree.original(path);
    const ours = renderWorkflow({ ...model, workflowFiles: {} }, name);
    if (theirs === null || !sameWorkflow(theirs, ours)) continue;
    const result = mergeYaml(theirs, null, ours);
    if (result.conflicts.length) continue;
    delete adoption.record.workflows[name];
    adoption.record.user_files = adoption.record.user_files.filter((f) => f !== path);
    out.set(path, result.text);
  }
  return out;
}

/** Same jobs and same triggers. */
function sameWorkflow(a: string, b: string): boolean {
  const shape = (text: string): string | null => {
    const v = parseYaml(text, 'workflow').value;
    if (!isPlainObject(v)) return null;
    const on = v.on;
    const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : isPlainObject(on) ? Object.keys(on) : [];
    return JSON.stringify([[...triggers].sort(), Object.keys(isPlainObject(v.jobs) ? v.jobs : {}).sort()]);
  };
  const x = shape(a);
  return x !== null && x === shape(b);
}

/** Record what was written: the hash of each file the tool owns, kept as it was for one left in conflict. */
function recordHashes(tree: Tree, files: RenderedFile[], options: PlanOptions, inline: InlineConflict[]): Record<string, string> {
  const hashes: Record<string, string> = {};
  const marked = new Set(inline.map((c) => c.path));
  for (const file of files) {
    if (file.ownership !== 'managed' && file.ownership !== 'shared') continue;
    const change = tree.changes().find((c) => c.path === file.path);
    // A file written with markers is merged next time against what was generated now: once the
    // user resolves the markers, their result is an edit of this output.
    if (marked.has(file.path)) {
      hashes[file.path] = hashContent(file.content);
      continue;
    }
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
  const stacksBasePath = discovery.config.stacksBasePath;
  const modelFor = (a: Answers): Model => {
    const m = buildModel(a, stacksBasePath);
    adaptModel(m, adoption);
    return m;
  };
  // A workflow of the user's under one of our names that is the same workflow (same jobs, same
  // triggers) and merges with ours without a conflict keeps its name: ours is merged into it.
  const merged = mergeSameWorkflows(tree, modelFor(answers), adoption);
  const model = modelFor(answers);
  const files = renderAdoptedSetup(model, adoption);
  // The configuration gets only the keys CI needs that it lacks (the structural merge): the stacks
  // are already included and named, so no path or name key is ever added or changed.
  const firstTarget = [...adoption.targets.values()][0];
  const atmos = planAtmosConfig(tree, { atmosPro: answers.atmos_pro, manifest: () => firstTarget.file, defaultsFile: null });
  if (atmos.file && atmos.added.length) tree.write(atmos.file, withAddedKeys(atmos.file, tree.original(atmos.file) ?? '', atmos.additions));
  // Answers whose stages no longer resolve here cannot be a merge base: mergeBases skips them.
  const bases = await mergeBases(tree, files, (a) => renderAdoptedSetup(modelFor(a), adoption), options);
  const inline: InlineConflict[] = [];
  for (const file of files) {
    const text = merged.get(file.path);
    if (text !== undefined) tree.write(file.path, text);
    else await place(tree, file, bases.get(file.path), options, inline);
  }
  removeStale(tree, new Set(files.map((f) => f.path)), options);
  // Files recorded as the user's are never rewritten: a planned change to one (other than the
  // import line below) is left as a conflict, so nothing is written.
  const allowed = new Set([...adoption.targets.values()].map((t) => t.file));
  for (const change of tree.changes())
    if (adoption.record.user_files.includes(change.path) && !allowed.has(change.path) && (change.kind === 'update' || change.kind === 'delete'))
      tree.conflict(change.path, change.after, 'yours (adopted.user_files in .atmos-oidc.yaml): create-atmos-oidc does not rewrite it');
  // The user's manifests: one import line each, nothing else.
  for (const [stage, target] of adoption.targets) {
    const current = tree.read(target.file);
    if (current === null) continue;
    tree.write(target.file, addImport(current, `${ACCOUNT_FILES_DIR}/${stage}`));
  }
  const fresh = renderAnswersFile({ answers, generator: `create-atmos-oidc@${VERSION}`, files: recordHashes(tree, files, options, inline), adopted: adoption.record });
  tree.write(ANSWERS_FILE, answersFileText(tree.original(ANSWERS_FILE), fresh));
  return { model, adoption, atmosConfigAdvice: null, atmosConfigAdded: atmos.file ? atmos.added : [], atmosConfigFile: atmos.file, existingBackend: null, inlineConflicts: inline };
}

/**
 * The answers file with new values, as an edit of the one on disk: the user's comments, key order,
 * quoting and line endings stay, and only the values that change are rewritten (a structural merge
 * whose base is the file itself, so every value of ours wins). Fresh when there is none, or when
 * the edit would not read back as exactly the new answers.
 */
export function answersFileText(existing: string | null, fresh: string): string {
  if (existing === null) return fresh;
  const eol = eolOf(existing);
  const current = toLf(existing, eol);
  const merged = mergeYaml(current, current, fresh, 'theirs', 'generated');
  if (merged.conflicts.length || merged.reformatted) return fromLf(fresh, eol);
  try {
    if (!isDeepStrictEqual(parse(merged.text, { version: '1.2' }), parse(fresh, { version: '1.2' }))) return fromLf(fresh, eol);
  } catch {
    return fromLf(fresh, eol);
  }
  return fromLf(merged.text, eol);
}

/**
 * The last generated content of each edited file, rebuilt from whichever answers reproduce its
 * recorded hash: the answers on disk first, then the other candidates (index, git history) only
 * while some edited file still has no base.
 */
async function mergeBases(tree: Tree, files: RenderedFile[], render: (answers: Answers) => RenderedFile[], options: PlanOptions): Promise<Map<string, string>> {
  const bases = new Map<string, string>();
  const recorded = options.previous?.files ?? {};
  if (!options.previous) return bases;
  const needed = new Set(
    files
      .filter((f) => (f.ownership === 'managed' || f.ownership === 'shared') && recorded[f.path] !== undefined)
      .filter((f) => {
        const raw = tree.original(f.path);
        return raw !== null && !hashMatches(toLf(raw, eolOf(raw)), recorded[f.path]);
      })
      .map((f) => f.path),
  );
  const tryCandidate = (candidate: Answers): void => {
    let rendered: RenderedFile[];
    try {
      rendered = render(candidate);
    } catch {
      return; // answers an older version accepted and this one cannot render: no base from them
    }
    for (const f of rendered) {
      if (needed.has(f.path) && hashMatches(f.content, recorded[f.path])) {
        bases.set(f.path, f.content);
        needed.delete(f.path);
      }
    }
  };
  tryCandidate(options.previous.answers);
  const more = options.baseCandidates;
  if (!needed.size || !more) return bases;
  if (Array.isArray(more)) {
    for (const candidate of more) if (needed.size) tryCandidate(candidate);
    return bases;
  }
  for await (const candidate of more()) {
    tryCandidate(candidate);
    if (!needed.size) break;
  }
  return bases;
}

/**
 * The user's atmos.yaml with the keys CI needs added as text. A layout they cannot be added to
 * without changing what the file says (a flow map, an anchored map other keys refer to) is the
 * user's to edit: refused naming the file and the keys, nothing written.
 */
function withAddedKeys(file: string, text: string, additions: Record<string, unknown>): string {
  try {
    return addMissingKeys(text, additions);
  } catch (error) {
    if (!(error instanceof AddKeysError)) throw error;
    throw new InputError({
      field: file,
      value: error.path,
      allowed: `${error.message}; add these keys to ${file} by hand and run again:\n${stringify(additions, { lineWidth: 0 }).trimEnd()}`,
    });
  }
}
