/** Sitemap parsing (urlset, sitemapindex, plain text, RSS/Atom links) without entity expansion, DTDs or gzip bombs. */
import { gunzipSync } from 'node:zlib';
import { SaxesParser } from 'saxes';
import { CrawlError } from '../errors.js';
import type { RobotsPolicy } from './robots-txt.js';

export interface ParsedSitemap {
  /** Page URLs (`<url><loc>`, RSS `<item><link>`, Atom `<entry><link href>`, text lines), as absolute http(s) hrefs. */
  urls: string[];
  /** Child sitemaps of a sitemap index (`<sitemap><loc>`). */
  sitemaps: string[];
  /**
   * Entries skipped as malformed: not an absolute http(s) URL, longer than 8192 characters, or holding an entity
   * reference XML does not predefine (such an entity is never expanded, so the URL it stands for is unknown).
   */
  malformed: number;
  /** Page URLs present past `maxUrls`, counted but not kept. */
  overCap: number;
}

export interface ParseSitemapOptions {
  /** Decoded size limit (the sitemap protocol's 50 MiB); larger bodies are rejected. @default 52_428_800 */
  maxBytes?: number;
  /** URLs kept from one file (the protocol allows 50,000); the rest are counted in `overCap`. @default 50_000 */
  maxUrls?: number;
}

const MAX_LOC_CHARS = 8192;
const MAX_XML_ERRORS = 1000;
const STOP = Symbol('stop');

/**
 * Parses one sitemap. Gzip is detected by its magic bytes (1f 8b) and inflated up to `maxBytes`; a UTF-16 byte
 * order mark selects UTF-16, anything else is read as UTF-8. A DOCTYPE, internal DTD subset, comments and
 * processing instructions are passed over: entity declarations are never read, so no entity beyond XML's five
 * predefined ones (and character references) is ever expanded and no DTD or external entity is ever fetched.
 */
export function parseSitemap(
  xml: string | Uint8Array,
  options: ParseSitemapOptions = {},
): ParsedSitemap {
  const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
  const maxUrls = options.maxUrls ?? 50_000;
  const text = (typeof xml === 'string' ? xml : decode(xml, maxBytes)).replace(/^\uFEFF/, '');
  if (text.length > maxBytes) {
    throw new CrawlError('AR_BODY_TOO_LARGE', `Sitemap larger than ${maxBytes} bytes`);
  }
  const result: ParsedSitemap = { urls: [], sitemaps: [], malformed: 0, overCap: 0 };
  const add = (list: string[], raw: string | undefined): void => {
    // undefined: an entry known to be broken (an unexpandable entity, an over-long loc).
    if (raw !== undefined && raw.trim() === '') return;
    const href = raw === undefined ? undefined : absoluteHttpUrl(raw);
    if (href === undefined) result.malformed++;
    else if (list === result.urls && list.length >= maxUrls) result.overCap++;
    else list.push(href);
  };
  try {
    if (text.trimStart().startsWith('<')) parseXml(text, add, result);
    else for (const line of text.split(/\r?\n|\r/)) add(result.urls, line);
  } catch (error) {
    if (error !== STOP) throw error;
  }
  return result;
}

/**
 * Where to look for an origin's sitemaps: the `Sitemap:` lines of its robots.txt (resolved against
 * the origin, http(s) only), or `${origin}/sitemap.xml` when there are none.
 */
export function sitemapUrlsFor(origin: string, robots?: Pick<RobotsPolicy, 'sitemaps'>): string[] {
  const base = origin.replace(/\/+$/, '');
  const listed = new Set<string>();
  for (const entry of robots?.sitemaps ?? []) {
    const href = absoluteHttpUrl(entry, `${base}/`);
    if (href !== undefined) listed.add(href);
  }
  return listed.size > 0 ? [...listed] : [`${base}/sitemap.xml`];
}

function decode(bytes: Uint8Array, maxBytes: number): string {
  let buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === 0x1f && buffer[1] === 0x8b) {
    try {
      buffer = gunzipSync(buffer, { maxOutputLength: maxBytes });
    } catch (error) {
      const tooLarge = error instanceof RangeError;
      throw new CrawlError(
        tooLarge ? 'AR_BODY_TOO_LARGE' : 'AR_BAD_SITEMAP',
        tooLarge ? `Gzipped sitemap inflates beyond ${maxBytes} bytes` : 'Corrupt gzip sitemap',
        { cause: error },
      );
    }
  }
  if (buffer.length > maxBytes) {
    throw new CrawlError('AR_BODY_TOO_LARGE', `Sitemap larger than ${maxBytes} bytes`);
  }
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString('utf16le');
  if (buffer[0] === 0xfe && buffer[1] === 0xff) {
    // Node has no UTF-16BE decoder: swap each pair of bytes (a copy; the body may be shared) and read it as LE.
    const swapped = Buffer.from(buffer.subarray(2, buffer.length - (buffer.length % 2)));
    return swapped.swap16().toString('utf16le');
  }
  return buffer.toString('utf8');
}

type Add = (list: string[], raw: string | undefined) => void;

function parseXml(text: string, add: Add, result: ParsedSitemap): void {
  const parser = new SaxesParser({ position: false });
  const stack: string[] = [];
  let capture: string[] | undefined;
  let captured = '';
  let broken = false;
  let errors = 0;

  // saxes keeps a DOCTYPE's internal subset as opaque text and declares nothing from it: `&x;` stays
  // unresolved however the DTD defines x (internal, external SYSTEM, or nested billion-laughs style).
  parser.on('error', (error) => {
    if (capture && error.message.startsWith('undefined entity')) broken = true;
    // Real sitemaps are often slightly malformed: keep going, but not forever.
    if (++errors > MAX_XML_ERRORS) throw STOP;
  });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    const parent = stack[stack.length - 1];
    stack.push(name);
    if (name === 'loc' && parent === 'url') capture = result.urls;
    else if (name === 'loc' && parent === 'sitemap') capture = result.sitemaps;
    else if (name === 'link' && parent === 'item') capture = result.urls;
    else if (name === 'link' && parent === 'entry') {
      const { href, rel } = tag.attributes;
      const alternate = rel === undefined || rel === 'alternate';
      if (typeof href === 'string' && alternate) add(result.urls, href);
    }
    captured = '';
    broken = false;
  });
  const onText = (chunk: string): void => {
    if (capture && captured.length <= MAX_LOC_CHARS) captured += chunk;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    stack.pop();
    if (capture) add(capture, broken || captured.length > MAX_LOC_CHARS ? undefined : captured);
    capture = undefined;
  });
  parser.write(escapeStrayAmpersands(text)).close();
}

/**
 * `?a=1&b=2` written without `&amp;` is the most common sitemap error; saxes would read `&b=2…;`
 * as one entity name and merge neighbouring URLs. Escape such `&` outside CDATA sections.
 */
function escapeStrayAmpersands(text: string): string {
  const stray = /&(?![A-Za-z_][\w.-]*;|#\d+;|#x[\dA-Fa-f]+;)/g;
  let out = '';
  let from = 0;
  while (from < text.length) {
    const open = text.indexOf('<![CDATA[', from);
    const plainEnd = open === -1 ? text.length : open;
    out += text.slice(from, plainEnd).replace(stray, '&amp;');
    if (open === -1) break;
    const close = text.indexOf(']]>', open);
    const cdataEnd = close === -1 ? text.length : close + 3;
    out += text.slice(open, cdataEnd);
    from = cdataEnd;
  }
  return out;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function absoluteHttpUrl(raw: string, base?: string): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  try {
    const url = new URL(trimmed, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
