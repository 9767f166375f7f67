// The page helpers of browser handlers: waits, bounded infinite scroll, screenshots and snapshots (on demand and
// on failure), and blocked URL patterns, each in a real crawl against a local site.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScrollResult } from '../../src/browser/page-tools.js';
import { crawl, createCrawler, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { chromiumPath, chromiumUp } from './fixtures.js';

const up = await chromiumUp();

/** A feed that appends 10 items of 100 px each time the bottom is reached, `batches` times at most. */
const feed = (batches: number) => `<!doctype html><html><body style="margin:0"><div id="feed"></div>
<script>
const limit = ${batches};
let added = 0;
let loading = false;
function more() {
  for (let i = 0; i < 10; i++) {
    const item = document.createElement('div');
    item.className = 'item';
    item.style.height = '100px';
    item.textContent = 'item';
    document.getElementById('feed').append(item);
  }
  loading = false;
}
more();
window.addEventListener('scroll', () => {
  if (loading || added >= limit) return;
  if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 10) {
    loading = true;
    added++;
    setTimeout(more, 30);
  }
});
</script></body></html>`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-snapshots-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { logLevel: 'silent', browserPath: chromiumPath } as const;

describe.skipIf(!up)('infinite scroll', () => {
  const scrolled = async (batches: number, options: Parameters<typeof scrollOnce>[1]) => {
    const site = await startLocalServer({ '/': feed(batches) });
    return scrollOnce(`${site.origin}/`, options);
  };
  const scrollOnce = async (
    start: string,
    options: { maxScrolls?: number; maxMs?: number; settleMs?: number },
  ) => {
    const sink = memorySink();
    const spider = defineSpider({
      name: 'scroll',
      start,
      fetch: 'browser',
      async parse(page) {
        const began = performance.now();
        const result: ScrollResult = await page.infiniteScroll(options);
        const items = await page.browser?.locator('.item').count();
        return { ...result, items, ms: performance.now() - began };
      },
    });
    const stats = await crawl(spider, { ...base, output: sink });
    expect(stats.failed).toBe(0);
    return sink.items[0] as unknown as ScrollResult & { items: number; ms: number };
  };

  it('stops when the page stops growing', async () => {
    const result = await scrolled(4, { maxScrolls: 50, settleMs: 1000 });
    expect(result.stoppedBy).toBe('height');
    expect(result.items).toBe(50); // the first 10, then 4 batches
    expect(result.scrolls).toBe(5); // 4 that grew it, 1 that did not
  });

  it('stops after maxScrolls on a page that grows forever', async () => {
    const result = await scrolled(1_000_000, { maxScrolls: 3, settleMs: 2000 });
    expect(result).toMatchObject({ stoppedBy: 'max-scrolls', scrolls: 3, items: 40 });
  });

  it('stops after maxMs on a page that grows forever', async () => {
    const result = await scrolled(1_000_000, { maxScrolls: 100_000, maxMs: 1500 });
    expect(result.stoppedBy).toBe('max-time');
    expect(result.scrolls).toBeGreaterThan(1);
    expect(result.ms).toBeLessThan(1500 + 2000); // the bound, plus one last height read
  });
});

describe.skipIf(!up)('waiting in a browser handler', () => {
  it('waitForNetworkIdle waits for what a click started; waitForSelector times out with AR_TIMEOUT', async () => {
    const site = await startLocalServer({
      '/': `<button id="go">go</button><div id="out">pending</div><script>
document.getElementById('go').addEventListener('click', () => {
  fetch('/slow').then((r) => r.text()).then((t) => { document.getElementById('out').textContent = t; });
});
</script>`,
      '/slow': (_req, res: ServerResponse) => {
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('done'), 400);
      },
    });
    const sink = memorySink();
    const spider = defineSpider({
      name: 'waits',
      start: `${site.origin}/`,
      fetch: 'browser',
      async *parse(page) {
        await page.browser?.click('#go');
        yield { right_after_click: await page.browser?.textContent('#out') };
        await page.waitForNetworkIdle({ timeoutMs: 10_000, idleMs: 200 });
        yield { after_idle: await page.browser?.textContent('#out') };
        const code = await page.waitForSelector('#never', { timeoutMs: 300 }).then(
          () => 'found',
          (error: { code?: string }) => error.code,
        );
        yield { missing: code };
      },
    });
    const stats = await crawl(spider, { ...base, output: sink });
    expect(stats.failed).toBe(0);
    expect(sink.items).toEqual([
      { right_after_click: 'pending' },
      { after_idle: 'done' },
      { missing: 'AR_TIMEOUT' },
    ]);
  });

  it('waitForNetworkIdle times out on a page that never stops polling', async () => {
    const site = await startLocalServer({
      '/': `<script>setInterval(() => fetch('/ping'), 50);</script>`,
      '/ping': 'pong',
    });
    const sink = memorySink();
    const spider = defineSpider({
      name: 'busy',
      start: `${site.origin}/`,
      fetch: 'browser',
      async parse(page) {
        const code = await page.waitForNetworkIdle({ timeoutMs: 800, idleMs: 300 }).then(
          () => 'idle',
          (error: { code?: string }) => error.code,
        );
        return { code };
      },
    });
    await crawl(spider, { ...base, output: sink });
    expect(sink.items).toEqual([{ code: 'AR_TIMEOUT' }]);
  });
});

describe.skipIf(!up)('screenshots and snapshots', () => {
  it('writes them on demand under browserSnapshotDir; an HTTP page has none to take', async () => {
    const site = await startLocalServer({
      '/': `<ul id="list"></ul><a href="/plain">plain</a><script>
document.getElementById('list').innerHTML = '<li>rendered-by-script</li>';
</script>`,
      '/plain': '<h1>plain</h1>',
    });
    const sink = memorySink();
    const spider = defineSpider({
      name: 'shots',
      start: `${site.origin}/`,
      fetch: 'browser',
      async *parse(page) {
        yield { png: await page.screenshot('home'), html: await page.snapshot() };
        yield page.follow('/plain', 'plain', { fetch: 'http' });
      },
      async plain(page) {
        const code = await page.screenshot().then(
          () => 'taken',
          (error: { code?: string }) => error.code,
        );
        return { plain: code };
      },
    });
    await crawl(spider, { ...base, output: sink, browserSnapshotDir: dir });
    const [shots, plain] = sink.items as [{ png: string; html: string }, { plain: string }];
    expect(shots.png).toBe(join(dir, 'home.png'));
    const png = await readFile(shots.png);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(shots.html.startsWith(dir)).toBe(true);
    expect(await readFile(shots.html, 'utf8')).toContain('<li>rendered-by-script</li>');
    expect(plain).toEqual({ plain: 'AR_BROWSER' });
  });

  it('saves a failed page (handler error) and names the files in the failure log', async () => {
    const site = await startLocalServer({
      '/': `<button id="b">b</button><div id="state">before</div><script>
document.getElementById('b').addEventListener('click', () => {
  document.getElementById('state').textContent = 'state-at-failure';
});
</script>`,
    });
    const spider = defineSpider({
      name: 'fails',
      start: `${site.origin}/`,
      fetch: 'browser',
      async parse(page) {
        await page.browser?.click('#b');
        throw new Error('selector drifted');
      },
    });
    const run = async (snapshotOnFailure: boolean) => {
      const warnings: string[] = [];
      const stats = await createCrawler(spider, {
        ...base,
        output: memorySink(),
        retries: 0,
        browserSnapshotDir: dir,
        browserSnapshotOnFailure: snapshotOnFailure,
      })
        .on('crawl:warning', ({ message }) => warnings.push(message))
        .run();
      expect(stats.failed).toBe(1);
      return warnings.filter((message) => message.includes('browser page failed'));
    };
    expect(await run(false)).toEqual([]);
    const [warning] = await run(true);
    const match = /screenshot (\S+\.png), HTML (\S+\.html)/.exec(warning ?? '');
    expect(match, warning).not.toBeNull();
    const [, png = '', html = ''] = match ?? [];
    expect(warning).toContain('selector drifted');
    expect(existsSync(png)).toBe(true);
    // The page as it was when the handler failed, not as it was loaded.
    expect(await readFile(html, 'utf8')).toContain('state-at-failure');
  });

  it('saves a page whose waitFor times out and names the files in the failed request error', async () => {
    const site = await startLocalServer({ '/': '<h1>no list here</h1>' });
    const failures: string[] = [];
    const spider = defineSpider({
      name: 'never',
      start: `${site.origin}/`,
      fetch: 'browser',
      waitFor: '#never',
      parse: () => undefined,
    });
    await createCrawler(spider, {
      ...base,
      output: memorySink(),
      retries: 0,
      timeoutMs: 1500,
      browserSnapshotDir: dir,
      browserSnapshotOnFailure: true,
    })
      .on('request:failed', ({ error, code }) => failures.push(`${code} ${error.message}`))
      .run();
    expect(failures).toHaveLength(1);
    const match = /^AR_TIMEOUT .*screenshot (\S+\.png), HTML (\S+\.html)/.exec(failures[0] ?? '');
    expect(match, failures[0]).not.toBeNull();
    expect(await readFile(match?.[2] ?? '', 'utf8')).toContain('no list here');
    expect(existsSync(match?.[1] ?? '')).toBe(true);
  });
});

describe.skipIf(!up)('blocked URL patterns', () => {
  it('never requests what blockUrls matches: the servers never see it', async () => {
    const thirdParty = await startLocalServer(
      (_req, res: ServerResponse) =>
        res.writeHead(200, { 'content-type': 'text/javascript' }).end('window.third = 1;'),
      { host: '127.0.0.2' },
    );
    const js = (body: string) => (_req: unknown, res: ServerResponse) =>
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
    const site = await startLocalServer({
      '/': `<h1>page</h1>
<script src="/ads/banner.js"></script>
<script src="/static/tracker-v2.js"></script>
<script src="/static/app.js"></script>
<script src="${thirdParty.origin}/pixel.js"></script>`,
      '/ads/banner.js': js('window.ad = 1;'),
      '/static/tracker-v2.js': js('window.tracked = 1;'),
      '/static/app.js': js('window.app = 1;'),
    });
    const spider = defineSpider({
      name: 'ads',
      start: `${site.origin}/`,
      fetch: 'browser',
      async parse(page) {
        return {
          globals: await page.browser?.evaluate(
            'JSON.stringify([window.ad, window.tracked, window.app, window.third])',
          ),
        };
      },
    });
    const sink = memorySink();
    await crawl(spider, {
      ...base,
      output: sink,
      blockUrls: ['/ads/', '*/tracker*.js', 'http://127.0.0.2:*'],
    });
    expect(site.count('/ads/banner.js')).toBe(0);
    expect(site.count('/static/tracker-v2.js')).toBe(0);
    expect(thirdParty.requests).toHaveLength(0);
    expect(site.count('/static/app.js')).toBe(1);
    expect(sink.items).toEqual([{ globals: JSON.stringify([null, null, 1, null]) }]);

    // The comparison: without patterns every script arrives (the CLI's comma-separated form, empty here).
    await crawl(spider, { ...base, output: memorySink(), blockUrls: '' });
    expect(site.count('/ads/banner.js')).toBe(1);
    expect(thirdParty.requests).toHaveLength(1);
  });
});
