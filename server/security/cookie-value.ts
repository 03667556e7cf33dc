/**
 * The value of the cookie `name` in a `Cookie` header, found without parsing the others (a page's other
 * cookies can be many and long, and every event carries them). The first one wins, as in a full parse.
 * `undefined` when absent.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (let from = 0; ; ) {
    const found: number = header.indexOf(name, from);
    if (found < 0) return undefined;
    const after = found + name.length;
    const startsPair = found === 0 || header[found - 1] === ' ' || header[found - 1] === ';';
    if (startsPair && header[after] === '=') {
      const end = header.indexOf(';', after + 1);
      let value = header.slice(after + 1, end < 0 ? header.length : end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value.includes('%') ? decodeOrRaw(value) : value;
    }
    from = after;
  }
}

function decodeOrRaw(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
