/** Requests waiting out a retry's backoff inside a frontier, released once due. Retries are rare: a list will do. */
import type { Request } from './request.js';

export class DelayedRequests {
  #waiting: Array<{ request: Request; dueAt: number }> = [];
  #earliest = Number.POSITIVE_INFINITY;

  get size(): number {
    return this.#waiting.length;
  }

  add(request: Request, delayMs: number, now = Date.now()): void {
    const dueAt = now + Math.max(0, delayMs);
    this.#waiting.push({ request, dueAt });
    if (dueAt < this.#earliest) this.#earliest = dueAt;
  }

  /** Hands every request whose delay is over to `ready`, oldest due first. */
  release(ready: (request: Request) => void, now = Date.now()): void {
    if (now < this.#earliest) return;
    const due = this.#waiting.filter((entry) => entry.dueAt <= now);
    this.#waiting = this.#waiting.filter((entry) => entry.dueAt > now);
    this.#earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.#waiting)
      if (entry.dueAt < this.#earliest) this.#earliest = entry.dueAt;
    due.sort((a, b) => a.dueAt - b.dueAt);
    for (const entry of due) ready(entry.request);
  }

  clear(): void {
    this.#waiting = [];
    this.#earliest = Number.POSITIVE_INFINITY;
  }
}
