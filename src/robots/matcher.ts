/** robots.txt path patterns: escaping, URL-to-path extraction and a linear `*`/`$` matcher (google/robotstxt semantics). */

/** One compiled Allow/Disallow line. `priority` is the pattern length, as in Google's longest-match strategy. */
export interface CompiledRule {
  readonly allow: boolean;
  readonly priority: number;
  readonly pattern: string;
  /** The literal text before the first `*`: every matching path starts with it. */
  readonly prefix: string;
  matches(path: string): boolean;
}

const HEX = '0123456789ABCDEF';

function isHexDigit(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x46) ||
    (code >= 0x61 && code <= 0x66)
  );
}

/**
 * Canonicalises an Allow/Disallow value given as a latin1 "byte string" (one char per octet):
 * octets >= 0x80 become `%XX` and existing escapes get upper-case hex. Escapes are never decoded
 * (google/robotstxt `MaybeEscapePattern`), so `/%62` does not match `/b`.
 */
export function escapePattern(bytes: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes.charCodeAt(i);
    if (
      code === 0x25 &&
      isHexDigit(bytes.charCodeAt(i + 1)) &&
      isHexDigit(bytes.charCodeAt(i + 2))
    ) {
      out += bytes.slice(last, i + 1) + bytes.slice(i + 1, i + 3).toUpperCase();
      i += 2;
      last = i + 1;
    } else if (code >= 0x80) {
      out += `${bytes.slice(last, i)}%${HEX[code >> 4]}${HEX[code & 0xf]}`;
      last = i + 1;
    }
  }
  return last === 0 ? bytes : out + bytes.slice(last);
}

/**
 * Path, params and query of a URL (scheme, authority and fragment removed); always starts with `/`.
 * A port of google/robotstxt `GetPathParamsQuery`: works on raw strings so the caller's escaping is
 * kept verbatim, and accepts bare paths (`/a?b`) as well as absolute URLs.
 */
export function pathOf(url: string): string {
  const searchStart = url.startsWith('//') ? 2 : 0;
  const earlyPath = firstOf(url, searchStart);
  let protocolEnd = url.indexOf('://', searchStart);
  if (earlyPath !== -1 && (protocolEnd === -1 || earlyPath < protocolEnd)) protocolEnd = -1;
  protocolEnd = protocolEnd === -1 ? searchStart : protocolEnd + 3;

  const pathStart = firstOf(url, protocolEnd);
  if (pathStart === -1) return '/';
  const hash = url.indexOf('#', searchStart);
  if (hash !== -1 && hash < pathStart) return '/';
  const path = url.slice(pathStart, hash === -1 ? url.length : hash);
  return url.charCodeAt(pathStart) === 0x2f ? path : `/${path}`;
}

/** Index of the first `/`, `?` or `;` at or after `from`, or -1. */
function firstOf(url: string, from: number): number {
  for (let i = from; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x3b) return i;
  }
  return -1;
}

/**
 * Compiles a pattern once. `*` matches any run of characters; `$` anchors only as the last
 * character. Literal segments are matched left-most-first with `indexOf`, which is exact for
 * star-only globs and never backtracks: each segment is searched once (no regex on untrusted input).
 */
export function compileRule(allow: boolean, pattern: string): CompiledRule {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const segments = body.split('*');
  const first = segments[0] ?? '';
  const base = { allow, priority: pattern.length, pattern, prefix: first };
  if (segments.length === 1) {
    return anchored
      ? { ...base, matches: (path) => path === body }
      : { ...base, matches: (path) => path.startsWith(body) };
  }
  const last = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  return {
    ...base,
    matches(path) {
      if (!path.startsWith(first)) return false;
      let pos = first.length;
      for (const segment of middle) {
        const found = path.indexOf(segment, pos);
        if (found === -1) return false;
        pos = found + segment.length;
      }
      if (anchored) return path.length - last.length >= pos && path.endsWith(last);
      return last.length === 0 || path.indexOf(last, pos) !== -1;
    },
  };
}

/** Sorts rules so the first match decides: longer patterns first, Allow before Disallow on a tie. */
export function byPrecedence(a: CompiledRule, b: CompiledRule): number {
  return b.priority - a.priority || Number(b.allow) - Number(a.allow);
}
