/**
 * A caching resolver for every connection a crawl opens: answers kept for their TTL in a bounded LRU, failures
 * (NXDOMAIN, no record) kept briefly, concurrent lookups of one name sharing one query. Either the system resolver
 * (dns.lookup: hosts file, nsswitch) or named DNS servers, asked in turn over UDP (TCP when an answer is truncated).
 */
import dns, { type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../errors.js';

/** Which family comes first when a name has both: `auto` keeps the resolver's order (IPv4 first from servers). */
export type DnsPrefer = 'auto' | 'ipv4' | 'ipv6';

export interface DnsCacheOptions {
  /**
   * DNS servers, `address[:port]` (`127.0.0.1:5353`, `[::1]:53`), asked in this order: one that times out or
   * refuses goes to the back of the line and the next is asked. @default the system resolver (dns.lookup)
   */
  servers?: readonly string[];
  /** @default 'auto' */
  prefer?: DnsPrefer;
  /** Names (per family) kept; the least recently used goes first. @default 10_000 */
  maxEntries?: number;
  /** A server's TTL is raised to this at least, so a TTL of 0 does not mean a query per connection. @default 1_000 */
  minTtlMs?: number;
  /** …and lowered to this at most, so a long TTL cannot pin a moved site for a long crawl. @default 300_000 */
  maxTtlMs?: number;
  /** How long NXDOMAIN and "no such record" answers are kept. @default 5_000 */
  negativeTtlMs?: number;
  /** How long system resolver answers are kept: dns.lookup gives no TTL. @default 30_000 */
  systemTtlMs?: number;
  /** One server's time to answer before the next is asked. @default 2_000 */
  timeoutMs?: number;
  /** The clock for expiry, in ms. @default Date.now */
  now?: () => number;
}

export interface DnsStats {
  /** Names looked up (one per new connection to a host name). */
  lookups: number;
  /** …answered from the cache, or by joining a query already on its way. */
  cacheHits: number;
  /** Time spent waiting for resolvers, summed over the lookups that asked one. */
  ms: number;
}

type Family = 0 | 4 | 6;

interface Entry {
  expiresAt: number;
  addresses?: LookupAddress[];
  error?: NodeJS.ErrnoException;
}

/** Answers that are the final word about a name: kept as a negative entry, and no other server is asked. */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

export class DnsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Entry>>();
  readonly #resolvers: Array<{ server: string; resolver: dns.promises.Resolver }>;
  readonly #prefer: DnsPrefer;
  readonly #maxEntries: number;
  readonly #minTtlMs: number;
  readonly #maxTtlMs: number;
  readonly #negativeTtlMs: number;
  readonly #systemTtlMs: number;
  readonly #now: () => number;
  readonly #stats: DnsStats = { lookups: 0, cacheHits: 0, ms: 0 };

  /** @throws ConfigError for a server that is not `address[:port]`. */
  constructor(options: DnsCacheOptions = {}) {
    const timeout = options.timeoutMs ?? 2_000;
    this.#resolvers = (options.servers ?? []).map((server) => {
      // One resolver per server, one try each: the order of servers and the fallback are ours, not c-ares's.
      const resolver = new dns.promises.Resolver({ timeout, tries: 1 });
      try {
        resolver.setServers([server]);
      } catch (error) {
        throw new ConfigError(`DNS server must be address[:port], got "${server}"`, {
          cause: error,
        });
      }
      return { server, resolver };
    });
    this.#prefer = options.prefer ?? 'auto';
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#minTtlMs = options.minTtlMs ?? 1_000;
    this.#maxTtlMs = options.maxTtlMs ?? 300_000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.#systemTtlMs = options.systemTtlMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** The servers asked, in their current order; empty for the system resolver. */
  get servers(): string[] {
    return this.#resolvers.map(({ server }) => server);
  }

  stats(): DnsStats {
    return { ...this.#stats, ms: Math.round(this.#stats.ms) };
  }

  /** Every address of `host` (both families for 0), preferred family first; rejects with the resolver's error. */
  async resolve(host: string, family: Family = 0): Promise<LookupAddress[]> {
    const literal = isIP(host);
    if (literal !== 0) return [{ address: host, family: literal }];
    const name = host.toLowerCase();
    const key = `${family}:${name}`;
    let entry = this.#hit(name, family);
    if (entry === undefined) {
      this.#stats.lookups++;
      const pending = this.#inFlight.get(key);
      if (pending !== undefined) this.#stats.cacheHits++;
      entry = await (pending ?? this.#query(key, name, family));
    }
    if (entry.error !== undefined) throw entry.error;
    return entry.addresses ?? [];
  }

  /**
   * dns.lookup's signature, for net.connect, undici's connector and the egress guard. A cache hit calls back at
   * once, inside net.connect: the socket's 'lookup' event then fires before anyone listens, so the connection's
   * timings show 0 ms of DNS, which is what a hit costs.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : 0;
    const answer = (entry: Entry) => {
      const addresses = entry.addresses ?? [];
      const first = addresses[0];
      if (entry.error !== undefined) callback(entry.error, '');
      else if (options.all) callback(null, addresses);
      else if (first === undefined) callback(notFound(hostname, 'ENOTFOUND', []), '');
      else callback(null, first.address, first.family);
    };
    const hit = this.#hit(hostname, family);
    if (hit !== undefined) return answer(hit);
    this.resolve(hostname, family).then(
      (addresses) => answer({ addresses, expiresAt: 0 }),
      (error: NodeJS.ErrnoException) => answer({ error, expiresAt: 0 }),
    );
  };

  /** The cached entry of a name, counted as a lookup and a hit; undefined (and nothing counted) otherwise. */
  #hit(host: string, family: Family): Entry | undefined {
    if (isIP(host) !== 0) return undefined;
    const entry = this.#fresh(`${family}:${host.toLowerCase()}`);
    if (entry === undefined) return undefined;
    this.#stats.lookups++;
    this.#stats.cacheHits++;
    return entry;
  }

  #fresh(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-inserted: a Map iterates in insertion order, so its first key is the least recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  #query(key: string, name: string, family: Family): Promise<Entry> {
    const started = performance.now();
    const query = (
      this.#resolvers.length > 0 ? this.#ask(name, family) : this.#system(name, family)
    )
      .then((entry) => {
        this.#store(key, entry);
        return entry;
      })
      .finally(() => {
        this.#stats.ms += performance.now() - started;
        this.#inFlight.delete(key);
      });
    this.#inFlight.set(key, query);
    return query;
  }

  #store(key: string, entry: Entry): void {
    // Timeouts and refusals are not kept: the next connection asks again.
    if (entry.error !== undefined && !NEGATIVE.has(entry.error.code ?? '')) return;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  async #system(name: string, family: Family): Promise<Entry> {
    try {
      const found = await dns.promises.lookup(name, { family, all: true });
      const addresses = this.#ordered(found);
      return { addresses, expiresAt: this.#now() + this.#systemTtlMs };
    } catch (error) {
      return {
        error: error as NodeJS.ErrnoException,
        expiresAt: this.#now() + this.#negativeTtlMs,
      };
    }
  }

  async #ask(name: string, family: Family): Promise<Entry> {
    const families: Array<4 | 6> = family === 0 ? [4, 6] : [family];
    const answers = await Promise.all(families.map((f) => this.#askServers(name, f)));
    const addresses: LookupAddress[] = [];
    let ttlSeconds = Number.POSITIVE_INFINITY;
    const errors: NodeJS.ErrnoException[] = [];
    for (const [index, answer] of answers.entries()) {
      if (!Array.isArray(answer)) {
        errors.push(answer);
        continue;
      }
      for (const { address, ttl } of answer) {
        addresses.push({ address, family: families[index] ?? 4 });
        ttlSeconds = Math.min(ttlSeconds, ttl);
      }
    }
    if (addresses.length > 0) {
      const ttlMs = Math.min(this.#maxTtlMs, Math.max(this.#minTtlMs, ttlSeconds * 1000));
      return { addresses: this.#ordered(addresses), expiresAt: this.#now() + ttlMs };
    }
    // NXDOMAIN for one family is NXDOMAIN for the name; otherwise the first failure speaks for both.
    const code =
      errors.find((error) => error.code === 'ENOTFOUND')?.code ?? errors[0]?.code ?? 'ENOTFOUND';
    return {
      error: notFound(name, code, this.servers),
      expiresAt: this.#now() + this.#negativeTtlMs,
    };
  }

  /** The first server's answer, or its NXDOMAIN/NODATA; the next server on a timeout or refusal. */
  async #askServers(
    name: string,
    family: 4 | 6,
  ): Promise<dns.RecordWithTtl[] | NodeJS.ErrnoException> {
    let failure: NodeJS.ErrnoException | undefined;
    for (const entry of [...this.#resolvers]) {
      try {
        return family === 4
          ? await entry.resolver.resolve4(name, { ttl: true })
          : await entry.resolver.resolve6(name, { ttl: true });
      } catch (error) {
        failure = error as NodeJS.ErrnoException;
        if (NEGATIVE.has(failure.code ?? '')) return failure;
        this.#demote(entry);
      }
    }
    return failure ?? notFound(name, 'ENOTFOUND', this.servers);
  }

  /** A server that failed to answer is asked last from now on, so one dead server costs one timeout, not one each. */
  #demote(entry: { server: string; resolver: dns.promises.Resolver }): void {
    const index = this.#resolvers.indexOf(entry);
    if (index === -1 || index === this.#resolvers.length - 1) return;
    this.#resolvers.splice(index, 1);
    this.#resolvers.push(entry);
  }

  #ordered(addresses: LookupAddress[]): LookupAddress[] {
    if (this.#prefer === 'auto') return addresses;
    const first = this.#prefer === 'ipv4' ? 4 : 6;
    return [
      ...addresses.filter((a) => a.family === first),
      ...addresses.filter((a) => a.family !== first),
    ];
  }
}

/** An error shaped like dns.lookup's, naming the servers asked, so logs say where the name failed. */
function notFound(name: string, code: string, servers: readonly string[]): NodeJS.ErrnoException {
  const asked = servers.length > 0 ? ` (asked ${servers.join(', ')})` : '';
  const error: NodeJS.ErrnoException & { hostname?: string } = new Error(
    `DNS ${code} ${name}${asked}`,
  );
  error.code = code;
  error.hostname = name;
  return error;
}
