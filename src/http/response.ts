/**
 * A buffered HTTP response: raw body, lazily decoded text, per-phase timings. Parsing HTML is the html layer's job
 * (`parseHtml(response.text, { url: response.url })`), so the HTTP layer never loads a parser.
 */
import { decodeBody } from './charset.js';
import type { HttpRequest } from './request.js';

/** Milliseconds spent in each phase; a phase that did not happen (reused connection, plain http) is 0. */
export interface Timings {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  firstByteMs: number;
  totalMs: number;
}

export interface ResponseInit {
  /** Final URL, after redirects. */
  url: string;
  status: number;
  /** Lower-case names; repeated headers joined with ', ' except set-cookie (joined with '\n'). */
  headers: Record<string, string>;
  body: Buffer;
  request: HttpRequest;
  timings: Timings;
  /** URLs visited before `url`, oldest first. */
  redirects?: string[];
  /**
   * The live page a fetcher kept open for the handler (the browser rung's Playwright Page); opaque here, so the
   * HTTP layer never depends on a browser. Typed by `Page.browser`.
   */
  live?: object;
  /** Lets go of `live`: the engine calls it once the handler's outcome is complete (retried or not). */
  release?: () => Promise<void>;
  /**
   * A feed (a WebSocket connection): one response per message received, each handed to the request's handler as a
   * page of its own. Ending the iteration early (`return()`) closes the feed.
   */
  feed?: AsyncIterable<Response>;
  /** On a response of a feed: which message of it this is. */
  message?: FeedMessage;
}

/** One message of a feed, as `page.message`. */
export interface FeedMessage {
  /** 0 for the first message of the connection. */
  index: number;
  /** When it was received, in ms since the epoch. */
  time: number;
  /** Sent as a binary frame (the body holds the bytes), else as text (UTF-8). */
  binary: boolean;
}

export class Response {
  readonly url: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly request: HttpRequest;
  readonly timings: Timings;
  readonly redirects: string[];
  readonly live: object | undefined;
  readonly feed: AsyncIterable<Response> | undefined;
  readonly message: FeedMessage | undefined;
  readonly #release: (() => Promise<void>) | undefined;
  #released = false;
  #text: string | undefined;

  constructor(init: ResponseInit) {
    this.url = init.url;
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.request = init.request;
    this.timings = init.timings;
    this.redirects = init.redirects ?? [];
    this.live = init.live;
    this.feed = init.feed;
    this.message = init.message;
    this.#release = init.release;
  }

  /** Hands `live` back to its fetcher; a no-op for plain responses and after the first call. Never rejects. */
  async release(): Promise<void> {
    if (this.#released || !this.#release) return;
    this.#released = true;
    await this.#release().catch(() => {});
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get contentType(): string {
    return this.headers['content-type'] ?? '';
  }

  /** The body decoded by the web's rules: BOM, then Content-Type charset, then <meta>, else UTF-8. */
  get text(): string {
    this.#text ??= decodeBody(this.body, this.contentType).text;
    return this.#text;
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text) as T;
  }

  /** Returns a copy with some fields replaced (used by the redirect middleware to record the chain). */
  with(changes: Partial<ResponseInit>): Response {
    return new Response({
      url: this.url,
      status: this.status,
      headers: this.headers,
      body: this.body,
      request: this.request,
      timings: this.timings,
      redirects: this.redirects,
      ...(this.live && { live: this.live }),
      ...(this.feed && { feed: this.feed }),
      ...(this.message && { message: this.message }),
      // The copy takes over the release: whoever ends up with the response lets go of the live page.
      ...(this.#release && { release: () => this.release() }),
      ...changes,
    });
  }
}
