// robots.txt Crawl-delay in a crawl: obeyed between a host's requests, and capped by maxCrawlDelayMs with a warning.
import { describe, expect, it } from 'vitest';
import { createCrawler, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

const pages = {
  '/': '<a href="/a">a</a> <a href="/b">b</a>',
  '/a': '<h1>a</h1>',
  '/b': '<h1>b</h1>',
};

const follow = (start: string) =>
  defineSpider({
    name: 'delayed',
    start,
    *parse(page) {
      yield { url: page.url };
      for (const href of page.select('a').attrs('href')) yield page.follow(href);
    },
  });

/** Milliseconds between the arrivals of the pages (robots.txt left out). */
const gaps = (requests: readonly { path: string; at: number }[]) => {
  const at = requests.filter((request) => request.path !== '/robots.txt').map((r) => r.at);
  return at.slice(1).map((time, index) => time - (at[index] ?? time));
};

/**
 * Checks the pages arrived at least `min` ms apart on average: one request reaching a busy server late shortens
 * the gap after it by as much as it lengthens the one before (200 ms was seen), so single gaps are not compared.
 */
const expectSpread = (requests: readonly { path: string; at: number }[], min: number) => {
  const spaced = gaps(requests);
  expect(spaced.length).toBeGreaterThan(1);
  expect(spaced.reduce((sum, gap) => sum + gap, 0)).toBeGreaterThanOrEqual(spaced.length * min);
};

describe('a Crawl-delay', () => {
  it('over maxCrawlDelayMs is lowered to the cap, with a warning naming the host', async () => {
    const site = await startLocalServer({
      ...pages,
      '/robots.txt': 'User-agent: *\nCrawl-delay: 86400\n',
    });
    const warnings: string[] = [];
    const stats = await createCrawler(follow(`${site.origin}/`), {
      logLevel: 'silent',
      maxCrawlDelayMs: 250,
      concurrency: 4,
      perHost: 4,
    })
      .on('crawl:warning', ({ message }) => warnings.push(message))
      .run();
    expect(stats.items).toBe(3);
    expect(warnings).toEqual([
      `robots.txt of ${new URL(site.origin).hostname} asks a Crawl-delay of 86400 s; using the cap of 0.25 s (maxCrawlDelayMs)`,
    ]);
    // The cap is still a delay: the pages left 250 ms apart (a few milliseconds apart without one). Measured at the
    // server, so the time from a request's turn to its arrival (a first connection, a busy machine) blurs it.
    expectSpread(site.requests, 150);
  });

  it('under the cap is obeyed as written, without a warning', async () => {
    const site = await startLocalServer({
      ...pages,
      '/robots.txt': 'User-agent: *\nCrawl-delay: 0.2\n',
    });
    const warnings: string[] = [];
    await createCrawler(follow(`${site.origin}/`), { logLevel: 'silent', perHost: 4 })
      .on('crawl:warning', ({ message }) => warnings.push(message))
      .run();
    expect(warnings).toEqual([]);
    expectSpread(site.requests, 120);
  });

  it("holds for a host's first requests too, sent together before its robots.txt was read", async () => {
    const site = await startLocalServer({
      ...pages,
      '/robots.txt': 'User-agent: *\nCrawl-delay: 0.2\n',
    });
    const spider = defineSpider({
      name: 'starts',
      start: ['/', '/a', '/b'].map((path) => `${site.origin}${path}`),
      parse: (page) => ({ url: page.url }),
    });
    const stats = await createCrawler(spider, {
      logLevel: 'silent',
      concurrency: 4,
      perHost: 4,
    }).run();
    expect(stats.items).toBe(3);
    expect(site.paths[0]).toBe('/robots.txt');
    expectSpread(site.requests, 120);
  });

  it('is capped from the CLI with --max-crawl-delay-ms', async () => {
    const site = await startLocalServer({
      ...pages,
      '/robots.txt': 'User-agent: *\nCrawl-delay: 3600\n',
    });
    const result = await runCli(['crawl', `${site.origin}/`, '--max-crawl-delay-ms', '100']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('asks a Crawl-delay of 3600 s; using the cap of 0.1 s');
  });
});
