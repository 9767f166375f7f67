import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { generateShop, startShopServer } from '../../src/sample-shop/index.js';
import { fetchPath } from './http-client.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startShopServer', () => {
  it('runs the shop in a child process and reports its log, stats and memory', async () => {
    const server = await startShopServer({ seed: 9, products: 50 });
    try {
      expect(server.pid).not.toBe(process.pid);
      const home = await fetchPath(server.origin, '/');
      expect(home.body).toBe(generateShop({ seed: 9, products: 50 }).page('/')?.body);
      await fetchPath(server.origin, '/private/account/');
      expect(await server.log()).toMatchObject([
        { method: 'GET', path: '/' },
        { method: 'GET', path: '/private/account/' },
      ]);
      const stats = await server.stats();
      expect(stats.requests).toBe(2);
      expect(stats.peakRssBytes).toBeGreaterThan(0);
      await server.resetLog();
      expect(await server.log()).toEqual([]);
    } finally {
      await server.stop();
    }
    expect(isRunning(server.pid)).toBe(false);
    await server.stop();
    await expect(server.log()).rejects.toThrow(/not running/);
  });

  it('rejects invalid options before forking', async () => {
    await expect(startShopServer({ products: -1 })).rejects.toThrow(ConfigError);
  });

  const compiled = new URL('../../dist/sample-shop/index.js', import.meta.url);
  it.skipIf(!existsSync(compiled))('starts from the compiled dist/ too', async () => {
    const dist = (await import(compiled.href)) as typeof import('../../src/sample-shop/index.js');
    const server = await dist.startShopServer({ products: 20, cache: 'all' });
    try {
      expect((await fetchPath(server.origin, '/robots.txt')).body).toContain('Disallow: /private/');
    } finally {
      await server.stop();
    }
  });
});
