import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { browserHandler } from '../../src/browser/handler.js';
import { createRequest } from '../../src/crawler/request.js';
import { isRetryableError } from '../../src/http/retry-policy.js';
import { startLocalServer } from '../helpers/local-server.js';
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
});
