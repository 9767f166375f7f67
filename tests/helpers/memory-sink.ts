// A sink that keeps items in memory: the Sink contract, no file involved.
import type { Item, Sink } from '../../src/storage/sink.js';

export function memorySink(): Sink & { items: Item[] } {
  const items: Item[] = [];
  return {
    items,
    open: async () => {},
    write: async (batch) => {
      items.push(...batch);
    },
    flush: async () => {},
    close: async () => {},
  };
}
