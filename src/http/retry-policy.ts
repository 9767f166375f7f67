/** When to retry and how long to wait: shared by the client's retry middleware and the crawler's engine. */
import { type ErrorCode, isCrawlError } from '../errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt (so `retries + 1` attempts at most). @default 2 */
  retries: number;
  /** Statuses worth another try. @default [408, 429, 500, 502, 503, 504, 522, 524] */
  statuses: readonly number[];
  /** Error codes worth another try. @default ['AR_TIMEOUT', 'AR_NETWORK', 'AR_BROWSER', 'AR_BLOCKED'] */
  codes: readonly ErrorCode[];
  /** Ceiling of the first backoff; it doubles per retry. @default 500 */
  baseMs: number;
  /** Largest backoff. @default 30_000 */
  maxMs: number;
}

export const retryPolicyDefaults: Readonly<RetryPolicy> = Object.freeze({
  retries: 2,
  statuses: Object.freeze([408, 429, 500, 502, 503, 504, 522, 524]),
  codes: Object.freeze<ErrorCode[]>(['AR_TIMEOUT', 'AR_NETWORK', 'AR_BROWSER', 'AR_BLOCKED']),
  baseMs: 500,
  maxMs: 30_000,
});

/** The longest Retry-After we agree to wait; a server asking for an hour is treated as asking for this. */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

export function isRetryableStatus(
  status: number,
  statuses: readonly number[] = retryPolicyDefaults.statuses,
): boolean {
  return statuses.includes(status);
}

/**
 * Decided by the stable `code`, not by class: timeouts and network errors yes, 4xx or bad URLs no. An egress
 * refusal never, whatever `codes` says: another attempt would reach the same forbidden address.
 */
export function isRetryableError(
  error: unknown,
  codes: readonly ErrorCode[] = retryPolicyDefaults.codes,
): boolean {
  return isCrawlError(error) && error.code !== 'AR_EGRESS_DENIED' && codes.includes(error.code);
}

/**
 * Exponential backoff with full jitter: uniform in [0, min(maxMs, baseMs · 2^(attempt−1))], so that clients
 * that failed together do not retry together.
 * @param attempt 1 for the first retry.
 */
export function backoffDelayMs(
  attempt: number,
  { baseMs = 500, maxMs = 30_000 }: { baseMs?: number; maxMs?: number } = {},
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  // Capping the exponent keeps 2 ** exponent finite for absurd attempt counts.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 52));
  return Math.floor(random() * ceiling);
}

/**
 * Parses Retry-After: delta-seconds (`120`) or an HTTP-date. Returns milliseconds from `now`, at least 0 and at
 * most MAX_RETRY_AFTER_MS; undefined when absent or malformed.
 */
export function parseRetryAfterMs(
  headerValue: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (headerValue === undefined) return undefined;
  const value = headerValue.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP-date names a weekday or month; requiring a letter keeps Date.parse's laxity ("1.5") out.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/**
 * The wait before retry number `attempt`: the server's Retry-After for 429 and 503 when it gave one,
 * else backoff.
 */
export function retryDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  response?: { status: number; headers: Record<string, string> },
): number {
  if (response !== undefined && (response.status === 429 || response.status === 503)) {
    const retryAfter = parseRetryAfterMs(response.headers['retry-after']);
    if (retryAfter !== undefined) return retryAfter;
  }
  return backoffDelayMs(attempt, policy);
}
