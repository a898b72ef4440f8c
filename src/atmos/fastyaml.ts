/**
 * A fast path for the plain block YAML that stack manifests, profiles and workflows are mostly made
 * of: block maps and sequences, plain and quoted one-line scalars, literal block scalars (`|`),
 * comments, and `[]` / `{}`. It returns exactly what the `yaml` package returns for such a file
 * (YAML 1.2 core schema), with the line of every key and item, or null as soon as it meets anything
 * else (anchors, tags, flow collections, folded or multi-line scalars, floats, duplicate keys, …),
 * and the caller parses the file with `yaml`. A test compares the two on every YAML file at hand.
 *
 * Why: `check` reads every stack of a repository on each run; cold, the general parser costs most
 * of a run on a repository with dozens of accounts.
 */

export interface FastYaml {
  value: unknown;
  /** 1-based line of each key or sequence item, by path joined with "\0". */
  lines: Map<string, number>;
}

class Bail extends Error {}
const bail = (): never => {
  throw new Bail();
};

/**
 * Deeper than this, a file is refused rather than parsed: the parsers here and in `yaml` recurse
 * once per level and would run out of stack (a 4,000-deep file did). No stack, profile or workflow
 * comes near it.
 */
export const MAX_DEPTH = 200;

/** A file nested deeper than `MAX_DEPTH`: an error the caller reports for that file. */
export class YamlTooDeep extends Error {
  readonly line: number;
  constructor(line: number) {
    super(`nested more than ${MAX_DEPTH} levels deep (at line ${line}); such a file is not read`);
    this.name = 'YamlTooDeep';
    this.line = line;
  }
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

const NULLS = new Set(['~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);

/** The fast parse, or null when the file is not plain block YAML (or is nested too deep: `yaml` then reports it). */
export function fastParse(source: string): FastYaml | null {
  try {
    return fastParseOrTooDeep(source);
  } catch (error) {
    if (error instanceof YamlTooDeep) return null;
    throw error;
  }
}

/** `fastParse`, but a file nested deeper than `MAX_DEPTH` throws `YamlTooDeep`. */
export function fastParseOrTooDeep(source: string): FastYaml | null {
  if (source.includes('\t') || source.charCodeAt(0) === 0xfeff) return null;
  const raw = source.split('\n');
  const lines: Line[] = [];
  for (let i = 0; i < raw.length; i++) {
    let text = raw[i];
    if (text.endsWith('\r')) text = text.slice(0, -1);
    let indent = 0;
    while (indent < text.length && text.charCodeAt(indent) === 32) indent++;
    lines.push({ no: i + 1, indent, text });
  }
  try {
    return new FastParser(lines).parse();
  } catch (error) {
    if (error instanceof Bail) return null;
    throw error;
  }
}

const child = (path: string | null, step: string): string => (path === null ? step : `${path}\0${step}`);

function isBlank(line: Line): boolean {
  return line.indent === line.text.length || line.text.charCodeAt(line.indent) === 35; /* # */
}

class FastParser {
  private i = 0;
  private depth = 0;
  private readonly lines: Line[];
  readonly map = new Map<string, number>();

  constructor(lines: Line[]) {
    this.lines = lines;
  }

  parse(): FastYaml {
    this.skipBlank();
    const first = this.lines[this.i];
    if (first && first.indent === 0 && /^---\s*(#.*)?$/.test(first.text)) {
      this.i++;
      this.skipBlank();
    }
    let value: unknown = null;
    const start = this.lines[this.i];
    if (start) value = this.block(start.indent, null);
    this.skipBlank();
    if (this.i < this.lines.length) bail();
    return { value, lines: this.map };
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && isBlank(this.lines[this.i])) this.i++;
  }

  private current(): Line | undefined {
    this.skipBlank();
    return this.lines[this.i];
  }

  /** `path`: the keys and indexes above, joined with "\0" (null at the top). */
  private block(indent: number, path: string | null): unknown {
    const line = this.current()!;
    const content = line.text.slice(line.indent);
    if (/^(---|\.\.\.|%)/.test(content) && line.indent === 0) bail();
    if (++this.depth > MAX_DEPTH) throw new YamlTooDeep(line.no);
    try {
      if (content === '-' || content.startsWith('- ')) return this.seq(indent, path);
      return this.mapping(indent, path);
    } finally {
      this.depth--;
    }
  }

  private seq(indent: number, path: string | null): unknown[] {
    const out: unknown[] = [];
    for (let line = this.current(); line && line.indent === indent; line = this.current()) {
      const content = line.text.slice(indent);
      if (!(content === '-' || content.startsWith('- '))) break;
      const itemPath = child(path, String(out.length));
      this.map.set(itemPath, line.no);
      let offset = 1;
      while (offset < content.length && content.charCodeAt(offset) === 32) offset++;
      const rest = content.slice(offset);
      if (rest === '' || rest.startsWith('#')) {
        this.i++;
        const next = this.current();
        out.push(next && next.indent > indent ? this.block(next.indent, itemPath) : null);
        continue;
      }
      if (rest === '-' || rest.startsWith('- ')) bail();
      if (keyEnd(rest) !== -1) {
        // `- key: value`: a map whose first key sits after the dash.
        this.lines[this.i] = { no: line.no, indent: indent + offset, text: ' '.repeat(indent + offset) + rest };
        out.push(this.mapping(indent + offset, itemPath));
        continue;
      }
      if (rest.startsWith('|') || rest.startsWith('>')) bail();
      out.push(scalar(rest));
      this.i++;
      this.noContinuation(indent);
    }
    return out;
  }

  private mapping(indent: number, path: string | null): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.current(); line && line.indent >= indent; line = this.current()) {
      if (line.indent > indent) bail();
      const content = line.text.slice(indent);
      if (content === '-' || content.startsWith('- ')) break;
      const end = keyEnd(content);
      if (end === -1) bail();
      const key = keyOf(content.slice(0, end));
      if (key === '<<' || Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__') bail();
      const keyPath = child(path, key);
      this.map.set(keyPath, line.no);
      const rest = content.slice(end + 1).trimStart();
      if (rest === '' || rest.startsWith('#')) {
        this.i++;
        const next = this.current();
        if (next && next.indent > indent) out[key] = this.block(next.indent, keyPath);
        else if (next && next.indent === indent && (next.text.slice(indent) === '-' || next.text.slice(indent).startsWith('- '))) out[key] = this.seq(indent, keyPath);
        else out[key] = null;
        continue;
      }
      if (rest.startsWith('|')) {
        out[key] = this.literal(rest, indent);
        continue;
      }
      out[key] = scalar(rest);
      this.i++;
      this.noContinuation(indent);
    }
    return out;
  }

  /** A plain scalar continued on a more indented line is a multi-line scalar (or an error): not ours. */
  private noContinuation(indent: number): void {
    const next = this.current();
    if (next && next.indent > indent) bail();
  }

  /** `|`, `|-` or `|+` and its lines. */
  private literal(header: string, parentIndent: number): string {
    const m = /^\|([-+]?)\s*(#.*)?$/.exec(header);
    if (!m) bail();
    const chomp = m![1];
    this.i++;
    const body: string[] = [];
    let contentIndent = -1;
    while (this.i < this.lines.length) {
      const line = this.lines[this.i];
      const blank = line.indent === line.text.length;
      if (blank) {
        if (contentIndent !== -1 && line.text.length > contentIndent) bail();
        body.push('');
        this.i++;
        continue;
      }
      if (contentIndent === -1) {
        if (line.indent <= parentIndent) break;
        contentIndent = line.indent;
      }
      if (line.indent < contentIndent) {
        if (line.indent > parentIndent) bail();
        break;
      }
      body.push(line.text.slice(contentIndent));
      this.i++;
    }
    // Blank lines after the scalar belong to what follows; YAML counts them for chomping only.
    let trailing = 0;
    while (body.length && body[body.length - 1] === '') {
      body.pop();
      trailing++;
    }
    if (contentIndent === -1) {
      if (chomp === '+') bail();
      return '';
    }
    if (trailing && chomp === '+') bail(); // where the scalar ends and the next item begins matters here
    const text = body.join('\n');
    if (chomp === '-') return text;
    return `${text}\n`;
  }
}

/** Index of the `:` that ends a plain or quoted key on this line, or -1. */
function keyEnd(content: string): number {
  const c = content.charCodeAt(0);
  if (c === 34 || c === 39) {
    const close = content.indexOf(content[0], 1);
    if (close === -1) return -1;
    return content[close + 1] === ':' && (close + 2 === content.length || content[close + 2] === ' ') ? close + 1 : -1;
  }
  if ('[]{}#&*!|>%@`?,'.includes(content[0]) || content.startsWith('- ')) return -1;
  for (let i = 0; i < content.length; i++) {
    const ch = content.charCodeAt(i);
    if (ch === 35 /* # */ && i > 0 && content.charCodeAt(i - 1) === 32) return -1;
    if (ch === 58 /* : */ && (i + 1 === content.length || content.charCodeAt(i + 1) === 32)) return i;
  }
  return -1;
}

function keyOf(text: string): string {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const value = quoted(text, true);
    if (typeof value !== 'string') bail();
    return value as string;
  }
  const key = text.trimEnd();
  if (!key) bail();
  const value = plain(key);
  if (typeof value !== 'string' || key.includes(' #')) bail();
  return key;
}

/** A one-line value: quoted, `[]`/`{}`, or plain (comment removed). */
function scalar(text: string): unknown {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) return quoted(text);
  if (c === 91 || c === 123) {
    const body = text.replace(/\s+#.*$/, '').trimEnd();
    if (body === '[]') return [];
    if (body === '{}') return {};
    bail();
  }
  let end = text.length;
  for (let i = 1; i < text.length; i++) {
    if (text.charCodeAt(i) === 35 && text.charCodeAt(i - 1) === 32) {
      end = i;
      break;
    }
  }
  const body = text.slice(0, end).trimEnd();
  if (body.includes(': ') || body.endsWith(':')) bail();
  return plain(body);
}

/** Core-schema resolution of a plain scalar; anything but null, bool, a safe decimal int or a plain string bails. */
function plain(text: string): unknown {
  if ('-?:,[]{}#&*!|>\'"%@`'.includes(text[0])) bail();
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) bail();
    return n;
  }
  // Floats, octal, hex, infinity and NaN resolve to numbers: left to yaml.
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text) || /^0o[0-7]+$|^0x[0-9a-fA-F]+$/.test(text) || /^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/.test(text)) bail();
  return text;
}

/** A quoted scalar that ends on its line, with at most a comment after it (or, for a key, the colon). */
function quoted(text: string, isKey = false): unknown {
  const q = text[0];
  let out = '';
  let i = 1;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (q === "'" && ch === "'") {
      if (text[i + 1] === "'") {
        out += "'";
        i++;
        continue;
      }
      break;
    }
    if (q === '"' && ch === '"') break;
    if (q === '"' && ch === '\\') {
      const next = text[++i];
      const escapes: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t', '/': '/', r: '\r', '0': '\0', ' ': ' ' };
      if (!(next in escapes)) bail();
      out += escapes[next];
      continue;
    }
    out += ch;
  }
  if (i >= text.length) bail();
  const after = text.slice(i + 1);
  if (after.trim() !== '' && !/^\s+#/.test(after) && !(isKey && after.startsWith(':'))) bail();
  return out;
}

/**
 * One parse per generated text: `init` runs the workflow rules on each workflow as it renders it,
 * and then `check` reads the same text back from the planned tree. The rules keep their parse here,
 * by text, and `check` takes it instead of parsing again. Only the latest few texts are kept, and a
 * taken parse is dropped, so what `check` holds is never handed out again.
 */
const kept = new Map<string, FastYaml | null>();
const KEPT_MAX = 16;

/** `fastParse`, keeping the result for the next caller with the same text. */
export function fastParseKept(source: string): FastYaml | null {
  let result = kept.get(source);
  if (result === undefined) {
    result = fastParse(source);
    kept.set(source, result);
    if (kept.size > KEPT_MAX) kept.delete(kept.keys().next().value as string);
  }
  return result;
}

/** `fastParseOrTooDeep`, taking the result kept by `fastParseKept` for the same text when there is one. */
export function fastParseTaking(source: string): FastYaml | null {
  const result = kept.get(source);
  if (result === undefined) return fastParseOrTooDeep(source);
  kept.delete(source);
  return result;
}
