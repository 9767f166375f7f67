/** The htmlparser2 options every Arachne parse uses, so the DOM and the streaming paths see the same page. */
import type { ParserOptions } from 'htmlparser2';
import { FastTokenizer } from './fast-tokenizer.js';

/**
 * HTML mode (not XML): void elements, implied end tags (`<p>`, `<li>`, `<td>`…) and raw-text elements
 * (`<script>`, `<style>`, `<title>`, `<textarea>`) follow the HTML rules, stray end tags are ignored and unclosed
 * elements are closed at the end, so malformed pages still give a usable tree. Entities are decoded, in attributes
 * too (`href="?a=1&amp;b=2"` reads `?a=1&b=2`), and tag and attribute names are lower-cased as CSS selectors expect.
 * `recognizeSelfClosing` stays off because `<div/>` does not close a div in HTML (foreign SVG/MathML content is
 * still handled by the parser itself). The Tokenizer is htmlparser2's own, skipping text faster (fast-tokenizer.ts).
 */
export const PARSER_OPTIONS: Readonly<ParserOptions> = {
  Tokenizer: FastTokenizer,
  xmlMode: false,
  decodeEntities: true,
  lowerCaseTags: true,
  lowerCaseAttributeNames: true,
  recognizeSelfClosing: false,
};

/**
 * XML mode (`parseXml`, feeds): every element may hold text (an RSS `<link>` is not HTML's void `<link>`), `<x/>`
 * closes itself, names keep their case (`pubDate`, `isPermaLink`) and their prefix (`dc:creator`), and no HTML
 * rule (implied end tags, raw-text elements) applies. CDATA sections are read as text (see `parseXml`).
 */
export const XML_PARSER_OPTIONS: Readonly<ParserOptions> = {
  Tokenizer: FastTokenizer,
  xmlMode: true,
  decodeEntities: true,
  lowerCaseTags: false,
  lowerCaseAttributeNames: false,
  recognizeSelfClosing: true,
  recognizeCDATA: true,
};
