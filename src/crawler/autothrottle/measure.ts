/**
 * Feeds the throttle: wraps the crawl's send (nearest the network, under the HTTP cache) so each exchange with a
 * host is one sample, redirect hops, retries and robots.txt included, and a cached response none.
 */
import { isCrawlError } from '../../errors.js';
import type { Next } from '../../http/compose.js';
import { hostOf } from '../../url/canonical-url.js';
import type { Request } from '../request.js';
import type { AutoThrottle } from './autothrottle.js';

/** Failures that say the host is overloaded or unreachable; others (egress guard, body too large) say nothing. */
const overloadCodes: ReadonlySet<string> = new Set(['AR_TIMEOUT', 'AR_NETWORK']);

export function measuredSend(send: Next<Request>, throttle: AutoThrottle): Next<Request> {
  return async (request) => {
    const host = hostOf(request.url) ?? '';
    const startedAt = performance.now();
    try {
      const response = await send(request);
      // Scrapy's latency: request sent to headers received (a new connection's set-up is not the server's load).
      const firstByte = response.timings.firstByteMs;
      const latencyMs = firstByte > 0 ? firstByte : performance.now() - startedAt;
      throttle.observe(host, { latencyMs, status: response.status, startedAt });
      return response;
    } catch (error) {
      if (isCrawlError(error) && overloadCodes.has(error.code)) {
        throttle.observe(host, {
          latencyMs: performance.now() - startedAt,
          status: undefined,
          startedAt,
        });
      }
      throw error;
    }
  };
}
