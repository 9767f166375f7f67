import { afterEach, describe, expect, it } from 'vitest';
import { crawl, createCrawler, defineSpider } from '../../src/index.js';
import { memorySink } from '../helpers/memory-sink.js';
import { startSocks5Server } from '../helpers/socks5-server.js';
import { startTinyproxy, tinyproxyUp } from '../helpers/tinyproxy.js';
import { type GuardedSite, startGuardedSite, type Verdict } from './site.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
const auth = { user: 'crawler', pass: 's3cret-pw' };

async function site(pages: number, decide?: (hit: { from: string }, visitor: string) => Verdict) {
  const started = await startGuardedSite(pages, decide);
  closers.push(() => started.close());
  return started;
}

async function socks(localAddress: string) {
  const server = await startSocks5Server({ auth, localAddress });
  closers.push(() => server.close());
  return server;
}

const itemsSpider = (
  start: string,
  isBlocked?: (page: import('../../src/index.js').Page) => boolean,
) =>
  defineSpider({
    name: 'guarded',
    start,
    ...(isBlocked && { isBlocked }),
    *parse(page) {
      for (const href of page.links('a')) yield page.follow(href, 'item');
    },
    *item(page) {
      yield { title: page.text('h1') };
    },
  });

const titles = (items: Array<Record<string, unknown>>) =>
  items
    .map((item) => String(item.title))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** Each visitor (one session's cookie) always came with one User-Agent, and no request mixed two visitors. */
function expectOneIdentityPerVisitor(server: GuardedSite): Map<string, string> {
  const uaOf = new Map<string, string>();
  for (const hit of server.hits) {
    expect(hit.visitors.length, hit.path).toBeLessThanOrEqual(1);
    const visitor = hit.visitors[0];
    if (visitor === undefined) continue;
    expect(uaOf.get(visitor) ?? hit.ua, `visitor ${visitor}`).toBe(hit.ua);
    uaOf.set(visitor, hit.ua);
  }
  return uaOf;
}

describe('sessions', () => {
  it('retires a session on 403 and retries its request with another; cookies and headers stay per session', async () => {
    // Visitor 1 is flagged after its first page: every later request with its cookie is refused.
    const seen = new Map<string, number>();
    const server = await site(8, (_hit, visitor) => {
      seen.set(visitor, (seen.get(visitor) ?? 0) + 1);
      return visitor === '1' && (seen.get(visitor) ?? 0) > 1 ? 'forbidden' : 'ok';
    });
    const sink = memorySink();
    const stats = await crawl(itemsSpider(`${server.origin}/`), {
      output: sink,
      logLevel: 'silent',
      robots: false,
      sessions: 3,
      retries: 3,
      // One at a time: which session meets which page is then fixed, and visitor 1 is session 1.
      concurrency: 1,
    });
    expect(titles(sink.items)).toEqual(Array.from({ length: 8 }, (_, i) => `item ${i + 1}`));
    expect(stats.failed).toBe(0);
    const forbidden = server.hits.filter((hit) => hit.status === 403);
    expect(forbidden.length).toBeGreaterThan(0);
    // Each refused page was fetched again, successfully, by another visitor.
    for (const refused of forbidden) {
      const later = server.hits.filter((hit) => hit.path === refused.path && hit.status === 200);
      expect(
        later.map((hit) => hit.visitors[0]),
        refused.path,
      ).not.toContain('1');
      expect(later.length, refused.path).toBe(1);
    }
    const sessions = stats.sessions?.sessions;
    expect(stats.sessions?.blocked).toBe(forbidden.length);
    expect(sessions?.retiredBy.blocked).toBe(1);
    expect(sessions?.created).toBe(4);
    const uas = expectOneIdentityPerVisitor(server);
    // One jar per session: each session got its own visitor cookie and kept it (a shared jar would make one).
    expect(uas.size).toBe(4);
    // Browser-like headers, not the crawler's own name.
    for (const ua of uas.values()) {
      expect(ua).toMatch(/Mozilla\/5\.0 \(X11; Linux x86_64\).*Chrome\//);
    }
  });

  it('retires a session on a challenge page found by isBlocked, and still extracts the item', async () => {
    const seen = new Map<string, number>();
    const server = await site(6, (_hit, visitor) => {
      seen.set(visitor, (seen.get(visitor) ?? 0) + 1);
      return visitor === '2' && (seen.get(visitor) ?? 0) > 1 ? 'challenge' : 'ok';
    });
    const sink = memorySink();
    const stats = await crawl(
      itemsSpider(`${server.origin}/`, (page) => page.select('#challenge').length > 0),
      { output: sink, logLevel: 'silent', robots: false, sessions: 2, retries: 3, concurrency: 1 },
    );
    expect(titles(sink.items)).toEqual(Array.from({ length: 6 }, (_, i) => `item ${i + 1}`));
    expect(sink.items.some((item) => String(item.title).includes('Checking'))).toBe(false);
    expect(stats.sessions?.blocked).toBeGreaterThan(0);
    expect(stats.sessions?.sessions?.retiredBy.blocked).toBe(1);
    expect(stats.failed).toBe(0);
    expectOneIdentityPerVisitor(server);
  });

  it('without sessions a 403 stays a failed request (blockedStatuses only apply with sessions or tiers)', async () => {
    const server = await site(2, (hit) => (hit.from === '127.0.0.1' ? 'forbidden' : 'ok'));
    const stats = await crawl(itemsSpider(`${server.origin}/`), {
      logLevel: 'silent',
      robots: false,
    });
    expect(stats.failed).toBe(1);
    expect(stats.errorsByCode).toEqual({ AR_HTTP_STATUS: 1 });
    expect(stats.sessions).toBeUndefined();
  });
});

describe('proxy rotation', () => {
  it('round-robins over two SOCKS5 proxies with auth: each proxy carries its share', async () => {
    const server = await site(5);
    const a = await socks('127.0.0.2');
    const b = await socks('127.0.0.3');
    const sink = memorySink();
    const stats = await crawl(itemsSpider(`${server.origin}/`), {
      output: sink,
      logLevel: 'silent',
      robots: false,
      concurrency: 1,
      proxies: [a.url(auth), b.url(auth)],
    });
    expect(sink.items).toHaveLength(5);
    const from = (address: string) => server.hits.filter((hit) => hit.from === address).length;
    expect([from('127.0.0.2'), from('127.0.0.3'), from('127.0.0.1')]).toEqual([3, 3, 0]);
    expect(a.connections).toBeGreaterThan(0);
    expect(b.connections).toBeGreaterThan(0);
    expect(stats.sessions?.proxies?.requestsByProxy).toEqual({
      [`socks5://***@127.0.0.1:${a.port}`]: 3,
      [`socks5://***@127.0.0.1:${b.port}`]: 3,
    });
  });

  it('tiers: a host that blocks tier 0 moves to tier 1, and its pages are fetched there', async () => {
    // The site has banned tier 0's address.
    const server = await site(6, (hit) => (hit.from === '127.0.0.2' ? 'forbidden' : 'ok'));
    const tier0 = await socks('127.0.0.2');
    const tier1 = await socks('127.0.0.3');
    const sink = memorySink();
    const stats = await crawl(itemsSpider(`${server.origin}/`), {
      output: sink,
      logLevel: 'silent',
      robots: false,
      retries: 2,
      proxyTiers: [[tier0.url(auth)], [tier1.url(auth)]],
    });
    expect(titles(sink.items)).toEqual(Array.from({ length: 6 }, (_, i) => `item ${i + 1}`));
    expect(stats.failed).toBe(0);
    expect(stats.sessions?.proxies?.hostTiers).toEqual({ '127.0.0.1': 1 });
    // Only the first request went out on tier 0; everything after the block went through tier 1.
    expect(server.hits.filter((hit) => hit.from === '127.0.0.2')).toHaveLength(1);
    expect(
      server.hits.filter((hit) => hit.status === 200).every((hit) => hit.from === '127.0.0.3'),
    ).toBe(true);
    expect(stats.sessions?.blocked).toBe(1);
  });

  it('wrong proxy credentials: each request fails once with one AR_PROXY line, no retry, no password', async () => {
    const server = await site(1);
    const proxy = await socks('127.0.0.2');
    const crawler = createCrawler(itemsSpider(`${server.origin}/`), {
      logLevel: 'silent',
      robots: false,
      proxies: [proxy.url({ user: 'crawler', pass: 'hunter2' })],
    });
    const failures: string[] = [];
    crawler.on('request:failed', ({ error }) => failures.push(error.message));
    const stats = await crawler.run();
    expect(failures).toEqual([
      `SOCKS5 proxy socks5://***@127.0.0.1:${proxy.port} rejected the credentials (RFC 1929 auth failed)`,
    ]);
    expect(stats.errorsByCode).toEqual({ AR_PROXY: 1 });
    expect(stats.retries).toBe(0);
    expect(server.hits).toHaveLength(0);
    expect(proxy.authFailures).toBe(1);
  });
});

const tinyproxy = await tinyproxyUp();
describe.skipIf(!tinyproxy)(
  'sessions over a real HTTP proxy (tinyproxy) and a SOCKS5 proxy',
  () => {
    it('keeps each session on one proxy (sticky) and each proxy logs its share', async () => {
      const server = await site(6);
      const http = await startTinyproxy(auth);
      closers.push(() => http.close());
      const socksProxy = await socks('127.0.0.3');
      const sink = memorySink();
      const stats = await crawl(itemsSpider(`${server.origin}/`), {
        output: sink,
        logLevel: 'silent',
        robots: false,
        sessions: 2,
        concurrency: 1,
        proxies: [http.url(), socksProxy.url(auth)],
      });
      expect(sink.items).toHaveLength(6);
      expect(stats.sessions?.sessions?.created).toBe(2);
      // Session 1 took the first proxy, session 2 the second, and each kept it.
      const byVisitor = new Map<string, Set<string>>();
      for (const hit of server.hits) {
        const visitor = hit.visitors[0];
        if (visitor === undefined) continue;
        byVisitor.set(visitor, (byVisitor.get(visitor) ?? new Set()).add(hit.from));
      }
      expect([...byVisitor.values()].map((set) => set.size)).toEqual([1, 1]);
      const viaTinyproxy = server.hits.filter((hit) => hit.from === '127.0.0.1').length;
      const viaSocks = server.hits.filter((hit) => hit.from === '127.0.0.3').length;
      expect(viaTinyproxy + viaSocks).toBe(7);
      expect(viaTinyproxy).toBeGreaterThan(0);
      expect(viaSocks).toBeGreaterThan(0);
      const logged = (await http.requests()).filter((line) =>
        line.includes(`127.0.0.1:${server.port}/`),
      );
      expect(logged).toHaveLength(viaTinyproxy);
    });
  },
);
