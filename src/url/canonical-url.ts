/** URL canonicalization (the URL fetched), plus origin/host helpers and the allowed-domains scope check. */
import { domainToASCII } from 'node:url';

/**
 * The canonical form of an http(s) URL, or `undefined` when the input is invalid or not http(s). It is the URL a
 * request fetches and its handler sees; dedup goes one step further with `createDedupKey` (dedup-key.ts), which
 * sorts the query and drops tracking and session parameters for the key only.
 *
 * What it does is exactly the WHATWG URL parser (the one browsers use, so it agrees with the links a browser would
 * follow) plus two steps:
 * - WHATWG already lower-cases scheme and host, converts IDN hosts to punycode, normalises IPv4 forms
 *   (`0x7f.1` → `127.0.0.1`), removes default ports (80/443), resolves `.`/`..` segments, turns `\` into `/`, strips
 *   tabs/newlines and surrounding spaces, gives an empty path `/`, and percent-encodes spaces and non-ASCII;
 * - we drop the fragment (never sent to the server) and an empty query (`/?` → `/`).
 *
 * What it deliberately does not do:
 * - **Sort the query.** Order can matter to servers (signed URLs, APIs reading the first of repeated keys, routers
 *   that treat the query as a path), so the URL fetched keeps it; the dedup key sorts it (Scrapy's default), unless
 *   the crawl sets `keepQueryOrder`.
 * - **Re-case or decode percent-escapes** (`%7e` vs `%7E` vs `~`): WHATWG keeps them as written, and so do we, so the
 *   canonical URL is always one a browser would send.
 * - Strip `www.`, trailing slashes, `index.html` or a trailing dot in the host: each of these is a different resource
 *   on some server. Tracking and session parameters are dropped from the dedup key only.
 *
 * @param input an absolute URL, or a relative one when `base` is given.
 * @param base the URL `input` is relative to (e.g. the page it was found on).
 */
export function canonicalizeUrl(input: string, base?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const href = withoutFragment(url.href);
  return href.endsWith('?') ? href.slice(0, -1) : href;
}

/**
 * `canonicalizeUrl` for http(s); for any other scheme (one a download handler fetches: `data:`, `ftp:`, a user's
 * own) the WHATWG serialisation without its fragment and nothing more, since only that scheme's handler knows which
 * spellings name the same resource. `undefined` when the input does not parse.
 */
export function canonicalizeAnyUrl(input: string): string | undefined {
  const http = canonicalizeUrl(input);
  if (http !== undefined) return http;
  try {
    return withoutFragment(new URL(input).href);
  } catch {
    return undefined;
  }
}

function withoutFragment(href: string): string {
  // The first '#' in a serialized URL is always the fragment delimiter: path and query percent-encode theirs.
  const hash = href.indexOf('#');
  return hash === -1 ? href : href.slice(0, hash);
}

/** `https://example.com:8443` for an http(s) URL; `undefined` for invalid or other schemes. */
export function originOf(url: string): string | undefined {
  const parsed = parseHttpUrl(url);
  return parsed?.origin;
}

/**
 * The host name of a URL, lower-case, without the port (`[::1]` keeps its brackets; http(s) hosts in punycode):
 * `example.com` for `https://example.com/` as for `ftp://example.com/`. `undefined` for invalid URLs and for URLs
 * without a host (`data:`, `mailto:`, `file:///…`), which no allowed-domains list or per-host slot can apply to.
 */
export function hostOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // Special schemes (http, ftp…) are lower-cased by the parser already; other schemes' hosts keep their case.
  return parsed.hostname === '' ? undefined : parsed.hostname.toLowerCase();
}

/**
 * Whether `host` equals one of `allowedDomains` or is a subdomain of one (`shop.example.com` is in scope for
 * `example.com`; `badexample.com` is not). An empty list allows every host, as Scrapy's `allowed_domains` does.
 * Domains may be written with a leading `.` or `*.`, in any case, or as IDN; a trailing dot is ignored on both sides.
 * For many checks against the same list, build the matcher once with `createScopeMatcher`.
 */
export function isInScope(host: string, allowedDomains: readonly string[]): boolean {
  let sawDomain = false;
  const candidate = normalizeHost(host);
  for (const domain of allowedDomains) {
    const normalized = normalizeDomain(domain);
    if (normalized === '') continue;
    sawDomain = true;
    if (candidate === normalized) return true;
    if (
      candidate.endsWith(normalized) &&
      candidate.charCodeAt(candidate.length - normalized.length - 1) === 0x2e
    ) {
      return true; // preceded by '.': a subdomain
    }
  }
  return !sawDomain;
}

/** A reusable `isInScope` for one list: a Set lookup per label of the host, whatever the list's length. */
export function createScopeMatcher(allowedDomains: readonly string[]): (host: string) => boolean {
  const domains = new Set<string>();
  for (const domain of allowedDomains) {
    const normalized = normalizeDomain(domain);
    if (normalized) domains.add(normalized);
  }
  if (domains.size === 0) return () => true;
  return (host) => {
    let candidate = normalizeHost(host);
    if (candidate === '') return false;
    for (;;) {
      if (domains.has(candidate)) return true;
      const dot = candidate.indexOf('.');
      if (dot === -1) return false;
      candidate = candidate.slice(dot + 1);
    }
  };
}

function parseHttpUrl(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function normalizeDomain(domain: string): string {
  let value = domain.trim();
  if (value.includes('://')) value = hostOf(value) ?? '';
  if (value.startsWith('*.')) value = value.slice(2);
  else if (value.startsWith('.')) value = value.slice(1);
  return normalizeHost(value);
}

function normalizeHost(host: string): string {
  let value = host.toLowerCase();
  if (value.endsWith('.')) value = value.slice(0, -1);
  if (/[\u0080-\uffff]/.test(value)) value = domainToASCII(value);
  return value;
}
