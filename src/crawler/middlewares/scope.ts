/**
 * Keeps every hop of a crawl (redirects included) inside its allowed domains. A URL without a host (data:) reaches
 * no site, so it passes: its download handler, or the lack of one, decides.
 */
import { IgnoreRequest } from '../../errors.js';
import type { Middleware } from '../../http/compose.js';
import { hostOf, isInScope } from '../../url/canonical-url.js';
import type { Request } from '../request.js';

export function scope(allowedDomains: readonly string[]): Middleware<Request> {
  return (request, next) => {
    const host = hostOf(request.url);
    if (host !== undefined && !isInScope(host, allowedDomains)) {
      throw new IgnoreRequest(`offsite: ${request.url}`, 'AR_OFFSITE');
    }
    return next(request);
  };
}
