/** A Requests-style client: `get(url, { params })`, instances with defaults, `extend()`, one pool per client. */
import { HttpError } from '../errors.js';
import {
  type ClientOptions,
  mergeOptions,
  toHttpRequest,
  toTransportOptions,
} from './client-options.js';
import { compose, type Middleware } from './compose.js';
import { CookieJar, cookies } from './middlewares/cookies.js';
import { redirect } from './middlewares/redirect.js';
import { retry } from './middlewares/retry.js';
import { userAgent } from './middlewares/user-agent.js';
import type { Response } from './response.js';
import { createTransport, type Transport, type TransportConfig } from './transport.js';

export type { ClientOptions, QueryParams } from './client-options.js';

/**
 * Options for a new client: the request defaults plus how its connection pool is built. `proxy`, `http2` and
 * `transport` belong to the pool, so they are given here only; `extend` shares the pool as it is.
 */
export interface CreateClientOptions extends ClientOptions {
  /**
   * Send every request through this forward proxy, `http://user:pass@host:port` or `https://…`; the credentials
   * become `Proxy-Authorization`. @default none
   */
  proxy?: string;
  /** Offer HTTP/2 to https servers (ALPN; plain http stays HTTP/1.1). @default false */
  http2?: boolean;
  /** Connection pool settings (dispatcher, connections per origin, TLS). Ignored by `extend`, which shares the pool. */
  transport?: TransportConfig;
}

export interface HttpClient {
  get(url: string, options?: ClientOptions): Promise<Response>;
  post(url: string, options?: ClientOptions): Promise<Response>;
  put(url: string, options?: ClientOptions): Promise<Response>;
  delete(url: string, options?: ClientOptions): Promise<Response>;
  head(url: string, options?: ClientOptions): Promise<Response>;
  request(method: string, url: string, options?: ClientOptions): Promise<Response>;
  /** A client with these options merged over this one's (headers and params merged, middlewares appended). */
  extend(more: ClientOptions): HttpClient;
  /** Closes the connection pool, which is shared by this client and every client extended from it. */
  close(): Promise<void>;
}

/**
 * Creates a client. Each request runs through [redirect, userAgent, retry, cookies, ...middlewares] → transport,
 * so retries, cookies and your middlewares apply to every redirect hop. The client keeps one cookie jar for its
 * life, like a Requests Session (`cookies: false` to turn it off).
 * @example
 * const api = createClient({ baseUrl: 'https://api.example.com/v1', headers: { accept: 'application/json' } });
 * const users = (await api.get('users', { params: { page: 2 } })).json();
 * await api.close();
 */
export function createClient(defaults: CreateClientOptions = {}): HttpClient {
  const { transport: transportConfig, proxy, http2, ...requestDefaults } = defaults;
  const transport = createTransport({
    ...transportConfig,
    ...(proxy !== undefined && { proxy }),
    ...(http2 !== undefined && { http2 }),
  });
  const sessionJar = requestDefaults.cookies === false ? undefined : jarOf(requestDefaults.cookies);
  return clientOver(transport, requestDefaults, sessionJar);
}

/** The jar for `cookies: true | CookieJar`; a client's own jar is created once, with the client. */
function jarOf(option: true | CookieJar | undefined, own?: CookieJar): CookieJar {
  return option instanceof CookieJar ? option : (own ?? new CookieJar());
}

function clientOver(
  transport: Transport,
  defaults: ClientOptions,
  sessionJar: CookieJar | undefined,
): HttpClient {
  const request = async (
    method: string,
    url: string,
    options: ClientOptions = {},
  ): Promise<Response> => {
    const merged = mergeOptions(defaults, options);
    const transportOptions = toTransportOptions(merged);
    const middlewares: Middleware[] = [];
    // maxRedirects 0 disables following: the 3xx itself is returned.
    if (merged.maxRedirects !== 0) middlewares.push(redirect({ max: merged.maxRedirects ?? 20 }));
    middlewares.push(userAgent(merged.userAgent));
    middlewares.push(merged.retries === undefined ? retry() : retry({ retries: merged.retries }));
    // After retry, so each attempt sends the jar as it is then and stores its own Set-Cookie. A client without a
    // jar of its own (cookies: false at creation, then true per call) keeps one call's cookies only.
    if (merged.cookies !== false) middlewares.push(cookies(jarOf(merged.cookies, sessionJar)));
    middlewares.push(...(merged.middlewares ?? []));
    const send = compose(middlewares, (httpRequest) =>
      transport.send(httpRequest, transportOptions),
    );
    const response = await send(toHttpRequest(method, url, merged));
    if (merged.throwHttpErrors === true && response.status >= 400) {
      throw new HttpError(response.url, response.status, response.request.method);
    }
    return response;
  };
  return {
    request,
    get: (url, options) => request('GET', url, options),
    post: (url, options) => request('POST', url, options),
    put: (url, options) => request('PUT', url, options),
    delete: (url, options) => request('DELETE', url, options),
    head: (url, options) => request('HEAD', url, options),
    extend: (more) => clientOver(transport, mergeOptions(defaults, more), sessionJar),
    close: () => transport.close(),
  };
}

let sharedClient: HttpClient | undefined;

/**
 * The client behind the top-level `get` and `post`; its idle sockets do not keep the process alive. It has no
 * cookie jar of its own: unrelated calls must not share cookies, so each call gets a fresh jar instead.
 */
function defaultClient(): HttpClient {
  sharedClient ??= createClient({ cookies: false });
  return sharedClient;
}

function withCallJar(options: ClientOptions | undefined): ClientOptions {
  return options?.cookies === undefined ? { ...options, cookies: true } : options;
}

/** `GET url` with a shared default client. @example const page = await get('https://example.com', { params: { q: 'x' } }); */
export function get(url: string, options?: ClientOptions): Promise<Response> {
  return defaultClient().get(url, withCallJar(options));
}

/** `POST url` with a shared default client. @example await post(url, { json: { name: 'x' } }); */
export function post(url: string, options?: ClientOptions): Promise<Response> {
  return defaultClient().post(url, withCallJar(options));
}
