/** Crawl statistics: counters fed by the crawl's events, snapshotted as plain JSON. */

import type { HostThrottle } from './autothrottle/autothrottle.js';
import type { CrawlEmitter } from './events.js';
import type { SessionsSnapshot } from './sessions/index.js';

export interface Stats {
  startedAt: string;
  finishedAt?: string;
  elapsedMs: number;
  requests: number;
  responses: number;
  responsesByStatus: Record<string, number>;
  items: number;
  itemsDropped: number;
  /** Typed items (page.item) that failed their processors or schema, dropped or (`invalidItems: 'keep'`) kept. */
  invalidItems: number;
  invalidItemsKept: number;
  /** Invalid items by `type.field` (`product.price`; the type alone for the item as a whole), once per item. */
  invalidItemsByField: Record<string, number>;
  bytes: number;
  retries: number;
  failed: number;
  errorsByCode: Record<string, number>;
  robotsDenied: number;
  /** robots.txt loads that failed, by error code or `HTTP <status>`; the origin is off limits meanwhile (RFC 9309). */
  robotsFetchFailed: Record<string, number>;
  /** Pages fetched whose redirect landed on a URL seen already: fetched, but no output (counted in duplicates too). */
  redirectsToSeen: number;
  offsite: number;
  /** Links dropped by the crawl's allow/deny patterns. */
  linksFiltered: number;
  duplicatesFiltered: number;
  depthFiltered: number;
  /**
   * Dropped by a crawl-trap budget (URL length, path segments or repeats, links per page, pages per host, an
   * unproductive URL template, duplicate content); `trapsByReason` splits it by budget.
   */
  trapFiltered: number;
  trapsByReason: Record<string, number>;
  /**
   * With `sitemaps`: sitemap page URLs not used as seeds, by reason (`offsite`, `disallowed` by robots.txt,
   * `malformed`, `overCap`). Absent when no sitemap was read.
   */
  sitemapUrlsSkipped?: Record<string, number>;
  /** Messages read from feeds (WebSocket connections) and their bytes; absent when the crawl read none. */
  feedMessages?: number;
  feedBytes?: number;
  cacheHits: number;
  cacheMisses: number;
  cacheRevalidations: number;
  /** Host names looked up for new connections, how many the DNS cache answered, and ms spent waiting for DNS. */
  dnsLookups: number;
  dnsCacheHits: number;
  dnsMs: number;
  /** Pages whose output was used, by the rung that fetched them. */
  pagesByRung: Record<string, number>;
  /** Extra fetches of the adaptive ladder's comparisons (cheaper rungs whose output was only compared). */
  comparisonFetches: number;
  /** Fetches made while a page type learned, on a rung it then did not settle on (the page was fetched again). */
  speculativeFetches: number;
  /** The adaptive ladder's choice per page type (`host handler [pattern]`): rung (absent while learning), counts. */
  ladder: Record<string, LadderChoice>;
  /** Requests pages' scripts made on the script rung, and how many of them the download chain refused. */
  scriptRequests: number;
  scriptRequestsRefused: number;
  queued: number;
  inFlight: number;
  pagesPerSecond: number;
  closeReason?: string;
  /** With sessions or proxies: blocks seen, sessions created/retired and each live session's score, proxy use. */
  sessions?: SessionsSnapshot;
  /** With autothrottle: each host's current delay and limit of requests in flight (hosts that answered). */
  autothrottle?: Record<string, HostThrottle>;
  /** Set when the crawl ran with `insecure`: TLS certificates were not verified. */
  tlsInsecure?: true;
}

export interface LadderChoice {
  rung?: string;
  compared: number;
  mismatches: number;
}

/** Counts as the crawl goes; `snapshot()` gives the plain Stats object. */
export class StatsCollector {
  readonly #startedAt = Date.now();
  #finishedAt: number | undefined;
  readonly counts = {
    requests: 0,
    responses: 0,
    items: 0,
    itemsDropped: 0,
    invalidItems: 0,
    invalidItemsKept: 0,
    bytes: 0,
    retries: 0,
    failed: 0,
    robotsDenied: 0,
    redirectsToSeen: 0,
    offsite: 0,
    linksFiltered: 0,
    duplicatesFiltered: 0,
    depthFiltered: 0,
    trapFiltered: 0,
    cacheHits: 0,
    cacheMisses: 0,
    cacheRevalidations: 0,
    scriptRequests: 0,
    scriptRequestsRefused: 0,
  };
  readonly responsesByStatus: Record<string, number> = {};
  readonly errorsByCode: Record<string, number> = {};
  readonly invalidItemsByField: Record<string, number> = {};
  readonly trapsByReason: Record<string, number> = {};
  readonly robotsFetchFailed: Record<string, number> = {};
  readonly pagesByRung: Record<string, number> = {};
  readonly ladder: Record<string, LadderChoice> = {};
  #sitemapUrlsSkipped: Record<string, number> | undefined;
  #feed: { messages: number; bytes: number } | undefined;
  comparisonFetches = 0;
  speculativeFetches = 0;
  queued = 0;
  inFlight = 0;
  closeReason: string | undefined;
  #sessions: (() => SessionsSnapshot) | undefined;
  #autothrottle: (() => Record<string, HostThrottle>) | undefined;
  #dns: (() => { lookups: number; cacheHits: number; ms: number }) | undefined;
  #tlsInsecure = false;

  /** The session pool and proxy rotation report here; their counters live with them. */
  attachSessions(source: () => SessionsSnapshot): void {
    this.#sessions = source;
  }

  /** The crawl's DNS cache reports here; its counters live with it. */
  attachDns(source: () => { lookups: number; cacheHits: number; ms: number }): void {
    this.#dns = source;
  }

  /** The crawl does not verify TLS certificates: said in the stats, as it is in the log. */
  markTlsInsecure(): void {
    this.#tlsInsecure = true;
  }

  /** Autothrottle reports here; its state lives with it. */
  attachAutothrottle(source: () => Record<string, HostThrottle>): void {
    this.#autothrottle = source;
  }

  /** Counts what the events report; the only writer besides the cache counters of the download chain. */
  observe(events: CrawlEmitter): this {
    const counts = this.counts;
    events
      .on('request:scheduled', () => this.queued++)
      .on('requests:deduplicated', ({ count }) => (counts.duplicatesFiltered += count))
      .on('request:started', () => {
        counts.requests++;
        this.queued--;
        this.inFlight++;
      })
      .on('request:settled', () => this.inFlight--)
      .on('page:fetched', ({ rung, used, speculative }) => {
        if (used) this.pagesByRung[rung] = (this.pagesByRung[rung] ?? 0) + 1;
        else if (speculative) this.speculativeFetches++;
        else this.comparisonFetches++;
      })
      .on('ladder:updated', ({ key, entry }) => {
        const { rung, compared, mismatches } = entry;
        this.ladder[key] = { ...(rung !== undefined && { rung }), compared, mismatches };
      })
      .on('response:received', ({ response }) =>
        this.response(response.status, response.body.length),
      )
      .on('request:retried', () => {
        counts.retries++;
        this.queued++;
      })
      .on('request:failed', ({ code }) => {
        counts.failed++;
        this.error(code);
      })
      .on('request:ignored', ({ code, trap }) => this.#ignored(code, trap))
      .on('sitemap:read', ({ skipped }) => {
        this.#sitemapUrlsSkipped ??= {};
        const total = this.#sitemapUrlsSkipped;
        for (const [reason, n] of Object.entries(skipped)) total[reason] = (total[reason] ?? 0) + n;
      })
      .on('robots:fetch-failed', ({ failure }) => {
        this.robotsFetchFailed[failure] = (this.robotsFetchFailed[failure] ?? 0) + 1;
      })
      .on('feed:message', ({ bytes }) => {
        this.#feed ??= { messages: 0, bytes: 0 };
        this.#feed.messages++;
        this.#feed.bytes += bytes;
        counts.bytes += bytes;
      })
      .on('redirect:to-seen', () => counts.redirectsToSeen++)
      .on('item:scraped', () => counts.items++)
      .on('item:dropped', () => counts.itemsDropped++)
      .on('item:invalid', ({ issues, kept }) => {
        counts.invalidItems++;
        if (kept) counts.invalidItemsKept++;
        const byField = this.invalidItemsByField;
        for (const field of new Set(issues.map((issue) => issue.field))) {
          byField[field] = (byField[field] ?? 0) + 1;
        }
      })
      .on('script:request', ({ code }) => {
        counts.scriptRequests++;
        if (code !== undefined) counts.scriptRequestsRefused++;
      });
    return this;
  }

  #ignored(code: string, trap: string | undefined): void {
    const counts = this.counts;
    if (trap !== undefined) this.trapsByReason[trap] = (this.trapsByReason[trap] ?? 0) + 1;
    if (code === 'AR_OFFSITE') counts.offsite++;
    else if (code === 'AR_LINK_FILTERED') counts.linksFiltered++;
    else if (code === 'AR_DEPTH') counts.depthFiltered++;
    else if (code === 'AR_TRAP') counts.trapFiltered++;
    else if (code === 'AR_ROBOTS_DENIED') counts.robotsDenied++;
    else if (code === 'AR_BAD_URL' || code === 'AR_UNSUPPORTED_SCHEME') this.error(code);
  }

  response(status: number, bytes: number): void {
    this.counts.responses++;
    this.counts.bytes += bytes;
    const key = String(status);
    this.responsesByStatus[key] = (this.responsesByStatus[key] ?? 0) + 1;
  }

  error(code: string): void {
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  finish(reason: string): void {
    this.#finishedAt ??= Date.now();
    this.closeReason = reason;
  }

  snapshot(): Stats {
    const end = this.#finishedAt ?? Date.now();
    const elapsedMs = end - this.#startedAt;
    const stats: Stats = {
      startedAt: new Date(this.#startedAt).toISOString(),
      elapsedMs,
      ...this.counts,
      responsesByStatus: { ...this.responsesByStatus },
      errorsByCode: { ...this.errorsByCode },
      invalidItemsByField: { ...this.invalidItemsByField },
      trapsByReason: { ...this.trapsByReason },
      robotsFetchFailed: { ...this.robotsFetchFailed },
      pagesByRung: { ...this.pagesByRung },
      ...dnsCounts(this.#dns?.()),
      comparisonFetches: this.comparisonFetches,
      speculativeFetches: this.speculativeFetches,
      ladder: structuredClone(this.ladder),
      queued: this.queued,
      inFlight: this.inFlight,
      pagesPerSecond:
        elapsedMs > 0 ? Math.round((this.counts.responses / elapsedMs) * 100_000) / 100 : 0,
    };
    if (this.#finishedAt !== undefined) stats.finishedAt = new Date(this.#finishedAt).toISOString();
    if (this.closeReason !== undefined) stats.closeReason = this.closeReason;
    if (this.#feed) {
      stats.feedMessages = this.#feed.messages;
      stats.feedBytes = this.#feed.bytes;
    }
    if (this.#sitemapUrlsSkipped) stats.sitemapUrlsSkipped = { ...this.#sitemapUrlsSkipped };
    if (this.#sessions) stats.sessions = this.#sessions();
    if (this.#autothrottle) stats.autothrottle = this.#autothrottle();
    if (this.#tlsInsecure) stats.tlsInsecure = true;
    return stats;
  }
}

function dnsCounts(
  dns: { lookups: number; cacheHits: number; ms: number } | undefined,
): Pick<Stats, 'dnsLookups' | 'dnsCacheHits' | 'dnsMs'> {
  return {
    dnsLookups: dns?.lookups ?? 0,
    dnsCacheHits: dns?.cacheHits ?? 0,
    dnsMs: Math.round(dns?.ms ?? 0),
  };
}
