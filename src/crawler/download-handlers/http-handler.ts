/** The built-in handler of `http:` and `https:`: one exchange over the crawl's undici transport. */
import type { TransportOptions } from '../../http/request.js';
import type { Transport } from '../../http/transport.js';
import type { DownloadHandler } from './registry.js';

/**
 * Sends each request once over `transport` (keep-alive pools per origin, timeouts, the egress guard, decoded-size
 * cap). It has no `close`: the crawl owns the transport and closes it even when a user handler replaced this one.
 */
export function httpHandler(transport: Transport, options: TransportOptions): DownloadHandler {
  return { name: 'http', fetch: (request) => transport.send(request, options) };
}
