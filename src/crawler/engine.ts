/**
 * The engine: moves requests from the scheduler through the download chain into the spider, and the spider's
 * outputs back to the scheduler (requests, after the request filters) with its items (after the pipelines).
 * It decides nothing else: filters, retry policy, frontier and stats each live in their own module, and the
 * engine tells the rest of the crawl what happened through events. See docs/architecture.md.
 */

import { ConfigError, HandlerTimeoutError, HttpError, isCrawlError, StopCrawl } from '../errors.js';
import type { Next } from '../http/compose.js';
import type { Response } from '../http/response.js';
import type { Item } from '../storage/sink.js';
import { canonicalizeUrl, hostOf } from '../url/canonical-url.js';
import { redactUrlsIn } from '../url/redact-url.js';
import type { CloseReason, CrawlEmitter } from './events.js';
import { HandlerFieldHints } from './field-hints.js';
import type { Outcome } from './frontier.js';
import { outputsOf } from './handler-outputs.js';
import type { ItemProcessor } from './item-processor.js';
import { sameOutputs } from './ladder/compare.js';
import type { Ladder } from './ladder/ladder.js';
import { classifyOutput } from './output.js';
import { Page, releaseParsed } from './page.js';
import type { Fetcher, Request } from './request.js';
import { isRejection, type RequestFilter } from './request-filters.js';
import type { CrawlRetryPolicy, RetryDecision } from './retry.js';
import type { Scheduler } from './scheduler.js';
import type { Spider } from './spider.js';
import type { HandlerThreads } from './threads/handler-threads.js';
import type { UrlSpaceGuard } from './url-spaces.js';

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
    /** Requests in flight at most; 0 for a coordinator of a shared crawl, which seeds and exports but fetches nothing. */
    concurrency: number;
    /** Browser pages rendered at once; the others wait without holding a crawl or host slot. */
    browserConcurrency: number;
    maxPages: number;
    /** Items written before the crawl closes with 'max-items'; later items of pages in flight are not written. */
    maxItems?: number;
    /** Time from run() until the crawl closes with 'max-time' (scheduling stops, pages in flight finish). */
    maxTimeMs?: number | undefined;
    /** Failed requests (after retries) before the crawl closes with 'max-errors'. */
    maxErrors?: number;
    /** Children kept from one page; the rest are dropped as a crawl-trap budget. */
    maxLinksPerPage: number;
    /**
     * Time a handler may take from its start until its last output is read; past it the request fails with
     * AR_HANDLER_TIMEOUT. 0 or absent: no limit.
     */
    handlerTimeoutMs?: number;
  };
  /** Statuses passed to handlers besides 2xx; 'all' passes every final response. */
  handleStatuses: readonly number[] | 'all';
  /**
   * The request as its rung sees it: `fetch` (and the browser's `waitFor`) filled in from its handler's options, the
   * spider and the crawl's `render`. The frontier keeps the request as the spider made it.
   */
  route?: (request: Request) => Request;
  /** Chooses the rung of `fetch: 'adaptive'` requests; without it they fail with AR_CONFIG. */
  ladder?: Ladder | undefined;
  /** Learns from handled pages which URL spaces are endless (its filter is one of `filters`). */
  urlSpaces?: UrlSpaceGuard | undefined;
  /**
   * Handler threads (`threads` > 1): pages fetched over plain HTTP are handled there; browser and script pages,
   * and pages compared across rungs, stay on this thread (their live page and rung state live here).
   */
  threads?: HandlerThreads | undefined;
}

/** A request routed to its rung, or why it could not be. */
type Routing = { routed: Request; error?: undefined } | { routed?: undefined; error: unknown };

/** Takes over a failure of one rung (true: the page was handled on a higher rung). */
type Escalate = (error: unknown) => Promise<boolean>;

interface Collected {
  children: Request[];
  items: Item[];
  /** What the handler threw, if it did; `children` and `items` hold what it yielded before. */
  error?: unknown;
  /** The page's visible-text hash, when a handler thread computed it for the URL-space guard. */
  textHash?: readonly number[];
}

/**
 * Failures that say the rung was too cheap for the page: the handler threw (an element the rung did not build), or
 * the rung itself failed the page (its scripts did not finish). Network errors and deliberate stops are the page's.
 */
function isRungFailure(error: unknown): boolean {
  if (error instanceof StopCrawl) return false;
  if (!isCrawlError(error)) return true;
  if (error.code.startsWith('AR_SCRIPT')) return true;
  return error.code === 'AR_HANDLER' || error.code === 'AR_BAD_OUTPUT';
}

export class Engine {
  readonly #parts: EngineParts;
  #inFlight = 0;
  #dispatched = 0;
  #stopping: CloseReason | undefined;
  #fatal: Error | undefined;
  #pumping = false;
  /** Items kept and requests failed so far, against `limits.maxItems` and `limits.maxErrors`. */
  #items = 0;
  #errors = 0;
  #maxTimer: NodeJS.Timeout | undefined;
  #pumpAgain = false;
  /** Browser pages in flight, against `limits.browserConcurrency`. */
  #browserActive = 0;
  /**
   * Leased browser pages waiting for a browser slot. They hold no crawl or host slot meanwhile, so HTTP pages keep
   * flowing while the browser is the bottleneck.
   */
  readonly #parked: Request[] = [];
  /** The timeouts (or, with no limit, keep-alive intervals) of the handler runs in flight; close() clears them. */
  readonly #handlerTimers = new Set<NodeJS.Timeout>();
  /** Ends each feed being read (a WebSocket connection): a stopping crawl does not wait for their bounds. */
  readonly #feeds = new Set<() => void>();
  /** What each handler's pages were read for, so later pages skip the DOM when a scan gives the same answers. */
  readonly #fieldHints = new HandlerFieldHints();
  #finished!: (reason: CloseReason) => void;
  /** A coordinator's look at the shared crawl (see run()). */
  #watchTimer: NodeJS.Timeout | undefined;
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
    const { maxTimeMs } = this.#parts.limits;
    if (maxTimeMs !== undefined) {
      // Unref'd: the crawl's own work keeps the process alive; this timer alone must not.
      this.#maxTimer = setTimeout(() => this.stop('max-time'), maxTimeMs).unref();
    }
    if (start) await this.schedule(start);
    // A coordinator leases nothing, so no lease wakes it up: it looks for the shared crawl's end on a timer.
    const pollMs = this.#parts.scheduler.pollMs;
    if (this.#parts.limits.concurrency === 0 && pollMs !== undefined) {
      this.#watchTimer = setInterval(() => void this.#checkIdle(), Math.max(pollMs, 250));
    }
    void this.#pump();
    return this.#done;
  }

  /** Stops scheduling; in-flight requests finish unless the caller gives up on them. */
  stop(reason: CloseReason): void {
    this.#stopping ??= reason;
    for (const end of this.#feeds) end();
    void this.#checkIdle();
  }

  /** Stops the crawl on an error that makes going on pointless (storage, configuration). */
  fail(error: unknown): void {
    this.#fatal ??= error instanceof Error ? error : new Error(String(error));
    this.stop('error');
  }

  /**
   * Clears the handler timers still pending, so that a crawl given up on (a signal's grace period ran out) does not
   * keep the process alive; the handler runs they bound are abandoned.
   */
  close(): void {
    clearTimeout(this.#maxTimer);
    clearInterval(this.#watchTimer);
    for (const timer of this.#handlerTimers) clearTimeout(timer);
    this.#handlerTimers.clear();
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

  #page(request: Request, response: Response): Page {
    return new Page(
      request,
      response,
      this.#parts.limits.maxLinksPerPage,
      this.#fieldHints.for(request.handler),
    );
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
          const request = this.#unpark() ?? (await scheduler.next());
          if (!request) break;
          const routing = this.#route(request);
          // Pinned to the browser rung (an adaptive page's rung is the ladder's, bounded by the browser's own queue).
          const inBrowser = routing.routed?.fetch === 'browser';
          if (inBrowser && this.#browserActive >= limits.browserConcurrency) {
            scheduler.release(request);
            this.#parked.push(request);
            continue;
          }
          this.#inFlight++;
          this.#dispatched++;
          if (inBrowser) this.#browserActive++;
          events.emit('request:started', { request });
          void this.#handle(request, routing, inBrowser);
        }
      } while (this.#pumpAgain);
    } catch (error) {
      this.fail(error);
    } finally {
      this.#pumping = false;
    }
    await this.#checkIdle();
  }

  /** A parked browser page, once a browser slot is free and its host can take it. */
  #unpark(): Request | undefined {
    if (this.#browserActive >= this.#parts.limits.browserConcurrency) return undefined;
    const index = this.#parked.findIndex((request) => this.#parts.scheduler.take(request));
    return index < 0 ? undefined : this.#parked.splice(index, 1)[0];
  }

  /** The request as its rung sees it (see `EngineParts.route`); a routing error is reported by #handle. */
  #route(request: Request): Routing {
    try {
      return { routed: this.#parts.route?.(request) ?? request };
    } catch (error) {
      return { error };
    }
  }

  /** 3–6. Download, pass the page to its handler, route what the handler yields. */
  async #handle(request: Request, routing: Routing, inBrowser: boolean): Promise<void> {
    const { events, scheduler } = this.#parts;
    // Every response this attempt downloaded: a browser page stays open for the handler (page.browser) until its
    // outcome is complete, and a comparison downloads one per rung.
    const responses: Response[] = [];
    try {
      if (!routing.routed) throw routing.error;
      const { routed } = routing;
      if (routed.fetch === 'adaptive') await this.#adaptive(request, routed, responses);
      else await this.#fetchAndHandle(request, routed, responses);
    } catch (error) {
      await this.#onError(request, error).catch((fatal) => this.fail(fatal));
    } finally {
      for (const response of responses) await response.release();
      this.#inFlight--;
      if (inBrowser) this.#browserActive--;
      scheduler.release(request);
      events.emit('request:settled', { request });
      void this.#pump();
    }
  }

  /**
   * 3–6 on one rung (`routed.fetch`). `escalate` may take over a failure of that rung: the ladder then retries the
   * page on the next rung up instead of counting a failure.
   */
  async #fetchAndHandle(
    request: Request,
    routed: Request,
    responses: Response[],
    escalate?: Escalate,
    downloaded?: Response,
  ): Promise<void> {
    let response: Response;
    try {
      response = downloaded ?? (await this.#download(routed, responses, true));
    } catch (error) {
      if (escalate && (await escalate(error))) return;
      throw error;
    }
    await this.#afterDownload(request, routed, response, async (page) => {
      if (response.feed) {
        await this.#feed(request, response.feed);
        return;
      }
      const out =
        this.#parts.threads && response.live === undefined && (routed.fetch ?? 'http') === 'http'
          ? await this.#inThread(this.#parts.threads, request, response)
          : await this.#collect(request, page);
      if (out.error !== undefined) {
        if (escalate && (await escalate(out.error))) return;
        // Kept only if the request is not retried: a retry discards them, and the filters and pipelines count
        // what they see (events, pages per host, items scraped).
        await this.#onError(request, out.error, () => this.#keep(request, out.children, out.items));
        return;
      }
      await this.#complete(
        request,
        await this.#keep(request, out.children, out.items, page, out.textHash),
        page,
      );
    });
  }

  async #download(routed: Request, responses: Response[], used: boolean): Promise<Response> {
    const response = await this.#parts.download(routed);
    responses.push(response);
    // A request without a rung goes over plain HTTP (the registry's default).
    const rung = routed.fetch ?? 'http';
    if (rung !== 'adaptive')
      this.#parts.events.emit('page:fetched', { request: routed, rung, used });
    return response;
  }

  /** Retry on status, a redirect onto a page seen already, an unhandled status: else `handle` gets the page. */
  async #afterDownload(
    request: Request,
    routed: Request,
    response: Response,
    handle: (page: Page) => Promise<void>,
  ): Promise<void> {
    const { events, retry } = this.#parts;
    events.emit('response:received', { request: routed, response });
    const again = retry.forResponse(routed, response);
    if (again) {
      await this.#retry(
        request,
        new HttpError(response.url, response.status, request.method),
        again,
      );
    } else if (response.redirects.length > 0 && !(await this.#firstVisit(request, response))) {
      await this.#complete(request, noOutcome);
    } else if (!this.#handles(response.status) && response.feed === undefined) {
      await this.#onError(request, new HttpError(response.url, response.status, request.method));
    } else {
      // The page carries the request as the spider made it: the rung chosen for this attempt is not inherited.
      await handle(this.#page(request, response));
    }
  }

  /**
   * A feed response (a WebSocket connection): the handler runs once per message. Each run's requests are queued at
   * once, so linked pages are fetched while the feed goes on; its items pass the pipelines at once too, and are
   * committed with the request when the feed ends (as a page's are with its page: a crawl resumed after a crash reads
   * the feed again, and writes nothing twice). The feed ends at its bounds, when the server closes, on a stop of the
   * crawl, or at a handler error, which then fails the request (keeping what earlier messages gave).
   */
  async #feed(request: Request, feed: AsyncIterable<Response>): Promise<void> {
    const { events, scheduler } = this.#parts;
    const messages = feed[Symbol.asyncIterator]();
    const end = () => void messages.return?.();
    this.#feeds.add(end);
    const items: Item[] = [];
    let failure: unknown;
    // 'max-pages' only stops scheduling: a feed in flight is read to its bounds, like a page in flight. Every other
    // stop ends the feeds (stop() ends those already read; this, one whose connection opened meanwhile).
    const cut = () => this.#stopping !== undefined && this.#stopping !== 'max-pages';
    try {
      while (!cut()) {
        let next: IteratorResult<Response>;
        try {
          next = await messages.next();
        } catch (error) {
          failure = error; // the connection broke (a message over maxBytes, a bad frame)
          break;
        }
        if (next.done) break;
        const part = next.value;
        events.emit('feed:message', { request, bytes: part.body.length });
        const page = this.#page(request, part);
        const out = await this.#collect(request, page);
        const outcome = await this.#keep(request, out.children, out.items, page);
        items.push(...outcome.items);
        if (outcome.children.length > 0) {
          this.#queued(outcome.children.length, await scheduler.add(outcome.children));
          void this.#pump();
        }
        if (out.error !== undefined) {
          failure = out.error;
          break;
        }
      }
    } finally {
      this.#feeds.delete(end);
      await messages.return?.();
    }
    const outcome: Outcome = { children: [], items };
    if (failure !== undefined) await this.#onError(request, failure, async () => outcome);
    else await this.#complete(request, outcome);
  }

  /** `fetch: 'adaptive'`: the ladder says which rung fetches this page, or which rungs to compare. */
  async #adaptive(request: Request, routed: Request, responses: Response[]): Promise<void> {
    const ladder = this.#parts.ladder;
    if (!ladder) throw new ConfigError(`fetch 'adaptive' needs a ladder: ${request.url}`);
    const key = ladder.keyOf(request.url, request.handler);
    const first = await ladder.plan(key, true);
    const held =
      first.kind === 'speculate'
        ? await this.#speculate({ ...routed, fetch: first.rung }, responses)
        : undefined;
    const plan = first.kind === 'speculate' ? await ladder.plan(key) : first;
    // A download made while the type learned is used if the type settled on its rung; else it only cost a fetch.
    const kept =
      held && plan.kind === 'fetch' && held.rung === plan.rung ? held.response : undefined;
    if (held) {
      this.#parts.events.emit('page:fetched', {
        request: { ...routed, fetch: held.rung },
        rung: held.rung,
        used: kept !== undefined,
        speculative: true,
      });
    }
    if (plan.kind === 'compare') {
      let compared = false;
      try {
        compared = await this.#compare(request, routed, key, plan, responses);
      } finally {
        if (plan.sample && !compared) ladder.abandoned(key);
      }
      return;
    }
    const escalate =
      (rung: Fetcher): Escalate =>
      async (error) => {
        if (!isRungFailure(error)) return false;
        const next = await ladder.failed(key, rung);
        if (next === undefined) return false;
        await this.#fetchAndHandle(request, { ...routed, fetch: next }, responses, escalate(next));
        return true;
      };
    await this.#fetchAndHandle(
      request,
      { ...routed, fetch: plan.rung },
      responses,
      escalate(plan.rung),
      kept,
    );
  }

  /**
   * A page of a learning type downloaded on the rung it will likely settle on, while its samples are compared.
   * Undefined when the download failed: the page is then fetched as the ladder decides, and fails (or escalates)
   * there.
   */
  async #speculate(
    routed: Request & { fetch: Fetcher },
    responses: Response[],
  ): Promise<{ rung: Fetcher; response: Response } | undefined> {
    try {
      const response = await this.#parts.download(routed);
      responses.push(response);
      return { rung: routed.fetch, response };
    } catch {
      return undefined;
    }
  }

  /**
   * Fetches the page on every rung of `rungs` at once and runs the handler on each; the last rung's (the
   * reference's) outcome is the one kept. The others only tell the ladder whether they matched it. False when the
   * comparison could not be made (the reference failed, was retried or redirected onto a page seen already).
   */
  async #compare(
    request: Request,
    routed: Request,
    key: string,
    { rungs, sample }: { rungs: readonly Fetcher[]; sample?: boolean },
    responses: Response[],
  ): Promise<boolean> {
    let compared = false;
    const last = rungs.length - 1;
    const downloads = await Promise.allSettled(
      rungs.map((rung, index) =>
        this.#download({ ...routed, fetch: rung }, responses, index === last),
      ),
    );
    const reference = downloads[last];
    const referenceRung = rungs[last];
    if (!reference || !referenceRung) throw new ConfigError('a comparison needs a reference rung');
    if (reference.status === 'rejected') throw reference.reason;
    const routedReference = { ...routed, fetch: referenceRung };
    await this.#afterDownload(request, routedReference, reference.value, async (page) => {
      const expected = await this.#collect(request, page);
      if (expected.error !== undefined) {
        await this.#onError(request, expected.error, () =>
          this.#keep(request, expected.children, expected.items),
        );
        return;
      }
      const matched = new Map<Fetcher, boolean>();
      for (const [index, rung] of rungs.entries()) {
        const download = downloads[index];
        if (index === last || !download) continue;
        if (download.status === 'rejected' || download.value.status !== reference.value.status) {
          matched.set(rung, false);
          continue;
        }
        const got = await this.#collect(request, this.#page(request, download.value));
        matched.set(rung, got.error === undefined && sameOutputs(got, expected));
      }
      compared = true;
      await this.#parts.ladder?.compared(key, matched, sample);
      await this.#complete(
        request,
        await this.#keep(request, expected.children, expected.items, page),
        page,
      );
    });
    return compared;
  }

  /**
   * Runs the handler to its end and sorts what it yielded; an error ends the run and is returned with the rest. A run
   * past `handlerTimeoutMs` ends with a HandlerTimeoutError: what it yields later is not read (its generator is
   * closed at its next yield).
   */
  async #collect(request: Request, page: Page): Promise<Collected> {
    const handler = this.#parts.spider.handlers[request.handler];
    if (!handler) throw new ConfigError(`unknown handler "${request.handler}"`);
    const children: Request[] = [];
    const items: Item[] = [];
    let open = true;
    let lastYield = performance.now();
    let sinceCheck = 0;
    const run = async () => {
      for await (const output of outputsOf(handler(page))) {
        if (!open) return;
        // A handler yielding 200,000 requests only awaits microtasks: let timers, signals and other hosts run.
        if (++sinceCheck >= 256) {
          sinceCheck = 0;
          if (performance.now() - lastYield > 20) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            lastYield = performance.now();
            if (!open) return;
          }
        }
        const sorted = classifyOutput(output, request.handler, request.url);
        if (sorted.kind === 'request') children.push(sorted.request);
        else items.push(sorted.item);
      }
    };
    try {
      await this.#bounded(run(), request);
    } catch (error) {
      return { children, items, error };
    } finally {
      open = false;
      releaseParsed(page);
    }
    return { children, items };
  }

  /**
   * The handler run on a handler thread (see `EngineParts.threads`); the thread applies `handlerTimeoutMs` itself.
   * The body is moved there unless the URL-space guard reads the page here afterwards.
   */
  #inThread(threads: HandlerThreads, request: Request, response: Response): Promise<Collected> {
    return threads.run(request, response, {
      linkBudget: this.#parts.limits.maxLinksPerPage,
      detach: this.#parts.urlSpaces === undefined,
      textHash: this.#parts.urlSpaces?.screens ?? false,
    });
  }

  /**
   * `run` or, past `handlerTimeoutMs`, a HandlerTimeoutError. The timer is ref'd while it waits: a handler that never
   * settles leaves nothing else in the event loop, and Node would exit (code 13, no stats, no export) instead of
   * failing the request. With no limit (0) an idle interval holds the process the same way: the crawl then waits for
   * the handler until it is stopped (Ctrl-C: the grace period runs out and close() clears the interval).
   */
  async #bounded(run: Promise<void>, request: Request): Promise<void> {
    const limit = this.#parts.limits.handlerTimeoutMs ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer =
        limit > 0
          ? setTimeout(
              () => reject(new HandlerTimeoutError(request.handler, request.url, limit)),
              limit,
            )
          : setInterval(() => {}, 1 << 30);
    });
    if (timer) this.#handlerTimers.add(timer);
    try {
      // A late rejection of `run` is handled by the race: no unhandled rejection once the timeout won.
      await Promise.race([run, timedOut]);
    } finally {
      clearTimeout(timer);
      if (timer) this.#handlerTimers.delete(timer);
    }
  }

  /**
   * The outcome of a handler run: its children within the link budget and past the filters, its items past the
   * pipelines.
   */
  async #keep(
    request: Request,
    children: Request[],
    items: Item[],
    page?: Page,
    textHash?: readonly number[],
  ): Promise<Outcome> {
    const kept: Item[] = [];
    const maxItems = this.#parts.limits.maxItems ?? Number.POSITIVE_INFINITY;
    for (const item of items) {
      // Past the cap an item is not even processed: pipelines and the item count see exactly maxItems.
      if (this.#items >= maxItems) break;
      const processed = await this.#parts.items.process(item, request);
      if (processed) kept.push(processed);
      if (processed && ++this.#items >= maxItems) this.stop('max-items');
    }
    let followed = this.#linkBudget(request, children);
    const spaces = this.#parts.urlSpaces;
    if (page && spaces) {
      followed = spaces.screen(
        page,
        followed,
        (child, trap, reason) =>
          this.#parts.events.emit('request:ignored', {
            request: child,
            code: 'AR_TRAP',
            reason,
            trap,
          }),
        textHash,
      );
    }
    return { children: this.#accept(followed, request), items: kept };
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
        trap: 'links-per-page',
      });
    }
    return children.slice(0, max);
  }

  /** Records the outcome; `page`, when the handler ran to its end, teaches the URL-space guard. */
  async #complete(request: Request, outcome: Outcome, page?: Page): Promise<void> {
    const queued = await this.#parts.scheduler.complete(request, outcome);
    this.#queued(outcome.children.length, queued);
    const cut = page && this.#parts.urlSpaces?.observe(page, queued);
    if (cut) this.#parts.events.emit('crawl:warning', { message: cut });
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
    if (!fresh) {
      this.#parts.events.emit('requests:deduplicated', { count: 1 });
      this.#parts.events.emit('redirect:to-seen', { request, url: response.url });
    }
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
    // The failure is kept (state file, Redis) and listed later: its message is text for a reader, so no credentials.
    // The request itself keeps them: --retry-failed fetches it again.
    await scheduler.fail(request, { code, message: redactUrlsIn(err.message) });
    if (++this.#errors >= (this.#parts.limits.maxErrors ?? Number.POSITIVE_INFINITY))
      this.stop('max-errors');
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
      clearTimeout(this.#maxTimer);
      clearInterval(this.#watchTimer);
      this.#finished(this.#stopping);
      return;
    }
    const { scheduler } = this.#parts;
    if (this.#parked.length > 0 || !(await scheduler.isDrained())) return;
    if (this.#inFlight > 0 || this.#pumping) return;
    // A shared crawl ends for everyone at once; if another worker added work meanwhile, keep polling.
    if (!(await scheduler.finish())) return;
    clearTimeout(this.#maxTimer);
    clearInterval(this.#watchTimer);
    this.#finished('finished');
  }
}
