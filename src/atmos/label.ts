/**
 * Cloud Posse's null-label, as far as naming goes: the `id` a component built on it gives its
 * resources (the IAM role of `aws-iam-role`, whose `use_fullname` defaults to true). Shared by
 * `check` (which role a stack creates) and adoption (which role name a stack will create).
 */
import { hasTemplate } from './template.ts';

function known(value: unknown): value is string | number | boolean {
  return (typeof value === 'string' && !hasTemplate(value)) || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * The null-label `id` the component names its role with (`use_fullname: true`): the non-empty
 * labels in `label_order` (default namespace, environment, stage, name, attributes) joined by the
 * delimiter, each stripped of characters outside `[-a-zA-Z0-9]` and lower-cased by default.
 */
export function nullLabelId(vars: Record<string, any>): string | null {
  if (vars.use_fullname === false) return known(vars.name) ? String(vars.name) : null;
  const order: unknown = Array.isArray(vars.label_order) && vars.label_order.length ? vars.label_order : ['namespace', 'environment', 'stage', 'name', 'attributes'];
  const delimiter = typeof vars.delimiter === 'string' ? vars.delimiter : '-';
  const replace = typeof vars.regex_replace_chars === 'string' ? new RegExp(vars.regex_replace_chars.replace(/^\/|\/$/g, ''), 'g') : /[^-a-zA-Z0-9]/g;
  const casing = typeof vars.label_value_case === 'string' ? vars.label_value_case : 'lower';
  const format = (s: string): string => {
    const clean = s.replace(replace, '');
    if (casing === 'upper') return clean.toUpperCase();
    if (casing === 'title') return clean.charAt(0).toUpperCase() + clean.slice(1).toLowerCase();
    if (casing === 'none') return clean;
    return clean.toLowerCase();
  };
  const parts: string[] = [];
  for (const label of order as unknown[]) {
    if (typeof label !== 'string') return null;
    const value = vars[label];
    if (value === undefined || value === null || value === '') continue;
    if (label === 'attributes') {
      if (!Array.isArray(value)) return null;
      for (const a of value) {
        if (!known(a)) return null;
        const f = format(String(a));
        if (f) parts.push(f);
      }
      continue;
    }
    if (!known(value)) return null;
    const f = format(String(value));
    if (f) parts.push(f);
  }
  let id = parts.join(delimiter);
  const limit = typeof vars.id_length_limit === 'number' ? vars.id_length_limit : 0;
  if (limit > 0 && id.length > limit) id = id.slice(0, limit);
  return id || null;
}
