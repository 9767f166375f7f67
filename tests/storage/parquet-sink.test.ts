/** Parquet output, read back with hyparquet: column types from the first row group, nested values as JSON text. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { ParquetSink } from '../../src/storage/parquet-sink.js';
import type { Item } from '../../src/storage/sink.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-parquet-'));
});

async function readBack(path: string) {
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(file);
  return {
    rows: await parquetReadObjects({ file }),
    schema: metadata.schema
      .slice(1)
      .map((column) => [column.name, column.type, column.converted_type]),
    rowGroups: metadata.row_groups.length,
  };
}

async function write(path: string, batches: Item[][], options = {}): Promise<string[]> {
  const warnings: string[] = [];
  const sink = new ParquetSink(path, {
    onWarning: (message) => warnings.push(message),
    ...options,
  });
  await sink.open();
  for (const batch of batches) await sink.write(batch);
  await sink.close();
  return warnings;
}

describe('ParquetSink', () => {
  it('types columns from their values; nested values and mixed columns are JSON text', async () => {
    const path = join(dir, 'items.parquet');
    const when = new Date('2026-01-02T03:04:05.678Z');
    await write(path, [
      [
        {
          title: 'a',
          price: 9.5,
          stock: 3,
          sold: true,
          at: when,
          tags: ['x', 'y'],
          mixed: 1,
          none: null,
        },
        { title: 'b', price: 10, stock: 4, sold: false, at: when, tags: { k: 1 }, mixed: 'two' },
      ],
    ]);
    const { rows, schema } = await readBack(path);
    expect(schema).toEqual([
      ['title', 'BYTE_ARRAY', 'UTF8'],
      ['price', 'DOUBLE', undefined],
      ['stock', 'INT64', undefined],
      ['sold', 'BOOLEAN', undefined],
      ['at', 'INT64', 'TIMESTAMP_MILLIS'],
      ['tags', 'BYTE_ARRAY', 'UTF8'],
      ['mixed', 'BYTE_ARRAY', 'UTF8'],
      ['none', 'BYTE_ARRAY', 'UTF8'],
    ]);
    expect(rows[0]).toEqual({
      title: 'a',
      price: 9.5,
      stock: 3n,
      sold: true,
      at: when,
      tags: '["x","y"]',
      mixed: '1',
      none: null,
    });
    expect(rows[1]).toMatchObject({ price: 10, tags: '{"k":1}', mixed: 'two', none: null });
  });

  it('writes row groups as rows come, keeps the first columns and nulls what does not fit (one warning)', async () => {
    const path = join(dir, 'groups.parquet');
    const first = Array.from({ length: 5 }, (_, n) => ({ n, name: `n${n}` }));
    const later = [
      { n: 'not a number', name: 'x', late: true },
      { n: 7, name: 'y' },
    ];
    const warnings = await write(path, [first, later], { rowGroupSize: 3 });
    const { rows, rowGroups } = await readBack(path);
    expect(rowGroups).toBe(3);
    expect(rows).toHaveLength(7);
    expect(rows[5]).toEqual({ n: null, name: 'x' });
    expect(rows[6]).toEqual({ n: 7n, name: 'y' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('first row group');
  });

  it('gives a readable file for an empty crawl', async () => {
    const path = join(dir, 'empty.parquet');
    await write(path, []);
    expect((await readBack(path)).rows).toEqual([]);
  });

  it('refuses to append to a file that has data, and leaves it alone', async () => {
    const path = join(dir, 'kept.parquet');
    await writeFile(path, 'not empty');
    const sink = new ParquetSink(path, { append: true });
    await expect(sink.open()).rejects.toThrow(StorageError);
    await expect(sink.open()).rejects.toThrow('cannot append to a Parquet file');
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe('not empty');
  });
});
