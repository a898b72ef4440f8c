/**
 * Merging the tool's new output into files people have edited.
 *
 * Shared YAML (catalog, stacks, profile, mixin) is merged structurally, three ways: `base` is what
 * the tool generated last time, `desired` what it generates now, `current` the file on disk. Only
 * values the tool changes are touched, through the `yaml` Document API, so the user's comments, key
 * order, anchors and own keys survive and untouched lines keep their bytes. Managed text files
 * (workflows) go through `git merge-file`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';

export interface MergeResult {
  /** The merged text (equal to `current` when nothing needed to change). */
  text: string;
  /** Key paths where the user and the tool both changed a value differently. */
  conflicts: string[];
  /** True when the file could not be re-serialised without changing its formatting. */
  reformatted: boolean;
}

type Path = Array<string | number>;

const PARSE = { version: '1.2', keepSourceTokens: false } as const;
const PRINT = { lineWidth: 0 } as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function showPath(path: Path): string {
  return path.map(String).join('.');
}

/** The pair for `key` in a map node, so it can be copied with its comments. */
function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
}

/**
 * Three-way structural merge of YAML maps. `force` lets the tool's value win where both sides
 * changed one; keys only the user has are kept either way.
 */
export function mergeYaml(current: string, base: string | null, desired: string, force = false): MergeResult {
  const doc = parseDocument(current, PARSE);
  if (doc.errors.length) return { text: current, conflicts: [`(document): ${doc.errors[0].message.split('\n')[0]}`], reformatted: false };
  const reformatted = doc.toString(PRINT) !== current;
  const desiredDoc = parseDocument(desired, PARSE);
  const baseValue = base === null ? undefined : parseDocument(base, PARSE).toJS();
  const conflicts: string[] = [];
  let changed = false;

  const mergeMap = (path: Path, want: Record<string, unknown>, was: unknown): void => {
    const before = isObject(was) ? was : undefined;
    for (const [key, wantValue] of Object.entries(want)) {
      const keyPath = [...path, key];
      const has = doc.hasIn(keyPath);
      const haveValue = has ? toJS(doc.getIn(keyPath, true)) : undefined;
      const wasValue = before?.[key];
      if (isObject(wantValue) && (isObject(haveValue) || !has)) {
        if (!has) {
          if (before && key in before && !force) {
            // The user removed a whole section the tool still writes: keep their choice unless it changed.
            if (!equal(wasValue, wantValue)) conflicts.push(showPath(keyPath));
            continue;
          }
          insertFromDesired(keyPath);
          continue;
        }
        mergeMap(keyPath, wantValue, wasValue);
        continue;
      }
      if (has && equal(haveValue, wantValue)) continue;
      // Without a base there is no telling whose an item is: differing lists are a conflict then.
      if (has && isScalarList(wantValue) && isScalarList(haveValue) && isScalarList(wasValue)) {
        mergeList(keyPath, haveValue, wasValue, wantValue);
        continue;
      }
      const userUnchanged = has ? before !== undefined && key in before && equal(haveValue, wasValue) : false;
      const toolUnchanged = before !== undefined && key in before && equal(wasValue, wantValue);
      if (!has) {
        if (before && key in before && toolUnchanged && !force) continue; // deleted by the user, same as before for us
        if (before && key in before && !force) {
          conflicts.push(showPath(keyPath));
          continue;
        }
        insertFromDesired(keyPath);
      } else if (userUnchanged || force) {
        replaceValue(keyPath, wantValue);
      } else if (toolUnchanged) {
        continue; // edited by the user; the tool has nothing new to say here
      } else {
        conflicts.push(showPath(keyPath));
      }
    }
    if (!before) return;
    for (const [key, wasValue] of Object.entries(before)) {
      if (key in want) continue;
      const keyPath = [...path, key];
      if (!doc.hasIn(keyPath)) continue;
      const haveValue = toJS(doc.getIn(keyPath, true));
      if (equal(haveValue, wasValue) || force) {
        doc.deleteIn(keyPath);
        changed = true;
      } else {
        conflicts.push(showPath(keyPath));
      }
    }
  };

  /**
   * Lists of plain values (imports, trust entries, policy ARNs) merge as sets: what the tool removed
   * since last time goes, what it added is appended, and what the user added stays, in place.
   */
  const mergeList = (keyPath: Path, have: unknown[], was: unknown[], want: unknown[]): void => {
    const removedByTool = was.filter((x) => !want.some((y) => equal(x, y)));
    const addedByTool = want.filter((x) => !was.some((y) => equal(x, y)) && !have.some((y) => equal(x, y)));
    const seq = doc.getIn(keyPath, true);
    if (!isSeq(seq)) return;
    const before = seq.items.length;
    seq.items = seq.items.filter((item) => !removedByTool.some((x) => equal(toJS(item), x)));
    for (const value of addedByTool) seq.items.push(doc.createNode(value));
    if (seq.items.length !== before || addedByTool.length) changed = true;
  };

  /** Copy the pair from the desired document, comments included, to the end of its parent map. */
  const insertFromDesired = (keyPath: Path): void => {
    const parentPath = keyPath.slice(0, -1);
    const key = String(keyPath[keyPath.length - 1]);
    const sourceParent = parentPath.length ? desiredDoc.getIn(parentPath, true) : desiredDoc.contents;
    const pair = isMap(sourceParent) ? findPair(sourceParent, key) : undefined;
    let target = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
    if (!isMap(target)) {
      doc.setIn(parentPath, doc.createNode({}));
      target = doc.getIn(parentPath, true);
    }
    if (pair && isMap(target)) target.items.push(pair.clone() as Pair);
    else doc.setIn(keyPath, doc.createNode(desiredDoc.getIn(keyPath)));
    changed = true;
  };

  /** Replace a value in place, keeping the comments that sat on the old node. */
  const replaceValue = (keyPath: Path, value: unknown): void => {
    const old = doc.getIn(keyPath, true) as { comment?: string | null; commentBefore?: string | null } | undefined;
    const source = desiredDoc.getIn(keyPath, true) as { clone?: () => unknown } | undefined;
    const node = (source && typeof source.clone === 'function' ? source.clone() : doc.createNode(value)) as {
      comment?: string | null;
      commentBefore?: string | null;
    };
    if (old && typeof old === 'object') {
      if (old.comment) node.comment = old.comment;
      if (old.commentBefore) node.commentBefore = old.commentBefore;
    }
    doc.setIn(keyPath, node);
    changed = true;
  };

  const want = desiredDoc.toJS();
  if (!isObject(want)) return { text: current, conflicts: ['(document): the generated file is not a map'], reformatted: false };
  if (!isMap(doc.contents)) return { text: current, conflicts: ['(document): the file on disk is not a YAML map'], reformatted: false };
  mergeMap([], want, baseValue);
  // The header comment is ours while it is exactly what we wrote last time.
  if (base !== null) {
    const baseHeader = parseDocument(base, PARSE).commentBefore ?? null;
    if ((doc.commentBefore ?? null) === baseHeader && baseHeader !== (desiredDoc.commentBefore ?? null)) {
      doc.commentBefore = desiredDoc.commentBefore;
      changed = true;
    }
  }
  if (conflicts.length) return { text: current, conflicts, reformatted: false };
  return { text: changed ? doc.toString(PRINT) : current, conflicts, reformatted: changed && reformatted };
}

function isScalarList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x));
}

function toJS(node: unknown): unknown {
  if (node && typeof node === 'object' && 'toJSON' in node && typeof (node as { toJSON: () => unknown }).toJSON === 'function') {
    return (node as { toJSON: () => unknown }).toJSON();
  }
  if (isSeq(node) || isMap(node) || isScalar(node)) return (node as { toJSON: () => unknown }).toJSON();
  return node;
}

export interface TextMergeResult {
  text: string;
  /** Number of conflicting hunks; 0 for a clean merge. */
  conflicts: number;
}

/**
 * Three-way text merge with `git merge-file` (through execa): the user's file, the tool's last
 * output as the common base, the tool's new output. Null when git is not available.
 */
export async function mergeText(current: string, base: string, desired: string): Promise<TextMergeResult | null> {
  const dir = mkdtempSync(join(tmpdir(), 'atmos-oidc-merge-'));
  try {
    const files = { current: join(dir, 'current'), base: join(dir, 'base'), desired: join(dir, 'desired') };
    writeFileSync(files.current, current);
    writeFileSync(files.base, base);
    writeFileSync(files.desired, desired);
    const { execa } = await import('execa');
    const result = await execa(
      'git',
      ['merge-file', '-p', '-L', 'your edit', '-L', 'last generated', '-L', 'generated now', files.current, files.base, files.desired],
      { reject: false, stripFinalNewline: false },
    );
    // git merge-file exits with the number of conflicts (capped at 127), negative or >127 on error.
    if (typeof result.exitCode !== 'number' || result.exitCode < 0 || result.exitCode > 127) return null;
    return { text: String(result.stdout), conflicts: result.exitCode };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Add keys a YAML map lacks, through the Document API: existing keys, comments and order stay as
 * they are, untouched lines keep their bytes; a list in `additions` adds only its missing items
 * to the list already there. A value the file already holds is never changed (the caller decides
 * what a differing value means). Returns the text unchanged when nothing is missing.
 */
export function addMissingKeys(current: string, additions: Record<string, unknown>): string {
  const doc = parseDocument(current, PARSE);
  if (doc.errors.length) throw new Error(`cannot add keys to a file that is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new Error('cannot add keys to a YAML document that is not a map');
  let changed = false;
  const walk = (path: Path, want: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(want)) {
      const keyPath = [...path, key];
      if (!doc.hasIn(keyPath) || doc.getIn(keyPath) === null) {
        doc.setIn(keyPath, doc.createNode(value));
        changed = true;
      } else if (isObject(value) && isMap(doc.getIn(keyPath, true))) {
        walk(keyPath, value);
      } else if (Array.isArray(value)) {
        const seq = doc.getIn(keyPath, true);
        if (!isSeq(seq)) continue;
        for (const item of value) {
          if (!seq.items.some((x) => equal(toJS(x), item))) {
            seq.items.push(doc.createNode(item));
            changed = true;
          }
        }
      }
    }
  };
  walk([], additions);
  if (!changed) return current;
  const text = doc.toString(PRINT);
  return text.endsWith('\n') ? text : `${text}\n`;
}
