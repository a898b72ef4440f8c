/**
 * Colour only where it helps: on a terminal that shows it, never when `NO_COLOR` is set
 * (https://no-color.org), always when `FORCE_COLOR` asks for it. Plain ANSI codes, no dependency.
 */

export interface ColorStream {
  isTTY?: boolean;
  hasColors?: (env?: Record<string, string | undefined>) => boolean;
}

/**
 * Whether text written to `stream` may carry colour codes. `FORCE_COLOR` (other than `0`/`false`)
 * wins, then a non-empty `NO_COLOR`, then `TERM=dumb`; otherwise only a terminal that reports colours.
 */
export function colorSupported(stream: ColorStream, env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (!stream.isTTY || env.TERM === 'dumb') return false;
  return stream.hasColors ? stream.hasColors(env) : true;
}

export type Style = (text: string) => string;

export interface Palette {
  enabled: boolean;
  bold: Style;
  dim: Style;
  red: Style;
  green: Style;
  yellow: Style;
  blue: Style;
  cyan: Style;
}

const code =
  (open: number, close: number): Style =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain: Style = (text) => text;

/** Styles that colour when `enabled` and return the text unchanged otherwise. */
export function palette(enabled: boolean): Palette {
  if (!enabled) return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, blue: plain, cyan: plain };
  return {
    enabled,
    bold: code(1, 22),
    dim: code(2, 22),
    red: code(31, 39),
    green: code(32, 39),
    yellow: code(33, 39),
    blue: code(34, 39),
    cyan: code(36, 39),
  };
}
