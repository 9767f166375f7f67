/**
 * The crawl's scope: which URLs it may visit. Without `allowedDomains` it is the start URLs' origins (scheme, host
 * and port: another port on the same host is another site, maybe another user's service); `allowedDomains` names
 * hosts (subdomains included, any scheme and port) that widen it or, on a spider, replace it.
 */
import { createScopeMatcher } from '../url/canonical-url.js';

export interface ScopeParts {
  /** The start URLs, whose origins are the default scope. */
  startUrls: readonly string[];
  /** The spider's `allowedDomains`: when given, the scope is these hosts instead of the start origins. */
  spiderDomains?: readonly string[] | undefined;
  /** The crawl's `allowedDomains` option (`--allow-domain`): hosts added to the scope either way. */
  extraDomains?: readonly string[] | undefined;
}

/** True when the crawl may visit `url`. A URL without a host (data:) reaches no site, so it is in scope. */
export type InScope = (url: string) => boolean;

export function crawlScope({ startUrls, spiderDomains, extraDomains = [] }: ScopeParts): InScope {
  const domains = [...(spiderDomains ?? []), ...extraDomains].filter((d) => d.trim() !== '');
  const inDomains = domains.length > 0 ? createScopeMatcher(domains) : () => false;
  const origins = spiderDomains === undefined ? startOrigins(startUrls) : new Set<string>();
  const fileRoots = startDirectories(startUrls);
  return (url) => {
    // Parsed once: this runs for every link of every page.
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return true; // an invalid URL reaches no site; the crawlable-URL filter has dropped it already
    }
    // Local files: only those under a file: start URL's directory, never the rest of the disk.
    if (parsed.protocol === 'file:') return fileRoots.some((root) => parsed.href.startsWith(root));
    if (parsed.hostname === '') return true;
    if (inDomains(parsed.hostname.toLowerCase())) return true;
    return origins.has(`${parsed.protocol}//${parsed.host.toLowerCase()}`);
  };
}

const WEB_SOCKET_TWINS: Readonly<Record<string, string>> = {
  'ws:': 'http:',
  'wss:': 'https:',
  'http:': 'ws:',
  'https:': 'wss:',
};

/**
 * The start URLs' origins. An http start origin on the default port also admits its https twin on the default
 * port: a site that upgrades every request (http://example.com/ → https://example.com/) is still the same site.
 */
function startOrigins(startUrls: readonly string[]): Set<string> {
  const origins = new Set<string>();
  for (const url of startUrls) {
    const origin = originKey(url);
    if (origin === undefined) continue;
    origins.add(origin);
    const { protocol, port, hostname, host } = new URL(url);
    if (protocol === 'http:' && port === '') origins.add(`https://${hostname.toLowerCase()}`);
    // A WebSocket endpoint is an HTTP server's resource (RFC 6455 §1.7): ws:// and http:// on one host and port are
    // one site, as are wss:// and https://, so a feed's links to its site and a page's links to its feed are in scope.
    const twin = WEB_SOCKET_TWINS[protocol];
    if (twin !== undefined) origins.add(`${twin}//${host.toLowerCase()}`);
  }
  return origins;
}

/** `scheme://host[:port]` (default port left out), for any scheme with a host (ftp: too); undefined without one. */
function originKey(url: string): string | undefined {
  try {
    const { protocol, host } = new URL(url);
    return host === '' ? undefined : `${protocol}//${host.toLowerCase()}`;
  } catch {
    return undefined;
  }
}

/** The directories of the file: start URLs (`file:///srv/docs/` for `file:///srv/docs/index.html`). */
function startDirectories(startUrls: readonly string[]): string[] {
  const roots: string[] = [];
  for (const url of startUrls) {
    if (!url.startsWith('file:')) continue;
    try {
      const { href } = new URL(url);
      roots.push(href.slice(0, href.lastIndexOf('/') + 1));
    } catch {
      // not a URL: it reaches nothing
    }
  }
  return roots;
}
