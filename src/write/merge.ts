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
import { isMap, isPair, isScalar, isSeq, parseDocument, stringify, type Pair, type YAMLMap } from 'yaml';

export interface MergeResult {
  /** The merged text (equal to `current` when nothing needed to change). */
  text: string;
  /** Key paths where the user and the tool both changed a value differently. */
  conflicts: string[];
  /** True when the file could not be re-serialised without changing its formatting. */
  reformatted: boolean;
}

type Path = Array<string | number>;

// Atmos YAML functions (`!exec`, `!terraform.state`) are unknown tags to `yaml`: kept on their node, not warned about.
const PARSE = { version: '1.2', keepSourceTokens: false, logLevel: 'error' } as const;
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
 * Add keys a YAML map lacks. Each missing key is inserted as text at the end of the block map that
 * should hold it (found through the Document API), so every byte already in the file stays as it
 * is: comments, spacing, quoting, order. A list in `additions` adds only its missing items to the
 * block list already there. A value the file already holds is never changed (the caller decides
 * what a differing value means). Returns the text unchanged when nothing is missing.
 */
export function addMissingKeys(current: string, additions: Record<string, unknown>): string {
  const doc = parseDocument(current, PARSE);
  if (doc.errors.length) throw new Error(`cannot add keys to a file that is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new Error('cannot add keys to a YAML document that is not a map');
  const inserts: Array<{ at: number; text: string; i: number }> = [];
  const lineStart = (offset: number): number => current.lastIndexOf('\n', offset - 1) + 1;
  const columnOf = (offset: number): number => offset - lineStart(offset);
  /** The offset just after the line on which `offset - 1` lies. */
  const afterLine = (offset: number): number => {
    if (offset > 0 && current[offset - 1] === '\n') return offset;
    const nl = current.indexOf('\n', offset);
    return nl === -1 ? current.length : nl + 1;
  };
  const block = (value: Record<string, unknown> | unknown[], indent: number): string =>
    stringify(value, { lineWidth: 0, indentSeq: true })
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `${' '.repeat(indent)}${l}\n`)
      .join('');
  const walk = (path: Path, want: Record<string, unknown>, node: unknown): void => {
    const map = isMap(node) && !node.flow ? node : null;
    for (const [key, value] of Object.entries(want)) {
      const keyPath = [...path, key];
      const child = map ? findPair(map, key)?.value : undefined;
      if (child === undefined || child === null || (isScalar(child) && child.value === null)) {
        if (!map) throw new Error(`cannot add ${showPath(keyPath)}: ${showPath(path) || 'the document'} is not a block map`);
        const first = map.items[0];
        const indent = first && isScalar(first.key) && first.key.range ? columnOf(first.key.range[0]) : 0;
        const end = map.range?.[1] ?? current.length;
        const at = map.items.length ? afterLine(end) : current.length;
        inserts.push({ at, text: (indent === 0 && at > 0 ? '\n' : '') + block({ [key]: value }, indent), i: inserts.length });
      } else if (isObject(value)) {
        walk(keyPath, value, child);
      } else if (Array.isArray(value) && isSeq(child) && !child.flow) {
        const missing = value.filter((item) => !child.items.some((x) => equal(toJS(x), item)));
        if (!missing.length) continue;
        const first = child.items[0] as { range?: [number, number, number] } | undefined;
        const indent = first?.range ? Math.max(0, columnOf(first.range[0]) - 2) : 0;
        inserts.push({ at: afterLine(child.range?.[1] ?? current.length), text: block(missing, indent), i: inserts.length });
      }
    }
  };
  walk([], additions, doc.contents);
  if (!inserts.length) return current;
  let text = current.endsWith('\n') || current === '' ? current : `${current}\n`;
  for (const { at, text: piece } of inserts.sort((a, b) => b.at - a.at || b.i - a.i)) {
    const where = Math.min(at, text.length);
    text = text.slice(0, where) + piece + text.slice(where);
  }
  const check = parseDocument(text, PARSE);
  if (check.errors.length) throw new Error(`adding keys would break the YAML: ${check.errors[0].message.split('\n')[0]}`);
  return text;
}
