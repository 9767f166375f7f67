/** Crawl options: one interface, one defaults object, one resolver. Later layers win. */

import type { CachePolicyName } from '../cache/policy.js';
import type { CacheStore } from '../cache/store.js';
import { ConfigError } from '../errors.js';
import { parseProxyUrl } from '../http/proxy.js';
import type { Sink } from '../storage/sink.js';
import type { Frontier } from './frontier.js';
import { type TrapBudgets, trapDefaults } from './trap-budgets.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface CrawlOptions {
  /** Requests in flight across all hosts. @default 32 */
  concurrency?: number;
  /** Requests in flight per host. @default 8 */
  perHost?: number;
  /** Minimum pause between two requests to one host (robots.txt Crawl-delay may raise it). @default 0 */
  delayMs?: number;
  /** Stop scheduling after this many responses. @default Infinity */
  maxPages?: number;
  /** Do not follow links deeper than this (start requests are depth 0). @default Infinity */
  maxDepth?: number;
  /**
   * Crawl-trap budgets: URL length, path segments, a path segment repeated, links kept per page, pages per host.
   * @default trapDefaults (2083 characters, 32 segments, 3 repeats, 6000 links, no per-host cap)
   */
  traps?: Partial<TrapBudgets>;
  /** Whole exchange timeout per attempt. @default 30_000 */
  timeoutMs?: number;
  /** Connection establishment timeout. @default 10_000 */
  connectTimeoutMs?: number;
  /** Further attempts after a retryable failure. @default 2 */
  retries?: number;
  /** Cap on a response's decoded body. @default 32 MiB */
  maxBytes?: number;
  /** @default `arachne/<version>` */
  userAgent?: string;
  /** Obey robots.txt. @default true */
  robots?: boolean;
  /** Also seed the crawl from the sitemaps robots.txt lists (or /sitemap.xml). @default false */
  sitemaps?: boolean;
  /**
   * 'out.jsonl', 'out.csv', 'out.json', 'items.sqlite', 'sqlite:path?table=t', 'postgres://user@host/db?table=t',
   * '-' (stdout), or a Sink. @default none (items are only counted and emitted)
   */
  output?: string | Sink;
  /** Database outputs: the item field that identifies an item; a re-run updates its row instead of adding one. */
  upsertKey?: string;
  /** @default 'info' */
  logLevel?: LogLevel;
  /**
   * A state file (SQLite): the frontier, the seen set and the items live there, so the crawl can be stopped or
   * killed at any moment and resumed by running it again with the same file. @default none (memory)
   */
  state?: string;
  /** With `state`: queue again the requests that failed in earlier runs. @default false */
  retryFailed?: boolean;
  /**
   * Let the crawl connect to private, loopback, link-local (cloud metadata) and other internal addresses,
   * checked at connect time for every request, redirect, robots.txt and sitemap. API jobs set it to false
   * (SSRF protection). @default true
   */
  allowPrivate?: boolean;
  /**
   * Keep cookies across the crawl, as Scrapy's CookiesMiddleware does: `Set-Cookie` from every response (each
   * redirect hop included) is stored in one jar for the crawl and sent back where RFC 6265 says it belongs.
   * @default true
   */
  cookies?: boolean;
  /**
   * Send every request (robots.txt and sitemaps too) through this forward proxy: `http://user:pass@host:port`
   * or `https://…`; the credentials become `Proxy-Authorization`. Cannot be combined with `allowPrivate: false`.
   * @default none (direct connections)
   */
  proxy?: string;
  /** Offer HTTP/2 to https servers (negotiated by ALPN; plain http stays HTTP/1.1). @default false */
  http2?: boolean;
  /**
   * HTTP cache: a directory (DIR/http-cache.sqlite), a .sqlite file, 'redis://…', 'memcache://…', or a store.
   * @default none
   */
  cache?: string | CacheStore;
  /** 'always' replays stored responses without the network (development); 'http' follows RFC 9111. @default 'always' */
  cachePolicy?: CachePolicyName;
  /**
   * Where requests wait: 'memory:', a state file ('sqlite:PATH' or a PATH ending in .db), a shared frontier
   * 'redis://host:6379/0' (every process given the same URL and `crawlId` works the same crawl, with per-host limits
   * and delays holding across all of them), a location of a backend registered with `frontierBackends.register`,
   * or a Frontier object. @default memory (or the `state` file)
   */
  frontier?: string | Frontier;
  /** Names the shared crawl in the frontier. @default the spider's name */
  crawlId?: string;
  /** Shared crawls: a request whose worker stopped renewing its lease this long goes back to the queue. @default 30_000 */
  leaseMs?: number;
  /** Shared crawls: the seen set, exact fingerprints or a Bloom filter (bounded memory, rare false positives). @default 'exact' */
  dedup?: 'exact' | 'bloom';
  /** With `dedup: 'bloom'`: URLs the filter is sized for. @default 100_000_000 */
  bloomCapacity?: number;
  /** With `dedup: 'bloom'`: probability that a new URL is taken for seen. @default 0.001 */
  bloomErrorRate?: number;
}

export interface ResolvedOptions {
  concurrency: number;
  perHost: number;
  delayMs: number;
  maxPages: number;
  maxDepth: number;
  traps: TrapBudgets;
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  maxBytes: number;
  userAgent: string;
  robots: boolean;
  sitemaps: boolean;
  output: string | Sink | undefined;
  upsertKey: string | undefined;
  logLevel: LogLevel;
  state: string | undefined;
  retryFailed: boolean;
  allowPrivate: boolean;
  cookies: boolean;
  proxy: string | undefined;
  http2: boolean;
  cache: string | CacheStore | undefined;
  cachePolicy: CachePolicyName;
  frontier: string | Frontier | undefined;
  crawlId: string | undefined;
  leaseMs: number;
  dedup: 'exact' | 'bloom';
  bloomCapacity: number;
  bloomErrorRate: number;
}

/** Single source of the defaults (Scrapy's default_settings.py, ky's NormalizedOptions). */
export const defaults = {
  concurrency: 32,
  perHost: 8,
  delayMs: 0,
  maxPages: Number.POSITIVE_INFINITY,
  maxDepth: Number.POSITIVE_INFINITY,
  traps: trapDefaults,
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  retries: 2,
  maxBytes: 32 * 1024 * 1024,
  robots: true,
  sitemaps: false,
  logLevel: 'info',
  retryFailed: false,
  allowPrivate: true,
  cookies: true,
  http2: false,
  cachePolicy: 'always',
  leaseMs: 30_000,
  dedup: 'exact',
  bloomCapacity: 100_000_000,
  bloomErrorRate: 0.001,
} as const satisfies Omit<
  ResolvedOptions,
  'output' | 'userAgent' | 'state' | 'upsertKey' | 'cache' | 'frontier' | 'crawlId' | 'proxy'
>;

/** Merges option layers; later layers win: defaults < spider.options < crawl() options < CLI flags. */
export function resolveOptions(
  userAgentDefault: string,
  ...layers: Array<CrawlOptions | undefined>
): ResolvedOptions {
  const merged: CrawlOptions = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  const resolved: ResolvedOptions = {
    ...defaults,
    userAgent: userAgentDefault,
    output: undefined,
    upsertKey: undefined,
    state: undefined,
    cache: undefined,
    frontier: undefined,
    crawlId: undefined,
    proxy: undefined,
    ...(merged as Partial<ResolvedOptions>),
  };
  for (const key of ['concurrency', 'perHost'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      throw new ConfigError(
        `option ${key} must be a positive integer, got ${String(resolved[key])}`,
      );
    }
  }
  for (const key of [
    'delayMs',
    'timeoutMs',
    'connectTimeoutMs',
    'retries',
    'maxBytes',
    'maxPages',
    'maxDepth',
    'leaseMs',
  ] as const) {
    if (Number.isNaN(resolved[key]) || resolved[key] < 0) {
      throw new ConfigError(`option ${key} must be a number >= 0, got ${String(resolved[key])}`);
    }
  }
  resolved.traps = { ...trapDefaults, ...merged.traps };
  for (const [key, value] of Object.entries(resolved.traps)) {
    if (!(value >= 1))
      throw new ConfigError(`option traps.${key} must be a number >= 1, got ${String(value)}`);
  }
  if (resolved.state && resolved.frontier) {
    throw new ConfigError(
      'use either a state file (state) or a shared frontier (frontier), not both',
    );
  }
  if (resolved.proxy !== undefined) {
    parseProxyUrl(resolved.proxy);
    if (!resolved.allowPrivate) {
      throw new ConfigError(
        'a proxy cannot be combined with allowPrivate: false (--deny-private): the proxy connects by itself, ' +
          'where the egress guard cannot see it',
      );
    }
  }
  if (resolved.cachePolicy !== 'always' && resolved.cachePolicy !== 'http') {
    throw new ConfigError(
      `option cachePolicy must be 'always' or 'http', got ${String(resolved.cachePolicy)}`,
    );
  }
  return resolved;
}
