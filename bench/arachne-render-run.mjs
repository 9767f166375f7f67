// One Arachne run over the rendered or mixed sample shop, measured with its browser processes
// (child-metrics `tree`). ARACHNE_BENCH_FETCH picks the rung: browser, script or adaptive. Same extraction and
// link following as crawlee-render-run.mjs and arachne-run.mjs.
import { crawl, defineSpider } from '../dist/index.js';
import { report, runArguments, startMeter } from './child-metrics.mjs';

const { origin, concurrency } = runArguments();
const fetch = process.env.ARACHNE_BENCH_FETCH ?? 'browser';
const extracted = [];
const memorySink = {
  async open() {},
  async write(batch) {
    for (const item of batch) extracted.push(item);
  },
  async flush() {},
  async close() {},
};

// Two handlers, as examples/shop.ts: product pages and the rest (home, categories, info) are built differently
// on the mixed shop, and the ladder learns one rung per host and handler.
function* follow(page) {
  for (const href of page.links()) {
    yield page.follow(href, href.includes('/product/') ? 'product' : 'parse');
  }
}
const spider = defineSpider({
  name: 'bench-render',
  start: [`${origin}/`],
  fetch,
  // Rendered pages append everything, footer last, once their JSON arrives.
  waitFor: '.site-footer',
  *parse(page) {
    yield* follow(page);
  },
  *product(page) {
    yield {
      url: page.url,
      title: page.text('h1.product-title'),
      price: page.text('.price'),
      sku: page.text('.sku'),
    };
    yield* follow(page);
  },
});

const meter = startMeter({ tree: true });
const stats = await crawl(spider, {
  concurrency,
  perHost: concurrency,
  // As many tabs as Crawlee's PlaywrightCrawler gets (one page per concurrency slot), unless the bench says otherwise.
  browserConcurrency: Number(process.env.ARACHNE_BENCH_BROWSER_CONCURRENCY ?? concurrency),
  logLevel: 'warn',
  output: memorySink,
  ...(process.env.BENCH_CHROMIUM && { browserPath: process.env.BENCH_CHROMIUM }),
  // The ladder's share of re-checked pages (default 0.05), for measuring what the re-checks cost.
  ...(process.env.ARACHNE_BENCH_RECHECK && {
    adaptiveRecheck: Number(process.env.ARACHNE_BENCH_RECHECK),
  }),
  // Any other crawl options, as JSON, for diagnostic runs (e.g. '{"browserRecycleAfter":50}').
  ...JSON.parse(process.env.ARACHNE_BENCH_OPTIONS ?? '{}'),
});
const measured = meter.stop();
report({
  crawler: `arachne-${fetch}`,
  pages: stats.responses,
  failed: stats.failed,
  items: stats.items,
  pagesByRung: stats.pagesByRung,
  comparisonFetches: stats.comparisonFetches,
  ladder: stats.ladder,
  ...measured,
  extracted,
});
