/** What a handler may return, read one way everywhere (the engine, wrappers around handlers). */
import type { HandlerResult, Output } from './spider.js';

/** Normalises what a handler returned (generator, async generator, array, promise, single output, nothing). */
export async function* outputsOf(result: HandlerResult): AsyncGenerator<Output> {
  const value = await result;
  if (value === undefined || value === null) return;
  if (typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value)) {
    yield* value as AsyncIterable<Output> | Iterable<Output>;
    return;
  }
  yield value as Output;
}
