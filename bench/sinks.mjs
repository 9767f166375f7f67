// Items/s of the item sinks (`npm run build` first): batches of shop-like items written as a crawl writes them.
// node bench/sinks.mjs [sqlite,postgres,postgres-upsert,jsonl]   env: ITEMS (100000), BATCH (100), ARACHNE_POSTGRES_URL
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { JsonlSink, PostgresSink, SqliteSink } from '../dist/storage/index.js';

const itemCount = Number(process.env.ITEMS ?? 100_000);
const batchSize = Number(process.env.BATCH ?? 100);
const postgresUrl = process.env.ARACHNE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const chosen = (process.argv[2] ?? 'jsonl,sqlite,sqlite-upsert,postgres,postgres-upsert').split(
  ',',
);
const table = `arachne_bench_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'arachne-bench-sinks-'));

/** Shaped like the sample shop's product items. */
const item = (n) => ({
  url: `http://127.0.0.1:8080/products/${n}`,
  title: `Product ${n} — a fine thing`,
  price: Math.round(n * 137) / 100,
  sku: `SKU-${String(n).padStart(7, '0')}`,
});

const sinks = {
  jsonl: () => new JsonlSink(join(dir, 'items.jsonl')),
  sqlite: () => new SqliteSink(join(dir, 'items.db'), { table }),
  'sqlite-upsert': () => new SqliteSink(join(dir, 'upsert.db'), { table, upsertKey: 'sku' }),
  postgres: () => new PostgresSink(postgresUrl, { table }),
  'postgres-upsert': () => new PostgresSink(postgresUrl, { table: `${table}_u`, upsertKey: 'sku' }),
};

async function dropTables() {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS "${table}", "${table}_u"`);
  await client.end();
}

/** Each batch awaited before the next, as the crawler's item writer does: the latency of a batch counts. */
async function run(name) {
  const sink = sinks[name]();
  await sink.open();
  const started = process.hrtime.bigint();
  for (let first = 0; first < itemCount; first += batchSize) {
    const batch = [];
    for (let n = first; n < Math.min(first + batchSize, itemCount); n++) batch.push(item(n));
    await sink.write(batch);
  }
  await sink.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(itemCount / seconds);
  console.log(
    `${name.padEnd(16)} ${itemCount} items in batches of ${batchSize}: ${seconds.toFixed(2)} s, ${perSecond} items/s`,
  );
}

try {
  if (chosen.some((name) => name.startsWith('postgres'))) await dropTables();
  for (const name of chosen) {
    if (!sinks[name]) throw new Error(`unknown sink ${name}: use ${Object.keys(sinks).join(', ')}`);
    await run(name);
  }
  // The upsert runs again over the same keys: every row is an update now.
  for (const name of chosen.filter((one) => one.endsWith('-upsert'))) await run(name);
} finally {
  if (chosen.some((name) => name.startsWith('postgres'))) await dropTables();
  rmSync(dir, { recursive: true, force: true });
}
