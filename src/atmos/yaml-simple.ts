/**
 * The YAML we write, without the `yaml` package when it is simple, exactly as its `stringify` writes
 * it (YAML 1.2 core schema, `lineWidth: 0`, plain strings and keys preferred, `indentSeq`): null,
 * booleans, safe integers and one-line printable ASCII strings (plain when `yaml` keeps them plain,
 * double-quoted when it would quote them and there is nothing to escape), in block maps and
 * sequences. Anything else returns null and is left to `yaml`. Every `init` writes dozens of such
 * values and the answers file, and a cold `yaml.stringify` costs more than all the templates
 * together. A test compares both with `yaml` on edge cases and random values.
 */

/** The core schema's tests for plain scalars that resolve to something other than a string. */
const NOT_A_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];

/** What a plain scalar may not start with, contain or end with (an indicator, ": ", " #", a trailing space or colon). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/;

/**
 * `value` as `yaml` writes it on one line, or null when `yaml` must decide. `key` is for a mapping
 * key (where `yaml` never quotes a document marker's look-alike the way it does a value).
 */
export function simpleScalar(value: unknown, key = false): string | null {
  if (value === null) return 'null';
  if (value === true || value === false) return String(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : null;
  if (typeof value !== 'string' || !PRINTABLE_ASCII.test(value) || DOCUMENT_MARKER.test(value) || (key && value.length > 1000)) return null;
  if (!NOT_PLAIN.test(value) && !NOT_A_STRING.some((re) => re.test(value))) return value;
  // Quoted: double quotes unless the text holds one (then yaml picks single quotes), and nothing to escape.
  return value.includes('"') || value.includes('\\') ? null : `"${value}"`;
}

type Plain = Record<string, unknown>;

function isPlainMap(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A map's pairs as `yaml` keeps them: pairs whose value is undefined are left out. */
function pairsOf(map: Plain): Array<[string, unknown]> {
  return Object.entries(map).filter(([, v]) => v !== undefined);
}

/**
 * `map` as `yaml.stringify(map, { lineWidth: 0, indentSeq: true, defaultStringType: 'PLAIN',
 * defaultKeyType: 'PLAIN' })` writes it, or null when `yaml` must.
 */
export function simpleBlock(map: Plain): string | null {
  const out: string[] = [];
  const pairs = pairsOf(map);
  if (!pairs.length || !writePairs(pairs, '', '', out)) return null;
  return `${out.join('\n')}\n`;
}

/** The pairs of a map; the first line starts with `first` (a sequence item's "- "), the others with `indent`. */
function writePairs(pairs: Array<[string, unknown]>, indent: string, first: string, out: string[]): boolean {
  let lead = first;
  for (const [k, v] of pairs) {
    const key = simpleScalar(k, true);
    if (key === null || !writeValue(`${lead}${key}:`, v, indent, out)) return false;
    lead = indent;
  }
  return true;
}

/** A value after its key: a scalar or empty collection on the key's line, a collection below it. */
function writeValue(head: string, value: unknown, indent: string, out: string[]): boolean {
  if (Array.isArray(value)) {
    if (!value.length) return out.push(`${head} []`) > 0;
    out.push(head);
    return writeItems(value, `${indent}  `, out);
  }
  if (isPlainMap(value)) {
    const pairs = pairsOf(value);
    if (!pairs.length) return out.push(`${head} {}`) > 0;
    out.push(head);
    return writePairs(pairs, `${indent}  `, `${indent}  `, out);
  }
  const scalar = simpleScalar(value);
  return scalar !== null && out.push(`${head} ${scalar}`) > 0;
}

function writeItems(items: unknown[], indent: string, out: string[]): boolean {
  for (const item of items) {
    if (Array.isArray(item) || typeof item === 'object' && item !== null && !isPlainMap(item)) return false;
    if (isPlainMap(item)) {
      const pairs = pairsOf(item);
      if (!pairs.length) out.push(`${indent}- {}`);
      else if (!writePairs(pairs, `${indent}  `, `${indent}- `, out)) return false;
      continue;
    }
    const scalar = simpleScalar(item);
    if (scalar === null) return false;
    out.push(`${indent}- ${scalar}`);
  }
  return true;
}
