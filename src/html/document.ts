/** HtmlDocument: a parsed page with its URL, plus page-level readers (title, links, forms, tables, extract). */
import { type Document, type Element, isTag } from 'domhandler';
import { type HtmlElement, HtmlNode } from './element.js';
import { type ExtractMap, type ExtractResult, extractFrom } from './extract.js';
import { type Form, readForms } from './forms.js';
import { resolveLink } from './link-resolver.js';
import { resolveBaseUrl, resolveLinks } from './links.js';
import { findAllElements, findFirstElement, selectAllNodes } from './query.js';
import { readTables, type Table } from './tables.js';
import { rawTextOf, textOf } from './text.js';
import { xmlLinkHrefs } from './xml-links.js';
import { isXmlTree } from './xml-mode.js';

/** Options of `HtmlDocument.links()`. */
export interface LinkOptions {
  /**
   * A CSS selector for the elements to take links from: their `href`, or `src` when they have no `href` (so `img`,
   * `iframe` work too), or in an XML document their text when they have neither (`item > link`).
   * @default 'a[href], area[href]' (including links inside `<template>`); in XML, the feed's entries (see `links()`)
   */
  selector?: string;
}

function hasHref(element: Element): boolean {
  return element.attribs.href !== undefined;
}

/** `a[href], area[href]` */
function isLinkElement(element: Element): boolean {
  return (element.name === 'a' || element.name === 'area') && hasHref(element);
}

/**
 * A parsed page, HTML (`parseHtml`) or XML (`parseXml`). Everything is computed on demand from the one parse;
 * nothing is wrapped ahead of time.
 */
export class HtmlDocument extends HtmlNode {
  declare readonly node: Document;
  /** The URL the page was fetched from, if known. */
  readonly url: string | undefined;
  /** Parsed as XML (`parseXml`, or a page whose Content-Type is XML): XML rules for CSS, XPath and `links()`. */
  readonly isXml: boolean;
  #baseUrl: string | undefined | null = null;

  constructor(node: Document, url?: string) {
    super(node);
    this.url = url;
    this.isXml = isXmlTree(node);
  }

  /**
   * The URL relative links resolve against: the first `<base href>` (resolved against `url`), else `url`. In XML,
   * the root element's `xml:base` (Atom feeds use it) instead of `<base href>`.
   */
  get baseUrl(): string | undefined {
    if (this.#baseUrl === null) {
      let href: string | undefined;
      if (this.isXml) {
        href = findFirstElement(this.node, () => true)?.attribs['xml:base'];
      } else {
        const base = findFirstElement(
          this.node,
          (element) => element.name === 'base' && hasHref(element),
        );
        href = base?.attribs.href;
      }
      this.#baseUrl = resolveBaseUrl(href, this.url);
    }
    return this.#baseUrl;
  }

  /** Text of the first `<title>`, whitespace collapsed; `undefined` when missing or empty. */
  title(): string | undefined {
    const title = findFirstElement(this.node, (element) => element.name === 'title');
    const text = title === undefined ? '' : textOf(title);
    return text === '' ? undefined : text;
  }

  /**
   * Absolute http(s) URLs of the page's links, resolved against `baseUrl`, fragment dropped, each once, in document
   * order. `javascript:`, `mailto:`, fragment-only and unparsable hrefs are skipped.
   * In an XML document, the links a feed or sitemap carries: RSS `<item><link>` text, Atom `<entry><link href>`
   * (`alternate`), `rel="next"` pages, sitemap `<loc>`, and other elements' `href` (see `xml-links.ts`).
   */
  links(options: LinkOptions = {}): string[] {
    return resolveLinks(this.#linkHrefs(options.selector), this.baseUrl);
  }

  /**
   * The raw hrefs `links()` resolves: of the elements matching `selector`, or of the elements `linksIn()` reads when
   * there is none.
   */
  #linkHrefs(selector: string | undefined): string[] {
    if (selector === undefined) return this.#hrefsIn(this.node);
    const hrefs: string[] = [];
    for (const element of selectAllNodes(selector, this.node)) {
      const href = element.attribs.href ?? element.attribs.src;
      if (href !== undefined) hrefs.push(href);
      else if (this.isXml) {
        const text = textOf(element);
        if (text !== '') hrefs.push(text);
      }
    }
    return hrefs;
  }

  /**
   * The links inside `regions` (elements of this document), as `links()` reads them: an HTML region's
   * `a[href], area[href]` (the region itself when it is one), an XML region's feed links. For link rules'
   * `restrictCss` / `restrictXpath`.
   */
  linksIn(regions: Iterable<HtmlElement>): string[] {
    const hrefs: string[] = [];
    for (const region of regions) hrefs.push(...this.#hrefsIn(region.node));
    return resolveLinks(hrefs, this.baseUrl);
  }

  #hrefsIn(root: Document | Element): string[] {
    if (this.isXml) return xmlLinkHrefs(root);
    // Walks the tree directly rather than through CSS: same result, faster, and it includes links in <template>
    // content as the streaming `extractLinks` does (CSS queries skip inert template content).
    const elements = findAllElements(root, isLinkElement);
    if (isTag(root) && isLinkElement(root)) elements.unshift(root);
    const hrefs: string[] = [];
    for (const element of elements) {
      const href = element.attribs.href;
      if (href !== undefined) hrefs.push(href);
    }
    return hrefs;
  }

  /** `href` made absolute as `links()` does; `undefined` for non-http(s), fragment-only or invalid values. */
  resolveUrl(href: string): string | undefined {
    return resolveLink(href, this.baseUrl);
  }

  /** The page's forms, with the values a browser would submit. */
  forms(): Form[] {
    return readForms(this, this.url, this.baseUrl);
  }

  /** The page's tables as header and cell texts. */
  tables(): Table[] {
    return readTables(this);
  }

  /** Cheerio-style declarative extraction: `doc.extract({ title: 'h1', links: [{ selector: 'a', value: 'href' }] })`. */
  extract<const M extends ExtractMap>(map: M): ExtractResult<M> {
    return extractFrom(this, map, (href) => this.#absolute(href));
  }

  /** The parsed contents of every `<script type="application/ld+json">` (top-level arrays flattened; bad JSON skipped). */
  jsonLd(): unknown[] {
    const found: unknown[] = [];
    for (const script of selectAllNodes('script[type="application/ld+json" i]', this.node)) {
      try {
        const data: unknown = JSON.parse(rawTextOf(script));
        if (Array.isArray(data)) found.push(...data);
        else found.push(data);
      } catch {
        // Hand-written JSON-LD is often invalid; one bad block must not hide the others.
      }
    }
    return found;
  }

  #absolute(href: string): string {
    const base = this.baseUrl;
    if (base === undefined) return href;
    try {
      return new URL(href, base).href;
    } catch {
      return href;
    }
  }
}
