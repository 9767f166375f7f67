/** Per-host request queues visited round-robin, so no host starves the others; priorities within a host. */
import { hostOf } from '../url/canonical-url.js';
import { HandlerNames, PackedQueue } from './packed-queue.js';
import type { Request } from './request.js';

export class HostQueues {
  readonly #hosts = new Map<string, HostQueue>();
  readonly #handlers = new HandlerNames();
  /** Hosts that have queued requests, in the order they are visited. */
  #ring: string[] = [];
  #cursor = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(request: Request): void {
    const host = hostOf(request.url) ?? '';
    let queue = this.#hosts.get(host);
    if (!queue) {
      queue = new HostQueue(this.#handlers);
      this.#hosts.set(host, queue);
      this.#ring.push(host);
    }
    queue.push(request);
    this.#size++;
  }

  /** Takes the next request of the first host, from the cursor on, that `isReady` accepts. */
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

  clear(): void {
    this.#hosts.clear();
    this.#ring = [];
    this.#size = 0;
  }
}

/** Buckets by priority, each a FIFO; a crawl rarely uses more than a handful of priority levels. */
class HostQueue {
  readonly #handlers: HandlerNames;
  readonly #buckets = new Map<number, PackedQueue>();
  #priorities: number[] = [];
  length = 0;

  constructor(handlers: HandlerNames) {
    this.#handlers = handlers;
  }

  push(request: Request): void {
    let bucket = this.#buckets.get(request.priority);
    if (!bucket) {
      bucket = new PackedQueue(this.#handlers);
      this.#buckets.set(request.priority, bucket);
      this.#priorities.push(request.priority);
      this.#priorities.sort((a, b) => b - a);
    }
    bucket.push(request);
    this.length++;
  }

  shift(): Request {
    const priority = this.#priorities[0] as number;
    const bucket = this.#buckets.get(priority) as PackedQueue;
    const request = bucket.shift(priority);
    this.length--;
    if (bucket.length === 0) {
      this.#buckets.delete(priority);
      this.#priorities.shift();
    }
    return request;
  }
}
