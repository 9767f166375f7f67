import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCache, parseCacheUri } from '../../src/cache/open-cache.js';
import { RedisCacheStore } from '../../src/cache/redis-store.js';
import { SqliteCacheStore } from '../../src/cache/sqlite-store.js';
import { ConfigError } from '../../src/errors.js';
import { sampleEntry, sampleKey } from '../contracts/cache-store.contract.js';
import { redisUp } from './services.js';

const skipRedis = (await redisUp()) ? undefined : 'Redis unreachable';
const dir = mkdtempSync(join(tmpdir(), 'arachne-open-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCacheUri', () => {
  it('reads a plain path as a cache directory, and a .sqlite/.db path or sqlite: URI as the file itself', () => {
    expect(parseCacheUri('.cache')).toEqual({
      kind: 'sqlite',
      path: join('.cache', 'http-cache.sqlite'),
    });
    expect(parseCacheUri('/tmp/x/cache.sqlite')).toEqual({
      kind: 'sqlite',
      path: '/tmp/x/cache.sqlite',
    });
    expect(parseCacheUri('runs/cache.db')).toEqual({ kind: 'sqlite', path: 'runs/cache.db' });
    expect(parseCacheUri('sqlite:cache.bin')).toEqual({ kind: 'sqlite', path: 'cache.bin' });
    expect(parseCacheUri('sqlite:///var/cache/a')).toEqual({
      kind: 'sqlite',
      path: '/var/cache/a',
    });
    expect(parseCacheUri('C:\\cache')).toEqual({
      kind: 'sqlite',
      path: join('C:\\cache', 'http-cache.sqlite'),
    });
  });

  it('reads redis and memcache URIs with their options', () => {
    expect(parseCacheUri('redis://127.0.0.1:6379/2?prefix=shop:')).toEqual({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379/2?prefix=shop:',
    });
    expect(
      parseCacheUri('memcache://127.0.0.1:11211,10.0.0.2:11211/?prefix=p:&maxItemBytes=5000000'),
    ).toEqual({
      kind: 'memcached',
      servers: '127.0.0.1:11211,10.0.0.2:11211',
      prefix: 'p:',
      maxItemBytes: 5_000_000,
    });
    expect(parseCacheUri('memcached://localhost:11211')).toEqual({
      kind: 'memcached',
      servers: 'localhost:11211',
    });
  });

  it('refuses unknown schemes and bad options with a ConfigError', () => {
    expect(() => parseCacheUri('postgres://db/cache')).toThrow(ConfigError);
    expect(() => parseCacheUri('memcache://h:1?maxItemBytes=lots')).toThrow(ConfigError);
    expect(() => parseCacheUri('memcache://')).toThrow(ConfigError);
    expect(() => parseCacheUri('')).toThrow(ConfigError);
    expect(() => parseCacheUri('sqlite:')).toThrow(ConfigError);
    expect(() => parseCacheUri('sqlite://host/cache.db')).toThrow(/names a host/);
    expect(() => parseCacheUri('sqlite:cache.db?table=x')).toThrow(/takes no parameters/);
  });
});

describe('openCache', () => {
  it('creates DIR/http-cache.sqlite for a directory, and reopens it', async () => {
    const cacheDir = join(dir, 'run-cache');
    const store = await openCache(cacheDir);
    expect(store).toBeInstanceOf(SqliteCacheStore);
    await store.set(sampleKey(1), sampleEntry(1));
    await store.close();
    expect(existsSync(join(cacheDir, 'http-cache.sqlite'))).toBe(true);
    const again = await openCache(cacheDir, { create: false });
    expect(await again.get(sampleKey(1))).toEqual(sampleEntry(1));
    await again.close();
  });

  it('does not create a cache when told not to', async () => {
    await expect(openCache(join(dir, 'nothing-here'), { create: false })).rejects.toThrow(
      /no HTTP cache/,
    );
    expect(existsSync(join(dir, 'nothing-here'))).toBe(false);
  });

  it.skipIf(skipRedis !== undefined)(
    'opens a Redis store with the prefix from the URI',
    async () => {
      const store = await openCache('redis://127.0.0.1:6379/0?prefix=arachne-test:open-cache:');
      expect(store).toBeInstanceOf(RedisCacheStore);
      expect((store as RedisCacheStore).prefix).toBe('arachne-test:open-cache:');
      await store.close();
    },
  );
});
