// A frontier of your own, written only against Arachne's public API: requests wait in memory and are saved to a
// JSON file when the crawl closes, so a crawl stopped with Ctrl-C resumes where it was (unlike `--state`, a
// kill -9 loses the run's progress). Use it as an object, or register it as the `json:PATH` location:
//
//   crawl(spider, { frontier: await JsonFileFrontier.open('queue.json') });
//   frontierBackends.register(jsonFileBackend);  // then: arachne crawl spider.ts --frontier json:queue.json
import { readFile, writeFile } from 'node:fs/promises';
import {
  DelayedRequests,
  type Failure,
  type Frontier,
  type FrontierBackend,
  type Outcome,
  type Request,
  requestFingerprint,
} from 'arachne';

interface Saved {
  seen: string[];
  queued: Request[];
  failed: Array<{ request: Request; failure: Failure }>;
}

export class JsonFileFrontier implements Frontier {
  readonly #path: string;
  readonly #seen: Set<bigint>;
  /** Highest priority first, oldest first within a priority. */
  #queued: Request[];
  /** Handed out and not answered yet: saved as queued, so a stop in the middle loses nothing. */
  readonly #leased = new Map<bigint, Request>();
  readonly #delayed = new DelayedRequests();
  readonly failed: Saved['failed'];

  private constructor(path: string, saved: Saved) {
    this.#path = path;
    this.#seen = new Set(saved.seen.map((fp) => BigInt(fp)));
    this.#queued = saved.queued;
    this.failed = saved.failed;
  }

  static async open(path: string): Promise<JsonFileFrontier> {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    const saved: Saved = text ? JSON.parse(text) : { seen: [], queued: [], failed: [] };
    return new JsonFileFrontier(path, saved);
  }

  add(requests: readonly Request[]): Request[] {
    const fresh = requests.filter((request) => {
      const fp = requestFingerprint(request);
      if (this.#seen.has(fp)) return false;
      this.#seen.add(fp);
      return true;
    });
    for (const request of fresh) this.#enqueue(request);
    return fresh;
  }

  markSeen(request: Request): boolean {
    const fp = requestFingerprint(request);
    if (this.#seen.has(fp)) return false;
    this.#seen.add(fp);
    return true;
  }

  next(isReady: (host: string) => boolean): Request | undefined {
    this.#delayed.release((request) => this.#enqueue(request));
    const index = this.#queued.findIndex((request) => isReady(new URL(request.url).host));
    if (index === -1) return undefined;
    const [request] = this.#queued.splice(index, 1) as [Request];
    this.#leased.set(requestFingerprint(request), request);
    return request;
  }

  complete(request: Request, outcome: Outcome): Request[] {
    this.#leased.delete(requestFingerprint(request));
    return this.add(outcome.children);
  }

  fail(request: Request, failure: Failure): void {
    this.#leased.delete(requestFingerprint(request));
    this.failed.push({ request, failure });
  }

  retry(request: Request, delayMs: number): void {
    this.#leased.set(requestFingerprint(request), request); // still owed until it is queued again
    this.#delayed.add(request, delayMs);
  }

  size(): number {
    return this.#queued.length + this.#delayed.size;
  }

  async close(): Promise<void> {
    const saved: Saved = {
      seen: [...this.#seen].map(String),
      // Leased and delayed requests were not done: they wait again in the next run.
      queued: [...this.#leased.values(), ...this.#queued],
      failed: this.failed,
    };
    await writeFile(this.#path, JSON.stringify(saved));
  }

  #enqueue(request: Request): void {
    this.#leased.delete(requestFingerprint(request));
    // Insert after the last request of the same or a higher priority: FIFO within a priority.
    let at = this.#queued.length;
    while (at > 0 && (this.#queued[at - 1] as Request).priority < request.priority) at--;
    this.#queued.splice(at, 0, request);
  }
}

/** `json:PATH` as a frontier location, for `--frontier json:queue.json` or `crawl(spider, { frontier: 'json:…' })`. */
export const jsonFileBackend: FrontierBackend = {
  describe: 'json:PATH',
  accepts: (location) => location.startsWith('json:'),
  open: (location) => JsonFileFrontier.open(location.slice('json:'.length)),
};
