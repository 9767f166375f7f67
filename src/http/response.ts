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
}

export class Response {
  readonly url: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly request: HttpRequest;
  readonly timings: Timings;
  readonly redirects: string[];
  #text: string | undefined;

  constructor(init: ResponseInit) {
    this.url = init.url;
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.request = init.request;
    this.timings = init.timings;
    this.redirects = init.redirects ?? [];
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
      ...changes,
    });
  }
}
