// Record and replay of rendered pages: a browser crawl with a cache stores the rendered DOM; the same crawl with
// the server stopped replays it offline (no live page then); the same URL fetched over HTTP is another entry.
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/cache/cache-middleware.js';
import { crawl, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { chromiumPath, chromiumUp, quotesJson, renderedList } from './fixtures.js';

const up = await chromiumUp();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-render-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spider = (start: string, fetch: 'http' | 'browser') =>
  defineSpider({
    name: 'quotes',
    start,
    fetch,
    waitFor: 'body[data-ready]',
    *parse(page) {
      yield { live: page.browser !== undefined };
      for (const quote of page.select('li.quote')) yield { quote: quote.text() };
    },
  });

describe('the cache key of a rendered page', () => {
  it('differs from the HTTP one for the same URL, and the HTTP one is unchanged', () => {
    const request = { method: 'GET', url: 'http://example.test/', headers: {} };
    expect(cacheKey(request, 'browser')).not.toBe(cacheKey(request));
    expect(cacheKey(request, 'http')).toBe(cacheKey(request));
  });
});

describe.skipIf(!up)('record and replay of rendered pages', () => {
  it('replays a rendered page offline, without a live page; HTTP and browser are two entries', async () => {
    const site = await startLocalServer({
      '/': renderedList,
      '/quotes.json': (_req, res: ServerResponse) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(quotesJson),
    });
    const url = `${site.origin}/`;
    const options = { logLevel: 'silent', browserPath: chromiumPath, cache: dir } as const;

    const recorded = memorySink();
    const first = await crawl(spider(url, 'browser'), { ...options, output: recorded });
    expect(first.cacheMisses).toBeGreaterThan(0);
    expect(recorded.items).toEqual([
      { live: true },
      { quote: 'one' },
      { quote: 'two' },
      { quote: 'three' },
    ]);
    expect(site.count('/')).toBe(1);

    // Same URL over HTTP: not the rendered entry; a miss that goes to the server and gets the script-only page.
    const plain = memorySink();
    await crawl(spider(url, 'http'), { ...options, output: plain });
    expect(plain.items).toEqual([{ live: false }]);
    expect(site.count('/')).toBe(2);

    await site.close();
    const replayed = memorySink();
    const offline = await crawl(spider(url, 'browser'), { ...options, output: replayed });
    expect(offline.failed).toBe(0);
    expect(offline.cacheHits).toBeGreaterThan(0);
    // The rendered DOM came back from the store: the quotes are there, the live page is not.
    expect(replayed.items).toEqual([
      { live: false },
      { quote: 'one' },
      { quote: 'two' },
      { quote: 'three' },
    ]);
  });
});
