/**
 * A frontier in Redis shared by any number of workers: per-host queues, a shared seen set, global per-host
 * politeness, and leases: taking a request leases it in one atomic step, a worker renews its leases while it
 * works, and an expired lease (a dead worker) puts the request back. Acknowledgements are fenced by lease id,
 * so a worker whose lease lapsed cannot write a request's items twice. Leases and acknowledgements travel in
 * batches (exchange.ts): with `leaseBatch` above 1 a worker keeps up to that many leases, and each batch of
 * acknowledgements takes the next requests in the same call.
 *
 * On a Redis Cluster a crawl is split into shards, each under its own hash tag (so on its own slot, spread over the
 * masters): a host's queue, leases, politeness and the seen set of its URLs live in the shard its name hashes to, so
 * every script still runs in one slot. The crawl's meta, stats, ladder and export marks live in shard 0.
 */
import { randomUUID } from 'node:crypto';
import { FingerprintSet } from '../crawler/fingerprint-set.js';
import type { Failure, Frontier, Outcome, SharedFrontier } from '../crawler/frontier.js';
import type { ItemSource } from '../crawler/item-export.js';
import type { LadderEntry, LadderStore } from '../crawler/ladder/ladder.js';
import { fingerprintBody, type Request, reviveRequest } from '../crawler/request.js';
import { ConfigError, CrawlGoneError } from '../errors.js';
import type { Item } from '../storage/sink.js';
import { hostOf } from '../url/canonical-url.js';
import { createDedupKey, type DedupKey, type DedupRules } from '../url/dedup-key.js';
import { fingerprintHalves } from '../url/fingerprint.js';
import { type Ack, Exchange, type ExchangeReply } from './exchange.js';
import { crawlPrefix, hostTurnsPrefix, shardOf, shardPrefix } from './keys.js';
import { isCluster, isReady, type RedisClient, Script, untilAnswered } from './redis-connection.js';
import * as lua from './scripts.js';

export interface RedisFrontierOptions {
  crawlId: string;
  /** Requests in flight per host across ALL workers. @default 8 */
  perHost?: number;
  /** Minimum delay between two requests to a host, across all workers. @default 0 */
  delayMs?: number;
  /** A lease not renewed for this long returns its request to the queue. @default 30_000 */
  leaseMs?: number;
  /**
   * 'exact': 64-bit fingerprints in bucketed Redis sets (about 9–12 bytes per URL, no false positives).
   * 'bloom': a Bloom filter on a Redis bitmap sized by `bloomCapacity` and `bloomErrorRate`. @default 'exact'
   */
  dedup?: 'exact' | 'bloom';
  /** @default 100_000_000 */
  bloomCapacity?: number;
  /** Probability that a new URL is wrongly taken for seen. @default 0.001 */
  bloomErrorRate?: number;
  /** Seen-set buckets (2^bits); each holds up to ~512 fingerprints in Redis's compact encoding. @default 16 */
  seenBucketBits?: number;
  /**
   * How URL spellings fold together for dedup. Not stored in Redis: every worker of a crawl must be given the
   * same rules (as it is given the same crawl id). @default the default rules
   */
  dedupRules?: DedupRules;
  /**
   * Up to how many leases this worker holds (its concurrency): one call then leases several requests, and each
   * batch of acknowledgements takes as many new ones as it freed. At 1, next() leases one request per call and
   * acknowledgements take none. @default 1
   */
  leaseBatch?: number;
  /**
   * Shares each host's turns (requests in flight, delay, ready time) with every crawl on this Redis given the same
   * name: the per-host limit and delay then hold across all of them together (the job server gives its name to
   * every job). Recorded in the crawl on join; a single Redis, not a Cluster (the group's keys sit in another slot).
   * @default the crawl's own turns
   */
  hostTurns?: string;
  /**
   * Shards the crawl is split into (see above). Every worker of a crawl must use the same count; the first to join
   * records it. @default 1 on a single Redis, `clusterShards` on a Cluster
   */
  shards?: number;
}

/** How many shards a crawl has on a Redis Cluster: enough to spread it over 16 masters. */
export const clusterShards = 16;

/** The longest a worker waits before asking again a shard that keeps finding nothing to do. */
const emptyShardMaxWaitMs = 1000;

const scripts = {
  add: new Script(lua.addScript),
  exchange: new Script(lua.exchangeScript),
  renew: new Script(lua.renewScript),
  backOff: new Script(lua.backOffScript),
  finish: new Script(lua.finishScript),
  turn: new Script(lua.turnScript),
  size: new Script(lua.sizeScript),
};

/** A lease this worker holds: the shard it was taken from and its id there. */
interface Lease {
  shard: number;
  id: string;
}

/** Requests new to this worker, with the script arguments (token, host, priority, JSON) of each, by shard. */
interface Fresh {
  requests: Request[];
  /** The shard of each request, in order. */
  shardOf: number[];
  /** Per shard: its requests' arguments, in order. */
  args: string[][];
}

export class RedisFrontier implements Frontier, ItemSource {
  readonly shared: SharedFrontier = {
    pollMs: 100,
    finishedBefore: false,
    backOff: (host: string, delayMs: number) => this.backOff(host, delayMs),
    setHostDelay: (host: string, delayMs: number) => this.setHostDelay(host, delayMs),
    bookTurn: (host: string, delayMs: number) => this.bookTurn(host, delayMs),
    finish: () => this.finish(),
  };
  /** Items live in a Redis stream, committed with each request's completion. */
  readonly items: ItemSource = this;
  /** What the adaptive ladder learned, in one hash every worker reads and writes. */
  readonly ladder: LadderStore = {
    get: async (key) => {
      const json = await this.#redis((c) => c.hGet(`${this.prefix}ladder`, key));
      return json ? (JSON.parse(json) as LadderEntry) : undefined;
    },
    set: async (key, entry) => {
      await this.#redis((c) => c.hSet(`${this.prefix}ladder`, key, JSON.stringify(entry)));
    },
    all: async () => {
      const rows = await this.#redis((c) => c.hGetAll(`${this.prefix}ladder`));
      return Object.fromEntries(
        Object.entries(rows).map(([key, json]) => [key, JSON.parse(json) as LadderEntry]),
      );
    },
  };
  readonly #onClose: Array<() => Promise<void>> = [];
  /** Set by join(): from then on the crawl's meta hash names its spider, so its absence means deleted keys. */
  #joined = false;
  readonly workerId = randomUUID();
  readonly crawlId: string;
  /** Shard 0's prefix: the crawl's meta, stats, ladder and export marks live here. */
  readonly prefix: string;
  readonly shards: number;
  readonly #prefixes: string[];
  /** Where this crawl's host turns live: its own prefix, or its host-turns group's (known after join()). */
  #turnPrefix: string;
  readonly #hostTurns: string | undefined;
  readonly #client: RedisClient;
  readonly #perHost: string;
  readonly #delayMs: string;
  readonly #leaseMs: number;
  readonly #mode: 'exact' | 'bloom';
  readonly #bloom: { bits: number; hashes: number };
  readonly #bucketMask: number;
  /** The leases of the requests this worker holds, by request object identity of the URL+method+body. */
  readonly #leases = new Map<string, Lease>();
  readonly #renewTimer: NodeJS.Timeout;
  readonly #halves = new Uint32Array(2);
  readonly #key: DedupKey;
  /** Fingerprints this worker has sent to the shared seen set (a local cache of it, 16–24 bytes each). */
  readonly #sent = new FingerprintSet();
  /** What this worker queued in the last `replayWindowMs`, oldest first from `#recentStart`: see #replay. */
  #recent: Array<{ at: number; shard: number; args: readonly string[] }> = [];
  #recentStart = 0;
  #replaying: Promise<void> | undefined;
  readonly #onConnectionError = () => {
    // A replay that fails ends with the worker: its client was closed.
    this.#replaying ??= this.#replay()
      .catch(() => {})
      .finally(() => {
        this.#replaying = undefined;
      });
  };
  readonly #leaseBatch: number;
  /** One per shard. */
  readonly #exchanges: Exchange[];
  /** Leased in a batch and not handed out yet (their leases are in #leases, renewed like the others). */
  #leased: Request[] = [];
  /** Per shard, with batches: it had nothing more ready for this worker until then (ms, local clock). */
  readonly #idleUntil: number[];
  /** Per shard: how many calls in a row found nothing queued or delayed in it (see #onReply). */
  readonly #emptyCalls: number[];
  /** The shard next() asks first: they take turns. */
  #nextShard = 0;
  /** The last exchange found the crawl's keys gone. */
  #gone = false;
  /** Set by close(): the last exchanges only give back and acknowledge, and lease nothing more. */
  #closing = false;

  constructor(client: RedisClient, options: RedisFrontierOptions) {
    this.#client = client;
    this.crawlId = options.crawlId;
    this.prefix = crawlPrefix(options.crawlId);
    this.shards = Math.max(
      1,
      Math.floor(options.shards ?? (isCluster(client) ? clusterShards : 1)),
    );
    this.#prefixes = Array.from({ length: this.shards }, (_, i) => shardPrefix(this.prefix, i));
    if (options.hostTurns && this.shards > 1)
      throw new Error('hostTurns needs a single Redis (a crawl in shards cannot share host turns)');
    this.#hostTurns = options.hostTurns && hostTurnsPrefix(options.hostTurns);
    this.#turnPrefix = this.prefix;
    this.#perHost = String(options.perHost ?? 8);
    this.#delayMs = String(options.delayMs ?? 0);
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#mode = options.dedup ?? 'exact';
    this.#key = createDedupKey(options.dedupRules ?? {});
    // Each shard's filter holds its share of the URLs.
    this.#bloom = bloomSize(
      (options.bloomCapacity ?? 100_000_000) / this.shards,
      options.bloomErrorRate ?? 0.001,
    );
    this.#bucketMask = 2 ** (options.seenBucketBits ?? 16) - 1;
    this.#leaseBatch = Math.max(1, Math.floor(options.leaseBatch ?? 1));
    this.#idleUntil = this.#prefixes.map(() => 0);
    this.#emptyCalls = this.#prefixes.map(() => 0);
    this.#exchanges = this.#prefixes.map(
      (prefix, shard) =>
        new Exchange({
          run: (want, ops) =>
            scripts.exchange.run(this.#client, `${prefix}meta`, [
              prefix,
              this.#perHost,
              this.#mode,
              String(this.#leaseMs),
              this.#delayMs,
              String(want),
              ...ops,
            ]),
          want: (asked) => this.#want(asked),
          onReply: (reply) => this.#onReply(shard, reply),
        }),
    );
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(100, this.#leaseMs / 3));
    this.#renewTimer.unref();
    client.on('error', this.#onConnectionError);
    if (isCluster(client)) client.on('node-error', this.#onConnectionError);
  }

  get key(): string {
    return `${this.prefix}meta`;
  }

  /** Seeds the crawl (even with nothing to add: it marks the crawl as started, in shard 0). */
  async add(requests: readonly Request[]): Promise<Request[]> {
    const fresh = this.#fresh(requests);
    const added = await this.#addTo(fresh, (shard) => shard === 0 || fresh.args[shard]?.length);
    for (let shard = 0; shard < this.shards; shard++) this.#wake(shard); // new work: ask again at once
    return fresh.requests.filter((_, i) => added[i] === 1);
  }

  /** Runs the add script in each shard `chosen` picks; returns 1 (new), 0 (seen) or -1 (not sent) per request. */
  async #addTo(fresh: Fresh, chosen: (shard: number) => unknown): Promise<number[]> {
    const flags = await Promise.all(
      this.#prefixes.map((prefix, shard) => {
        if (!chosen(shard)) return undefined;
        const args = fresh.args[shard] ?? [];
        this.#remember(shard, args);
        return scripts.add.run(this.#client, `${prefix}meta`, [
          prefix,
          this.#perHost,
          this.#mode,
          ...args,
        ]) as Promise<number[]>;
      }),
    );
    const next = this.#prefixes.map(() => 0);
    return fresh.shardOf.map((shard) => {
      const shardFlags = flags[shard];
      const i = next[shard] ?? 0;
      next[shard] = i + 1;
      return shardFlags ? Number(shardFlags[i]) : -1;
    });
  }

  async markSeen(request: Request): Promise<boolean> {
    // A redirect target: recorded as seen in the shared set, never queued.
    const token = this.#token(...this.#halvesOf(request));
    const prefix = this.#prefixOf(hostOf(request.url) ?? '');
    if (this.#mode === 'bloom') {
      let fresh = false;
      for (const position of token.split(',')) {
        const bit = await this.#redis((c) => c.setBit(`${prefix}bloom`, Number(position), 1));
        if (bit === 0) fresh = true;
      }
      return fresh;
    }
    const [bucket, fp] = token.split(' ') as [string, string];
    return (await this.#redis((c) => c.sAdd(`${prefix}seen:${bucket}`, fp))) === 1;
  }

  /**
   * Hands out a leased request: one leased earlier in a batch, else one from a new call. Global politeness is
   * decided in Redis when a request is leased; the scheduler's local host check only adds to it.
   */
  async next(): Promise<Request | undefined> {
    const buffered = this.#leased.shift();
    if (buffered) return buffered;
    // With batches, a worker holding all the leases it may need not ask again now: each acknowledgement asks for
    // the next requests anyway, and the scheduler polls. Nor need it ask a shard that said a moment ago that it had
    // nothing more ready.
    if (this.#leaseBatch > 1 && this.#leases.size >= this.#leaseBatch) return undefined;
    const now = Date.now();
    for (let tried = 0; tried < this.shards; tried++) {
      const shard = this.#nextShard;
      this.#nextShard = (shard + 1) % this.shards;
      if (this.#leaseBatch > 1 && now < (this.#idleUntil[shard] ?? 0)) continue;
      await this.#exchangeOf(shard).lease();
      if (this.#gone && this.#joined) throw new CrawlGoneError(this.crawlId);
      const leased = this.#leased.shift();
      if (leased) return leased;
    }
    return undefined;
  }

  async complete(request: Request, outcome: Outcome): Promise<Request[]> {
    const { shard, id } = this.#takeLease(request);
    const children = this.#fresh(outcome.children);
    const items = outcome.items.map((item) => JSON.stringify(item));
    // Children of hosts in other shards are queued first, each shard in its own step: should this worker die before
    // the completion lands, they are queued and seen already, and the request crawled again finds them seen.
    let elsewhere: number[] | undefined;
    if (this.shards > 1) {
      const chosen = (other: number) => other !== shard && children.args[other]?.length;
      elsewhere = await this.#addTo(children, chosen);
      for (let other = 0; other < this.shards; other++) if (chosen(other)) this.#wake(other);
    }
    this.#remember(shard, children.args[shard] ?? []);
    const result = await this.#exchangeOf(shard).ack({
      kind: 'c',
      lease: id,
      items,
      children: children.args[shard] ?? [],
    });
    if (typeof result === 'number') {
      // -1: the lease lapsed and the request went back to the queue; its completion was refused, items and children
      // with it. Those children are in #sent already, so this worker would never send them again, and if it is the
      // one to crawl the request anew they would be lost: they are queued now (the shared seen set drops any that
      // the request's other crawl queues too).
      if (children.args[shard]?.length) await this.#addTo(children, (other) => other === shard);
      return [];
    }
    let own = 0;
    return children.requests.filter((_, i) =>
      children.shardOf[i] === shard ? Number(result[own++]) === 1 : elsewhere?.[i] === 1,
    );
  }

  async fail(request: Request, failure: Failure): Promise<void> {
    const { shard, id } = this.#takeLease(request);
    const error = `${failure.code}: ${failure.message}`;
    await this.#exchangeOf(shard).ack({
      kind: 'f',
      lease: id,
      json: JSON.stringify(request),
      error,
    });
  }

  /** Releases the lease and parks the request in Redis until its backoff is over, visible to every worker. */
  async retry(request: Request, delayMs = 0): Promise<void> {
    const { shard, id } = this.#takeLease(request);
    await this.#exchangeOf(shard).ack({
      kind: 'r',
      lease: id,
      json: JSON.stringify(request),
      delayMs,
    });
  }

  /** New work in `shard`: worth asking it again at once. */
  #wake(shard: number): void {
    this.#idleUntil[shard] = 0;
    this.#emptyCalls[shard] = 0;
  }

  #exchangeOf(shard: number): Exchange {
    return this.#exchanges[shard] as Exchange;
  }

  #prefixOf(host: string): string {
    return this.#prefixes[shardOf(host, this.shards)] as string;
  }

  /** How many leases the next exchange asks for: one at least when next() waits, and up to the batch's room. */
  #want(asked: boolean): number {
    if (this.#closing) return 0;
    let pending = 0;
    for (const exchange of this.#exchanges) pending += exchange.pending;
    const room = this.#leaseBatch - this.#leases.size - pending;
    if (asked) return Math.max(1, room);
    return this.#leaseBatch > 1 ? Math.max(0, room) : 0;
  }

  #onReply(shard: number, reply: ExchangeReply): void {
    for (const { json, lease } of reply.leased) {
      const request = reviveRequest(json);
      this.#leases.set(leaseKey(request), { shard, id: lease });
      this.#leased.push(request);
    }
    if (reply.leased.length === reply.wanted) {
      this.#emptyCalls[shard] = 0;
    } else {
      const pollMs = this.shared.pollMs;
      const empty = reply.waitMs < 0;
      const emptyCalls = empty ? (this.#emptyCalls[shard] ?? 0) + 1 : 0;
      this.#emptyCalls[shard] = emptyCalls;
      // Of a crawl's 16 shards many may be empty for long (a crawl of few hosts): a worker asks one that stays empty
      // less and less often, up to once a second, instead of every poll: a thousand workers would otherwise keep a
      // cluster busy with 160,000 calls a second that find nothing. Children this worker queues there wake it.
      const waitMs = !empty
        ? Math.min(reply.waitMs, pollMs)
        : this.shards > 1
          ? Math.min(pollMs * 2 ** (emptyCalls - 1), emptyShardMaxWaitMs)
          : pollMs;
      this.#idleUntil[shard] = Date.now() + waitMs;
      // join() records the owning spider in the crawl's meta hash and nothing ever removes it: when it is missing,
      // the crawl's keys were deleted under this worker, which would otherwise poll an empty queue forever.
      this.#gone = !reply.alive && reply.waitMs < 0;
    }
  }

  /** Holds every worker off `host` for `delayMs` (Retry-After). */
  async backOff(host: string, delayMs: number): Promise<void> {
    const prefix = this.#prefixOf(host);
    await scripts.backOff.run(this.#client, `${prefix}meta`, [
      prefix,
      this.#perHost,
      host,
      String(delayMs),
    ]);
  }

  /** Raises the delay between two requests to `host` for all workers (robots.txt Crawl-delay). */
  async setHostDelay(host: string, delayMs: number): Promise<void> {
    const key = `${this.shards > 1 ? this.#prefixOf(host) : this.#turnPrefix}host:${host}`;
    const current = Number((await this.#redis((c) => c.hGet(key, 'delay'))) ?? this.#delayMs);
    if (delayMs > current) await this.#redis((c) => c.hSet(key, 'delay', String(delayMs)));
  }

  /**
   * Books `host`'s next turn for every worker (delay: at least `delayMs`) and returns 0, or returns how many
   * milliseconds remain until the host may have one (another worker's turn, a lease or a back-off holds it).
   */
  async bookTurn(host: string, delayMs: number): Promise<number> {
    const prefix = this.#prefixOf(host);
    return Number(
      await scripts.turn.run(this.#client, `${prefix}meta`, [
        prefix,
        this.#perHost,
        host,
        String(delayMs),
      ]),
    );
  }

  /** Queued, delayed and leased anywhere: the crawl is over only when all three are zero. */
  async size(): Promise<number> {
    let size = 0;
    for (const shard of await this.#sizes()) size += shard.queued + shard.delayed + shard.leased;
    return size;
  }

  /** Per shard: queued, delayed, leased, and how many requests it ever queued (seq). */
  #sizes(): Promise<Array<{ queued: number; delayed: number; leased: number; seq: number }>> {
    return Promise.all(
      this.#prefixes.map(async (prefix) => {
        const [queued, delayed, leased, seq] = (await scripts.size.run(
          this.#client,
          `${prefix}meta`,
          [prefix, this.#perHost],
        )) as number[];
        return {
          queued: Number(queued),
          delayed: Number(delayed),
          leased: Number(leased),
          seq: Number(seq),
        };
      }),
    );
  }

  /**
   * Items in the shared streams after `cursor`, for the process that writes the output. The cursor is a stream id,
   * or with shards one per shard, comma-separated ('' where none was read yet); shard 0's items come first.
   */
  async itemsAfter(cursor: string, limit: number): Promise<Array<{ cursor: string; item: Item }>> {
    const positions = this.shards === 1 ? [cursor] : cursor.split(',');
    const batches = await Promise.all(
      this.#prefixes.map((prefix, shard) => {
        const after = positions[shard] ?? '';
        return this.#redis((c) =>
          c.xRange(`${prefix}items`, after ? `(${after}` : '-', '+', { COUNT: limit }),
        );
      }),
    );
    const out: Array<{ cursor: string; item: Item }> = [];
    for (const [shard, entries] of batches.entries()) {
      for (const entry of entries) {
        if (out.length === limit) return out;
        positions[shard] = entry.id;
        out.push({
          cursor:
            this.shards === 1
              ? entry.id
              : this.#prefixes.map((_, i) => positions[i] ?? '').join(','),
          item: JSON.parse(entry.message.i ?? '{}') as Item,
        });
      }
    }
    return out;
  }

  async readMark(key: string): Promise<string | undefined> {
    return (await this.#redis((c) => c.hGet(`${this.prefix}exports`, key))) ?? undefined;
  }

  async writeMark(key: string, value: string): Promise<void> {
    await this.#redis((c) => c.hSet(`${this.prefix}exports`, key, value));
  }

  /** Marks the crawl finished if nothing remains anywhere; true when it is (now or already). */
  async finish(): Promise<boolean> {
    await this.#replaying;
    if (await this.isFinished()) return true;
    if (this.shards === 1)
      return (await scripts.finish.run(this.#client, this.key, [this.prefix, this.#perHost])) === 1;
    if (!(await this.#redis((c) => c.hExists(this.key, 'seeded')))) return false;
    // No single step sees every shard. A child moves to another shard before its parent's lease is released, so a
    // first reading could miss it: it was queued after its shard was read, the parent done before its own was. A
    // second reading finds it queued, or its shard's count of requests ever queued moved.
    const first = await this.#sizes();
    const empty = (shard: { queued: number; delayed: number; leased: number }) =>
      shard.queued === 0 && shard.delayed === 0 && shard.leased === 0;
    if (!first.every(empty)) return false;
    const second = await this.#sizes();
    if (!second.every((shard, i) => empty(shard) && shard.seq === first[i]?.seq)) return false;
    await this.#redis((c) => c.hSetNX(this.key, 'finished', String(Date.now())));
    return true;
  }

  /**
   * Joins the crawl for `spider`: refuses a crawl that belongs to another spider, and notes whether it had
   * finished before this worker came. `onClose` runs when the frontier closes (the opener's own cleanup).
   */
  async join(spider: string, onClose?: () => Promise<void>): Promise<void> {
    if (onClose) this.#onClose.push(onClose);
    const owner = await this.claim(spider);
    if (owner !== spider) {
      throw new ConfigError(
        `crawl "${this.crawlId}" belongs to spider "${owner}", not "${spider}"`,
      );
    }
    if (this.shards > 1) {
      await this.#redis((c) => c.hSetNX(this.key, 'shards', String(this.shards)));
      // Each shard's scripts find the spider in their own meta hash (a missing one means deleted keys).
      await Promise.all(
        this.#prefixes.map((prefix) =>
          this.#redis((c) => c.hSetNX(`${prefix}meta`, 'spider', spider)),
        ),
      );
    }
    const recorded = Number((await this.#redis((c) => c.hGet(this.key, 'shards'))) ?? 1);
    if (recorded !== this.shards) {
      throw new ConfigError(
        `crawl "${this.crawlId}" is split into ${recorded} shard(s), this worker into ${this.shards}: a crawl started on a single Redis continues there, one started on a Cluster on a Cluster`,
      );
    }
    // The first to join decides the crawl's host turns; the scripts read them from the meta hash.
    if (this.#hostTurns)
      await this.#redis((c) => c.hSetNX(this.key, 'turns', this.#hostTurns ?? ''));
    this.#turnPrefix = (await this.#redis((c) => c.hGet(this.key, 'turns'))) ?? this.prefix;
    (this.shared as { finishedBefore: boolean }).finishedBefore = await this.isFinished();
    this.#joined = true;
  }

  /** Records which spider this crawl belongs to (first come) and returns it. */
  async claim(spider: string): Promise<string> {
    await this.#redis((c) => c.hSetNX(this.key, 'spider', spider));
    return (await this.#redis((c) => c.hGet(this.key, 'spider'))) ?? spider;
  }

  async isFinished(): Promise<boolean> {
    return (await this.#redis((c) => c.hExists(this.key, 'finished'))) === 1;
  }

  /**
   * Sends the acknowledgements still queued and gives back the requests leased in a batch but never started (a
   * crawl that stops at maxPages, or on a signal), so other workers need not wait for their leases to expire.
   */
  async close(): Promise<void> {
    this.#closing = true;
    try {
      await this.#replaying;
      if (this.#client.isOpen) {
        const idle = () => Promise.all(this.#exchanges.map((exchange) => exchange.idle()));
        await idle(); // a call in flight may still bring leases
        const unstarted = this.#leased.splice(0);
        await Promise.all(
          unstarted.map((request) => {
            const { shard, id } = this.#takeLease(request);
            return this.#exchangeOf(shard).ack({ kind: 'g', lease: id } satisfies Ack);
          }),
        );
        await idle();
      }
    } finally {
      clearInterval(this.#renewTimer);
      this.#client.off('error', this.#onConnectionError);
      this.#client.off('node-error', this.#onConnectionError);
      for (const close of this.#onClose.splice(0)) await close();
    }
  }

  /** Keeps what this worker queues in a shard for `replayWindowMs`, for #replay. */
  #remember(shard: number, args: readonly string[]): void {
    const now = Date.now();
    if (args.length > 0) this.#recent.push({ at: now, shard, args });
    while ((this.#recent[this.#recentStart]?.at ?? now) < now - replayWindowMs) this.#recentStart++;
    if (this.#recentStart > 1024 && this.#recentStart * 2 > this.#recent.length) {
      this.#recent = this.#recent.slice(this.#recentStart);
      this.#recentStart = 0;
    }
  }

  /**
   * Queues again what this worker queued in the last `replayWindowMs`, once it has lost its connection to Redis: a
   * failover may have promoted a replica that lacked its master's last writes, or Redis restarted from a file that
   * missed them (an append-only file synced every second). Children lost that way would never come back: this
   * worker keeps them in #sent and does not send them again, and their parents, done, are not crawled again. The
   * seen set drops those Redis still has. The calls wait out the outage (untilAnswered), so they land on the Redis
   * that came back.
   */
  async #replay(): Promise<void> {
    const byShard = this.#prefixes.map((): string[] => []);
    for (let i = this.#recentStart; i < this.#recent.length; i++) {
      const entry = this.#recent[i];
      const target = entry && byShard[entry.shard];
      if (target) for (const arg of entry.args) target.push(arg);
    }
    await Promise.all(
      this.#prefixes.map(async (prefix, shard) => {
        const args = byShard[shard] ?? [];
        // In steps of 1,000 requests: one script call holds Redis for the time it runs.
        for (let at = 0; at < args.length; at += 4000) {
          await scripts.add.run(this.#client, `${prefix}meta`, [
            prefix,
            this.#perHost,
            this.#mode,
            ...args.slice(at, at + 4000),
          ]);
        }
      }),
    );
    for (let shard = 0; shard < this.shards; shard++) this.#wake(shard);
  }

  /** A call that waits out a Redis outage (see untilAnswered). */
  #redis<T>(call: (client: RedisClient) => Promise<T>): Promise<T> {
    return untilAnswered(this.#client, () => call(this.#client));
  }

  #takeLease(request: Request): Lease {
    const key = leaseKey(request);
    const lease = this.#leases.get(key) ?? { shard: 0, id: '' };
    this.#leases.delete(key);
    return lease;
  }

  async #renew(): Promise<void> {
    if (this.#leases.size === 0 || !isReady(this.#client)) return;
    const ids: string[][] = this.#prefixes.map(() => []);
    for (const { shard, id } of this.#leases.values()) ids[shard]?.push(id);
    try {
      await Promise.all(
        this.#prefixes.map((prefix, shard) =>
          ids[shard]?.length
            ? scripts.renew.run(this.#client, `${prefix}meta`, [
                prefix,
                this.#perHost,
                String(this.#leaseMs),
                ...(ids[shard] ?? []),
              ])
            : undefined,
        ),
      );
    } catch {
      // Redis is away: the connection reports it; the next tick tries again.
    }
  }

  /**
   * Drops requests this worker already sent to Redis: they are in the shared seen set for good, so there is no
   * need to ask again. Most links of a page were seen before; this keeps them off the wire and out of the scripts.
   * Returns the others with the script arguments for each (token, host, priority, JSON), hashing each request once.
   */
  #fresh(requests: readonly Request[]): Fresh {
    const fresh: Fresh = { requests: [], shardOf: [], args: this.#prefixes.map(() => []) };
    for (const request of requests) {
      const [high, low] = this.#halvesOf(request);
      if (!this.#sent.addHalves(high, low)) continue;
      const host = hostOf(request.url) ?? '';
      const shard = shardOf(host, this.shards);
      fresh.requests.push(request);
      fresh.shardOf.push(shard);
      fresh.args[shard]?.push(
        this.#token(high, low),
        host,
        String(request.priority),
        JSON.stringify(request),
      );
    }
    return fresh;
  }

  #halvesOf(request: Request): [number, number] {
    return fingerprintHalves(
      request.method,
      this.#key(request.url),
      fingerprintBody(request),
      this.#halves,
    ) as unknown as [number, number];
  }

  /** The dedup token the scripts expect: "bucket fingerprint" (exact) or bit positions (Bloom). */
  #token(high: number, low: number): string {
    if (this.#mode === 'bloom') {
      const { bits, hashes } = this.#bloom;
      const positions: number[] = [];
      // Kirsch–Mitzenmacher: k positions from two independent halves of the fingerprint.
      const step = (high | 1) >>> 0; // odd and unsigned, so the k positions differ
      for (let i = 0; i < hashes; i++) positions.push((low + i * step) % bits);
      return positions.join(',');
    }
    const fp = BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
    return `${low & this.#bucketMask} ${fp}`;
  }
}

/**
 * How far back a worker queues again what it queued, after losing Redis (see #replay): a replica lags its master by
 * milliseconds, an append-only file synced every second loses about a second. Kept that long, the requests cost
 * memory: a worker queuing 4,000 new requests a second (the local bench shop) holds some 20,000 (a few MB).
 */
const replayWindowMs = 5_000;

function leaseKey(request: Request): string {
  return `${request.method} ${request.url} ${request.body ?? ''}`;
}

/** Bloom filter size for n items at false-positive rate p: m = -n ln p / (ln 2)², k = m/n ln 2. */
export function bloomSize(capacity: number, errorRate: number): { bits: number; hashes: number } {
  const bits = Math.min(2 ** 32 - 1, Math.ceil((-capacity * Math.log(errorRate)) / Math.LN2 ** 2));
  const hashes = Math.max(1, Math.round((bits / capacity) * Math.LN2));
  return { bits, hashes };
}
