/** Sets the User-Agent header unless the request already has one. */
import { defaultUserAgent } from '../../version.js';
import type { Middleware } from '../compose.js';
import type { HttpRequest } from '../request.js';

/**
 * @param value @default `arachne/<version>`
 * @example
 * createClient({ middlewares: [userAgent('my-bot/1.0 (+https://example.com/bot)')] })
 */
export function userAgent<R extends HttpRequest = HttpRequest>(
  value: string = defaultUserAgent,
): Middleware<R> {
  return (request, next) =>
    next(
      request.headers['user-agent'] === undefined
        ? { ...request, headers: { ...request.headers, 'user-agent': value } }
        : request,
    );
}
