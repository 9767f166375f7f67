/** The frontier: where requests wait. One interface, several backends, one contract suite. */
import { hostOf } from './canonical-url.js';
import { fingerprint } from './fingerprint.js';
import { FingerprintSet } from './fingerprint-set.js';
import type { Item } from '../storage/sink.js';
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
  /** Queued requests (not counting leased ones). */
  size(): Awaitable<number>;
  close(): Awaitable<void>;
}

/** Per-host FIFO queues, by priority, in memory; dedup on 64-bit fingerprints, never URL strings. */
export class MemoryFrontier implements Frontier {
  readonly storesItems = false;
  readonly #seen = new FingerprintSet();
  readonly #hosts = new Map<string, HostQueue>();
  /** Hosts that have queued requests, visited round-robin so no host starves the others. */
  #ring: string[] = [];
  #cursor = 0;
  #size = 0;

  add(requests: readonly Request[]): Request[] {
    const queued: Request[] = [];
    for (const request of requests) {
      if (!this.#seen.add(fingerprint(request.method, request.url, request.body))) continue;
      this.#enqueue(request);
      queued.push(request);
    }
    return queued;
  }

  markSeen(request: Request): boolean {
    return this.#seen.add(fingerprint(request.method, request.url, request.body));
  }

  next(isReady: (host: string) => boolean): Request | undefined {
    const ring = this.#ring;
    for (let tried = 0; tried < ring.length; tried++) {
      if (this.#cursor >= ring.length) this.#cursor = 0;
      const host = ring[this.#cursor] as string;
      if (!isReady(host)) {
        this.#cursor++;
        continue;
      }
      const queue = this.#hosts.get(host) as HostQueue;
      const request = queue.shift();
      this.#size--;
      if (queue.length === 0) {
        this.#hosts.delete(host);
        ring.splice(this.#cursor, 1);
      } else {
        this.#cursor++;
      }
      return request;
    }
    return undefined;
  }

  complete(_request: Request, outcome: Outcome): Request[] {
    // A leased request lives only in the engine until it is done: nothing to release here.
    return this.add(outcome.children);
  }

  fail(): void {
    // Counted in the stats; a memory crawl keeps no list of failures.
  }

  retry(request: Request): void {
    this.#enqueue(request);
  }

  size(): number {
    return this.#size;
  }

  close(): void {
    this.#hosts.clear();
    this.#ring = [];
    this.#size = 0;
  }

  #enqueue(request: Request): void {
    const host = hostOf(request.url) ?? '';
    let queue = this.#hosts.get(host);
    if (!queue) {
      queue = new HostQueue();
      this.#hosts.set(host, queue);
      this.#ring.push(host);
    }
    queue.push(request);
    this.#size++;
  }
}

/** Buckets by priority, each a FIFO; a crawl rarely uses more than a handful of priority levels. */
class HostQueue {
  readonly #buckets = new Map<number, Request[]>();
  #heads = new Map<number, number>();
  #priorities: number[] = [];
  length = 0;

  push(request: Request): void {
    let bucket = this.#buckets.get(request.priority);
    if (!bucket) {
      bucket = [];
      this.#buckets.set(request.priority, bucket);
      this.#heads.set(request.priority, 0);
      this.#priorities.push(request.priority);
      this.#priorities.sort((a, b) => b - a);
    }
    bucket.push(request);
    this.length++;
  }

  shift(): Request {
    const priority = this.#priorities[0] as number;
    const bucket = this.#buckets.get(priority) as Request[];
    const head = this.#heads.get(priority) as number;
    const request = bucket[head] as Request;
    bucket[head] = undefined as unknown as Request; // release the reference for the GC
    this.length--;
    if (head + 1 === bucket.length) {
      this.#buckets.delete(priority);
      this.#heads.delete(priority);
      this.#priorities.shift();
    } else if (head > 1024 && head * 2 > bucket.length) {
      // Compact now and then so a long FIFO does not keep a long tail of holes.
      bucket.splice(0, head + 1);
      this.#heads.set(priority, 0);
    } else {
      this.#heads.set(priority, head + 1);
    }
    return request;
  }
}
