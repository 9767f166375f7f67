/**
 * Items kept in memory between the handler and the output, for frontiers that do not store items themselves
 * (memory, or a user's frontier without `items`). The crawl then exports from here exactly as it exports from a
 * state file or Redis: one path for items, whatever the frontier.
 */
import type { Item } from '../storage/sink.js';
import type { Frontier, Outcome } from './frontier.js';
import type { ItemSource } from './item-export.js';
import type { Request } from './request.js';

export class ItemBuffer implements ItemSource {
  #items: Item[] = [];
  /** How many items came before `#items[0]`: cursors count items from the start of the crawl. */
  #base = 0;
  readonly #marks = new Map<string, string>();
  readonly #highWater: number;
  readonly #onHighWater: () => void;

  /** `onHighWater` is called when `highWater` items wait: time to export rather than to wait for the timer. */
  constructor(highWater: number, onHighWater: () => void) {
    this.#highWater = highWater;
    this.#onHighWater = onHighWater;
  }

  get size(): number {
    return this.#items.length;
  }

  push(items: readonly Item[]): void {
    for (const item of items) this.#items.push(item);
    if (this.#items.length >= this.#highWater) this.#onHighWater();
  }

  /** The exporter asks past what it has written: what lies before `cursor` is out, and dropped here. */
  async itemsAfter(cursor: string, limit: number): Promise<Array<{ cursor: string; item: Item }>> {
    const from = cursor === '' ? 0 : Number(cursor);
    if (from > this.#base) {
      this.#items = this.#items.slice(from - this.#base);
      this.#base = from;
    }
    return this.#items.slice(0, limit).map((item, i) => ({ cursor: String(from + i + 1), item }));
  }

  async readMark(key: string): Promise<string | undefined> {
    return this.#marks.get(key);
  }

  async writeMark(key: string, value: string): Promise<void> {
    this.#marks.set(key, value);
  }
}

/** The frontier with items kept in `buffer` as each request completes. */
export function withItemBuffer(frontier: Frontier, buffer: ItemBuffer): Frontier {
  const buffered: Frontier = {
    items: buffer,
    add: (requests) => frontier.add(requests),
    markSeen: (request) => frontier.markSeen(request),
    next: (isReady) => frontier.next(isReady),
    complete(request: Request, outcome: Outcome) {
      buffer.push(outcome.items);
      return frontier.complete(request, outcome);
    },
    fail: (request, failure) => frontier.fail(request, failure),
    retry: (request, delayMs) => frontier.retry(request, delayMs),
    size: () => frontier.size(),
    close: () => frontier.close(),
  };
  return frontier.shared ? { ...buffered, shared: frontier.shared } : buffered;
}
