/** XML output in the shape of Scrapy's XmlItemExporter: `<items><item><field>…</field></item></items>`. */
import { DocumentSink } from './document-sink.js';

/** Options of {@link XmlSink}. */
export interface XmlSinkOptions {
  /** Continue the document already in the file (one this sink wrote) instead of starting a new one. @default false */
  append?: boolean;
}

/**
 * Writes items as one XML document, one `<item>` per line, always closed by an `</items>` line (see DocumentSink),
 * so it parses between batches. Each key is an element holding the value as text: numbers, booleans and BigInts
 * as written in JSON, dates as ISO 8601, null as an empty element; an array holds one `<value>` per entry and an
 * object one element per key, as in Scrapy. A key that is not a valid XML name ("2nd price", "a:b") becomes
 * `<field name="2nd price">`. Text is escaped (`&`, `<`, `>`, and CR as `&#13;` so it survives parsing);
 * characters XML 1.0 cannot hold at all (most control characters, lone surrogates) become U+FFFD.
 */
export class XmlSink extends DocumentSink {
  constructor(path: string, options: XmlSinkOptions = {}) {
    super(
      path,
      {
        name: 'an XML <items> document',
        head: '<?xml version="1.0" encoding="utf-8"?>\n<items>',
        trailer: '\n</items>\n',
        separator: '\n',
        encode: (item) => element('item', item),
      },
      options.append ?? false,
    );
  }
}

/** One element for `name`, or nothing for a value JSON would leave out too (undefined, a function). */
function element(name: string, value: unknown): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return '';
  const { open, close } = tagsFor(name);
  const content = contentOf(value);
  return content === '' ? `${open.slice(0, -1)}/>` : `${open}${content}${close}`;
}

function contentOf(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return escapeText(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null) return '';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
      if (Array.isArray(value))
        return value.map((entry) => element('value', entry ?? null)).join('');
      return Object.entries(value)
        .map(([key, inner]) => element(key, inner))
        .join('');
    default:
      return '';
  }
}

// Letters, digits, `_`, `.`, `-`, not starting with a digit, `.` or `-`, and no `xml` prefix (reserved).
const xmlName = /^(?!xml)[\p{L}_][\p{L}\p{N}_.-]*$/iu;

function tagsFor(name: string): { open: string; close: string } {
  if (xmlName.test(name)) return { open: `<${name}>`, close: `</${name}>` };
  return {
    open: `<field name="${escapeText(name).replaceAll('"', '&quot;')}">`,
    close: '</field>',
  };
}

// Outside XML 1.0's Char production: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
const notXmlChar = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeText(text: string): string {
  return text
    .replace(notXmlChar, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\r', '&#13;');
}
