// ws:// feeds as sources: every message a page for the handler, subscription, bounds, headers and cookies on the
// upgrade, failures and the SSRF guard, against a real `ws` server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrawlEvents,
  crawl,
  createCrawler,
  createRequest,
  defineSpider,
  type Page,
  type RunOptions,
} from '../../src/index.js';
import { freePort } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { type FeedServer, startFeedServer } from '../helpers/ws-feed-server.js';

let feeds: FeedServer;
beforeAll(async () => {
  feeds = await startFeedServer();
});
afterAll(async () => {
  await feeds.close();
});

/** Crawls `spider` silently into memory; resolves to the stats and the items written. */
async function run(spider: Parameters<typeof crawl>[0], options: RunOptions = {}) {
  const sink = memorySink();
  const stats = await crawl(spider, { logLevel: 'silent', output: sink, ...options });
  return { stats, items: sink.items };
}

/** One item per message: its place in the feed and its text. */
function messages(start: Parameters<typeof createRequest>[0], init = {}) {
  return defineSpider({
    name: 'messages',
    start: () => [createRequest(start, init)],
    *parse(page: Page) {
      yield { index: page.message?.index, binary: page.message?.binary, text: page.text() };
    },
  });
}

describe('a ws:// feed', () => {
  it('hands every message to the handler as a page (text, json, message), after the subscription, and follows its links', async () => {
    const spider = defineSpider({
      name: 'ticks',
      start: () => [
        createRequest(`${feeds.wsOrigin}/ticks?n=3`, {
          websocket: { send: '{"subscribe":"ticks"}', maxMessages: 3 },
        }),
      ],
      *parse(page: Page<'parse' | 'item'>) {
        const tick = page.json<{ tick: number; url: string }>();
        const { message } = page;
        yield {
          tick: tick.tick,
          index: message?.index,
          binary: message?.binary,
          timed: typeof message?.time === 'number',
          status: page.status,
          text: page.text(),
        };
        yield page.follow(tick.url, 'item');
      },
      *item(page: Page) {
        yield { item: page.text('h1') };
      },
    });
    const before = feeds.upgrades.length;
    const { stats, items } = await run(spider);
    expect(stats.closeReason).toBe('finished');
    expect(stats.failed).toBe(0);
    const ticks = items.filter((item) => 'tick' in item);
    expect(ticks).toEqual(
      [0, 1, 2].map((i) => ({
        tick: i,
        index: i,
        binary: false,
        timed: true,
        status: 101,
        text: JSON.stringify({ tick: i, url: `${feeds.origin}/item/${i}` }),
      })),
    );
    // Links in a feed of ws://host:port are in the scope of http://host:port: the same server.
    expect(items.filter((item) => 'item' in item).map((item) => item.item)).toEqual(
      expect.arrayContaining(['0', '1', '2']),
    );
    expect(stats.feedMessages).toBe(3);
    expect(stats.feedBytes).toBe(ticks.reduce((sum, tick) => sum + String(tick.text).length, 0));
    const upgrade = feeds.upgrades[before];
    expect(upgrade?.received).toEqual(['{"subscribe":"ticks"}']);
    await feeds.closed(before + 1);
    expect(upgrade?.closeCode).toBe(1000);
  });

  it('closes the connection after wsMaxMessages messages', async () => {
    const before = feeds.upgrades.length;
    const { stats, items } = await run(messages(`${feeds.wsOrigin}/stream`), {
      wsMaxMessages: 5,
    });
    expect(items.map((item) => item.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(stats.feedMessages).toBe(5);
    await feeds.closed(before + 1);
    expect(feeds.upgrades[before]?.closeCode).toBe(1000);
  });

  it("closes the connection after the request's durationMs, whatever wsDurationMs says", async () => {
    const started = Date.now();
    const { stats, items } = await run(
      messages(`${feeds.wsOrigin}/stream`, {
        websocket: { durationMs: 300, maxMessages: Number.POSITIVE_INFINITY },
      }),
      { wsDurationMs: 20_000 },
    );
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(5000);
    expect(items.length).toBeGreaterThan(3);
    expect(items.length).toBeLessThan(100);
    expect(stats.failed).toBe(0);
  });

  it('ends when the server closes early, with the messages it sent', async () => {
    const started = Date.now();
    const { stats, items } = await run(messages(`${feeds.wsOrigin}/close-after?n=2`), {
      wsMaxMessages: 10,
      wsDurationMs: 20_000,
    });
    expect(items.map((item) => item.text)).toEqual(['m0', 'm1']);
    expect(stats.failed).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives binary messages as bytes, flagged binary', async () => {
    const spider = defineSpider({
      name: 'binary',
      start: [`${feeds.wsOrigin}/binary`],
      *parse(page: Page) {
        yield {
          binary: page.message?.binary,
          bytes: [...page.body],
          type: page.response.contentType,
        };
      },
    });
    const { items } = await run(spider, { wsMaxMessages: 2 });
    expect(items).toEqual([
      { binary: true, bytes: [0, 1, 2, 255], type: 'application/octet-stream' },
      { binary: false, bytes: [...Buffer.from('done')], type: 'text/plain; charset=utf-8' },
    ]);
  });

  it("sends the request's headers, the session's cookies, the user agent and wsOrigin on the upgrade", async () => {
    const spider = defineSpider({
      name: 'headers',
      start: [`${feeds.origin}/login`],
      *parse(page: Page) {
        if (page.message) {
          yield { echoed: page.json() };
          return;
        }
        yield page.follow(`${feeds.wsOrigin}/echo-headers`, 'parse', {
          headers: { 'X-Token': 't0k3n' },
          websocket: { maxMessages: 1 },
        });
      },
    });
    const { items } = await run(spider, {
      wsOrigin: 'https://app.example',
      userAgent: 'feed-test/1',
    });
    expect(items).toHaveLength(1);
    const echoed = items[0]?.echoed as Record<string, string>;
    expect(echoed.cookie).toBe('sid=abc123');
    expect(echoed['x-token']).toBe('t0k3n');
    expect(echoed.origin).toBe('https://app.example');
    expect(echoed['user-agent']).toBe('feed-test/1');
    expect(echoed.upgrade).toBe('websocket');
  });

  it('stops reading a feed when the crawl stops (maxItems), without waiting for its bounds', async () => {
    const started = Date.now();
    const { stats, items } = await run(messages(`${feeds.wsOrigin}/stream`), {
      maxItems: 3,
      wsDurationMs: 20_000,
      wsMaxMessages: Number.POSITIVE_INFINITY,
    });
    expect(stats.closeReason).toBe('max-items');
    expect(items).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('treats an upgrade answered with another status as a response of that status', async () => {
    const { stats, items } = await run(messages(`${feeds.wsOrigin}/denied`));
    expect(items).toEqual([]);
    expect(stats.responsesByStatus).toEqual({ '403': 1 });
    expect(stats.errorsByCode).toEqual({ AR_HTTP_STATUS: 1 });
  });

  it('retries a refused connection, then fails it with AR_NETWORK', async () => {
    const port = await freePort();
    const crawler = createCrawler(messages(`ws://127.0.0.1:${port}/feed`), {
      logLevel: 'silent',
      output: memorySink(),
      retries: 1,
    });
    const failed: Array<CrawlEvents['request:failed']> = [];
    crawler.on('request:failed', (event) => failed.push(event));
    const stats = await crawler.run();
    expect(stats.retries).toBe(1);
    expect(stats.failed).toBe(1);
    expect(stats.errorsByCode).toEqual({ AR_NETWORK: 1 });
    expect(failed[0]?.error.message).toMatch(/ECONNREFUSED/);
  });

  it('refuses private addresses, literal or by name, when allowPrivate is false', async () => {
    const before = feeds.upgrades.length;
    const port = new URL(feeds.wsOrigin).port;
    const { stats } = await run(
      defineSpider({
        name: 'private',
        start: [`ws://127.0.0.1:${port}/stream`, `ws://localhost:${port}/stream`],
        *parse() {},
      }),
      { allowPrivate: false, retries: 0 },
    );
    expect(stats.errorsByCode).toEqual({ AR_EGRESS_DENIED: 2 });
    expect(feeds.upgrades.length).toBe(before);
  });

  it('fails the request at a handler error, keeping what the earlier messages gave, and closes the feed', async () => {
    const before = feeds.upgrades.length;
    const spider = defineSpider({
      name: 'throws',
      start: [`${feeds.wsOrigin}/stream`],
      *parse(page: Page) {
        if (page.message?.index === 2) throw new Error('bad message');
        yield { text: page.text() };
      },
    });
    const { stats, items } = await run(spider, { wsDurationMs: 20_000 });
    expect(items.map((item) => item.text)).toEqual(['m0', 'm1']);
    expect(stats.errorsByCode).toEqual({ AR_HANDLER: 1 });
    await feeds.closed(before + 1);
    expect(feeds.upgrades[before]?.closeCode).toBe(1000);
  });

  it('refuses to connect a feed directly when the crawl goes through a proxy', async () => {
    const before = feeds.upgrades.length;
    await expect(
      run(messages(`${feeds.wsOrigin}/stream`), { proxy: 'http://127.0.0.1:9' }),
    ).rejects.toMatchObject({ code: 'AR_CONFIG', message: expect.stringMatching(/proxy/) });
    expect(feeds.upgrades.length).toBe(before);
  });

  it('reads a feed over its own handler whatever the render mode (no rung comparison, no browser)', async () => {
    const before = feeds.upgrades.length;
    const { stats, items } = await run(messages(`${feeds.wsOrigin}/close-after?n=2`), {
      render: 'adaptive',
    });
    expect(items.map((item) => item.text)).toEqual(['m0', 'm1']);
    expect(stats.failed).toBe(0);
    expect(feeds.upgrades.length).toBe(before + 1);
  });

  it('holds a fast server back while a slow handler catches up, losing no message', async () => {
    const spider = defineSpider({
      name: 'slow',
      start: [`${feeds.wsOrigin}/close-after?n=600`],
      async *parse(page: Page) {
        if (page.message?.index === 0) await new Promise((resolve) => setTimeout(resolve, 200));
        yield { text: page.text() };
      },
    });
    const { stats, items } = await run(spider, { wsDurationMs: 20_000 });
    expect(items.map((item) => item.text)).toEqual(Array.from({ length: 600 }, (_, i) => `m${i}`));
    expect(stats.failed).toBe(0);
  });

  it('reads a feed in flight to its bounds when maxPages stops the scheduling', async () => {
    const { stats, items } = await run(messages(`${feeds.wsOrigin}/stream`), {
      maxPages: 1,
      wsMaxMessages: 4,
    });
    expect(items.map((item) => item.text)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(stats.failed).toBe(0);
  });

  it('tells two subscriptions on one URL apart, and reads the same subscription once', async () => {
    const before = feeds.upgrades.length;
    const url = `${feeds.wsOrigin}/ticks?n=1`;
    const spider = defineSpider({
      name: 'subscriptions',
      start: () => [
        createRequest(url, { websocket: { send: 'a' } }),
        createRequest(url, { websocket: { send: ['b'] } }),
        createRequest(url, { websocket: { send: ['a'] } }),
      ],
      *parse(page: Page) {
        yield { tick: page.json<{ tick: number }>().tick };
      },
    });
    const { stats, items } = await run(spider, { wsMaxMessages: 1 });
    expect(items).toHaveLength(2);
    expect(stats.duplicatesFiltered).toBe(1);
    expect(
      feeds.upgrades
        .slice(before)
        .flatMap((upgrade) => upgrade.received)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('fails the request with AR_BODY_TOO_LARGE at a message over maxBytes, keeping the messages before it', async () => {
    const before = feeds.upgrades.length;
    // m0…m9 are 2 bytes each; m10, 3 bytes, is one too many.
    const { stats, items } = await run(messages(`${feeds.wsOrigin}/close-after?n=12`), {
      maxBytes: 2,
      retries: 0,
    });
    expect(items.map((item) => item.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(stats.errorsByCode).toEqual({ AR_BODY_TOO_LARGE: 1 });
    await feeds.closed(before + 1);
    expect(feeds.upgrades[before]?.closeCode).toBe(1009);
  });

  it('keeps a cookie set on the 101 for the next requests to the site', async () => {
    const spider = defineSpider({
      name: 'cookie',
      start: [`${feeds.wsOrigin}/set-cookie`],
      *parse(page: Page) {
        if (page.text() === 'ok') yield page.follow(`${feeds.wsOrigin}/echo-headers`);
        else yield { cookie: page.json<Record<string, string>>().cookie };
      },
    });
    const { items } = await run(spider, { wsMaxMessages: 1 });
    expect(items).toEqual([{ cookie: 'feed=on' }]);
  });
});
