/**
 * Reading a file the user pointed us at, without trusting what is there: only a regular file is
 * read (a FIFO would block for ever, `/dev/zero` never ends), no bigger than a cap, and, inside a
 * repository, never through a symbolic link that leads out of it. The file is opened non-blocking
 * and the open descriptor is checked with fstat, so what is checked is what is read.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

/** No stack, profile, workflow or answers file comes near this; a bigger one is refused, not read. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

const FILE_REFUSED = Symbol.for('create-atmos-oidc.FileRefused');

/** A file that is not read: exit 2, naming the path and why. */
export class FileRefused extends Error {
  readonly path: string;
  readonly exitCode = 2;
  constructor(path: string, why: string) {
    super(`${path} ${why}`);
    this.name = 'FileRefused';
    this.path = path;
    Object.defineProperty(this, FILE_REFUSED, { value: true });
  }
  static [Symbol.hasInstance] = (value: unknown): boolean => typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FILE_REFUSED] === true;
}

/** What an errno means for the person who ran the command. */
export function describeErrno(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of this path is a file where a directory is expected';
    case 'EISDIR':
      return 'a directory where a file is expected';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EIO':
      return 'an input/output error from the device';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return code ? `the system refused it (${code})` : 'the system refused it';
  }
}

function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

export interface ReadOptions {
  /** The repository root: a symbolic link whose target is outside it is refused. */
  root?: string;
  /** The path as the user knows it (relative to the repository), for messages. Default: `abs`. */
  shown?: string;
  maxBytes?: number;
}

/**
 * The text of the regular file at `abs`, or null when no file is there (ENOENT, a parent that is
 * not a directory, or a directory). Anything else that stops the read is `FileRefused`.
 */
export function readRegularFile(abs: string, options: ReadOptions = {}): string | null {
  return readRegularFileBytes(abs, options)?.toString('utf8') ?? null;
}

/** `readRegularFile`'s bytes, undecoded: for callers that keep a file's encoding (the write path). */
export function readRegularFileBytes(abs: string, options: ReadOptions = {}): Buffer | null {
  const shown = options.shown ?? abs;
  const max = options.maxBytes ?? MAX_FILE_BYTES;
  let link;
  try {
    link = lstatSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new FileRefused(shown, `cannot be read: ${describeErrno(code)}`);
  }
  if (link.isSymbolicLink() && options.root !== undefined) {
    let target: string;
    try {
      target = realpathSync(abs);
    } catch {
      return null; // a dangling link: nothing there
    }
    let rootReal = options.root;
    try {
      rootReal = realpathSync(options.root);
    } catch {
      /* keep as given */
    }
    if (!within(rootReal, target)) throw new FileRefused(shown, `is a symbolic link to ${target}, outside the repository ${rootReal}; it is not read`);
  }
  let fd: number;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new FileRefused(shown, `cannot be read: ${describeErrno(code)}`);
  }
  try {
    const stat = fstatSync(fd);
    // A directory is no file: absent, as ENOENT (callers that need a file say so with their own words).
    if (stat.isDirectory()) return null;
    if (!stat.isFile()) throw new FileRefused(shown, `is ${kindOf(stat)}; only regular files are read`);
    if (stat.size > max) throw new FileRefused(shown, `is ${stat.size} bytes, more than the ${max} bytes a file may have here; it is not read`);
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) throw new FileRefused(shown, `grew past ${stat.size} bytes while being read; it is not read`);
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof FileRefused) throw error;
    throw new FileRefused(shown, `cannot be read: ${describeErrno((error as NodeJS.ErrnoException).code)}`);
  } finally {
    closeSync(fd);
  }
}
