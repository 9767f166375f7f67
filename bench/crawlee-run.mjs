// One Crawlee run (CheerioCrawler, in-memory storage, robots.txt obeyed) over the sample shop, measured in-process.
import { CheerioCrawler, Configuration, LogLevel, log } from 'crawlee';
import { report, runArguments, startMeter } from './child-metrics.mjs';

const { origin, concurrency } = runArguments();
log.setLevel(LogLevel.WARNING);

// Storage stays in memory: nothing is written to ./storage, so disk I/O is not part of the comparison.
const config = new Configuration({ persistStorage: false, purgeOnStart: true });
let items = 0;
const crawler = new CheerioCrawler(
  {
    // Autoscaling would start at 1 and ramp up; pinning min = max gives Crawlee the same fixed concurrency as Arachne.
    minConcurrency: concurrency,
    maxConcurrency: concurrency,
    respectRobotsTxtFile: true,
    async requestHandler({ request, $, enqueueLinks, pushData }) {
      const url = request.loadedUrl ?? request.url;
      if (new URL(url).pathname.startsWith('/product/')) {
        items++;
        await pushData({
          url,
          title: $('h1.product-title').text(),
          price: $('.price').text(),
          sku: $('.sku').text(),
        });
      }
      // Default strategy 'same-hostname', selector 'a'; robots.txt filtering applies to enqueued links.
      await enqueueLinks();
    },
  },
  config,
);

const meter = startMeter();
const stats = await crawler.run([`${origin}/`]);
const measured = meter.stop();
const { items: data } = await crawler.getData({ limit: 1_000_000 });
report({
  crawler: 'crawlee',
  pages: stats.requestsFinished,
  failed: stats.requestsFailed,
  items,
  ...measured,
  extracted: data.map((item) => ({
    url: item.url,
    title: item.title,
    price: item.price,
    sku: item.sku,
  })),
});
