// The browser's memory over a long crawl with context recycling (every 100 pages) and reused tabs: the summed PSS
// of Chromium's processes near the end stays within a bound of what it was a quarter of the way in. Each context's tabs (and
// their renderers) close with it; within a context a tab's renderer is reused, its old pages not kept (no
// back-forward cache). See docs/browser.md, Memory.
import type { ServerResponse } from 'node:http';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserRss } from '../../src/browser/memory.js';
import { createCrawler, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { chromiumPath, chromiumUp } from './fixtures.js';

const up = await chromiumUp();
// 200 pages in `npm test` (a context replaced at page 100, between the two readings); `npm run test:soak` (and CI) runs 1,000, the figure docs/browser.md reports.
const PAGES = Number(process.env.ARACHNE_BROWSER_MEMORY_PAGES ?? 200);
const MB = 1024 * 1024;
// Both 50 pages into a context (one is replaced every 100 pages), away from the crawl's start and end.
const FIRST = Math.floor(PAGES / 400) * 100 + 50;
const LAST = PAGES - 50;

/** A small page whose script builds its content and keeps some data, as a real page's scripts do. */
const page = (id: number) => `<!doctype html><html><body><h1 id="t"></h1><ul id="l"></ul><script>
window.data = Array.from({ length: 2000 }, (_, i) => ({ i, s: 'x' + i }));
document.getElementById('t').textContent = 'page-${id}';
for (let i = 0; i < 50; i++) document.getElementById('l').insertAdjacentHTML('beforeend', '<li>' + i + '</li>');
</script></body></html>`;

describe.skipIf(!up)(`the browser over ${PAGES} pages`, () => {
  it('keeps its memory bounded by recycling contexts', async () => {
    const site = await startLocalServer((req, res: ServerResponse) => {
      const id = Number(/^\/p\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
      if (Number.isNaN(id)) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end(page(id));
    });
    let browser: Browser | undefined;
    const samples = new Map<number, Promise<number | undefined>>();
    let scraped = 0;
    const sink = memorySink();
    const spider = defineSpider({
      name: 'thousand',
      start: Array.from({ length: PAGES }, (_, i) => `${site.origin}/p/${i}`),
      fetch: 'browser',
      parse(page) {
        // Taken once: a tab the handler takes through page.browser is closed after, not reused.
        if (!browser) browser = page.browser?.context().browser() ?? undefined;
        return { title: page.text('#t') };
      },
    });
    const started = performance.now();
    const stats = await createCrawler(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
      concurrency: 4,
      perHost: 4,
      browserConcurrency: 4,
      browserRecycleAfter: 100,
    })
      .on('item:scraped', () => {
        scraped++;
        // Measured while the crawl runs (the browser closes at its end).
        if ((scraped === FIRST || scraped === LAST) && browser) {
          samples.set(scraped, browserRss(browser));
        }
      })
      .run();
    const seconds = (performance.now() - started) / 1000;
    const atFirst = await samples.get(FIRST);
    const atLast = await samples.get(LAST);
    console.log(
      `${PAGES} rendered pages in ${seconds.toFixed(1)} s; browser memory (PSS sum) ${((atFirst ?? 0) / MB).toFixed(0)} MB at ${FIRST} pages, ${((atLast ?? 0) / MB).toFixed(0)} MB at ${LAST}`,
    );
    expect(stats.failed).toBe(0);
    expect(new Set(sink.items.map((item) => item.title)).size).toBe(PAGES);
    expect(atFirst).toBeGreaterThan(20 * MB); // a real measurement of a real browser
    // Bounded: several times the pages, at most 50% more memory.
    expect(atLast).toBeLessThan((atFirst ?? 0) * 1.5);
  }, 300_000);
});
