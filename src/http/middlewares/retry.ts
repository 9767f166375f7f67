/** Retry middleware for the standalone client: sleeps and tries again (the crawler re-queues instead). */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Middleware } from '../compose.js';
import type { HttpRequest } from '../request.js';
import type { Response } from '../response.js';
import {
  isRetryableError,
  isRetryableStatus,
  type RetryPolicy,
  retryDelayMs,
  retryPolicyDefaults,
} from '../retry-policy.js';

export interface RetryOptions extends Partial<RetryPolicy> {
  /**
   * Methods retried. POST and PATCH are left out because the server may have acted on the first attempt.
   * @default ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']
   */
  methods?: readonly string[];
  /** How to wait; tests pass a recorder. @default node:timers/promises setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];

/**
 * Retries retryable statuses and errors up to `retries` times, waiting Retry-After (429, 503) or exponential
 * backoff with jitter. After the last attempt it returns the last response, whatever its status, or throws
 * the last error.
 * @example
 * const next = compose([retry({ retries: 3 })], transport.send);
 */
export function retry<R extends HttpRequest = HttpRequest>(
  options: RetryOptions = {},
): Middleware<R> {
  const policy: RetryPolicy = { ...retryPolicyDefaults, ...definedOnly(options) };
  const methods = options.methods ?? IDEMPOTENT;
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  return async (request, next) => {
    const retries = methods.includes(request.method) ? policy.retries : 0;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await next(request);
      } catch (error) {
        if (attempt > retries || !isRetryableError(error, policy.codes)) throw error;
        await sleep(retryDelayMs(attempt, policy));
        continue;
      }
      if (attempt > retries || !isRetryableStatus(response.status, policy.statuses))
        return response;
      await sleep(retryDelayMs(attempt, policy, response));
    }
  };
}

/** `{ retries: undefined }` must not erase the default (exactOptionalPropertyTypes lets callers pass it). */
function definedOnly(options: RetryOptions): Partial<RetryPolicy> {
  const out: Partial<Record<keyof RetryPolicy, unknown>> = {};
  for (const key of ['retries', 'statuses', 'codes', 'baseMs', 'maxMs'] as const) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out as Partial<RetryPolicy>;
}
