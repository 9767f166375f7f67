/**
 * Download handlers (Scrapy's `DOWNLOAD_HANDLERS`): the fetcher at the end of the download chain, chosen by the
 * request's URL scheme. Every handler sits behind the same middlewares, cache, stats and retry policy.
 */
import { ConfigError, CrawlError, UnsupportedSchemeError } from '../../errors.js';
import { Response } from '../../http/response.js';
import { canonicalizeAnyUrl } from '../../url/canonical-url.js';
import { type Fetcher, fetchers, type Request } from '../request.js';

/** What the crawl hands a download handler with each request. */
export interface FetchContext {
  /** Aborted when the crawl closes its handlers (the grace period is over): stop and let go of the request. */
  signal?: AbortSignal;
}

/**
 * Fetches the requests of the schemes it is registered for. It receives each request after every middleware
 * (redirect, scope, robots.txt, cookies, the spider's own, the cache) and its response goes back through them, so
 * it only fetches: it follows no redirect (answer the 3xx with a `location` header) and retries nothing (reject with
 * a `CrawlError` the retry policy knows, such as `AR_NETWORK` or `AR_TIMEOUT`, or answer a 5xx).
 * @example
 * const memo: DownloadHandler = {
 *   name: 'memo',
 *   async fetch(request) {
 *     const html = pages.get(request.url);
 *     return new Response({
 *       url: request.url,
 *       status: html === undefined ? 404 : 200,
 *       headers: { 'content-type': 'text/html' },
 *       body: Buffer.from(html ?? ''),
 *       request,
 *       timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
 *     });
 *   },
 * };
 * await crawl(spider, { downloadHandlers: { 'memo:': memo } });
 */
export interface DownloadHandler {
  /** Names the handler in error messages (and, later, in a request's choice of fetcher). */
  readonly name: string;
  fetch(request: Request, context: FetchContext): Promise<Response>;
  /** Called once when the crawl ends, after the requests in flight have finished or been given up. */
  close?(): Promise<void>;
}

/** Handlers by URL scheme, written with its colon: `{ 'ftp:': ftpHandler }`. */
export type DownloadHandlerMap = Readonly<Partial<Record<`${string}:`, DownloadHandler>>>;

// RFC 3986 §3.1, with the colon, in the lower case the WHATWG parser gives `URL.protocol`.
const SCHEME = /^[a-z][a-z0-9+.-]*:$/;

/** The rungs above plain HTTP, each made on first use: a crawl that never asks for one never loads its code. */
export interface FetcherOptions {
  /** The rung of a request that names none (the spider's `fetch`, else the crawl's `render`). @default 'http' */
  defaultFetcher?: Fetcher;
  /** Makes the browser handler; called once, when the first request asks for the browser. */
  browser?: () => Promise<DownloadHandler>;
  /** Makes the script handler (pages' scripts run in V8 isolates); called once, on the first request for it. */
  script?: () => Promise<DownloadHandler>;
}

// Only the web's schemes have a rendered page: data:, ftp: and the like stay with their scheme's handler.
const RENDERED_SCHEMES = new Set(['http:', 'https:']);

/** The handlers of one crawl, by scheme, and the rungs (fetchers) that replace the http(s) one on request. */
export class DownloadHandlerRegistry {
  readonly #byScheme = new Map<string, DownloadHandler>();
  readonly #closing = new AbortController();
  readonly #context: FetchContext = { signal: this.#closing.signal };
  readonly #defaultFetcher: Fetcher;
  readonly #makers: Partial<Record<Fetcher, (() => Promise<DownloadHandler>) | undefined>>;
  readonly #rungs = new Map<Fetcher, Promise<DownloadHandler>>();

  /** Later entries win, so a user's handler replaces a built-in one. @throws ConfigError for a malformed entry. */
  constructor(handlers: DownloadHandlerMap, fetchers: FetcherOptions = {}) {
    this.#defaultFetcher = fetchers.defaultFetcher ?? 'http';
    this.#makers = { browser: fetchers.browser, script: fetchers.script };
    for (const [key, handler] of Object.entries(handlers)) {
      if (handler === undefined) continue;
      const scheme = key.toLowerCase();
      if (!SCHEME.test(scheme)) {
        throw new ConfigError(`download handler key "${key}" is not a URL scheme such as "ftp:"`);
      }
      if (typeof (handler as Partial<DownloadHandler>).fetch !== 'function') {
        throw new ConfigError(`download handler for "${scheme}" has no fetch(request, context)`);
      }
      this.#byScheme.set(scheme, handler);
    }
  }

  /** The rungs this crawl can fetch with, cheapest first: the adaptive ladder climbs these. */
  get rungs(): Fetcher[] {
    return fetchers.filter((rung) => rung === 'http' || this.#makers[rung] !== undefined);
  }

  /** The registered schemes, sorted: `['data:', 'http:', 'https:']`. */
  get schemes(): string[] {
    return [...this.#byScheme.keys()].sort();
  }

  /**
   * The canonical form of `url` (see `canonicalizeAnyUrl`) when a handler can fetch it; otherwise the error that
   * refuses it, `AR_BAD_URL` or `AR_UNSUPPORTED_SCHEME`. Returned, not thrown: the engine counts it and goes on.
   */
  admit(url: string): string | CrawlError {
    const canonical = canonicalizeAnyUrl(url);
    if (canonical === undefined) return new CrawlError('AR_BAD_URL', `not a crawlable URL: ${url}`);
    const scheme = schemeOf(canonical);
    if (this.#byScheme.has(scheme)) return canonical;
    return new UnsupportedSchemeError(canonical, scheme, this.schemes);
  }

  /**
   * The handler that fetches `request`: by its URL's scheme for now; a per-request choice of fetcher (plain HTTP,
   * scripts, a browser) will be made here too, so the chain keeps a single way out.
   * @throws CrawlError `AR_BAD_URL` or `AR_UNSUPPORTED_SCHEME`
   */
  resolve(request: Request): DownloadHandler {
    // URLs reach the chain serialised already (lower-case scheme, no spaces): no parse on the hot path.
    const handler = this.#byScheme.get(schemeOf(request.url));
    if (handler) return handler;
    const admitted = this.admit(request.url);
    if (typeof admitted !== 'string') throw admitted;
    const late = this.#byScheme.get(schemeOf(admitted));
    if (!late) throw new UnsupportedSchemeError(admitted, schemeOf(admitted), this.schemes);
    return late;
  }

  /**
   * The handler for `request` by (scheme, fetcher): an http(s) request whose rung is 'script' or 'browser' goes to
   * that rung's handler, loaded on first use; everything else to its scheme's handler (`resolve`).
   * @throws ConfigError when a rung is asked for but the crawl has none
   */
  async resolveFetcher(request: Request): Promise<DownloadHandler> {
    const handler = this.resolve(request);
    const fetcher = request.fetch ?? this.#defaultFetcher;
    // The engine gives every page its rung; 'adaptive' here is a plain file fetched on the way (a sitemap).
    if (
      fetcher === 'http' ||
      fetcher === 'adaptive' ||
      !RENDERED_SCHEMES.has(schemeOf(request.url))
    ) {
      return handler;
    }
    // Spiders written in JavaScript are not type-checked: a later rung's name must not silently mean the browser.
    if (!fetchers.includes(fetcher)) {
      throw new ConfigError(
        `unknown fetch '${String(fetcher)}' (${fetchers.join(', ')}): ${request.url}`,
      );
    }
    const make = this.#makers[fetcher];
    if (!make) {
      throw new ConfigError(
        `request asks for fetch '${fetcher}' but this crawl has no ${fetcher} rung: ${request.url}`,
      );
    }
    // Kept as a promise, so parallel first requests share one handler; a failed load is not cached.
    let rung = this.#rungs.get(fetcher);
    if (!rung) {
      rung = make().catch((error: unknown) => {
        this.#rungs.delete(fetcher);
        throw error;
      });
      this.#rungs.set(fetcher, rung);
    }
    return rung;
  }

  /** The innermost `next` of the download chain. An arrow, so it can be passed around unbound. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const handler = await this.resolveFetcher(request);
    const response = await handler.fetch(request, this.#context);
    // A user handler written in JavaScript could return anything; the engine relies on a real Response.
    if (!(response instanceof Response)) {
      throw new CrawlError(
        'AR_HANDLER',
        `download handler "${handler.name}" returned no Response for ${request.url}`,
      );
    }
    return response;
  };

  /** Aborts the handlers' signal, then closes each handler once; rethrows the first failure after trying all. */
  async close(): Promise<void> {
    this.#closing.abort();
    let failure: unknown;
    const handlers = new Set(this.#byScheme.values());
    for (const rung of this.#rungs.values()) {
      const handler = await rung.catch(() => undefined); // never made: nothing to close
      if (handler) handlers.add(handler);
    }
    for (const handler of handlers) {
      try {
        await handler.close?.();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** `'https:'` for `https://…`: everything up to the first colon, lower-cased ('' when there is none). */
function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(':') + 1).toLowerCase();
}
