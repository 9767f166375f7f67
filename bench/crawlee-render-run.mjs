// One Crawlee run over the rendered or mixed sample shop, measured with its browser processes (child-metrics
// `tree`). CRAWLEE_BENCH_VARIANT: playwright (PlaywrightCrawler), jsdom (JSDOMCrawler, runScripts: true) or
// adaptive (AdaptivePlaywrightCrawler with a result checker). Same extraction and link following as
// arachne-render-run.mjs; robots.txt obeyed; storage in memory.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  AdaptivePlaywrightCrawler,
  Configuration,
  JSDOMCrawler,
  LogLevel,
  log,
  PlaywrightCrawler,
} from 'crawlee';
import { chromium } from 'playwright';
import { report, runArguments, startMeter } from './child-metrics.mjs';

const { origin, concurrency } = runArguments();
const variant = process.env.CRAWLEE_BENCH_VARIANT ?? 'playwright';
log.setLevel(LogLevel.WARNING);
const config = new Configuration({ persistStorage: false, purgeOnStart: true });

// The same Debian Chromium Arachne's browser rung launches (run.mjs sets BENCH_CHROMIUM); nothing is downloaded.
const launchContext = {
  launcher: chromium,
  launchOptions: {
    executablePath: process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  },
};
const common = {
  minConcurrency: concurrency,
  maxConcurrency: concurrency,
  respectRobotsTxtFile: true,
  requestHandlerTimeoutSecs: 60,
};
const isProduct = (url) => new URL(url).pathname.startsWith('/product/');
let items = 0;

/** jsdom has no window.fetch, and the shop's page script calls it: give each window one over jsdom's own XHR. */
function installJsdomFetch() {
  const require = createRequire(
    join(import.meta.dirname, 'node_modules', 'crawlee', 'package.json'),
  );
  const jsdom = require('jsdom');
  const Original = jsdom.JSDOM;
  // JSDOMCrawler reads `jsdom.JSDOM` at every page, so a subclass set here is the one it constructs.
  jsdom.JSDOM = class extends Original {
    constructor(html, options = {}) {
      super(html, {
        ...options,
        beforeParse(window) {
          window.fetch = (url) =>
            new Promise((resolve, reject) => {
              const xhr = new window.XMLHttpRequest();
              xhr.open('GET', String(url));
              xhr.onload = () =>
                resolve({
                  ok: xhr.status >= 200 && xhr.status < 300,
                  status: xhr.status,
                  json: async () => JSON.parse(xhr.responseText),
                  text: async () => xhr.responseText,
                });
              xhr.onerror = () => reject(new window.TypeError('Failed to fetch'));
              xhr.send();
            });
          options.beforeParse?.(window);
        },
      });
    }
  };
}

let crawler;
if (variant === 'playwright') {
  crawler = new PlaywrightCrawler(
    {
      ...common,
      launchContext,
      async requestHandler({ request, page, enqueueLinks, pushData }) {
        // As Arachne's waitFor: the rendered page appends everything, footer last.
        await page.waitForSelector('.site-footer');
        const url = request.loadedUrl ?? request.url;
        if (isProduct(url)) {
          items++;
          await pushData({
            url,
            title: await page.textContent('h1.product-title'),
            price: await page.textContent('.price'),
            sku: await page.textContent('.sku'),
          });
        }
        await enqueueLinks();
      },
    },
    config,
  );
} else if (variant === 'jsdom') {
  installJsdomFetch();
  crawler = new JSDOMCrawler(
    {
      ...common,
      runScripts: true,
      hideInternalConsole: true,
      async requestHandler({ request, window, enqueueLinks, pushData }) {
        // The script's fetch settles after the load event JSDOMCrawler waits for. Polling the live DOM every
        // 10 ms is cheaper than the context's waitForSelector (it re-parses the serialized page every 50 ms).
        const deadline = Date.now() + 10_000;
        while (!window.document.querySelector('.site-footer')) {
          if (Date.now() > deadline) throw new Error('.site-footer did not appear');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const url = request.loadedUrl ?? request.url;
        if (isProduct(url)) {
          items++;
          const text = (selector) => window.document.querySelector(selector)?.textContent;
          await pushData({
            url,
            title: text('h1.product-title'),
            price: text('.price'),
            sku: text('.sku'),
          });
        }
        await enqueueLinks();
      },
    },
    config,
  );
} else if (variant === 'adaptive') {
  crawler = new AdaptivePlaywrightCrawler(
    {
      ...common,
      launchContext,
      // Its default (0.1) as documented; the checker is what makes the crawl finish: with the default detector an
      // empty HTTP listing (no item, no link) counts as "the same" as the rendered one and the crawl stops early.
      renderingTypeDetectionRatio: 0.1,
      resultChecker: (result) =>
        result.datasetItems.length > 0
          ? Boolean(result.datasetItems[0].item.title)
          : result.enqueuedUrls.length > 0,
      async requestHandler({ request, waitForSelector, querySelector, enqueueLinks, pushData }) {
        // In HTTP mode this throws on a skeleton page, and Crawlee retries the page in the browser.
        await waitForSelector('.site-footer');
        const url = request.loadedUrl ?? request.url;
        if (isProduct(url)) {
          items++;
          await pushData({
            url,
            title: (await querySelector('h1.product-title')).text(),
            price: (await querySelector('.price')).text(),
            sku: (await querySelector('.sku')).text(),
          });
        }
        await enqueueLinks();
      },
    },
    config,
  );
} else {
  throw new Error(`unknown CRAWLEE_BENCH_VARIANT ${variant}`);
}

const meter = startMeter({ tree: true });
const stats = await crawler.run([`${origin}/`]);
const measured = meter.stop();
const { items: data } = await crawler.getData({ limit: 1_000_000 });
report({
  crawler: `crawlee-${variant}`,
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
