/**
 * The dedup key of a URL: the form under which two spellings of one page count as one (Scrapy's
 * `canonicalize_url`, from w3lib). Only the key changes: the URL fetched and handed to the handler stays as written.
 */
import { memoByUrl } from './url-memo.js';

/** How a crawl folds URL spellings together for dedup. */
export interface DedupRules {
  /** Keep query arguments in the order written instead of sorting them. @default false */
  keepQueryOrder?: boolean;
  /**
   * Query (and `;` path) parameter names to drop, on top of `defaultDroppedParams`. Case-insensitive; a trailing
   * `*` matches a prefix (`utm_*`).
   */
  dropParams?: readonly string[];
  /** Names never dropped, even when a default or `dropParams` matches them (same syntax). */
  keepParams?: readonly string[];
}

/** A compiled `DedupRules`: URL in (as `canonicalizeUrl` serialises it), key out. */
export type DedupKey = (url: string) => string;

/**
 * Click and campaign trackers: they name who sent the visitor, never what page is shown. Sources: Google
 * Analytics/Ads (utm_*, gclid, gclsrc, dclid, gbraid, wbraid, _ga, _gl), Meta (fbclid, igshid), Microsoft (msclkid),
 * Yandex (yclid), X (twclid), TikTok (ttclid), LinkedIn (li_fat_id), Mailchimp (mc_cid, mc_eid), HubSpot
 * (_hsenc, _hsmi), Marketo (mkt_tok), the same list Firefox's query stripping and ClearURLs start from.
 */
export const trackingParams: readonly string[] = Object.freeze([
  'utm_*',
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'ttclid',
  'igshid',
  'li_fat_id',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
]);

/**
 * Server session ids put in URLs when cookies are off (Java `;jsessionid=`, PHP, classic ASP, ColdFusion): each
 * visitor gets another spelling of every page. `sid` is dropped only when its value looks like a session token
 * (32 or more hex digits, Heritrix's rule), since short `sid`s are often real ids.
 */
export const sessionParams: readonly string[] = Object.freeze([
  'jsessionid',
  'phpsessid',
  'aspsessionid*',
  'sessionid',
  'cfid',
  'cftoken',
  'sid',
]);

/** What a crawl drops by default: `trackingParams` then `sessionParams`. */
export const defaultDroppedParams: readonly string[] = Object.freeze([
  ...trackingParams,
  ...sessionParams,
]);

const sessionToken = /^[0-9a-f]{32,}$/i;

/** The key under the default rules (sorted query, trackers and session ids dropped). */
export const defaultDedupKey: DedupKey = createDedupKey();

/**
 * The dedup key of `url` under `rules`; for many URLs compile the rules once with `createDedupKey`.
 * @param url an http(s) URL as `canonicalizeUrl` returns it (WHATWG-serialised: ASCII only, no fragment); any
 *   other scheme is returned unchanged.
 */
export function dedupKey(url: string, rules: DedupRules = {}): string {
  return createDedupKey(rules)(url);
}

/**
 * Compiles `rules` into a key function. The key of an http(s) URL is the URL with:
 * - query arguments sorted by name, then value (w3lib sorts the same way), unless `keepQueryOrder`;
 * - dropped arguments (`defaultDroppedParams` + `dropParams`, minus `keepParams`) removed, in the query and as
 *   `;name=value` path parameters (`/p;jsessionid=ABC`);
 * - empty arguments (`&&`) removed, and `a` written `a=` (w3lib's keep_blank_values: `?a=` is kept, since a blank
 *   value can mean something to a server);
 * - each query name and value percent-decoded and encoded again as a form would (unreserved characters raw,
 *   space as `+`, everything else `%XX` in upper case), so `%7e`, `%7E` and `~`, or `+` and `%20`, are one key;
 * - in the path only the RFC 3986 §6.2.2 equivalences: hex digits upper-cased and unreserved characters decoded
 *   (`%7e` → `~`); other escapes stay, since `%2F` or `%3B` may change what a path means.
 *
 * Where it deliberately differs from w3lib's `canonicalize_url`: `;` is not a query separator (w3lib's
 * `parse_qsl` splits on it; WHATWG and today's servers do not), reserved characters escaped in the path stay
 * escaped (w3lib decodes `%3B` to `;`), and the dropped parameters, which w3lib leaves to `url_query_cleaner`.
 *
 * Cost: a URL with no `?`, `;` or `%` is returned as is after three `indexOf`s; others are rebuilt by string
 * scanning, without `new URL`.
 */
export function createDedupKey(rules: DedupRules = {}): DedupKey {
  const dropped = compileNames([...defaultDroppedParams, ...(rules.dropParams ?? [])]);
  const kept = compileNames(rules.keepParams ?? []);
  const sort = rules.keepQueryOrder !== true;
  // Only the default `sid` rule looks at the value; a user who lists `sid` in dropParams drops every value.
  const anySid = (rules.dropParams ?? []).some((pattern) => normalizeName(pattern) === 'sid');
  const drops = (rawName: string, rawValue: string): boolean => {
    const name = decodeName(rawName);
    if (!dropped.matches(name) || kept.matches(name)) return false;
    return name !== 'sid' || anySid || sessionToken.test(rawValue);
  };
  // Remembered per URL: every link to a page already seen (most links are) asks again.
  return memoByUrl((url) => {
    const query = url.indexOf('?');
    if (query === -1 && url.indexOf(';') === -1 && url.indexOf('%') === -1) return url;
    if (!url.startsWith('http://') && !url.startsWith('https://')) return url;
    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    if (pathStart === -1) return url;
    const pathEnd = query === -1 ? url.length : query;
    const path = normalizePath(url.slice(pathStart, pathEnd), drops);
    const head = url.slice(0, pathStart) + path;
    if (query === -1) return head;
    const args = normalizeQuery(url.slice(query + 1), drops, sort);
    return args === '' ? head : `${head}?${args}`;
  });
}

interface NameMatcher {
  matches(name: string): boolean;
}

function compileNames(patterns: readonly string[]): NameMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    const name = normalizeName(pattern);
    if (name === '' || name === '*') continue;
    if (name.endsWith('*')) prefixes.push(name.slice(0, -1));
    else exact.add(name);
  }
  return {
    matches: (name) => {
      if (exact.has(name)) return true;
      for (const prefix of prefixes) if (name.startsWith(prefix)) return true;
      return false;
    },
  };
}

function normalizeName(pattern: string): string {
  return pattern.trim().toLowerCase();
}

/** A parameter name as matched: percent-decoded where that is cheap and safe, lower-case. */
function decodeName(raw: string): string {
  if (raw.indexOf('%') === -1) return raw.toLowerCase();
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** Drops `;name=value` path parameters the rules drop, and normalises escapes (RFC 3986 §6.2.2 only). */
function normalizePath(path: string, drops: (name: string, value: string) => boolean): string {
  let out = path;
  if (out.indexOf(';') !== -1) {
    // A parameter runs from its ';' to the next ';', '/' or the end: /p;jsessionid=ABC;x=1/q.
    out = out.replace(/;([^;/=]*)=?([^;/]*)/g, (param, name: string, value: string) =>
      drops(name, value) ? '' : param,
    );
  }
  return out.indexOf('%') === -1 ? out : out.replace(/%[0-9a-fA-F]{2}/g, normalizePathEscape);
}

function normalizePathEscape(percentEscape: string): string {
  const byte = Number.parseInt(percentEscape.slice(1), 16);
  return isUnreserved(byte) ? String.fromCharCode(byte) : percentEscape.toUpperCase();
}

interface Arg {
  /** `name=value`, re-encoded. */
  text: string;
  /** Decoded name and value (one char per byte) for the sort, which w3lib does on decoded bytes. */
  name: string;
  value: string;
}

function normalizeQuery(
  query: string,
  drops: (name: string, value: string) => boolean,
  sort: boolean,
): string {
  const args: Arg[] = [];
  for (const field of query.split('&')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const rawName = eq === -1 ? field : field.slice(0, eq);
    const rawValue = eq === -1 ? '' : field.slice(eq + 1);
    if (drops(rawName, rawValue)) continue;
    if (plainArg.test(field)) {
      // The common case: nothing to decode or encode, so the field is its own normal form.
      args.push({ text: eq === -1 ? `${field}=` : field, name: rawName, value: rawValue });
      continue;
    }
    const name = formDecode(rawName);
    const value = formDecode(rawValue);
    args.push({ text: `${formEncode(name)}=${formEncode(value)}`, name, value });
  }
  if (sort && args.length > 1) args.sort(compareArgs);
  let out = '';
  for (const arg of args) out = out === '' ? arg.text : `${out}&${arg.text}`;
  return out;
}

function compareArgs(a: Arg, b: Arg): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return 0;
}

/**
 * Decodes a form field to bytes, one char per byte (`+` is a space; `%XX` a byte; an invalid escape stays as
 * written): bytes, not UTF-8 text, so a Latin-1 `%E9` survives as it does in w3lib.
 */
function formDecode(text: string): string {
  if (text.indexOf('%') === -1 && text.indexOf('+') === -1) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x2b) out += ' ';
    else if (char === 0x25 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      out += String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += text[i];
  }
  return out;
}

/** Python's `quote_plus` over bytes (one char per byte): unreserved raw, space `+`, the rest `%XX`. */
function formEncode(bytes: string): string {
  // Most names and values are plain already: one native regex test instead of a loop of concatenations.
  if (plainField.test(bytes)) return bytes;
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes.charCodeAt(i);
    if (isUnreserved(byte)) out += bytes[i];
    else if (byte === 0x20) out += '+';
    else out += HEX[byte & 0xff];
  }
  return out;
}

const plainField = /^[\w.~-]*$/;
const plainArg = /^[\w.~-]*(?:=[\w.~-]*)?$/;

const HEX = Array.from(
  { length: 256 },
  (_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
);

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

function isHex(char: number): boolean {
  return (
    (char >= 0x30 && char <= 0x39) ||
    (char >= 0x41 && char <= 0x46) ||
    (char >= 0x61 && char <= 0x66)
  );
}
