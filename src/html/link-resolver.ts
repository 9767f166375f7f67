/** Turns hrefs into absolute crawlable URLs: WHATWG URL rules, with a string-join fast path for the common shapes. */
import { detached } from './detached.js';

// The schemes a crawl follows from any page: the web's and FTP's (Scrapy's link extractor keeps ftp: too).
const FOLLOWED = new Set(['http:', 'https:', 'ftp:', 'ftps:']);

/**
 * The absolute form of `href` as a crawler would follow it: resolved against `base`, http(s) and ftp(s) (and file:
 * from a file: base; the scheme of a page with a server: an sftp: listing's entries, a mailbox's messages), fragment
 * dropped;
 * `undefined` for `javascript:`, `mailto:`, `tel:`, `data:`…, for fragment-only or empty hrefs (links to the page
 * itself), and for anything that does not parse.
 */
export function resolveLink(href: string, base: string | undefined): string | undefined {
  const first = firstNonSpace(href);
  if (first === -1 || href.charCodeAt(first) === 0x23 /* # */) return undefined;
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return undefined;
  }
  if (!FOLLOWED.has(url.protocol) && !sameServerScheme(url, base)) {
    // A local file is followed from local files only: a web page must not lead the crawl to file:///etc/passwd.
    if (url.protocol !== 'file:' || !base?.startsWith('file:')) return undefined;
  }
  const absolute = url.href;
  // The first '#' of a serialized URL is the fragment delimiter (path and query encode theirs).
  const hash = absolute.indexOf('#');
  return hash === -1 ? absolute : absolute.slice(0, hash);
}

/**
 * A page fetched over another scheme with a server (an sftp: listing) links within that scheme: its entries. A
 * web page's sftp: or ftp: links are still not followed, and host-less schemes (data:, mailto:) never are.
 */
function sameServerScheme(url: URL, base: string | undefined): boolean {
  return url.host !== '' && base !== undefined && base.toLowerCase().startsWith(url.protocol);
}

// Characters that WHATWG URL leaves untouched in an http(s) path and query and that have no structural meaning
// there beyond '/', '?' and '%': no percent-encoding, no case change. Anything else takes the full parser.
const ALL_SAFE = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]+$/;
// In the path (before any '?'): a segment starting with '.' may be a dot segment ('.', '..'); '%2e' is a dot to
// WHATWG as well.
const DOT_IN_PATH = /^(?:\.|[^?]*?(?:\/\.|%2e))/i;

const SLOW = 0;
const FROM_ROOT = 1; // "/path?query"
const QUERY_ONLY = 2; // "?query"
const FROM_DIRECTORY = 3; // "path?query"

/**
 * `resolveLink` bound to one base, for the many links of one page. A `new URL(href, base)` costs about a microsecond
 * (the base is re-parsed each time), as much as tokenizing the markup around the link; most hrefs are plain paths
 * of safe characters, whose WHATWG result is just the base's origin, path or directory joined with the href. Those
 * are joined as strings; every other shape (dot segments, `//host`, schemes, spaces, non-ASCII,
 * characters WHATWG would encode) goes through `new URL`. `tests/html/link-resolver.test.ts` checks the two agree.
 */
export function createLinkResolver(base: string | undefined): (href: string) => string | undefined {
  let normalized: string;
  try {
    normalized = new URL(base ?? '').href;
  } catch {
    return (href) => resolveLink(href, base);
  }
  if (!normalized.startsWith('http://') && !normalized.startsWith('https://')) {
    return (href) => resolveLink(href, base);
  }
  const hash = normalized.indexOf('#');
  const withoutFragment = hash === -1 ? normalized : normalized.slice(0, hash);
  const question = withoutFragment.indexOf('?');
  const withoutQuery = question === -1 ? withoutFragment : withoutFragment.slice(0, question);
  const origin = withoutQuery.slice(0, withoutQuery.indexOf('/', withoutQuery.indexOf('//') + 2));
  const directory = withoutQuery.slice(0, withoutQuery.lastIndexOf('/') + 1);
  return (href) => {
    // The fragment is dropped from the result, and what precedes it resolves alone to the same URL: `/faq/#returns`
    // takes the string join like `/faq/`. A fragment-only href keeps its '#' (a link to the page itself: none).
    // (A space just before the '#' is kept, encoded, by WHATWG, but would be trimmed alone: those keep the '#'.)
    const hash = href.indexOf('#');
    const target = hash > 0 && href.charCodeAt(hash - 1) > 0x20 ? href.slice(0, hash) : href;
    switch (shapeOf(target)) {
      case FROM_ROOT:
        return detached(origin + target);
      case QUERY_ONLY:
        return detached(withoutQuery + target);
      case FROM_DIRECTORY:
        return detached(directory + target);
      default:
        return resolveLink(target, normalized);
    }
  };
}

/**
 * Which string join gives the WHATWG result for `href`, or SLOW when only the parser can say. Regular expressions
 * rather than a `charCodeAt` loop: hrefs come in every string representation V8 has (slices of their page, short
 * copies, joins, one and two bytes a character), which makes a `charCodeAt` call site megamorphic and about ten
 * times slower per character; a regular expression reads them all at full speed.
 */
function shapeOf(href: string): number {
  if (!ALL_SAFE.test(href) || DOT_IN_PATH.test(href)) return SLOW;
  if (href.startsWith('/')) return href.startsWith('//') ? SLOW : FROM_ROOT;
  if (href.startsWith('?')) return QUERY_ONLY;
  // "name:..." before any '/' could be a scheme (mailto:, http:x): let the parser decide.
  const colon = href.indexOf(':');
  if (colon !== -1) {
    const question = href.indexOf('?');
    if (question === -1 || colon < question) {
      const slash = href.indexOf('/');
      if (slash === -1 || colon < slash) return SLOW;
    }
  }
  return FROM_DIRECTORY;
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x20) return i;
  return -1;
}

/** Whether `base` has this scheme (`imaps:`): pages fetched by another handler may link within their scheme. */
