/** defineSpider: a spider is plain data plus handlers that take a page and yield items and requests. */

import { ConfigError } from '../errors.js';
import type { Middleware } from '../http/compose.js';
import { type ItemDeclarations, normaliseItemTypes } from '../items/index.js';
import type { Item } from '../storage/sink.js';
import { type Contracts, checkContracts } from './contracts.js';
import { checkLinkRules, type LinkRule } from './link-rules.js';
import type { CrawlOptions } from './options.js';
import type { Page } from './page.js';
import type { Pipeline } from './pipeline.js';
import { type FetchMode, fetchModeOf, type Request } from './request.js';
import { rejectUnknownKeys } from './unknown-keys.js';

/**
 * What a handler may produce: items (plain objects) and requests (made by `page.follow` or `request()`, told apart
 * by their `'@arachne': 'request'` tag). Anything else fails the request with AR_BAD_OUTPUT.
 */
export type Output = Item | Request;

export type HandlerResult =
  | AsyncIterable<Output>
  | Iterable<Output>
  | Output
  | undefined
  | void
  // biome-ignore lint/suspicious/noConfusingVoidType: an async handler that returns nothing is Promise<void>
  | Promise<Output | readonly Output[] | undefined | void>;

export type Handler<K extends string = string> = (page: Page<K>) => HandlerResult;

/** What a spec without `items` declares: no item type, so `page.item` accepts no name. */
// biome-ignore lint/complexity/noBannedTypes: the empty declaration map, whose keyof is never
type NoItems = {};

type Reserved = keyof SpiderConfig;

/** The names of a spec's handlers: every key except the reserved configuration keys. */
export type HandlerNames<H> = Exclude<keyof H, Reserved> & string;

export interface SpiderConfig {
  name: string;
  /** Start URLs, or a function returning URLs and requests (sync or async iterable). */
  start:
    | string
    | readonly string[]
    | (() => Iterable<string | Request> | AsyncIterable<string | Request>);
  /**
   * Hosts the crawl may visit (subdomains included, any scheme and port), instead of the default scope: the start
   * URLs' origins (scheme, host and port). The crawl's `allowedDomains` option adds to either.
   */
  allowedDomains?: readonly string[];
  /**
   * Link-extraction rules (Scrapy's CrawlSpider): which links of start pages (and of pages of following rules) are
   * requested, and by which handler. See link-rules.ts.
   */
  rules?: readonly LinkRule[];
  options?: CrawlOptions;
  /**
   * Item types, by name: a Standard Schema validator (zod, valibot…) or `defineItem(schema, fields)` with per-field
   * processors. Handlers yield `page.item('name', {...})`; see README "Typed items".
   */
  items?: ItemDeclarations;
  /** Item pipelines, in order. */
  pipelines?: readonly Pipeline[];
  /** Extra HTTP middlewares, run after the built-in ones (robots, scope, user agent). */
  middlewares?: readonly Middleware[];
  /**
   * Non-2xx statuses passed to handlers (Scrapy's handle_httpstatus_list); 'all' passes every response.
   * Other statuses count as failed requests. @default []
   */
  handleStatuses?: readonly number[] | 'all';
  /**
   * The rung that fetches this spider's requests unless a handler or request says otherwise: 'http', 'script',
   * 'browser', or 'adaptive' (the ladder learns the cheapest rung per host and handler). @default the crawl's `render`
   */
  fetch?: FetchMode;
  /** Shorthand for `fetch: 'browser'`. */
  browser?: boolean;
  /** Browser rung: a CSS selector to wait for after load on every page, bounded by timeoutMs. */
  waitFor?: string;
  /**
   * With sessions or proxy tiers: true when a page is a block (a challenge page, a "too many requests" notice)
   * although its status is not one of `blockedStatuses`. The session is retired and the request retried with
   * another one. Called before the handler, with the same page API.
   */
  isBlocked?: (page: Page) => boolean | Promise<boolean>;
  /** Per-handler settings, by handler name: `{ detail: { fetch: 'browser', waitFor: '.price' } }`. */
  handlerOptions?: Readonly<Record<string, HandlerOptions>>;
  /** How `fetch: 'adaptive'` learns and re-checks its choice of rung. */
  adaptive?: AdaptiveOptions;
  /**
   * Per handler, pages it must handle and what it must yield there: run by `arachne check` (see contracts.ts).
   * `{ detail: [{ url: 'https://…/p/1', returns: { items: 1 }, scrapes: ['title', 'price'] }] }`
   */
  contracts?: Contracts;
}

/** What one handler's requests default to (a request's own `fetch`/`waitFor` still wins). */
export interface HandlerOptions {
  fetch?: FetchMode;
  /** Shorthand for `fetch: 'browser'`. */
  browser?: boolean;
  waitFor?: string;
}

/** The adaptive ladder's settings (see docs/ladder.md). */
export interface AdaptiveOptions {
  /** Pages per host and handler fetched on every rung and compared before a rung is chosen. @default 3 */
  samples?: number;
  /** Share of later pages compared again with the browser (0 = never, 1 = every page). @default 0.05 */
  recheck?: number;
  /**
   * The share re-checks thin out to while they keep confirming the choice: each one that does halves the share,
   * down to this; a move of the choice brings `recheck` back. Equal to `recheck` for a fixed share.
   * @default recheck / 8
   */
  recheckMin?: number;
  /**
   * URL patterns learned apart from the rest of their handler's pages: a glob over the path (`/product/*`,
   * `/blog/**`) or a RegExp over the whole URL. The first that matches joins the host and handler in the key.
   */
  patterns?: readonly (string | RegExp)[];
}

/**
 * A spider spec. `H` maps each key to what its value returns, so TypeScript infers the handler names from
 * the object literal itself (a reverse mapped type) and types every handler's `page.follow(url, name)`.
 */
export type SpiderSpec<H, I = NoItems> = Omit<SpiderConfig, 'rules' | 'contracts' | 'items'> & {
  /** Link rules; each `handler` is checked against the spec's handlers, as `page.follow`'s is. */
  rules?: readonly LinkRule<HandlerNames<H>>[];
  /** Contracts by handler name, checked against the spec's handlers. */
  contracts?: Contracts<HandlerNames<H>>;
  /** Item types; `page.item(name, value)` is checked against them. */
  items?: I;
} & {
  [K in keyof H]: K extends Reserved ? unknown : (page: Page<HandlerNames<H>, I>) => H[K];
};

export interface Spider<K extends string = string> extends SpiderConfig {
  readonly handlers: Readonly<Record<K, Handler<K>>>;
}

/**
 * Declares a spider. Handler names given to `page.follow(url, 'name')` are checked against the spec.
 * @example
 * export default defineSpider({
 *   name: 'quotes',
 *   start: ['https://quotes.toscrape.com/'],
 *   async *parse(page) {
 *     for (const q of page.select('div.quote')) yield { text: q.text('span.text') };
 *     const next = page.attr('li.next a', 'href');
 *     if (next) yield page.follow(next);
 *   },
 * });
 */
type HandlerResults<H> = { [K in keyof H]: K extends Reserved ? unknown : HandlerResult };

/** What `this` is inside a handler: the spec's configuration and its handlers. */
export type SpiderThis<H, I = NoItems> = SpiderConfig & {
  [K in HandlerNames<H>]: (page: Page<HandlerNames<H>, I>) => H[K];
};

export function defineSpider<H extends HandlerResults<H>, I extends ItemDeclarations = NoItems>(
  spec: SpiderSpec<H, I> & ThisType<SpiderThis<H, I>>,
): Spider<HandlerNames<H>> {
  const handlers: Record<string, Handler<HandlerNames<H>>> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (typeof value !== 'function' && !reservedKeys.has(key)) {
      // Handlers are functions; any other key must be configuration this version reads.
      rejectUnknownKeys({ [key]: value }, reservedKeys, `spider "${String(spec.name)}"`);
    }
    if (typeof value === 'function' && !reservedKeys.has(key)) {
      // Bound to the spec, as Scrapy binds callbacks to the spider: `this.detail(page)` works in a handler.
      handlers[key] = (value as Handler<HandlerNames<H>>).bind(spec);
    }
  }
  const config: Spider<HandlerNames<H>> = {
    name: spec.name,
    start: spec.start,
    handlers: handlers as Record<HandlerNames<H>, Handler<HandlerNames<H>>>,
  };
  if (spec.allowedDomains) config.allowedDomains = spec.allowedDomains;
  if (spec.rules)
    config.rules = checkLinkRules(spec.rules, handlers, `spider "${String(spec.name)}"`);
  if (spec.items) config.items = normaliseItemTypes(spec.items, `spider "${String(spec.name)}"`);
  if (spec.options) config.options = spec.options;
  if (spec.pipelines) config.pipelines = spec.pipelines;
  if (spec.middlewares) config.middlewares = spec.middlewares;
  if (spec.handleStatuses) config.handleStatuses = spec.handleStatuses;
  const where = `spider "${String(spec.name)}"`;
  const fetch = fetchModeOf(spec, where);
  if (fetch) config.fetch = fetch;
  if (spec.waitFor) config.waitFor = spec.waitFor;
  if (spec.handlerOptions)
    config.handlerOptions = checkHandlerOptions(spec.handlerOptions, handlers, where);
  if (spec.adaptive) config.adaptive = checkAdaptiveOptions(spec.adaptive, where);
  if (spec.isBlocked) config.isBlocked = spec.isBlocked.bind(spec);
  if (spec.contracts !== undefined)
    config.contracts = checkContracts(spec.contracts, handlers, where);
  return config;
}

const handlerOptionKeys = new Set<string>([
  'fetch',
  'browser',
  'waitFor',
] satisfies (keyof HandlerOptions)[]);
const adaptiveKeys = new Set<string>([
  'samples',
  'recheck',
  'recheckMin',
  'patterns',
] satisfies (keyof AdaptiveOptions)[]);

function checkHandlerOptions(
  given: Readonly<Record<string, HandlerOptions>>,
  handlers: Record<string, unknown>,
  where: string,
): Record<string, HandlerOptions> {
  rejectUnknownKeys(given, new Set(Object.keys(handlers)), `handlerOptions of ${where}`);
  const checked: Record<string, HandlerOptions> = {};
  for (const [name, options] of Object.entries(given)) {
    const at = `handlerOptions.${name} of ${where}`;
    rejectUnknownKeys(options, handlerOptionKeys, at);
    const fetch = fetchModeOf(options, at);
    checked[name] = {
      ...(fetch !== undefined && { fetch }),
      ...(options.waitFor !== undefined && { waitFor: options.waitFor }),
    };
  }
  return checked;
}

function checkAdaptiveOptions(given: AdaptiveOptions, where: string): AdaptiveOptions {
  const at = `adaptive of ${where}`;
  rejectUnknownKeys(given, adaptiveKeys, at);
  const { samples, recheck, recheckMin, patterns } = given;
  if (samples !== undefined && !(Number.isInteger(samples) && samples >= 1)) {
    throw new ConfigError(`${at}: samples must be a whole number of at least 1 (got ${samples})`);
  }
  if (recheck !== undefined && !(recheck >= 0 && recheck <= 1)) {
    throw new ConfigError(`${at}: recheck must be a share between 0 and 1 (got ${recheck})`);
  }
  if (recheckMin !== undefined && !(recheckMin >= 0 && recheckMin <= (recheck ?? 1))) {
    throw new ConfigError(
      `${at}: recheckMin must be a share between 0 and ${recheck === undefined ? 1 : `recheck (${recheck})`} (got ${recheckMin})`,
    );
  }
  for (const pattern of patterns ?? []) {
    if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
      throw new ConfigError(`${at}: patterns are path globs or RegExps (got ${String(pattern)})`);
    }
  }
  return given;
}

const reservedKeys = new Set<string>([
  'name',
  'start',
  'allowedDomains',
  'rules',
  'items',
  'options',
  'pipelines',
  'middlewares',
  'handleStatuses',
  'fetch',
  'browser',
  'waitFor',
  'handlerOptions',
  'adaptive',
  'isBlocked',
  'contracts',
] satisfies Reserved[]);

/** True when `value` looks like a spider made by defineSpider (used to validate loaded spider files). */
export function isSpider(value: unknown): value is Spider {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Spider>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.handlers === 'object' &&
    candidate.handlers !== null
  );
}
