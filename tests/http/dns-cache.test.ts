// The caching resolver against a real dnsmasq on 127.0.0.1: TTLs, negative caching, a dead server, family order.
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { DnsCache } from '../../src/http/dns-cache.js';
import { createTransport } from '../../src/http/transport.js';
import {
  type DnsServer,
  dnsmasqUp,
  startDnsmasq,
  startSilentDnsServer,
} from '../helpers/dnsmasq.js';
import { startLocalServer } from '../helpers/local-server.js';

const up = await dnsmasqUp();

describe.skipIf(!up)('DnsCache', () => {
  let dnsmasq: DnsServer;
  let silent: DnsServer & { queries(): number };
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({
      records: {
        'site.test': ['127.0.0.1'],
        'both.test': ['127.0.0.1', '::1'],
        'six.test': ['::1'],
      },
      ttl: 2,
    });
    silent = await startSilentDnsServer();
  });
  afterAll(async () => {
    await dnsmasq?.close();
    await silent?.close();
  });

  /** A cache over dnsmasq with a clock the test moves. */
  function cacheWithClock(options: ConstructorParameters<typeof DnsCache>[0] = {}) {
    let now = 1_000_000;
    const cache = new DnsCache({ servers: [dnsmasq.server], now: () => now, ...options });
    return { cache, advance: (ms: number) => (now += ms) };
  }

  it('keeps an answer for its TTL: a hit within it, a new query after it', async () => {
    const { cache, advance } = cacheWithClock();
    expect(await cache.resolve('site.test')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(cache.stats()).toMatchObject({ lookups: 1, cacheHits: 0 });
    advance(1_900);
    expect(await cache.resolve('SITE.test')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(cache.stats()).toMatchObject({ lookups: 2, cacheHits: 1 });
    // dnsmasq's TTL is 2 s.
    advance(200);
    await cache.resolve('site.test');
    expect(cache.stats()).toMatchObject({ lookups: 3, cacheHits: 1 });
  });

  it('clamps TTLs between minTtlMs and maxTtlMs', async () => {
    const raised = cacheWithClock({ minTtlMs: 10_000 });
    await raised.cache.resolve('site.test');
    raised.advance(9_000);
    await raised.cache.resolve('site.test');
    expect(raised.cache.stats().cacheHits).toBe(1);

    const lowered = cacheWithClock({ maxTtlMs: 500 });
    await lowered.cache.resolve('site.test');
    lowered.advance(600);
    await lowered.cache.resolve('site.test');
    expect(lowered.cache.stats().cacheHits).toBe(0);
  });

  it('keeps NXDOMAIN for negativeTtlMs, then asks again', async () => {
    const { cache, advance } = cacheWithClock({ negativeTtlMs: 3_000 });
    const first = await cache
      .resolve('missing.test')
      .catch((error: NodeJS.ErrnoException) => error);
    expect(first).toMatchObject({ code: 'ENOTFOUND', hostname: 'missing.test' });
    expect((first as Error).message).toBe(`DNS ENOTFOUND missing.test (asked ${dnsmasq.server})`);
    await expect(cache.resolve('missing.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(cache.stats()).toMatchObject({ lookups: 2, cacheHits: 1 });
    advance(3_000);
    await expect(cache.resolve('missing.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(cache.stats()).toMatchObject({ lookups: 3, cacheHits: 1 });
  });

  it('caches "no record of this family" (NODATA) as a negative answer too', async () => {
    const { cache } = cacheWithClock();
    await expect(cache.resolve('site.test', 6)).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(cache.resolve('site.test', 6)).rejects.toMatchObject({ code: 'ENODATA' });
    expect(cache.stats().cacheHits).toBe(1);
    // The other family is its own entry.
    expect(await cache.resolve('site.test', 4)).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('asks the next server when one does not answer, and asks the dead one last from then on', async () => {
    const cache = new DnsCache({ servers: [silent.server, dnsmasq.server], timeoutMs: 300 });
    const before = silent.queries();
    expect(await cache.resolve('site.test', 4)).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(silent.queries()).toBeGreaterThan(before);
    expect(cache.stats().ms).toBeGreaterThanOrEqual(300);
    expect(cache.servers).toEqual([dnsmasq.server, silent.server]);
    const asked = silent.queries();
    await cache.resolve('both.test', 4);
    expect(silent.queries()).toBe(asked);
  });

  it('fails with ETIMEOUT when no server answers, and keeps no entry for it', async () => {
    const cache = new DnsCache({ servers: [silent.server], timeoutMs: 200 });
    await expect(cache.resolve('site.test', 4)).rejects.toMatchObject({ code: 'ETIMEOUT' });
    await expect(cache.resolve('site.test', 4)).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(cache.stats()).toMatchObject({ lookups: 2, cacheHits: 0 });
  });

  it('orders the families by preference', async () => {
    const families = (found: LookupAddress[]) => found.map((entry) => entry.family);
    const v4 = new DnsCache({ servers: [dnsmasq.server], prefer: 'ipv4' });
    const v6 = new DnsCache({ servers: [dnsmasq.server], prefer: 'ipv6' });
    expect(families(await v4.resolve('both.test'))).toEqual([4, 6]);
    expect(families(await v6.resolve('both.test'))).toEqual([6, 4]);
    // A preference is an order, not a filter.
    expect(await v6.resolve('site.test')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await v4.resolve('six.test')).toEqual([{ address: '::1', family: 6 }]);
  });

  it('shares one query between concurrent lookups of a name', async () => {
    const cache = new DnsCache({ servers: [dnsmasq.server] });
    const all = await Promise.all([1, 2, 3].map(() => cache.resolve('both.test')));
    expect(new Set(all.map((found) => JSON.stringify(found))).size).toBe(1);
    expect(cache.stats()).toMatchObject({ lookups: 3, cacheHits: 2 });
  });

  it('evicts the least recently used name beyond maxEntries', async () => {
    const cache = new DnsCache({ servers: [dnsmasq.server], maxEntries: 2 });
    await cache.resolve('site.test');
    await cache.resolve('both.test');
    await cache.resolve('site.test'); // hit: site.test is now the most recent
    await cache.resolve('six.test'); // evicts both.test
    await cache.resolve('site.test');
    expect(cache.stats().cacheHits).toBe(2);
    await cache.resolve('both.test');
    expect(cache.stats().cacheHits).toBe(2);
  });

  it('works as a lookup function: dns.lookup callbacks, single and all', async () => {
    const cache = new DnsCache({ servers: [dnsmasq.server], prefer: 'ipv6' });
    const single = await new Promise<[string, number]>((resolve, reject) =>
      cache.lookup('both.test', { family: 0 }, (error, address, family) =>
        error ? reject(error) : resolve([address as string, family ?? 0]),
      ),
    );
    expect(single).toEqual(['::1', 6]);
    const all = await new Promise<LookupAddress[]>((resolve, reject) =>
      cache.lookup('both.test', { all: true }, (error, addresses) =>
        error ? reject(error) : resolve(addresses as unknown as LookupAddress[]),
      ),
    );
    expect(all.map((entry) => entry.address)).toEqual(['::1', '127.0.0.1']);
  });

  it('caches the system resolver too (no servers)', async () => {
    const cache = new DnsCache();
    const found = await cache.resolve('localhost', 4);
    expect(found).toContainEqual({ address: '127.0.0.1', family: 4 });
    await cache.resolve('localhost', 4);
    expect(cache.stats()).toMatchObject({ lookups: 2, cacheHits: 1 });
  });

  it('refuses a server that is not address[:port]', () => {
    expect(() => new DnsCache({ servers: ['not a server'] })).toThrow(ConfigError);
  });

  it('connects the transport through it: a name only dnsmasq knows, DNS time only on a miss', async () => {
    const site = await startLocalServer({ '/': 'hello' });
    const cache = new DnsCache({ servers: [dnsmasq.server] });
    // A fresh connection per request: each one looks the name up.
    const transport = createTransport({ lookup: cache.lookup, keepAliveTimeoutMs: 1 });
    try {
      const send = () =>
        transport.send({
          url: `http://site.test:${site.port}/`,
          method: 'GET',
          headers: { connection: 'close' },
        });
      const first = await send();
      expect(first.body.toString()).toBe('hello');
      const second = await send();
      expect(second.status).toBe(200);
      expect(cache.stats()).toMatchObject({ lookups: 2, cacheHits: 1 });
      expect(first.timings.dnsMs).toBeGreaterThan(0);
      expect(second.timings.dnsMs).toBe(0);
    } finally {
      await transport.close();
      await site.close();
    }
  });

  it('lets the egress guard refuse what the name resolves to', async () => {
    const site = await startLocalServer({ '/': 'hello' });
    const cache = new DnsCache({ servers: [dnsmasq.server] });
    const transport = createTransport({ lookup: cache.lookup, egress: { allowPrivate: false } });
    try {
      await expect(
        transport.send({ url: `http://site.test:${site.port}/`, method: 'GET', headers: {} }),
      ).rejects.toMatchObject({ code: 'AR_EGRESS_DENIED' });
    } finally {
      await transport.close();
      await site.close();
    }
  });
});
