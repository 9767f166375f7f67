/**
 * The crawl's one retry policy, whatever fetched the request: a retryable status or error gets another attempt
 * after a backoff, until `retries` is spent. Retry-After on 429/503 sets the delay and holds the whole host.
 */
import { OriginUnreachableError, RetryRequest } from '../errors.js';
import type { Response } from '../http/response.js';
import {
  backoffDelayMs,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfterMs,
} from '../http/retry-policy.js';
import type { Request } from './request.js';

export interface RetryDecision {
  delayMs: number;
  /** Retry-After speaks for the whole host: hold its other requests back this long too. */
  holdHostMs?: number;
}

export class CrawlRetryPolicy {
  readonly #retries: number;

  constructor(retries: number) {
    this.#retries = retries;
  }

  /** A response whose status asks for another attempt; undefined when it is final. */
  forResponse(request: Request, response: Response): RetryDecision | undefined {
    if (!isRetryableStatus(response.status) || request.attempt >= this.#retries) return undefined;
    if (response.status === 429 || response.status === 503) {
      const retryAfter = parseRetryAfterMs(response.headers['retry-after']);
      if (retryAfter !== undefined) return { delayMs: retryAfter, holdHostMs: retryAfter };
    }
    return { delayMs: backoffDelayMs(request.attempt + 1) };
  }

  /** A failure worth another attempt (network, timeout, a handler's RetryRequest); undefined otherwise. */
  forError(request: Request, error: Error): RetryDecision | undefined {
    // An unreachable origin is known from its cached robots.txt failure: another attempt would only read the cache.
    if (error instanceof OriginUnreachableError) return undefined;
    const retryable = error instanceof RetryRequest || isRetryableError(error);
    if (!retryable || request.attempt >= this.#retries) return undefined;
    return { delayMs: backoffDelayMs(request.attempt + 1) };
  }
}
