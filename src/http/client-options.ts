/** The client's options: how defaults and per-call options merge, and how they become an HttpRequest. */
import type { CookieJar } from 'tough-cookie';
import { ConfigError, CrawlError } from '../errors.js';
import type { Middleware } from './compose.js';
import { type HttpRequest, type TransportOptions, transportDefaults } from './request.js';

type QueryValue = string | number | boolean;
/** Query parameters; arrays repeat the key, `undefined` leaves it out. */
export type QueryParams = Record<string, QueryValue | readonly QueryValue[] | undefined>;

export interface ClientOptions {
  /** Prefix for relative URLs: `baseUrl: 'https://api.example.com/v1'` + `'users'` → `…/v1/users`. */
  baseUrl?: string;
  /** Names are case-insensitive; a value of `undefined` removes a default header. */
  headers?: Record<string, string | undefined>;
  /** Appended to the URL's query string. */
  params?: QueryParams;
  /** Serialised as the body, with `content-type: application/json` unless set. */
  json?: unknown;
  /** URL-encoded as the body, with `content-type: application/x-www-form-urlencoded` unless set. */
  form?: Record<string, QueryValue>;
  /** A raw body. Only one of `json`, `form` and `body` may be given. */
  body?: string;
  /** Headers and body, from the request start. @default 30_000 */
  timeoutMs?: number;
  /** Waiting for a connection (DNS, TCP, TLS). @default 10_000 */
  connectTimeoutMs?: number;
  /** Cap on the decoded body. @default 32 MiB */
  maxBytes?: number;
  /** Retries of retryable statuses and errors (idempotent methods only). @default 2 */
  retries?: number;
  /** Redirects followed; 0 returns the 3xx response itself. @default 20 */
  maxRedirects?: number;
  /** @default `arachne/<version>` */
  userAgent?: string;
  /** Throw HttpError for a final status ≥ 400 instead of returning the response. @default false */
  throwHttpErrors?: boolean;
  /**
   * Keep cookies, as a browser or a Requests Session does: `true` uses the client's own jar (shared with the
   * clients `extend` makes), a CookieJar uses that jar, `false` sends and stores none. The top-level `get` and
   * `post` keep cookies for one call only (across its redirects). @default true
   */
  cookies?: boolean | CookieJar;
  /** Extra middlewares, run after redirect, user-agent, retry and cookies, nearest the transport. */
  middlewares?: readonly Middleware[];
}

const BODY_KEYS = ['json', 'form', 'body'] as const;

/** `more` wins field by field; headers and params are merged, middlewares appended, one body kind kept. */
export function mergeOptions(base: ClientOptions, more: ClientOptions): ClientOptions {
  const overrides = Object.fromEntries(
    Object.entries(more).filter(([, value]) => value !== undefined),
  );
  const merged: ClientOptions = { ...base, ...overrides };
  if (BODY_KEYS.some((key) => more[key] !== undefined)) {
    for (const key of BODY_KEYS) if (more[key] === undefined) delete merged[key];
  }
  if (base.headers !== undefined || more.headers !== undefined) {
    merged.headers = { ...lowerCaseNames(base.headers), ...lowerCaseNames(more.headers) };
  }
  if (base.params !== undefined || more.params !== undefined) {
    merged.params = { ...base.params, ...more.params };
  }
  if (base.middlewares !== undefined || more.middlewares !== undefined) {
    merged.middlewares = [...(base.middlewares ?? []), ...(more.middlewares ?? [])];
  }
  return merged;
}

export function toTransportOptions(options: ClientOptions): TransportOptions {
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? transportDefaults.connectTimeoutMs,
    timeoutMs: options.timeoutMs ?? transportDefaults.timeoutMs,
    maxBytes: options.maxBytes ?? transportDefaults.maxBytes,
  };
}

export function toHttpRequest(method: string, url: string, options: ClientOptions): HttpRequest {
  const target = resolveUrl(url, options.baseUrl);
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value])
      target.searchParams.append(name, String(item));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(lowerCaseNames(options.headers))) {
    if (value !== undefined) headers[name] = value;
  }
  const request: HttpRequest = { url: target.href, method: method.toUpperCase(), headers };
  const body = requestBody(options);
  if (body !== undefined) {
    request.body = body.text;
    if (body.contentType !== undefined) headers['content-type'] ??= body.contentType;
  }
  return request;
}

function resolveUrl(url: string, baseUrl: string | undefined): URL {
  const isAbsolute = /^[a-z][a-z\d+.-]*:/i.test(url);
  // Joined as a path prefix, like ky's prefixUrl: URL resolution would drop the base's last segment.
  const full =
    isAbsolute || baseUrl === undefined
      ? url
      : `${baseUrl.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
  try {
    return new URL(full);
  } catch (error) {
    throw new CrawlError('AR_BAD_URL', `Invalid URL: ${full}`, { cause: error });
  }
}

function requestBody(options: ClientOptions): { text: string; contentType?: string } | undefined {
  const given = BODY_KEYS.filter((key) => options[key] !== undefined);
  if (given.length > 1)
    throw new ConfigError(`Give only one of json, form and body (got ${given.join(', ')})`);
  if (options.json !== undefined) {
    return { text: JSON.stringify(options.json), contentType: 'application/json' };
  }
  if (options.form !== undefined) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(options.form)) form.append(name, String(value));
    return { text: form.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  return options.body === undefined ? undefined : { text: options.body };
}

function lowerCaseNames(
  headers: Record<string, string | undefined> | undefined,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}
