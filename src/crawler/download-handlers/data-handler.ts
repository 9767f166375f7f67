/** The built-in handler of `data:` URLs (RFC 2397): the body is in the URL, nothing goes over the network. */
import { BodyTooLargeError, CrawlError } from '../../errors.js';
import { Response, type Timings } from '../../http/response.js';
import type { DownloadHandler } from './registry.js';

const NO_TIMINGS: Readonly<Timings> = Object.freeze({
  dnsMs: 0,
  connectMs: 0,
  tlsMs: 0,
  firstByteMs: 0,
  totalMs: 0,
});

/**
 * Answers every `data:` URL with a 200 whose `content-type` is the URL's media type and whose body is its decoded
 * data; a malformed URL rejects with `AR_BAD_URL`, a body over `maxBytes` with `AR_BODY_TOO_LARGE`.
 */
export function dataHandler({ maxBytes }: { maxBytes: number }): DownloadHandler {
  return {
    name: 'data',
    async fetch(request) {
      const { contentType, body } = decodeDataUrl(request.url, maxBytes);
      return new Response({
        url: request.url,
        status: 200,
        headers: { 'content-type': contentType, 'content-length': String(body.length) },
        body,
        request,
        timings: { ...NO_TIMINGS },
      });
    },
  };
}

/**
 * Splits a `data:` URL into its media type and its bytes, as the Fetch standard's data: URL processor does (which
 * refines RFC 2397): percent-decoded, then base64-decoded when the media type ends in `;base64` (whitespace in the
 * data is ignored, padding is optional); `text/plain;charset=US-ASCII` when no media type is given.
 * @throws CrawlError `AR_BAD_URL` (not a data: URL, no comma, invalid base64); BodyTooLargeError over `maxBytes`.
 */
export function decodeDataUrl(
  url: string,
  maxBytes = Number.POSITIVE_INFINITY,
): { contentType: string; body: Buffer } {
  let href: string;
  try {
    href = new URL(url).href; // serialised: anything but ASCII is percent-encoded, so one char is one byte
  } catch {
    throw malformed(url, 'not a URL');
  }
  if (!href.startsWith('data:')) throw malformed(url, 'not a data: URL');
  const hash = href.indexOf('#');
  const rest = href.slice('data:'.length, hash === -1 ? undefined : hash);
  const comma = rest.indexOf(',');
  if (comma === -1) throw malformed(url, 'no comma before the data');
  let mediaType = rest.slice(0, comma).trim();
  let body = percentDecode(rest.slice(comma + 1));
  const base64 = /; *base64$/i.exec(mediaType);
  if (base64) {
    mediaType = mediaType.slice(0, base64.index).trimEnd();
    const decoded = forgivingBase64(body.toString('latin1'));
    if (decoded === undefined) throw malformed(url, 'invalid base64');
    body = decoded;
  }
  if (body.length > maxBytes) throw new BodyTooLargeError(shorten(url), maxBytes);
  if (mediaType.startsWith(';')) mediaType = `text/plain${mediaType}`;
  // A missing or unparseable type/subtype falls back to the default, charset included (Fetch standard).
  if (!/^[^\s/;]+\/[^\s/;]+/.test(mediaType)) mediaType = 'text/plain;charset=US-ASCII';
  return { contentType: mediaType, body };
}

function percentDecode(text: string): Buffer {
  const bytes = Buffer.allocUnsafe(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes[length++] = Number.parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      bytes[length++] = code;
    }
  }
  return bytes.subarray(0, length);
}

function isHex(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x46) ||
    (code >= 0x61 && code <= 0x66)
  );
}

/** WHATWG forgiving-base64 decode; `undefined` where the standard says failure (Buffer would guess instead). */
function forgivingBase64(text: string): Buffer | undefined {
  let data = text.replace(/[\t\n\f\r ]/g, '');
  if (data.length % 4 === 0) data = data.replace(/={1,2}$/, '');
  if (data.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(data)) return undefined;
  return Buffer.from(data, 'base64');
}

function malformed(url: string, why: string): CrawlError {
  return new CrawlError('AR_BAD_URL', `malformed data: URL (${why}): ${shorten(url)}`);
}

/** A data: URL can be megabytes long: error messages keep to one short line. */
function shorten(url: string): string {
  return url.length > 100 ? `${url.slice(0, 100)}…` : url;
}
