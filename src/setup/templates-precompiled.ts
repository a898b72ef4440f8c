/**
 * Templates compiled ahead of time, keyed by their path under `templates/`. Empty in the source
 * tree, where `render.ts` reads and compiles each template on first use. The build
 * (`scripts/build.mjs`) replaces this module with every template precompiled with the same options,
 * so the published CLI neither reads nor compiles templates at run time.
 */
import type Handlebars from 'handlebars';

export const PRECOMPILED: Readonly<Record<string, Parameters<typeof Handlebars.template>[0]>> = {};
