/** Items on their way out: pipelines, the item:scraped event, then batched writes to the sink. */
import { DropItem, isCrawlError, StorageError } from '../errors.js';
import type { Item, Sink } from '../storage/sink.js';
import type { CrawlEmitter } from './events.js';
import { type Pipeline, runPipelines } from './pipeline.js';
import type { Request } from './request.js';
import type { StatsCollector } from './stats.js';

const batchSize = 100;
const flushEveryMs = 1000;

export class ItemWriter {
  #batch: Item[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Writes run one after another so items keep their order in the output. */
  #writing: Promise<void> = Promise.resolve();
  #failure: Error | undefined;

  constructor(
    private readonly parts: {
      spider: string;
      pipelines: readonly Pipeline[];
      sink: Sink | undefined;
      stats: StatsCollector;
      events: CrawlEmitter;
    },
  ) {}

  /** The first write error: fatal for the crawl, since items would otherwise be lost silently. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Runs the pipelines; returns the item to keep, or undefined when a pipeline dropped it. */
  async process(item: Item, request: Request): Promise<Item | undefined> {
    const { pipelines, stats, events, spider } = this.parts;
    let processed = item;
    if (pipelines.length > 0) {
      try {
        processed = await runPipelines(pipelines, item, { request, spider });
      } catch (error) {
        if (!(error instanceof DropItem)) throw error;
        stats.counts.itemsDropped++;
        events.emit('item:dropped', { item, reason: error.message });
        return undefined;
      }
    }
    stats.counts.items++;
    events.emit('item:scraped', { item: processed, request });
    return processed;
  }

  /** Queues items for the sink, written in batches. */
  write(items: readonly Item[]): void {
    if (!this.parts.sink || items.length === 0) return;
    for (const item of items) this.#batch.push(item);
    if (this.#batch.length >= batchSize) this.#writeBatch();
    else this.#timer ??= setTimeout(() => this.#writeBatch(), flushEveryMs);
  }

  /** Writes what is buffered and flushes the sink. */
  async flush(): Promise<void> {
    this.#writeBatch();
    await this.#writing;
    if (this.parts.sink && !this.#failure) await this.#guard(() => this.parts.sink?.flush());
    if (this.#failure) throw this.#failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.parts.sink?.close().catch(() => {});
    }
  }

  #writeBatch(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const sink = this.parts.sink;
    if (!sink || this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#writing = this.#writing.then(() => this.#guard(() => sink.write(batch)));
  }

  async #guard(action: () => Promise<void> | undefined): Promise<void> {
    if (this.#failure) return;
    try {
      await action();
    } catch (error) {
      this.#failure = isCrawlError(error)
        ? error
        : new StorageError(`cannot write items: ${(error as Error).message}`, { cause: error });
    }
  }
}
