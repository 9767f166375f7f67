/** Proxy URLs: checked at the edge, shown without their credentials. */
import { ConfigError } from '../errors.js';

const SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:']);

/**
 * Checks a proxy URL: http, https, socks5 (names resolved here) or socks5h (names resolved by the proxy), a host,
 * nothing after the authority.
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
  if (!SCHEMES.has(url.protocol)) {
    throw new ConfigError(
      `proxy URL must be http://, https://, socks5:// or socks5h://, got ${url.protocol}//`,
    );
  }
  if (url.hostname === '') throw new ConfigError('proxy URL has no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      `proxy URL must be scheme://[user:pass@]host[:port], got "${url.host}${url.pathname}"`,
    );
  }
  return url;
}

/** True for socks5:// and socks5h:// URLs. */
export function isSocksProxy(url: URL): boolean {
  return url.protocol === 'socks5:' || url.protocol === 'socks5h:';
}

/** `http://user:secret@host:3128` → `http://***@host:3128` (or without the stars when there are no credentials). */
export function redactedProxy(url: URL | string): string {
  const parsed = typeof url === 'string' ? safeUrl(url) : url;
  if (parsed === undefined) return redacted(String(url));
  const credentials = parsed.username !== '' || parsed.password !== '' ? '***@' : '';
  return `${parsed.protocol}//${credentials}${parsed.host}`;
}

function safeUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** `http://user:secret@host` → `http://***@host`, for error messages. */
function redacted(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}
