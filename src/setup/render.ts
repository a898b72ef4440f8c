/**
 * Template rendering: one Handlebars instance that never HTML-escapes (YAML is not HTML) and fails
 * on a misspelt variable instead of rendering it empty. Values enter YAML only through
 * `yamlScalar`, which emits a correctly quoted scalar: `yaml`'s (simple ones are written by
 * src/atmos/yaml-simple.ts exactly as `yaml` writes them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { stringify } from 'yaml';
import { actionRef, type PinMode } from '../answers/action-pins.ts';
import { PRECOMPILED } from './templates-precompiled.ts';
import { simpleScalar } from '../atmos/yaml-simple.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The `templates/` folder, from the source tree or from the installed package. */
export const TEMPLATES_DIR = [join(here, '..', 'templates'), join(here, '..', '..', 'templates'), join(here, 'templates')].find((dir) =>
  existsSync(join(dir, 'catalog')),
) ?? join(here, '..', 'templates');

/** One YAML scalar on one line, quoted only when YAML would otherwise read it differently. */
export function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const simple = simpleScalar(value);
  if (simple !== null) return simple;
  let text = stringify(value, { lineWidth: 0, defaultStringType: 'PLAIN' }).trimEnd();
  // A lone string that starts like a document marker ("---a", "...") comes out as a block scalar: quote it.
  if (text.includes('\n') && typeof value === 'string' && !/[\n\r]/.test(value))
    text = stringify(value, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE' }).trimEnd();
  if (text.includes('\n')) throw new Error(`value ${JSON.stringify(value)} does not fit on one YAML line`);
  return text;
}

const handlebars = Handlebars.create();
handlebars.registerHelper('yaml', (value: unknown) => yamlScalar(value));
// `{{action "owner/repo@vN"}}`: the `uses:` value, pinned as the data's `pinActions` says (default: the major tag).
handlebars.registerHelper('action', (ref: string, options: Handlebars.HelperOptions) =>
  actionRef(ref, (options.data?.root as { pinActions?: PinMode } | undefined)?.pinActions ?? 'major'),
);
const HEADER = 'workflows/_header.hbs';
handlebars.registerPartial('header', PRECOMPILED[HEADER] ? handlebars.template(PRECOMPILED[HEADER]) : readFileSync(join(TEMPLATES_DIR, HEADER), 'utf8'));

/** How every template is compiled, at run time from source or ahead of time by the build. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** Render `templates/<name>` with `data`; the result ends with exactly one newline. */
export function renderTemplate(name: string, data: object): string {
  let template = compiled.get(name);
  if (!template) {
    const spec = PRECOMPILED[name];
    template = spec ? handlebars.template(spec) : handlebars.compile(readFileSync(join(TEMPLATES_DIR, name), 'utf8'), COMPILE_OPTIONS);
    compiled.set(name, template);
  }
  return `${template(data).trimEnd()}\n`;
}
