import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedCacheStore } from '../../src/cache/memcached-store.js';
import { StorageError } from '../../src/errors.js';
import {
  runCacheStoreContract,
  sampleEntry,
  sampleKey,
} from '../contracts/cache-store.contract.js';
import { freePort } from '../helpers/local-server.js';
import { type MemcachedProcess, memcachedUp, startMemcached } from './services.js';

const skip = (await memcachedUp()) ? undefined : 'memcached missing';
let memcached: MemcachedProcess | undefined;
const maxItemBytes = 1_000_000;

beforeAll(async () => {
  if (skip === undefined) memcached = await startMemcached();
});
afterAll(async () => {
  await memcached?.stop();
});

const connect = (prefix: string) => {
  if (memcached === undefined) throw new Error('memcached is not running');
  return MemcachedCacheStore.connect(memcached.servers, { prefix, maxItemBytes });
};

runCacheStoreContract(
  'MemcachedCacheStore',
  () => ({ open: (namespace) => connect(`${namespace}:`), maxEntryBytes: maxItemBytes }),
  skip,
);

describe.skipIf(skip !== undefined)('MemcachedCacheStore', () => {
  it('does not list an entry deleted behind its index line, and clear counts only what it removed', async () => {
    const store = await connect(`${randomUUID()}:`);
    await store.set(sampleKey(1), sampleEntry(1));
    await store.set(sampleKey(2), sampleEntry(2));
    await store.delete(sampleKey(1));
    const listed = [];
    for await (const listing of store.list()) listed.push(listing.key);
    expect(listed).toEqual([sampleKey(2)]);
    expect(await store.clear()).toBe(1);
    await store.close();
  });

  it('still serves entries after the index item is lost (they are only unlisted)', async () => {
    const prefix = `${randomUUID()}:`;
    const store = await connect(prefix);
    await store.set(sampleKey(1), sampleEntry(1));
    const other = await connect(prefix);
    // Simulates an LRU eviction of the index by deleting it through a second client.
    await other.clear();
    await store.set(sampleKey(2), sampleEntry(2));
    expect(await store.get(sampleKey(2))).toEqual(sampleEntry(2));
    expect(await store.clear()).toBe(1);
    await store.close();
    await other.close();
  });

  it('fails to connect with a StorageError when nothing listens there', async () => {
    const port = await freePort();
    await expect(
      MemcachedCacheStore.connect(`127.0.0.1:${port}`, { timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(StorageError);
  });
});
