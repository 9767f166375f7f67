/** The contract every CacheStore backend passes: exact round trips, replace, delete, list, clear, TTL, reopen. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CachedResponse, CacheStore } from '../../src/cache/store.js';
import { waitFor } from '../helpers/wait.js';

/** How a test opens the backend: `namespace` names one cache (a file, a key prefix); the same name reopens it. */
export interface CacheStoreHarness {
  open(namespace: string): Promise<CacheStore>;
  /** Entries (metadata + body) larger than this are declined by the backend; omit when unlimited. */
  maxEntryBytes?: number;
}

/** Every byte value, several times over: a body no text encoding round-trips by accident. */
export function binaryBody(length = 1024): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 7 + 3) % 256));
}

export function sampleEntry(id: number, overrides: Partial<CachedResponse> = {}): CachedResponse {
  return {
    url: `http://127.0.0.1:8080/products/${id}?q=ü`,
    method: 'GET',
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      etag: `"v${id}"`,
      'set-cookie': 'a=1; Path=/\nb=2; HttpOnly',
      'x-note': 'Ünïcödé 🕷️',
    },
    body: binaryBody(256 + id),
    redirects: [],
    storedAt: 1_700_000_000_000 + id,
    ...overrides,
  };
}

/** 16 hex digits, like the request fingerprints the middleware uses as keys. */
export function sampleKey(id: number): string {
  return id.toString(16).padStart(16, '0');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Runs the shared CacheStore contract; `skip` (a reason) turns the whole suite into skipped tests. */
export function runCacheStoreContract(
  name: string,
  harness: () => CacheStoreHarness,
  skip?: string,
): void {
  describe.skipIf(skip !== undefined)(`${name} (CacheStore contract)`, () => {
    const opened: CacheStore[] = [];
    const namespaces = new Set<string>();
    const open = async (namespace: string) => {
      namespaces.add(namespace);
      const store = await harness().open(namespace);
      opened.push(store);
      return store;
    };
    let namespace = '';
    const fresh = async () => {
      namespace = randomUUID().slice(0, 8);
      return open(namespace);
    };

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => {});
      // Reopened, so entries a failed test left behind (in Redis or Memcached) do not outlive the run.
      for (const used of namespaces) {
        const cleaner = await harness().open(used);
        await cleaner.clear();
        await cleaner.close();
      }
      namespaces.clear();
    });

    it('answers undefined for a key it never stored', async () => {
      const store = await fresh();
      expect(await store.get(sampleKey(1))).toBeUndefined();
    });

    it('gives back exactly what was stored: status, headers, url, redirects, vary, stored-at and body bytes', async () => {
      const store = await fresh();
      const entry = sampleEntry(1, {
        status: 404,
        redirects: ['http://127.0.0.1:8080/old', 'http://127.0.0.1:8080/older'],
        vary: { 'accept-language': 'fr', 'user-agent': '' },
      });
      expect(await store.set(sampleKey(1), entry)).toBe(true);
      const back = await store.get(sampleKey(1));
      expect(back).toEqual(entry);
      expect(Buffer.isBuffer(back?.body)).toBe(true);
      expect(back?.body.equals(entry.body)).toBe(true);
    });

    it('stores an empty body (a HEAD response, a 204) as an empty buffer', async () => {
      const store = await fresh();
      await store.set(
        sampleKey(2),
        sampleEntry(2, { method: 'HEAD', status: 204, body: Buffer.alloc(0) }),
      );
      const back = await store.get(sampleKey(2));
      expect(back?.status).toBe(204);
      expect(back?.method).toBe('HEAD');
      expect(back?.body.length).toBe(0);
    });

    it('replaces the entry stored under the same key', async () => {
      const store = await fresh();
      await store.set(sampleKey(3), sampleEntry(3));
      const newer = sampleEntry(3, {
        status: 301,
        body: Buffer.from('moved'),
        storedAt: 1_800_000_000_000,
      });
      await store.set(sampleKey(3), newer);
      expect(await store.get(sampleKey(3))).toEqual(newer);
      expect((await collect(store.list())).length).toBe(1);
    });

    it('deletes one entry, and deleting a missing key is not an error', async () => {
      const store = await fresh();
      await store.set(sampleKey(4), sampleEntry(4));
      await store.set(sampleKey(5), sampleEntry(5));
      await store.delete(sampleKey(4));
      await store.delete(sampleKey(999));
      expect(await store.get(sampleKey(4))).toBeUndefined();
      expect(await store.get(sampleKey(5))).toEqual(sampleEntry(5));
      expect((await collect(store.list())).map((listing) => listing.key)).toEqual([sampleKey(5)]);
    });

    it('lists every entry once with its url, status, stored-at and body size', async () => {
      const store = await fresh();
      for (const id of [10, 11, 12])
        await store.set(sampleKey(id), sampleEntry(id, { status: 200 + id }));
      const listed = (await collect(store.list())).sort((a, b) => a.key.localeCompare(b.key));
      expect(listed).toEqual(
        [10, 11, 12].map((id) => ({
          key: sampleKey(id),
          url: sampleEntry(id).url,
          status: 200 + id,
          storedAt: sampleEntry(id).storedAt,
          bytes: sampleEntry(id).body.length,
        })),
      );
    });

    it('lists and clears a cache larger than one page or scan batch', async () => {
      const store = await fresh();
      const ids = Array.from({ length: 1200 }, (_, i) => i + 1);
      const small = { body: Buffer.from('x'), headers: {} };
      for (let i = 0; i < ids.length; i += 100) {
        await Promise.all(
          ids.slice(i, i + 100).map((id) => store.set(sampleKey(id), sampleEntry(id, small))),
        );
      }
      const keys = (await collect(store.list())).map((listing) => listing.key);
      expect(new Set(keys).size).toBe(ids.length);
      expect(keys.length).toBe(ids.length);
      expect(await store.clear()).toBe(ids.length);
      expect(await collect(store.list())).toEqual([]);
    });

    it('clear removes every entry, says how many, and leaves other caches alone', async () => {
      const store = await fresh();
      const otherName = `${namespace}-other`;
      const other = await open(otherName);
      await store.set(sampleKey(20), sampleEntry(20));
      await store.set(sampleKey(21), sampleEntry(21));
      await other.set(sampleKey(20), sampleEntry(22));
      expect(await store.clear()).toBe(2);
      expect(await store.get(sampleKey(20))).toBeUndefined();
      expect(await collect(store.list())).toEqual([]);
      expect(await other.get(sampleKey(20))).toEqual(sampleEntry(22));
      expect(await other.clear()).toBe(1);
      expect(await store.clear()).toBe(0);
    });

    it('keeps entries across close and reopen (a later run sees them)', async () => {
      const first = await fresh();
      await first.set(sampleKey(30), sampleEntry(30));
      await first.close();
      const second = await open(namespace);
      expect(await second.get(sampleKey(30))).toEqual(sampleEntry(30));
    });

    it('serves many concurrent writes and reads of different keys without mixing them up', async () => {
      const store = await fresh();
      const ids = Array.from({ length: 40 }, (_, i) => 100 + i);
      await Promise.all(ids.map((id) => store.set(sampleKey(id), sampleEntry(id))));
      const back = await Promise.all(ids.map((id) => store.get(sampleKey(id))));
      expect(back).toEqual(ids.map((id) => sampleEntry(id)));
    });

    it('forgets an entry after its TTL, and a replaced entry stored without TTL does not inherit one', async () => {
      const store = await fresh();
      await store.set(sampleKey(40), sampleEntry(40), 300);
      await store.set(sampleKey(41), sampleEntry(41), 300);
      await store.set(sampleKey(41), sampleEntry(41));
      expect(await store.get(sampleKey(40))).toEqual(sampleEntry(40));
      // Each backend expires on its own clock (memcached in whole seconds, Redis on the server's): poll, bounded.
      await waitFor(
        'the entry to expire',
        async () => ((await store.get(sampleKey(40))) === undefined ? true : undefined),
        { timeoutMs: 6_000, intervalMs: 50 },
      );
      expect(await store.get(sampleKey(40))).toBeUndefined();
      expect((await collect(store.list())).map((listing) => listing.key)).toEqual([sampleKey(41)]);
      expect(await store.get(sampleKey(41))).toEqual(sampleEntry(41));
    });

    it('stores a large body, or declines it (set resolves false) when the backend has an item size limit', async () => {
      const store = await fresh();
      const { maxEntryBytes } = harness();
      const big = sampleEntry(50, { body: binaryBody(3 * 1024 * 1024) });
      if (maxEntryBytes === undefined) {
        expect(await store.set(sampleKey(50), big)).toBe(true);
        expect((await store.get(sampleKey(50)))?.body.equals(big.body)).toBe(true);
      } else {
        expect(await store.set(sampleKey(50), big)).toBe(false);
        expect(await store.get(sampleKey(50))).toBeUndefined();
        const fits = sampleEntry(51, { body: binaryBody(maxEntryBytes - 4096) });
        expect(await store.set(sampleKey(51), fits)).toBe(true);
        expect((await store.get(sampleKey(51)))?.body.equals(fits.body)).toBe(true);
      }
    });
  });
}
