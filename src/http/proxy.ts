/** Forward proxies: `http://user:pass@host:port` (or `https://`) parsed at the edge and turned into an undici ProxyAgent. */
import { type Dispatcher, ProxyAgent } from 'undici';
import { ConfigError } from '../errors.js';
import type { TlsSettings } from './transport.js';

/**
 * Checks a proxy URL: http or https scheme, a host, nothing after the authority.
 * @throws ConfigError naming the problem (credentials are never echoed back).
 */
export function parseProxyUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // No cause: the parser's error would carry the raw input, credentials included.
    throw new ConfigError(`proxy must be a URL such as http://host:3128, got "${redacted(raw)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`proxy URL must be http:// or https://, got ${url.protocol}//`);
  }
  if (url.hostname === '') throw new ConfigError('proxy URL has no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      `proxy URL must be scheme://[user:pass@]host[:port], got "${url.host}${url.pathname}"`,
    );
  }
  return url;
}

export interface ProxySettings {
  /** TLS settings for the target servers, and for the proxy itself when it is https. */
  tls?: TlsSettings | undefined;
  /** Offer h2 to https targets reached through a CONNECT tunnel. @default false */
  http2?: boolean | undefined;
}

/**
 * A dispatcher that sends every request through the proxy. Plain http targets are sent to an http proxy as
 * absolute-URI requests (`GET http://host/path`), as curl and Scrapy do, since many proxies (Squid by default)
 * only allow CONNECT to port 443; https targets, and every target of an https proxy, go through a CONNECT
 * tunnel. Credentials in the URL become `Proxy-Authorization: Basic …`, sent to the proxy only.
 */
export function createProxyDispatcher(raw: string, settings: ProxySettings = {}): Dispatcher {
  const url = parseProxyUrl(raw);
  const token =
    url.username === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  const tls = settings.tls ?? {};
  return new ProxyAgent({
    uri: url.origin,
    ...(token !== undefined && { token }),
    proxyTunnel: false,
    requestTls: { ...tls, allowH2: settings.http2 === true },
    proxyTls: { ...tls },
  });
}

/** `http://user:secret@host` → `http://***@host`, for error messages. */
function redacted(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}
