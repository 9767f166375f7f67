/** Crawl events: they observe, they never steer. Names are noun:past-verb. */

import { EventEmitter } from 'node:events';
import type { Response } from '../http/response.js';
import type { ItemIssue } from '../items/index.js';
import type { SitemapReport } from '../robots/index.js';
import type { Item } from '../storage/sink.js';
import type { ThrottleReason } from './autothrottle/autothrottle.js';
import type { LadderEntry } from './ladder/ladder.js';
import type { Fetcher, Request } from './request.js';
import type { Stats } from './stats.js';
import type { TrapKind } from './trap-budgets.js';

export interface CrawlEvents {
  'crawl:opened': { spider: string };
  /** A request entered the frontier. */
  'request:scheduled': { request: Request };
  /** Requests the frontier already knew (same fingerprint), or a redirect landing on a page already seen. */
  'requests:deduplicated': { count: number };
  /** A request left the frontier for the download chain. */
  'request:started': { request: Request };
  /** A started request is over for this attempt, whatever the outcome (its slot is free again). */
  'request:settled': { request: Request };
  'response:received': { request: Request; response: Response };
  /** A feed (a WebSocket connection) received a message; the request's handler gets it as a page. */
  'feed:message': { request: Request; bytes: number };
  /**
   * A rung downloaded a page (`request.fetch` is the rung). `used: false` for a comparison's cheaper rungs, whose
   * output only told the adaptive ladder whether they match. `speculative`: fetched while the page's type was
   * still learning, on the rung it would likely settle on (used if it did).
   */
  'page:fetched': { request: Request; rung: Fetcher; used: boolean; speculative?: boolean };
  /** The adaptive ladder compared rungs or moved a page type (host + handler [+ pattern]) to another rung. */
  'ladder:updated': { key: string; entry: LadderEntry; from: Fetcher | undefined };
  'item:scraped': { item: Item; request: Request };
  'item:dropped': { item: Item; reason: string };
  /**
   * A typed item (page.item) failed its processors or its schema. `item` is the processed value; `kept` when the
   * crawl's `invalidItems` is 'keep' (it then goes on to the pipelines and is written), else it is dropped.
   */
  'item:invalid': {
    item: Item;
    type: string;
    issues: ItemIssue[];
    kept: boolean;
    request: Request;
  };
  /** A retryable failure that will be retried after `delayMs`. */
  'request:retried': { request: Request; error: Error; delayMs: number };
  /** The request gave up: retries exhausted, or a non-retryable error. */
  'request:failed': { request: Request; error: Error; code: string };
  /** Dropped by a request filter (bad URL, offsite, depth, trap), robots.txt, or a middleware's IgnoreRequest. */
  'request:ignored': { request: Request; reason: string; code: string; trap?: TrapKind };
  /** Something the user should see that is not a request failure (unknown charset, bad spider output…). */
  /**
   * A page's script asked for a URL on the script rung (fetch, XMLHttpRequest, script src); `code` is set when the
   * download chain refused it (robots.txt, scope, egress guard…), which the page sees as a failed fetch.
   */
  'script:request': { request: Request; code?: string };
  'crawl:warning': { message: string };
  /** `--sitemaps` read one sitemap: the page URLs it gave and those it skipped, by reason; `cut` when a cap hit it. */
  'sitemap:read': SitemapReport;
  /** An origin's robots.txt could not be read: `failure` is the error code, or `HTTP <status>` for a 5xx or 429. */
  'robots:fetch-failed': { origin: string; failure: string };
  /** A redirect landed on a page the crawl had seen already: the page is dropped, its output not written twice. */
  'redirect:to-seen': { request: Request; url: string };
  /**
   * Autothrottle moved a host's delay (by a tenth or more) or its limit of requests in flight; `reason` says why
   * (`measured`: the delay followed the latency), `latencyMs` is the latency of the response that moved it.
   */
  'autothrottle:adjusted': {
    host: string;
    delayMs: number;
    concurrency: number;
    reason: ThrottleReason;
    latencyMs: number;
  };
  'crawl:closed': { reason: CloseReason; stats: Stats };
}

export type CloseReason =
  | 'finished'
  | 'max-pages'
  | 'max-items'
  | 'max-time'
  | 'max-errors'
  | 'signal'
  | 'stopped'
  | 'error'
  /** A stream output's reader closed it (`-o - | head`): nobody wants more items. */
  | 'output-closed';

export type CrawlEventName = keyof CrawlEvents;

/** A typed EventEmitter over CrawlEvents. */
export class CrawlEmitter {
  readonly #emitter = new EventEmitter();

  on<E extends CrawlEventName>(event: E, listener: (payload: CrawlEvents[E]) => void): this {
    this.#emitter.on(event, listener);
    return this;
  }

  off<E extends CrawlEventName>(event: E, listener: (payload: CrawlEvents[E]) => void): this {
    this.#emitter.off(event, listener);
    return this;
  }

  emit<E extends CrawlEventName>(event: E, payload: CrawlEvents[E]): void {
    // Skip building the call when nobody listens: events fire on the hot path.
    if (this.#emitter.listenerCount(event) > 0) this.#emitter.emit(event, payload);
  }
}
