/** parsel's `re()` rule: every match of a pattern, as capture group 1 when there is one, else the whole match. */

/**
 * Matches of `pattern` in `text`, at most `limit`. A string pattern is compiled as a RegExp; the pattern's own flags
 * are kept and `g` is added, so a non-global RegExp still yields every match.
 */
export function regexMatches(
  pattern: RegExp | string,
  text: string,
  limit = Number.POSITIVE_INFINITY,
): string[] {
  const source = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
  const global = new RegExp(
    source.source,
    source.flags.includes('g') ? source.flags : `${source.flags}g`,
  );
  const found: string[] = [];
  for (const match of text.matchAll(global)) {
    if (found.length >= limit) break;
    // A group that did not take part (`(a)|b` matching "b") gives '' rather than a hole in the list.
    found.push(match.length > 1 ? (match[1] ?? '') : match[0]);
  }
  return found;
}
