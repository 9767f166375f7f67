/** The contract every Sink backend passes: order across batches, flush visibility, lifecycle, unicode, nesting, and
 * for the databases, surviving a failing batch. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import type { Item, Sink } from '../../src/storage/sink.js';

/** A sink under test and a way to read back what it has written so far (without closing it). */
export interface SinkUnderTest {
  sink: Sink;
  read: () => Promise<Item[]>;
  /**
   * Backends that roll a failed batch back and keep going (the databases) return a batch they will reject. It is
   * called after a first batch was written, so it may install what makes the batch fail (a constraint). File
   * sinks leave it out: a failed write may have damaged the file, so their failures are sticky instead.
   */
  failingBatch?: () => Promise<readonly Item[]>;
}

/** What a backend promises beyond the common contract. */
export interface SinkContractFeatures {
  /** A rejected batch leaves nothing of itself and later batches are written; needs `failingBatch`. */
  survivesFailingBatch?: boolean;
}

/**
 * Items share one key order and hold no null and no string that is itself a JSON literal, so that text formats
 * which lose types (CSV) can still be read back exactly by a reader that JSON-decodes cells.
 */
function product(id: number): Item {
  return {
    id,
    title: `Product ${id}`,
    price: id * 1.25,
    tags: [`tag-${id % 3}`, 'sale'],
    meta: { stock: { warehouse: id % 2 === 0, count: id * 10 } },
  };
}

const unicodeItems: Item[] = [
  {
    id: 1,
    title: 'Ünïcödé — 蜘蛛の巣 🕷️🕸️ and a\u2028line separator',
    price: -0.5,
    tags: ['日本語', 'emoji 🐛', 'tab\there'],
    meta: { stock: { note: 'say "hi", then\r\nleave; a,b', deep: [1, [2, { three: 'drei' }]] } },
  },
  {
    id: 2,
    title: 'Right-to-left: مرحبا, combining: e\u0301',
    price: 1e21,
    tags: [],
    meta: { stock: {} },
  },
];

/** Runs the shared Sink contract; `make` gets a fresh empty directory for each test. */
export function runSinkContract(
  name: string,
  make: (dir: string) => SinkUnderTest,
  features: SinkContractFeatures = {},
): void {
  describe(`${name} (Sink contract)`, () => {
    let dir = '';
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'arachne-sink-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads back several batches exactly, in the order they were written', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      const items = Array.from({ length: 12 }, (_, i) => product(i + 1));
      await sink.write(items.slice(0, 5));
      await sink.write(items.slice(5, 6));
      await sink.write(items.slice(6));
      await sink.close();
      expect(await read()).toEqual(items);
    });

    it('keeps the call order of writes that were not awaited one by one', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      const items = Array.from({ length: 20 }, (_, i) => product(i + 1));
      await Promise.all(items.map((item) => sink.write([item])));
      await sink.close();
      expect(await read()).toEqual(items);
    });

    it('makes flushed items readable before close', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      await sink.write([product(1), product(2)]);
      await sink.flush();
      expect(await read()).toEqual([product(1), product(2)]);
      await sink.write([product(3)]);
      await sink.flush();
      expect(await read()).toEqual([product(1), product(2), product(3)]);
      await sink.close();
    });

    it('treats an empty batch as a no-op', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      await sink.write([]);
      await sink.write([product(1)]);
      await sink.write([]);
      await sink.close();
      expect(await read()).toEqual([product(1)]);
    });

    it('closes twice without error and keeps the output', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      await sink.write([product(1)]);
      await sink.close();
      await sink.close();
      expect(await read()).toEqual([product(1)]);
    });

    it('rejects a write after close with a StorageError', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      await sink.write([product(1)]);
      await sink.close();
      await expect(sink.write([product(2)])).rejects.toBeInstanceOf(StorageError);
      expect(await read()).toEqual([product(1)]);
    });

    it('rejects a write before open with a StorageError', async () => {
      const { sink } = make(dir);
      await expect(sink.write([product(1)])).rejects.toBeInstanceOf(StorageError);
      await sink.close();
    });

    it('keeps unicode text and nested objects and arrays intact', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      await sink.write(unicodeItems);
      await sink.close();
      expect(await read()).toEqual(unicodeItems);
    });

    it('closes a sink that received no items to a valid empty output', async () => {
      const { sink, read } = make(dir);
      await sink.open();
      await sink.close();
      expect(await read()).toEqual([]);
    });

    // Registered only for backends that promise it, so file sinks show no skipped test.
    if (!features.survivesFailingBatch) return;
    it('survives a failing batch with a one-line StorageError, keeping the items of the other batches', async () => {
      const { sink, read, failingBatch } = make(dir);
      if (!failingBatch)
        throw new Error('survivesFailingBatch needs make() to return failingBatch');
      await sink.open();
      await sink.write([product(1), product(2)]);
      const failing = await failingBatch();
      // Not awaited one by one: the batches after the failing one still run, in order.
      const [failed, ...later] = await Promise.allSettled([
        sink.write(failing),
        sink.write([product(3)]),
        sink.write([product(4), product(5)]),
      ]);
      expect(later.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(failed?.status).toBe('rejected');
      const error = (failed as PromiseRejectedResult).reason as Error;
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).not.toMatch(/[\r\n]/);
      await sink.close();
      expect(await read()).toEqual([1, 2, 3, 4, 5].map(product));
    });
  });
}
