/**
 * The frontier: where requests wait. A public contract with several backends (memory here; SQLite in state/,
 * Redis in distributed/, or a user's own object) and one contract suite (tests/contracts/frontier.contract.ts).
 */

import type { Item } from '../storage/sink.js';
import {
  createDedupKey,
  type DedupKey,
  type DedupRules,
  defaultDedupKey,
} from '../url/dedup-key.js';
import { fingerprint, fingerprintHalves } from '../url/fingerprint.js';
import { memoByUrl } from '../url/url-memo.js';
import { DelayedRequests } from './delayed-requests.js';
import { FingerprintSet } from './fingerprint-set.js';
import { HostQueues } from './host-queues.js';
import type { ItemSource } from './item-export.js';
import type { LadderStore } from './ladder/ladder.js';
import { fingerprintBody, type Request } from './request.js';

export type Awaitable<T> = T | Promise<T>;

/** What handling one request produced: the requests it asked for (already filtered) and its items. */
export interface Outcome {
  children: readonly Request[];
  items: readonly Item[];
}

/** Why a request was given up, kept by persistent frontiers so it can be listed and retried later. */
export interface Failure {
  code: string;
  message: string;
}

/**
 * Where a crawl's requests wait. Every request handed out by `next` is *leased*: the engine answers each lease
 * exactly once, with `complete`, `fail` or `retry`. A lease never answered (the process died) must come back
 * after a restart or, for a shared frontier, after the lease expires: that is what makes kill -9 lose nothing.
 */
export interface Frontier {
  /**
   * Queues the requests not seen before (by fingerprint of method + dedup key of the URL + body, see
   * `requestFingerprint`). Returns the requests actually queued; the others were duplicates.
   */
  add(requests: readonly Request[]): Awaitable<Request[]>;
  /** Marks a URL as seen without queueing it (the final URL of a redirect). Returns false if already seen. */
  markSeen(request: Request): Awaitable<boolean>;
  /** Leases the next request whose host `isReady` accepts, highest priority first; undefined when none is. */
  next(isReady: (host: string) => boolean): Awaitable<Request | undefined>;
  /**
   * Answers a lease with what its handler produced: new children are queued (the ones returned) and the request
   * is never handed out again. A frontier with `items` stores the items with that progress, atomically.
   */
  complete(request: Request, outcome: Outcome): Awaitable<Request[]>;
  /** Answers a lease by giving the request up (retries exhausted, or not retryable). */
  fail(request: Request, failure: Failure): Awaitable<void>;
  /**
   * Answers a lease by queueing the request again (bypassing dedup) once `delayMs` has passed: a retry's backoff.
   * It counts in `size()` while it waits.
   */
  retry(request: Request, delayMs: number): Awaitable<void>;
  /** Requests still to do: queued, waiting out a retry delay and (for a shared frontier) leased anywhere. */
  size(): Awaitable<number>;
  close(): Awaitable<void>;
  /**
   * Present when `complete` commits items together with the request's progress: the crawl then exports the
   * output from here, past a mark kept in the same store (exactly once across crashes). Without it, the crawl
   * keeps the items in memory until they are written.
   */
  readonly items?: ItemSource;
  /** Present when other processes work the same frontier: politeness must then hold across all of them. */
  readonly shared?: SharedFrontier;
  /**
   * Present when the frontier keeps what the adaptive ladder learned (the state file, Redis), so a resumed crawl
   * and every worker of a shared one use the same rung per page type. Without it the ladder learns in memory.
   */
  readonly ladder?: LadderStore;
}

/** What a frontier shared by many workers adds: cross-worker politeness and a common end. */
export interface SharedFrontier {
  /** How often the scheduler polls while nothing is ready (other workers change the frontier). */
  readonly pollMs: number;
  /** True when the crawl had ended (for every worker) before this process opened it. */
  readonly finishedBefore: boolean;
  /** Holds every worker off `host` for `delayMs` (Retry-After). */
  backOff(host: string, delayMs: number): Promise<void>;
  /** Raises the minimum delay between two requests to `host` for every worker (robots.txt Crawl-delay). */
  setHostDelay(host: string, delayMs: number): Promise<void>;
  /**
   * Books `host`'s next turn for every worker, `delayMs` (or the host's shared delay, if larger) before the one
   * after: 0 when booked, else the milliseconds until the host may have a turn (the caller waits and asks again).
   * Optional, so backends written before it still work: without it a worker's turns hold only among its own requests.
   */
  bookTurn?(host: string, delayMs: number): Promise<number>;
  /** Marks the shared crawl finished if nothing remains anywhere; false when work appeared meanwhile. */
  finish(): Promise<boolean>;
}

/** Per-host FIFO queues, by priority, in memory; dedup on 64-bit fingerprints, never URL strings. */
export class MemoryFrontier implements Frontier {
  readonly #seen = new FingerprintSet();
  readonly #fingerprint: (request: Request) => Uint32Array;

  /** @param options.dedup how URL spellings fold together for dedup (the crawl's keepQueryOrder/dropParams/keepParams). */
  constructor(options: { dedup?: DedupRules } = {}) {
    this.#fingerprint = fingerprinter(
      options.dedup ? createDedupKey(options.dedup) : defaultDedupKey,
    );
  }

  #add(request: Request): boolean {
    const [high, low] = this.#fingerprint(request);
    return this.#seen.addHalves(high ?? 0, low ?? 0);
  }

  readonly #queues = new HostQueues();
  readonly #delayed = new DelayedRequests();

  add(requests: readonly Request[]): Request[] {
    const queued: Request[] = [];
    for (const request of requests) {
      if (!this.#add(request)) continue;
      this.#queues.push(request);
      queued.push(request);
    }
    return queued;
  }

  markSeen(request: Request): boolean {
    return this.#add(request);
  }

  next(isReady: (host: string) => boolean): Request | undefined {
    this.#delayed.release((request) => this.#queues.push(request));
    return this.#queues.next(isReady);
  }

  complete(_request: Request, outcome: Outcome): Request[] {
    // A leased request lives only in the engine until it is done: nothing to release here.
    return this.add(outcome.children);
  }

  fail(): void {
    // Counted in the stats; a memory crawl keeps no list of failures.
  }

  retry(request: Request, delayMs: number): void {
    this.#delayed.add(request, delayMs);
  }

  size(): number {
    return this.#queues.size + this.#delayed.size;
  }

  close(): void {
    this.#queues.clear();
    this.#delayed.clear();
  }
}

/**
 * `requestFingerprint` as `[high, low]` halves (read before the next call), remembered per URL for plain GETs: most
 * of a page's links are GETs of URLs met on page after page, whose dedup key and hash need not be made again.
 */
function fingerprinter(key: DedupKey): (request: Request) => Uint32Array {
  const scratch = new Uint32Array(2);
  const plainGet = memoByUrl((url) => fingerprintHalves('GET', key(url), undefined));
  return (request) =>
    request.method === 'GET' && !request.body && request.websocket === undefined
      ? plainGet(request.url)
      : fingerprintHalves(request.method, key(request.url), fingerprintBody(request), scratch);
}

/**
 * What every frontier dedups on: a 64-bit fingerprint of the method, the URL's dedup key (sorted query, tracking
 * and session parameters dropped: see `createDedupKey`) and the body. The request keeps its URL as written.
 * @param key the crawl's compiled dedup rules. @default the default rules
 */
export function requestFingerprint(request: Request, key: DedupKey = defaultDedupKey): bigint {
  return fingerprint(request.method, key(request.url), fingerprintBody(request));
}

/** The dedup rules a crawl's options ask for. */
export function dedupRulesOf(options: {
  keepQueryOrder: boolean;
  dropParams?: readonly string[] | undefined;
  keepParams?: readonly string[] | undefined;
}): DedupRules {
  return {
    keepQueryOrder: options.keepQueryOrder,
    dropParams: options.dropParams ?? [],
    keepParams: options.keepParams ?? [],
  };
}
