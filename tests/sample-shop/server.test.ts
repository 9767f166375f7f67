import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShop, type ShopServer, serveShop } from '../../src/sample-shop/index.js';
import { fetchPath } from './http-client.js';

const shop = generateShop({ seed: 5, products: 100 });
let server: ShopServer;
let logDir: string;

beforeAll(async () => {
  logDir = await mkdtemp(join(tmpdir(), 'shop-log-'));
  server = await serveShop(shop, { logFile: join(logDir, 'requests.log'), cache: 16 });
});

afterAll(async () => {
  await server.close();
  await rm(logDir, { recursive: true, force: true });
});

describe('serveShop', () => {
  it('listens on 127.0.0.1 on a free port', () => {
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves pages byte-for-byte with Content-Length and an HTML Content-Type', async () => {
    const path = shop.expectedItems()[0]?.url ?? '/';
    const response = await fetchPath(server.origin, path);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expect(response.body).toBe(shop.page(path)?.body);
  });

  it('writes its own origin into robots.txt', async () => {
    const response = await fetchPath(server.origin, '/robots.txt');
    expect(response.body).toContain(`Sitemap: ${server.origin}/sitemap.xml`);
  });

  it('keeps connections alive across requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = server.stats().connections;
    const first = await fetchPath(server.origin, '/', { agent });
    const second = await fetchPath(server.origin, '/about/', { agent });
    agent.destroy();
    expect(first.reusedSocket).toBe(false);
    expect(second.reusedSocket).toBe(true);
    expect(second.headers.connection).toBe('keep-alive');
    expect(server.stats().connections - before).toBe(1);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    expect((await fetchPath(server.origin, '/missing')).status).toBe(404);
    const post = await fetchPath(server.origin, '/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await fetchPath(server.origin, '/category/kitchen/');
    const head = await fetchPath(server.origin, '/category/kitchen/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
  });

  it('logs requests in memory, at /__log, and in the log file, and clears them at /__reset', async () => {
    await fetchPath(server.origin, '/__reset');
    await fetchPath(server.origin, '/private/compare?id=2');
    await fetchPath(server.origin, '/faq/', { method: 'HEAD' });
    const expected = [
      { method: 'GET', path: '/private/compare?id=2' },
      { method: 'HEAD', path: '/faq/' },
    ];
    expect(server.log().map(({ method, path }) => ({ method, path }))).toEqual(expected);
    const viaHttp = JSON.parse((await fetchPath(server.origin, '/__log')).body) as unknown[];
    expect(viaHttp).toMatchObject(expected);
    expect(server.log()[0]?.time).toBeGreaterThan(0);
    await fetchPath(server.origin, '/__reset');
    expect(server.log()).toEqual([]);
    const lines = (await readFile(join(logDir, 'requests.log'), 'utf8')).trim().split('\n');
    expect(lines.at(-1)).toMatch(/^\d+\tHEAD\t\/faq\/$/);
  });

  it('delays responses when asked, still answering correctly', async () => {
    const slow = await serveShop(shop, { delayMs: 20, logRequests: false, cache: 'all' });
    try {
      const response = await fetchPath(slow.origin, '/');
      expect(response.body).toBe(shop.page('/')?.body);
      expect(slow.log()).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});
