/**
 * The `browser` rung: a download handler that renders pages in Chromium (playwright-core). Loaded by a dynamic
 * import only when a request asks for the browser, so a plain HTTP crawl never loads playwright-core.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import {
  type Browser,
  type Page as BrowserPage,
  chromium,
  errors as playwrightErrors,
  type Route,
} from 'playwright-core';
import type { DownloadHandler } from '../crawler/download-handlers/registry.js';
import type { Request } from '../crawler/request.js';
import { BrowserError, ConfigError, EgressDeniedError, TimeoutError } from '../errors.js';
import { EgressGuard } from '../http/egress-guard.js';
import { Response } from '../http/response.js';
import {
  FULL_CHROMIUM,
  HEADLESS_SHELL,
  installedChromium,
  isHeadlessShell,
} from './chromium-path.js';
import { IdleTimer } from './idle-timer.js';
import { wasHandedOut } from './live-pages.js';
import { MemoryWatch } from './memory-watch.js';
import { defaultSnapshotDir, failureSnapshot, requestsSettled, trackPage } from './page-tools.js';
import { type ContextLease, type SessionRetirements, sessionContexts } from './session-contexts.js';
import { urlBlocker } from './url-patterns.js';

export interface BrowserHandlerOptions {
  /** The Chromium executable. @default `/usr/bin/chromium-headless-shell` where installed, else `/usr/bin/chromium` */
  executablePath?: string;
  /** Pages rendered at once. @default 4 */
  concurrency?: number;
  /** Pages one context serves before a fresh one replaces it: reused tabs grow their renderers. @default 50 */
  recycleAfter?: number;
  /** Pages one browser serves before a freshly launched one replaces it (0: never). @default 1000 */
  relaunchAfter?: number;
  /** Skip images, fonts and media. @default true */
  blockResources?: boolean;
  /** false: every request a page makes to a private, loopback or link-local address is aborted. @default true */
  allowPrivate?: boolean;
  /** Addresses or CIDR ranges let through despite `allowPrivate: false` (as the HTTP rung's egress `allow`). */
  allow?: readonly string[];
  /** Navigation timeout per attempt, and the bound of `waitFor`. @default 30000 */
  timeoutMs?: number;
  /** A CSS selector waited for after load, for requests that name none. */
  waitFor?: string;
  /** URL patterns never requested (`*` any characters, matched anywhere in the URL): `['*.doubleclick.net', '/ads/']`. */
  blockUrls?: readonly string[];
  /** Where `page.screenshot()`, `page.snapshot()` and failure snapshots are written. @default 'snapshots' */
  snapshotDir?: string;
  /** A page whose navigation fails saves a screenshot and its HTML under `snapshotDir`. @default false */
  snapshotOnFailure?: boolean;
  /** The browser's memory (MB, its processes' PSS summed) above which the current context is replaced; 0: never. @default 1024 */
  maxMemoryMb?: number;
  /** Pages between two memory measurements. @default 20 */
  memoryCheckEvery?: number;
  /** Close the browser after this long with no page open (ms), to give its memory back; 0: never. @default 10000 */
  idleCloseMs?: number;
  /** The crawl's session pool: a request with a session gets that session's own context (session-contexts.ts). */
  sessions?: SessionRetirements;
  /**
   * TLS: `insecure` accepts any certificate, `minVersion` refuses older servers (Chromium flags, for every context).
   * Trusted CAs and client certificates are not applied: Chromium keeps its own trust store, and Playwright's
   * client certificates are bound to origins known in advance.
   */
  tls?: { insecure?: boolean; minVersion?: 'TLSv1.2' | 'TLSv1.3' };
}

/** The handler, plus what tests and stats need to see of its pool. */
export interface BrowserHandler extends DownloadHandler {
  /** Contexts created so far (recycling makes new ones). */
  readonly contextsCreated: number;
  /** The running browser, if one was launched and is still connected. */
  readonly browser: Browser | undefined;
  /** Browsers launched so far (a crash or an idle close makes the next request launch another). */
  readonly browsersLaunched: number;
  /** Contexts replaced because the browser's memory was over `maxMemoryMb`. */
  readonly memoryRecycles: number;
  /** The browser's memory (bytes, PSS summed) at the last measurement. */
  readonly lastRss: number | undefined;
  close(): Promise<void>;
}

const BLOCKED_TYPES = new Set(['image', 'font', 'media']);
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  // A reused tab would keep each page it navigated away from alive for going back, which a crawl never does.
  '--disable-features=BackForwardCache',
  // With the GPU off, the GPU process only composites in software: in the browser process it costs one process
  // and its IPC less (measured: about 10 % less Chromium CPU per page on the rendered shop).
  '--in-process-gpu',
];

type Lease = ContextLease;

/** Without `waitFor`, how long after load a page's requests in flight may take before it is read anyway. */
const SETTLE_MS = 2_000;

/**
 * The rendered document as `page.content()` serialises it, read in the page's own world: `content()` goes through
 * a utility world that costs about 0.1 s more per page (measured: 147 against 58 ms on a busy 2-core machine).
 */
const SERIALIZE =
  "(document.doctype ? new XMLSerializer().serializeToString(document.doctype) : '') + " +
  "(document.documentElement ? document.documentElement.outerHTML : '')";

export function browserHandler(options: BrowserHandlerOptions = {}): BrowserHandler {
  const tlsMinVersion = options.tls?.minVersion === 'TLSv1.3';
  const executablePath = options.executablePath ?? installedChromium({ tlsMinVersion });
  const concurrency = options.concurrency ?? 4;
  const recycleAfter = options.recycleAfter ?? 50;
  const blockResources = options.blockResources ?? true;
  const allowPrivate = options.allowPrivate ?? true;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const relaunchAfter = options.relaunchAfter ?? 1000;
  const egress = new EgressGuard({ allowPrivate, ...(options.allow && { allow: options.allow }) });
  const blockedUrl = urlBlocker(options.blockUrls ?? []);
  const snapshotDir = options.snapshotDir ?? defaultSnapshotDir;
  const routed = blockResources || !allowPrivate || blockedUrl !== undefined;
  const memory = new MemoryWatch(options.maxMemoryMb ?? 1024, options.memoryCheckEvery ?? 20);
  const idle = new IdleTimer(options.idleCloseMs ?? 10_000, () => closeIdle());
  let browsersLaunched = 0;
  /** Rejects when the browser disconnects: Playwright leaves some calls (newPage) pending forever after a kill. */
  const goneOf = new WeakMap<Browser, Promise<never>>();

  let launching: Promise<Browser> | undefined;
  let running: Browser | undefined;
  let current: Lease | undefined;
  let contextsCreated = 0;
  let active = 0;
  let closed = false;
  const waiting: (() => void)[] = [];
  /** Pages each browser served and has open: a browser past `relaunchAfter` is replaced, closed when idle. */
  const usage = new WeakMap<Browser, { served: number; open: number; retired: boolean }>();
  const perSession = sessionContexts(options.sessions, (held) => void closeContext(held));

  const tlsArgs = [
    ...(options.tls?.insecure ? ['--ignore-certificate-errors'] : []),
    ...(tlsMinVersion ? ['--ssl-version-min=tls1.3'] : []),
  ];
  // A renderer process per tab costs its own memory and start for no parallelism beyond the cores: tabs share
  // this many (measured on 2 cores, 8 tabs, limit 2: 1,057 instead of 1,679 MB summed RSS, 7.2 instead of 5.3
  // pages/s). Pages of different sites may then share a renderer: a crash there fails each of its pages.
  const rendererLimit = `--renderer-process-limit=${Math.max(2, Math.min(concurrency, availableParallelism()))}`;

  async function launch(): Promise<Browser> {
    if (tlsMinVersion && executablePath !== undefined && isHeadlessShell(executablePath)) {
      throw new ConfigError(
        `tlsMinVersion TLSv1.3 needs the full Chromium in the browser rung: the headless shell at ${executablePath} does not enforce it (install the Debian package chromium, or set browserPath to it)`,
      );
    }
    if (executablePath === undefined || !existsSync(executablePath)) {
      const wanted = tlsMinVersion ? FULL_CHROMIUM : `${HEADLESS_SHELL} or ${FULL_CHROMIUM}`;
      throw new ConfigError(
        `browserPath: no Chromium at ${executablePath ?? wanted} (install the Debian package ${tlsMinVersion ? 'chromium' : 'chromium-headless-shell or chromium'}, or set browserPath)`,
      );
    }
    const browser = await chromium.launch({
      executablePath,
      args: [...ARGS, rendererLimit, ...tlsArgs],
    });
    running = browser;
    browsersLaunched++;
    const gone = new Promise<never>((_, reject) => {
      browser.once('disconnected', () =>
        reject(new BrowserError('the browser went away (crashed, killed or closed)')),
      );
    });
    gone.catch(() => {}); // a browser closed with no page in flight fails nobody
    goneOf.set(browser, gone);
    // A crash or kill: forget it, so the next request launches a fresh one.
    browser.on('disconnected', () => {
      if (running !== browser) return; // an older browser closing late must not unseat its successor
      running = undefined;
      launching = undefined;
      current = undefined;
    });
    return browser;
  }

  function getBrowser(): Promise<Browser> {
    launching ??= launch().catch((error: unknown) => {
      launching = undefined;
      throw error;
    });
    return launching;
  }

  /** The browser for the next page: a fresh one once the current has served `relaunchAfter` pages. */
  async function browserForPage(): Promise<Browser> {
    let browser = await getBrowser();
    const used = usage.get(browser) ?? { served: 0, open: 0, retired: false };
    usage.set(browser, used);
    if (relaunchAfter > 0 && used.served >= relaunchAfter && running === browser) {
      // What a long-lived browser accumulates (caches, leaked renderer memory) goes with it.
      used.retired = true;
      running = undefined;
      launching = undefined;
      current = undefined;
      if (used.open === 0) void closeWithin(browser.close());
      browser = await getBrowser();
      usage.set(browser, { served: 0, open: 0, retired: false });
    }
    return browser;
  }

  async function lease(request: Request): Promise<Lease> {
    const browser = await browserForPage();
    const used = usage.get(browser);
    if (used) {
      used.served++;
      used.open++;
    }
    const bySession = perSession.leaseFor(browser, request);
    if (bySession) return bySession;
    if (!current || current.retired || current.browser !== browser) {
      // A fresh context per `recycleAfter` pages: one context reused for long grows without bound.
      const context = browser.newContext();
      context.catch(() => {}); // each user awaits it and sees the failure; this branch only keeps it handled
      current = { browser, context, served: 0, open: 0, retired: false, tabs: [] };
      contextsCreated++;
    }
    const held = current;
    held.served++;
    held.open++;
    if (held.served >= recycleAfter) held.retired = true;
    // Measured in the background: a context over the bound serves no more new pages, its open ones finish.
    memory.onPage(browser, () => {
      if (current === held) retire(held);
    });
    return held;
  }

  /** No new page goes to `held`; its context closes once its last open page is given back. */
  function retire(held: Lease): void {
    held.retired = true;
    if (held.open === 0) void closeContext(held);
  }

  async function closeContext(held: Lease): Promise<void> {
    const context = await held.context.catch(() => undefined);
    if (context) await closeWithin(context.close());
  }

  async function giveBack(held: Lease): Promise<void> {
    held.open--;
    if (held.retired && held.open === 0) await closeContext(held);
    const used = usage.get(held.browser);
    if (!used) return;
    used.open--;
    if (used.retired && used.open === 0) {
      usage.delete(held.browser);
      await closeWithin(held.browser.close());
    }
  }

  /** Nothing rendered for `idleCloseMs`: the browser goes, and the next request launches a fresh one. */
  async function closeIdle(): Promise<void> {
    if (active > 0 || closed) return;
    const browser = await launching?.catch(() => undefined);
    if (active > 0 || closed || running !== browser) return; // a request came in while it launched
    launching = undefined;
    running = undefined;
    current = undefined;
    await browser?.close().catch(() => {});
  }

  async function acquireSlot(): Promise<void> {
    idle.stop();
    if (active < concurrency) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }

  function releaseSlot(): void {
    const next = waiting.shift();
    if (next) next();
    else active--;
    if (active === 0) idle.start();
  }

  /**
   * The SSRF guard inside the browser, checked per request at route time: the host (or every address it resolves
   * to) must not be private. Chromium resolves again when it connects, so a DNS answer that changes in between is
   * not caught; the HTTP rung, which checks at connect time, is the stricter one.
   */
  async function guard(route: Route): Promise<void> {
    const request = route.request();
    if (blockResources && BLOCKED_TYPES.has(request.resourceType()))
      return route.abort('blockedbyclient');
    if (blockedUrl?.(request.url())) return route.abort('blockedbyclient');
    if (!allowPrivate) {
      const url = new URL(request.url());
      if (
        url.protocol === 'http:' ||
        url.protocol === 'https:' ||
        url.protocol === 'ws:' ||
        url.protocol === 'wss:'
      ) {
        const host = url.hostname.replace(/^\[|\]$/g, '');
        const addresses = isIP(host)
          ? [host]
          : await lookup(host, { all: true }).then(
              (found) => found.map((entry) => entry.address),
              () => [],
            );
        if (addresses.length === 0 || addresses.some((address) => egress.denies(address))) {
          return route.abort('addressunreachable');
        }
      }
    }
    return route.continue();
  }

  /** An open tab of `held`'s context to navigate again, if one is free. */
  function takeTab(held: Lease): BrowserPage | undefined {
    for (let tab = held.tabs.pop(); tab; tab = held.tabs.pop()) if (!tab.isClosed()) return tab;
    return undefined;
  }

  /** Navigates; on success the page stays open (the response's `live`) until the response is released. */
  async function fetchPage(request: Request): Promise<Response> {
    const held = await lease(request);
    const started = performance.now();
    let page: BrowserPage | undefined;
    const gone = goneOf.get(held.browser);
    /** Each step of the page ends when the browser does, whether Playwright notices or not. */
    const step = <T>(work: Promise<T>): Promise<T> => {
      if (!gone) return work;
      work.catch(() => {}); // lost the race: its late failure is nobody's
      return Promise.race([work, gone]);
    };
    /** A tab the handler left alone goes back to its context for the next page; any other closes. */
    const letGo = async (reusable: boolean) => {
      if (page && reusable && !held.retired && !page.isClosed() && !wasHandedOut(page))
        held.tabs.push(page);
      else if (page) await closeWithin(page.close());
      await giveBack(held);
    };
    try {
      page = takeTab(held);
      if (!page) {
        page = await step((async () => (await held.context).newPage())());
        trackPage(page, snapshotDir);
        if (routed) await step(page.route('**/*', guard));
      }
      if (!allowPrivate) {
        const host = new URL(request.url).hostname.replace(/^\[|\]$/g, '');
        if (isIP(host) && egress.denies(host)) throw new EgressDeniedError(host, host);
      }
      await step(page.setExtraHTTPHeaders(browserHeaders(request.headers)));
      const main = await step(page.goto(request.url, { waitUntil: 'load', timeout: timeoutMs }));
      if (!main) throw new BrowserError(`no main response for ${request.url}`);
      const selector = request.waitFor ?? options.waitFor;
      if (selector !== undefined) {
        await step(page.waitForSelector(selector, { state: 'attached', timeout: timeoutMs }));
      } else {
        await step(requestsSettled(page, SETTLE_MS));
      }
      const redirects: string[] = [];
      for (let hop = main.request().redirectedFrom(); hop; hop = hop.redirectedFrom()) {
        redirects.unshift(hop.url());
      }
      const body = Buffer.from(String(await step(page.evaluate<string>(SERIALIZE))), 'utf8');
      const headers = await step(main.allHeaders());
      // The body is the rendered DOM serialised as UTF-8: the server's encoding and length no longer describe it.
      delete headers['content-encoding'];
      delete headers['content-length'];
      headers['content-type'] = 'text/html; charset=utf-8';
      return new Response({
        url: page.url(),
        status: main.status(),
        headers,
        body,
        request,
        redirects,
        timings: {
          dnsMs: 0,
          connectMs: 0,
          tlsMs: 0,
          firstByteMs: 0,
          totalMs: performance.now() - started,
        },
        live: page,
        release: () => letGo(true),
      });
    } catch (error) {
      const failure = translate(error, request.url);
      // A page fails as soon as its browser starts closing, before Playwright reports the disconnect: wait for it,
      // so the retry of this request launches a fresh browser instead of failing again on the closing one.
      if (gone && isClosedTarget(error)) await closeWithin(gone.then(noop, noop), 1000);
      if (options.snapshotOnFailure && page) await noteSnapshot(failure, page, request.url);
      await letGo(false);
      throw failure;
    }
  }

  return {
    name: 'browser',
    get contextsCreated() {
      return contextsCreated;
    },
    get browser() {
      return running;
    },
    get browsersLaunched() {
      return browsersLaunched;
    },
    get memoryRecycles() {
      return memory.recycles;
    },
    get lastRss() {
      return memory.lastRss;
    },
    async fetch(request) {
      if (closed) throw new BrowserError(`browser closed before ${request.url}`);
      // The slot is held until the response is released, so browserConcurrency bounds the open pages.
      await acquireSlot();
      let response: Response;
      try {
        response = await fetchPage(request);
      } catch (error) {
        releaseSlot();
        throw error;
      }
      return response.with({
        release: async () => {
          try {
            await response.release();
          } finally {
            releaseSlot();
          }
        },
      });
    },
    async close() {
      closed = true;
      idle.stop();
      const browser = await launching?.catch(() => undefined);
      launching = undefined;
      running = undefined;
      current = undefined;
      await browser?.close().catch(() => {});
      await perSession.close();
    },
  };
}

/**
 * A close on a browser that was just killed can wait forever for an answer that never comes (seen with SIGKILL
 * while pages were opening): give up after a while, the process is gone either way, and the request must settle.
 */
async function closeWithin(closing: Promise<void>, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    closing.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** Saves what the failed page showed and names the files in the error, so the failure log says where they are. */
async function noteSnapshot(failure: unknown, page: BrowserPage, url: string): Promise<void> {
  const saved = await failureSnapshot(page, url);
  if (saved && failure instanceof Error) {
    failure.message += ` (screenshot ${saved.screenshot}, HTML ${saved.html})`;
  }
}

// Conditional headers would let Chromium show a 304 with no page in it: the browser always asks for the page.
const DROPPED_HEADERS = new Set([
  'if-none-match',
  'if-modified-since',
  'accept-encoding',
  'host',
  'content-length',
]);

function browserHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !DROPPED_HEADERS.has(name) && !isNavigationHeader(name),
    ),
  );
}

function noop(): void {}

/** Playwright's words for a page, context or browser closed under a call (the browser going away does this). */
function isClosedTarget(error: unknown): boolean {
  return error instanceof Error && /has been closed|went away|Browser closed/i.test(error.message);
}

/** Playwright's errors become the crawl's: a timeout is AR_TIMEOUT, a closed or crashed browser AR_BROWSER. */
function translate(error: unknown, url: string): unknown {
  if (
    error instanceof ConfigError ||
    error instanceof EgressDeniedError ||
    error instanceof BrowserError
  ) {
    return error;
  }
  if (error instanceof playwrightErrors.TimeoutError)
    return new TimeoutError(url, 'browser navigation', { cause: error });
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new BrowserError(`browser failed on ${url}: ${message}`);
}

/**
 * Headers Chromium sets per request by what the request is (a navigation, a script's fetch, an image): a session's
 * generated set describes a navigation, and forcing it onto every request of the page stalls its fetches.
 */
function isNavigationHeader(name: string): boolean {
  return name.startsWith('sec-fetch-') || name === 'upgrade-insecure-requests';
}
