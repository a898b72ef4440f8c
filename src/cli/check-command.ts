/**
 * The `check` command: flags to `checkRepository` options, the report to stdout, findings to an
 * exit code. Library code lives in src/check/; this file only adapts it to the command line.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { InputError } from '../answers/validate.ts';
import { checkRepository, explainRole, type CheckOptions } from '../check/index.ts';
import { formatExplain, formatReport, toJson } from '../check/report.ts';
import { diskRepo } from '../atmos/repo.ts';
import type { Context } from './context.ts';

/** The `check` command: exit 0 when no error was found, 1 otherwise (2 for bad usage). */
export async function runCheck(ctx: Context): Promise<number> {
  let isDir = false;
  try {
    isDir = statSync(ctx.dir).isDirectory();
  } catch {
    isDir = false;
  }
  // Usage errors are printed here rather than thrown: an error class loaded twice (CommonJS and
  // ESM, as under a test runner's require hook) would not be recognised by the caller.
  const usage = (error: InputError): number => {
    ctx.io.stderr(`error: ${error.message.split('\n').join('\nerror: ')}\n`);
    return 2;
  };
  if (!isDir) return usage(new InputError({ field: 'DIR', value: ctx.dir, allowed: 'expected an existing directory (the repository to check)' }));
  const options: CheckOptions = {};
  if (ctx.repository) {
    if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(ctx.repository)) return usage(new InputError({ field: '--repository', value: ctx.repository, allowed: 'expected owner/repo' }));
    options.repository = ctx.repository;
  }
  if (ctx.repositoryIds) {
    const m = /^(\d+)\/(\d+)$/.exec(ctx.repositoryIds);
    if (!m) return usage(new InputError({ field: '--repository-ids', value: ctx.repositoryIds, allowed: 'expected OWNER_ID/REPO_ID, the numeric ids of GET /repos/{owner}/{repo} (owner.id and id)' }));
    options.repositoryIds = { owner: Number(m[1]), repo: Number(m[2]) };
  }
  for (const [field, path, what] of [['--config', ctx.config, 'atmos.yaml, or the directory holding it'], ['--base-path', ctx.basePath, 'a directory']] as const) {
    if (!path) continue;
    const inside = relative(ctx.dir, path);
    if (!existsSync(path) || inside.startsWith('..') || isAbsolute(inside))
      return usage(new InputError({ field, value: path, allowed: `expected ${what} inside ${ctx.dir}` }));
  }
  options.atmosConfig = {
    configPath: ctx.config ? relative(ctx.dir, ctx.config) || '.' : null,
    basePath: ctx.basePath ? relative(ctx.dir, ctx.basePath) || '.' : null,
    env: atmosEnv(ctx.io.env, ctx.dir),
  };
  const result = checkRepository(diskRepo(ctx.dir), options);
  if (ctx.explain) {
    const explained = explainRole(result, ctx.explain);
    if (!explained.length) {
      const names = [...new Set(result.roles.map((r) => r.component.name))].sort();
      return usage(new InputError({ field: '--explain', value: ctx.explain, allowed: `expected a role component of this repository: ${names.join(', ') || '(none found)'}` }));
    }
    ctx.io.stdout(ctx.json ? `${JSON.stringify({ role: ctx.explain, accounts: explained }, null, 2)}\n` : formatExplain(ctx.explain, explained));
    return 0;
  }
  ctx.io.stdout(ctx.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : formatReport(result, ctx.dir));
  return result.errors ? 1 : 0;
}

/**
 * ATMOS_CLI_CONFIG_PATH and ATMOS_BASE_PATH of the shell `check` runs in, as Atmos would read them
 * from DIR: relative to DIR when they point inside it, as written otherwise (a container path).
 */
function atmosEnv(env: Record<string, string | undefined>, dir: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of ['ATMOS_CLI_CONFIG_PATH', 'ATMOS_BASE_PATH']) {
    const value = env[key];
    if (!value) continue;
    const inside = isAbsolute(value) ? relative(dir, value) : null;
    out[key] = inside !== null && !inside.startsWith('..') && !isAbsolute(inside) ? inside || '.' : value;
  }
  return out;
}
