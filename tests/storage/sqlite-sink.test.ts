import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { openSink } from '../../src/storage/open-sink.js';
import type { Item } from '../../src/storage/sink.js';
import { SqliteSink } from '../../src/storage/sqlite-sink.js';
import { runSinkContract } from '../contracts/sink.contract.js';

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
}

function columnsOf(path: string, table: string): ColumnInfo[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma(`table_info("${table}")`) as ColumnInfo[];
  } finally {
    db.close();
  }
}

/** Rows back to items: NULL cells are absent keys, JSON and BOOLEAN cells decoded, `_extra` merged in. */
function readItems(path: string, table = 'items'): Item[] {
  const columns = columnsOf(path, table);
  if (columns.length === 0) return [];
  const types = new Map(columns.map((column) => [column.name, column.type]));
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare(`SELECT * FROM "${table}" ORDER BY _id`).all() as Item[];
    return rows.map((row) => {
      const item: Item = {};
      for (const [name, value] of Object.entries(row)) {
        if (value === null || name === '_id' || name === '_scraped_at') continue;
        if (name === '_extra') Object.assign(item, JSON.parse(String(value)));
        else if (types.get(name) === 'JSON') item[name] = JSON.parse(String(value));
        else if (types.get(name) === 'BOOLEAN') item[name] = value === 1;
        else item[name] = value;
      }
      return item;
    });
  } finally {
    db.close();
  }
}

runSinkContract(
  'SqliteSink',
  (dir) => {
    const path = join(dir, 'nested', 'items.db');
    return {
      sink: new SqliteSink(path),
      read: async () => readItems(path),
      failingBatch: async () => {
        // A constraint installed by another connection, as a DBA might: SQLite has no ALTER TABLE … ADD CHECK.
        const db = new Database(path);
        db.exec(`CREATE TRIGGER no_poison BEFORE INSERT ON items WHEN NEW.title = 'poison'
                 BEGIN SELECT RAISE(ABORT, 'poisoned item'); END`);
        db.close();
        return [
          { id: 90, title: 'fine' },
          { id: 91, title: 'poison' },
        ];
      },
    };
  },
  { survivesFailingBatch: true },
);

describe('SqliteSink', () => {
  let dir = '';
  let path = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arachne-sqlite-'));
    path = join(dir, 'items.db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeAll(sink: SqliteSink, ...batches: Item[][]): Promise<void> {
    await sink.open();
    for (const batch of batches) await sink.write(batch);
    await sink.close();
  }

  it('types each column from the first value of its key', async () => {
    const first = {
      price: 12.5,
      count: 3,
      big: 2n ** 40n,
      inStock: true,
      title: 'a',
      tags: ['x'],
      meta: { a: 1 },
      missing: null,
      when: new Date('2024-01-02T03:04:05Z'),
    };
    await writeAll(new SqliteSink(path), [first]);
    const types = columnsOf(path, 'items').map(({ name, type }) => [name, type]);
    expect(types).toEqual([
      ['_id', 'INTEGER'],
      ['price', 'REAL'],
      ['count', 'INTEGER'],
      ['big', 'INTEGER'],
      ['inStock', 'BOOLEAN'],
      ['title', 'TEXT'],
      ['tags', 'JSON'],
      ['meta', 'JSON'],
      ['missing', 'JSON'],
      ['when', 'TEXT'],
      ['_extra', 'JSON'],
      ['_scraped_at', 'TEXT'],
    ]);
    const db = new Database(path, { readonly: true });
    const row = db.prepare('SELECT * FROM items').get() as Record<string, unknown>;
    db.close();
    expect(row).toMatchObject({
      _id: 1,
      price: 12.5,
      count: 3,
      big: 2 ** 40,
      inStock: 1,
      tags: '["x"]',
      meta: '{"a":1}',
      missing: null,
      when: '2024-01-02T03:04:05.000Z',
      _extra: null,
    });
    expect(row._scraped_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('keeps later keys that are not columns in the _extra JSON column', async () => {
    await writeAll(
      new SqliteSink(path),
      [{ a: 1 }, { a: 2, b: 'two', c: { deep: [1] } }],
      [{ d: true }],
    );
    const db = new Database(path, { readonly: true });
    const extras = db.prepare('SELECT _extra FROM items ORDER BY _id').pluck().all();
    db.close();
    expect(extras).toEqual([null, '{"b":"two","c":{"deep":[1]}}', '{"d":true}']);
    expect(readItems(path)).toEqual([{ a: 1 }, { a: 2, b: 'two', c: { deep: [1] } }, { d: true }]);
  });

  it('leaves keys that cannot be columns in both databases to _extra', async () => {
    const long = 'k'.repeat(64);
    const item = { Name: 'a', name: 'b', _id: 7, _EXTRA: 'x', '': 'empty', [long]: 1, ok: 1 };
    await writeAll(new SqliteSink(path), [item]);
    const names = columnsOf(path, 'items').map((column) => column.name);
    expect(names).toEqual(['_id', 'Name', 'ok', '_extra', '_scraped_at']);
    expect(readItems(path)).toEqual([item]);
  });

  it('quotes odd keys: spaces, brackets, quotes, SQL', async () => {
    const item = {
      'price ($)': 9.99,
      'say "hi"': 'hello',
      "it's": 'fine',
      'a; DROP TABLE items; --': 'still here',
      'ünï 🕷': 'yes',
    };
    await writeAll(new SqliteSink(path), [item], [item]);
    const names = columnsOf(path, 'items').map((column) => column.name);
    expect(names.slice(1, -2)).toEqual(Object.keys(item));
    expect(readItems(path)).toEqual([item, item]);
  });

  it('reuses the columns of an existing table on a re-run and adds to its rows', async () => {
    await writeAll(new SqliteSink(path), [{ a: 1, b: 'x' }]);
    await writeAll(new SqliteSink(path), [{ c: true, a: 2 }, { b: 'y' }]);
    expect(columnsOf(path, 'items').map((column) => column.name)).toEqual([
      '_id',
      'a',
      'b',
      '_extra',
      '_scraped_at',
    ]);
    expect(readItems(path)).toEqual([{ a: 1, b: 'x' }, { a: 2, c: true }, { b: 'y' }]);
  });

  it('writes into a table made by someone else, dropping keys it has no column for with one warning', async () => {
    const db = new Database(path);
    db.exec('CREATE TABLE items (sku TEXT PRIMARY KEY, price NUMERIC, seen BOOLEAN)');
    db.close();
    const warnings: string[] = [];
    const sink = new SqliteSink(path, { onWarning: (message) => warnings.push(message) });
    await writeAll(
      sink,
      [{ sku: 'a', price: 1.5, seen: false, colour: 'red' }],
      [{ sku: 'b', size: 2 }],
    );
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT * FROM items ORDER BY rowid').all()).toEqual([
      { sku: 'a', price: 1.5, seen: 0 },
      { sku: 'b', price: null, seen: null },
    ]);
    check.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('SQLite table "items"');
    expect(warnings[0]).toContain('(colour)');
  });

  it('updates rows with the same upsert key on a re-run instead of adding them', async () => {
    const run = (items: Item[]) => writeAll(new SqliteSink(path, { upsertKey: 'sku' }), items);
    await run([
      { sku: 'a', price: 1 },
      { sku: 'b', price: 2 },
    ]);
    await run([
      { sku: 'b', price: 20, note: 'changed' },
      { sku: 'c', price: 3 },
    ]);
    expect(readItems(path)).toEqual([
      { sku: 'a', price: 1 },
      { sku: 'b', price: 20, note: 'changed' },
      { sku: 'c', price: 3 },
    ]);
    const sku = columnsOf(path, 'items').find((column) => column.name === 'sku');
    expect(sku?.notnull).toBe(1);
  });

  it('applies the same upsert key twice in one batch in order: the last item wins', async () => {
    await writeAll(new SqliteSink(path, { upsertKey: 'sku' }), [
      { sku: 'a', n: 1 },
      { sku: 'a', n: 2 },
    ]);
    expect(readItems(path)).toEqual([{ sku: 'a', n: 2 }]);
  });

  it('rejects a batch with an item lacking the upsert key whole, naming the table, and goes on', async () => {
    const sink = new SqliteSink(path, { upsertKey: 'sku', table: 'products' });
    await sink.open();
    await sink.write([{ sku: 'a' }]);
    const failure = sink.write([{ sku: 'b' }, { title: 'no key' }]);
    await expect(failure).rejects.toThrow(StorageError);
    await expect(failure).rejects.toThrow(
      `cannot write items to SQLite table "products" in ${path}: NOT NULL constraint failed: products.sku (the batch of 2 items was rolled back)`,
    );
    await sink.write([{ sku: 'c' }]);
    await sink.close();
    expect(readItems(path, 'products')).toEqual([{ sku: 'a' }, { sku: 'c' }]);
  });

  it('fails at open when an upsert key is asked for a table that holds duplicates of it', async () => {
    await writeAll(new SqliteSink(path), [{ sku: 'a' }, { sku: 'a' }]);
    const sink = new SqliteSink(path, { upsertKey: 'sku' });
    await expect(sink.open()).rejects.toThrow(
      'cannot make "sku" unique for the upsert key; does the table already hold duplicates? (UNIQUE constraint failed: items.sku)',
    );
    await sink.close();
  });

  it('fails clearly when the upsert key is not a column of the table', async () => {
    const sink = new SqliteSink(path, { upsertKey: 'sku' });
    await sink.open();
    await expect(sink.write([{ url: 'u' }])).rejects.toThrow(
      'the upsert key "sku" is not a column of table "items" (its columns: url;',
    );
    await sink.close();
  });

  it('keeps the call order of many writes that were not awaited', async () => {
    const sink = new SqliteSink(path);
    await sink.open();
    const batches = Array.from({ length: 50 }, (_, b) =>
      Array.from({ length: 1 + (b % 7) }, (_, i) => ({ batch: b, i })),
    );
    await Promise.all(batches.map((batch) => sink.write(batch)));
    await sink.close();
    expect(readItems(path)).toEqual(batches.flat());
  });

  it('names the table after the spider, sanitised, and uses WAL', async () => {
    const sink = openSink(path, { name: 'Books.toscrape-2' }) as SqliteSink;
    expect(sink.table).toBe('books_toscrape_2');
    await writeAll(sink, [{ a: 1 }]);
    expect(readItems(path, 'books_toscrape_2')).toEqual([{ a: 1 }]);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('fails at open with a StorageError naming the path when it cannot be a file', async () => {
    await writeFile(join(dir, 'plain-file'), 'x');
    const target = join(dir, 'plain-file', 'items.db');
    const sink = new SqliteSink(target);
    await expect(sink.open()).rejects.toThrow(`cannot write items to ${target}`);
    await expect(sink.write([{ a: 1 }])).rejects.toThrow(StorageError);
    await sink.close();
  });

  it('fails at open with a StorageError when the file is not a database', async () => {
    await writeFile(path, 'this is not a database, just some text that is long enough to matter');
    const sink = new SqliteSink(path);
    await expect(sink.open()).rejects.toThrow(
      `cannot write items to SQLite table "items" in ${path}: file is not a database`,
    );
    await sink.close();
  });
});
