/**
 * The engine: moves requests from the scheduler through the download chain into the spider, and the spider's
 * outputs back to the scheduler (requests, after the request filters) with its items (after the pipelines).
 * It decides nothing else: filters, retry policy, frontier and stats each live in their own module, and the
 * engine tells the rest of the crawl what happened through events. See docs/architecture.md.
 */
import { ConfigError, HttpError, isCrawlError, StopCrawl } from '../errors.js';
import type { Next } from '../http/compose.js';
import type { Response } from '../http/response.js';
import type { Item } from '../storage/sink.js';
import { canonicalizeUrl, hostOf } from '../url/canonical-url.js';
import type { CloseReason, CrawlEmitter } from './events.js';
import type { Outcome } from './frontier.js';
import type { ItemProcessor } from './item-processor.js';
import { classifyOutput } from './output.js';
import { Page } from './page.js';
import type { Request } from './request.js';
import { isRejection, type RequestFilter } from './request-filters.js';
import type { CrawlRetryPolicy, RetryDecision } from './retry.js';
import type { Scheduler } from './scheduler.js';
import type { HandlerResult, Output, Spider } from './spider.js';

const noOutcome: Outcome = { children: [], items: [] };

export interface EngineParts {
  spider: Spider;
  scheduler: Scheduler;
  download: Next<Request>;
  items: ItemProcessor;
  events: CrawlEmitter;
  /** Applied in order to every request before it is queued (start requests and children alike). */
  filters: readonly RequestFilter[];
  retry: CrawlRetryPolicy;
  limits: {
    concurrency: number;
    maxPages: number;
    /** Children kept from one page; the rest are dropped as a crawl-trap budget. */
    maxLinksPerPage: number;
  };
  /** Statuses passed to handlers besides 2xx; 'all' passes every final response. */
  handleStatuses: readonly number[] | 'all';
}

export class Engine {
  readonly #parts: EngineParts;
  #inFlight = 0;
  #dispatched = 0;
  #stopping: CloseReason | undefined;
  #fatal: Error | undefined;
  #pumping = false;
  #pumpAgain = false;
  #finished!: (reason: CloseReason) => void;
  readonly #done = new Promise<CloseReason>((resolve) => {
    this.#finished = resolve;
  });

  constructor(parts: EngineParts) {
    this.#parts = parts;
    parts.scheduler.onWake = () => void this.#pump();
  }

  /** The error that stopped the crawl, if one did (storage failure, configuration error). */
  get fatal(): Error | undefined {
    return this.#fatal;
  }

  /**
   * 1. Start requests (none for a worker joining a shared crawl) enter the frontier; 2–7 repeat until the frontier
   * is empty and nothing is in flight.
   */
  async run(start: readonly Request[] | undefined): Promise<CloseReason> {
    if (start) await this.schedule(start);
    void this.#pump();
    return this.#done;
  }

  /** Stops scheduling; in-flight requests finish unless the caller gives up on them. */
  stop(reason: CloseReason): void {
    this.#stopping ??= reason;
    void this.#checkIdle();
  }

  /** Stops the crawl on an error that makes going on pointless (storage, configuration). */
  fail(error: unknown): void {
    this.#fatal ??= error instanceof Error ? error : new Error(String(error));
    this.stop('error');
  }

  /** Queues start requests (and sitemap seeds) that pass the filters. */
  async schedule(requests: readonly Request[]): Promise<void> {
    const accepted = this.#accept(requests, undefined);
    this.#queued(accepted.length, await this.#parts.scheduler.add(accepted));
  }

  /** 1. Runs the request filters; an unknown handler is a spider bug and stops the crawl. */
  #accept(requests: readonly Request[], parent: Request | undefined): Request[] {
    const { filters, spider, events } = this.#parts;
    const accepted: Request[] = [];
    next: for (const offered of requests) {
      let request = offered;
      for (const filter of filters) {
        const result = filter(request);
        if (isRejection(result)) {
          events.emit('request:ignored', { request, ...result });
          continue next;
        }
        request = result;
      }
      if (!(request.handler in spider.handlers)) {
        const known = Object.keys(spider.handlers).join(', ');
        const from = parent ? ` (requested from ${parent.url})` : '';
        throw new ConfigError(
          `unknown handler "${request.handler}"${from}; the spider defines: ${known}`,
        );
      }
      accepted.push(request);
    }
    return accepted;
  }

  /** Reports what the frontier took out of `offered` accepted requests as new. */
  #queued(offered: number, queued: readonly Request[]): void {
    const { events } = this.#parts;
    if (offered > queued.length)
      events.emit('requests:deduplicated', { count: offered - queued.length });
    for (const request of queued) events.emit('request:scheduled', { request });
  }

  /** 2. Hands ready requests to `handle` while global slots are free. */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    const { scheduler, limits, events } = this.#parts;
    try {
      do {
        this.#pumpAgain = false;
        while (!this.#stopping && this.#inFlight < limits.concurrency) {
          if (this.#dispatched >= limits.maxPages) {
            this.#stopping = 'max-pages';
            break;
          }
          const request = await scheduler.next();
          if (!request) break;
          this.#inFlight++;
          this.#dispatched++;
          events.emit('request:started', { request });
          void this.#handle(request);
        }
      } while (this.#pumpAgain);
    } catch (error) {
      this.fail(error);
    } finally {
      this.#pumping = false;
    }
    await this.#checkIdle();
  }

  /** 3–6. Download, pass the page to its handler, route what the handler yields. */
  async #handle(request: Request): Promise<void> {
    const { download, events, scheduler, retry } = this.#parts;
    let response: Response | undefined;
    try {
      response = await download(request);
      events.emit('response:received', { request, response });
      const again = retry.forResponse(request, response);
      if (again) {
        await this.#retry(
          request,
          new HttpError(response.url, response.status, request.method),
          again,
        );
      } else if (response.redirects.length > 0 && !(await this.#firstVisit(request, response))) {
        await this.#complete(request, noOutcome);
      } else if (!this.#handles(response.status)) {
        await this.#onError(request, new HttpError(response.url, response.status, request.method));
      } else {
        await this.#runHandler(request, new Page(request, response));
      }
    } catch (error) {
      await this.#onError(request, error).catch((fatal) => this.fail(fatal));
    } finally {
      // A browser page stays open for the handler (page.browser) until its outcome is complete.
      await response?.release();
      this.#inFlight--;
      scheduler.release(request);
      events.emit('request:settled', { request });
      void this.#pump();
    }
  }

  /**
   * Runs the handler to its end, then hands the whole outcome (children and items) to the frontier at once, so a
   * persistent frontier records the request as done together with what it produced.
   */
  async #runHandler(request: Request, page: Page): Promise<void> {
    const handler = this.#parts.spider.handlers[request.handler];
    if (!handler) throw new ConfigError(`unknown handler "${request.handler}"`);
    const children: Request[] = [];
    const items: Item[] = [];
    try {
      for await (const output of outputsOf(handler(page))) {
        const sorted = classifyOutput(output, request.handler, request.url);
        if (sorted.kind === 'request') children.push(sorted.request);
        else items.push(sorted.item);
      }
    } catch (error) {
      // Kept only if the request is not retried: a retry discards them, and the filters and pipelines count
      // what they see (events, pages per host, items scraped).
      await this.#onError(request, error, () => this.#keep(request, children, items));
      return;
    }
    await this.#complete(request, await this.#keep(request, children, items));
  }

  /**
   * The outcome of a handler run: its children within the link budget and past the filters, its items past the
   * pipelines.
   */
  async #keep(request: Request, children: Request[], items: Item[]): Promise<Outcome> {
    const kept: Item[] = [];
    for (const item of items) {
      const processed = await this.#parts.items.process(item, request);
      if (processed) kept.push(processed);
    }
    return { children: this.#accept(this.#linkBudget(request, children), request), items: kept };
  }

  /** A crawl-trap budget on the page as a whole: at most `maxLinksPerPage` children are kept. */
  #linkBudget(parent: Request, children: Request[]): Request[] {
    const max = this.#parts.limits.maxLinksPerPage;
    if (children.length <= max) return children;
    for (const request of children.slice(max)) {
      this.#parts.events.emit('request:ignored', {
        request,
        code: 'AR_TRAP',
        reason: `more than ${max} links on ${parent.url}: ${request.url}`,
      });
    }
    return children.slice(0, max);
  }

  async #complete(request: Request, outcome: Outcome): Promise<void> {
    this.#queued(outcome.children.length, await this.#parts.scheduler.complete(request, outcome));
  }

  #handles(status: number): boolean {
    const handled = this.#parts.handleStatuses;
    return (status >= 200 && status < 300) || handled === 'all' || handled.includes(status);
  }

  /** A redirect may land on a page crawled already: its output would then be written twice. */
  async #firstVisit(request: Request, response: Response): Promise<boolean> {
    const url = canonicalizeUrl(response.url);
    if (url === undefined) return true;
    const fresh = await this.#parts.scheduler.markSeen({ ...request, url, method: 'GET' });
    if (!fresh) this.#parts.events.emit('requests:deduplicated', { count: 1 });
    return fresh;
  }

  /**
   * Decides what a failure means: ignored (robots, offsite), a retry, fatal for the crawl, or a failed request.
   * `partial` gives what a handler produced before it threw: kept unless the request is tried again.
   */
  async #onError(
    request: Request,
    error: unknown,
    partial: () => Promise<Outcome> = async () => noOutcome,
  ): Promise<void> {
    const { events, scheduler, retry } = this.#parts;
    const err = error instanceof Error ? error : new Error(String(error));
    const code = isCrawlError(err) ? err.code : 'AR_HANDLER';
    if (code === 'AR_ROBOTS_DENIED' || code === 'AR_OFFSITE' || code === 'AR_IGNORED') {
      events.emit('request:ignored', { request, reason: err.message, code });
      await this.#complete(request, noOutcome);
      return;
    }
    if (code === 'AR_CONFIG' || code === 'AR_STORAGE') {
      this.fail(err);
      return;
    }
    const again = retry.forError(request, err);
    if (again) {
      await this.#retry(request, err, again);
      return;
    }
    if (err instanceof StopCrawl) {
      await this.#complete(request, await partial());
      this.stop('stopped');
      return;
    }
    const kept = await partial();
    if (kept.items.length > 0 || kept.children.length > 0) await this.#complete(request, kept);
    events.emit('request:failed', { request, error: err, code });
    await scheduler.fail(request, { code, message: err.message });
  }

  async #retry(request: Request, error: Error, decision: RetryDecision): Promise<void> {
    const { events, scheduler } = this.#parts;
    const { delayMs, holdHostMs } = decision;
    if (holdHostMs !== undefined)
      scheduler.backOff(hostOf(request.url) ?? '', Date.now() + holdHostMs);
    events.emit('request:retried', { request, error, delayMs });
    await scheduler.retry({ ...request, attempt: request.attempt + 1 }, delayMs);
  }

  /** 8. The crawl ends when nothing is queued, waiting for a retry, or in flight — or on a stop. */
  async #checkIdle(): Promise<void> {
    if (this.#inFlight > 0) return;
    if (this.#stopping) {
      this.#finished(this.#stopping);
      return;
    }
    const { scheduler } = this.#parts;
    if (!(await scheduler.isDrained())) return;
    if (this.#inFlight > 0 || this.#pumping) return;
    // A shared crawl ends for everyone at once; if another worker added work meanwhile, keep polling.
    if (!(await scheduler.finish())) return;
    this.#finished('finished');
  }
}

/** Normalises what a handler returned (generator, async generator, array, promise, single output, nothing). */
async function* outputsOf(result: HandlerResult): AsyncGenerator<Output> {
  const value = await result;
  if (value === undefined || value === null) return;
  if (typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value)) {
    yield* value as AsyncIterable<Output> | Iterable<Output>;
    return;
  }
  yield value as Output;
}
