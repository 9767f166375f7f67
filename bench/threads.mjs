// `node bench/threads.mjs`: pages/s of a spider file with 1 and 2 (or BENCH_THREADS) handler threads on the
// sample shop, in-process (crawl(file)) and through the CLI, runs alternating; prints medians and the load average.
// Needs `npm run build` first. BENCH_PRODUCTS (default 2000), BENCH_RUNS (default 3), BENCH_MODE (in-process,cli).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { createCrawler } = await import(join(root, 'dist/index.js'));
const { loadSpider } = await import(join(root, 'dist/loader/load-spider.js'));
const { startShopServer } = await import(join(root, 'dist/sample-shop/index.js'));

const products = Number(process.env.BENCH_PRODUCTS ?? 2000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const threadList = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const modes = (process.env.BENCH_MODE ?? 'in-process,cli').split(',');
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);

const shop = await startShopServer({
  seed: 1,
  products,
  ...(process.env.BENCH_SHOP_MODE && { mode: process.env.BENCH_SHOP_MODE }),
});
const dir = mkdtempSync(join(os.tmpdir(), 'arachne-bench-threads-'));
const spiderFile = join(dir, 'shop.ts');
// examples/shop.ts, started at this shop.
writeFileSync(
  spiderFile,
  `import { defineSpider, type Page } from 'arachne';
function* follow(page: Page<'parse' | 'product'>) {
  for (const href of page.links()) yield page.follow(href, href.includes('/product/') ? 'product' : 'parse');
}
export default defineSpider({
  name: 'shop',
  start: ['${shop.origin}/'],
  *parse(page) { yield* follow(page); },
  *product(page) {
    yield { url: page.url, title: page.text('h1.product-title'), price: Number(page.text('.price').replace(/[^0-9.]/g, '')), sku: page.text('.sku') };
    yield* follow(page);
  },
});
`,
);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Pages/s from crawl:opened (the threads have loaded the spider) to the end; the wall time with start-up too. */
async function inProcess(threads) {
  const started = performance.now();
  const spider = await loadSpider(spiderFile);
  const crawler = createCrawler(spider, {
    logLevel: 'silent',
    threads,
    concurrency,
    overwriteOutput: join(dir, `in-${threads}.jsonl`),
  });
  let opened = started;
  crawler.on('crawl:opened', () => (opened = performance.now()));
  const stats = await crawler.run();
  const ended = performance.now();
  return {
    pps: stats.responses / ((ended - opened) / 1000),
    wall: stats.responses / ((ended - started) / 1000),
    startMs: opened - started,
  };
}

function cli(threads) {
  const statsFile = join(dir, `stats-${threads}.json`);
  const started = performance.now();
  execFileSync(
    process.execPath,
    [
      join(root, 'bin/arachne.js'),
      'crawl',
      spiderFile,
      '--threads',
      String(threads),
      '--concurrency',
      String(concurrency),
      '-O',
      join(dir, `cli-${threads}.jsonl`),
      '--no-progress',
      '--log-level',
      'warn',
      '--stats',
      statsFile,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const elapsed = (performance.now() - started) / 1000;
  const stats = JSON.parse(execFileSync('cat', [statsFile], { encoding: 'utf8' }));
  return { pps: stats.responses / elapsed, wall: stats.responses / elapsed, startMs: 0 };
}

console.log(
  `shop: ${products} products; cores: ${os.availableParallelism()}; load before: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
for (const mode of modes) {
  const figures = new Map(threadList.map((threads) => [threads, []]));
  for (let run = 0; run < runs; run++) {
    for (const threads of threadList) {
      const figure = mode === 'cli' ? cli(threads) : await inProcess(threads);
      figures.get(threads).push(figure);
      console.log(
        `${mode} threads=${threads} run ${run + 1}: ${figure.pps.toFixed(0)} pages/s crawling, ${figure.wall.toFixed(0)} with start-up (${figure.startMs.toFixed(0)} ms) (load ${os.loadavg()[0].toFixed(2)})`,
      );
    }
  }
  const base = median(figures.get(threadList[0]).map((f) => f.pps));
  for (const [threads, values] of figures) {
    const m = median(values.map((f) => f.pps));
    const wall = median(values.map((f) => f.wall));
    console.log(
      `${mode} threads=${threads}: median ${m.toFixed(0)} pages/s (${(m / base).toFixed(2)}×), with start-up ${wall.toFixed(0)}; runs ${values.map((f) => f.pps.toFixed(0)).join(', ')}`,
    );
  }
}
console.log(
  `load after: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
await shop.stop();
