/** Items on their way out of a handler: the spider's pipelines, then the item:scraped event. */
import { DropItem } from '../errors.js';
import type { Item } from '../storage/sink.js';
import type { CrawlEmitter } from './events.js';
import { type Pipeline, runPipelines } from './pipeline.js';
import type { Request } from './request.js';

export class ItemProcessor {
  constructor(
    private readonly parts: {
      spider: string;
      pipelines: readonly Pipeline[];
      events: CrawlEmitter;
    },
  ) {}

  /** Runs the pipelines; returns the item to keep, or undefined when a pipeline dropped it. */
  async process(item: Item, request: Request): Promise<Item | undefined> {
    const { pipelines, events, spider } = this.parts;
    let processed = item;
    if (pipelines.length > 0) {
      try {
        processed = await runPipelines(pipelines, item, { request, spider });
      } catch (error) {
        if (!(error instanceof DropItem)) throw error;
        events.emit('item:dropped', { item, reason: error.message });
        return undefined;
      }
    }
    events.emit('item:scraped', { item: processed, request });
    return processed;
  }
}
