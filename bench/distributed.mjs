// Shared crawls on Redis: throughput of 1, 2 and 4 worker processes on the same shop beside the same crawl in
// memory (one process, no Redis), the Redis round trips per page (counted in each worker by redis-round-trips.mjs),
// and Redis memory per queued and per seen URL. Run after `npm run build`: node bench/distributed.mjs   (needs Redis at
// ARACHNE_REDIS_URL, default redis://127.0.0.1:6379/0; uses its own crawl ids and deletes them afterwards)
// Sizes: BENCH_DISTRIBUTED_PRODUCTS (20,000), BENCH_WORKERS (1,2,4), BENCH_CONCURRENCY (32, also per host),
// BENCH_REDIS_URLS (200,000 queued for the memory figures).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const bin = join(benchDir, '..', 'bin', 'arachne.js');
const redisUrl = process.env.ARACHNE_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const products = Number(process.env.BENCH_DISTRIBUTED_PRODUCTS ?? 20_000);
const workerCounts = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const memoryUrls = Number(process.env.BENCH_REDIS_URLS ?? 200_000);
const concurrency = process.env.BENCH_CONCURRENCY ?? '32';
const roundTripCounter = join(benchDir, 'redis-round-trips.mjs');

const { startShopServer } = await import('../dist/sample-shop/index.js');
const { connectRedis, crawlPrefix, readCrawlStatus, RedisFrontier } = await import(
  '../dist/distributed/index.js'
);
const { createRequest } = await import('../dist/crawler/request.js');

const client = await connectRedis(redisUrl);

async function dropCrawl(id) {
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: `${crawlPrefix(id)}*`, COUNT: 1000 });
    cursor = String(reply.cursor);
    if (reply.keys.length > 0) await client.del(reply.keys);
  } while (cursor !== '0');
}

/** Round trips (script calls, transactions, plain commands) and all commands run, including those inside scripts. */
async function totalCommands() {
  const info = await client.info('commandstats');
  let scripts = 0;
  let all = 0;
  for (const [, name, calls] of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) {
    all += Number(calls);
    if (name === 'evalsha' || name === 'eval') scripts += Number(calls);
  }
  return { scripts, all };
}

/** Runs the CLI; with `roundTrips` (a directory) the worker counts its Redis round trips there. */
function run(command, args, roundTrips) {
  return new Promise((resolve, reject) => {
    const preload = roundTrips ? ['--import', roundTripCounter] : [];
    const child = spawn(process.execPath, [...preload, bin, command, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: roundTrips ? { ...process.env, ARACHNE_BENCH_ROUND_TRIPS: roundTrips } : process.env,
    });
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} exited ${code}: ${errors.slice(-400)}`)),
    );
  });
}

/** Round trips the workers counted (see redis-round-trips.mjs), summed over the processes. */
function countedRoundTrips(dir) {
  let total = 0;
  for (const file of readdirSync(dir)) {
    const { commands, batches } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    total += commands + batches;
  }
  return total;
}

const results = { products, local: {}, throughput: [], memory: {} };
const shop = await startShopServer({ seed: 1, products, cache: 'all' });
const spiderFile = join(benchDir, '..', 'examples', 'shop.ts');
const flags = [
  '--concurrency',
  concurrency,
  '--per-host',
  concurrency,
  '--no-progress',
  '--log-level',
  'error',
];
try {
  // The same crawl in one process with the in-memory frontier: what a worker on Redis is measured against.
  {
    const started = performance.now();
    await run('crawl', [spiderFile, '--start', `${shop.origin}/`, ...flags]);
    const seconds = (performance.now() - started) / 1000;
    const pages = (await shop.stats()).requests;
    results.local = { pages, seconds, pagesPerSecond: pages / seconds };
    console.log(
      `local (memory frontier): ${pages} pages in ${seconds.toFixed(1)} s = ${results.local.pagesPerSecond.toFixed(0)} pages/s`,
    );
  }
  for (const workers of workerCounts) {
    const crawlId = `bench-${workers}w-${Date.now()}`;
    const common = [
      spiderFile,
      '--start',
      `${shop.origin}/`,
      '--frontier',
      redisUrl,
      '--crawl-id',
      crawlId,
    ];
    const roundTrips = mkdtempSync(join(tmpdir(), 'arachne-round-trips-'));
    const commandsBefore = await totalCommands();
    const started = performance.now();
    await Promise.all([
      run('crawl', [...common, ...flags], roundTrips),
      ...Array.from({ length: workers - 1 }, () =>
        run('worker', [...common, ...flags], roundTrips),
      ),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const status = await readCrawlStatus(client, crawlPrefix(crawlId));
    const after = await totalCommands();
    const row = {
      workers,
      pages: status.stats.responses,
      seconds,
      pagesPerSecond: status.stats.responses / seconds,
      items: status.items,
      retries: status.stats.retries,
      reclaimed: status.reclaimed,
      ofLocal: status.stats.responses / seconds / results.local.pagesPerSecond,
      roundTripsPerPage: countedRoundTrips(roundTrips) / status.stats.responses,
      scriptCallsPerPage: (after.scripts - commandsBefore.scripts) / status.stats.responses,
      redisCommandsPerPage: (after.all - commandsBefore.all) / status.stats.responses,
    };
    results.throughput.push(row);
    console.log(
      `${workers} worker(s): ${row.pages} pages in ${seconds.toFixed(1)} s = ${row.pagesPerSecond.toFixed(0)} pages/s ` +
        `(${(row.ofLocal * 100).toFixed(0)} % of local), ${row.roundTripsPerPage.toFixed(2)} round trips, ` +
        `${row.scriptCallsPerPage.toFixed(2)} script calls and ${row.redisCommandsPerPage.toFixed(0)} Redis commands per page (${row.items} items, ${row.retries} retries, ${row.reclaimed} leases reclaimed)`,
    );
    rmSync(roundTrips, { recursive: true, force: true });
    await dropCrawl(crawlId);
  }
} finally {
  await shop.stop();
}

// Redis memory: queue N synthetic URLs (on 1,000 hosts) without consuming them, then count what the keys take.
// The seen set is bucketed so each bucket stays a compact intset (Redis keeps up to 512 integers that way); the
// bench sizes the buckets for N as the default 2^16 buckets are sized for ~30 million URLs.
const crawlId = `bench-memory-${Date.now()}`;
const seenBucketBits = Math.max(1, Math.round(Math.log2(memoryUrls / 400)));
const frontier = new RedisFrontier(client, { crawlId, seenBucketBits });
for (let i = 0; i < memoryUrls; i += 5000) {
  const batch = [];
  for (let j = i; j < Math.min(memoryUrls, i + 5000); j++) {
    batch.push(
      createRequest(`https://shop-${j % 1000}.example/category/item-${j}/page-${j % 13}.html`),
    );
  }
  await frontier.add(batch);
}
let seenBytes = 0;
let queueBytes = 0;
let cursor = '0';
do {
  const reply = await client.scan(cursor, { MATCH: `${crawlPrefix(crawlId)}*`, COUNT: 1000 });
  cursor = String(reply.cursor);
  for (const key of reply.keys) {
    const bytes = Number(await client.memoryUsage(key));
    if (key.includes('}:seen:')) seenBytes += bytes;
    else queueBytes += bytes;
  }
} while (cursor !== '0');
results.memory = {
  urls: memoryUrls,
  seenBuckets: 2 ** seenBucketBits,
  seenBytesPerUrl: seenBytes / memoryUrls,
  queuedBytesPerUrl: queueBytes / memoryUrls,
};
console.log(
  `Redis memory at ${memoryUrls.toLocaleString('en')} queued URLs: seen set ${results.memory.seenBytesPerUrl.toFixed(1)} B/URL, queues ${results.memory.queuedBytesPerUrl.toFixed(0)} B/URL`,
);
await frontier.close();
await dropCrawl(crawlId);
await client.quit();
mkdirSync(join(benchDir, 'out'), { recursive: true });
writeFileSync(join(benchDir, 'out', 'distributed.json'), `${JSON.stringify(results, null, 2)}\n`);
