/** Crawl stats shared across workers: each worker adds its deltas to one Redis hash; `arachne status` reads it. */
import type { LadderEntry } from '../crawler/ladder/ladder.js';
import type { Stats } from '../crawler/stats.js';
import type { RedisClient } from './redis-connection.js';

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
  'scriptRequests',
  'scriptRequestsRefused',
] as const;

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
    const multi = client.multi();
    for (const key of counters) {
      const delta = now[key] - (last?.[key] ?? 0);
      if (delta !== 0) multi.hIncrBy(`${prefix}stats`, key, delta);
    }
    for (const [status, count] of Object.entries(now.responsesByStatus)) {
      const delta = count - (last?.responsesByStatus[status] ?? 0);
      if (delta !== 0) multi.hIncrBy(`${prefix}stats`, `status:${status}`, delta);
    }
    for (const [code, count] of Object.entries(now.errorsByCode)) {
      const delta = count - (last?.errorsByCode[code] ?? 0);
      if (delta !== 0) multi.hIncrBy(`${prefix}stats`, `error:${code}`, delta);
    }
    for (const [field, count] of Object.entries(now.invalidItemsByField)) {
      const delta = count - (last?.invalidItemsByField[field] ?? 0);
      if (delta !== 0) multi.hIncrBy(`${prefix}stats`, `invalid:${field}`, delta);
    }
    for (const [trap, count] of Object.entries(now.trapsByReason)) {
      const delta = count - (last?.trapsByReason[trap] ?? 0);
      if (delta !== 0) multi.hIncrBy(`${prefix}stats`, `trap:${trap}`, delta);
    }
    for (const [failure, count] of Object.entries(now.robotsFetchFailed)) {
      const delta = count - (last?.robotsFetchFailed[failure] ?? 0);
      if (delta !== 0) multi.hIncrBy(`${prefix}stats`, `robots:${failure}`, delta);
    }
    for (const [rung, count] of Object.entries(now.pagesByRung)) {
      const delta = count - (last?.pagesByRung[rung] ?? 0);
      if (delta !== 0) multi.hIncrBy(`${prefix}stats`, `rung:${rung}`, delta);
    }
    startedAt ??= Date.parse(now.startedAt);
    multi.hSetNX(`${prefix}stats`, 'startedAt', String(startedAt));
    multi.hSet(`${prefix}workers`, workerId, String(Date.now()));
    await multi.exec();
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

export interface CrawlStatus {
  finished: boolean;
  queued: number;
  leased: number;
  delayed: number;
  done: number;
  failed: number;
  items: number;
  reclaimed: number;
  workers: string[];
  hosts: HostStatus[];
  stats: Stats;
}

export async function readCrawlStatus(client: RedisClient, prefix: string): Promise<CrawlStatus> {
  const [meta, counts, leased, delayed, workers, hosts, raw, ladder] = (await client
    .multi()
    .hGetAll(`${prefix}meta`)
    .hGetAll(`${prefix}counts`)
    .zCard(`${prefix}leases`)
    .zCard(`${prefix}delayed`)
    .hGetAll(`${prefix}workers`)
    .sMembers(`${prefix}hosts`)
    .hGetAll(`${prefix}stats`)
    .hGetAll(`${prefix}ladder`)
    .exec()) as unknown as [
    Record<string, string>,
    Record<string, string>,
    number,
    number,
    Record<string, string>,
    string[],
    Record<string, string>,
    Record<string, string>,
  ];
  // Host turns shared with other crawls (hostTurns) keep in-flight counts and delays under the group's prefix.
  const turns = meta.turns ?? prefix;
  const hostMulti = client.multi();
  for (const host of hosts) hostMulti.hGetAll(`${prefix}host:${host}`);
  if (turns !== prefix) for (const host of hosts) hostMulti.hGetAll(`${turns}host:${host}`);
  const rows = (hosts.length > 0 ? await hostMulti.exec() : []) as unknown as Array<
    Record<string, string>
  >;
  const hostRows = rows
    .slice(0, hosts.length)
    .map((row, i) => (turns === prefix ? row : { ...row, ...rows[hosts.length + i] }));
  const now = Date.now();
  const n = (value: string | undefined) => Number(value ?? 0);
  return {
    finished: meta.finished !== undefined,
    queued: n(counts.queued),
    leased,
    delayed,
    done: n(counts.done),
    failed: n(counts.failed),
    items: n(counts.items),
    reclaimed: n(counts.reclaimed),
    workers: Object.entries(workers)
      .filter(([, beat]) => now - Number(beat) < aliveMs)
      .map(([id]) => id),
    hosts: hosts.map((host, i) => {
      const row = hostRows[i] ?? {};
      return {
        host,
        queued: n(row.queued),
        inFlight: n(row.inflight),
        done: n(row.done),
        failed: n(row.failed),
        delayMs: n(row.delay),
      };
    }),
    stats: { ...statsFrom(raw, now), ladder: ladderChoices(ladder) },
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
