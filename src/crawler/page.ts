/** The page a handler receives: the response plus lazy HTML helpers and `follow()` to make child requests. */

import type { Page as BrowserPage } from 'playwright-core';
import type { HtmlDocument, HtmlElement, Selection } from '../html/index.js';
import { extractLinks, parseHtml } from '../html/index.js';
import type { Response, Timings } from '../http/response.js';
import { createRequest, type FetchMode, type JsonObject, type Request } from './request.js';

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
}

export class Page<K extends string = string> {
  readonly request: Request;
  readonly response: Response;
  #links: string[] | undefined;
  #document: HtmlDocument | undefined;

  constructor(request: Request, response: Response) {
    this.request = request;
    this.response = response;
  }

  /**
   * The live Chromium page when the request was fetched by the browser rung (click, scroll, evaluate), usable
   * until the handler ends; undefined on the other rungs. The selectors above read the HTML rendered at load.
   */
  get browser(): BrowserPage | undefined {
    return this.response.live as BrowserPage | undefined;
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

  /** No argument: the decoded body. With a selector: the text of the first match, or ''. */
  text(css?: string): string {
    return css === undefined ? this.response.text : this.document.text(css);
  }

  json<T = unknown>(): T {
    return this.response.json<T>();
  }

  /** The parsed document; parsing happens on first use only. */
  get document(): HtmlDocument {
    this.#document ??= parseHtml(this.response.text, { url: this.url });
    return this.#document;
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
   * Absolute http(s) links of the page (a/area href, `<base href>` honoured, fragments dropped, de-duplicated).
   * Uses a streaming scan unless the DOM is already parsed, so link-only handlers never build a DOM.
   */
  links(selector?: string): string[] {
    if (selector !== undefined) return this.document.links({ selector });
    this.#links ??= this.#document
      ? this.document.links()
      : extractLinks(this.response.text, this.url);
    return this.#links;
  }

  /** A request for `href` (resolved against the page's base URL) handled by `handler` (default 'parse'). */
  follow(href: string, handler?: K, init: FollowInit = {}): Request {
    const base = this.#document ? (this.document.baseUrl ?? this.url) : this.baseUrlCheap();
    let url: string;
    try {
      url = new URL(href, base).href;
    } catch {
      url = href; // left invalid on purpose: the scheduler rejects it and counts it, the handler goes on
    }
    return createRequest(url, {
      ...init,
      handler: handler ?? 'parse',
      depth: this.request.depth + 1,
    });
  }

  /** Avoids a full parse for the common case of pages without `<base href>`. */
  private baseUrlCheap(): string {
    return this.response.text.includes('<base') ? (this.document.baseUrl ?? this.url) : this.url;
  }
}
