// One Arachne run over the sample shop, measured in-process; same extraction and link following as crawlee-run.mjs.
// ARACHNE_BENCH_VARIANT picks where items go: memory (default, like Crawlee's in-memory Dataset), jsonl (a file),
// postgres (the PostgreSQL sink), or state (a resumable crawl: SQLite frontier and items, exported to memory).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { crawl, defineSpider } from '../dist/index.js';
import { report, runArguments, startMeter } from './child-metrics.mjs';

const { origin, concurrency } = runArguments();
const variant = process.env.ARACHNE_BENCH_VARIANT ?? 'memory';
const postgresUrl = process.env.ARACHNE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const scratch = mkdtempSync(join(os.tmpdir(), 'arachne-bench-run-'));

// Items are kept in memory, as Crawlee's in-memory Dataset keeps them, so both runs hold the same data.
const extracted = [];
const memorySink = {
  async open() {},
  async write(batch) {
    for (const item of batch) extracted.push(item);
  },
  async flush() {},
  async close() {},
};

const spider = defineSpider({
  name: 'bench-shop',
  start: [`${origin}/`],
  async *parse(page) {
    if (new URL(page.url).pathname.startsWith('/product/')) {
      yield {
        url: page.url,
        title: page.text('h1.product-title'),
        price: page.text('.price'),
        sku: page.text('.sku'),
      };
    }
    for (const href of page.links()) yield page.follow(href);
  },
});

const table = `bench_items_${process.pid}`;
const outputs = {
  memory: { output: memorySink },
  jsonl: { output: join(scratch, 'items.jsonl') },
  postgres: { output: `${postgresUrl}?table=${table}` },
  state: { output: memorySink, state: join(scratch, 'state.db') },
};

const meter = startMeter();
// perHost = concurrency: Crawlee has no per-host cap, and the whole shop is one host.
const stats = await crawl(spider, {
  concurrency,
  perHost: concurrency,
  logLevel: 'warn',
  ...outputs[variant],
});
const measured = meter.stop();
if (variant === 'jsonl') {
  for (const line of readFileSync(outputs.jsonl.output, 'utf8').split('\n'))
    if (line) extracted.push(JSON.parse(line));
}
if (variant === 'postgres') {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const { rows } = await client.query(`SELECT url, title, price, sku FROM ${table}`);
  extracted.push(...rows);
  await client.query(`DROP TABLE ${table}`);
  await client.end();
}
rmSync(scratch, { recursive: true, force: true });
report({
  crawler: variant === 'memory' ? 'arachne' : `arachne-${variant}`,
  pages: stats.responses,
  failed: stats.failed,
  items: stats.items,
  ...measured,
  extracted,
});
