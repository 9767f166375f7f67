/** Per-host request queues visited round-robin, so no host starves the others; priorities within a host. */
import { hostOf } from '../url/canonical-url.js';
import { createRequest, type Request } from './request.js';

export class HostQueues {
  readonly #hosts = new Map<string, HostQueue>();
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
      queue = new HostQueue();
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

/**
 * How a plain link waits: most of what a crawl queues are GET requests with no headers, data or body, on their
 * first attempt, with nothing but the fields `createRequest` sets. Those wait as URL, handler and depth: 147 bytes
 * of heap each against 332 for the request object (200,000 links of 60 characters, measured), and a big crawl
 * queues most of its product links before fetching them. Anything else waits as itself.
 */
class QueuedLink {
  constructor(
    readonly url: string,
    readonly handler: string,
    readonly depth: number,
  ) {}
}

type Waiting = Request | QueuedLink;

const PLAIN_KEYS = Object.keys(createRequest('http://plain.invalid/')).length;

function pack(request: Request): Waiting {
  const plain =
    request.method === 'GET' &&
    request.attempt === 0 &&
    isEmpty(request.headers) &&
    isEmpty(request.data) &&
    Object.keys(request).length === PLAIN_KEYS;
  return plain ? new QueuedLink(request.url, request.handler, request.depth) : request;
}

/** The request a waiting entry stands for: a plain link is made again by `createRequest`. */
function unpack(waiting: Waiting, priority: number): Request {
  if (!(waiting instanceof QueuedLink)) return waiting;
  return createRequest(waiting.url, { handler: waiting.handler, depth: waiting.depth, priority });
}

function isEmpty(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false;
  return true;
}

/** Buckets by priority, each a FIFO; a crawl rarely uses more than a handful of priority levels. */
class HostQueue {
  readonly #buckets = new Map<number, Waiting[]>();
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
    bucket.push(pack(request));
    this.length++;
  }

  shift(): Request {
    const priority = this.#priorities[0] as number;
    const bucket = this.#buckets.get(priority) as Waiting[];
    const head = this.#heads.get(priority) as number;
    const request = unpack(bucket[head] as Waiting, priority);
    bucket[head] = undefined as unknown as Waiting; // release the reference for the GC
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
