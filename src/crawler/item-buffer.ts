/**
 * Items kept in memory between the handler and the output, for frontiers that do not store items themselves
 * (memory, or a user's frontier without `items`). The crawl then exports from here exactly as it exports from a
 * state file or Redis: one path for items, whatever the frontier.
 */
import type { Item } from '../storage/sink.js';
import type { Frontier, Outcome } from './frontier.js';
import type { ItemSource } from './item-export.js';
import type { Request } from './request.js';

/** One export's view of the buffer (a feed): the buffer keeps an item until every attached reader is past it. */
export interface BufferReader extends ItemSource {
  /** Stops holding items for this reader (its output failed): the others go on without it. */
  detach(): void;
}

export class ItemBuffer implements ItemSource {
  #items: Item[] = [];
  /** How many items came before `#items[0]`: cursors count items from the start of the crawl. */
  #base = 0;
  /** Where each reader has read up to: nothing before the lowest is needed any more. */
  readonly #positions = new Map<object, number>();
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

  /** The exporter asks past what it has written: what every reader has passed is dropped here. */
  itemsAfter(cursor: string, limit: number): Promise<Array<{ cursor: string; item: Item }>> {
    return this.#read(this, cursor, limit);
  }

  /** A reader of its own, for one of several outputs fed from this buffer. */
  reader(): BufferReader {
    const token = {};
    this.#positions.set(token, this.#base);
    return {
      itemsAfter: (cursor, limit) => this.#read(token, cursor, limit),
      readMark: (key) => this.readMark(key),
      writeMark: (key, value) => this.writeMark(key, value),
      detach: () => {
        this.#positions.delete(token);
        this.#trim();
      },
    };
  }

  async readMark(key: string): Promise<string | undefined> {
    return this.#marks.get(key);
  }

  async writeMark(key: string, value: string): Promise<void> {
    this.#marks.set(key, value);
  }

  async #read(
    token: object,
    cursor: string,
    limit: number,
  ): Promise<Array<{ cursor: string; item: Item }>> {
    const from = Math.max(cursor === '' ? 0 : Number(cursor), this.#base);
    this.#positions.set(token, from);
    this.#trim();
    const start = from - this.#base;
    return this.#items
      .slice(start, start + limit)
      .map((item, i) => ({ cursor: String(from + i + 1), item }));
  }

  #trim(): void {
    if (this.#positions.size === 0) return;
    const lowest = Math.min(...this.#positions.values());
    if (lowest <= this.#base) return;
    this.#items = this.#items.slice(lowest - this.#base);
    this.#base = lowest;
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
