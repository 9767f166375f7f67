/** Obeys robots.txt for every hop; tells the crawl a host's Crawl-delay, and why an origin is off limits. */
import { CrawlError, type ErrorCode, IgnoreRequest, OriginUnreachableError } from '../../errors.js';
import type { Middleware } from '../../http/compose.js';
import type { RobotsCache, RobotsEntry } from '../../robots/index.js';
import { hostOf, originOf } from '../../url/canonical-url.js';
import type { Request } from '../request.js';

export interface RobotsHooks {
  /** Whose Crawl-delay is read. */
  userAgent: string;
  onCrawlDelay(host: string, delayMs: number): void;
  onWarning(message: string): void;
  /** An origin's robots.txt could not be read (network error code, or `HTTP 503`): once per load. */
  onFetchFailed(origin: string, failure: string): void;
  /**
   * Waits for the host's next turn (the scheduler's delay, now with the Crawl-delay). For requests leased while the
   * host's robots.txt was unknown: their lease could not hold them to a delay nobody knew yet.
   */
  awaitTurn(url: string): Promise<void>;
}

const HTTP_URL = /^https?:/i;

/**
 * What a robots.txt load tells the crawl, once per load, whoever made it: the host's Crawl-delay, or that the origin
 * could not be asked (its own stat and a warning). Give it to the RobotsCache as `onLoad`.
 */
export function reportRobotsLoad(hooks: RobotsHooks): (origin: string, entry: RobotsEntry) => void {
  return (origin, entry) => {
    if (entry.state === 'unreachable' && !refused(entry.reason)) {
      hooks.onFetchFailed(origin, failureOf(entry));
      hooks.onWarning(
        `robots.txt of ${origin} unreachable (${entry.reason}): not crawling that origin for now (RFC 9309)`,
      );
    }
    const delayMs = entry.policy.crawlDelayMs(hooks.userAgent);
    if (delayMs !== undefined) hooks.onCrawlDelay(hostOf(origin) ?? '', delayMs);
  };
}

export function robots(
  cache: RobotsCache,
  hooks: Pick<RobotsHooks, 'awaitTurn'>,
): Middleware<Request> {
  return async (request, next) => {
    // robots.txt is fetched over http(s), for http(s) origins: other schemes have no file to obey here.
    if (!HTTP_URL.test(request.url)) return next(request);
    let allowed = cache.isAllowedSync(request.url);
    if (allowed === undefined) {
      await cache.load(originOf(request.url) ?? request.url);
      allowed = cache.isAllowedSync(request.url) ?? false;
      // Several first requests to a host wait for the one robots.txt load together: they leave one turn apart.
      if (allowed) await hooks.awaitTurn(request.url);
    }
    const entry = allowed ? undefined : cache.entry(originOf(request.url) ?? request.url);
    const reason = entry?.reason;
    // Not a robots.txt matter: the egress guard keeps the whole origin off limits to this crawl.
    if (refused(reason)) throw new CrawlError('AR_EGRESS_DENIED', `${request.url}: ${reason}`);
    // No answer at all (DNS, refused, TLS, proxy): the page could not have been fetched either; a failure, not a denial.
    if (entry?.state === 'unreachable' && entry.status === undefined) {
      throw new OriginUnreachableError(request.url, networkCode(entry), reason ?? 'unreachable');
    }
    if (!allowed)
      throw new IgnoreRequest(`robots.txt disallows ${request.url}`, 'AR_ROBOTS_DENIED');
    return next(request);
  };
}

function refused(reason: string | undefined): reason is string {
  return reason?.startsWith('AR_EGRESS_DENIED') === true;
}

/** How a robots.txt failure is counted: its error code when nothing answered, else the status (`HTTP 503`). */
function failureOf(entry: RobotsEntry): string {
  return entry.status === undefined ? networkCode(entry) : `HTTP ${entry.status}`;
}

/** The code robots-fetch keeps at the head of the reason (`AR_TIMEOUT: …`); AR_NETWORK when there is none. */
function networkCode(entry: RobotsEntry): ErrorCode {
  const code = /^(AR_[A-Z_]+):/.exec(entry.reason ?? '')?.[1];
  return (code as ErrorCode | undefined) ?? 'AR_NETWORK';
}
