/** arachne/html: a BeautifulSoup-like layer over htmlparser2 + css-select (cheerio's parts), plus fast link extraction. */
export { HtmlDocument, type LinkOptions } from './document.js';
export { HtmlElement, HtmlNode, type TextOptions } from './element.js';
export type {
  ExtractDescriptor,
  ExtractEntry,
  ExtractFunction,
  ExtractMap,
  ExtractResult,
} from './extract.js';
export type { Form, FormButton } from './forms.js';
export { createLinkResolver, resolveLink } from './link-resolver.js';
export {
  type ExtractLinksOptions,
  extractLinks,
  extractTitleAndLinks,
  resolveBaseUrl,
  type TitleAndLinks,
} from './links.js';
export type { CssValueOf, XPathValueOf } from './match-types.js';
export { Matches, type MatchValue } from './matches.js';
export { type ParseHtmlOptions, parseHtml, parseXml } from './parse.js';
export { Selection } from './selection.js';
export type { Table } from './tables.js';
export { isXmlContentType } from './xml-mode.js';
export type { XPathOptions } from './xpath.js';
