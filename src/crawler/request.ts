/** The crawler's Request: plain JSON data, so it can sit in memory, in SQLite or in Redis and survive a restart. */

import { ConfigError } from '../errors.js';
import type { HttpRequest } from '../http/request.js';
import { rejectUnknownKeys } from './unknown-keys.js';

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * The reserved key that tells a request from an item. It is an ordinary enumerable property, so it survives
 * `{ ...request }`, `structuredClone` and a JSON round trip through SQLite or Redis; items must not use it.
 */
export const requestTag = '@arachne';

/**
 * A request, recognised by its tag `'@arachne': 'request'` (see `isRequest`), never by how it was made: a spread
 * copy such as `{ ...page.follow(href), priority: 5 }` is still a request. The tag is not part of the
 * fingerprint (method, canonical URL and body only), so it does not change deduplication.
 */
/**
 * The rung that fetches a request, cheapest first: plain HTTP, HTTP with the page's scripts run in an isolated DOM,
 * or a page rendered by Chromium. Never part of the fingerprint (same URL, same page).
 */
export type Fetcher = 'http' | 'script' | 'browser';
export const fetchers: readonly Fetcher[] = ['http', 'script', 'browser'];

/** A rung, or 'adaptive': the ladder learns per host and handler the cheapest rung that gives the browser's output. */
export type FetchMode = Fetcher | 'adaptive';
export const fetchModes: readonly FetchMode[] = [...fetchers, 'adaptive'];

/** `browser: true` is shorthand for `fetch: 'browser'` (spider, handler options, request); both at once must agree. */
export function fetchModeOf(
  given: { fetch?: FetchMode | undefined; browser?: boolean | undefined },
  where: string,
): FetchMode | undefined {
  const { fetch, browser } = given;
  if (fetch !== undefined && !fetchModes.includes(fetch)) {
    throw new ConfigError(
      `unknown fetch '${String(fetch)}' in ${where} (${fetchModes.join(', ')})`,
    );
  }
  if (browser === undefined) return fetch;
  if (typeof browser !== 'boolean')
    throw new ConfigError(`browser must be true or false in ${where}`);
  const implied: FetchMode = browser ? 'browser' : 'http';
  if (fetch !== undefined && fetch !== implied) {
    throw new ConfigError(`browser: ${browser} contradicts fetch: '${fetch}' in ${where}`);
  }
  return implied;
}

/** A `ws:`/`wss:` request's own feed settings; each one absent takes the crawl's (`wsSend`, `wsMaxMessages`…). */
export interface WebSocketInit {
  /** Text messages sent once the connection is open (a subscription), in order. */
  send?: string | string[];
  /** The connection is closed after this many messages. */
  maxMessages?: number;
  /** The connection is closed this long after it opened. */
  durationMs?: number;
}

export interface Request extends HttpRequest {
  readonly [requestTag]: 'request';
  /** Name of the spider handler that receives the response. */
  handler: string;
  /** The user's payload, carried to the handler as `page.request.data`. */
  data: JsonObject;
  /** Links followed from a start request: 0 for start requests. */
  depth: number;
  /** Higher runs first. @default 0 */
  priority: number;
  /** Failed attempts so far (retries). */
  attempt: number;
  /** The rung that fetches it; absent: its handler's, else the spider's `fetch`, else the crawl's `render`. */
  fetch?: FetchMode;
  /** Browser rung: a CSS selector to wait for after load (bounded by timeoutMs). @default the spider's */
  waitFor?: string;
  /** The index of the spider rule (`rules`) whose link this is: its `follow` says whether rules read this page. */
  rule?: number;
  /** `ws:`/`wss:` only: what to send after the connection opens and when to close it. */
  websocket?: WebSocketInit;
  /**
   * The session the request goes out with, set by the session middleware on its way down the chain (never
   * stored: each attempt picks a session again).
   */
  session?: string;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  handler?: string;
  data?: JsonObject;
  priority?: number;
  depth?: number;
  fetch?: FetchMode;
  /** Shorthand for `fetch: 'browser'`. */
  browser?: boolean;
  waitFor?: string;
  /** `ws:`/`wss:` only: subscription messages and bounds of the feed. */
  websocket?: WebSocketInit;
}

// Every key of RequestInit, checked by the compiler: a key added to the type and not here fails to build.
const requestInitKeys: ReadonlySet<string> = new Set(
  Object.keys({
    method: true,
    headers: true,
    body: true,
    handler: true,
    data: true,
    priority: true,
    depth: true,
    fetch: true,
    browser: true,
    waitFor: true,
    websocket: true,
  } satisfies Record<keyof RequestInit, true>),
);

export function createRequest(url: string, init: RequestInit = {}): Request {
  rejectUnknownKeys(init, requestInitKeys, `the request for ${url}`);
  const request: Request = {
    [requestTag]: 'request',
    url,
    method: (init.method ?? 'GET').toUpperCase(),
    headers: lowerCaseKeys(init.headers ?? {}),
    handler: init.handler ?? 'parse',
    data: init.data ?? {},
    depth: init.depth ?? 0,
    priority: init.priority ?? 0,
    attempt: 0,
  };
  if (init.body !== undefined) request.body = init.body;
  const fetch = fetchModeOf(init, `the request for ${url}`);
  if (fetch !== undefined) request.fetch = fetch;
  if (init.waitFor !== undefined) request.waitFor = init.waitFor;
  if (init.websocket !== undefined) request.websocket = init.websocket;
  return request;
}

/**
 * The body a request's fingerprint is taken over: its own, and for a feed its subscription messages too, so that two
 * subscriptions on one `ws:` URL are two feeds while the same subscription twice is one.
 */
export function fingerprintBody(request: Request): string | undefined {
  const send = request.websocket?.send;
  if (send === undefined) return request.body;
  return `${request.body ?? ''}\u0000websocket:${JSON.stringify(typeof send === 'string' ? [send] : send)}`;
}

/** True when `value` carries the request tag. Shape checks beyond the tag are `classifyOutput`'s job. */
export function isRequest(value: unknown): value is Request {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[requestTag] === 'request'
  );
}

/**
 * Parses a request a frontier stored as JSON. Requests stored before the tag existed lack it: they get it back
 * here, so a state file or Redis queue written by an older version resumes as requests.
 */
export function reviveRequest(json: string): Request {
  const stored = JSON.parse(json) as Omit<Request, typeof requestTag>;
  return isRequest(stored) ? stored : { [requestTag]: 'request', ...stored };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
