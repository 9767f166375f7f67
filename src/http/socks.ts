/**
 * SOCKS5 proxies for the transport: an undici connector that opens each connection as a SOCKS5 tunnel (RFC 1928,
 * username/password per RFC 1929, by the `socks` package) and puts TLS on top for https targets.
 */
import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { SocksClient } from 'socks';
import type { buildConnector } from 'undici';
import { ProxyError } from '../errors.js';
import { redactedProxy } from './proxy-url.js';
import type { TlsSettings } from './transport.js';

export interface SocksConnectorSettings {
  /** TLS settings for https targets. */
  tls?: TlsSettings | undefined;
  /** Offer h2 to https targets. @default false */
  http2?: boolean | undefined;
  /** Bound on the SOCKS handshake (TCP + auth + CONNECT). @default 10_000 */
  timeoutMs?: number | undefined;
  /**
   * Resolves target names here, before the tunnel is asked for (`socks5://`), so the egress guard's lookup sees
   * the address. Not used for `socks5h://`, where the proxy resolves. @default dns.lookup
   */
  lookup?: LookupFunction | undefined;
}

/**
 * A connector for `socks5://` (names resolved locally, through `lookup`, so an egress guard applies) and
 * `socks5h://` (names resolved by the proxy, as curl does) URLs. Failures of the proxy itself reject with
 * ProxyError (`AR_PROXY`), naming the proxy without its credentials.
 */
export function socksConnector(
  proxy: URL,
  settings: SocksConnectorSettings = {},
): buildConnector.connector {
  const remoteDns = proxy.protocol === 'socks5h:';
  const lookup = settings.lookup ?? (dns.lookup as LookupFunction);
  const shown = redactedProxy(proxy);
  const auth =
    proxy.username === ''
      ? {}
      : {
          userId: decodeURIComponent(proxy.username),
          password: decodeURIComponent(proxy.password),
        };
  const connector = (options: buildConnector.Options, callback: buildConnector.Callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const open = async (): Promise<Socket> => {
      // An IP literal goes through the lookup too: a guarding lookup refuses private literals as well as names.
      const target = remoteDns ? host : await resolve(lookup, host);
      try {
        const { socket } = await (await socksClient()).createConnection({
          proxy: { host: proxy.hostname, port: Number(proxy.port) || 1080, type: 5, ...auth },
          command: 'connect',
          destination: { host: target, port },
          timeout: settings.timeoutMs ?? 10_000,
        });
        return socket;
      } catch (error) {
        throw socksError(error, shown);
      }
    };
    open().then(
      (socket) => {
        if (options.protocol !== 'https:') {
          callback(null, socket);
          return;
        }
        const secure = tlsConnect({
          ...settings.tls,
          socket,
          // The name (or IP) the certificate is checked against.
          host,
          servername: options.servername ?? (isIP(host) === 0 ? host : undefined),
          ALPNProtocols: settings.http2 === true ? ['h2', 'http/1.1'] : ['http/1.1'],
        });
        secure.once('secureConnect', () => callback(null, secure));
        secure.once('error', (error) => callback(error, null));
      },
      (error: Error) => callback(error, null),
    );
  };
  return connector as buildConnector.connector;
}

function resolve(lookup: LookupFunction, host: string): Promise<string> {
  return new Promise((done, fail) => {
    lookup(host, { all: false }, (error, address) => {
      if (error) fail(error);
      else done(typeof address === 'string' ? address : (address[0]?.address ?? host));
    });
  });
}

/** The socks package's messages, turned into one line that says whose fault it is. */
function socksError(error: unknown, proxy: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/authentication failed/i.test(message)) {
    return new ProxyError(`SOCKS5 proxy ${proxy} rejected the credentials (RFC 1929 auth failed)`, {
      cause: error,
    });
  }
  if (/no acceptable authentication/i.test(message)) {
    return new ProxyError(`SOCKS5 proxy ${proxy} accepts none of our authentication methods`, {
      cause: error,
    });
  }
  if (/Socks5 proxy rejected connection/i.test(message)) {
    return new ProxyError(`SOCKS5 proxy ${proxy} refused the connection (${message})`, {
      cause: error,
    });
  }
  // Connection refused, reset, a timeout: network trouble, left to the transport's mapping (retryable).
  return error instanceof Error ? error : new Error(message);
}

/** Loaded on the first SOCKS connection: most crawls use no SOCKS proxy, and `socks` costs start-up time. */
async function socksClient(): Promise<typeof SocksClient> {
  return (await import('socks')).SocksClient;
}
