/** Crawl stats shared across workers: each worker adds its deltas to one Redis hash; `arachne status` reads it. */
import type { LadderEntry } from '../crawler/ladder/ladder.js';
import type { Stats } from '../crawler/stats.js';
import { shardPrefix } from './keys.js';
import { type RedisClient, Script } from './redis-connection.js';
import { publishScript as publishSource } from './scripts.js';

const counters = [
  'requests',
  'responses',
  'items',
  'itemsDropped',
  'invalidItems',
  'invalidItemsKept',
  'bytes',
  'retries',
  'failed',
  'robotsDenied',
  'redirectsToSeen',
  'offsite',
  'linksFiltered',
  'duplicatesFiltered',
  'depthFiltered',
  'trapFiltered',
  'cacheHits',
  'cacheMisses',
  'cacheRevalidations',
  'dnsLookups',
  'dnsCacheHits',
  'dnsMs',
  'comparisonFetches',
  'speculativeFetches',
  'scriptRequests',
  'scriptRequestsRefused',
] as const;

const publishScript = new Script(publishSource);

/** A worker counts as alive while its heartbeat is younger than this. */
export const aliveMs = 10_000;

export interface StatsPublisher {
  /** Adds what changed since the last call to the shared hash, and beats the worker's heartbeat. */
  publish(): Promise<void>;
  /** Final publish; removes the worker from the list of live workers. */
  close(): Promise<void>;
}

export function publishStats(
  client: RedisClient,
  prefix: string,
  workerId: string,
  snapshot: () => Stats,
): StatsPublisher {
  let last: Stats | undefined;
  let startedAt: number | undefined;
  // One publish at a time: two at once (the 1 s timer's and close()'s) would add the same deltas twice.
  let previous: Promise<void> = Promise.resolve();
  const publish = () => {
    const run = previous.then(publishOnce, publishOnce);
    previous = run.catch(() => {});
    return run;
  };
  const publishOnce = async () => {
    const now = snapshot();
    const deltas: string[] = [];
    const add = (field: string, count: number, before = 0) => {
      if (count !== before) deltas.push(field, String(count - before));
    };
    for (const key of counters) add(key, now[key], last?.[key]);
    const maps = [
      ['status:', now.responsesByStatus, last?.responsesByStatus],
      ['error:', now.errorsByCode, last?.errorsByCode],
      ['invalid:', now.invalidItemsByField, last?.invalidItemsByField],
      ['trap:', now.trapsByReason, last?.trapsByReason],
      ['robots:', now.robotsFetchFailed, last?.robotsFetchFailed],
      ['rung:', now.pagesByRung, last?.pagesByRung],
    ] as const;
    for (const [prefix, counts, before] of maps) {
      for (const [name, count] of Object.entries(counts)) add(prefix + name, count, before?.[name]);
    }
    startedAt ??= Date.parse(now.startedAt);
    await publishScript.run(client, `${prefix}stats`, [
      `${prefix}workers`,
      workerId,
      String(Date.now()),
      String(startedAt),
      ...deltas,
    ]);
    last = now;
  };
  return {
    publish,
    async close() {
      await publish();
      await client.hDel(`${prefix}workers`, workerId);
    },
  };
}

export interface HostStatus {
  host: string;
  queued: number;
  inFlight: number;
  done: number;
  failed: number;
  delayMs: number;
}

/** Where a crawl (or one shard of it) stands. */
interface Counts {
  queued: number;
  leased: number;
  delayed: number;
  done: number;
  failed: number;
  items: number;
  reclaimed: number;
}

export interface CrawlStatus extends Counts {
  finished: boolean;
  /** Shards the crawl is split into: 1 on a single Redis (see RedisFrontierOptions.shards). */
  shards: number;
  workers: string[];
  hosts: HostStatus[];
  stats: Stats;
}

export async function readCrawlStatus(client: RedisClient, prefix: string): Promise<CrawlStatus> {
  // Single commands, not MULTI: a cluster client follows a slot that moved (a failover) only for those; on a single
  // Redis, commands sent together travel together anyway.
  const [meta, workers, raw, ladder] = await Promise.all([
    client.hGetAll(`${prefix}meta`),
    client.hGetAll(`${prefix}workers`),
    client.hGetAll(`${prefix}stats`),
    client.hGetAll(`${prefix}ladder`),
  ]);
  const shardCount = Number(meta?.shards ?? 1);
  const shards = await Promise.all(
    Array.from({ length: shardCount }, (_, shard) =>
      readShard(client, shardPrefix(prefix, shard), meta?.turns),
    ),
  );
  const now = Date.now();
  const sum = (field: keyof Counts) => shards.reduce((total, shard) => total + shard[field], 0);
  return {
    finished: meta?.finished !== undefined,
    shards: shardCount,
    queued: sum('queued'),
    leased: sum('leased'),
    delayed: sum('delayed'),
    done: sum('done'),
    failed: sum('failed'),
    items: sum('items'),
    reclaimed: sum('reclaimed'),
    workers: Object.entries(workers ?? {})
      .filter(([, beat]) => now - Number(beat) < aliveMs)
      .map(([id]) => id),
    hosts: shards.flatMap((shard) => shard.hosts),
    stats: { ...statsFrom(raw ?? {}, now), ladder: ladderChoices(ladder ?? {}) },
  };
}

interface ShardStatus extends Counts {
  hosts: HostStatus[];
}

/** One shard of a crawl (the whole crawl on a single Redis): its counts and its hosts. */
async function readShard(
  client: RedisClient,
  prefix: string,
  turnPrefix = prefix,
): Promise<ShardStatus> {
  // Single commands, as in readCrawlStatus.
  const [counts, leased, delayed, hosts] = await Promise.all([
    client.hGetAll(`${prefix}counts`),
    client.zCard(`${prefix}leases`),
    client.zCard(`${prefix}delayed`),
    client.sMembers(`${prefix}hosts`),
  ]);
  // Host turns shared with other crawls (hostTurns) keep in-flight counts and delays under the group's prefix.
  const rows: Array<Record<string, string>> = await Promise.all([
    ...hosts.map((host) => client.hGetAll(`${prefix}host:${host}`)),
    ...(turnPrefix === prefix
      ? []
      : hosts.map((host) => client.hGetAll(`${turnPrefix}host:${host}`))),
  ]);
  const n = (value: string | undefined) => Number(value ?? 0);
  return {
    queued: n(counts.queued),
    leased,
    delayed,
    done: n(counts.done),
    failed: n(counts.failed),
    items: n(counts.items),
    reclaimed: n(counts.reclaimed),
    hosts: hosts.map((host, i) => {
      const row =
        turnPrefix === prefix ? (rows[i] ?? {}) : { ...rows[i], ...rows[hosts.length + i] };
      return {
        host,
        queued: n(row.queued),
        inFlight: n(row.inflight),
        done: n(row.done),
        failed: n(row.failed),
        delayMs: n(row.delay),
      };
    }),
  };
}

/** The shared ladder hash (written by the Redis frontier's LadderStore) as the stats' per page type choices. */
function ladderChoices(raw: Record<string, string>): Stats['ladder'] {
  const choices: Stats['ladder'] = {};
  for (const [key, json] of Object.entries(raw)) {
    const { rung, compared, mismatches } = JSON.parse(json) as LadderEntry;
    choices[key] = { ...(rung !== undefined && { rung }), compared, mismatches };
  }
  return choices;
}

function statsFrom(raw: Record<string, string>, now: number): Stats {
  const startedAt = Number(raw.startedAt ?? now);
  const responsesByStatus: Record<string, number> = {};
  const errorsByCode: Record<string, number> = {};
  const pagesByRung: Record<string, number> = {};
  const trapsByReason: Record<string, number> = {};
  const robotsFetchFailed: Record<string, number> = {};
  const invalidItemsByField: Record<string, number> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field.startsWith('status:')) responsesByStatus[field.slice(7)] = Number(value);
    else if (field.startsWith('rung:')) pagesByRung[field.slice(5)] = Number(value);
    else if (field.startsWith('error:')) errorsByCode[field.slice(6)] = Number(value);
    else if (field.startsWith('trap:')) trapsByReason[field.slice(5)] = Number(value);
    else if (field.startsWith('robots:')) robotsFetchFailed[field.slice(7)] = Number(value);
    else if (field.startsWith('invalid:')) invalidItemsByField[field.slice(8)] = Number(value);
  }
  const count = (key: (typeof counters)[number]) => Number(raw[key] ?? 0);
  const elapsedMs = Math.max(0, now - startedAt);
  return {
    startedAt: new Date(startedAt).toISOString(),
    elapsedMs,
    requests: count('requests'),
    responses: count('responses'),
    responsesByStatus,
    items: count('items'),
    itemsDropped: count('itemsDropped'),
    invalidItems: count('invalidItems'),
    invalidItemsKept: count('invalidItemsKept'),
    invalidItemsByField,
    bytes: count('bytes'),
    retries: count('retries'),
    failed: count('failed'),
    errorsByCode,
    pagesByRung,
    comparisonFetches: count('comparisonFetches'),
    speculativeFetches: count('speculativeFetches'),
    ladder: {},
    robotsDenied: count('robotsDenied'),
    robotsFetchFailed,
    redirectsToSeen: count('redirectsToSeen'),
    offsite: count('offsite'),
    linksFiltered: count('linksFiltered'),
    duplicatesFiltered: count('duplicatesFiltered'),
    depthFiltered: count('depthFiltered'),
    trapFiltered: count('trapFiltered'),
    trapsByReason,
    cacheHits: count('cacheHits'),
    cacheMisses: count('cacheMisses'),
    cacheRevalidations: count('cacheRevalidations'),
    dnsLookups: count('dnsLookups'),
    dnsCacheHits: count('dnsCacheHits'),
    dnsMs: count('dnsMs'),
    scriptRequests: count('scriptRequests'),
    scriptRequestsRefused: count('scriptRequestsRefused'),
    queued: 0,
    inFlight: 0,
    pagesPerSecond:
      elapsedMs > 0 ? Math.round((count('responses') / elapsedMs) * 100_000) / 100 : 0,
  };
}
