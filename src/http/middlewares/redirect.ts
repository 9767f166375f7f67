/** Redirect middleware: every hop is a new request through the rest of the chain, so every policy sees it. */
import { CrawlError } from '../../errors.js';
import type { Middleware } from '../compose.js';
import type { HttpRequest } from '../request.js';

export interface RedirectOptions {
  /** Hops followed before AR_TOO_MANY_REDIRECTS. @default 20 */
  max?: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Sent only to the origin the user meant them for (RELIABILITY.md §3): origin is scheme, host and port. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** Describe the body, so they go with it when a redirect turns the request into a GET (Fetch standard). */
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];

/**
 * Follows 301/302/303/307/308. Relative Locations resolve against the current URL; only http(s) targets are
 * followed (else AR_BAD_REDIRECT); a URL seen twice is AR_REDIRECT_LOOP; more than `max` hops is
 * AR_TOO_MANY_REDIRECTS. 303, and 301/302 after a POST, continue as a GET without body. Credentials are dropped
 * when the origin changes. The final response has `url` = final URL and `redirects` = the URLs before it.
 * Generic over the request type: extra fields (the crawler's handler, data, depth…) are carried to every hop.
 * @example
 * const send = compose([redirect({ max: 10 }), userAgent()], transport.send);
 */
export function redirect<R extends HttpRequest = HttpRequest>({
  max = 20,
}: RedirectOptions = {}): Middleware<R> {
  return async (request, next) => {
    const visited: string[] = [];
    const seen = new Set([withoutFragment(request.url)]);
    let current = request;
    for (let hop = 0; ; hop++) {
      const response = await next(current);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.status) || location === undefined) {
        return visited.length === 0
          ? response
          : response.with({ url: current.url, redirects: visited });
      }
      const target = resolveTarget(location, current.url);
      if (hop >= max) {
        throw new CrawlError('AR_TOO_MANY_REDIRECTS', `More than ${max} redirects: ${request.url}`);
      }
      if (seen.has(target)) {
        throw new CrawlError(
          'AR_REDIRECT_LOOP',
          `Redirect loop back to ${target}, starting at ${request.url}`,
        );
      }
      seen.add(target);
      visited.push(current.url);
      current = nextHop(current, response.status, target);
    }
  };
}

function resolveTarget(location: string, base: string): string {
  let target: URL;
  try {
    target = new URL(location, base);
  } catch (error) {
    throw new CrawlError('AR_BAD_REDIRECT', `Unparsable Location "${location}" from ${base}`, {
      cause: error,
    });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new CrawlError(
      'AR_BAD_REDIRECT',
      `Refused redirect to ${target.protocol} URL from ${base}`,
    );
  }
  // The fragment is never sent and does not make a different resource, so it must not defeat loop detection.
  target.hash = '';
  return target.href;
}

function nextHop<R extends HttpRequest>(current: R, status: number, target: string): R {
  const headers = { ...current.headers };
  if (new URL(target).origin !== new URL(current.url).origin) {
    for (const name of CREDENTIAL_HEADERS) delete headers[name];
  }
  const becomesGet =
    status === 303
      ? current.method !== 'HEAD'
      : (status === 301 || status === 302) && current.method === 'POST';
  if (!becomesGet) return { ...current, url: target, headers };
  for (const name of BODY_HEADERS) delete headers[name];
  const { body: _dropped, ...withoutBody } = current;
  return { ...withoutBody, url: target, method: 'GET', headers } as R;
}

function withoutFragment(raw: string): string {
  try {
    const url = new URL(raw);
    url.hash = '';
    return url.href;
  } catch {
    return raw;
  }
}
