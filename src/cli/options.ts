/** The crawl flags shared by `arachne crawl` and `arachne demo`, parsed and validated at the edge. */
import type { ParseArgsConfig } from 'node:util';
import type { CrawlOptions, LogLevel } from '../crawler/options.js';
import { ConfigError } from '../errors.js';
import { parseProxyUrl } from '../http/proxy.js';

export const crawlFlags = {
  output: { type: 'string', short: 'o' },
  start: { type: 'string', multiple: true },
  'upsert-key': { type: 'string' },
  stats: { type: 'string' },
  state: { type: 'string' },
  'retry-failed': { type: 'boolean' },
  cache: { type: 'string' },
  frontier: { type: 'string' },
  'crawl-id': { type: 'string' },
  'lease-ms': { type: 'string' },
  'cache-policy': { type: 'string' },
  concurrency: { type: 'string' },
  'per-host': { type: 'string' },
  'delay-ms': { type: 'string' },
  'max-pages': { type: 'string' },
  'max-depth': { type: 'string' },
  'max-pages-per-host': { type: 'string' },
  'timeout-ms': { type: 'string' },
  retries: { type: 'string' },
  'user-agent': { type: 'string' },
  'no-robots': { type: 'boolean' },
  sitemaps: { type: 'boolean' },
  'deny-private': { type: 'boolean' },
  'no-cookies': { type: 'boolean' },
  proxy: { type: 'string' },
  http2: { type: 'boolean' },
  'log-level': { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const crawlFlagsHelp = `Options:
      --start URL        start from URL instead of the spider's start URLs (repeatable)
  -o, --output TARGET    write items to TARGET: FILE.jsonl, FILE.json, FILE.csv, FILE.sqlite (or .db),
                         sqlite:PATH?table=T, postgres://USER@HOST/DB?table=T, or '-' for stdout
      --upsert-key FIELD with a database output: update the row with the same FIELD instead of adding one
      --stats FILE       write the final stats as JSON to FILE
      --state FILE       keep the crawl's state in FILE (SQLite): run the same command again to resume,
                         after Ctrl-C or even kill -9, with nothing lost and no item written twice
      --retry-failed     with --state: queue again the requests that failed in earlier runs
      --frontier URL     share the crawl through Redis (redis://host:6379/0): start it here, and run
                         'arachne worker' with the same --frontier and --crawl-id anywhere to help
      --crawl-id ID      the shared crawl's name (default: the spider's name)
      --lease-ms N       shared crawls: a dead worker's requests go back to the queue after N ms (default 30000)
      --cache LOC        HTTP cache: a directory (LOC/http-cache.sqlite), a .sqlite file,
                         redis://host:6379/0?prefix=P or memcache://host:11211 (see docs/cache.md)
      --cache-policy P   always (replay stored responses, no network; default) or http (RFC 9111)
      --concurrency N    requests in flight across all hosts (default 32)
      --per-host N       requests in flight per host (default 8)
      --delay-ms N       minimum delay between two requests to one host (default 0)
      --max-pages N      stop after N requests
      --max-depth N      do not follow links deeper than N (start URLs are depth 0)
      --max-pages-per-host N  at most N requests to one host (a crawl-trap budget)
      --timeout-ms N     timeout per request attempt (default 30000)
      --retries N        retries after a network error, timeout, 408, 429 or 5xx (default 2)
      --user-agent S     User-Agent header (default arachne/<version>)
      --no-robots        ignore robots.txt (prints a warning)
      --sitemaps         also seed the crawl from the sitemaps listed in robots.txt (or /sitemap.xml)
      --deny-private     refuse connections to private, loopback and link-local addresses (SSRF guard)
      --no-cookies       do not keep cookies (by default Set-Cookie is stored and sent back, per RFC 6265)
      --proxy URL        send every request through this proxy: http://[user:pass@]host:port or https://…
      --http2            offer HTTP/2 to https servers (ALPN; plain http stays HTTP/1.1)
      --log-level L      debug, info, warn, error or silent (default info)
      --no-progress      no live progress line
  -h, --help             show this help`;

type Values = {
  [K in keyof typeof crawlFlags]?: (typeof crawlFlags)[K]['type'] extends 'boolean'
    ? boolean
    : string | string[];
};

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Turns parsed flags into CrawlOptions; a bad value is a ConfigError naming the flag. */
export function crawlOptionsFrom(values: Values): CrawlOptions {
  const options: CrawlOptions = {};
  const int = (flag: keyof Values, min: number): number | undefined => {
    const raw = values[flag];
    if (raw === undefined || typeof raw !== 'string') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new ConfigError(`--${flag} must be an integer >= ${min}, got "${raw}"`);
    }
    return value;
  };
  const set = <K extends keyof CrawlOptions>(key: K, value: CrawlOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('concurrency', int('concurrency', 1));
  set('perHost', int('per-host', 1));
  set('delayMs', int('delay-ms', 0));
  set('maxPages', int('max-pages', 1));
  set('maxDepth', int('max-depth', 0));
  const perHostPages = int('max-pages-per-host', 1);
  if (perHostPages !== undefined) options.traps = { maxPagesPerHost: perHostPages };
  set('timeoutMs', int('timeout-ms', 1));
  set('retries', int('retries', 0));
  set('leaseMs', int('lease-ms', 100));
  if (typeof values.cache === 'string') options.cache = values.cache;
  if (typeof values.frontier === 'string') options.frontier = values.frontier;
  const crawlId = values['crawl-id'];
  if (typeof crawlId === 'string') {
    if (!options.frontier) throw new ConfigError('--crawl-id needs --frontier redis://…');
    options.crawlId = crawlId;
  }
  const policy = values['cache-policy'];
  if (typeof policy === 'string') {
    if (policy !== 'always' && policy !== 'http') {
      throw new ConfigError(`--cache-policy must be always or http, got "${policy}"`);
    }
    options.cachePolicy = policy;
  }
  const upsertKey = values['upsert-key'];
  if (typeof upsertKey === 'string') options.upsertKey = upsertKey;
  const userAgent = values['user-agent'];
  if (typeof userAgent === 'string') options.userAgent = userAgent;
  if (values['no-robots']) options.robots = false;
  if (values.sitemaps) options.sitemaps = true;
  if (values['deny-private']) options.allowPrivate = false;
  if (values['no-cookies']) options.cookies = false;
  if (values.http2) options.http2 = true;
  if (typeof values.proxy === 'string') {
    parseProxyUrl(values.proxy);
    if (options.allowPrivate === false)
      throw new ConfigError('--proxy cannot be combined with --deny-private');
    options.proxy = values.proxy;
  }
  if (typeof values.state === 'string') options.state = values.state;
  if (values['retry-failed']) {
    if (typeof values.state !== 'string')
      throw new ConfigError('--retry-failed needs --state FILE');
    options.retryFailed = true;
  }
  const level = values['log-level'];
  if (typeof level === 'string') {
    if (!logLevels.includes(level as LogLevel)) {
      throw new ConfigError(`--log-level must be one of ${logLevels.join(', ')}, got "${level}"`);
    }
    options.logLevel = level as LogLevel;
  }
  return options;
}
