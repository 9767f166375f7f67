/** createCrawler / crawl: wires options, frontier, scheduler, middlewares, transport and sinks into an Engine. */

import { snapshotFailures } from '../browser/failure-snapshots.js';
import { blockUrlList } from '../browser/url-patterns.js';
import { ConfigError, OutputClosedError } from '../errors.js';
import { DnsCache } from '../http/dns-cache.js';
import type { TransportOptions } from '../http/request.js';
import type { Response } from '../http/response.js';
import { insecureWarning, tlsSettingsFrom } from '../http/tls-files.js';
import { createTransport } from '../http/transport.js';
import { normaliseItemTypes } from '../items/index.js';
import { spiderFileOf } from '../loader/spider-files.js';
import { createDedupKey } from '../url/dedup-key.js';
import { defaultUserAgent } from '../version.js';
import { AutoThrottle, throttleStart } from './autothrottle/autothrottle.js';
import { measuredSend } from './autothrottle/measure.js';
import { crawlScope } from './crawl-scope.js';
import { openCrawlStore } from './crawl-store.js';
import { buildDownloadChain } from './download-chain.js';
import { dataHandler } from './download-handlers/data-handler.js';
import { fileHandler } from './download-handlers/file-handler.js';
import { ftpSource } from './download-handlers/ftp-source.js';
import { httpHandler } from './download-handlers/http-handler.js';
import { lazyHandler } from './download-handlers/lazy-handler.js';
import { mailHandlers } from './download-handlers/mail-schemes.js';
import {
  type DownloadHandlerMap,
  DownloadHandlerRegistry,
  type FetchContext,
} from './download-handlers/registry.js';
import { Engine } from './engine.js';
import { type CloseReason, CrawlEmitter, type CrawlEventName, type CrawlEvents } from './events.js';
import { dedupRulesOf } from './frontier.js';
import { type FrontierRegistry, frontierBackends } from './frontier-registry.js';
import { ItemProcessor } from './item-processor.js';
import { Ladder, type LadderStore } from './ladder/ladder.js';
import { withLinkRules } from './link-rules.js';
import { attachLogger, createLog } from './logger.js';
import { type CrawlOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { Fetcher, FetchMode, Request } from './request.js';
import { defaultFilters, logDedupKeys } from './request-filters.js';
import { CrawlRetryPolicy } from './retry.js';
import { type HostStats, Scheduler } from './scheduler.js';
import { crawlSessions } from './sessions/index.js';
import type { Spider } from './spider.js';
import { sshSettings } from './ssh-settings.js';
import { startRequests } from './start-requests.js';
import { type Stats, StatsCollector } from './stats.js';
import type { HandlerThreads } from './threads/handler-threads.js';
import { allowDeny } from './url-patterns.js';
import { UrlSpaceGuard } from './url-spaces.js';

export interface RunOptions extends CrawlOptions {
  /** Aborting stops scheduling; in-flight requests get `graceMs` to finish, then outputs are flushed. */
  signal?: AbortSignal;
  /** @default 5000 */
  graceMs?: number;
  /**
   * Queue the spider's start requests. Workers joining a shared crawl (`frontier`) set it to false: they take
   * their work from the frontier. @default true
   */
  seed?: boolean;
  /**
   * Fetch pages. A coordinator of a shared crawl (the server's side of a job run by `arachne worker` processes) sets
   * it to false: it seeds the crawl, writes the outputs from the shared items and ends with the crawl, fetching
   * nothing itself. Needs a shared frontier. @default true
   */
  work?: boolean;
  /** Where string `frontier` and `state` locations are looked up. @default frontierBackends */
  frontiers?: FrontierRegistry;
  /**
   * Download handlers by URL scheme, e.g. `{ 'ftp:': ftpHandler }`, over the built-in `http:`, `https:` and `data:`
   * ones (a handler given here replaces the built-in one). A URL whose scheme has none is refused with
   * AR_UNSUPPORTED_SCHEME.
   */
  downloadHandlers?: DownloadHandlerMap;
}

export interface Crawler {
  on<E extends CrawlEventName>(event: E, listener: (payload: CrawlEvents[E]) => void): Crawler;
  /** Runs the crawl to its end; resolves to the final stats, rejects on a fatal error (storage, configuration). */
  run(): Promise<Stats>;
  /** Live counters, for progress displays. */
  stats(): Stats;
  /** Live per-host politeness state (empty before the crawl starts). */
  hosts(): HostStats[];
  readonly options: ResolvedOptions;
}

/**
 * Prepares a crawl; call `run()` to start it.
 * @example
 * const crawler = createCrawler(spider, { output: 'items.jsonl' });
 * crawler.on('item:scraped', ({ item }) => console.log(item));
 * const stats = await crawler.run();
 */
export function createCrawler(spider: Spider, runOptions: RunOptions = {}): Crawler {
  const {
    signal,
    graceMs = 5000,
    seed = true,
    work = true,
    frontiers = frontierBackends,
    downloadHandlers = {},
    ...crawlOptions
  } = runOptions;
  const options = resolveOptions(defaultUserAgent, spider.options, crawlOptions);
  const events = new CrawlEmitter();
  const stats = new StatsCollector().observe(events);
  let scheduler: Scheduler | undefined;
  const crawler: Crawler = {
    options,
    on(event, listener) {
      events.on(event, listener);
      return crawler;
    },
    stats: () => stats.snapshot(),
    hosts: () => scheduler?.hostStats() ?? [],
    run: () =>
      runCrawl({
        spider,
        options,
        events,
        stats,
        signal,
        graceMs,
        seed,
        work,
        frontiers,
        downloadHandlers,
        onScheduler: (s) => (scheduler = s),
      }),
  };
  if (options.logLevel !== 'silent') attachLogger(crawler, createLog(options.logLevel));
  return crawler;
}

/**
 * Runs a spider to its end and resolves to the final stats. `spider` may be the path of a spider file (.ts or .js),
 * loaded as the CLI loads it: the form `threads` > 1 needs, since each handler thread loads the file itself.
 */
export async function crawl(spider: Spider | string, options: RunOptions = {}): Promise<Stats> {
  const loaded =
    typeof spider === 'string'
      ? await (await import('../loader/load-spider.js')).loadSpider(spider)
      : spider;
  return createCrawler(loaded, options).run();
}

interface RunParts {
  spider: Spider;
  options: ResolvedOptions;
  events: CrawlEmitter;
  stats: StatsCollector;
  signal: AbortSignal | undefined;
  graceMs: number;
  seed: boolean;
  work: boolean;
  frontiers: FrontierRegistry;
  downloadHandlers: DownloadHandlerMap;
  onScheduler: (scheduler: Scheduler) => void;
}

async function runCrawl({
  spider,
  options,
  events,
  stats,
  signal,
  graceMs,
  seed,
  work,
  frontiers,
  downloadHandlers,
  onScheduler,
}: RunParts): Promise<Stats> {
  const start = await startRequests(spider);
  if (start.length === 0 && seed)
    throw new ConfigError(`spider "${spider.name}" has no start URLs`);
  const inScope = crawlScope({
    startUrls: start.map((request) => request.url),
    spiderDomains: spider.allowedDomains,
    extraDomains: options.allowedDomains,
  });
  // Everything opened is closed in reverse order, on success and on failure alike.
  const opened: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<Error | undefined> => {
    let failure: Error | undefined;
    for (const close of opened.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        failure ??= error as Error;
      }
    }
    return failure;
  };
  let engine: Engine | undefined;
  let reason: CloseReason = 'error';
  const onAbort = () => engine?.stop('signal');
  try {
    const warn = (message: string) => events.emit('crawl:warning', { message });
    // Started first: the threads load the spider while the stores open.
    const threads = await openThreads(spider, options, warn);
    if (threads) opened.push(() => threads.close());
    const store = await openCrawlStore({
      registry: frontiers,
      context: { spider: spider.name, options, stats: () => stats.snapshot(), warn },
      // A reader that closed a stream output wants no more items: a quiet stop, not a failure.
      onExportFailure: (error) =>
        error instanceof OutputClosedError ? engine?.stop('output-closed') : engine?.fail(error),
    });
    opened.push(() => store.close());
    if (!work && !store.frontier.shared) {
      throw new ConfigError('a crawl that fetches nothing (work: false) needs a shared frontier');
    }
    if (store.frontier.shared?.finishedBefore) {
      reason = 'finished';
      return await finish();
    }
    // One cache for the crawl's connections: the egress guard wraps it, so it checks the address resolved.
    const dns = new DnsCache({
      ...(options.dns && { servers: options.dns }),
      prefer: options.dnsPrefer,
    });
    stats.attachDns(() => dns.stats());
    const tls = tlsSettingsFrom(options);
    if (options.insecure) {
      warn(insecureWarning);
      stats.markTlsInsecure();
    }
    const transport = createTransport({
      egress: { allowPrivate: options.allowPrivate },
      lookup: dns.lookup,
      http2: options.http2,
      ...(options.proxy !== undefined && { proxy: options.proxy }),
      ...(tls && { tls }),
    });
    // Closing the transport also cuts requests abandoned after the grace period, so the process can exit.
    opened.push(() => transport.close());
    const transportOptions: TransportOptions = {
      timeoutMs: options.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      maxBytes: options.maxBytes,
    };
    const http = httpHandler(transport, transportOptions);
    const websocket = lazyHandler('websocket', async () => {
      const { websocketHandler } = await import('./download-handlers/websocket-handler.js');
      return websocketHandler({
        maxMessages: options.wsMaxMessages,
        durationMs: options.wsDurationMs,
        send: options.wsSend,
        origin: options.wsOrigin,
        connectTimeoutMs: options.connectTimeoutMs,
        maxBytes: options.maxBytes,
        tls,
        allowPrivate: options.allowPrivate,
        proxied: options.proxy !== undefined,
      });
    });
    const sessions = await crawlSessions(options, spider);
    if (sessions) stats.attachSessions(() => sessions.snapshot());
    // basic-ftp itself is loaded by the first ftp: request.
    const ftp = ftpSource(options, tls);
    const handlers = new DownloadHandlerRegistry(
      {
        'http:': http,
        'https:': http,
        'data:': dataHandler(options),
        'sftp:': lazyHandler('sftp', async () => {
          const { sftpHandler } = await import('./download-handlers/sftp-handler.js');
          return sftpHandler({ ssh: sshSettings(options), ...transportOptions });
        }),
        'ftp:': ftp,
        'ftps:': ftp,
        // Local files are as private as it gets: a crawl that refuses private addresses (API jobs) has no file:.
        ...(options.allowPrivate && { 'file:': fileHandler(options) }),
        ...mailHandlers({ ...options, tls }),
        'ws:': websocket,
        'wss:': websocket,
        ...downloadHandlers,
      },
      {
        // A dynamic import: a crawl that never asks for the browser never loads playwright-core.
        browser: async () => {
          const { browserHandler } = await import('../browser/handler.js');
          return browserHandler({
            ...(options.browserPath !== undefined && { executablePath: options.browserPath }),
            concurrency: options.browserConcurrency,
            recycleAfter: options.browserRecycleAfter,
            relaunchAfter: options.browserRelaunchAfter,
            blockResources: options.blockResources,
            allowPrivate: options.allowPrivate,
            timeoutMs: options.timeoutMs,
            ...(spider.waitFor !== undefined && { waitFor: spider.waitFor }),
            ...(sessions?.pool && { sessions: sessions.pool }),
            blockUrls: blockUrlList(options.blockUrls),
            maxMemoryMb: options.browserMaxMemory,
            idleCloseMs: options.browserIdleClose,
            snapshotDir: options.browserSnapshotDir,
            snapshotOnFailure: options.browserSnapshotOnFailure,
            tls: { insecure: options.insecure, minVersion: options.tlsMinVersion },
          });
        },
        // Also a dynamic import (isolated-vm, esbuild). Made on first use, after the chain below exists: scripts'
        // own requests go down that chain, so they meet robots.txt, scope, the egress guard, cookies and cache, and
        // wait for their host's turn in the scheduler.
        script: async () => {
          const { scriptHandler } = await import('../script/handler.js');
          return scriptHandler({
            timeoutMs: options.scriptTimeoutMs,
            memoryMb: options.scriptMemoryMb,
            ...(options.scriptWorkers !== undefined && { workers: options.scriptWorkers }),
            userAgent: options.userAgent,
            page: (request: Request, context: FetchContext): Promise<Response> =>
              handlers.resolve(request).fetch(request, context),
            // Politeness too: each waits for its host's turn (delay, Crawl-delay, Retry-After back-off).
            subrequest: async (request) => {
              await scheduler.turn(request.url);
              return chain.download(request);
            },
            onSubrequest: (request, code) =>
              events.emit('script:request', { request, ...(code !== undefined && { code }) }),
          });
        },
      },
    );
    opened.push(() => handlers.close());
    const { perHost, delayMs, autothrottle } = options;
    const scheduler = new Scheduler(store.frontier, {
      perHost,
      delayMs,
      startSlot: autothrottle && throttleStart(autothrottle, perHost),
    });
    opened.push(async () => scheduler.close());
    onScheduler(scheduler);
    const throttle =
      autothrottle &&
      new AutoThrottle(autothrottle, perHost, scheduler, (host, state, detail) =>
        events.emit('autothrottle:adjusted', { host, ...state, ...detail }),
      );
    if (throttle) stats.attachAutothrottle(() => throttle.snapshot());
    // Only a throttled crawl pays for the measuring.
    const send = throttle ? measuredSend(handlers.fetch, throttle) : handlers.fetch;
    const chain = await buildDownloadChain({
      spider,
      options,
      inScope,
      send,
      scheduler,
      events,
      stats,
      sessions,
    });
    opened.push(() => chain.close());
    const items = new ItemProcessor({
      spider: spider.name,
      pipelines: spider.pipelines ?? [],
      events,
      // Checked again here: a spider object need not come from defineSpider.
      itemTypes: normaliseItemTypes(spider.items ?? {}, `spider "${spider.name}"`),
      invalidItems: options.invalidItems,
    });
    const urlSpaces = new UrlSpaceGuard(options.traps);
    engine = new Engine({
      spider: withLinkRules(
        options.browserSnapshotOnFailure ? snapshotFailures(spider, warn) : spider,
      ),
      scheduler,
      download: chain.download,
      items,
      events,
      filters: [
        ...defaultFilters({
          admit: (url) => handlers.admit(url),
          inScope,
          maxDepth: options.maxDepth,
          follows: allowDeny(options.allow, options.deny, 'crawl option'),
          traps: options.traps,
          urlSpaces: urlSpaces.enabled ? urlSpaces : undefined,
        }),
        ...(options.logLevel === 'debug'
          ? [logDedupKeys(createDedupKey(dedupRulesOf(options)), createLog('debug').debug)]
          : []),
      ],
      urlSpaces: urlSpaces.enabled ? urlSpaces : undefined,
      retry: new CrawlRetryPolicy(options.retries),
      limits: {
        concurrency: work ? options.concurrency : 0,
        browserConcurrency: options.browserConcurrency,
        maxPages: options.maxPages,
        maxItems: options.maxItems,
        maxTimeMs: options.maxTime,
        maxErrors: options.maxErrors,
        maxLinksPerPage: options.traps.maxLinksPerPage,
        handlerTimeoutMs: options.handlerTimeoutMs,
      },
      handleStatuses: spider.handleStatuses ?? [],
      route: routeByFetch(spider, options),
      ladder: await openLadder(spider, options, handlers.rungs, store.frontier.ladder, events),
      threads,
    });
    // A spider file that loads here but not in a thread fails the crawl before its first request.
    await threads?.ready();
    // First to close: handler timeouts still pending must not keep the process alive after the crawl.
    opened.push(async () => engine?.close());
    signal?.addEventListener('abort', onAbort, { once: true });
    events.emit('crawl:opened', { spider: spider.name });
    const seeds =
      seed && options.sitemaps && chain.robotsCache
        ? // Loaded on use: the sitemap reader (an XML parser) stays out of crawls that read no sitemaps.
          await (await import('./sitemap-seeds.js')).seedFromSitemaps({
            start,
            robotsCache: chain.robotsCache,
            download: chain.download,
            inScope,
            events,
          })
        : [];
    const run = engine.run(seed ? [...start, ...seeds] : undefined);
    reason = await (signal ? withGrace(run, signal, graceMs) : run);
    return await finish();
  } catch (error) {
    engine?.stop('error');
    stats.finish('error');
    await closeAll();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  async function finish(): Promise<Stats> {
    stats.finish(reason);
    const closeFailure = await closeAll();
    const failure = engine?.fatal ?? closeFailure;
    const final = stats.snapshot();
    events.emit('crawl:closed', { reason, stats: final });
    if (failure) throw failure;
    return final;
  }
}

/**
 * Fills in each request's rung from its handler's options, the spider and the crawl's `render` (`auto` is
 * `adaptive`), and the handler's `waitFor`; a request's own settings win. Requests already complete are passed as is.
 */
function routeByFetch(spider: Spider, options: ResolvedOptions): (request: Request) => Request {
  const crawlDefault: FetchMode = options.render === 'auto' ? 'adaptive' : options.render;
  return (request) => {
    // A feed (ws:, wss:) has no rendered page: one connection over its own handler, never a browser slot or a
    // comparison across rungs (each would be a connection of its own).
    if (request.url.startsWith('ws') && /^wss?:/.test(request.url)) {
      return request.fetch === undefined || request.fetch === 'http'
        ? request
        : { ...request, fetch: 'http' };
    }
    const byHandler = spider.handlerOptions?.[request.handler];
    const fetch = request.fetch ?? byHandler?.fetch ?? spider.fetch ?? crawlDefault;
    const waitFor = request.waitFor ?? byHandler?.waitFor;
    // Plain HTTP is what a request without a rung gets anyway: no copy on the hot path of a static crawl.
    if (
      waitFor === request.waitFor &&
      (fetch === request.fetch || (fetch === 'http' && !request.fetch))
    ) {
      return request;
    }
    return { ...request, fetch, ...(waitFor !== undefined && { waitFor }) };
  };
}

/**
 * Handler threads when `threads` asks for more than one and the spider came from a file; a spider object made in
 * this process cannot be moved to another thread (its handlers are closures), so it runs here, with a warning.
 */
async function openThreads(
  spider: Spider,
  options: ResolvedOptions,
  warn: (message: string) => void,
): Promise<HandlerThreads | undefined> {
  if (options.threads === 1) return undefined;
  const { HandlerThreads, threadCount } = await import('./threads/handler-threads.js');
  const size = threadCount(options.threads);
  if (size === 1) return undefined;
  const spiderFile = spiderFileOf(spider);
  if (spiderFile === undefined) {
    warn(
      `threads: ${size} needs a spider file (arachne crawl FILE, or crawl('spider.ts')); spider "${spider.name}" is an object of this process, so its handlers run on the main thread`,
    );
    return undefined;
  }
  return new HandlerThreads({
    spiderFile,
    size,
    handlerTimeoutMs: options.handlerTimeoutMs,
    warn,
  });
}

/** The adaptive ladder over the crawl's rungs, resumed from the frontier's store when it has one. */
async function openLadder(
  spider: Spider,
  options: ResolvedOptions,
  rungs: readonly Fetcher[],
  store: LadderStore | undefined,
  events: CrawlEmitter,
): Promise<Ladder> {
  const ladder = new Ladder({
    rungs,
    adaptive: {
      samples: options.adaptiveSamples,
      recheck: options.adaptiveRecheck,
      ...(options.adaptiveRecheckMin !== undefined && { recheckMin: options.adaptiveRecheckMin }),
      ...spider.adaptive,
    },
    store,
    onUpdate: (key, entry, from) => events.emit('ladder:updated', { key, entry, from }),
  });
  await ladder.load();
  return ladder;
}

/** After an abort, waits at most `graceMs` for in-flight requests, then gives up on them. */
async function withGrace<T>(
  run: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
): Promise<T | 'signal'> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const gaveUp = aborted.then(
    () => new Promise<'signal'>((resolve) => setTimeout(() => resolve('signal'), graceMs).unref()),
  );
  return Promise.race([run, gaveUp]);
}
