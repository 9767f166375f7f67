// RobotsCache against real local servers: RFC 9309 status handling, redirects, one fetch per origin, TTLs.
import { describe, expect, it } from 'vitest';
import { RobotsCache } from '../../src/robots/index.js';
import {
  closedPortOrigin,
  type Route,
  redirectTo,
  startLocalServer as serve,
  text,
} from '../helpers/local-server.js';
import { oneHopFetch } from './fetchers.js';

const UA = 'arachne/0.1.0';
function cache(extra: Partial<ConstructorParameters<typeof RobotsCache>[0]> = {}): RobotsCache {
  return new RobotsCache({ userAgent: UA, fetch: oneHopFetch, ...extra });
}

describe('RobotsCache', () => {
  it('parses a 2xx robots.txt and exposes its rules, Crawl-delay and sitemaps', async () => {
    const site = await serve({
      '/robots.txt': text(
        'User-agent: arachne\nDisallow: /private\nCrawl-delay: 1.5\nSitemap: /sitemap-a.xml\n',
      ),
    });
    const robots = cache();
    expect(await robots.isAllowed(`${site.origin}/private/x`)).toBe(false);
    expect(await robots.isAllowed(`${site.origin}/public`)).toBe(true);
    expect(robots.crawlDelayMs(site.origin)).toBe(1500);
    expect(robots.sitemaps(site.origin)).toEqual(['/sitemap-a.xml']);
    expect(robots.entry(site.origin)?.state).toBe('parsed');
  });

  it('allows everything when robots.txt is 404', async () => {
    const site = await serve({});
    const robots = cache();
    expect(await robots.isAllowed(`${site.origin}/anything`)).toBe(true);
    expect(robots.entry(site.origin)).toMatchObject({ state: 'unavailable', status: 404 });
  });

  it.each([401, 403, 410])('allows everything on %i (RFC 9309 4xx)', async (status) => {
    const site = await serve({ '/robots.txt': text('User-agent: *\nDisallow: /\n', status) });
    expect(await cache().isAllowed(`${site.origin}/x`)).toBe(true);
  });

  it.each([500, 503, 429])('disallows everything on %i', async (status) => {
    const site = await serve({ '/robots.txt': text('', status) });
    const robots = cache();
    expect(await robots.isAllowed(`${site.origin}/x`)).toBe(false);
    expect(robots.entry(site.origin)).toMatchObject({ state: 'unreachable', status });
  });

  it('disallows everything when the origin is unreachable', async () => {
    const origin = await closedPortOrigin();
    const robots = cache();
    expect(await robots.isAllowed(`${origin}/x`)).toBe(false);
    expect(robots.entry(origin)).toMatchObject({ state: 'unreachable', status: undefined });
  });

  it('disallows everything when a hop exceeds the timeout', async () => {
    const site = await serve({ '/robots.txt': () => {} }); // never answers
    const robots = cache({ timeoutMs: 200 });
    expect(await robots.isAllowed(`${site.origin}/x`)).toBe(false);
    expect(robots.entry(site.origin)?.reason).toMatch(/timed out/);
  });

  it('follows three redirects, across origins, and applies the rules to the first origin', async () => {
    const target = await serve({ '/final.txt': text('User-agent: *\nDisallow: /blocked\n') });
    const site = await serve({
      '/robots.txt': redirectTo('/hop1', 301),
      '/hop1': redirectTo('/hop2', 302),
      '/hop2': redirectTo(`${target.origin}/final.txt`, 308),
    });
    const robots = cache();
    expect(await robots.isAllowed(`${site.origin}/blocked/page`)).toBe(false);
    expect(await robots.isAllowed(`${site.origin}/open`)).toBe(true);
    expect(robots.entry(site.origin)?.state).toBe('parsed');
    expect(robots.peek(target.origin)).toBeUndefined();
    expect(target.count('/final.txt')).toBe(1);
  });

  it('follows five redirects but treats a sixth as unavailable (allow all)', async () => {
    const chain = (length: number) => {
      const routes: Record<string, Route> = {};
      for (let i = 0; i < length; i++) {
        routes[i === 0 ? '/robots.txt' : `/r${i}`] = redirectTo(`/r${i + 1}`);
      }
      routes[`/r${length}`] = text('User-agent: *\nDisallow: /\n');
      return routes;
    };
    const five = await serve(chain(5));
    const six = await serve(chain(6));
    const robots = cache();
    expect(await robots.isAllowed(`${five.origin}/x`)).toBe(false);
    expect(await robots.isAllowed(`${six.origin}/x`)).toBe(true);
    expect(robots.entry(six.origin)).toMatchObject({ state: 'unavailable' });
    expect(six.count('/r6')).toBe(0);
  });

  it('treats a redirect without Location as unavailable', async () => {
    const site = await serve({ '/robots.txt': (_req, res) => res.writeHead(302).end() });
    expect(await cache().isAllowed(`${site.origin}/x`)).toBe(true);
  });

  it('fetches robots.txt once for 20 concurrent callers', async () => {
    const site = await serve({
      '/robots.txt': (_req, res) => {
        setTimeout(() => res.writeHead(200).end('User-agent: *\nDisallow: /no\n'), 50);
      },
    });
    const robots = cache();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        robots.isAllowed(`${site.origin}/${i % 2 ? 'no' : 'yes'}/${i}`),
      ),
    );
    expect(site.count('/robots.txt')).toBe(1);
    expect(answers.filter((allowed) => allowed)).toHaveLength(10);
    await robots.get(`${site.origin}/later`);
    expect(site.count('/robots.txt')).toBe(1);
  });

  it('answers synchronously once an origin is loaded', async () => {
    const site = await serve({ '/robots.txt': text('User-agent: *\nDisallow: /no\n') });
    const robots = cache();
    expect(robots.peek(site.origin)).toBeUndefined();
    expect(robots.isAllowedSync(`${site.origin}/no`)).toBeUndefined();
    await robots.get(site.origin);
    expect(robots.peek(`${site.origin}/any/page?q=1`)).toBeDefined();
    expect(robots.isAllowedSync(`${site.origin}/no`)).toBe(false);
    expect(robots.isAllowedSync(`${site.origin}/yes`)).toBe(true);
  });

  it('normalises origins: default ports and letter case share one entry', async () => {
    const site = await serve({ '/robots.txt': text('User-agent: *\nDisallow: /no\n') });
    const robots = cache();
    await robots.get(site.origin.replace('http://', 'HTTP://'));
    expect(robots.isAllowedSync(`${site.origin}/no`)).toBe(false);
    expect(site.count('/robots.txt')).toBe(1);
  });

  it('refetches an unreachable origin after errorTtlMs and a good one after ttlMs', async () => {
    let status = 503;
    const site = await serve({
      '/robots.txt': (_req, res) => res.writeHead(status).end('User-agent: *\nDisallow: /no\n'),
    });
    let now = 1_000_000;
    const robots = cache({ now: () => now, errorTtlMs: 60_000, ttlMs: 3_600_000 });
    expect(await robots.isAllowed(`${site.origin}/yes`)).toBe(false);
    status = 200;
    now += 59_000;
    expect(await robots.isAllowed(`${site.origin}/yes`)).toBe(false);
    now += 2_000;
    expect(robots.peek(site.origin)).toBeUndefined();
    expect(await robots.isAllowed(`${site.origin}/yes`)).toBe(true);
    expect(site.count('/robots.txt')).toBe(2);
    now += 3_600_001;
    await robots.get(site.origin);
    expect(site.count('/robots.txt')).toBe(3);
  });

  it('keeps at most maxEntries origins', async () => {
    const a = await serve({});
    const b = await serve({});
    const robots = cache({ maxEntries: 1 });
    await robots.get(a.origin);
    await robots.get(b.origin);
    expect(robots.peek(a.origin)).toBeUndefined();
    expect(robots.peek(b.origin)).toBeDefined();
  });

  it('rejects non-http URLs', async () => {
    await expect(cache().get('ftp://example.com/')).rejects.toMatchObject({ code: 'AR_BAD_URL' });
    await expect(cache().get('not a url')).rejects.toMatchObject({ code: 'AR_BAD_URL' });
  });
});
