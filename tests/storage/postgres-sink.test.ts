import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { postgresLabel } from '../../src/storage/database-target.js';
import { openSink } from '../../src/storage/open-sink.js';
import { PostgresSink } from '../../src/storage/postgres-sink.js';
import type { Item } from '../../src/storage/sink.js';
import { runSinkContract } from '../contracts/sink.contract.js';
import { freePort } from '../helpers/local-server.js';
import { requireService } from '../helpers/services.js';

const url = process.env.ARACHNE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const reachable = await requireService(`PostgreSQL at ${postgresLabel(url)}`, async () => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
});

// Every table of this run starts with the prefix, so afterAll can drop them all, even after a failed test.
const prefix = `arachne_t_${process.pid}_${Date.now().toString(36)}_`;
let tables = 0;
const nextTable = (): string => `${prefix}${++tables}`;

/** int8 (bigint) as a JS number, as a reader of integer columns would ask (node-postgres gives strings). */
const int8AsNumber = {
  getTypeParser: ((oid: number, format?: 'text') =>
    oid === pg.types.builtins.INT8
      ? (text: string) => Number(text)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

async function query<T extends pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
  options: { int8AsNumber?: boolean } = {},
): Promise<T[]> {
  const client = new pg.Client({
    connectionString: url,
    ...(options.int8AsNumber ? { types: int8AsNumber } : {}),
  });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Rows back to items: NULL cells are absent keys, `_extra` merged in (pg decodes jsonb and float8, int8 here). */
async function readItems(table: string): Promise<Item[]> {
  const exists = await query('SELECT 1 FROM pg_tables WHERE tablename = $1', [table]);
  if (exists.length === 0) return [];
  const rows = await query<Item>(`SELECT * FROM "${table}" ORDER BY _id`, [], {
    int8AsNumber: true,
  });
  return rows.map((row) => {
    const item: Item = {};
    for (const [name, value] of Object.entries(row)) {
      if (value === null || name === '_id' || name === '_scraped_at') continue;
      if (name === '_extra') Object.assign(item, value);
      else item[name] = value;
    }
    return item;
  });
}

async function columnsOf(table: string): Promise<[string, string, string][]> {
  const rows = await query<{ column_name: string; data_type: string; is_nullable: string }>(
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((row) => [row.column_name, row.data_type, row.is_nullable]);
}

async function writeAll(sink: PostgresSink, ...batches: Item[][]): Promise<void> {
  await sink.open();
  for (const batch of batches) await sink.write(batch);
  await sink.close();
}

describe.skipIf(!reachable)('PostgresSink', () => {
  afterAll(async () => {
    const rows = await query<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE starts_with(tablename, $1)',
      [prefix],
    );
    for (const { tablename } of rows) await query(`DROP TABLE "${tablename}"`);
  });

  runSinkContract(
    'PostgresSink',
    () => {
      const table = nextTable();
      return {
        sink: new PostgresSink(url, { table }),
        read: () => readItems(table),
        // `price` is double precision, made from the first item: text that is no number breaks the batch.
        failingBatch: async () => [
          { id: 90, title: 'fine', price: 1 },
          { id: 91, title: 'bad', price: 'not a number' },
        ],
      };
    },
    { survivesFailingBatch: true },
  );

  it('types each column from the first value of its key', async () => {
    const table = nextTable();
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
    await writeAll(new PostgresSink(url, { table }), [first]);
    expect(await columnsOf(table)).toEqual([
      ['_id', 'bigint', 'NO'],
      ['price', 'double precision', 'YES'],
      ['count', 'bigint', 'YES'],
      ['big', 'bigint', 'YES'],
      ['inStock', 'boolean', 'YES'],
      ['title', 'text', 'YES'],
      ['tags', 'jsonb', 'YES'],
      ['meta', 'jsonb', 'YES'],
      ['missing', 'jsonb', 'YES'],
      ['when', 'text', 'YES'],
      ['_extra', 'jsonb', 'YES'],
      ['_scraped_at', 'timestamp with time zone', 'NO'],
    ]);
    const [row] = await query<Item>(`SELECT * FROM "${table}"`);
    expect(row).toMatchObject({
      _id: '1',
      price: 12.5,
      count: '3',
      big: String(2 ** 40),
      inStock: true,
      tags: ['x'],
      meta: { a: 1 },
      missing: null,
      when: '2024-01-02T03:04:05.000Z',
      _extra: null,
    });
    expect(row?._scraped_at).toBeInstanceOf(Date);
  });

  it('keeps later keys that are not columns in the _extra jsonb column', async () => {
    const table = nextTable();
    const sink = new PostgresSink(url, { table });
    await writeAll(sink, [{ a: 1 }, { a: 2, b: 'two', c: { deep: [1] } }], [{ d: true }]);
    const extras = await query(`SELECT _extra FROM "${table}" ORDER BY _id`);
    expect(extras.map((row) => row._extra)).toEqual([
      null,
      { b: 'two', c: { deep: [1] } },
      { d: true },
    ]);
  });

  it('quotes odd keys: spaces, brackets, quotes, SQL', async () => {
    const table = nextTable();
    const item = {
      'price ($)': 9.99,
      'say "hi"': 'hello',
      "it's": 'fine',
      'a; DROP TABLE items; --': 'still here',
      'ünï 🕷': 'yes',
      MixedCase: 1,
    };
    await writeAll(new PostgresSink(url, { table }), [item], [item]);
    const names = (await columnsOf(table)).map(([name]) => name);
    expect(names.slice(1, -2)).toEqual(Object.keys(item));
    expect(await readItems(table)).toEqual([item, item]);
  });

  it('reuses the columns of an existing table on a re-run and adds to its rows', async () => {
    const table = nextTable();
    await writeAll(new PostgresSink(url, { table }), [{ a: 1, b: 'x' }]);
    await writeAll(new PostgresSink(url, { table }), [{ c: true, a: 2 }, { b: 'y' }]);
    expect((await columnsOf(table)).map(([name]) => name)).toEqual([
      '_id',
      'a',
      'b',
      '_extra',
      '_scraped_at',
    ]);
    expect(await readItems(table)).toEqual([{ a: 1, b: 'x' }, { a: 2, c: true }, { b: 'y' }]);
  });

  it('updates rows with the same upsert key on a re-run instead of adding them', async () => {
    const table = nextTable();
    const run = (items: Item[]) =>
      writeAll(new PostgresSink(url, { table, upsertKey: 'sku' }), items);
    await run([
      { sku: 'a', price: 1 },
      { sku: 'b', price: 2 },
    ]);
    await run([
      { sku: 'b', price: 20, note: 'changed' },
      { sku: 'c', price: 3 },
    ]);
    expect(await readItems(table)).toEqual([
      { sku: 'a', price: 1 },
      { sku: 'b', price: 20, note: 'changed' },
      { sku: 'c', price: 3 },
    ]);
    expect((await columnsOf(table)).find(([name]) => name === 'sku')).toEqual([
      'sku',
      'text',
      'NO',
    ]);
  });

  it('applies the same upsert key twice in one batch in order: the last item wins', async () => {
    const table = nextTable();
    await writeAll(new PostgresSink(url, { table, upsertKey: 'sku' }), [
      { sku: 'a', n: 1 },
      { sku: 'b', n: 1 },
      { sku: 'a', n: 2 },
    ]);
    expect(await readItems(table)).toEqual([
      { sku: 'a', n: 2 },
      { sku: 'b', n: 1 },
    ]);
  });

  it('rejects a batch violating a constraint whole, naming the table, and goes on', async () => {
    const table = nextTable();
    const sink = new PostgresSink(url, { table, upsertKey: 'sku' });
    await sink.open();
    await sink.write([{ sku: 'a' }]);
    const failure = sink.write([{ sku: 'b' }, { title: 'no key' }]);
    await expect(failure).rejects.toThrow(StorageError);
    await expect(failure).rejects.toThrow(
      `cannot write items to PostgreSQL table "${table}" at ${postgresLabel(url)}: null value in column "sku" ` +
        `of relation "${table}" violates not-null constraint (the batch of 2 items was rolled back)`,
    );
    await sink.write([{ sku: 'c' }]);
    await sink.close();
    expect(await readItems(table)).toEqual([{ sku: 'a' }, { sku: 'c' }]);
  });

  it('splits a batch over 65,535 parameters into several INSERTs in one transaction', async () => {
    const table = nextTable();
    // 20 keys + _extra + _scraped_at = 22 parameters a row: 2,978 rows an INSERT, so 7,000 rows take three.
    const item = (n: number): Item =>
      Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`k${k}`, k === 0 ? n : `v${k}`]));
    const items = Array.from({ length: 7_000 }, (_, n) => item(n));
    const sink = new PostgresSink(url, { table });
    await sink.open();
    await sink.write(items);
    const poisoned: Item[] = items.map((one) => ({ ...one, k0: 1e6 + Number(one.k0) }));
    poisoned[6_500] = { ...item(0), k0: 'not a number' };
    await expect(sink.write(poisoned)).rejects.toThrow('invalid input syntax for type bigint');
    await sink.close();
    const [{ count, max } = {}] = await query(
      `SELECT count(*)::int AS count, max(k0) AS max FROM "${table}"`,
      [],
      { int8AsNumber: true },
    );
    expect([count, max]).toEqual([7_000, 6_999]);
  });

  it('replaces U+0000, which PostgreSQL cannot store, by U+FFFD in text and jsonb', async () => {
    const table = nextTable();
    await writeAll(new PostgresSink(url, { table }), [
      { text: 'a\0b', json: { inner: 'c\0d', raw: '\\u0000' } },
    ]);
    expect(await readItems(table)).toEqual([
      { text: 'a\uFFFDb', json: { inner: 'c\uFFFDd', raw: '\\u0000' } },
    ]);
  });

  it('keeps the call order of many writes that were not awaited', async () => {
    const table = nextTable();
    const sink = new PostgresSink(url, { table });
    await sink.open();
    const batches = Array.from({ length: 50 }, (_, b) =>
      Array.from({ length: 1 + (b % 7) }, (_, i) => ({ batch: b, i })),
    );
    await Promise.all(batches.map((batch) => sink.write(batch)));
    await sink.close();
    expect(await readItems(table)).toEqual(batches.flat());
  });

  it('names the table after the spider through openSink, and reads table= and upsert= from the URI', async () => {
    const bySpider = openSink(url, { name: `${prefix}Spider.One` }) as PostgresSink;
    expect(bySpider.table).toBe(`${prefix}spider_one`);
    await writeAll(bySpider, [{ a: 1 }]);
    expect(await readItems(`${prefix}spider_one`)).toEqual([{ a: 1 }]);

    const table = nextTable();
    const separator = url.includes('?') ? '&' : '?';
    for (const price of [1, 2]) {
      const sink = openSink(`${url}${separator}table=${table}&upsert=sku`, { name: 'ignored' });
      expect(sink).toBeInstanceOf(PostgresSink);
      await sink.open();
      await sink.write([{ sku: 'a', price }]);
      await sink.close();
    }
    expect(await readItems(table)).toEqual([{ sku: 'a', price: 2 }]);
  });

  it('replaces a connection the server ended, without crashing, and goes on', async () => {
    const table = nextTable();
    const sink = new PostgresSink(url, { table });
    await sink.open();
    await sink.write([{ n: 1 }]);
    const ended = await query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'arachne' AND position($1 in query) > 0`,
      [table],
    );
    expect(ended).toHaveLength(1);
    // Depending on when the client hears of it, this batch fails (and is rolled back) or gets a new connection.
    const during = await sink.write([{ n: 2 }]).then(
      () => 'written',
      (error: unknown) => (error instanceof StorageError ? 'rejected' : error),
    );
    await sink.write([{ n: 3 }]);
    await sink.close();
    const expected = during === 'written' ? [1, 2, 3] : [1, 3];
    expect(await readItems(table)).toEqual(expected.map((n) => ({ n })));
  });

  it('fails at open with a StorageError that does not show the password', async () => {
    const port = await freePort();
    const sink = new PostgresSink(`postgres://someone:s3cret@127.0.0.1:${port}/db?password=s3cret`);
    const failure = sink.open();
    await expect(failure).rejects.toThrow(
      `cannot write items to PostgreSQL table "items" at postgres://someone@127.0.0.1:${port}/db: connect ECONNREFUSED`,
    );
    await expect(failure).rejects.not.toThrow('s3cret');
    await expect(sink.write([{ a: 1 }])).rejects.toThrow(StorageError);
    await sink.close();
  });
});
