/**
 * A page with very many links (issue 10 §6): extraction and `follow()` cost linear in the page, the links-per-page
 * budget cuts the scan short, and a crawl busy with such a page still honours an abort. Times are compared as
 * ratios between two sizes of the same work, never against a fixed number, so a loaded machine does not fail them.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { Response } from '../../src/http/response.js';
import { crawl, createRequest, defineSpider, Page } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { within } from '../helpers/wait.js';

const origin = 'http://127.0.0.1:9';

/** ~28 bytes of markup per link: 200,000 links make a 5.7 MB page, as in the report. */
function bigPage(links: number): string {
  const parts = ['<html><head><title>big</title></head><body>'];
  for (let i = 0; i < links; i++) parts.push(`<a href="/item/${i}">x</a>\n`);
  parts.push('</body></html>');
  return parts.join('');
}

function pageOf(html: string, linkBudget?: number): Page {
  const start = createRequest(`${origin}/`);
  const response = new Response({
    url: `${origin}/`,
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: Buffer.from(html),
    request: start,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
  });
  return new Page(start, response, linkBudget);
}

/** The fastest of `runs` timings of `work` on a fresh page (the decoded body is cached per page, so each run pays it). */
function fastest(html: string, work: (page: Page) => void, runs = 3, linkBudget?: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const page = pageOf(html, linkBudget);
    const started = performance.now();
    work(page);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const followAll = (page: Page) => {
  for (const link of page.links()) page.follow(link);
};

describe('a page with very many links', () => {
  const small = bigPage(20_000);
  const large = bigPage(200_000);

  it('links() and follow() over 200,000 links cost about 10× what 20,000 cost (linear, not links × page size)', () => {
    expect(large.length).toBeGreaterThan(5_000_000);
    const page = pageOf(large);
    followAll(page);
    expect(page.links()).toHaveLength(200_000);
    const ratio = fastest(large, followAll) / fastest(small, followAll);
    // Linear is 10×; links × page size would be 100×. Garbage collection on a loaded machine stretches the larger
    // run (ratios up to ~33 were seen on a 2-core machine running the suite), so the bound sits between the two.
    expect(ratio).toBeLessThan(50);
  });

  it('stops scanning at the links-per-page budget: a 6000-link budget on 200,000 links costs a fraction of the page', () => {
    const page = pageOf(large, 6000);
    // One past the budget, so the engine still sees (and reports) that the page went over it.
    expect(page.links()).toHaveLength(6001);
    expect(page.links()[6000]).toBe(`${origin}/item/6000`);
    const budgeted = fastest(large, followAll, 3, 6000);
    const whole = fastest(large, followAll, 3);
    expect(budgeted).toBeLessThan(whole / 5);
  });

  it('honours an abort promptly while a handler follows 200,000 links of one page', async () => {
    const html = large;
    const controller = new AbortController();
    const site = await startLocalServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(html);
        // Aborted while the crawler decodes and works through the page.
        res.on('finish', () => setImmediate(() => controller.abort()));
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<p>leaf</p>');
      }
    });
    const spider = defineSpider({
      name: 'big',
      start: `${site.origin}/`,
      *parse(page) {
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const aborted = new Promise<number>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve(performance.now()), {
        once: true,
      }),
    );
    const run = crawl(spider, {
      logLevel: 'silent',
      signal: controller.signal,
      graceMs: 200,
      robots: false,
      traps: { maxLinksPerPage: 1_000_000 },
    });
    await within(run, 30_000, 'the aborted crawl to end');
    const stoppedAfter = performance.now() - (await aborted);
    // The grace period plus flushing: seconds at most (up to ~6 s on a 2-core machine running the suite), where the
    // report saw minutes with Ctrl-C ignored.
    expect(stoppedAfter).toBeLessThan(10_000);
  }, 60_000);
});
