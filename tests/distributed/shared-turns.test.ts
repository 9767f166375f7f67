// A host's Crawl-delay holds across the workers of a shared crawl from its very first requests: requests leased by
// two workers before robots.txt was read still leave one Crawl-delay apart, because each turn is booked in Redis.
import { afterAll, describe, expect, it } from 'vitest';
import { createCrawler, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { connect, dropCrawl, newCrawlId, redisUp, redisUrl } from './redis-helpers.js';

const crawls: string[] = [];

afterAll(async () => {
  if (crawls.length === 0) return;
  const client = await connect();
  for (const crawlId of crawls) await dropCrawl(client, crawlId);
  await client.quit();
});

/** Milliseconds between the arrivals of the pages (robots.txt left out). */
const gaps = (requests: readonly { path: string; at: number }[]) => {
  const at = requests.filter((request) => request.path !== '/robots.txt').map((r) => r.at);
  return at.slice(1).map((time, index) => time - (at[index] ?? time));
};

describe.skipIf(!redisUp)('a Crawl-delay in a shared crawl', () => {
  it("holds across two workers for a host's first requests, leased before its robots.txt was read", async () => {
    const paths = ['/1', '/2', '/3', '/4', '/5', '/6'];
    const site = await startLocalServer({
      ...Object.fromEntries(paths.map((path) => [path, `<h1>${path}</h1>`])),
      // Answered late, so both workers have leased their share of the start URLs before either reads it.
      '/robots.txt': (_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('User-agent: *\nCrawl-delay: 1\n');
        }, 200);
      },
    });
    const crawlId = newCrawlId();
    crawls.push(crawlId);
    const spider = defineSpider({
      name: 'shared-turns',
      start: paths.map((path) => `${site.origin}${path}`),
      parse: (page) => ({ url: page.url }),
    });
    const worker = () =>
      createCrawler(spider, {
        logLevel: 'silent',
        frontier: redisUrl,
        crawlId,
        // Three at a time each: neither worker can lease all six, so both send first requests.
        concurrency: 3,
        perHost: 6,
      }).run();

    const [first, second] = await Promise.all([worker(), worker()]);

    expect(first.items + second.items).toBe(6);
    // Both workers took part: otherwise one worker's local turns would be enough to pass.
    expect(first.items).toBeGreaterThan(0);
    expect(second.items).toBeGreaterThan(0);
    const pages = site.paths.filter((path) => path !== '/robots.txt');
    expect(pages.sort()).toEqual(paths);
    // One Crawl-delay between any two pages, whichever worker sent them (a few ms of slack for the server's clock).
    expect(gaps(site.requests).filter((gap) => gap < 950)).toEqual([]);
  }, 30_000);
});
