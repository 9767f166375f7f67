/**
 * Items on their way out of a handler: loaded (typed ones processed and validated; undefined fields of every item
 * made null), the spider's pipelines, the `url` field's credentials cut, then the item:scraped event.
 */
import { DropItem } from '../errors.js';
import { ItemLoader, type NormalisedItemType, undefinedAsNull } from '../items/index.js';
import type { Item } from '../storage/sink.js';
import { redactUrl } from '../url/redact-url.js';
import type { CrawlEmitter } from './events.js';
import { type Pipeline, runPipelines } from './pipeline.js';
import type { Request } from './request.js';

export class ItemProcessor {
  readonly #loader: ItemLoader;

  constructor(
    private readonly parts: {
      spider: string;
      pipelines: readonly Pipeline[];
      events: CrawlEmitter;
      /** The spider's item types, checked (normaliseItemTypes). */
      itemTypes?: Readonly<Record<string, NormalisedItemType>>;
      /** What becomes of a typed item that fails validation. @default 'drop' */
      invalidItems?: 'drop' | 'keep';
    },
  ) {
    this.#loader = new ItemLoader(parts.itemTypes ?? {});
  }

  /**
   * Loads a typed item (processors, then schema), then runs the pipelines; returns the item to keep, or undefined
   * when it was invalid (and dropped) or a pipeline dropped it.
   */
  async process(item: Item, request: Request): Promise<Item | undefined> {
    const { pipelines, events, spider } = this.parts;
    const loaded = await this.#loader.load(item);
    if (!loaded.valid) {
      const kept = this.parts.invalidItems === 'keep';
      const { type, issues } = loaded;
      events.emit('item:invalid', { item: loaded.item, type, issues, kept, request });
      if (!kept) return undefined;
    }
    let processed = loaded.item;
    if (pipelines.length > 0) {
      try {
        // The loader gave pipelines no undefined field; one they set is null in the output too.
        processed = undefinedAsNull(await runPipelines(pipelines, processed, { request, spider }));
      } catch (error) {
        if (!(error instanceof DropItem)) throw error;
        events.emit('item:dropped', { item: loaded.item, reason: error.message });
        return undefined;
      }
    }
    const written = withoutCredentials(processed);
    events.emit('item:scraped', { item: written, request });
    return written;
  }
}

/**
 * Items leave the crawl for a reader (files, databases, the server's preview), so their `url` field, where a
 * handler writes `page.url`, loses the `user:pass@` a start URL may carry. Pipelines still see the item as yielded;
 * other fields are the spider's own data and stay as they are.
 */
function withoutCredentials(item: Item): Item {
  const url = item.url;
  if (typeof url !== 'string') return item;
  const redacted = redactUrl(url);
  return redacted === url ? item : { ...item, url: redacted };
}
