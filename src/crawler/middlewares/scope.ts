/**
 * Keeps every hop of a crawl (redirects included) inside its scope (see crawl-scope.ts). A URL without a host
 * (data:) reaches no site, so it passes: its download handler, or the lack of one, decides.
 */
import { IgnoreRequest } from '../../errors.js';
import type { Middleware } from '../../http/compose.js';
import type { InScope } from '../crawl-scope.js';
import type { Request } from '../request.js';

export function scope(inScope: InScope): Middleware<Request> {
  return (request, next) => {
    if (!inScope(request.url)) throw new IgnoreRequest(`offsite: ${request.url}`, 'AR_OFFSITE');
    return next(request);
  };
}
