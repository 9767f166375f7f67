/** The transport: sends one HttpRequest over shared undici pools (one keep-alive pool per origin). */
import type { LookupFunction } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { ConfigError, CrawlError, isCrawlError, ProxyError } from '../errors.js';
import { EgressGuard, type EgressOptions } from './egress-guard.js';
import { Exchange } from './exchange.js';
import { OriginPools, type RequestDispatcher } from './origin-pools.js';
import { createProxyDispatcher, isSocksProxy, parseProxyUrl, redactedProxy } from './proxy.js';
import { type HttpRequest, type TransportOptions, transportDefaults } from './request.js';
import type { Response } from './response.js';
import { timedConnector } from './timings.js';
import { alertingConnector } from './tls-alerts.js';
import { buildConnector } from './undici-parts.js';

export interface TransportConfig {
  /**
   * Send through this dispatcher instead (a ProxyAgent, a MockAgent…). It stays the caller's: `close()` leaves
   * it open. DNS/connect/TLS timings are then reported as 0.
   */
  dispatcher?: Dispatcher;
  /**
   * Send every request through this forward proxy: `http://user:pass@host:port` or `https://…`. Credentials
   * become `Proxy-Authorization`. DNS/connect/TLS timings are then reported as 0, and `connectionsPerOrigin`,
   * `keepAliveTimeoutMs` and `lookup` do not apply (undici's ProxyAgent keeps its own pools). Cannot be combined
   * with `dispatcher`, nor with `egress.allowPrivate: false`. @default none (direct connections)
   */
  proxy?: string;
  /**
   * Offer HTTP/2 by ALPN on https connections (the server chooses; plain http stays HTTP/1.1). Responses are the
   * same either way: headers, decompression, timings. @default false
   */
  http2?: boolean;
  /** Simultaneous connections per origin. @default unlimited (the crawler's host slots do the limiting) */
  connectionsPerOrigin?: number;
  /** How long an idle keep-alive connection is kept, unless the server says less. @default 4_000 */
  keepAliveTimeoutMs?: number;
  /** Socket-level cap on DNS + TCP + TLS for one connection. @default transportDefaults.connectTimeoutMs */
  connectTimeoutMs?: number;
  /** Extra TLS settings, e.g. `{ ca }` for a private CA or `{ rejectUnauthorized: false }` in tests. */
  tls?: TlsSettings;
  /**
   * Which addresses connections may reach, checked at connect time against the resolved address, so redirects,
   * robots.txt and sitemaps are covered and DNS rebinding is not a way around it. Refused connections reject
   * with EgressDeniedError (`AR_EGRESS_DENIED`). `allowPrivate: false` cannot be combined with `dispatcher` or
   * `proxy`: the proxy resolves and connects on its own, out of the guard's sight.
   * @default { allowPrivate: true } (no guard)
   */
  egress?: EgressOptions;
  /** Resolves host names for new connections, e.g. to map test names to addresses. @default dns.lookup */
  lookup?: LookupFunction;
}

/** The TLS settings a caller may change; host, port and servername stay per connection. */
export type TlsSettings = Pick<
  ConnectionOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'minVersion' | 'ciphers'
>;

export interface Transport {
  /** One exchange, no redirects followed; rejects with TimeoutError, NetworkError, BodyTooLargeError… */
  send(request: HttpRequest, options?: TransportOptions): Promise<Response>;
  /** Closes idle connections and waits for requests in flight. */
  close(): Promise<void>;
}

// zstd is left out: Node 20's zlib cannot decode it.
const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * Creates a transport with one set of per-origin pools for its whole life: connections are kept alive and
 * reused, never allocated per request.
 * @example
 * const transport = createTransport();
 * const response = await transport.send({ url: 'http://127.0.0.1:8080/', method: 'GET', headers: {} });
 * await transport.close();
 */
export function createTransport(config: TransportConfig = {}): Transport {
  checkConfig(config);
  const ownsDispatcher = config.dispatcher === undefined;
  const guard = config.egress?.allowPrivate === false ? new EgressGuard(config.egress) : undefined;
  const dispatcher: RequestDispatcher =
    config.dispatcher ??
    (config.proxy === undefined ? createPools(config, guard) : proxyDispatcher(config.proxy));
  // One dispatcher per proxy a request names (rotation, sessions), made on first use, closed with the transport.
  const perProxy = new Map<string, RequestDispatcher>();
  function proxyDispatcher(raw: string): RequestDispatcher {
    const url = parseProxyUrl(raw);
    if (guard !== undefined && !(url.protocol === 'socks5:')) {
      throw new ConfigError(
        `private addresses cannot be refused (allowPrivate: false) through the proxy ${redactedProxy(url)}: it resolves ` +
          'names itself, out of the egress guard’s sight. Use socks5:// proxies (names resolved and checked here), or allow private addresses',
      );
    }
    return createProxyDispatcher(raw, {
      tls: config.tls,
      http2: config.http2,
      connectTimeoutMs: config.connectTimeoutMs,
      lookup: guard ? guard.lookup(config.lookup) : config.lookup,
    });
  }
  function dispatcherFor(request: HttpRequest): RequestDispatcher {
    if (request.proxy === undefined || config.dispatcher !== undefined) return dispatcher;
    let found = perProxy.get(request.proxy);
    if (found === undefined) {
      found = proxyDispatcher(request.proxy);
      perProxy.set(request.proxy, found);
    }
    return found;
  }
  return {
    send(request, options = transportDefaults) {
      return new Promise<Response>((resolve, reject) => {
        let url: URL;
        let via: RequestDispatcher;
        try {
          url = parseHttpUrl(request.url);
          via = dispatcherFor(request);
        } catch (error) {
          reject(error as CrawlError);
          return;
        }
        const proxy = request.proxy ?? config.proxy;
        const exchange =
          proxy === undefined
            ? new Exchange(request, options, resolve, reject)
            : new Exchange(
                request,
                options,
                (response) => {
                  const refused = proxyRefusal(response, proxy);
                  if (refused) reject(refused);
                  else resolve(response);
                },
                (error) => reject(proxyFailure(error, proxy) as CrawlError),
              );
        const dispatchOptions: Dispatcher.DispatchOptions = {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: outgoingHeaders(request, url),
          // A backstop only: the exchange's own timers fire first and name the phase.
          headersTimeout: options.timeoutMs + 1_000,
          bodyTimeout: options.timeoutMs + 1_000,
        };
        if (request.body !== undefined) dispatchOptions.body = request.body;
        try {
          via.dispatch(dispatchOptions, exchange);
        } catch (error) {
          exchange.onResponseError(undefined, error as Error);
        }
      });
    },
    async close() {
      const own = [...perProxy.values()];
      perProxy.clear();
      await Promise.all([
        ...(ownsDispatcher ? [dispatcher.close()] : []),
        ...own.map((proxied) => proxied.close()),
      ]);
    },
  };
}

function checkConfig(config: TransportConfig): void {
  if (config.dispatcher !== undefined && config.proxy !== undefined) {
    throw new ConfigError('give either a proxy or a dispatcher, not both');
  }
  if (config.egress?.allowPrivate !== false) return;
  // A proxy (or the caller's dispatcher) resolves names and connects by itself: the guard never sees the address.
  // A socks5:// proxy is the exception: names are resolved here, through the guard, and the tunnel asked for an IP.
  const through =
    config.proxy !== undefined && !isSocksProxy(parseProxyUrl(config.proxy))
      ? 'a proxy'
      : config.dispatcher !== undefined
        ? 'a custom dispatcher'
        : undefined;
  if (through !== undefined) {
    throw new ConfigError(
      `private addresses cannot be refused (allowPrivate: false, --deny-private) through ${through}: ` +
        'the egress guard never sees the addresses it connects to. Enforce it at the proxy, or allow private addresses',
    );
  }
}

function createPools(config: TransportConfig, guard: EgressGuard | undefined): OriginPools {
  const lookup = guard ? guard.lookup(config.lookup) : config.lookup;
  const connector = buildConnector({
    ...config.tls,
    ...(lookup && { lookup }),
    // Our own connector must offer h2 itself: undici only adds ALPN to connectors it builds.
    allowH2: config.http2 === true,
    timeout: config.connectTimeoutMs ?? transportDefaults.connectTimeoutMs,
  });
  return new OriginPools({
    connections: config.connectionsPerOrigin ?? null,
    keepAliveTimeout: config.keepAliveTimeoutMs ?? 4_000,
    allowH2: config.http2 === true,
    connect: timedConnector(alertingConnector(guard ? guard.connector(connector) : connector)),
  });
}

/**
 * 407 from the proxy itself (a plain-http target, sent as an absolute URI): the credentials, not the site.
 * tinyproxy answers such requests with 401 and its own realm instead: recognised by that realm.
 */
function proxyRefusal(response: Response, proxy: string): ProxyError | undefined {
  const fromTinyproxy =
    response.status === 401 &&
    /realm="Tinyproxy"/i.test(response.headers['www-authenticate'] ?? '');
  if (response.status !== 407 && !fromTinyproxy) return undefined;
  return new ProxyError(
    `proxy ${redactedProxy(proxy)} rejected the credentials (407 Proxy Authentication Required)`,
  );
}

/** undici's tunnel failure (`Proxy response (407) !== 200 when HTTP Tunneling`) in one line naming the proxy. */
function proxyFailure(error: Error, proxy: string): Error {
  if (isCrawlError(error) && error.code === 'AR_PROXY') return error;
  const messages = [error.message, error.cause instanceof Error ? error.cause.message : ''];
  for (const message of messages) {
    const status = /Proxy response \((\d{3})\)/.exec(message)?.[1];
    if (status === undefined) continue;
    // A tunnel's answer is always the proxy's own; tinyproxy says 401 where others say 407.
    return status === '407' || status === '401'
      ? new ProxyError(
          `proxy ${redactedProxy(proxy)} rejected the credentials (407 Proxy Authentication Required)`,
          { cause: error },
        )
      : new ProxyError(`proxy ${redactedProxy(proxy)} refused the tunnel (status ${status})`, {
          cause: error,
        });
  }
  return error;
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new CrawlError('AR_BAD_URL', `Invalid URL: ${raw}`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CrawlError(
      'AR_BAD_URL',
      `Unsupported URL scheme ${url.protocol} (http and https only): ${raw}`,
    );
  }
  return url;
}

function outgoingHeaders(request: HttpRequest, url: URL): Record<string, string> {
  const headers = { ...request.headers };
  headers['accept-encoding'] ??= ACCEPT_ENCODING;
  // Credentials in the URL become Basic auth, as in browsers and Requests; the URL sent never carries them.
  if (url.username !== '' && headers.authorization === undefined) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return headers;
}
