/**
 * Turns a body into text by the web's rules: BOM, then Content-Type charset, then the XML declaration (XML types) or
 * the <meta> prescan (HTML), else UTF-8.
 */
import { TextDecoder } from 'node:util';
import { metaCharsetLabels } from './meta-charset.js';
import { decodeWindows1252 } from './windows-1252.js';

export interface DecodedBody {
  text: string;
  /** Canonical WHATWG name of the encoding used, e.g. `utf-8`, `windows-1252`, `shift_jis`. */
  charset: string;
  /** Set when a declared label was not a known encoding; the caller decides whether to log it. */
  warning?: string;
}

const UTF8 = 'utf-8';
const CHARSET_PARAM = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;"]+))/i;

// Only valid labels are cached, so an attacker cannot grow the map: the set of WHATWG labels is finite.
const encodingByLabel = new Map<string, string>([
  ['utf-8', UTF8],
  ['utf8', UTF8],
]);
const decoders = new Map<string, TextDecoder>();

/**
 * Decodes a response body. Order (WHATWG): a byte-order mark wins; then the Content-Type `charset=` if it is a
 * valid label; then the `encoding` of an `<?xml …?>` declaration at the start (XML or unknown types); then
 * `<meta charset>` / `<meta http-equiv>` in the first 1024 bytes (HTML or unknown types only); else UTF-8. An unknown label is skipped and reported in `warning`.
 * @example
 * decodeBody(body, 'text/html; charset=windows-1252').text
 */
export function decodeBody(body: Buffer, contentType: string): DecodedBody {
  const bom = byteOrderMark(body);
  if (bom !== undefined)
    return { text: decode(body.subarray(bom.length), bom.encoding), charset: bom.encoding };

  const warnings: string[] = [];
  const headerLabel = CHARSET_PARAM.exec(contentType);
  if (headerLabel) {
    const label = (headerLabel[1] ?? headerLabel[2]) as string;
    const encoding = encodingForLabel(label);
    if (encoding !== undefined) return { text: decode(body, encoding), charset: encoding };
    warnings.push(`unknown charset "${label}" in Content-Type`);
  }

  if (isXmlOrUnknown(contentType)) {
    // Feeds often say their encoding only in `<?xml version="1.0" encoding="ISO-8859-1"?>`.
    const label = xmlDeclarationLabel(body);
    if (label !== undefined) {
      const encoding = metaEncoding(label);
      if (encoding !== undefined) return withWarnings(decode(body, encoding), encoding, warnings);
      warnings.push(`unknown charset "${label}" in the XML declaration`);
    }
  }

  if (isHtmlOrUnknown(contentType)) {
    for (const label of metaCharsetLabels(body)) {
      const encoding = metaEncoding(label);
      if (encoding !== undefined) return withWarnings(decode(body, encoding), encoding, warnings);
      warnings.push(`unknown charset "${label}" in <meta>`);
    }
  }
  return withWarnings(body.toString('utf8'), UTF8, warnings);
}

/** The canonical encoding name for a WHATWG label (`latin1` → `windows-1252`), or undefined if unknown. */
export function encodingForLabel(label: string): string | undefined {
  const key = label.trim().toLowerCase();
  const known = encodingByLabel.get(key);
  if (known !== undefined) return known;
  try {
    const decoder = new TextDecoder(key);
    encodingByLabel.set(key, decoder.encoding);
    if (!decoders.has(decoder.encoding)) decoders.set(decoder.encoding, decoder);
    return decoder.encoding;
  } catch {
    // RangeError: not a label, or an encoding this Node build cannot decode ("replacement", x-user-defined).
    return undefined;
  }
}

function decode(bytes: Buffer, encoding: string): string {
  // Buffer's UTF-8 decoder is the fastest path and replaces bad sequences with U+FFFD like TextDecoder does.
  if (encoding === UTF8) return bytes.toString('utf8');
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  let decoder = decoders.get(encoding);
  if (decoder === undefined) {
    decoder = new TextDecoder(encoding);
    decoders.set(encoding, decoder);
  }
  return decoder.decode(bytes);
}

function byteOrderMark(body: Buffer): { encoding: string; length: number } | undefined {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    return { encoding: UTF8, length: 3 };
  }
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe)
    return { encoding: 'utf-16le', length: 2 };
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff)
    return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** A <meta> found by an ASCII scan cannot truthfully declare UTF-16, so the standard maps it to UTF-8. */
function metaEncoding(label: string): string | undefined {
  const encoding = encodingForLabel(label);
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return UTF8;
  if (encoding === undefined && label.trim().toLowerCase() === 'x-user-defined')
    return 'windows-1252';
  return encoding;
}

function mimeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function isHtmlOrUnknown(contentType: string): boolean {
  const mime = mimeOf(contentType);
  return mime === '' || mime === 'text/html' || mime === 'application/xhtml+xml';
}

/** `application/xml`, `text/xml`, the `+xml` types (RSS, Atom, XHTML, SVG), or no type at all. */
function isXmlOrUnknown(contentType: string): boolean {
  const mime = mimeOf(contentType);
  return mime === '' || mime === 'application/xml' || mime === 'text/xml' || mime.endsWith('+xml');
}

/** The declaration must open the document (XML 1.0 §2.8); an ASCII-compatible encoding is assumed to read it. */
const XML_DECLARATION = /^<\?xml\s[^>]*?\bencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/;

function xmlDeclarationLabel(body: Buffer): string | undefined {
  const match = XML_DECLARATION.exec(body.subarray(0, 256).toString('latin1'));
  return match === null ? undefined : (match[1] ?? match[2]);
}

function withWarnings(text: string, charset: string, warnings: string[]): DecodedBody {
  if (warnings.length === 0) return { text, charset };
  return { text, charset, warning: `${warnings.join('; ')}: decoded as ${charset}` };
}
