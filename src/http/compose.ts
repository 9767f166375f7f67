/** HTTP middlewares: an onion, run in array order (Hono's compose, undici's interceptors). */
import type { HttpRequest } from './request.js';
import type { Response } from './response.js';

export type Next<R extends HttpRequest = HttpRequest> = (request: R) => Promise<Response>;

/**
 * Sees the request on the way in and the response on the way out. Return a Response without calling
 * `next` to short-circuit (a cache); throw `IgnoreRequest` to drop the request.
 * @example
 * const userAgent = (value: string): Middleware => (request, next) =>
 *   next(request.headers['user-agent'] ? request : { ...request, headers: { ...request.headers, 'user-agent': value } });
 */
export type Middleware<R extends HttpRequest = HttpRequest> = (
  request: R,
  next: Next<R>,
) => Promise<Response>;

/** Folds middlewares around a terminal handler (the transport). The first middleware is the outermost. */
export function compose<R extends HttpRequest>(
  middlewares: readonly Middleware<R>[],
  terminal: Next<R>,
): Next<R> {
  return middlewares.reduceRight<Next<R>>(
    (next, middleware) => (request) => middleware(request, next),
    terminal,
  );
}
