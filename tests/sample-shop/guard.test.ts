// The guarded shop over real HTTP: rate limit per client, the challenge page, and the cookie that passes it.
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHALLENGE_COOKIE,
  CHALLENGE_MARKER,
  type GuardOptions,
  generateShop,
  SESSION_COOKIE,
  type ShopServer,
  serveShop,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { waitFor } from '../helpers/wait.js';
import { fetchPath } from './http-client.js';

const shop = generateShop({ seed: 8, products: 40, mode: 'guarded' });
const staticShop = generateShop({ seed: 8, products: 40 });
let server: ShopServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(guard: GuardOptions): Promise<ShopServer> {
  server = await serveShop(shop, { guard });
  return server;
}

/** What the challenge page's script computes: the token of the page, reversed. */
function answer(body: string): string {
  const token = /data-token="([^"]+)"/.exec(body)?.[1];
  expect(token).toBeDefined();
  return [...(token ?? '')].reverse().join('');
}

describe('guarded shop', () => {
  it('answers 429 with Retry-After past N requests a second from one client, per client', async () => {
    // A minute-long window: the count cannot depend on how fast this machine sends the requests.
    const { origin } = await serve({ rateLimit: 5, windowMs: 60_000, challenge: false });
    const ua = { 'user-agent': 'crawler-a' };
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 7; i++) {
      const response = await fetchPath(origin, '/about/', { headers: ua });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers['retry-after'];
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(50);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // Another User-Agent from the same address, or a session cookie, is another client.
    expect(
      (await fetchPath(origin, '/about/', { headers: { 'user-agent': 'crawler-b' } })).status,
    ).toBe(200);
    const withSession = await fetchPath(origin, '/about/', {
      headers: { ...ua, cookie: `${SESSION_COOKIE}=mine` },
    });
    expect(withSession.status).toBe(200);
    const log = server?.log() ?? [];
    expect(log.filter((entry) => entry.blocked === 'rate-limit')).toHaveLength(2);
    expect(server?.stats()).toMatchObject({ rateLimited: 2, challenged: 0 });
  });

  it('lets a client in again once its oldest request leaves the sliding window', async () => {
    const { origin } = await serve({ rateLimit: 2, windowMs: 300, challenge: false });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetchPath(origin, '/faq/')).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    // The third is refused unless the machine took 300 ms for two requests; either way a later one passes.
    const passed = await waitFor(
      'a request let through again',
      async () => ((await fetchPath(origin, '/faq/')).status === 200 ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(passed).toBe(true);
    expect(server?.log().some((entry) => entry.blocked === 'rate-limit')).toBe(statuses[2] === 429);
  });

  it('gives a new client a session cookie and the challenge page, and the real page with the cookie', async () => {
    const { origin } = await serve({ rateLimit: 0 });
    const first = await fetchPath(origin, '/');
    expect(first.status).toBe(200);
    expect(first.body).toContain('<title>Just a moment…</title>');
    expect(first.body).toContain(CHALLENGE_MARKER);
    expect(first.body).not.toContain('<a ');
    expect(String(first.headers['set-cookie'])).toContain(`${SESSION_COOKIE}=`);
    expect(first.headers['cache-control']).toBe('no-store');

    const wrong = await fetchPath(origin, '/', { headers: { cookie: `${CHALLENGE_COOKIE}=nope` } });
    expect(wrong.body).toContain(CHALLENGE_MARKER);

    const cookie = `${CHALLENGE_COOKIE}=${answer(first.body)}`;
    for (const path of ['/', shop.expectedItems()[0]?.url ?? '']) {
      const real = await fetchPath(origin, path, { headers: { cookie } });
      expect(real.status, path).toBe(200);
      expect(real.body, path).toBe(staticShop.page(path)?.body);
    }
    // robots.txt is never challenged: a polite crawler reads it before anything else.
    expect((await fetchPath(origin, '/robots.txt')).body).toContain('Disallow: /private/');
    expect(server?.log().map((entry) => entry.blocked ?? 'served')).toEqual([
      'challenge',
      'challenge',
      'served',
      'served',
      'served',
    ]);
  });

  it('refuses a cookie minted by another server', async () => {
    const other = await serveShop(shop, { guard: { rateLimit: 0 } });
    const minted = answer((await fetchPath(other.origin, '/')).body);
    await other.close();
    const { origin } = await serve({ rateLimit: 0 });
    const response = await fetchPath(origin, '/', {
      headers: { cookie: `${CHALLENGE_COOKIE}=${minted}` },
    });
    expect(response.body).toContain(CHALLENGE_MARKER);
  });

  it('takes its guard options through startShopServer into the child process', async () => {
    const child = await startShopServer({
      seed: 8,
      products: 40,
      mode: 'guarded',
      guard: { rateLimit: 2, windowMs: 60_000, challenge: false },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetchPath(child.origin, '/faq/')).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect(await child.stats()).toMatchObject({ rateLimited: 1, challenged: 0 });
      expect((await child.log()).at(-1)).toMatchObject({ path: '/faq/', blocked: 'rate-limit' });
    } finally {
      await child.stop();
    }
  });

  it('leaves static, rendered and mixed shops unguarded', async () => {
    server = await serveShop(staticShop, { guard: { rateLimit: 1 } });
    for (let i = 0; i < 3; i++) {
      const response = await fetchPath(server.origin, '/');
      expect(response.status).toBe(200);
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expect(server.stats()).not.toHaveProperty('rateLimited');
  });
});
