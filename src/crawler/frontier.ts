/** The frontier: where requests wait. One interface, several backends, one contract suite. */

import type { Item } from '../storage/sink.js';
import { fingerprint } from '../url/fingerprint.js';
import { FingerprintSet } from './fingerprint-set.js';
import { HostQueues } from './host-queues.js';
import type { Request } from './request.js';

type Awaitable<T> = T | Promise<T>;

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

export interface Frontier {
  /**
   * True when `complete` stores the items with the request's progress (one transaction) and the crawl must
   * export them from the frontier rather than write them to the sink directly.
   */
  readonly storesItems: boolean;
  /**
   * Queues requests that were not seen before (by fingerprint of method + canonical URL + body).
   * Returns the requests actually queued; the others were duplicates.
   */
  add(requests: readonly Request[]): Awaitable<Request[]>;
  /** Marks a URL as seen without queueing it (the final URL of a redirect). Returns false if already seen. */
  markSeen(request: Request): Awaitable<boolean>;
  /** Leases the next request whose host `isReady` accepts, highest priority first. */
  next(isReady: (host: string) => boolean): Awaitable<Request | undefined>;
  /**
   * Acknowledges a leased request with what its handler produced: new children are queued (the ones returned),
   * and the request will never be handed out again.
   */
  complete(request: Request, outcome: Outcome): Awaitable<Request[]>;
  /** Gives a leased request up (retries exhausted, or not retryable). */
  fail(request: Request, failure: Failure): Awaitable<void>;
  /** Returns a leased request to its queue (bypassing dedup), e.g. for a retry. */
  retry(request: Request): Awaitable<void>;
  /** Requests still to do: queued (and, for a shared frontier, leased or delayed anywhere). */
  size(): Awaitable<number>;
  close(): Awaitable<void>;
  /**
   * Shared frontiers only: politeness that must hold across workers. The scheduler reports Retry-After
   * backoffs and robots.txt Crawl-delays here too, and polls every `pollMs` while nothing is ready.
   */
  readonly shared?: {
    pollMs: number;
    backOff(host: string, delayMs: number): Promise<void>;
    setHostDelay(host: string, delayMs: number): Promise<void>;
    /** Marks the shared crawl finished if nothing remains anywhere; false when work appeared meanwhile. */
    finish(): Promise<boolean>;
  };
}

/** Per-host FIFO queues, by priority, in memory; dedup on 64-bit fingerprints, never URL strings. */
export class MemoryFrontier implements Frontier {
  readonly storesItems = false;
  readonly #seen = new FingerprintSet();
  readonly #queues = new HostQueues();

  add(requests: readonly Request[]): Request[] {
    const queued: Request[] = [];
    for (const request of requests) {
      if (!this.#seen.add(requestFingerprint(request))) continue;
      this.#queues.push(request);
      queued.push(request);
    }
    return queued;
  }

  markSeen(request: Request): boolean {
    return this.#seen.add(requestFingerprint(request));
  }

  next(isReady: (host: string) => boolean): Request | undefined {
    return this.#queues.next(isReady);
  }

  complete(_request: Request, outcome: Outcome): Request[] {
    // A leased request lives only in the engine until it is done: nothing to release here.
    return this.add(outcome.children);
  }

  fail(): void {
    // Counted in the stats; a memory crawl keeps no list of failures.
  }

  retry(request: Request): void {
    this.#queues.push(request);
  }

  size(): number {
    return this.#queues.size;
  }

  close(): void {
    this.#queues.clear();
  }
}

export function requestFingerprint(request: Request): bigint {
  return fingerprint(request.method, request.url, request.body);
}
