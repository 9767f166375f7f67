// One Arachne run over the sample shop, measured in-process; same extraction and link following as crawlee-run.mjs.
import { crawl, defineSpider } from '../dist/index.js';
import { report, runArguments, startMeter } from './child-metrics.mjs';

const { origin, concurrency } = runArguments();

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

const meter = startMeter();
// perHost = concurrency: Crawlee has no per-host cap, and the whole shop is one host.
const stats = await crawl(spider, {
  concurrency,
  perHost: concurrency,
  logLevel: 'warn',
  output: memorySink,
});
const measured = meter.stop();
report({
  crawler: 'arachne',
  pages: stats.responses,
  failed: stats.failed,
  items: stats.items,
  ...measured,
  extracted,
});
