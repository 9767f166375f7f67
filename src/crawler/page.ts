/** The page a handler receives: the response plus lazy HTML helpers and `follow()` to make child requests. */

import type { Page as BrowserPage } from 'playwright-core';
import { markHandedOut } from '../browser/live-pages.js';
import type {
  NetworkIdleOptions,
  ScrollOptions,
  ScrollResult,
  WaitOptions,
} from '../browser/page-tools.js';
import { BrowserError } from '../errors.js';
import { type FieldScan, scanFields } from '../html/field-scan.js';
import type {
  CssValueOf,
  HtmlDocument,
  HtmlElement,
  Matches,
  Selection,
  XPathOptions,
  XPathValueOf,
} from '../html/index.js';
import {
  extractLinks,
  isXmlContentType,
  parseHtml,
  parseXml,
  resolveBaseUrl,
} from '../html/index.js';
import { resolveLinks } from '../html/links.js';
import type { FeedMessage, Response, Timings } from '../http/response.js';
import {
  type ItemDeclarations,
  type ItemInput,
  type ItemNames,
  type TypedItem,
  tagItem,
} from '../items/index.js';
import type { FieldHints } from './field-hints.js';
import {
  createRequest,
  type FetchMode,
  type JsonObject,
  type Request,
  type WebSocketInit,
} from './request.js';

export interface FollowInit {
  data?: JsonObject;
  priority?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The rung that fetches it ('http', 'script', 'browser', 'adaptive'). @default the handler's, else the spider's */
  fetch?: FetchMode;
  /** Shorthand for `fetch: 'browser'`. */
  browser?: boolean;
  /** Browser rung: a CSS selector to wait for after load. @default the spider's */
  waitFor?: string;
  /** `ws:`/`wss:` links: subscription messages and bounds of the feed. @default the crawl's */
  websocket?: WebSocketInit;
}

let dropParsed: (page: Page) => void;

/**
 * Lets go of the DOM (and XML document) parsed for `page`, once its handler has ended. The engine still holds the
 * page while its outcome is recorded, which on a shared frontier waits for a Redis round trip: a DOM kept that long
 * outlives a young-generation collection and is copied and promoted, which tripled the time spent in the garbage
 * collector. A later `document` read parses the page again.
 */
export function releaseParsed(page: Page): void {
  dropParsed(page);
}

/**
 * `K`: the spider's handler names (checked by `follow`); `I`: its item types (checked by `item`). A page of an
 * untyped handler accepts any name and value.
 */
export class Page<K extends string = string, I = ItemDeclarations> {
  readonly request: Request;
  readonly response: Response;
  /**
   * The crawl's `maxLinksPerPage`: `links()` stops reading the page one link past it (the engine drops and reports
   * the excess), so a page of 200,000 links costs the part of the page up to the budget.
   */
  readonly linkBudget: number;
  #links: string[] | undefined;
  #linkSet: Set<string> | undefined;
  #document: HtmlDocument | undefined;
  #xml: HtmlDocument | undefined;
  #base: string | undefined;
  readonly #hints: FieldHints | undefined;
  #scan: FieldScan | undefined;

  static {
    dropParsed = (page) => {
      page.#document = undefined;
      page.#xml = undefined;
      page.#scan = undefined;
    };
  }

  /** `hints`: what this handler's earlier pages read (see field-hints.ts); without them every read parses. */
  constructor(
    request: Request,
    response: Response,
    linkBudget = Number.POSITIVE_INFINITY,
    hints?: FieldHints,
  ) {
    this.request = request;
    this.response = response;
    this.linkBudget = linkBudget;
    this.#hints = hints;
  }

  /**
   * The live Chromium page when the request was fetched by the browser rung (click, scroll, evaluate), usable
   * until the handler ends; undefined on the other rungs. The selectors above read the HTML rendered at load.
   */
  get browser(): BrowserPage | undefined {
    const live = this.response.live;
    if (live) markHandedOut(live);
    return live as BrowserPage | undefined;
  }

  /** Waits until `selector` is in the live page's DOM (AR_TIMEOUT after `timeoutMs`, default 30 s). */
  async waitForSelector(selector: string, options?: WaitOptions): Promise<void> {
    const tools = await import('../browser/page-tools.js');
    await tools.waitForSelector(this.#live('waitForSelector'), selector, options);
  }

  /** Waits until the live page has had no request in flight for `idleMs` (default 500 ms; AR_TIMEOUT after 30 s). */
  async waitForNetworkIdle(options?: NetworkIdleOptions): Promise<void> {
    const tools = await import('../browser/page-tools.js');
    await tools.waitForNetworkIdle(this.#live('waitForNetworkIdle'), options);
  }

  /**
   * Scrolls the live page to the bottom until it stops growing, or `maxScrolls` (20) or `maxMs` (30 s) is reached.
   * Selectors on `page` still read the HTML taken at load: read what the scroll added from `page.browser`.
   */
  async infiniteScroll(options?: ScrollOptions): Promise<ScrollResult> {
    const tools = await import('../browser/page-tools.js');
    return tools.infiniteScroll(this.#live('infiniteScroll'), options);
  }

  /** A full-page PNG of the live page under the crawl's `browserSnapshotDir`; resolves to its path. */
  async screenshot(name?: string): Promise<string> {
    const tools = await import('../browser/page-tools.js');
    return tools.screenshot(this.#live('screenshot'), name);
  }

  /** The live page's current DOM as HTML under the crawl's `browserSnapshotDir`; resolves to its path. */
  async snapshot(name?: string): Promise<string> {
    const tools = await import('../browser/page-tools.js');
    return tools.snapshot(this.#live('snapshot'), name);
  }

  #live(helper: string): BrowserPage {
    const live = this.browser;
    if (!live) {
      throw new BrowserError(
        `page.${helper}() needs a live browser page; ${this.url} was fetched over HTTP or replayed from the cache`,
      );
    }
    return live;
  }

  /** Final URL, after redirects. */
  get url(): string {
    return this.response.url;
  }
  get status(): number {
    return this.response.status;
  }
  get headers(): Record<string, string> {
    return this.response.headers;
  }
  get body(): Buffer {
    return this.response.body;
  }
  get timings(): Timings {
    return this.response.timings;
  }
  get data(): JsonObject {
    return this.request.data;
  }
  /** On a page of a feed (`ws:`/`wss:`): which message of the connection it is; undefined elsewhere. */
  get message(): FeedMessage | undefined {
    return this.response.message;
  }

  /** No argument: the decoded body. With a selector: the text of the first match, or ''. */
  text(css?: string): string {
    if (css === undefined) return this.response.text;
    return this.#scannedText(css) ?? this.document.text(css);
  }

  /**
   * The text of `css` read by the DOM-free scan, when the handler's earlier pages asked for it (then the scan reads
   * every selector they asked for, and the links, at once); undefined when the DOM has to answer.
   */
  #scannedText(css: string): string | undefined {
    const hints = this.#hints;
    if (hints === undefined || !hints.enabled || this.isXml) return undefined;
    if (this.#scan === undefined) {
      // Learned on parsed pages too: a first page reads every field from its DOM.
      if (this.#document !== undefined || !hints.has(css)) {
        hints.learn(css);
        return undefined;
      }
      this.#scan = scanFields(this.response.text, hints.selectors);
      hints.scanned();
    }
    const text = this.#scan.texts.get(css);
    if (text === undefined) hints.learn(css);
    return text;
  }

  json<T = unknown>(): T {
    return this.response.json<T>();
  }

  /**
   * The parsed document; parsing happens on first use only. A response whose Content-Type is XML
   * (`application/xml`, `text/xml`, `application/rss+xml`, `…+xml`) is parsed as XML (the `xml()` document), any
   * other as HTML.
   */
  get document(): HtmlDocument {
    if (this.#document === undefined) {
      if (this.#scan !== undefined) this.#hints?.wasted();
      this.#document = this.isXml ? this.xml() : parseHtml(this.response.text, { url: this.url });
    }
    return this.#document;
  }

  /** Whether the Content-Type says XML, so that `document`, `select`, `xpath`, `links()`… read the body as XML. */
  get isXml(): boolean {
    return isXmlContentType(this.response.contentType);
  }

  /**
   * The body parsed as XML, whatever the Content-Type (a feed served as `text/html` or `text/plain`): an RSS
   * `<link>` keeps its text, names keep their case and prefix, CDATA reads as text. Parsed once, on first use.
   */
  xml(): HtmlDocument {
    this.#xml ??= parseXml(this.response.text, { url: this.url });
    return this.#xml;
  }

  select(css: string): Selection {
    return this.document.select(css);
  }

  selectOne(css: string): HtmlElement | undefined {
    return this.document.selectOne(css);
  }

  attr(css: string, name: string): string | undefined {
    return this.document.attr(css, name);
  }

  /**
   * XPath 1.0 over the parsed page: `page.xpath('//h1/text()').get()`. On XML pages `options.namespaces` binds
   * prefixes: `page.xpath('//atom:entry', { namespaces: { atom: 'http://www.w3.org/2005/Atom' } })`. See
   * `HtmlNode.xpath`.
   */
  xpath<const E extends string>(expression: E, options?: XPathOptions): Matches<XPathValueOf<E>> {
    return this.document.xpath(expression, options);
  }

  /** CSS with parsel's `::text` / `::attr(name)`: `page.css('a::attr(href)').getAll()`. See `HtmlNode.css`. */
  css<const E extends string>(selector: E): Matches<CssValueOf<E>> {
    return this.document.css(selector);
  }

  /**
   * Absolute http(s) links of the page (a/area href, `<base href>` honoured, fragments dropped, de-duplicated).
   * Uses a streaming scan unless the DOM is already parsed, so link-only handlers never build a DOM. Without a
   * selector, at most `linkBudget + 1` links: the scan stops there, and the engine keeps `linkBudget` of them.
   * On an XML page (by Content-Type), the links its feed or sitemap carries: RSS item `<link>` texts, Atom entry
   * `<link href>`, `rel="next"` pages, sitemap `<loc>` (see `HtmlDocument.links`).
   */
  links(selector?: string): string[] {
    if (selector !== undefined) return this.document.links({ selector });
    const maxLinks = this.linkBudget + 1;
    this.#links ??=
      this.#document || this.isXml
        ? this.document.links().slice(0, maxLinks)
        : this.#scan
          ? resolveLinks(this.#scan.hrefs, this.#scannedBase(), maxLinks)
          : extractLinks(this.response.text, this.url, { maxLinks });
    return this.#links;
  }

  /** A request for `href` (resolved against the page's base URL) handled by `handler` (default 'parse'). */
  follow(href: string, handler?: K, init: FollowInit = {}): Request {
    // Worked out once per page: a handler may follow 200,000 links, and each look at the body costs its size.
    this.#base ??= this.#document
      ? (this.document.baseUrl ?? this.url)
      : this.#scan
        ? (this.#scannedBase() ?? this.url)
        : this.baseUrlCheap();
    const base = this.#base;
    let url: string;
    // The links `links()` gave are absolute and serialised already: most followed hrefs are those.
    if (this.#links !== undefined) this.#linkSet ??= new Set(this.#links);
    if (this.#linkSet?.has(href)) url = href;
    else {
      try {
        url = new URL(href, base).href;
      } catch {
        url = href; // left invalid on purpose: the scheduler rejects it and counts it, the handler goes on
      }
    }
    return createRequest(url, {
      ...init,
      handler: handler ?? 'parse',
      depth: this.request.depth + 1,
    });
  }

  /**
   * An item of a type declared in the spider's `items`, checked against its schema: the fields' processors run, then
   * the schema validates, and the schema's output is written. An invalid item is counted by field in the stats and
   * dropped (or kept with the crawl's `invalidItems: 'keep'`). The type travels as a hidden tag; nothing is added to
   * the written item.
   * @example yield page.item('product', { name: page.text('h1'), price: page.text('.price') });
   */
  item<N extends ItemNames<I>>(name: N, value: ItemInput<I[N]>): TypedItem<N> {
    return tagItem(name, value as object);
  }

  #scannedBase(): string | undefined {
    return resolveBaseUrl(this.#scan?.baseHref, this.url);
  }

  /** Avoids a full parse for the common case of pages without `<base href>` (in XML, `xml:base`). */
  private baseUrlCheap(): string {
    const marker = this.isXml ? 'xml:base' : '<base';
    return this.response.text.includes(marker) ? (this.document.baseUrl ?? this.url) : this.url;
  }
}
