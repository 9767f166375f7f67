import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import { chromiumPath, chromiumUp, quotesJson, renderedList } from '../browser/fixtures.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { startSocks5Server } from '../helpers/socks5-server.js';
import { startTinyproxy, tinyproxyUp } from '../helpers/tinyproxy.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
const auth = { user: 'crawler', pass: 's3cret-pw' };

interface Hit {
  path: string;
  from: string;
  ua: string;
}

/** /h (plain HTML linking to /b), /b (a list a script builds from /quotes.json); every request logged. */
async function site() {
  const hits: Hit[] = [];
  const server = await startLocalServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = req.url ?? '/';
    hits.push({ path, from: req.socket.remoteAddress ?? '', ua: req.headers['user-agent'] ?? '' });
    if (path === '/quotes.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(quotesJson);
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/h') res.end('<a href="/b">rendered</a>');
    else if (path === '/b') res.end(renderedList);
    else res.writeHead(404).end();
  });
  closers.push(() => server.close());
  return Object.assign(server, { hits });
}

/** The first page over HTTP, the page it links to in the browser: one session for both. */
const mixedSpider = (start: string) =>
  defineSpider({
    name: 'mixed',
    start,
    *parse(page) {
      yield { rung: 'http', ua: page.request.headers['user-agent'] ?? '' };
      for (const href of page.links('a')) {
        yield page.follow(href, 'rendered', { fetch: 'browser', waitFor: 'body[data-ready]' });
      }
    },
    *rendered(page) {
      for (const quote of page.select('li.quote')) yield { quote: quote.text() };
    },
  });

const up = await chromiumUp();
describe.skipIf(!up)('sessions and proxies in the browser rung', () => {
  it('a session looks the same over HTTP and in Chromium, both through an authenticated SOCKS5 proxy', async () => {
    const server = await site();
    const socks = await startSocks5Server({ auth, localAddress: '127.0.0.2' });
    closers.push(() => socks.close());
    const sink = memorySink();
    const stats = await crawl(mixedSpider(`${server.origin}/h`), {
      output: sink,
      logLevel: 'silent',
      robots: false,
      sessions: 1,
      proxies: [socks.url(auth)],
      browserPath: chromiumPath,
    });
    expect(stats.failed).toBe(0);
    expect(sink.items.filter((item) => 'quote' in item).map((item) => item.quote)).toEqual([
      'one',
      'two',
      'three',
    ]);
    // Every request, the page's own fetch of /quotes.json included, came out of the proxy.
    expect(server.hits.map((hit) => hit.path).sort()).toEqual(['/b', '/h', '/quotes.json']);
    expect(server.hits.every((hit) => hit.from === '127.0.0.2')).toBe(true);
    expect(socks.connections).toBeGreaterThanOrEqual(2);
    // The same User-Agent over HTTP and in the browser: the session's generated one, not HeadlessChrome's.
    const uas = new Set(server.hits.map((hit) => hit.ua));
    expect(uas.size).toBe(1);
    const [ua] = [...uas];
    expect(ua).toMatch(/Chrome\//);
    expect(ua).not.toMatch(/HeadlessChrome|arachne/);
  });
});

const tinyproxy = await tinyproxyUp();
describe.skipIf(!up || !tinyproxy)('the browser rung through a real HTTP proxy (tinyproxy)', () => {
  it('renders through tinyproxy with Basic auth, the proxy logging the browser requests', async () => {
    const server = await site();
    const proxy = await startTinyproxy(auth);
    closers.push(() => proxy.close());
    const sink = memorySink();
    const stats = await crawl(mixedSpider(`${server.origin}/h`), {
      output: sink,
      logLevel: 'silent',
      robots: false,
      sessions: 1,
      proxies: [proxy.url()],
      browserPath: chromiumPath,
    });
    expect(stats.failed).toBe(0);
    expect(sink.items.filter((item) => 'quote' in item)).toHaveLength(3);
    const logged = await proxy.requests();
    for (const path of ['/h', '/b', '/quotes.json']) {
      expect(
        logged.some((line) => line.includes(`GET http://127.0.0.1:${server.port}${path} `)),
        path,
      ).toBe(true);
    }
  });
});
