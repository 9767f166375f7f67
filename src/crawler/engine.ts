/**
 * The engine: moves requests from the scheduler through the downloader into the spider, and the spider's
 * outputs back to the scheduler (requests) or out to the item writer (items). See docs/architecture.md.
 */
import type { CrawlError } from '../errors.js';
import { ConfigError, HttpError, isCrawlError, RetryRequest, StopCrawl } from '../errors.js';
import type { Next } from '../http/compose.js';
import type { Response } from '../http/response.js';
import {
  backoffDelayMs,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfterMs,
} from '../http/retry-policy.js';
import type { Item } from '../storage/sink.js';
import { canonicalizeUrl, hostOf, isInScope } from '../url/canonical-url.js';
import type { CloseReason, CrawlEmitter } from './events.js';
import type { Outcome } from './frontier.js';
import type { ItemWriter } from './item-writer.js';
import { isRequest } from './output.js';
import { Page } from './page.js';
import type { Request } from './request.js';
import type { Scheduler } from './scheduler.js';
import type { HandlerResult, Output, Spider } from './spider.js';
import type { StatsCollector } from './stats.js';
import { type TrapBudgets, trapReason } from './trap-budgets.js';

const noOutcome: Outcome = { children: [], items: [] };

export interface EngineParts {
  spider: Spider;
  scheduler: Scheduler;
  download: Next<Request>;
  items: ItemWriter;
  stats: StatsCollector;
  events: CrawlEmitter;
  allowedDomains: readonly string[];
  /** The canonical URL when a download handler can fetch it, else why not (AR_BAD_URL, AR_UNSUPPORTED_SCHEME). */
  admit: (url: string) => string | CrawlError;
  limits: {
    concurrency: number;
    maxPages: number;
    maxDepth: number;
    retries: number;
    traps: TrapBudgets;
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
  readonly #perHost = new Map<string, number>();
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
    // Workers joining a shared crawl seed nothing: their work comes from the frontier.
    if (start) await this.schedule(start);
    void this.#pump();
    return this.#done;
  }

  /** Stops scheduling; in-flight requests finish unless the caller gives up on them. */
  stop(reason: CloseReason): void {
    this.#stopping ??= reason;
    void this.#checkIdle();
  }

  /** Queues start requests (and sitemap seeds) that pass the filters. */
  async schedule(requests: readonly Request[]): Promise<void> {
    const accepted = this.#accept(requests, undefined);
    this.#queued(accepted.length, await this.#parts.scheduler.add(accepted));
  }

  /**
   * Drops what must not be crawled: bad URL or scheme without a download handler, out of scope, too deep. An
   * unknown handler is a spider bug.
   */
  #accept(requests: readonly Request[], parent: Request | undefined): Request[] {
    const { stats, allowedDomains, admit, limits, spider, events } = this.#parts;
    const accepted: Request[] = [];
    for (const request of requests) {
      const url = admit(request.url);
      if (typeof url !== 'string') {
        stats.error(url.code);
        events.emit('request:ignored', { request, reason: url.message, code: url.code });
        continue;
      }
      // A URL without a host (data:) reaches no site: no allowed-domains list applies to it.
      const host = hostOf(url);
      if (host !== undefined && !isInScope(host, allowedDomains)) {
        stats.counts.offsite++;
        continue;
      }
      if (request.depth > limits.maxDepth) {
        stats.counts.depthFiltered++;
        continue;
      }
      const trap = trapReason(url, limits.traps) ?? this.#hostBudget(url);
      if (trap) {
        stats.counts.trapFiltered++;
        events.emit('request:ignored', { request, reason: `${trap}: ${url}`, code: 'AR_TRAP' });
        continue;
      }
      if (!(request.handler in spider.handlers)) {
        const known = Object.keys(spider.handlers).join(', ');
        const from = parent ? ` (requested from ${parent.url})` : '';
        throw new ConfigError(
          `unknown handler "${request.handler}"${from}; the spider defines: ${known}`,
        );
      }
      accepted.push(url === request.url ? request : { ...request, url });
    }
    return accepted;
  }

  /** Counts what the frontier took out of `offered` accepted requests as new. */
  #queued(offered: number, queued: readonly Request[]): void {
    const { stats, events } = this.#parts;
    stats.counts.duplicatesFiltered += offered - queued.length;
    stats.queued += queued.length;
    for (const request of queued) events.emit('request:scheduled', { request });
  }

  /** 2. Hands ready requests to `handle` while global slots are free. */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    const { scheduler, limits, stats } = this.#parts;
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
          stats.queued--;
          stats.inFlight = this.#inFlight;
          void this.#handle(request);
        }
      } while (this.#pumpAgain);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#pumping = false;
    }
    await this.#checkIdle();
  }

  /** 3–6. Download, pass the page to its handler, route what the handler yields. */
  async #handle(request: Request): Promise<void> {
    const { download, stats, events, scheduler } = this.#parts;
    try {
      stats.counts.requests++;
      const response = await download(request);
      stats.response(response.status, response.body.length);
      events.emit('response:received', { request, response });
      if (!this.#retryStatus(request, response)) {
        if (response.redirects.length > 0 && !(await this.#firstVisit(request, response))) {
          await this.#complete(request, noOutcome);
        } else if (!this.#handles(response.status)) {
          await this.#onError(
            request,
            new HttpError(response.url, response.status, request.method),
          );
        } else {
          await this.#runHandler(request, new Page(request, response));
        }
      }
    } catch (error) {
      await this.#onError(request, error).catch((fatal) => this.#fail(fatal));
    } finally {
      this.#inFlight--;
      stats.inFlight = this.#inFlight;
      scheduler.release(request);
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
        if (isRequest(output)) children.push(output);
        else {
          const item = await this.#parts.items.process(output, request);
          if (item) items.push(item);
        }
      }
    } catch (error) {
      await this.#onError(request, error, { children: this.#accept(children, request), items });
      return;
    }
    await this.#complete(request, {
      children: this.#accept(this.#linkBudget(children), request),
      items,
    });
  }

  /** A page that links to more than the budget allows is probably generated: keep the first links only. */
  #linkBudget(children: Request[]): Request[] {
    const max = this.#parts.limits.traps.maxLinksPerPage;
    if (children.length <= max) return children;
    this.#parts.stats.counts.trapFiltered += children.length - max;
    return children.slice(0, max);
  }

  /** Counts requests accepted per host in this run; past the budget, a host gets no more. */
  #hostBudget(url: string): string | undefined {
    const max = this.#parts.limits.traps.maxPagesPerHost;
    if (max === Number.POSITIVE_INFINITY) return undefined;
    const host = hostOf(url) ?? '';
    const count = (this.#perHost.get(host) ?? 0) + 1;
    if (count > max) return `more than ${max} pages on ${host}`;
    this.#perHost.set(host, count);
    return undefined;
  }

  async #complete(request: Request, outcome: Outcome): Promise<void> {
    const { scheduler, items } = this.#parts;
    const queued = await scheduler.frontier.complete(request, outcome);
    this.#queued(outcome.children.length, queued);
    if (!scheduler.frontier.storesItems) items.write(outcome.items);
    if (items.failure) throw items.failure;
  }

  #handles(status: number): boolean {
    const handled = this.#parts.handleStatuses;
    return (status >= 200 && status < 300) || handled === 'all' || handled.includes(status);
  }

  /** A redirect may land on a page crawled already: its output would then be written twice. */
  async #firstVisit(request: Request, response: Response): Promise<boolean> {
    const url = canonicalizeUrl(response.url);
    if (url === undefined) return true;
    const fresh = await this.#parts.scheduler.frontier.markSeen({ ...request, url, method: 'GET' });
    if (!fresh) this.#parts.stats.counts.duplicatesFiltered++;
    return fresh;
  }

  /** Returns true when the response's status sends the request back for another attempt. */
  #retryStatus(request: Request, response: Response): boolean {
    if (!isRetryableStatus(response.status) || request.attempt >= this.#parts.limits.retries)
      return false;
    let delayMs = backoffDelayMs(request.attempt + 1);
    if (response.status === 429 || response.status === 503) {
      const retryAfter = parseRetryAfterMs(response.headers['retry-after']);
      if (retryAfter !== undefined) {
        delayMs = retryAfter;
        // Retry-After speaks for the whole host: hold back its other requests too, not the crawl.
        this.#parts.scheduler.backOff(hostOf(request.url) ?? '', Date.now() + retryAfter);
      }
    }
    this.#retry(request, new HttpError(response.url, response.status, request.method), delayMs);
    return true;
  }

  /**
   * Decides what a failure means: ignored (robots, offsite), a retry, fatal for the crawl, or a failed request.
   * `partial` is what a handler produced before it threw: kept unless the request is tried again.
   */
  async #onError(request: Request, error: unknown, partial: Outcome = noOutcome): Promise<void> {
    const { stats, events, limits, scheduler } = this.#parts;
    const err = error instanceof Error ? error : new Error(String(error));
    const code = isCrawlError(err) ? err.code : 'AR_HANDLER';
    if (code === 'AR_ROBOTS_DENIED' || code === 'AR_OFFSITE' || code === 'AR_IGNORED') {
      if (code === 'AR_ROBOTS_DENIED') stats.counts.robotsDenied++;
      else if (code === 'AR_OFFSITE') stats.counts.offsite++;
      events.emit('request:ignored', { request, reason: err.message, code });
      await this.#complete(request, noOutcome);
      return;
    }
    if (code === 'AR_CONFIG' || code === 'AR_STORAGE') {
      this.#fail(err);
      return;
    }
    const retryable = err instanceof RetryRequest || isRetryableError(err);
    if (retryable && request.attempt < limits.retries) {
      this.#retry(request, err, backoffDelayMs(request.attempt + 1));
      return;
    }
    if (err instanceof StopCrawl) {
      await this.#complete(request, partial);
      this.stop('stopped');
      return;
    }
    if (partial.items.length > 0 || partial.children.length > 0)
      await this.#complete(request, partial);
    stats.counts.failed++;
    stats.error(code);
    events.emit('request:failed', { request, error: err });
    await scheduler.frontier.fail(request, { code, message: err.message });
  }

  #retry(request: Request, error: Error, delayMs: number): void {
    const { stats, events, scheduler } = this.#parts;
    stats.counts.retries++;
    stats.queued++;
    events.emit('request:retried', { request, error, delayMs });
    scheduler.retryLater({ ...request, attempt: request.attempt + 1 }, delayMs);
  }

  #fail(error: unknown): void {
    this.#fatal ??= error instanceof Error ? error : new Error(String(error));
    this.stop('error');
  }

  /** 8. The crawl ends when nothing is queued, waiting for a retry, or in flight — or on a stop. */
  async #checkIdle(): Promise<void> {
    if (this.#inFlight > 0) return;
    if (this.#stopping) {
      this.#finished(this.#stopping);
      return;
    }
    const { scheduler } = this.#parts;
    if (scheduler.pendingRetries > 0) return;
    if ((await scheduler.frontier.size()) > 0) return;
    if (this.#inFlight > 0 || this.#pumping) return;
    // A shared crawl ends for everyone at once; if another worker added work meanwhile, keep polling.
    if (scheduler.frontier.shared && !(await scheduler.frontier.shared.finish())) return;
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
