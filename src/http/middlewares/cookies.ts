/** Cookie jar middleware (RFC 6265, by tough-cookie): keeps `Set-Cookie` and sends matching cookies back. */
import { CookieJar } from 'tough-cookie';
import type { Middleware } from '../compose.js';
import type { HttpRequest } from '../request.js';

/**
 * Stores the `Set-Cookie` headers of every response that passes through it and adds the cookies that match
 * each request's URL (domain, path, `Secure`, expiry, as tough-cookie decides) to its `Cookie` header. A
 * `cookie` header already on the request is kept and wins for a name it sets.
 *
 * Place it inside `redirect`, so each hop passes through it: a cookie set by a 302 goes with the next hop, and
 * after a hop to another origin (where `redirect` has dropped the caller's `cookie` header) only that
 * origin's own cookies are sent. SameSite is stored but not enforced: an HTTP client has no page that starts
 * the request, so, as in Requests and Scrapy, every request counts as same-site.
 * @param jar @default a new, empty in-memory jar
 * @example
 * const jar = new CookieJar();
 * const send = compose([redirect(), cookies(jar)], transport.send);
 */
export function cookies<R extends HttpRequest = HttpRequest>(
  jar: CookieJar = new CookieJar(),
): Middleware<R> {
  return async (request, next) => {
    const response = await next(await withJarCookies(jar, request));
    const setCookie = response.headers['set-cookie'];
    if (setCookie !== undefined) {
      // One header per line (the transport joins repeats with '\n'); a malformed one is skipped, never fatal.
      for (const line of setCookie.split('\n')) {
        await jar.setCookie(line, response.url, { ignoreError: true }).catch(() => undefined);
      }
    }
    return response;
  };
}

async function withJarCookies<R extends HttpRequest>(jar: CookieJar, request: R): Promise<R> {
  const stored = await jar.getCookies(request.url).catch(() => []);
  if (stored.length === 0) return request;
  const own = request.headers.cookie;
  const ownNames = new Set(own === undefined ? [] : cookieNames(own));
  const added = stored
    .filter((cookie) => !ownNames.has(cookie.key))
    .map((cookie) => cookie.cookieString());
  if (added.length === 0) return request;
  const cookie = [own, ...added].filter((part) => part !== undefined && part !== '').join('; ');
  return { ...request, headers: { ...request.headers, cookie } };
}

/** `a=1; b=2` → `['a', 'b']`. */
function cookieNames(header: string): string[] {
  return header.split(';').map((pair) => {
    const equals = pair.indexOf('=');
    return (equals === -1 ? pair : pair.slice(0, equals)).trim();
  });
}

export { CookieJar };
