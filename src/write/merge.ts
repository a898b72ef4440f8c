/**
 * Merging the tool's new output into files people have edited.
 *
 * Shared YAML (catalog, stacks, profile, mixin, the answers file) is merged structurally, three
 * ways: `base` is what the tool generated last time, `desired` what it generates now, `current` the
 * file on disk. The rules, per key:
 *   - a value only the tool changed takes the tool's value; one only the user changed keeps the user's;
 *   - a value both changed differently is a conflict;
 *   - a key the tool stops writing is removed only when the user left it as generated (otherwise a conflict);
 *   - lists of plain values merge as sets: the tool's removals go, its additions are appended, the user's stay.
 * The result is computed on the `yaml` Document model, but written as splices into the user's own
 * text: only the bytes of the values that change are replaced, so indentation, quoting, comments,
 * blank lines and everything else of untouched lines keep their bytes. Where a splice cannot be
 * made safely (flow collections, a key sharing its line with "- "), that one pair is written anew;
 * the result is parsed back and compared with the model. Where the planned splices do not give the
 * merged value (they overlap: a map emptied and refilled), the user's file is edited straight to the
 * merged value pair by pair (`patchToValue`), so only pairs whose value changes lose their
 * formatting. Only a file whose top level is no block map (a flow map) is re-serialised whole (`reformatted`);
 * 0 of 6,000 random merges in test/merge-property.test.ts are. Managed text files (workflows) go
 * through `git merge-file`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument, stringify, visit, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * What to do where both sides changed a value differently: `keep` leaves the file as it is (the
 * result is `current`), `theirs` takes the tool's side in that region only (what `--force` writes),
 * `markers` writes git-style conflict markers around the region (`--conflict inline`).
 */
export type Resolution = 'keep' | 'theirs' | 'markers';

export interface MergeResult {
  /** The merged text (equal to `current` when nothing needed to change). */
  text: string;
  /** Key paths where the user and the tool both changed a value differently. */
  conflicts: string[];
  /** True when the file could not be edited in place and was re-serialised as a whole. */
  reformatted: boolean;
}

export const MARKER_OURS = '<<<<<<< your edit';
export const MARKER_SEP = '=======';
export const MARKER_THEIRS = '>>>>>>> generated now';

type Path = Array<string | number>;

// Atmos YAML functions (`!exec`, `!terraform.state`) are unknown tags to `yaml`: kept on their node, not warned about.
const PARSE = { version: '1.2', keepSourceTokens: false, logLevel: 'error' } as const;
const PRINT = { lineWidth: 0 } as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of plain YAML values; key order does not matter, list order does. */
export function equal(a: unknown, b: unknown): boolean {
  // `.nan` is a value like any other in a file: equal to itself.
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => equal(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  }
  return false;
}

function has(obj: Record<string, unknown> | undefined, key: string): boolean {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key);
}

function showPath(path: Path): string {
  return path.map(String).join('.');
}

/** The pair for `key` in a map node. */
function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
}

function lineStart(src: string, i: number): number {
  return src.lastIndexOf('\n', i - 1) + 1;
}

function lineEnd(src: string, i: number): number {
  const n = src.indexOf('\n', i);
  return n < 0 ? src.length : n + 1;
}

function column(src: string, i: number): number {
  return i - lineStart(src, i);
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** Shift every non-blank line of `text` from column `from` to column `to`. */
function reindent(text: string, from: number, to: number): string {
  if (from === to) return text;
  return text
    .split('\n')
    .map((line) => {
      if (!line.trim()) return line;
      if (to > from) return ' '.repeat(to - from) + line;
      return line.slice(Math.min(from - to, line.length - line.trimStart().length));
    })
    .join('\n');
}

/**
 * The whole lines a block-map pair occupies, from its key's line to the end of its value (a
 * trailing comment on the last line included), or null when the key shares its line with
 * something else (`- key:`, a flow map) and the lines are not the pair's alone.
 */
function pairRegion(src: string, pair: Pair | undefined): { start: number; end: number; col: number } | null {
  if (!pair || !isScalar(pair.key) || !pair.key.range) return null;
  const keyStart = pair.key.range[0];
  const start = lineStart(src, keyStart);
  if (src.slice(start, keyStart).trim() !== '') return null;
  const value = pair.value as Node | null;
  let last = pair.key.range[1];
  if (value && value.range) last = Math.max(last, value.range[1]);
  return { start, end: lineEnd(src, Math.max(keyStart, last - 1)), col: keyStart - start };
}

/** Comment lines directly above `start` at column `col`, and whether a blank line precedes them. */
function leadingComments(src: string, start: number, col: number): { start: number; blank: boolean } {
  let s = start;
  while (s > 0) {
    const prev = lineStart(src, s - 1);
    const line = src.slice(prev, s - 1);
    if (/^\s*#/.test(line) && line.length - line.trimStart().length === col) s = prev;
    else break;
  }
  const before = s > 0 ? src.slice(lineStart(src, s - 1), s - 1) : null;
  return { start: s, blank: before !== null && before.trim() === '' };
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

function applySplices(src: string, splices: Splice[]): string {
  // Later positions first; at one position, what replaces text before what is inserted, and
  // insertions in the order they were planned.
  const ordered = splices.map((s, i) => ({ ...s, i })).sort((a, b) => b.start - a.start || b.end - a.end || b.i - a.i);
  let out = src;
  for (const s of ordered) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/** The leading block of comment lines of a file, as text. */
function headerComment(src: string): string {
  const m = /^(?:#[^\n]*(?:\n|$))+/.exec(src);
  return m ? m[0] : '';
}

/**
 * The text that replaces a scalar at `range`: an empty value (`key:` with nothing after the colon)
 * has no bytes of its own, so the new value needs a space before it (`key:2` would be one plain key).
 */
function valueText(src: string, range: readonly number[], text: string): string {
  // An empty value sits right after the colon, or where a comment starts (`a: # note`): the new
  // value needs a space before it after a colon, and one after it before a comment.
  const before = range[0] === range[1] && src[range[0] - 1] === ':' ? ' ' : '';
  const after = src[range[1]] === '#' ? ' ' : '';
  return `${before}${text}${after}`;
}

/** One line of YAML for a plain value, or null when it needs more than one line. */
function inlineScalar(value: unknown): string | null {
  if (value !== null && typeof value === 'object') return null;
  const text = stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  return text.includes('\n') ? null : text;
}

/**
 * Three-way structural merge of YAML maps, written as splices into `current`. `resolution` says
 * what happens where both sides changed one value (see `Resolution`; `true` means `theirs`).
 */
export function mergeYaml(
  current: string,
  base: string | null,
  desired: string,
  resolution: Resolution | boolean = 'keep',
  /** Where new keys go: `end` of their map (shared files: the user's order first), or in the `generated` order. */
  newKeys: 'end' | 'generated' = 'end',
): MergeResult {
  const mode: Resolution = resolution === true ? 'theirs' : resolution === false ? 'keep' : resolution;
  const wholeFile = (reason: string): MergeResult => ({
    text: mode === 'markers' ? `${MARKER_OURS}\n${withNewline(current)}${MARKER_SEP}\n${withNewline(desired)}${MARKER_THEIRS}\n` : mode === 'theirs' ? desired : current,
    conflicts: [`(document): ${reason}`],
    reformatted: false,
  });
  const doc = parseDocument(current, PARSE);
  if (doc.errors.length) return wholeFile(doc.errors[0].message.split('\n')[0]);
  const orig = parseDocument(current, PARSE);
  const desiredDoc = parseDocument(desired, PARSE);
  // The merge walks the generated file by plain keys: one written as a list or a map (`[q]: 0`) has no
  // plain name to find it by, so such a file (never one the tool writes) is merged as a whole.
  if (desiredDoc.contents && !plainKeys(desiredDoc.contents as Node)) return wholeFile('the generated file has a key that is not a plain scalar');
  const baseValue = base === null ? undefined : parseDocument(base, PARSE).toJS();
  const conflicts: string[] = [];
  const splices: Splice[] = [];
  let precise = true;
  let changed = false;

  // Aliases make the file a graph: a value reached through `*x`, or anchored `&x` where an alias
  // refers to it, cannot change at its own bytes without changing the other place too. Such a file
  // is compared by its resolved values, and a change the tool would make there is a conflict.
  const referenced = new Set<string>();
  visit(orig, { Alias: (_key, node) => void referenced.add(node.source) });
  /** Paths the tool would change where the value is shared through an anchor. */
  const sharedPaths: string[] = [];
  // The yaml package refuses to expand more than 100 aliases (a guard against alias bombs): such a
  // file cannot be compared by value, so it is merged as a whole, never expanded without bound.
  if (referenced.size) {
    try {
      orig.toJS();
    } catch (error) {
      return wholeFile(`its aliases cannot be expanded to compare values (${(error as Error).message.split('\n')[0]})`);
    }
  }
  /** The plain value of a node of `doc` (its aliases resolved where the file has any). */
  const plainOf = (node: unknown): unknown => (referenced.size && isNode(node) ? node.toJS(doc) : toPlain(node));
  /** Is the value at `path`, or one of the maps above it, an alias or an anchor an alias refers to? */
  const shared = (path: Path): boolean => {
    let node: unknown = orig.contents;
    for (let i = 0; node; i++) {
      if (isAlias(node) || referenced.has((node as { anchor?: string }).anchor ?? '')) return true;
      if (i === path.length || !isMap(node)) return false;
      node = findPair(node, String(path[i]))?.value;
    }
    return false;
  };
  const sharedConflict = (path: Path): void => {
    conflicts.push(`${showPath(path)} (shared through a YAML anchor)`);
    sharedPaths.push(showPath(path));
  };

  const origNode = (path: Path): unknown => (path.length ? orig.getIn(path, true) : orig.contents);
  const origPair = (path: Path): Pair | undefined => {
    const parent = origNode(path.slice(0, -1));
    return isMap(parent) ? findPair(parent, String(path[path.length - 1])) : undefined;
  };
  const desiredPair = (path: Path): Pair | undefined => {
    const parent = path.length > 1 ? desiredDoc.getIn(path.slice(0, -1), true) : desiredDoc.contents;
    return isMap(parent) ? findPair(parent, String(path[path.length - 1])) : undefined;
  };

  /** The desired pair's text (comments above it included when asked), moved to column `col`. */
  const desiredPairText = (path: Path, col: number, withComments: boolean): string => {
    const pair = desiredPair(path);
    const region = pairRegion(desired, pair);
    if (region) {
      const lead = withComments ? leadingComments(desired, region.start, region.col) : { start: region.start, blank: false };
      const text = reindent(withNewline(desired.slice(lead.start, region.end)), region.col, col);
      return lead.blank ? `\n${text}` : text;
    }
    const key = String(path[path.length - 1]);
    return reindent(stringify({ [key]: desiredDoc.getIn(path) }, PRINT), 0, col);
  };

  /**
   * Where a new pair goes in the map at `path`'s parent, at its keys' column: at its end, or (for
   * `generated` order) after the nearest key that precedes it in the generated file and is in the
   * user's file, before the first pair when none does.
   */
  const insertPoint = (path: Path): { at: number; col: number } | null => {
    const parentPath = path.slice(0, -1);
    const parent = origNode(parentPath);
    if (!isMap(parent) || parent.flow || !parent.items.length) return null;
    const first = parent.items[0] as Pair;
    if (!isScalar(first.key) || !first.key.range) return null;
    const col = column(current, first.key.range[0]);
    const wantParent = parentPath.length ? desiredDoc.getIn(parentPath, true) : desiredDoc.contents;
    const order = isMap(wantParent) ? wantParent.items.map((p) => (isScalar((p as Pair).key) ? String(((p as Pair).key as { value: unknown }).value) : '')) : [];
    const index = order.indexOf(String(path[path.length - 1]));
    if (index >= 0 && newKeys === 'generated') {
      for (let i = index - 1; i >= 0; i--) {
        const region = pairRegion(current, findPair(parent, order[i]));
        if (region) return { at: region.end, col };
      }
      if (order.slice(index + 1).some((k) => findPair(parent, k))) {
        const region = pairRegion(current, first);
        if (region) return { at: region.start, col };
      }
    }
    const last = pairRegion(current, parent.items[parent.items.length - 1] as Pair);
    return last ? { at: last.end, col } : null;
  };

  /** Write the pair at `path` anew with `value`, in place of its old lines (formatting of that pair only). */
  const rewritePair = (path: Path, value: unknown, fromDesired: boolean): void => {
    const region = pairRegion(current, origPair(path));
    if (!region) {
      precise = false;
      return;
    }
    const key = String(path[path.length - 1]);
    const text = fromDesired ? desiredPairText(path, region.col, false) : reindent(stringify({ [key]: value }, PRINT), 0, region.col);
    splices.push({ start: region.start, end: region.end, text: withNewline(text) });
  };

  const insertPair = (path: Path): void => {
    const point = insertPoint(path);
    if (!point) {
      precise = false;
      return;
    }
    const text = desiredPairText(path, point.col, true);
    splices.push({ start: point.at, end: point.at, text: point.at === current.length && current !== '' && !current.endsWith('\n') ? `\n${text}` : text });
  };

  const deletePair = (path: Path): void => {
    const region = pairRegion(current, origPair(path));
    if (!region) {
      precise = false;
      return;
    }
    const parent = origNode(path.slice(0, -1));
    if (isMap(parent) && parent.items.length === 1 && path.length > 1) {
      // The map would be left empty: write its key anew rather than leave an empty block.
      rewritePair(path.slice(0, -1), doc.getIn(path.slice(0, -1)), false);
      return;
    }
    splices.push({ start: region.start, end: region.end, text: '' });
  };

  const replaceScalar = (path: Path, value: unknown): void => {
    const old = origNode(path);
    const want = desiredDoc.getIn(path, true);
    const oneLine =
      isScalar(want) && want.range && !desired.slice(want.range[0], want.range[1]).includes('\n')
        ? desired.slice(want.range[0], want.range[1])
        : inlineScalar(value);
    if (isScalar(old) && old.range && !old.anchor && !old.tag && oneLine !== null && (old.type === 'PLAIN' || old.type === 'QUOTE_DOUBLE' || old.type === 'QUOTE_SINGLE')) {
      splices.push({ start: old.range[0], end: old.range[1], text: valueText(current, old.range, oneLine) });
    } else {
      rewritePair(path, value, true);
    }
  };

  /**
   * Markers around one conflicting pair: the user's lines, then the same lines as `theirs` would
   * write them (the tool's side planned as splices and applied to that region alone), so resolving
   * every marker to the tool's side gives exactly what `--force` writes.
   */
  const markConflict = (path: Path, inWant: boolean, present: boolean): void => {
    const pair = present ? origPair(path) : undefined;
    const region = pair ? pairRegion(current, pair) : null;
    const from = splices.length;
    takeTheirs(path, inWant, present);
    const planned = splices.splice(from);
    let start: number;
    let end: number;
    let theirs: string;
    if (region && planned.every((p) => p.start >= region.start && p.end <= region.end)) {
      start = region.start;
      end = region.end;
      theirs = applySplices(
        current.slice(start, end),
        planned.map((p) => ({ ...p, start: p.start - start, end: p.end - start })),
      );
    } else if (!present && planned.length === 1 && planned[0].start === planned[0].end) {
      start = end = planned[0].start;
      theirs = planned[0].text.replace(/^\n+/, '');
    } else {
      precise = false;
      return;
    }
    const lead = !present && start === current.length && current !== '' && !current.endsWith('\n') ? '\n' : '';
    splices.push({ start, end, text: `${lead}${MARKER_OURS}\n${withNewline(current.slice(start, end))}${MARKER_SEP}\n${withNewline(theirs)}${MARKER_THEIRS}\n` });
  };

  /** Take the tool's side at `path` in the model, and plan the splice that writes it. */
  const takeTheirs = (path: Path, inWant: boolean, present: boolean): void => {
    changed = true;
    if (!inWant) {
      doc.deleteIn(path);
      deletePair(path);
    } else if (!present) {
      doc.setIn(path, desiredDoc.getIn(path, true));
      insertPair(path);
    } else {
      const value = desiredDoc.getIn(path);
      doc.setIn(path, doc.createNode(value));
      if (isObject(value) || Array.isArray(value)) rewritePair(path, value, true);
      else replaceScalar(path, value);
    }
  };

  const conflict = (path: Path, inWant: boolean, present: boolean): void => {
    conflicts.push(showPath(path));
    if (mode === 'markers') markConflict(path, inWant, present);
    else if (mode === 'theirs') takeTheirs(path, inWant, present);
  };

  const mergeMap = (path: Path, want: Record<string, unknown>, was: unknown): void => {
    const before = isObject(was) ? was : undefined;
    for (const [key, wantValue] of Object.entries(want)) {
      const keyPath = [...path, key];
      const present = doc.hasIn(keyPath);
      const haveValue = present ? doc.getIn(keyPath) : undefined;
      const inBase = has(before, key);
      const wasValue = inBase ? before![key] : undefined;
      const have = plainOf(haveValue);
      if (present && equal(have, wantValue)) continue;
      if (shared(keyPath)) {
        sharedConflict(keyPath);
        continue;
      }
      if (isObject(wantValue) && isObject(have)) {
        mergeMap(keyPath, wantValue, wasValue);
        continue;
      }
      if (!present) {
        if (!inBase) takeTheirs(keyPath, true, false);
        else if (!equal(wasValue, wantValue)) conflict(keyPath, true, false); // the user removed what the tool changes
        continue; // else: the user removed it and the tool has nothing new to say
      }
      // Without a base there is no telling whose an item is: differing lists are a conflict then.
      if (isScalarList(wantValue) && isScalarList(have) && inBase && isScalarList(wasValue)) {
        mergeList(keyPath, have, wasValue, wantValue);
        continue;
      }
      const userUnchanged = inBase && equal(have, wasValue);
      const toolUnchanged = inBase && equal(wasValue, wantValue);
      if (userUnchanged && Array.isArray(wantValue) && Array.isArray(have) && !isScalarList(wantValue)) updateSeq(keyPath, have, wantValue);
      else if (userUnchanged) takeTheirs(keyPath, true, true);
      else if (!toolUnchanged) conflict(keyPath, true, true);
      // else: edited by the user; the tool has nothing new to say here
    }
    if (!before) return;
    for (const [key, wasValue] of Object.entries(before)) {
      if (Object.prototype.hasOwnProperty.call(want, key)) continue;
      const keyPath = [...path, key];
      if (!doc.hasIn(keyPath)) continue;
      if (shared(keyPath)) {
        sharedConflict(keyPath);
        continue;
      }
      // A key the tool stops writing goes only as it was generated; an edited one is never dropped silently.
      if (equal(toPlain(doc.getIn(keyPath)), wasValue)) takeTheirs(keyPath, false, true);
      else conflict(keyPath, false, true);
    }
  };

  /**
   * A list of maps (accounts, roles) the user left as generated and the tool changed: item by item,
   * so a new item is appended as its own lines and a changed value changes at its own bytes, and
   * comments on the other items stay.
   */
  const updateSeq = (keyPath: Path, have: unknown[], want: unknown[]): void => {
    const origSeq = origNode(keyPath);
    const wantSeq = desiredDoc.getIn(keyPath, true);
    if (!isSeq(origSeq) || origSeq.flow || !isSeq(wantSeq) || !origSeq.items.length) return takeTheirs(keyPath, true, true);
    for (let i = 0; i < Math.min(have.length, want.length); i++) {
      const h = have[i];
      const w = want[i];
      if (equal(h, w)) continue;
      if (isObject(h) && isObject(w)) mergeMap([...keyPath, i], w, h);
      else takeTheirs([...keyPath, i], true, true);
    }
    if (want.length === have.length) return;
    changed = true;
    const seq = doc.getIn(keyPath, true) as YAMLSeq;
    const items = origSeq.items as Node[];
    if (want.length < have.length) {
      seq.items = seq.items.slice(0, want.length);
      for (const item of items.slice(want.length)) {
        const region = itemRegion(current, item);
        if (!region) precise = false;
        else splices.push({ start: region.start, end: region.end, text: '' });
      }
      return;
    }
    const last = itemRegion(current, items[items.length - 1]);
    let text = '';
    for (let i = have.length; i < want.length; i++) {
      seq.items.push(doc.createNode(want[i]));
      const source = itemRegion(desired, wantSeq.items[i] as Node);
      if (!source || !last) {
        precise = false;
        return;
      }
      text += reindent(withNewline(desired.slice(source.start, source.end)), source.col, last.col);
    }
    if (last) splices.push({ start: last.end, end: last.end, text: last.end === current.length && !current.endsWith('\n') ? `\n${text}` : text });
  };

  /**
   * Lists of plain values (imports, trust entries, policy ARNs) merge as sets: what the tool removed
   * since last time goes, what it added is appended, and what the user added stays, in place.
   */
  const mergeList = (keyPath: Path, have: unknown[], was: unknown[], want: unknown[]): void => {
    const removedByTool = was.filter((x) => !want.some((y) => equal(x, y)));
    const addedByTool = want.filter((x) => !was.some((y) => equal(x, y)) && !have.some((y) => equal(x, y)));
    const seq = doc.getIn(keyPath, true);
    const origSeq = origNode(keyPath);
    if (!isSeq(seq) || !isSeq(origSeq)) return;
    const kept = seq.items.filter((item) => !removedByTool.some((x) => equal(toPlain(item), x)));
    if (kept.length === seq.items.length && !addedByTool.length) return;
    changed = true;
    const removed = seq.items.length - kept.length;
    seq.items = kept;
    for (const value of addedByTool) seq.items.push(doc.createNode(value));
    if (origSeq.flow || !kept.length) {
      rewritePair(keyPath, toPlain(seq), false);
      return;
    }
    const items = origSeq.items as Node[];
    const lines: Splice[] = [];
    for (const item of items) {
      if (!removedByTool.some((x) => equal(toPlain(item), x))) continue;
      const region = itemRegion(current, item);
      if (!region) return rewritePair(keyPath, toPlain(seq), false);
      lines.push({ start: region.start, end: region.end, text: '' });
    }
    if (lines.length !== removed) return rewritePair(keyPath, toPlain(seq), false);
    const lastItem = itemRegion(current, items[items.length - 1]);
    if (addedByTool.length) {
      if (!lastItem) return rewritePair(keyPath, toPlain(seq), false);
      const text = addedByTool.map((v) => `${' '.repeat(lastItem.col)}- ${inlineScalar(v) ?? JSON.stringify(v)}\n`).join('');
      lines.push({ start: lastItem.end, end: lastItem.end, text: lastItem.end === current.length && !current.endsWith('\n') ? `\n${text}` : text });
    }
    splices.push(...lines);
  };

  const want = desiredDoc.toJS();
  if (!isObject(want)) return wholeFile('the generated file is not a map');
  if (!isMap(doc.contents)) return wholeFile('the file on disk is not a YAML map');
  mergeMap([], want, baseValue);
  // The header comment is ours while it is exactly what we wrote last time.
  if (base !== null) {
    const baseHeader = headerComment(base);
    const currentHeader = headerComment(current);
    const desiredHeader = headerComment(desired);
    if (currentHeader === baseHeader && baseHeader !== desiredHeader) {
      splices.push({ start: 0, end: currentHeader.length, text: desiredHeader });
      doc.commentBefore = desiredDoc.commentBefore;
      changed = true;
    }
  }
  if (conflicts.length && mode === 'keep') return { text: current, conflicts, reformatted: false };
  // The tool's side of a shared value cannot be written at one place: --force and --conflict inline take the whole document.
  if (sharedPaths.length) return wholeFile(`the change touches ${sharedPaths.join(', ')}, shared through a YAML anchor`);
  if (!changed && !splices.length) return { text: current, conflicts, reformatted: false };
  const spliced = applySplices(current, splices);
  if (mode === 'markers' && conflicts.length) {
    // Resolving every marker to the tool's side must give exactly what --force writes. Where the
    // conflicting regions could not be marked one by one so that it does (a region that overlaps
    // another change, a map the merge empties), the whole file is marked, the tool's side as
    // --force writes it.
    const forced = mergeYaml(current, base, desired, 'theirs', newKeys).text;
    if (precise && resolveMarkersToTheirs(spliced) === forced) return { text: spliced, conflicts, reformatted: false };
    return { text: `${MARKER_OURS}\n${withNewline(current)}${MARKER_SEP}\n${withNewline(forced)}${MARKER_THEIRS}\n`, conflicts, reformatted: false };
  }
  let target: unknown;
  try {
    target = doc.toJS();
  } catch (error) {
    // The change removed an anchor the user's file still refers to (`b: *x` after `a: &x 1` changed):
    // no edit keeps the user's meaning, so the whole document is the conflict.
    const reason = `the change would drop an anchor the file refers to (${(error as Error).message.split('\n')[0]})`;
    return mode === 'keep' ? { text: current, conflicts: [`(document): ${reason}`], reformatted: false } : wholeFile(reason);
  }
  const reaches = (text: string): boolean => {
    const check = parseDocument(text, PARSE);
    return !check.errors.length && equal(check.toJS(), target);
  };
  if (precise && reaches(spliced)) return { text: spliced, conflicts, reformatted: false };
  // The planned splices overlapped or missed (a map the merge empties and refills, say): edit the
  // user's file straight to the merged value instead, pair by pair, so only the pairs whose value
  // changes lose their formatting, and the rest of the file keeps its bytes.
  const patched = patchToValue(current, target);
  if (patched !== null && reaches(patched)) return { text: patched, conflicts, reformatted: false };
  return { text: doc.toString(PRINT), conflicts, reformatted: true };
}

/**
 * Two-way edits from `src` (a YAML map) to the value `target`, without the three-way rules: the
 * merge has already decided the value. A pair whose value is equal keeps its bytes; a map is edited
 * key by key, a list of plain values item by item, a scalar at its own bytes; anything else (or a
 * map that would be left empty) has its pair written anew at the pair's column. Null when the top
 * of the file cannot be edited this way.
 */
function patchToValue(src: string, target: unknown): string | null {
  const doc = parseDocument(src, PARSE);
  if (doc.errors.length || !isMap(doc.contents) || !isObject(target)) return null;
  const splices: Splice[] = [];
  return patchMap(src, doc.contents, target, splices) ? applySplices(src, splices) : null;
}

function pairText(key: string, value: unknown, col: number): string {
  return withNewline(reindent(stringify({ [key]: value }, PRINT), 0, col));
}

/**
 * Are all keys of the maps in `node` plain (a scalar, not null)? A plain value stands for a complex
 * key (`? [a, b]`) or a null one (`?`) only as a string, so a pair holding one is never written anew
 * from the plain value.
 */
function plainKeys(node: Node): boolean {
  let plain = true;
  visit(node, {
    Pair: (_key, pair) => {
      if (isScalar(pair.key) && pair.key.value !== null) return undefined;
      plain = false;
      return visit.BREAK;
    },
  });
  return plain;
}

/** Splices that turn the block map `node` into `target`; false when it cannot be done in place. */
function patchMap(src: string, node: YAMLMap, target: Record<string, unknown>, splices: Splice[]): boolean {
  if (node.flow || !node.items.length || !Object.keys(target).length) return false;
  const pairs = node.items as Pair[];
  const first = pairRegion(src, pairs[0]);
  if (!first) return false;
  const mine: Splice[] = [];
  let lastEnd = -1;
  const seen = new Set<string>();
  for (const pair of pairs) {
    const key = String((pair.key as { value: unknown }).value);
    seen.add(key);
    const region = pairRegion(src, pair);
    if (!region) return false;
    lastEnd = Math.max(lastEnd, region.end);
    if (!Object.prototype.hasOwnProperty.call(target, key)) {
      mine.push({ start: region.start, end: region.end, text: '' });
      continue;
    }
    const want = target[key];
    const value = pair.value as Node | null;
    if (equal(toPlain(value), want)) continue;
    const inner: Splice[] = [];
    if (isMap(value) && isObject(want) && patchMap(src, value, want, inner)) mine.push(...inner);
    else if (isSeq(value) && isScalarList(want) && patchList(src, value, want, inner)) mine.push(...inner);
    else if (isScalar(value) && value.range && !value.anchor && !value.tag && (value.type === 'PLAIN' || value.type === 'QUOTE_DOUBLE' || value.type === 'QUOTE_SINGLE') && inlineScalar(want) !== null) {
      mine.push({ start: value.range[0], end: value.range[1], text: valueText(src, value.range, inlineScalar(want)!) });
    } else if (value && !plainKeys(value)) return false;
    else mine.push({ start: region.start, end: region.end, text: pairText(key, want, region.col) });
  }
  const added = Object.keys(target).filter((k) => !seen.has(k));
  if (added.length) {
    const text = added.map((k) => pairText(k, target[k], first.col)).join('');
    mine.push({ start: lastEnd, end: lastEnd, text: lastEnd === src.length && !src.endsWith('\n') ? `\n${text}` : text });
  }
  splices.push(...mine);
  return true;
}

/** Splices that turn the block list of plain values `node` into `target`: items removed, then items appended. */
function patchList(src: string, node: YAMLSeq, target: unknown[], splices: Splice[]): boolean {
  if (node.flow || !node.items.length) return false;
  const items = node.items as Node[];
  const values = items.map(toPlain);
  const kept = values.filter((v) => target.some((t) => equal(t, v)));
  const appended = target.slice(kept.length);
  if (!equal(kept, target.slice(0, kept.length)) || !kept.length) return false;
  const regions = items.map((item) => itemRegion(src, item));
  if (regions.some((r) => r === null)) return false;
  const last = regions[regions.length - 1]!;
  values.forEach((v, i) => {
    if (!target.some((t) => equal(t, v))) splices.push({ start: regions[i]!.start, end: regions[i]!.end, text: '' });
  });
  if (appended.length) {
    const text = appended.map((v) => `${' '.repeat(last.col)}- ${inlineScalar(v) ?? JSON.stringify(v)}\n`).join('');
    splices.push({ start: last.end, end: last.end, text: last.end === src.length && !src.endsWith('\n') ? `\n${text}` : text });
  }
  return true;
}

/** The whole lines of one block-sequence item (`- value`), and the column of its dash. */
function itemRegion(src: string, item: Node): { start: number; end: number; col: number } | null {
  if (!item.range) return null;
  const start = lineStart(src, item.range[0]);
  const prefix = src.slice(start, item.range[0]);
  if (!/^\s*-\s+$/.test(prefix)) return null;
  return { start, end: lineEnd(src, Math.max(item.range[0], item.range[1] - 1)), col: prefix.indexOf('-') };
}

function isScalarList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x));
}

function toPlain(node: unknown): unknown {
  if (node && typeof node === 'object' && 'toJSON' in node && typeof (node as { toJSON: () => unknown }).toJSON === 'function') {
    return (node as { toJSON: () => unknown }).toJSON();
  }
  return node;
}

/** Lines of `text` inside unresolved conflict markers, as 1-based [from, to] ranges (empty when none). */
export function conflictMarkerRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let open = -1;
  let sep = false;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.startsWith('<<<<<<< ') || line === '<<<<<<<') {
      open = i;
      sep = false;
    } else if (open >= 0 && line === MARKER_SEP) sep = true;
    else if (open >= 0 && sep && (line.startsWith('>>>>>>> ') || line === '>>>>>>>')) {
      ranges.push([open + 1, i + 1]);
      open = -1;
    }
  });
  return ranges;
}

/** The text with every conflict region resolved to the tool's side (what `--force` writes). */
export function resolveMarkersToTheirs(text: string): string {
  return text.replace(/^<<<<<<< [^\n]*\n[\s\S]*?^=======\n([\s\S]*?)^>>>>>>> [^\n]*\n/gm, '$1');
}

export interface TextMergeResult {
  text: string;
  /** Number of conflicting hunks; 0 for a clean merge. */
  conflicts: number;
}

/**
 * Three-way text merge with `git merge-file` (through execa): the user's file, the tool's last
 * output as the common base, the tool's new output. `theirs` resolves each conflicting hunk to the
 * tool's side (and still counts them); otherwise conflicting hunks carry git's markers. Null when
 * git is not available.
 */
export async function mergeText(current: string, base: string, desired: string, resolution: 'markers' | 'theirs' = 'markers'): Promise<TextMergeResult | null> {
  const dir = mkdtempSync(join(tmpdir(), 'atmos-oidc-merge-'));
  try {
    const files = { current: join(dir, 'current'), base: join(dir, 'base'), desired: join(dir, 'desired') };
    writeFileSync(files.current, current);
    writeFileSync(files.base, base);
    writeFileSync(files.desired, desired);
    const { execa } = await import('execa');
    const run = (extra: string[]) =>
      execa('git', ['merge-file', '-p', ...extra, '-L', 'your edit', '-L', 'last generated', '-L', 'generated now', files.current, files.base, files.desired], {
        reject: false,
        stripFinalNewline: false,
      });
    const result = await run([]);
    // git merge-file exits with the number of conflicts (capped at 127), negative or >127 on error.
    if (typeof result.exitCode !== 'number' || result.exitCode < 0 || result.exitCode > 127) return null;
    if (resolution === 'markers' || result.exitCode === 0) return { text: String(result.stdout), conflicts: result.exitCode };
    const theirs = await run(['--theirs']);
    if (theirs.exitCode !== 0) return null;
    return { text: String(theirs.stdout), conflicts: result.exitCode };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A node's plain value (a node without one is returned as it is). */
function toJS(node: unknown): unknown {
  if (node && typeof node === 'object' && 'toJSON' in node && typeof (node as { toJSON: () => unknown }).toJSON === 'function') {
    return (node as { toJSON: () => unknown }).toJSON();
  }
  return node;
}

/** A file addMissingKeys cannot add to; `path` names the part of the file that stops it. */
export class AddKeysError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'AddKeysError';
  }
}

/**
 * Add keys a YAML map lacks. Each missing key is inserted as text at the end of the block map that
 * should hold it (found through the Document API), so every byte already in the file stays as it
 * is: comments, spacing, quoting, order. A key whose value is empty (`key:`, `~`, `null`) gets the
 * value in place. A list in `additions` adds only its missing items to the block list already
 * there. A value the file already holds is never changed (the caller decides what a differing value
 * means). The result is parsed back: it must hold exactly the file's values plus the additions, or
 * nothing is returned but an error (a layout the text cannot be added to). Returns the text
 * unchanged when nothing is missing.
 */
export function addMissingKeys(current: string, additions: Record<string, unknown>): string {
  const doc = parseDocument(current, PARSE);
  if (doc.errors.length) throw new AddKeysError(`cannot add keys to a file that is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`, '(document)');
  if (doc.contents !== null && !isMap(doc.contents)) throw new AddKeysError('cannot add keys to a YAML document that is not a map', '(document)');
  // Offsets are read on the text with a final newline, so every insertion point starts a line.
  const text = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  /** Replace text[at, end) by `piece`; pieces at one offset are written deepest first, then in walk order. */
  const edits: Array<{ at: number; end: number; piece: string; depth: number; i: number; topLevel: boolean }> = [];
  // A plain copy of the file's values (an alias no longer shares its anchor's object), to add to as keys are planned.
  const expected = JSON.parse(JSON.stringify(doc.toJS() ?? {})) as Record<string, unknown>;
  const lineStart = (offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
  const columnOf = (offset: number): number => offset - lineStart(offset);
  /** The offset just after the line on which `offset - 1` lies. */
  const afterLine = (offset: number): number => {
    if (offset > 0 && text[offset - 1] === '\n') return offset;
    const nl = text.indexOf('\n', offset);
    return nl === -1 ? text.length : nl + 1;
  };
  // Blank lines inside a value (a block scalar's) stay blank: only the final newline is dropped.
  const block = (value: Record<string, unknown> | unknown[], indent: number): string =>
    stringify(value, { lineWidth: 0, indentSeq: true })
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => (l === '' ? '\n' : `${' '.repeat(indent)}${l}\n`))
      .join('');
  const edit = (at: number, end: number, piece: string, depth: number, topLevel = false): void => {
    edits.push({ at, end, piece, depth, i: edits.length, topLevel });
  };
  /** Fill a key whose value is empty: a scalar in place of the empty value, a block under the key. */
  const fill = (pair: Pair, value: unknown, depth: number): void => {
    const key = pair.key as Node;
    const [from, to] = (pair.value as Node).range!;
    if (isObject(value) || Array.isArray(value)) {
      edit(from, to, '', depth);
      edit(afterLine(to), afterLine(to), block(value, columnOf(key.range![0]) + 2), depth);
      return;
    }
    // A multi-line scalar would need a block of its own: written double-quoted on the key's line instead.
    edit(from, to, valueText(text, [from, to], inlineScalar(value) ?? JSON.stringify(value)), depth);
  };
  const walk = (path: Path, want: Record<string, unknown>, node: unknown, into: Record<string, unknown>): void => {
    const map = isMap(node) ? node : null;
    for (const [key, value] of Object.entries(want)) {
      const keyPath = [...path, key];
      const pair = map ? findPair(map, key) : undefined;
      const child = pair?.value;
      // `? key` with no value at all: there is no place after a colon to write one.
      if (pair && child === null) throw new AddKeysError(`cannot add ${showPath(keyPath)}: it is written as an explicit key ("? ${key}") with no value; give it one by hand`, showPath(keyPath));
      if (pair && isScalar(child) && child.value === null) {
        fill(pair, value, path.length);
        into[key] = value;
      } else if (!pair) {
        // A value below the top is never null here (filled above): only an empty document has no map.
        if (map?.flow || (!map && node !== null)) throw new AddKeysError(`cannot add ${showPath(keyPath)}: ${showPath(path) || 'the document'} is not a block map`, showPath(path) || '(document)');
        // An empty document (nothing, or comments only) takes its keys at the end, at column 0.
        // A block map starts at its first key (or that key's `?`): its keys' column. Parsed nodes all have ranges.
        const indent = map ? columnOf(map.range![0]) : 0;
        const at = map ? afterLine(map.range![1]) : text.length;
        edit(at, at, block({ [key]: value }, indent), path.length, indent === 0);
        into[key] = value;
      } else if (isObject(value)) {
        walk(keyPath, value, child, isObject(into[key]) ? (into[key] as Record<string, unknown>) : {});
      } else if (Array.isArray(value) && isSeq(child) && !child.flow) {
        const missing = value.filter((item) => !child.items.some((x) => equal(toJS(x), item)));
        if (!missing.length) continue;
        const first = child.items[0] as { range?: [number, number, number] } | undefined;
        const indent = first?.range ? Math.max(0, columnOf(first.range[0]) - 2) : 0;
        const at = afterLine(child.range![1]);
        edit(at, at, block(missing, indent), path.length + 1);
        into[key] = [...(into[key] as unknown[]), ...missing];
      }
    }
  };
  walk([], additions, doc.contents, expected);
  if (!edits.length) return current;
  /** The edits applied from the end of the file; with `separate`, a new top-level key follows a blank line. */
  const apply = (separate: boolean): string => {
    let out = text;
    const order = [...edits].sort((a, b) => b.at - a.at || a.depth - b.depth || b.i - a.i);
    for (const { at, end, piece, topLevel } of order) {
      const blank = separate && topLevel && at > 0 && !out.slice(0, at).endsWith('\n\n');
      out = out.slice(0, at) + (blank ? '\n' : '') + piece + out.slice(end);
    }
    return out;
  };
  // A blank line before a new top-level key is only layout: it is left out where it would change a
  // value (a block scalar that keeps its final line breaks, `|+`, ends just before it).
  for (const separate of [true, false]) {
    const out = apply(separate);
    const check = parseDocument(out, PARSE);
    if (check.errors.length) throw new AddKeysError(`adding keys would break the YAML: ${check.errors[0].message.split('\n')[0]}`, '(document)');
    if (equal(JSON.parse(JSON.stringify(check.toJS() ?? {})), expected)) return out;
  }
  throw new AddKeysError('adding keys as text would change values the file already holds (such as an anchored map another key refers to)', '(document)');
}
