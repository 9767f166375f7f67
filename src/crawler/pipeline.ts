/** Item pipelines: functions run in order on each item; `throw new DropItem(reason)` drops it. */
import type { Item } from '../storage/sink.js';
import type { Request } from './request.js';

export interface PipelineContext {
  /** The request whose response produced the item. */
  request: Request;
  spider: string;
}

/**
 * Returns the (possibly changed) item. The return type makes a forgotten `return` a type error.
 * @example
 * const requirePrice: Pipeline = (item) => { if (item.price == null) throw new DropItem('no price'); return item; };
 */
export type Pipeline = (item: Item, context: PipelineContext) => Item | Promise<Item>;

export async function runPipelines(
  pipelines: readonly Pipeline[],
  item: Item,
  context: PipelineContext,
): Promise<Item> {
  let current = item;
  for (const pipeline of pipelines) current = await pipeline(current, context);
  return current;
}
