/**
 * YAML as Atmos and GitHub read it: YAML 1.2 (a workflow's `on:` stays a key), merge keys, unique
 * keys, and Atmos's YAML functions (`!terraform.state`, `!store`, `!env`, …) kept as opaque
 * `YamlFunction` values, so `check` can tell a value it knows from one only Atmos can compute at run time.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, YAMLParseError, type Document, type ScalarTag } from 'yaml';
import { fastParseTaking, YamlTooDeep } from './fastyaml.ts';

/** A value written with an Atmos YAML function: known only when Atmos runs (state, stores, the environment). */
export class YamlFunction {
  readonly tag: string;
  readonly text: string;
  constructor(tag: string, text: string) {
    this.tag = tag;
    this.text = text;
  }
  toString(): string {
    return `${this.tag} ${this.text}`.trim();
  }
  /** The function's arguments, split on whitespace. */
  args(): string[] {
    return this.text.trim().split(/\s+/).filter(Boolean);
  }
}

export function isYamlFunction(value: unknown): value is YamlFunction {
  return value instanceof YamlFunction;
}

/** The YAML functions Atmos documents; any other `!tag` is kept opaque the same way. */
export const ATMOS_TAGS = [
  '!terraform.state',
  '!terraform.output',
  '!store',
  '!store.get',
  '!env',
  '!exec',
  '!template',
  '!include',
  '!include.raw',
  '!repo-root',
  '!cwd',
  '!random',
  '!aws.account_id',
  '!aws.caller_identity_arn',
  '!aws.caller_identity_user_id',
  '!aws.region',
  '!aws.organization_id',
] as const;

const CUSTOM_TAGS: ScalarTag[] = [
  ...ATMOS_TAGS.map((tag) => ({ tag, resolve: (text: string) => new YamlFunction(tag, text) }) as unknown as ScalarTag),
  // `!literal` keeps a value verbatim (no template processing): a plain string for us.
  { tag: '!literal', resolve: (text: string) => text } as unknown as ScalarTag,
];

export interface YamlProblem {
  message: string;
  line: number;
}

export interface ParsedYaml {
  file: string;
  /** The document as plain values (maps are plain objects), or null when it could not be parsed. */
  value: unknown;
  errors: YamlProblem[];
  /** 1-based line of the node at `path` (or of its nearest existing parent); 0 when unknown. */
  lineOf(path: ReadonlyArray<string | number>): number;
}

/** Parse one YAML file for `check`: never throws; syntax errors come back in `errors`. */
export function parseYaml(text: string, file: string): ParsedYaml {
  let fast;
  try {
    fast = fastParseTaking(text);
  } catch (error) {
    if (!(error instanceof YamlTooDeep)) throw error;
    return { file, value: null, errors: [{ message: error.message, line: error.line }], lineOf: () => 0 };
  }
  if (fast) return { file, value: fast.value, errors: [], lineOf: (path) => fastLineOf(fast.lines, path) };
  return parseYamlFully(text, file);
}

function fastLineOf(lines: Map<string, number>, path: ReadonlyArray<string | number>): number {
  let best = 0;
  for (let i = 1; i <= path.length; i++) {
    const line = lines.get(path.slice(0, i).map(String).join('\0'));
    if (line === undefined) break;
    best = line;
  }
  return best;
}

/**
 * The `yaml` package checks unique keys by comparing each key with every earlier key of its map
 * (compose/util-map-includes.js: `items.some(...)`): a 100k-key map took 88 s. Parse with that
 * check off and run this one instead: the same rule (two scalar keys with the same value, compared
 * with ===), one Set per map, linear. Returns the duplicates as the package reports them
 * (`DUPLICATE_KEY`, "Map keys must be unique", at the later key), in document order.
 */
export function duplicateKeyErrors(doc: Document.Parsed): YAMLParseError[] {
  const found: YAMLParseError[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value = pair.key.value;
        if (seen.has(value)) {
          const at = pair.key.range?.[0] ?? 0;
          found.push(new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        } else seen.add(value);
      }
    },
  });
  return found;
}

/** The `yaml` package's parse, for everything the fast path declines. */
export function parseYamlFully(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { version: '1.2', merge: true, uniqueKeys: false, customTags: CUSTOM_TAGS, lineCounter, prettyErrors: false, logLevel: 'silent' });
  } catch (error) {
    return { file, value: null, errors: [{ message: (error as Error).message, line: 0 }], lineOf: () => 0 };
  }
  const line = (offset: number | undefined): number => (offset === undefined ? 0 : lineCounter.linePos(offset).line);
  const all = [...doc.errors, ...duplicateKeyErrors(doc)].sort((a, b) => a.pos[0] - b.pos[0]);
  const errors = all.map((e) => ({ message: e.message.split('\n')[0], line: line(e.pos?.[0]) }));
  if (doc.warnings.some((w) => w.code === 'TAG_RESOLVE_FAILED')) {
    // An unknown `!tag` on a scalar: keep it opaque like the known Atmos functions.
    visit(doc, {
      Scalar(_key, node) {
        if (node.tag && node.tag.startsWith('!') && !node.tag.startsWith('!!') && typeof node.value === 'string') node.value = new YamlFunction(node.tag, node.value);
      },
    });
  }
  let value: unknown = null;
  if (!errors.length) {
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      errors.push({ message: (error as Error).message, line: 0 });
    }
  }
  const lineOf = (path: ReadonlyArray<string | number>): number => {
    let node: unknown = doc.contents;
    // The line of the deepest part of `path` that exists; 0 when not even its first key does.
    let best = 0;
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        best = line((pair.key as { range?: number[] }).range?.[0]) || best;
        node = pair.value;
      } else if (isSeq(node) && /^\d+$/.test(String(step))) {
        const item = node.items[Number(step)] as { range?: number[] } | undefined;
        if (!item) break;
        best = line(item.range?.[0]) || best;
        node = item;
      } else break;
    }
    return best;
  };
  return { file, value, errors, lineOf };
}

export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof YamlFunction);
}

/** The value at `path`, or undefined. */
export function getIn(value: unknown, path: ReadonlyArray<string | number>): any {
  let current: any = value;
  for (const step of path) {
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current) && /^\d+$/.test(String(step))) current = current[Number(step)];
    else if (isPlainObject(current)) current = Object.prototype.hasOwnProperty.call(current, step) ? current[step as string] : undefined;
    else return undefined;
  }
  return current;
}

export function hasIn(value: unknown, path: ReadonlyArray<string | number>): boolean {
  if (!path.length) return value !== undefined;
  const parent = getIn(value, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) return /^\d+$/.test(String(last)) && Number(last) < parent.length;
  return isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, last);
}

export type ListMergeStrategy = 'replace' | 'append' | 'merge';

/**
 * Atmos's deep merge: maps merge key by key, later wins; lists replace by default (`append` and
 * `merge` follow `settings.list_merge_strategy`); scalars and YAML functions replace. Inputs are
 * never mutated, so parsed files can be shared between stacks.
 */
export function deepMerge(a: unknown, b: unknown, lists: ListMergeStrategy = 'replace'): any {
  if (b === undefined) return a;
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, any> = { ...a };
    // Own keys only: a key named `toString` or `constructor` is the user's, not Object.prototype's.
    for (const key of Object.keys(b)) setOwn(out, key, Object.prototype.hasOwnProperty.call(a, key) ? deepMerge(a[key], b[key], lists) : b[key]);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && lists !== 'replace') {
    if (lists === 'append') return [...a, ...b];
    const out = [...a];
    b.forEach((item, i) => (out[i] = i < a.length ? deepMerge(a[i], item, lists) : item));
    return out;
  }
  return b;
}

/**
 * Merge left to right, skipping absent and empty maps. A single remaining value is returned as it
 * is (not copied): components that add nothing share their stack's objects, which keeps memory low
 * and lets callers cache by identity.
 *
 * Linear in the total size of the inputs: a map (or list) is copied once, the first time a later
 * value changes it, and the copy is then changed in place. Folding with `deepMerge` copied the
 * whole result for every value: 5,000 glob-imported files that each add a var took 23 s.
 */
export function mergeAll(values: unknown[], lists: ListMergeStrategy = 'replace'): any {
  const present = values.filter((v) => !(v === undefined || v === null || (isPlainObject(v) && isEmpty(v))));
  if (present.length <= 1) return present[0];
  const owned = new WeakSet<object>();
  let out: any = present[0];
  for (let i = 1; i < present.length; i++) out = mergeOwned(out, present[i], lists, owned);
  return out;
}

/** `deepMerge`, changing in place only the maps and lists in `owned` (copies made by this merge). */
function mergeOwned(a: unknown, b: unknown, lists: ListMergeStrategy, owned: WeakSet<object>): any {
  if (b === undefined) return a;
  if (isPlainObject(a) && isPlainObject(b)) {
    let out = a;
    if (!owned.has(a)) {
      out = { ...a };
      owned.add(out);
    }
    for (const key of Object.keys(b)) setOwn(out, key, Object.prototype.hasOwnProperty.call(out, key) ? mergeOwned(out[key], b[key], lists, owned) : b[key]);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && lists !== 'replace') {
    let out = a;
    if (!owned.has(a)) {
      out = [...a];
      owned.add(out);
    }
    if (lists === 'append') for (const item of b) out.push(item);
    else b.forEach((item, i) => (out[i] = i < out.length ? mergeOwned(out[i], item, lists, owned) : item));
    return out;
  }
  return b;
}

/** `target[key] = value`, also for a key named `__proto__` (an own key, never the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function isEmpty(value: Record<string, unknown>): boolean {
  for (const _ in value) return false;
  return true;
}
