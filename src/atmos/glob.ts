/**
 * The glob syntax of Atmos stack paths and imports (doublestar): `**` any number of directories,
 * `*` and `?` within one path segment, `{a,b}` alternatives, `[abc]` classes. A pattern may omit
 * the `.yaml` extension, as Atmos allows.
 */
const cache = new Map<string, RegExp>();

function compile(glob: string): RegExp {
  let source = '^';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      source += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '{') {
      inBraces++;
      source += '(?:';
    } else if (ch === '}' && inBraces) {
      inBraces--;
      source += ')';
    } else if (ch === ',' && inBraces) source += '|';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        source += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${source}$`);
}

export function globMatch(glob: string, path: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    re = compile(glob);
    cache.set(glob, re);
  }
  return re.test(path) || re.test(path.replace(/\.ya?ml$/, ''));
}

export function hasGlob(text: string): boolean {
  return /[*?[{]/.test(text);
}
