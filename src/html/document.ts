/** HtmlDocument: a parsed page with its URL, plus page-level readers (title, links, forms, tables, extract). */
import type { Document, Element } from 'domhandler';
import { HtmlNode } from './element.js';
import { type ExtractMap, type ExtractResult, extractFrom } from './extract.js';
import { type Form, readForms } from './forms.js';
import { resolveLink } from './link-resolver.js';
import { resolveBaseUrl, resolveLinks } from './links.js';
import { findAllElements, findFirstElement, selectAllNodes } from './query.js';
import { readTables, type Table } from './tables.js';
import { rawTextOf, textOf } from './text.js';

/** Options of `HtmlDocument.links()`. */
export interface LinkOptions {
  /**
   * A CSS selector for the elements to take links from: their `href`, or `src` when they have no `href` (so `img`,
   * `iframe` work too).
   * @default 'a[href], area[href]' (including links inside `<template>`)
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

/** A parsed HTML page. Everything is computed on demand from the one parse; nothing is wrapped ahead of time. */
export class HtmlDocument extends HtmlNode {
  declare readonly node: Document;
  /** The URL the page was fetched from, if known. */
  readonly url: string | undefined;
  #baseUrl: string | undefined | null = null;

  constructor(node: Document, url?: string) {
    super(node);
    this.url = url;
  }

  /** The URL relative links resolve against: the first `<base href>` (resolved against `url`), else `url`. */
  get baseUrl(): string | undefined {
    if (this.#baseUrl === null) {
      const base = findFirstElement(
        this.node,
        (element) => element.name === 'base' && hasHref(element),
      );
      this.#baseUrl = resolveBaseUrl(base?.attribs.href, this.url);
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
   */
  links(options: LinkOptions = {}): string[] {
    // The default walks the tree directly rather than through CSS: same result, faster, and it includes links in
    // <template> content as the streaming `extractLinks` does (CSS queries skip inert template content).
    const elements =
      options.selector === undefined
        ? findAllElements(this.node, isLinkElement)
        : selectAllNodes(options.selector, this.node);
    const hrefs: string[] = [];
    for (const element of elements) {
      const href = element.attribs.href ?? element.attribs.src;
      if (href !== undefined) hrefs.push(href);
    }
    return resolveLinks(hrefs, this.baseUrl);
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
