/** parseHtml() and parseXml(): one htmlparser2 parse into a domhandler tree, wrapped as an HtmlDocument. */
import { DomHandler } from 'domhandler';
import { Parser, parseDocument } from 'htmlparser2';
import { HtmlDocument } from './document.js';
import { PARSER_OPTIONS, XML_PARSER_OPTIONS } from './parser-options.js';
import { markXmlTree } from './xml-mode.js';

/** Options of `parseHtml` and `parseXml`. */
export interface ParseHtmlOptions {
  /** The page's URL: relative links, form actions and `<base href>` resolve against it. */
  url?: string;
}

/**
 * Parses an HTML string. Never throws on malformed markup: unclosed tags are closed, stray end tags ignored.
 * The parser was chosen by `bench/parsers.mjs` (20 KB product page): htmlparser2 parses it 2.3× faster than parse5
 * (~4,650 vs ~2,000 pages/s) and stays ~1.9× faster once title, price, SKU and links are read.
 */
export function parseHtml(html: string, options: ParseHtmlOptions = {}): HtmlDocument {
  return new HtmlDocument(parseDocument(html, PARSER_OPTIONS), options.url);
}

/**
 * A DOM builder that reads CDATA sections as plain text, merged with the text around them: XPath's data model has
 * no CDATA nodes (`//description/text()` is the CDATA's content, as in lxml), and `::text`, `text()`, `strings()`
 * then need no special case. The content is kept as written (no entity decoding), as CDATA means.
 */
class XmlDomHandler extends DomHandler {
  override oncdatastart(): void {}
  override oncdataend(): void {}
}

/**
 * Parses an XML string (RSS, Atom, sitemaps, any XML): same element API as `parseHtml`, with XML's rules (see
 * `XML_PARSER_OPTIONS`). Lenient like the HTML parser: malformed XML gives a best-effort tree, never an error.
 * CSS and XPath on the result follow XML rules too: names are case-sensitive, and a prefixed name is written
 * `dc\\:creator` in CSS (`//dc:creator` in XPath).
 */
export function parseXml(xml: string, options: ParseHtmlOptions = {}): HtmlDocument {
  const handler = new XmlDomHandler(undefined, XML_PARSER_OPTIONS);
  new Parser(handler, XML_PARSER_OPTIONS).end(xml);
  markXmlTree(handler.root);
  return new HtmlDocument(handler.root, options.url);
}
