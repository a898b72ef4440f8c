/**
 * The last line of defence: whatever escapes a command becomes one line on stderr and an exit code,
 * never a stack trace. Errors from the system (errno) name the path and what it means; anything
 * else is our bug, said as such, with a hint to report it. `main.ts` installs it.
 */
import { describeErrno } from '../atmos/safe-read.ts';
import { VERSION } from '../setup/version.ts';

/** Errno codes that say something about the user's files or directory (exit 2), not a failed write (exit 1). */
const INPUT_ERRNO = new Set(['ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG', 'ENOENT', 'EEXIST', 'ENOTEMPTY']);

export interface Verdict {
  message: string;
  code: number;
}

/** One line for an error nobody caught, and the exit code it ends with. */
export function verdictFor(error: unknown): Verdict {
  const e = error as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  if (e && typeof e === 'object' && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    const where = e.path ? `${e.path}${e.dest ? ` → ${e.dest}` : ''}` : (e.syscall ?? 'a file');
    const code = INPUT_ERRNO.has(e.code) ? 2 : 1;
    return { message: `error: ${where}: ${describeErrno(e.code)} (${e.code}${e.syscall ? ` in ${e.syscall}` : ''}); exit ${code}`, code };
  }
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return { message: 'error: an input file is nested too deeply to read (the parser ran out of stack); exit 2', code: 2 };
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    message: `error: unexpected failure (${text.split('\n')[0]}); exit 1. This is a bug in create-atmos-oidc ${VERSION}: please report it with the command you ran.`,
    code: 1,
  };
}
