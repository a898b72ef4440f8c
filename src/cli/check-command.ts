/**
 * The `check` command: flags to `checkRepository` options, the report to stdout, findings to an
 * exit code. Library code lives in src/check/; this file only adapts it to the command line.
 * Offline is the default: `--aws` and `--github` are the only flags that run anything.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { InputError } from '../answers/validate.ts';
import { checkRepository, explainRole, type CheckOptions, type CheckResult } from '../check/index.ts';
import { formatExplain, formatReport, toJson } from '../check/report.ts';
import { FORMATS, toMarkdown, toSarif, type Format, type ReportInput } from '../check/formats.ts';
import { parseRoles, TrustFileError, type ExternalRole } from '../check/external.ts';
import { processRunner, readAwsRoles, readGithub, type Runner, type SourceNote } from '../check/sources.ts';
import { finding } from '../atmos/findings.ts';
import { diskRepo } from '../atmos/repo.ts';
import type { Context } from './context.ts';

/** How long one aws or gh call may take (CHECK_SOURCE_TIMEOUT_MS overrides, for tests and slow links). */
const TIMEOUT_MS = 20_000;

/** The `check` command: exit 0 when no error was found, 1 otherwise (2 for bad usage). */
export async function runCheck(ctx: Context, runner?: Runner): Promise<number> {
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
  if (ctx.format !== null && !(FORMATS as readonly string[]).includes(ctx.format)) return usage(new InputError({ field: '--format', value: ctx.format, allowed: `expected one of ${FORMATS.join(', ')}` }));
  if (ctx.json && ctx.format !== null && ctx.format !== 'json') return usage(new InputError({ field: '--json', value: `--format ${ctx.format}`, allowed: '--json is --format json: give one of them' }));
  const format: Format = ctx.json ? 'json' : ((ctx.format as Format | null) ?? 'text');
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
  const sources = ['the repository files'];
  const external: ExternalRole[] = [];
  for (const given of ctx.trust) {
    const file = resolve(ctx.io.cwd, given);
    let text: string;
    try {
      if (statSync(file).isDirectory()) return usage(new InputError({ field: '--trust', value: file, allowed: 'expected a JSON file (aws iam get-role or list-roles output), found a directory' }));
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return usage(new InputError({ field: '--trust', value: file, allowed: `expected a readable JSON file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }));
    }
    const shown = relative(ctx.io.cwd, file) || file;
    try {
      external.push(...parseRoles(text, shown));
    } catch (error) {
      if (error instanceof TrustFileError) return usage(new InputError({ field: error.field, value: error.value, allowed: error.allowed }));
      throw error;
    }
    sources.push(`trust policies from ${shown} (--trust)`);
  }
  if (external.length) options.externalRoles = [...external];
  let result = checkRepository(diskRepo(ctx.dir), options);
  const notes: SourceNote[] = [];
  if (ctx.aws || ctx.github) {
    const timeout = Number(ctx.io.env.CHECK_SOURCE_TIMEOUT_MS) || TIMEOUT_MS;
    const run = runner ?? processRunner(ctx.io.env, timeout);
    if (ctx.aws) {
      const given = new Set(external.map((r) => r.arn));
      const wanted = result.chains.filter((c) => c.role === null && c.roleArn && !given.has(c.roleArn)).map((c) => c.roleArn as string);
      const aws = await readAwsRoles(wanted, run, timeout);
      notes.push(...aws.notes);
      if (aws.roles.length) options.externalRoles = [...external, ...aws.roles];
      sources.push(aws.account ? `AWS CLI (account ${aws.account}, ${aws.roles.length} role${aws.roles.length === 1 ? '' : 's'} read)` : 'AWS CLI (unavailable)');
    }
    if (ctx.github) {
      const gh = await readGithub(result.subject.repository, run, timeout);
      notes.push(...gh.notes);
      options.github = gh.facts;
      if (gh.defaultBranch && !options.defaultBranch) options.defaultBranch = gh.defaultBranch;
      if (gh.repositoryIds && !options.repositoryIds) options.repositoryIds = gh.repositoryIds;
      sources.push(gh.facts ? `GitHub API through gh (${result.subject.repository})` : 'GitHub API through gh (unavailable)');
    }
    result = checkRepository(diskRepo(ctx.dir), options);
    for (const n of notes)
      result.findings.push(
        finding({
          severity: 'warning',
          code: 'source-unavailable',
          message: `check --${n.source}: ${n.problem}; the chains that needed it are judged as without --${n.source}`,
          file: '',
          fix: n.source === 'aws' ? 'install the AWS CLI and give it credentials that may call iam:GetRole (or pass --trust FILE)' : 'install gh and run gh auth login (a token that may read the repository\'s environments and Actions settings)',
        }),
      );
    result.warnings += notes.length;
  }
  if (ctx.explain) {
    const explained = explainRole(result, ctx.explain);
    if (!explained.length) {
      const names = [...new Set(result.roles.map((r) => r.component.name))].sort();
      return usage(new InputError({ field: '--explain', value: ctx.explain, allowed: `expected a role component of this repository: ${names.join(', ') || '(none found)'}` }));
    }
    ctx.io.stdout(format === 'json' ? `${JSON.stringify({ role: ctx.explain, accounts: explained }, null, 2)}\n` : formatExplain(ctx.explain, explained));
    return 0;
  }
  ctx.io.stdout(render(format, result, sources, ctx.dir));
  return result.errors ? 1 : 0;
}

function render(format: Format, result: CheckResult, sources: string[], dir: string): string {
  const input: ReportInput = { chains: result.chains, findings: result.findings, sources, fallbackFile: result.stacks.config.file ?? 'atmos.yaml' };
  if (format === 'json') return `${JSON.stringify({ ...toJson(result), sources }, null, 2)}\n`;
  if (format === 'sarif') return `${JSON.stringify(toSarif(input), null, 2)}\n`;
  if (format === 'markdown') return toMarkdown(input);
  return formatReport(result, dir).replace('\n\n', `\nSources: ${sources.join('; ')}\n\n`);
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
