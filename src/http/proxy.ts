/** Forward proxies: `http://`, `https://`, `socks5://` or `socks5h://` URLs turned into undici dispatchers. */
import type { LookupFunction } from 'node:net';
import { OriginPools, type RequestDispatcher } from './origin-pools.js';
import { isSocksProxy, parseProxyUrl } from './proxy-url.js';
import { socksConnector } from './socks.js';
import { timedConnector } from './timings.js';
import { alertingConnector } from './tls-alerts.js';
import type { TlsSettings } from './transport.js';
import { proxyAgentClass } from './undici-parts.js';

export { isSocksProxy, parseProxyUrl, redactedProxy } from './proxy-url.js';

export interface ProxySettings {
  /** TLS settings for the target servers, and for the proxy itself when it is https. */
  tls?: TlsSettings | undefined;
  /** Offer h2 to https targets reached through a CONNECT tunnel. @default false */
  http2?: boolean | undefined;
  /** SOCKS5 only: the handshake's bound. @default 10_000 */
  connectTimeoutMs?: number | undefined;
  /**
   * socks5:// only: resolves target names before the tunnel is asked for, so an egress guard's lookup applies.
   * http(s) proxies and socks5h:// resolve names themselves, out of its sight.
   */
  lookup?: LookupFunction | undefined;
}

/**
 * A dispatcher that sends every request through the proxy.
 *
 * http(s) proxies: plain http targets are sent as absolute-URI requests (`GET http://host/path`), as curl and
 * Scrapy do, since many proxies (Squid by default) only allow CONNECT to port 443; https targets, and every target
 * of an https proxy, go through a CONNECT tunnel. Credentials in the URL become `Proxy-Authorization: Basic …`,
 * sent to the proxy only.
 *
 * SOCKS5 proxies: each connection is a tunnel (with RFC 1929 username/password when the URL has credentials), TLS
 * on top for https targets, kept alive in per-origin pools like direct connections.
 */
export function createProxyDispatcher(
  raw: string,
  settings: ProxySettings = {},
): RequestDispatcher {
  const url = parseProxyUrl(raw);
  if (isSocksProxy(url)) {
    return new OriginPools({
      connections: null,
      keepAliveTimeout: 4_000,
      allowH2: settings.http2 === true,
      connect: timedConnector(
        alertingConnector(
          socksConnector(url, {
            tls: settings.tls,
            http2: settings.http2,
            timeoutMs: settings.connectTimeoutMs,
            lookup: settings.lookup,
          }),
        ),
      ),
    });
  }
  const token =
    url.username === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  const tls = settings.tls ?? {};
  const ProxyAgent = proxyAgentClass();
  return new ProxyAgent({
    uri: url.origin,
    ...(token !== undefined && { token }),
    proxyTunnel: false,
    requestTls: { ...tls, allowH2: settings.http2 === true },
    proxyTls: { ...tls },
  });
}
