/** Cache-Control parsing (RFC 9111 §5.2): directive names lower-cased, values unquoted, duplicates keep the first. */

/** Directive name → its argument, or `true` for a directive without one (`no-store`). */
export type Directives = ReadonlyMap<string, string | true>;

const NONE: Directives = new Map();

/**
 * Parses a Cache-Control value. A directive with a quoted argument may contain commas (`no-cache="a, b"`), so the
 * value is tokenised rather than split.
 */
export function parseCacheControl(value: string | undefined): Directives {
  if (value === undefined || value.trim() === '') return NONE;
  const directives = new Map<string, string | true>();
  const pattern = /\s*([^\s=,]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*(?:,|$)/gy;
  for (
    let match = pattern.exec(value);
    match !== null && match[0] !== '';
    match = pattern.exec(value)
  ) {
    const name = (match[1] ?? '').toLowerCase();
    const argument = match[2] === undefined ? match[3] : match[2].replace(/\\(.)/g, '$1');
    // RFC 9111 §4.2.1: with duplicates, a cache should use the first (and may treat the response as stale).
    if (!directives.has(name))
      directives.set(name, argument === undefined || argument === '' ? true : argument);
  }
  return directives;
}

/**
 * A delta-seconds directive (`max-age=60`) in milliseconds; `undefined` when absent, and 0 when malformed, since
 * RFC 9111 §1.2.2 says an invalid age means stale.
 */
export function secondsDirectiveMs(directives: Directives, name: string): number | undefined {
  const value = directives.get(name);
  if (value === undefined) return undefined;
  if (value === true || !/^\d+$/.test(value)) return 0;
  return Number(value) * 1000;
}

/** Whether a request asks to bypass stored responses (`Cache-Control: no-cache`, or HTTP/1.0 `Pragma: no-cache`). */
export function requestWantsRevalidation(
  headers: Record<string, string>,
  directives: Directives,
): boolean {
  if (directives.has('no-cache')) return true;
  // RFC 9111 §5.4: Pragma counts only when there is no Cache-Control header.
  return (
    headers['cache-control'] === undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(headers.pragma ?? '')
  );
}
