import type { ServerResponse } from 'node:http';
import type { Page as BrowserPage } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserHandler } from '../../src/browser/handler.js';
import { Page } from '../../src/crawler/page.js';
import { createRequest } from '../../src/crawler/request.js';
import { isRetryableError } from '../../src/http/retry-policy.js';
import { crawl, defineSpider, request } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { waitFor } from '../helpers/wait.js';
import { chromiumPath, chromiumUp } from './fixtures.js';

const up = await chromiumUp();

const fetchOnce = async (handler: ReturnType<typeof browserHandler>, url: string) => {
  const response = await handler.fetch(createRequest(url, { fetch: 'browser' }), {});
  await response.release();
  return response;
};

describe.skipIf(!up)('the browser pool', () => {
  it('recycles the context after browserRecycleAfter pages', async () => {
    const site = await startLocalServer({ '/': '<h1>hi</h1>' });
    const handler = browserHandler({
      executablePath: chromiumPath,
      recycleAfter: 2,
      concurrency: 1,
    });
    try {
      for (let i = 0; i < 5; i++) await fetchOnce(handler, `${site.origin}/`);
      // Pages 1–2, 3–4 and 5 each had their own context.
      expect(handler.contextsCreated).toBe(3);
    } finally {
      await handler.close();
    }
  });

  it('navigates a tab again for the next page, unless the handler took it through page.browser', async () => {
    const site = await startLocalServer({
      '/a': '<h1>a</h1>',
      '/b': '<h1>b</h1>',
      '/c': '<h1>c</h1>',
    });
    const handler = browserHandler({ executablePath: chromiumPath, concurrency: 1 });
    try {
      const first = await handler.fetch(
        createRequest(`${site.origin}/a`, { fetch: 'browser' }),
        {},
      );
      const tab = first.live;
      await first.release();
      const secondRequest = createRequest(`${site.origin}/b`, { fetch: 'browser' });
      const second = await handler.fetch(secondRequest, {});
      expect(second.live).toBe(tab);
      expect(second.body.toString()).toContain('<h1>b</h1>');
      // A handler that takes the live page may change it (listeners, routes): its tab is closed after.
      expect(new Page(secondRequest, second).browser).toBe(tab);
      await second.release();
      expect((tab as BrowserPage).isClosed()).toBe(true);
      const third = await handler.fetch(
        createRequest(`${site.origin}/c`, { fetch: 'browser' }),
        {},
      );
      expect(third.live).not.toBe(tab);
      expect(third.body.toString()).toContain('<h1>c</h1>');
      await third.release();
    } finally {
      await handler.close();
    }
  });

  it('relaunches the browser after relaunchAfter pages; the old one closes once its pages are done', async () => {
    const site = await startLocalServer({ '/': '<h1>hi</h1>' });
    const handler = browserHandler({
      executablePath: chromiumPath,
      relaunchAfter: 3,
      concurrency: 2,
    });
    try {
      const first = await fetchOnce(handler, `${site.origin}/`);
      const firstBrowser = handler.browser;
      expect(first.status).toBe(200);
      await Promise.all([1, 2, 3, 4, 5, 6].map(() => fetchOnce(handler, `${site.origin}/`)));
      // Seven pages, three per browser: a third browser serves the seventh.
      expect(handler.browsersLaunched).toBe(3);
      expect(handler.browser).not.toBe(firstBrowser);
      await waitFor('the first browser to close', () =>
        firstBrowser?.isConnected() ? undefined : true,
      );
    } finally {
      await handler.close();
    }
  });

  it('fails the request in flight with a retryable AR_BROWSER when Chromium dies, then relaunches', async () => {
    let arrived: () => void = () => {};
    const hung = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const site = await startLocalServer({
      '/': '<h1>hi</h1>',
      '/hang': () => arrived(), // never answers: the navigation is in flight when the browser dies
    });
    const handler = browserHandler({ executablePath: chromiumPath });
    try {
      await fetchOnce(handler, `${site.origin}/`);
      // Settled into a value at once: it rejects while the test still awaits the close below.
      const inFlight = handler.fetch(createRequest(`${site.origin}/hang`), {}).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      await hung;
      // As a crash does: the connection to Chromium goes away with the navigation in flight.
      await handler.browser?.close();
      const error = await inFlight;
      expect(error).toMatchObject({ code: 'AR_BROWSER' });
      expect(isRetryableError(error)).toBe(true);
      const again = await fetchOnce(handler, `${site.origin}/`);
      expect(again.text).toContain('<h1>hi</h1>');
    } finally {
      await handler.close();
    }
  });

  it('aborts, at route time, what a page asks of a private address when allowPrivate is false', async () => {
    // Both servers are on loopback. The page's own server, 127.0.0.1, is let through with the egress guard's
    // `allow` (as a test server would be); the other, on 127.0.0.2, is private and not allowed, so the guard
    // must abort the page's fetch() to it. With allowPrivate true the same fetch goes through: the comparison.
    const other = await startLocalServer(
      (_req, res: ServerResponse) =>
        res
          .writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'text/plain' })
          .end('secret'),
      { host: '127.0.0.2' },
    );
    const site = await startLocalServer({
      '/': `<div id="out">pending</div><script>
fetch('${other.origin}/internal').then((r) => r.text()).then(
  (t) => { document.getElementById('out').textContent = t; },
  () => { document.getElementById('out').textContent = 'blocked'; },
).finally(() => document.body.dataset.done = '1');
</script>`,
    });
    const outcome = async (allowPrivate: boolean) => {
      const handler = browserHandler({
        executablePath: chromiumPath,
        allowPrivate,
        allow: ['127.0.0.1/32'],
        waitFor: 'body[data-done]',
      });
      try {
        const response = await fetchOnce(handler, `${site.origin}/`);
        return /<div id="out">([^<]*)</.exec(response.text)?.[1];
      } finally {
        await handler.close();
      }
    };
    expect(await outcome(true)).toBe('secret');
    expect(other.count('/internal')).toBe(1);
    expect(await outcome(false)).toBe('blocked');
    expect(other.count('/internal')).toBe(1);
  });

  it('names the option and the Debian package when Chromium is missing', async () => {
    const handler = browserHandler({ executablePath: '/nonexistent/chromium' });
    await expect(handler.fetch(createRequest('http://127.0.0.1:9/'), {})).rejects.toMatchObject({
      code: 'AR_CONFIG',
      message: expect.stringMatching(/browserPath.*package chromium/),
    });
    await handler.close();
  });

  it('closes the browser after browserIdleClose with nothing to render, never while a page renders', async () => {
    const site = await startLocalServer({
      '/': '<h1>hi</h1>',
      // Slower than the idle bound: the browser must stay while this renders.
      '/slow': (_req, res: ServerResponse) => {
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>slow</h1>'),
          800,
        );
      },
    });
    const handler = browserHandler({ executablePath: chromiumPath, idleCloseMs: 300 });
    try {
      const slow = await fetchOnce(handler, `${site.origin}/slow`);
      expect(slow.text).toContain('<h1>slow</h1>');
      const first = handler.browser;
      expect(first?.isConnected()).toBe(true);
      expect(handler.browsersLaunched).toBe(1);
      await waitFor('the idle browser to close', () => (first?.isConnected() ? undefined : true), {
        timeoutMs: 10_000,
      });
      expect(handler.browser).toBeUndefined();
      // The next request launches a fresh one.
      expect((await fetchOnce(handler, `${site.origin}/`)).text).toContain('<h1>hi</h1>');
      expect(handler.browsersLaunched).toBe(2);
    } finally {
      await handler.close();
    }
  });

  it('replaces the context when the browser is over browserMaxMemory', async () => {
    const site = await startLocalServer({ '/': '<h1>hi</h1>' });
    const run = async (maxMemoryMb: number) => {
      const handler = browserHandler({
        executablePath: chromiumPath,
        concurrency: 1,
        recycleAfter: 1000,
        memoryCheckEvery: 1,
        maxMemoryMb,
      });
      try {
        for (let i = 0; i < 6; i++) await fetchOnce(handler, `${site.origin}/`);
        // Measurements run in the background: wait for the one the last page started.
        if (maxMemoryMb > 0)
          await waitFor('a measurement', () => (handler.memoryRecycles >= 3 ? true : undefined), {
            timeoutMs: 10_000,
          });
        return {
          recycles: handler.memoryRecycles,
          contexts: handler.contextsCreated,
          rss: handler.lastRss,
        };
      } finally {
        await handler.close();
      }
    };
    // 1 MB: every measurement is over the bound.
    const tight = await run(1);
    expect(tight.recycles).toBeGreaterThanOrEqual(3);
    expect(tight.contexts).toBeGreaterThanOrEqual(3);
    expect(tight.rss).toBeGreaterThan(20 * 1024 * 1024);
    // 0: never measured, one context for all six pages.
    expect(await run(0)).toMatchObject({ recycles: 0, contexts: 1 });
  });

  it('renders at most browserConcurrency pages at once within a larger crawl concurrency', async () => {
    let open = 0;
    let maxOpen = 0;
    const httpDone: number[] = [];
    const browserDone: number[] = [];
    const site = await startLocalServer((req, res: ServerResponse) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => {
        open--;
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>${req.url}</h1>`);
      }, 300);
    });
    const started = performance.now();
    const spider = defineSpider({
      name: 'limits',
      start: () => [
        ...Array.from({ length: 8 }, (_, i) =>
          request(`${site.origin}/b/${i}`, { fetch: 'browser' }),
        ),
        ...Array.from({ length: 8 }, (_, i) => request(`${site.origin}/h/${i}`, { fetch: 'http' })),
      ],
      parse(page) {
        (page.browser ? browserDone : httpDone).push(performance.now() - started);
        return { title: page.text('h1') };
      },
    });
    const sink = memorySink();
    await crawl(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
      concurrency: 8,
      perHost: 8,
      browserConcurrency: 2,
    });
    expect(sink.items).toHaveLength(16);
    // The six browser pages beyond browserConcurrency wait without a crawl slot: six HTTP pages start at once and
    // are done before the first browser page (Chromium's launch alone outlasts an HTTP page).
    const firstSixHttp = [...httpDone].sort((a, b) => a - b)[5] ?? Number.POSITIVE_INFINITY;
    expect(firstSixHttp).toBeLessThan(Math.min(...browserDone));
    // Only browser requests overlap at the server in the first phase; the limit holds for them.
    const browserOnly = await (async () => {
      let peak = 0;
      let now = 0;
      const site2 = await startLocalServer((req, res: ServerResponse) => {
        now++;
        peak = Math.max(peak, now);
        setTimeout(() => {
          now--;
          res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>${req.url}</h1>`);
        }, 300);
      });
      await crawl(
        defineSpider({
          name: 'browser-only',
          start: Array.from({ length: 8 }, (_, i) => `${site2.origin}/b/${i}`),
          fetch: 'browser',
          parse: (page) => ({ title: page.text('h1') }),
        }),
        {
          output: memorySink(),
          logLevel: 'silent',
          browserPath: chromiumPath,
          concurrency: 8,
          perHost: 8,
          browserConcurrency: 2,
        },
      );
      return peak;
    })();
    expect(browserOnly).toBe(2);
    console.log(
      `mixed crawl: server saw at most ${maxOpen} at once; last HTTP page at ${Math.max(...httpDone).toFixed(0)} ms, last browser page at ${Math.max(...browserDone).toFixed(0)} ms`,
    );
  });
});
