#!/usr/bin/env node
/**
 * Bundle the CLI into `dist/`: one ESM entry (`dist/main.js`) and chunks that are loaded only on
 * the paths that need them (prompts, execa, node-plop, check). Everything the CLI imports is inside
 * `dist/`, so the published package has no runtime dependencies. Templates are precompiled into the
 * bundle, so the CLI neither reads nor compiles them at run time.
 *
 *   node scripts/build.mjs             build dist/
 *   node scripts/build.mjs --analyze   also print what each output file is made of
 *   node scripts/build.mjs --readable  no minification, with source maps (for profiles)
 *   node scripts/build.mjs --outdir D  write the bundle to D instead of dist/
 *
 * Startup is most of the cost of a run (see bench/run.mjs), so a few modules are replaced by
 * lighter ones that do the same for this CLI. Each replacement is listed in `REPLACEMENTS`; a
 * replaced feature that is reached anyway fails with a message naming it, never silently.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** `templates/**` precompiled with the options `src/setup/render.ts` compiles them with. */
function precompiledTemplates() {
  const Handlebars = require('handlebars');
  const render = readFileSync(join(root, 'src', 'setup', 'render.ts'), 'utf8');
  const literal = /export const COMPILE_OPTIONS = (\{[^}]*\})/.exec(render)?.[1];
  if (!literal) throw new Error('src/setup/render.ts no longer exports COMPILE_OPTIONS = { ... }: the build cannot precompile templates as render.ts compiles them');
  const options = Function(`return (${literal});`)();
  const dir = join(root, 'templates');
  const entries = [];
  const walk = (current) => {
    for (const name of readdirSync(current).sort()) {
      const abs = join(current, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else if (name.endsWith('.hbs')) {
        const key = relative(dir, abs).split('\\').join('/');
        entries.push(`${JSON.stringify(key)}: ${Handlebars.precompile(readFileSync(abs, 'utf8'), options)}`);
      }
    }
  };
  walk(dir);
  return `export const PRECOMPILED = {\n${entries.join(',\n')}\n};\n`;
}

/** A module whose every export (default, and `names` on it and beside it) throws `message` when called. */
const stub = (message, names) =>
  `const unavailable = () => { throw new Error(${JSON.stringify(message)}); };\n` +
  `export default Object.assign(unavailable, { ${names.map((n) => `${n}: unavailable`).join(', ')} });\n` +
  `${names.map((n) => `export const ${n} = unavailable;`).join('\n')}\n`;

/**
 * What the bundle replaces, and why. `filter` is matched against the import specifier and, when
 * given, `importer` against the importing file; `resolve` points the import elsewhere, `contents`
 * is the module that takes its place.
 */
export const REPLACEMENTS = [
  {
    // The ESM build of yaml is the same code without the CommonJS wrappers: it loads in half the
    // time. (It logs warnings with console.warn instead of process.emitWarning.)
    filter: /^yaml$/,
    resolve: () => ({ path: require.resolve('yaml').replace(/dist[\\/]index\.js$/, join('browser', 'index.js')) }),
  },
  {
    // Templates are precompiled below, so the Handlebars runtime is all that renders them; the
    // compiler (and the source-map library it pulls in) stays out of the bundle.
    filter: /^handlebars$/,
    contents: `import runtime from ${JSON.stringify(require.resolve('handlebars/dist/cjs/handlebars.runtime.js'))};
const unavailable = () => { throw new Error('templates are precompiled by the build; the Handlebars compiler is not bundled'); };
const base = runtime.default ?? runtime;
const createRuntime = base.create;
const create = () => Object.assign(createRuntime(), { compile: unavailable, precompile: unavailable });
export default Object.assign(base, { create, compile: unavailable, precompile: unavailable });`,
  },
  {
    // The templates module of the source tree is empty; the bundle's holds every template precompiled.
    filter: /templates-precompiled\.ts$/,
    contents: precompiledTemplates,
  },
  {
    // node-plop runs our generators, whose only actions are our own action types planning into the
    // in-memory Tree; it never asks prompts (the CLI does), never loads a plopfile, and never runs
    // its built-in file actions (add, addMany, modify, append), which write straight to disk.
    // Those parts, with inquirer 9 and its rxjs, `resolve`, tinyglobby and isbinaryfile, are left out.
    filter: /^inquirer$/,
    importer: /node-plop/,
    contents: () => stub('create-atmos-oidc asks its own questions: node-plop prompts are not bundled', ['prompt', 'registerPrompt', 'createPromptModule']),
  },
  {
    filter: /^resolve$/,
    importer: /node-plop/,
    contents: () => stub('node-plop plopfile loading is not bundled: create-atmos-oidc registers its generators itself', ['sync']),
  },
  {
    filter: /^\.\/actions\/index\.js$/,
    importer: /node-plop/,
    contents: () =>
      stub("node-plop's built-in actions are not bundled: create-atmos-oidc plans every file through its own action types", ['add', 'addMany', 'modify', 'append']),
  },
  {
    // @inquirer/prompts' editor prompt opens $EDITOR through external-editor (with iconv-lite, half
    // a megabyte); the CLI asks no question in an editor.
    filter: /^@inquirer\/external-editor$/,
    contents: () => stub('the editor prompt is not bundled', ['editAsync', 'edit', 'ExternalEditor']),
  },
];

/** The esbuild plugin that applies `REPLACEMENTS`. */
export const replacements = {
  name: 'replacements',
  setup(b) {
    REPLACEMENTS.forEach((r, index) => {
      b.onResolve({ filter: r.filter }, (args) => {
        if (r.importer && !r.importer.test(args.importer)) return undefined;
        return r.resolve ? r.resolve(args) : { path: String(index), namespace: 'replacement' };
      });
    });
    b.onLoad({ filter: /.*/, namespace: 'replacement' }, (args) => {
      const { contents } = REPLACEMENTS[Number(args.path)];
      return { contents: typeof contents === 'function' ? contents() : contents, loader: 'js', resolveDir: root };
    });
  },
};

/** esbuild options every bundle of this package shares (the CLI's, and bench/imports.mjs's). */
export const BUNDLE_OPTIONS = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS modules inside the bundle (cross-spawn, which) call `require` for Node built-ins.
  banner: { js: "import{createRequire as __cjsRequire}from'node:module';const require=__cjsRequire(import.meta.url);" },
  plugins: [replacements],
  logLevel: 'warning',
};

async function main() {
  const analyze = process.argv.includes('--analyze');
  const readable = process.argv.includes('--readable');
  const outdirFlag = process.argv.indexOf('--outdir');
  const dist = outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(root, 'dist');
  // Build beside dist/ and swap it in whole, so a run of the bin (or a test that packs) never sees
  // a half-written dist/ while another build is under way.
  const staging = outdirFlag > 0 ? `${dist}.staging-${process.pid}` : join(root, 'node_modules', '.cache', 'create-atmos-oidc', `dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: staging,
    splitting: true,
    minify: !readable,
    sourcemap: readable,
    legalComments: readable ? 'inline' : 'none',
    chunkNames: 'chunk-[hash]',
    metafile: true,
  });
  writeFileSync(join(staging, 'THIRD-PARTY-LICENSES.md'), thirdPartyLicenses(result.metafile));
  swapInto(staging, dist);
  if (analyze) printAnalysis(result.metafile, staging, dist);
}

/** The licence of every package whose code is in the bundle, as their licences ask of copies. */
function thirdPartyLicenses(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const sections = [...dirs]
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      const file = readdirSync(join(root, dir)).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
      const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : `${manifest.license ?? 'no licence given'} (the package ships no licence file)`;
      return { name: manifest.name, heading: `## ${manifest.name}@${manifest.version} (${manifest.license ?? 'unknown'})`, text };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return `# Third-party software in dist/\n\nThe bundle contains code from these packages, under these licences.\n\n${sections.map((s) => `${s.heading}\n\n${s.text}\n`).join('\n')}`;
}

/** Put the freshly built `staging` in the place of `dist`. */
function swapInto(staging, dist) {
  for (let attempt = 0; ; attempt++) {
    const old = `${staging}-old-${attempt}`;
    try {
      renameSync(dist, old);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    try {
      renameSync(staging, dist);
      rmSync(old, { recursive: true, force: true });
      return;
    } catch (error) {
      // Another build put its dist/ in place between the two renames: move that one aside too.
      rmSync(old, { recursive: true, force: true });
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt >= 5) throw error;
    }
  }
}

/** What each output file is made of, by package, and which chunks it loads (lazily or not). */
function printAnalysis(metafile, staging, dist) {
  const packageOf = (path) => {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    return m ? m[1] : path.startsWith('replacement:') ? `(replaced) ${REPLACEMENTS[Number(path.split(':')[1])].filter}` : path.split('/')[0];
  };
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const sizes = new Map();
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) sizes.set(packageOf(path), (sizes.get(packageOf(path)) ?? 0) + bytesInOutput);
    const imports = output.imports.filter((i) => !i.external).map((i) => `${relative(staging, join(root, i.path))}${i.kind === 'dynamic-import' ? ' (lazy)' : ''}`);
    console.log(`${relative(root, join(dist, relative(staging, join(root, file))))}  ${output.bytes} bytes${imports.length ? `\n    imports ${[...new Set(imports)].join(', ')}` : ''}`);
    for (const [name, bytes] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`    ${String(bytes).padStart(8)}  ${name}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
