import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheStore } from '../../src/cache/redis-store.js';
import { StorageError } from '../../src/errors.js';
import {
  runCacheStoreContract,
  sampleEntry,
  sampleKey,
} from '../contracts/cache-store.contract.js';
import { freePort } from '../helpers/local-server.js';
import { redisUp } from './services.js';

const REDIS = 'redis://127.0.0.1:6379/0';
const skip = (await redisUp()) ? undefined : 'Redis unreachable';
// db 0 is shared with other tests and people: everything here lives under one random prefix, removed at the end.
const runPrefix = `arachne-test:${randomUUID()}:`;

runCacheStoreContract(
  'RedisCacheStore',
  () => ({
    open: (namespace) => RedisCacheStore.connect(REDIS, { prefix: `${runPrefix}${namespace}:` }),
  }),
  skip,
);

describe.skipIf(skip !== undefined)('RedisCacheStore', () => {
  const raw = createClient({ url: REDIS });
  beforeAll(async () => {
    await raw.connect();
  });
  afterAll(async () => {
    for await (const keys of raw.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await raw.unlink(keys);
    }
    await raw.close();
  });

  it('takes its prefix from the URL, and clear never touches keys outside it', async () => {
    const prefix = `${runPrefix}url-prefix:`;
    const sibling = `${runPrefix}url-prefiX-sibling`;
    await raw.set(sibling, 'keep me');
    const store = await RedisCacheStore.connect(`${REDIS}?prefix=${encodeURIComponent(prefix)}`);
    expect(store.prefix).toBe(prefix);
    await store.set(sampleKey(1), sampleEntry(1));
    expect(await raw.exists(`${prefix}${sampleKey(1)}`)).toBe(1);
    expect(await store.clear()).toBe(1);
    expect(await raw.get(sibling)).toBe('keep me');
    await store.close();
  });

  it('treats glob characters in the prefix literally', async () => {
    const store = await RedisCacheStore.connect(REDIS, { prefix: `${runPrefix}glob*[a]?:` });
    const lookalike = await RedisCacheStore.connect(REDIS, { prefix: `${runPrefix}globXa!:` });
    await store.set(sampleKey(1), sampleEntry(1));
    await lookalike.set(sampleKey(2), sampleEntry(2));
    expect(await store.clear()).toBe(1);
    expect(await lookalike.get(sampleKey(2))).toEqual(sampleEntry(2));
    await lookalike.clear();
    await store.close();
    await lookalike.close();
  });

  it('stores an entry with a TTL as a Redis expiry on its key', async () => {
    const store = await RedisCacheStore.connect(REDIS, { prefix: `${runPrefix}ttl:` });
    await store.set(sampleKey(1), sampleEntry(1), 60_000);
    const ttl = await raw.pTTL(`${runPrefix}ttl:${sampleKey(1)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.close();
  });

  it('fails to connect with a StorageError when nothing listens there', async () => {
    const port = await freePort();
    await expect(RedisCacheStore.connect(`redis://127.0.0.1:${port}/0`)).rejects.toBeInstanceOf(
      StorageError,
    );
  });
});
