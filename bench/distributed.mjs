// Shared crawls on Redis: throughput of 1, 2 and 4 worker processes on the same shop beside the same crawl in
// memory (one process, no Redis), the Redis round trips per page (counted in each worker by redis-round-trips.mjs),
// and Redis memory per queued and per seen URL. Then the same shop on eight hosts (127.0.0.1–8), crawled by two
// workers on the single Redis and on a Redis Cluster the bench starts (redis-cluster.mjs): pages/s, and per node the
// commands, CPU and memory. Run after `npm run build`: node bench/distributed.mjs   (needs Redis at
// ARACHNE_REDIS_URL, default redis://127.0.0.1:6379/0, and redis-server/redis-cli for the cluster; uses its own
// crawl ids and deletes them afterwards)
// Sizes: BENCH_DISTRIBUTED_PRODUCTS (20,000), BENCH_WORKERS (1,2,4), BENCH_CONCURRENCY (32, also per host),
// BENCH_REDIS_URLS (200,000 queued for the memory figures), BENCH_CLUSTER_MASTERS (3; 0 skips the cluster part).
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
const clusterMasters = Number(process.env.BENCH_CLUSTER_MASTERS ?? 3);

const { startShopServer } = await import('../dist/sample-shop/index.js');
const { connectRedis, crawlKeyPattern, crawlPrefix, deleteKeys, readCrawlStatus, RedisFrontier } =
  await import('../dist/distributed/index.js');
const { scanKeys } = await import('../dist/distributed/redis-connection.js');
const { createRequest } = await import('../dist/crawler/request.js');

const client = await connectRedis(redisUrl);

async function dropCrawl(id, on = client) {
  await deleteKeys(on, crawlKeyPattern(id));
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

if (clusterMasters > 0) results.cluster = await clusterRun();

/**
 * The shop on eight hosts, crawled by two workers on the single Redis, then on a cluster of `clusterMasters` masters:
 * a crawl's shards spread its hosts over the masters. Per node: commands and CPU seconds per 1,000 pages (from
 * Redis's own INFO), and memory at the end.
 */
async function clusterRun() {
  const { startRedisCluster } = await import('./redis-cluster.mjs');
  const hosts = 8;
  const shops = await Promise.all(
    Array.from({ length: hosts }, (_, i) =>
      startShopServer({
        seed: 1 + i,
        products: products / hosts,
        cache: 'all',
        host: `127.0.0.${i + 1}`,
      }),
    ),
  );
  const cluster = await startRedisCluster({ masters: clusterMasters });
  const out = { hosts, workers: 2, single: {}, cluster: { masters: clusterMasters, nodes: [] } };
  try {
    const starts = shops.flatMap((shop) => ['--start', `${shop.origin}/`]);
    const crawlOn = async (url, label) => {
      const crawlId = `bench-${label}-${Date.now()}`;
      const common = [spiderFile, ...starts, '--frontier', url, '--crawl-id', crawlId, ...flags];
      const started = performance.now();
      await Promise.all([run('crawl', common), run('worker', common)]);
      const seconds = (performance.now() - started) / 1000;
      const on = await connectRedis(url);
      const status = await readCrawlStatus(on, crawlPrefix(crawlId));
      return {
        crawlId,
        on,
        pages: status.stats.responses,
        items: status.items,
        shards: status.shards,
        seconds,
        pagesPerSecond: status.stats.responses / seconds,
      };
    };
    const nodeFigures = async (info) => {
      const i = await info();
      return {
        commands: i.total_commands_processed,
        cpu: i.used_cpu_sys + i.used_cpu_user,
        memory: i.used_memory,
      };
    };
    const singleInfo = async () => {
      const fields = {};
      for (const [, key, value] of (await client.info('everything')).matchAll(/^(\w+):(.*)\r?$/gm))
        fields[key] = Number(value);
      return fields;
    };
    {
      const before = await nodeFigures(singleInfo);
      const run1 = await crawlOn(redisUrl, 'single');
      const after = await nodeFigures(singleInfo);
      out.single = {
        pages: run1.pages,
        items: run1.items,
        pagesPerSecond: run1.pagesPerSecond,
        commandsPer1kPages: ((after.commands - before.commands) / run1.pages) * 1000,
        cpuSecondsPer1kPages: ((after.cpu - before.cpu) / run1.pages) * 1000,
      };
      await run1.on.quit();
      await dropCrawl(run1.crawlId);
      console.log(
        `${hosts} hosts, 2 workers, single Redis: ${run1.pages} pages, ${run1.pagesPerSecond.toFixed(0)} pages/s; Redis ${out.single.commandsPer1kPages.toFixed(0)} commands and ${out.single.cpuSecondsPer1kPages.toFixed(2)} CPU s per 1,000 pages`,
      );
    }
    const masters = (await cluster.nodes()).filter((node) => node.role === 'master');
    const before = await Promise.all(
      masters.map((node) => nodeFigures(() => cluster.info(node.port))),
    );
    const run2 = await crawlOn(cluster.url, 'cluster');
    const after = await Promise.all(
      masters.map((node) => nodeFigures(() => cluster.info(node.port))),
    );
    out.cluster.pages = run2.pages;
    out.cluster.items = run2.items;
    out.cluster.shards = run2.shards;
    out.cluster.pagesPerSecond = run2.pagesPerSecond;
    console.log(
      `${hosts} hosts, 2 workers, ${clusterMasters}-master cluster: ${run2.pages} pages, ${run2.pagesPerSecond.toFixed(0)} pages/s, ${run2.shards} shards`,
    );
    for (const [i, node] of masters.entries()) {
      const row = {
        port: node.port,
        commandsPer1kPages: ((after[i].commands - before[i].commands) / run2.pages) * 1000,
        cpuSecondsPer1kPages: ((after[i].cpu - before[i].cpu) / run2.pages) * 1000,
        memoryMB: after[i].memory / 2 ** 20,
      };
      out.cluster.nodes.push(row);
      console.log(
        `  master :${row.port}: ${row.commandsPer1kPages.toFixed(0)} commands and ${row.cpuSecondsPer1kPages.toFixed(2)} CPU s per 1,000 pages of the crawl, ${row.memoryMB.toFixed(1)} MB`,
      );
    }
    await dropCrawl(run2.crawlId, run2.on);
    await run2.on.quit();
  } finally {
    await cluster.close();
    await Promise.all(shops.map((shop) => shop.stop()));
  }
  return out;
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
for await (const keys of scanKeys(client, crawlKeyPattern(crawlId))) {
  for (const key of keys) {
    const bytes = Number(await client.memoryUsage(key));
    if (key.includes('}:seen:')) seenBytes += bytes;
    else queueBytes += bytes;
  }
}
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
