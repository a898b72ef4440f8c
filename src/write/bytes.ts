/**
 * Bytes as the user wrote them. A file is read as strict UTF-8 when it is UTF-8; any other bytes
 * (a Latin-1 comment, a Windows-1252 quote) are read one byte per character (`latin1`), which maps
 * every byte to one code unit and back, so lines the tool does not touch are written back byte for
 * byte. Text the tool writes into such a file must fit that mapping; otherwise the file is refused
 * (an input error naming it) rather than mangled. Line endings are kept per file: a file whose
 * every line ends in CRLF (`core.autocrlf`) is merged as LF and written back as CRLF, so the
 * endings are never seen as edits.
 */
import { InputError } from '../answers/validate.ts';

export type Encoding = 'utf8' | 'latin1';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decode file bytes: strict UTF-8 (a BOM kept as U+FEFF), else one character per byte. */
export function decodeBytes(bytes: Uint8Array): { text: string; encoding: Encoding } {
  try {
    return { text: UTF8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), encoding: 'latin1' };
  }
}

/** Encode text for a file read with `encoding`; refuses (naming the file) what the encoding cannot hold. */
export function encodeText(path: string, text: string, encoding: Encoding): Buffer {
  if (encoding === 'latin1') {
    // eslint-disable-next-line no-control-regex
    const bad = /[^\x00-\xff]/.exec(text);
    if (bad)
      throw new InputError({
        field: path,
        value: `${bad[0]} (U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`,
        allowed: 'this file is not UTF-8 and is kept byte for byte, but the new content needs a character outside its bytes: convert the file to UTF-8 and run again',
      });
    return Buffer.from(text, 'latin1');
  }
  return Buffer.from(text, 'utf8');
}

export type Eol = 'lf' | 'crlf';

/** CRLF when every line break in `text` is CRLF (and there is at least one), else LF. */
export function eolOf(text: string): Eol {
  const crlf = text.split('\r\n').length - 1;
  return crlf > 0 && crlf === text.split('\n').length - 1 ? 'crlf' : 'lf';
}

export function toLf(text: string, eol: Eol): string {
  return eol === 'crlf' ? text.replace(/\r\n/g, '\n') : text;
}

export function fromLf(text: string, eol: Eol): string {
  return eol === 'crlf' ? text.replace(/\r?\n/g, '\r\n') : text;
}
