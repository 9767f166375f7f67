/**
 * Every crawl option, declared once: its type, default, bounds, CLI flag, help line and whether an API job may
 * set it. The CrawlOptions type, resolveOptions' checks, the CLI flags and --help, the server's job-options
 * schema (and so its OpenAPI) and README's options table are all derived from `optionSpecs` below.
 */
import type { CachePolicyName } from '../cache/policy.js';
import type { CacheStore } from '../cache/store.js';
import type { FeedOptions } from '../storage/feed.js';
import type { Sink } from '../storage/sink.js';
import type { AutoThrottleSettings } from './autothrottle/autothrottle.js';
import type { Frontier } from './frontier.js';
import type { ProxyFunction } from './sessions/proxy-rotation.js';
import { type TrapBudgets, trapDefaults } from './trap-budgets.js';

/** The sections of `--help` and of the README table, in this order. */
export const optionGroups = {
  output: 'Output and state',
  limits: 'Limits',
  politeness: 'Politeness',
  http: 'HTTP',
  sessions: 'Sessions and proxies',
  browser: 'Browser',
  shared: 'Shared crawls',
  sftp: 'SFTP sources and outputs',
  logging: 'Logging',
  mail: 'Mailboxes (IMAP, POP3)',
} as const;

export type OptionGroup = keyof typeof optionGroups;

/** What values an option accepts. The CLI and crawl() apply it as is; the API may narrow it (`api`). */
export type ValueRule =
  /**
   * `infinite`: Infinity is accepted too (and is the default of the unlimited ones). `auto`: the string 'auto' too
   * (the crawl works the number out, e.g. from the cores).
   */
  | {
      readonly kind: 'int';
      readonly min: number;
      readonly max?: number;
      readonly infinite?: true;
      readonly auto?: true;
    }
  /**
   * A span of time, resolved to milliseconds: crawl() takes a number of milliseconds or a string such as `30s`,
   * `5m`, `1h30m`, `250ms`; the CLI takes the string. `max`: the longest, in milliseconds.
   */
  | { readonly kind: 'duration'; readonly max?: number }
  /** An open interval: `above < value < below`. */
  | { readonly kind: 'number'; readonly above: number; readonly below: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string'; readonly minLength?: number; readonly maxLength?: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** A string, or (in crawl() only) an object such as a Sink, named by `object`. */
  | { readonly kind: 'string-or-object'; readonly object: string }
  /** crawl() only (no flag, no API): a plain object such as `feeds`, described by `object`, checked by its user. */
  | { readonly kind: 'object'; readonly object: string }
  /**
   * A list: comma-separated on the CLI (`string-list`: lists separated by `;`, items by `,`). `fn`: crawl() also
   * takes a function, described by this phrase.
   */
  | { readonly kind: 'list'; readonly of: 'int' | 'string' | 'string-list'; readonly fn?: string }
  /** An object of named int budgets (`traps`), each declared in `fields`. */
  | { readonly kind: 'fields'; readonly fields: Readonly<Record<string, IntSpec>> }
  /**
   * A feature that is off unless asked for (`autothrottle`): `true` turns it on with its settings' defaults, an
   * object of int settings (each declared in `fields`) turns it on with those over the defaults; `false`: off.
   */
  | { readonly kind: 'toggle'; readonly fields: Readonly<Record<string, IntSpec>> };

/** How an option is presented and who may set it; the same for every kind. */
export interface SpecFields {
  readonly group: OptionGroup;
  /** One line, no trailing period: used by --help, the README and the OpenAPI description. */
  readonly help: string;
  /** The CLI flag without dashes; absent when the option has no flag. A boolean flag sets the non-default value. */
  readonly flag?: string;
  readonly short?: string;
  /** The flag may be given more than once; given twice or more, the option is the list of values. */
  readonly repeatable?: true;
  /** The placeholder after a value flag in --help: N, URL, FILE. */
  readonly arg?: string;
  /** --help's line for a flag that turns a default-true option off (`--no-robots`), where `help` reads wrong. */
  readonly flagHelp?: string;
  /**
   * An enum option whose flag takes no value but sets this one (`--keep-invalid-items` sets `invalidItems: 'keep'`),
   * where a switch reads better than `--flag VALUE`.
   */
  readonly flagSets?: string;
  /** How the default reads when it is computed or not worth printing literally. */
  readonly defaultText?: string;
  /** Markdown appended to the help line in the README, after a semicolon (links to sections). */
  readonly docs?: string;
  /**
   * An API job (`POST /api/jobs`) may set the option; `max`/`maxLength` narrow the bounds for a shared server.
   * Never for paths, proxies, caches, frontiers or allowPrivate: a job must not reach beyond its directory.
   */
  readonly api?:
    | true
    | { readonly max?: number; readonly minLength?: number; readonly maxLength?: number };
}

declare const valueType: unique symbol;

/** Type-only: what crawl() accepts for the option (`In`) and what resolveOptions hands back (`Out`). */
interface Typed<In, Out> {
  readonly [valueType]?: { in: In; out: Out };
}

export type AnySpec = ValueRule & SpecFields & { readonly default?: unknown };
type IntSpec = Extract<ValueRule, { kind: 'int' }> & SpecFields & { readonly default?: number };

/** With a default the resolved value is always there; without one it may be undefined. */
type Out<T, S> = S extends { default: unknown } ? T : T | undefined;

type IntInput = SpecFields & {
  min: number;
  max?: number;
  infinite?: true;
  default?: number;
};
const int = <const S extends IntInput>(spec: S) =>
  ({ kind: 'int', ...spec }) as S & { kind: 'int' } & Typed<number, Out<number, S>>;

/** An int option that also takes 'auto'. */
const intOrAuto = <const S extends Omit<IntInput, 'infinite'> & { default?: number | 'auto' }>(
  spec: S,
) =>
  ({ kind: 'int', auto: true, ...spec }) as unknown as S & { kind: 'int'; auto: true } & Typed<
      number | 'auto',
      Out<number | 'auto', S>
    >;

const number = <const S extends SpecFields & { above: number; below: number; default?: number }>(
  spec: S,
) => ({ kind: 'number', ...spec }) as S & { kind: 'number' } & Typed<number, Out<number, S>>;

const duration = <const S extends SpecFields & { max?: number }>(spec: S) =>
  ({ kind: 'duration', ...spec }) as S & { kind: 'duration' } & Typed<
      number | string,
      number | undefined
    >;

const boolean = <const S extends SpecFields & { default: boolean }>(spec: S) =>
  ({ kind: 'boolean', ...spec }) as S & { kind: 'boolean' } & Typed<boolean, boolean>;

const string = <const S extends SpecFields & { default?: string }>(spec: S) =>
  ({ kind: 'string', ...spec }) as S & { kind: 'string' } & Typed<string, Out<string, S>>;

const oneOf = <
  const V extends readonly string[],
  const S extends SpecFields & { default: V[number] },
>(
  values: V,
  spec: S,
) =>
  ({ kind: 'enum', values, ...spec }) as S & { kind: 'enum'; values: V } & Typed<
      V[number],
      V[number]
    >;

/** A string on the CLI and in the API; crawl() also takes the object itself (a Sink, a CacheStore…). */
const stringOr =
  <O>(object: string) =>
  <const S extends SpecFields>(spec: S) =>
    ({ kind: 'string-or-object', object, ...spec }) as S & {
      kind: 'string-or-object';
    } & Typed<string | O, string | O | undefined>;

/** crawl() only: a plain object (not a list), such as `feeds`. */
const objectOf =
  <O>(object: string) =>
  <const S extends SpecFields>(spec: S) =>
    ({ kind: 'object', object, ...spec }) as S & { kind: 'object' } & Typed<O, O | undefined>;

type ListItem = { int: number; string: string; 'string-list': readonly string[] };

/** A list option; with `fn`, crawl() also accepts a function of type F. */
const listOf =
  <F = never>() =>
  <const Of extends keyof ListItem>(of: Of) =>
  <const S extends SpecFields & { fn?: string; default?: readonly ListItem[Of][] }>(spec: S) =>
    ({ kind: 'list', of, ...spec }) as S & { kind: 'list'; of: Of } & Typed<
        readonly ListItem[Of][] | F,
        Out<readonly ListItem[Of][] | F, S>
      >;

/** An object of int budgets, each declared like an option; crawl() may give any of them, the rest default. */
const fieldsOf =
  <T extends { [K in keyof T]: number }>(fields: { [K in keyof T]: IntSpec }, defaults: T) =>
  <const S extends SpecFields>(spec: S) =>
    ({ kind: 'fields', fields, default: defaults, ...spec }) as S & {
      kind: 'fields';
      fields: { [K in keyof T]: IntSpec };
      default: T;
    } & Typed<Partial<T>, T>;

/** A feature off by default, with int settings: `true`, or an object of settings, turns it on (see ValueRule). */
const toggleOf =
  <T extends { [K in keyof T]: number | undefined }>(fields: { [K in keyof T]-?: IntSpec }) =>
  <const S extends SpecFields>(spec: S) =>
    ({ kind: 'toggle', fields, ...spec }) as S & {
      kind: 'toggle';
      fields: { [K in keyof T]-?: IntSpec };
    } & Typed<boolean | Partial<T>, T | undefined>;

/** Crawl-trap budgets (Heritrix's baseline): each one an int ≥ 1 or Infinity, declared like a top-level option. */
export const trapSpecs = {
  maxUrlLength: int({
    min: 1,
    infinite: true,
    default: trapDefaults.maxUrlLength,
    group: 'limits',
    help: 'longer URLs are dropped (as trapFiltered)',
  }),
  maxPathSegments: int({
    min: 1,
    infinite: true,
    default: trapDefaults.maxPathSegments,
    group: 'limits',
    help: 'URLs with more path segments are dropped',
  }),
  maxSegmentRepeats: int({
    min: 1,
    infinite: true,
    default: trapDefaults.maxSegmentRepeats,
    group: 'limits',
    help: 'a path segment repeated more often (/a/b/a/b/a/b) marks a trap',
  }),
  maxLinksPerPage: int({
    min: 1,
    infinite: true,
    default: trapDefaults.maxLinksPerPage,
    group: 'limits',
    help: 'links kept from one page; the rest are dropped (page.links() and the no-code crawl stop reading the page one link past it)',
  }),
  maxPagesPerHost: int({
    min: 1,
    infinite: true,
    default: trapDefaults.maxPagesPerHost,
    flag: 'max-pages-per-host',
    arg: 'N',
    group: 'limits',
    help: 'at most this many requests to one host',
  }),
  maxUnproductivePages: int({
    min: 1,
    infinite: true,
    default: trapDefaults.maxUnproductivePages,
    flag: 'max-unproductive-pages',
    arg: 'N',
    group: 'limits',
    help: 'pages of one URL template in a row that lead to new URLs but nearly repeat a recent page of it (an endless calendar) before the template takes no new URL; Infinity: off',
  }),
  maxDuplicatePages: int({
    min: 0,
    infinite: true,
    default: trapDefaults.maxDuplicatePages,
    flag: 'max-duplicate-pages',
    arg: 'N',
    group: 'limits',
    help: 'pages per host repeating the text of an earlier page (a new session id in every link) whose links are still followed; Infinity: off',
  }),
} satisfies { [K in keyof TrapBudgets]: IntSpec };

const cachePolicies = [
  'always',
  'http',
  'record',
  'offline',
] as const satisfies readonly CachePolicyName[];

export const optionSpecs = {
  // Output and state
  output: stringOr<Sink | readonly string[]>('a Sink or a list of outputs')({
    flag: 'output',
    short: 'o',
    arg: 'TARGET',
    repeatable: true,
    group: 'output',
    help: "write items to FILE.jsonl, FILE.json, FILE.csv, FILE.xml, FILE.parquet, FILE.jsonl.gz, FILE.csv.gz, FILE.sqlite (or .db), sqlite:PATH?table=T, postgres://USER@HOST/DB?table=T, sftp://USER@HOST/PATH/FILE.jsonl or ftp://… (uploaded at the end), or '-' for stdout; an existing file is appended to; {spider} and {time} in the path are replaced; repeat -o for several outputs, each with options such as :fields=a,b:overwrite:rotate=N",
    docs: 'crawl() also takes a list of outputs or a `Sink`; see [Outputs](#outputs) and [Several outputs](#several-outputs-fields-rotation-parquet)',
  }),
  overwriteOutput: string({
    flag: 'overwrite-output',
    short: 'O',
    arg: 'FILE',
    group: 'output',
    help: 'like --output, but an existing file is replaced instead of appended to (a file output only)',
    docs: 'see [Append or overwrite](#append-or-overwrite)',
  }),
  upsertKey: string({
    flag: 'upsert-key',
    arg: 'FIELD',
    group: 'output',
    help: 'with a database output: the item field that identifies an item; a re-run updates its row instead of adding one',
  }),
  feeds: objectOf<Readonly<Record<string, FeedOptions>>>('an object of output → feed options')({
    group: 'output',
    help: 'several outputs, each with its own options: `{ "items.csv": { fields: ["title", "price"], overwrite: true, rotate: { items: 1000 } } }`',
    docs: 'crawl() only; see [Several outputs](#several-outputs-fields-rotation-parquet)',
  }),
  rotateItems: int({
    min: 1,
    flag: 'rotate-items',
    arg: 'N',
    group: 'output',
    help: 'split each file output into parts of N items (items-00001.jsonl, …; {part} in the name says where the number goes)',
  }),
  rotateSize: string({
    flag: 'rotate-size',
    arg: 'SIZE',
    group: 'output',
    help: 'split each file output into parts of about SIZE (10MB, 512KB, 1GB): a new part once the current one reaches it',
  }),
  state: string({
    flag: 'state',
    arg: 'FILE',
    group: 'output',
    help: "keep the crawl's state (frontier, seen set, items) in this SQLite file: run the same command again to resume, even after kill -9",
    docs: 'see [Resumable crawls](#resumable-crawls)',
  }),
  retryFailed: boolean({
    default: false,
    flag: 'retry-failed',
    group: 'output',
    help: 'with a state file: queue again the requests that failed in earlier runs',
  }),
  cache: stringOr<CacheStore>('a CacheStore')({
    flag: 'cache',
    arg: 'LOC',
    group: 'output',
    help: 'HTTP cache: a directory (LOC/http-cache.sqlite), a .sqlite file, redis://host:6379/0?prefix=P or memcache://host:11211',
    docs: 'crawl() also takes a `CacheStore`; see [HTTP cache](#http-cache)',
  }),
  cachePolicy: oneOf(cachePolicies, {
    default: 'always',
    flag: 'cache-policy',
    arg: 'P',
    group: 'output',
    help: 'always replays stored responses without the network (development); http follows RFC 9111; record fetches everything and stores it; offline answers from the cache only, never the network (AR_NOT_CACHED when nothing is stored)',
  }),
  invalidItems: oneOf(['drop', 'keep'] as const, {
    default: 'drop',
    flag: 'keep-invalid-items',
    flagSets: 'keep',
    group: 'output',
    help: "what becomes of a typed item (page.item) that fails its spider's schema: dropped, or kept and written as processed; counted by field either way",
    flagHelp:
      "write typed items (page.item) that fail their spider's schema, as processed, instead of dropping them",
    docs: 'see [Typed items](#typed-items)',
    api: true,
  }),

  // Limits
  concurrency: int({
    min: 1,
    default: 32,
    flag: 'concurrency',
    arg: 'N',
    group: 'limits',
    help: 'requests in flight across all hosts',
    api: { max: 1024 },
  }),
  threads: intOrAuto({
    min: 1,
    max: 64,
    default: 1,
    flag: 'threads',
    arg: 'N',
    group: 'limits',
    help: "threads running the spider's handlers: 1 runs them on the main thread; N ≥ 2 runs them in N worker threads, each loading the spider file (spider files only), the main thread keeping fetching, frontier, pipelines and sinks; auto: one per core but one, at most 8",
    docs: 'see [Threads](#threads)',
    api: { max: 8 },
  }),
  perHost: int({
    min: 1,
    default: 8,
    flag: 'per-host',
    arg: 'N',
    group: 'limits',
    help: 'requests in flight per host',
    api: { max: 1024 },
  }),
  maxPages: int({
    min: 1,
    infinite: true,
    default: Number.POSITIVE_INFINITY,
    flag: 'max-pages',
    arg: 'N',
    group: 'limits',
    help: 'stop scheduling after this many requests',
    api: { max: 10_000_000 },
  }),
  maxItems: int({
    min: 1,
    infinite: true,
    default: Number.POSITIVE_INFINITY,
    flag: 'max-items',
    arg: 'N',
    group: 'limits',
    help: 'close the crawl (reason max-items) once this many items are scraped; pages in flight finish, their items past the cap are not written',
    api: { max: 10_000_000 },
  }),
  maxTime: duration({
    flag: 'max-time',
    arg: 'DURATION',
    group: 'limits',
    help: 'close the crawl (reason max-time) this long after it started (30s, 5m, 1h30m): scheduling stops, pages in flight finish',
    api: { max: 7 * 86_400_000 },
  }),
  maxErrors: int({
    min: 1,
    infinite: true,
    default: Number.POSITIVE_INFINITY,
    flag: 'max-errors',
    arg: 'N',
    group: 'limits',
    help: 'close the crawl (reason max-errors) once this many requests failed (after their retries; handler errors included)',
    api: { max: 10_000_000 },
  }),
  maxDepth: int({
    min: 0,
    infinite: true,
    default: Number.POSITIVE_INFINITY,
    flag: 'max-depth',
    arg: 'N',
    group: 'limits',
    help: 'do not follow links deeper than this (start requests are depth 0)',
    api: { max: 10_000 },
  }),
  traps: fieldsOf(
    trapSpecs,
    trapDefaults,
  )({
    group: 'limits',
    help: "crawl-trap budgets (Heritrix's baseline): requests past one are dropped and counted as trapFiltered",
    docs: 'see the `traps.*` rows',
  }),
  maxBytes: int({
    min: 0,
    default: 32 * 1024 * 1024,
    flag: 'max-bytes',
    arg: 'N',
    group: 'limits',
    help: "cap on a response's decoded body in bytes; a larger response is dropped and counted",
    defaultText: '32 MiB',
  }),
  handlerTimeoutMs: int({
    min: 0,
    // setTimeout's own bound: a longer delay would fire at once.
    max: 2_147_483_647,
    default: 60_000,
    flag: 'handler-timeout-ms',
    arg: 'MS',
    group: 'limits',
    help: 'time a handler may take from its start until its last output is read; past it the request fails with AR_HANDLER_TIMEOUT, keeping what it yielded before (0: no limit, a handler that never settles then holds the crawl until Ctrl-C)',
  }),

  // Politeness
  delayMs: int({
    min: 0,
    default: 0,
    flag: 'delay-ms',
    arg: 'N',
    group: 'politeness',
    help: 'minimum pause between two requests to one host (robots.txt Crawl-delay may raise it)',
    api: { max: 3_600_000 },
  }),
  maxCrawlDelayMs: int({
    min: 0,
    default: 30_000,
    flag: 'max-crawl-delay-ms',
    arg: 'N',
    group: 'politeness',
    help: 'cap on a robots.txt Crawl-delay (a longer one is lowered to it, with a warning naming the host)',
    api: { max: 3_600_000 },
  }),
  autothrottle: toggleOf<AutoThrottleSettings>({
    targetConcurrency: int({
      min: 1,
      max: 1024,
      default: 1,
      flag: 'autothrottle-target',
      arg: 'N',
      group: 'politeness',
      help: 'autothrottle: requests in flight per host it aims at (the delay becomes latency / N)',
    }),
    startDelayMs: int({
      min: 0,
      max: 3_600_000,
      default: 1000,
      flag: 'autothrottle-start-delay-ms',
      arg: 'N',
      group: 'politeness',
      help: 'autothrottle: the delay a host starts with, before its first response is measured',
    }),
    maxDelayMs: int({
      min: 0,
      max: 3_600_000,
      default: 60_000,
      flag: 'autothrottle-max-delay-ms',
      arg: 'N',
      group: 'politeness',
      help: 'autothrottle: the longest delay it sets (delayMs and robots.txt Crawl-delay still win over it)',
    }),
    minConcurrency: int({
      min: 1,
      max: 1024,
      default: 1,
      group: 'politeness',
      help: 'autothrottle: the fewest requests in flight per host it lowers a host to on errors',
    }),
    maxConcurrency: int({
      min: 1,
      max: 1024,
      group: 'politeness',
      help: 'autothrottle: the most requests in flight per host it raises a host to',
      defaultText: 'perHost',
    }),
  })({
    flag: 'autothrottle',
    group: 'politeness',
    help: "adapt each host's delay and requests in flight to its latency and errors (Scrapy's AutoThrottle, plus fewer requests in flight on 429, 503, timeouts or rising latency); never above perHost, never below delayMs or Crawl-delay",
    defaultText: 'off',
    docs: 'see [AutoThrottle](#autothrottle)',
    api: true,
  }),
  robots: boolean({
    default: true,
    flag: 'no-robots',
    group: 'politeness',
    help: 'obey robots.txt',
    flagHelp: 'ignore robots.txt (prints a warning)',
    api: true,
  }),
  sitemaps: boolean({
    default: false,
    flag: 'sitemaps',
    group: 'politeness',
    help: 'also seed the crawl from the sitemaps robots.txt lists (or /sitemap.xml); seeds go to parse',
    api: true,
  }),
  allowedDomains: listOf()('string')({
    flag: 'allow-domain',
    arg: 'HOSTS',
    group: 'politeness',
    help: "hosts the crawl may visit besides the start URLs' origins (subdomains, any scheme and port); repeatable or comma-separated",
    docs: 'see [Scope and link rules](#scope-and-link-rules)',
    api: true,
  }),
  allow: listOf()('string')({
    flag: 'allow',
    arg: 'PATTERNS',
    group: 'politeness',
    help: "follow only links matching one of these URL patterns ('*' any characters, matched anywhere in the URL; 're:' for a regex); start URLs are always fetched; repeatable or comma-separated",
    docs: 'see [Scope and link rules](#scope-and-link-rules)',
    api: true,
  }),
  deny: listOf()('string')({
    flag: 'deny',
    arg: 'PATTERNS',
    group: 'politeness',
    help: 'never follow links matching one of these URL patterns (same syntax as --allow; deny wins)',
    docs: 'see [Scope and link rules](#scope-and-link-rules)',
    api: true,
  }),
  keepQueryOrder: boolean({
    default: false,
    flag: 'keep-query-order',
    group: 'politeness',
    help: 'for dedup, keep query arguments in their order (?b=2&a=1 and ?a=1&b=2 are then two pages); by default they are sorted',
    docs: 'see [Duplicate URLs](#duplicate-urls)',
    api: true,
  }),
  dropParams: listOf()('string')({
    flag: 'drop-params',
    arg: 'NAMES',
    group: 'politeness',
    help: "query parameters ignored for dedup, on top of the tracking and session ones (utm_*, fbclid, gclid, jsessionid, PHPSESSID…); 'name' or 'prefix*', any case",
    docs: 'see [Duplicate URLs](#duplicate-urls)',
    api: true,
  }),
  keepParams: listOf()('string')({
    flag: 'keep-params',
    arg: 'NAMES',
    group: 'politeness',
    help: 'query parameters never ignored for dedup, even when a default or dropParams names them',
    api: true,
  }),
  userAgent: string({
    flag: 'user-agent',
    arg: 'S',
    group: 'politeness',
    help: 'the User-Agent header',
    defaultText: 'arachne/<version>',
    api: { minLength: 1, maxLength: 512 },
  }),

  // HTTP
  timeoutMs: int({
    min: 1,
    default: 30_000,
    flag: 'timeout-ms',
    arg: 'N',
    group: 'http',
    help: 'whole exchange timeout per attempt',
    api: { max: 3_600_000 },
  }),
  connectTimeoutMs: int({
    min: 1,
    default: 10_000,
    flag: 'connect-timeout-ms',
    arg: 'N',
    group: 'http',
    help: 'connection establishment timeout',
  }),
  retries: int({
    min: 0,
    default: 2,
    flag: 'retries',
    arg: 'N',
    group: 'http',
    help: 'further attempts after a network error, timeout, 408, 429 or 5xx (exponential backoff with jitter)',
    api: { max: 20 },
  }),
  cookies: boolean({
    default: true,
    flag: 'no-cookies',
    group: 'http',
    help: 'keep one cookie jar per crawl: Set-Cookie of every response and redirect hop is sent back where RFC 6265 says',
    flagHelp: 'do not keep cookies (by default Set-Cookie is stored and sent back, per RFC 6265)',
  }),
  http2: boolean({
    default: false,
    flag: 'http2',
    group: 'http',
    help: 'offer HTTP/2 to https servers (ALPN: the server chooses; plain http stays HTTP/1.1)',
  }),
  wsMaxMessages: int({
    min: 1,
    infinite: true,
    default: 1000,
    flag: 'ws-max-messages',
    arg: 'N',
    group: 'http',
    help: "ws:// and wss:// feeds: close the connection after this many messages (a request's websocket.maxMessages wins)",
    docs: 'see [WebSocket feeds](#websocket-feeds)',
    api: { max: 1_000_000 },
  }),
  wsDurationMs: int({
    min: 1,
    infinite: true,
    default: 60_000,
    flag: 'ws-duration-ms',
    arg: 'N',
    group: 'http',
    help: "ws:// and wss:// feeds: close the connection this long after it opened (a request's websocket.durationMs wins)",
    api: { max: 86_400_000 },
  }),
  wsSend: stringOr<readonly string[]>('a list of messages')({
    flag: 'ws-send',
    arg: 'TEXT',
    repeatable: true,
    group: 'http',
    help: 'ws:// and wss:// feeds: text message sent once the connection is open, such as \'{"subscribe":"x"}\'; repeat for several, sent in order (a request\'s websocket.send wins)',
  }),
  wsOrigin: string({
    flag: 'ws-origin',
    arg: 'URL',
    group: 'http',
    help: 'ws:// and wss:// feeds: the Origin header of the upgrade, for servers that check it',
  }),
  proxy: string({
    flag: 'proxy',
    arg: 'URL',
    group: 'http',
    help: 'send every request, robots.txt and sitemaps included, through http://[user:pass@]host:port, https://…, socks5://… or socks5h://…; with allowPrivate false, socks5:// only',
  }),
  proxies: listOf<ProxyFunction>()('string')({
    fn: 'a function (request) => proxy URL',
    flag: 'proxies',
    arg: 'URLS',
    group: 'sessions',
    help: 'rotate over these proxies (http://, https://, socks5://, socks5h://, user:pass@ allowed), round-robin; sticky per session',
    docs: 'crawl() also takes a function of the request; see [Sessions and proxies](#sessions-and-proxies)',
  }),
  proxyTiers: listOf()('string-list')({
    flag: 'proxy-tiers',
    arg: 'TIERS',
    group: 'sessions',
    help: "tiered proxies ('a,b;c': tier 0 a and b, tier 1 c): each host starts on tier 0 and moves up a tier each time it blocks",
  }),
  sessions: int({
    min: 0,
    default: 0,
    flag: 'sessions',
    arg: 'N',
    group: 'sessions',
    help: 'a pool of N sessions (cookie jar, sticky proxy, browser-like headers each), rotated per request and retired when blocked; 0: off',
    api: { max: 1000 },
  }),
  blockedStatuses: listOf()('int')({
    default: [401, 403, 429],
    defaultText: '401,403,429',
    flag: 'blocked-statuses',
    arg: 'LIST',
    group: 'sessions',
    help: "with sessions or proxy tiers: statuses that mean blocked (the session is retired, the request retried with another); '' for none",
    api: true,
  }),
  browserHeaders: boolean({
    default: true,
    flag: 'no-browser-headers',
    group: 'sessions',
    help: 'with sessions: each session sends a generated browser-like header set (Chrome on Linux: User-Agent, Accept, Accept-Language, sec-ch-ua…)',
    flagHelp: "with sessions: send the crawl's own User-Agent instead of a browser-like header set",
  }),
  allowPrivate: boolean({
    default: true,
    flag: 'deny-private',
    group: 'http',
    help: 'let the crawl connect to private, loopback and link-local addresses (checked at connect time); API jobs run with false (SSRF guard)',
    flagHelp: 'refuse connections to private, loopback and link-local addresses (SSRF guard)',
  }),
  dns: listOf()('string')({
    flag: 'dns',
    arg: 'SERVERS',
    group: 'http',
    help: 'resolve host names with these DNS servers (address[:port], comma-separated or repeated), asked in turn over UDP (TCP for truncated answers), instead of the system resolver; answers are cached for their TTL either way',
    docs: 'see [DNS: a caching resolver and --dns](#dns-a-caching-resolver-and---dns)',
  }),
  dnsPrefer: oneOf(['auto', 'ipv4', 'ipv6'] as const, {
    default: 'auto',
    flag: 'dns-prefer',
    arg: 'FAMILY',
    group: 'http',
    help: "which addresses of a name are tried first, ipv4 or ipv6; auto keeps the resolver's order (IPv4 first from --dns servers)",
  }),
  ca: listOf()('string')({
    flag: 'ca',
    arg: 'FILE',
    group: 'http',
    help: "trust the CA certificates of these PEM files besides the system's (a private CA); repeatable",
    docs: 'see [TLS](#tls-private-cas-client-certificates---insecure)',
  }),
  cert: string({
    flag: 'cert',
    arg: 'FILE',
    group: 'http',
    help: 'present this client certificate (PEM, its chain may follow it) to servers that ask for one; needs key',
  }),
  key: string({
    flag: 'key',
    arg: 'FILE',
    group: 'http',
    help: "the client certificate's private key (PEM, unencrypted)",
  }),
  insecure: boolean({
    default: false,
    flag: 'insecure',
    group: 'http',
    help: 'do not verify TLS certificates (expired, self-signed, wrong host): logs a warning and sets the tlsInsecure stat; API jobs only where the server allows it (serve --allow-insecure)',
    api: true,
  }),
  tlsMinVersion: oneOf(['TLSv1.2', 'TLSv1.3'] as const, {
    default: 'TLSv1.2',
    flag: 'tls-min-version',
    arg: 'V',
    group: 'http',
    help: 'refuse servers that cannot speak at least this TLS version',
    api: true,
  }),
  ftpConnections: int({
    min: 1,
    max: 64,
    default: 2,
    flag: 'ftp-connections',
    arg: 'N',
    group: 'http',
    help: 'ftp:/ftps: sessions open at once per host (FTP servers often allow very few); requests beyond wait their turn',
    docs: 'see [FTP, FTPS and file: sources](#ftp-ftps-and-file-sources)',
    api: { max: 4 },
  }),
  ftpUser: string({
    flag: 'ftp-user',
    arg: 'USER',
    group: 'http',
    help: 'ftp:/ftps: log in as this user when the URL names none (default: anonymous)',
  }),
  ftpPassword: string({
    group: 'http',
    help: 'ftp:/ftps: the password of ftpUser (crawl() only: on the command line use --ftp-password-env)',
  }),
  ftpPasswordEnv: string({
    flag: 'ftp-password-env',
    arg: 'VAR',
    group: 'http',
    help: 'ftp:/ftps: read the password of --ftp-user from this environment variable',
  }),
  mailPasswordFile: string({
    flag: 'mail-password-file',
    arg: 'FILE',
    group: 'mail',
    help: 'imap:, imaps:, pop3:, pop3s: URLs log in with the first line of FILE as password (default: $ARACHNE_MAIL_PASSWORD); never logged',
    docs: 'see [Mailboxes](#mailboxes-imap-and-pop3-sources)',
  }),

  // Browser: not for API jobs yet (a shared server launching Chromium per job needs its own limits)
  render: oneOf(['http', 'script', 'browser', 'adaptive', 'auto'] as const, {
    default: 'http',
    flag: 'render',
    arg: 'R',
    group: 'browser',
    help: "the rung that fetches requests whose spider, handler and request name none: script runs the page's scripts in an isolated DOM, browser renders in Chromium, adaptive (or auto) learns the cheapest rung per host and handler",
  }),
  adaptiveSamples: int({
    min: 1,
    default: 3,
    flag: 'adaptive-samples',
    arg: 'N',
    group: 'browser',
    help: "adaptive: pages per host and handler fetched on every rung and compared before a rung is chosen (a spider's adaptive.samples wins)",
  }),
  adaptiveRecheck: number({
    above: 0,
    below: 1,
    default: 0.05,
    flag: 'adaptive-recheck',
    arg: 'SHARE',
    group: 'browser',
    help: "adaptive: share of later pages (between 0 and 1) compared with the browser again, to move a page type up or down (a spider's adaptive.recheck, which also takes 0 and 1, wins)",
  }),
  adaptiveRecheckMin: number({
    above: 0,
    below: 1,
    flag: 'adaptive-recheck-min',
    arg: 'SHARE',
    group: 'browser',
    defaultText: 'an eighth of the re-check share',
    help: "adaptive: the share re-checks thin out to while they confirm the choice (each confirming one halves the share; a move restores it); equal to --adaptive-recheck for a fixed share (a spider's adaptive.recheckMin wins)",
  }),
  browserPath: string({
    flag: 'browser-path',
    arg: 'FILE',
    group: 'browser',
    defaultText: '`/usr/bin/chromium-headless-shell` where installed, else `/usr/bin/chromium`',
    help: 'the Chromium executable the browser rung launches (Debian package chromium-headless-shell or chromium)',
  }),
  browserConcurrency: int({
    min: 1,
    default: 4,
    flag: 'browser-concurrency',
    arg: 'N',
    group: 'browser',
    help: 'pages rendered in parallel, within the crawl concurrency',
  }),
  browserRecycleAfter: int({
    min: 1,
    default: 50,
    flag: 'browser-recycle-after',
    arg: 'N',
    group: 'browser',
    help: 'pages one browser context serves before a fresh one replaces it (a reused context leaks)',
  }),
  browserRelaunchAfter: int({
    min: 0,
    default: 1000,
    flag: 'browser-relaunch-after',
    arg: 'N',
    group: 'browser',
    help: 'pages one Chromium serves before a freshly launched one replaces it (the old one closes when its pages are done; 0: never)',
  }),
  scriptTimeoutMs: int({
    min: 1,
    default: 5000,
    flag: 'script-timeout',
    arg: 'MS',
    group: 'browser',
    help: "script rung: wall-time budget of one page's scripts and timers (an endless page fails with AR_SCRIPT_TIMEOUT)",
  }),
  scriptWorkers: int({
    min: 1,
    flag: 'script-workers',
    arg: 'N',
    group: 'browser',
    help: 'script rung: V8 isolates running pages at once, each on its own thread (default: available parallelism)',
  }),
  scriptMemoryMb: int({
    min: 8,
    default: 128,
    flag: 'script-memory',
    arg: 'MB',
    group: 'browser',
    help: 'script rung: heap limit of each isolate; a page past it fails with AR_SCRIPT and the isolate is replaced',
  }),
  blockResources: boolean({
    default: true,
    flag: 'no-block-resources',
    group: 'browser',
    help: 'the browser skips images, fonts and media',
    flagHelp: 'let the browser load images, fonts and media (by default they are skipped)',
  }),
  blockUrls: stringOr<readonly string[]>('a list of URL patterns')({
    flag: 'block-urls',
    arg: 'PATTERNS',
    group: 'browser',
    help: "URL patterns the browser never requests, comma-separated on the CLI: '*' is any characters, a pattern matches anywhere in the URL (*.doubleclick.net,/ads/)",
    defaultText: 'none',
  }),
  browserMaxMemory: int({
    min: 0,
    default: 1024,
    flag: 'browser-max-memory',
    arg: 'MB',
    group: 'browser',
    help: "the browser's memory in MB (its processes' PSS, summed) above which the current context is replaced (measured every 20 pages; 0: never)",
  }),
  browserIdleClose: int({
    min: 0,
    default: 10_000,
    flag: 'browser-idle-close',
    arg: 'MS',
    group: 'browser',
    help: 'close the browser after this long with no page rendering, to give its memory back (the next browser request relaunches it; 0: keep it)',
  }),
  browserSnapshotDir: string({
    default: 'snapshots',
    flag: 'browser-snapshot-dir',
    arg: 'DIR',
    group: 'browser',
    help: 'where page.screenshot(), page.snapshot() and failure snapshots are written',
  }),
  browserSnapshotOnFailure: boolean({
    default: false,
    flag: 'browser-snapshot-on-failure',
    group: 'browser',
    help: 'a browser page whose fetch or handler fails saves a screenshot and its HTML under browserSnapshotDir (the failure log names them)',
  }),

  // Shared crawls
  frontier: stringOr<Frontier>('a Frontier')({
    flag: 'frontier',
    arg: 'URL',
    group: 'shared',
    help: "where requests wait: redis://host:6379/0 shares the crawl with 'arachne worker' processes; also memory:, sqlite:PATH, PATH.db or a registered backend's location",
    defaultText: 'memory:',
    docs: 'crawl() also takes a `Frontier`; see [Many workers](#many-workers-on-redis)',
  }),
  crawlId: string({
    flag: 'crawl-id',
    arg: 'ID',
    group: 'shared',
    help: 'names the shared crawl in the frontier',
    defaultText: "the spider's name",
  }),
  hostTurns: string({
    flag: 'host-turns',
    arg: 'NAME',
    group: 'shared',
    help: "shared crawls on one Redis given the same NAME share each host's turns: per-host limit and delay hold across all of them together",
    defaultText: 'each crawl its own',
    docs: 'what `arachne serve --frontier` gives every job; needs a single Redis, not a Cluster',
  }),
  leaseMs: int({
    min: 100,
    default: 30_000,
    flag: 'lease-ms',
    arg: 'N',
    group: 'shared',
    help: 'a request whose worker stopped renewing its lease this long goes back to the queue',
  }),
  dedup: oneOf(['exact', 'bloom'], {
    default: 'exact',
    flag: 'dedup',
    arg: 'MODE',
    group: 'shared',
    help: 'seen-set of a shared (Redis) frontier: exact fingerprints, or a Bloom filter (bounded memory, rare false positives)',
  }),
  bloomCapacity: int({
    min: 1,
    default: 100_000_000,
    flag: 'bloom-capacity',
    arg: 'N',
    group: 'shared',
    help: 'with dedup bloom: the number of URLs the filter is sized for',
  }),
  bloomErrorRate: number({
    above: 0,
    below: 1,
    default: 0.001,
    flag: 'bloom-error-rate',
    arg: 'P',
    group: 'shared',
    help: 'with dedup bloom: the false-positive rate at capacity (a false positive skips a new URL)',
  }),

  // SFTP: paths on this machine, so never for API jobs (which cannot crawl sftp: URLs anyway)
  sshKey: string({
    flag: 'ssh-key',
    arg: 'FILE',
    group: 'sftp',
    help: 'the private key for sftp: URLs and sftp:// outputs (a password can be in the URL or ARACHNE_SSH_PASSWORD)',
    defaultText: 'the SSH agent, else ~/.ssh/id_ed25519, id_ecdsa or id_rsa',
    docs: 'see [SFTP sources and remote outputs](#sftp-sources-and-remote-outputs)',
  }),
  knownHosts: string({
    flag: 'known-hosts',
    arg: 'FILE',
    group: 'sftp',
    help: "the known_hosts file SSH servers' host keys are checked against; an unknown or changed key is refused (AR_HOST_KEY)",
    defaultText: '~/.ssh/known_hosts',
  }),
  acceptNewHostKeys: boolean({
    default: false,
    flag: 'accept-new-host-keys',
    group: 'sftp',
    help: 'trust the key of an SSH server the known_hosts file does not list yet, and add it there (a changed key is still refused)',
  }),

  // Logging
  logLevel: oneOf(['debug', 'info', 'warn', 'error', 'silent'], {
    default: 'info',
    flag: 'log-level',
    arg: 'L',
    group: 'logging',
    help: 'the least severe log lines shown (on stderr)',
  }),
};

export type OptionSpecs = typeof optionSpecs;
export type OptionKey = keyof OptionSpecs;

type InOf<S> = S extends Typed<infer In, unknown> ? In : never;
type OutOf<S> = S extends Typed<unknown, infer O> ? O : never;

/**
 * What crawl() and `spider.options` accept. Homomorphic over the table, so each option keeps its declaration
 * (go-to-definition lands on its spec).
 */
export type OptionsFromSpecs = { [K in OptionKey]?: InOf<OptionSpecs[K]> };
/** Every option after resolution; those without a default may be undefined. */
export type ResolvedFromSpecs = { [K in OptionKey]: OutOf<OptionSpecs[K]> };
/** The options an API job may set. */
export type ApiOptionKey = {
  [K in OptionKey]: OptionSpecs[K] extends { api: unknown } ? K : never;
}[OptionKey];

/** One row of the table: a top-level option, or a field of one (`traps.maxPagesPerHost`). */
export interface OptionEntry {
  /** `concurrency`, or `traps.maxPagesPerHost`. */
  readonly path: string;
  readonly key: string;
  /** The option this one is a field of. */
  readonly parent?: OptionKey;
  readonly spec: AnySpec;
}

/** Every option and option field, in table order, the fields right after their option. */
export function optionEntries(): OptionEntry[] {
  const entries: OptionEntry[] = [];
  for (const [key, spec] of Object.entries(optionSpecs) as Array<[OptionKey, AnySpec]>) {
    entries.push({ path: key, key, spec });
    if (spec.kind === 'fields' || spec.kind === 'toggle') {
      for (const [field, fieldSpec] of Object.entries(spec.fields)) {
        entries.push({ path: `${key}.${field}`, key: field, parent: key, spec: fieldSpec });
      }
    }
  }
  return entries;
}

/** The rule an API job is held to: the option's own, narrowed by its `api` bounds. Undefined: not settable. */
export function apiRule(spec: AnySpec): ValueRule | undefined {
  if (spec.api === undefined) return undefined;
  if (spec.api === true) return spec;
  if (spec.kind === 'int' || spec.kind === 'duration')
    return { ...spec, ...(spec.api.max !== undefined ? { max: spec.api.max } : {}) };
  if (spec.kind === 'string') return { ...spec, ...spec.api };
  return spec;
}

/** The one wording of what a rule accepts: "an integer ≥ 1", "one of exact, bloom". */
export function expectation(rule: ValueRule): string {
  switch (rule.kind) {
    case 'int': {
      const int =
        rule.max !== undefined
          ? `an integer from ${rule.min} to ${rule.max}`
          : `an integer ≥ ${rule.min}`;
      return rule.auto ? `${int} or auto` : int;
    }
    case 'duration':
      return `a duration such as 30s, 5m or 1h30m (crawl(): also milliseconds)${rule.max !== undefined ? ` up to ${formatDuration(rule.max)}` : ''}`;
    case 'number':
      return `a number between ${rule.above} and ${rule.below} (exclusive)`;
    case 'boolean':
      return 'true or false';
    case 'string':
      if (rule.maxLength !== undefined)
        return `a string of ${rule.minLength ?? 0} to ${rule.maxLength} characters`;
      if (rule.minLength) return `a string of at least ${rule.minLength} characters`;
      return 'a string';
    case 'enum':
      return `one of ${rule.values.join(', ')}`;
    case 'string-or-object':
      return `a string or ${rule.object}`;
    case 'object':
      return rule.object;
    case 'list': {
      const list =
        rule.of === 'int'
          ? 'a list of integers'
          : rule.of === 'string'
            ? 'a list of strings'
            : 'a list of lists of strings';
      return rule.fn === undefined ? list : `${list} or ${rule.fn}`;
    }
    case 'fields':
      return `an object of ${Object.keys(rule.fields).join(', ')}`;
    case 'toggle':
      return `true, false or an object of ${Object.keys(rule.fields).join(', ')}`;
  }
}

/** True when `value` satisfies `rule` (for `fields`, only the shape: each field is checked by its own rule). */
export function accepts(rule: ValueRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'int':
      if (value === 'auto') return rule.auto === true;
      if (typeof value !== 'number') return false;
      if (value === Number.POSITIVE_INFINITY)
        return rule.infinite === true && rule.max === undefined;
      return (
        Number.isInteger(value) &&
        value >= rule.min &&
        (rule.max === undefined || value <= rule.max)
      );
    case 'duration': {
      const ms = durationMs(value);
      return ms !== undefined && (rule.max === undefined || ms <= rule.max);
    }
    case 'number':
      return typeof value === 'number' && value > rule.above && value < rule.below;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return (
        typeof value === 'string' &&
        value.length >= (rule.minLength ?? 0) &&
        value.length <= (rule.maxLength ?? Number.POSITIVE_INFINITY)
      );
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value);
    case 'string-or-object':
      return typeof value === 'string' || (typeof value === 'object' && value !== null);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'list':
      if (typeof value === 'function') return rule.fn !== undefined;
      return Array.isArray(value) && value.every((item) => acceptsItem(rule.of, item));
    case 'fields':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'toggle':
      return (
        typeof value === 'boolean' ||
        (typeof value === 'object' && value !== null && !Array.isArray(value))
      );
  }
}

function acceptsItem(of: 'int' | 'string' | 'string-list', item: unknown): boolean {
  if (of === 'int') return Number.isInteger(item);
  if (of === 'string') return typeof item === 'string';
  return Array.isArray(item) && item.every((inner) => typeof inner === 'string');
}

const durationUnits: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Milliseconds of a duration: a whole number of milliseconds, or a string of number–unit pairs (`30s`, `5m`,
 * `1h30m`, `1.5h`, `250ms`). A bare number in a string has no unit to trust: undefined, like any other bad value.
 */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(amount) * (durationUnits[unit as string] ?? 0);
  }
  const ms = Math.round(total);
  return ms > 0 ? ms : undefined;
}

/** `90000` → `1m30s`: how a duration bound reads in messages. */
function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of Object.entries(durationUnits).reverse()) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0ms';
}

/** A list as typed on the CLI: `401,403`; for lists of lists, `a,b;c`. Blank items are dropped. */
export function parseListFlag(of: 'int' | 'string' | 'string-list', raw: string): unknown[] {
  const items = (text: string) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  if (of === 'string-list') return raw.split(';').map(items);
  const list = items(raw);
  return of === 'int' ? list.map((item) => (/^\d+$/.test(item) ? Number(item) : item)) : list;
}

/** How the default reads in --help and the README; undefined when there is none to show. */
export function defaultText(spec: AnySpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === Number.POSITIVE_INFINITY) return '∞';
  if (typeof spec.default === 'object') return undefined;
  // A list's own default is printed by its defaultText.
  return spec.default === undefined ? undefined : String(spec.default);
}

/**
 * The one message format for a bad option value, wherever it comes from:
 * `concurrency must be an integer ≥ 1, got -5` (crawl()), `--concurrency must be an integer ≥ 1, got "-5"` (CLI,
 * which shows what was typed), `options.concurrency must be an integer from 1 to 1024, got 2000` (API).
 */
export function mustBe(name: string, rule: ValueRule, value: unknown): string {
  return `${name} ${mustBePhrase(rule, value)}`;
}

/** The message without the name, for callers that name the field themselves (the API's zod issues). */
export function mustBePhrase(rule: ValueRule, value: unknown): string {
  return `must be ${expectation(rule)}, got ${shown(value)}`;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
