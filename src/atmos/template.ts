/**
 * The small part of Go templates that stack names and Atmos Pro inputs use: field access such as
 * `{{ .vars.stage }}`, `{{ .atmos_stack }}`, with `{{-`/`-}}` trimming, mixed with literal text.
 * Anything more (pipes, functions, conditionals) is not evaluated: the result is then null, and
 * the caller reports the value as unknowable.
 */
import { isPlainObject, isYamlFunction } from './yaml.ts';

const ACTION = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
const FIELD = /^\.[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*$/;

export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

/** Render `text` against `context`; null when it uses more than field access or a field is missing. */
export function renderTemplate(text: string, context: Record<string, unknown>): string | null {
  if (!hasTemplate(text)) return text;
  let out = '';
  let last = 0;
  let failed = false;
  text.replace(ACTION, (match, trimLeft: string, expr: string, trimRight: string, offset: number) => {
    let literal = text.slice(last, offset);
    if (trimLeft) literal = literal.replace(/\s+$/, '');
    out += literal;
    last = offset + match.length;
    if (trimRight) {
      const rest = text.slice(last);
      last += rest.length - rest.replace(/^\s+/, '').length;
    }
    if (!FIELD.test(expr)) {
      failed = true;
      return match;
    }
    let value: unknown = context;
    for (const key of expr.slice(1).split('.')) value = isPlainObject(value) ? value[key] : undefined;
    if (value === undefined || value === null || isPlainObject(value) || Array.isArray(value) || isYamlFunction(value)) {
      failed = true;
      return match;
    }
    out += String(value);
    return match;
  });
  if (failed) return null;
  return out + text.slice(last);
}
