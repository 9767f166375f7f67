import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  crawl,
  createCrawler,
  defineSpider,
  HandlerTimeoutError,
  type Page,
} from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { within } from '../helpers/wait.js';

const html = (body: string) =>
  `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;

/** `/` links to three pages; `/hang` is one of them. */
function site() {
  return startLocalServer({
    '/robots.txt': 'User-agent: *\nAllow: /\n',
    '/': html('<a href="/a">a</a><a href="/hang">hang</a><a href="/b">b</a>'),
    '/a': html('a'),
    '/b': html('b'),
    '/hang': html('<a href="/after">after</a>'),
    '/after': html('after'),
  });
}

const never = () => new Promise<never>(() => {});

describe('handlerTimeoutMs', () => {
  it('fails a handler that never settles with AR_HANDLER_TIMEOUT, once; the other pages are scraped and the crawl finishes', async () => {
    const server = await site();
    const spider = defineSpider({
      name: 'hangs',
      start: [`${server.origin}/`],
      async *parse(page: Page) {
        if (page.url.endsWith('/hang')) await never();
        yield { url: page.url };
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const sink = memorySink();
    const crawler = createCrawler(spider, {
      output: sink,
      handlerTimeoutMs: 300,
      logLevel: 'silent',
    });
    const failures: Error[] = [];
    crawler.on('request:failed', ({ error }) => failures.push(error));
    const stats = await within(crawler.run(), 20_000, 'the crawl to end');
    expect(stats).toMatchObject({
      closeReason: 'finished',
      failed: 1,
      retries: 0,
      errorsByCode: { AR_HANDLER_TIMEOUT: 1 },
      items: 3,
    });
    expect(sink.items.map((item) => item.url).sort()).toEqual(
      ['/', '/a', '/b'].map((path) => `${server.origin}${path}`),
    );
    expect(server.count('/hang')).toBe(1); // not retried
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(HandlerTimeoutError);
    expect(failures[0]?.message).toBe(
      `handler "parse" did not finish within 300 ms (handlerTimeoutMs) — at ${server.origin}/hang`,
    );
  });

  it('keeps what an async generator yielded before it hung, as for a throwing handler (set in spider.options)', async () => {
    const server = await site();
    let closed = false;
    const spider = defineSpider({
      name: 'stalls',
      start: [`${server.origin}/`],
      options: { handlerTimeoutMs: 300 },
      async *parse(page: Page) {
        yield { url: page.url };
        for (const link of page.links()) yield page.follow(link);
        if (!page.url.endsWith('/hang')) return;
        try {
          await never();
        } finally {
          closed = true; // never reached: a generator awaiting forever is abandoned, not resumed
        }
      },
    });
    const sink = memorySink();
    const stats = await within(
      crawl(spider, { output: sink, logLevel: 'silent' }),
      20_000,
      'the crawl to end',
    );
    expect(stats).toMatchObject({
      closeReason: 'finished',
      failed: 1,
      errorsByCode: { AR_HANDLER_TIMEOUT: 1 },
      // '/', '/a', '/b', the item '/hang' yielded before it hung, and '/after', the link it yielded
      items: 5,
    });
    expect(sink.items.map((item) => item.url)).toContain(`${server.origin}/hang`);
    expect(server.count('/after')).toBe(1);
    expect(closed).toBe(false);
  });

  it('with 0 sets no limit: a handler that never settles holds the crawl until it is aborted (Ctrl-C)', async () => {
    const server = await site();
    const controller = new AbortController();
    const spider = defineSpider({
      name: 'unbounded',
      start: [`${server.origin}/hang`],
      async *parse(page: Page) {
        yield { url: page.url };
        controller.abort(); // what the CLI does on SIGINT
        await never();
      },
    });
    const sink = memorySink();
    const stats = await within(
      crawl(spider, {
        output: sink,
        handlerTimeoutMs: 0,
        signal: controller.signal,
        graceMs: 100,
        logLevel: 'silent',
      }),
      20_000,
      'the crawl to end',
    );
    expect(stats).toMatchObject({ closeReason: 'signal', failed: 0, errorsByCode: {} });
  });

  it('is an integer ≥ 0, default 60000', async () => {
    const server = await site();
    const spider = defineSpider({ name: 'x', start: [`${server.origin}/a`], parse() {} });
    expect(createCrawler(spider).options.handlerTimeoutMs).toBe(60_000);
    expect(() => createCrawler(spider, { handlerTimeoutMs: -1 })).toThrow(ConfigError);
    expect(() => createCrawler(spider, { handlerTimeoutMs: 1.5 })).toThrow(
      'handlerTimeoutMs must be an integer from 0 to 2147483647, got 1.5',
    );
  });
});
