/**
 * The `browser` rung: a download handler that renders pages in Chromium (playwright-core). Loaded by a dynamic
 * import only when a request asks for the browser, so a plain HTTP crawl never loads playwright-core.
 */
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
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
import { type ContextLease, type SessionRetirements, sessionContexts } from './session-contexts.js';

export interface BrowserHandlerOptions {
  /** The Chromium executable. @default '/usr/bin/chromium' */
  executablePath?: string;
  /** Pages rendered at once. @default 4 */
  concurrency?: number;
  /** Pages one context serves before a fresh one replaces it. @default 100 */
  recycleAfter?: number;
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
  /** The crawl's session pool: a request with a session gets that session's own context (session-contexts.ts). */
  sessions?: SessionRetirements;
}

/** The handler, plus what tests and stats need to see of its pool. */
export interface BrowserHandler extends DownloadHandler {
  /** Contexts created so far (recycling makes new ones). */
  readonly contextsCreated: number;
  /** The running browser, if one was launched and is still connected. */
  readonly browser: Browser | undefined;
  close(): Promise<void>;
}

const BLOCKED_TYPES = new Set(['image', 'font', 'media']);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];

type Lease = ContextLease;

export function browserHandler(options: BrowserHandlerOptions = {}): BrowserHandler {
  const executablePath = options.executablePath ?? '/usr/bin/chromium';
  const concurrency = options.concurrency ?? 4;
  const recycleAfter = options.recycleAfter ?? 100;
  const blockResources = options.blockResources ?? true;
  const allowPrivate = options.allowPrivate ?? true;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const egress = new EgressGuard({ allowPrivate, ...(options.allow && { allow: options.allow }) });

  let launching: Promise<Browser> | undefined;
  let running: Browser | undefined;
  let current: Lease | undefined;
  let contextsCreated = 0;
  let active = 0;
  let closed = false;
  const waiting: (() => void)[] = [];
  const perSession = sessionContexts(options.sessions, (held) => void closeContext(held));

  async function launch(): Promise<Browser> {
    if (!existsSync(executablePath)) {
      throw new ConfigError(
        `browserPath: no Chromium at ${executablePath} (install the Debian package chromium, or set browserPath)`,
      );
    }
    const browser = await chromium.launch({ executablePath, args: ARGS });
    running = browser;
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

  async function lease(request: Request): Promise<Lease> {
    const browser = await getBrowser();
    const bySession = perSession.leaseFor(browser, request);
    if (bySession) return bySession;
    if (!current || current.retired || current.browser !== browser) {
      // A fresh context per `recycleAfter` pages: one context reused for long grows without bound.
      const context = browser.newContext();
      context.catch(() => {}); // each user awaits it and sees the failure; this branch only keeps it handled
      current = { browser, context, served: 0, open: 0, retired: false };
      contextsCreated++;
    }
    const held = current;
    held.served++;
    held.open++;
    if (held.served >= recycleAfter) held.retired = true;
    return held;
  }

  async function giveBack(held: Lease): Promise<void> {
    held.open--;
    if (held.retired && held.open === 0) await closeContext(held);
  }

  async function closeContext(held: Lease): Promise<void> {
    const context = await held.context.catch(() => undefined);
    await context?.close().catch(() => {});
  }

  async function acquireSlot(): Promise<void> {
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

  /** Navigates; on success the page stays open (the response's `live`) until the response is released. */
  async function fetchPage(request: Request): Promise<Response> {
    const held = await lease(request);
    const started = performance.now();
    let page: BrowserPage | undefined;
    const letGo = async () => {
      await page?.close().catch(() => {});
      await giveBack(held);
    };
    try {
      page = await (await held.context).newPage();
      if (blockResources || !allowPrivate) await page.route('**/*', guard);
      if (!allowPrivate) {
        const host = new URL(request.url).hostname.replace(/^\[|\]$/g, '');
        if (isIP(host) && egress.denies(host)) throw new EgressDeniedError(host, host);
      }
      await page.setExtraHTTPHeaders(browserHeaders(request.headers));
      const main = await page.goto(request.url, { waitUntil: 'load', timeout: timeoutMs });
      if (!main) throw new BrowserError(`no main response for ${request.url}`);
      const selector = request.waitFor ?? options.waitFor;
      if (selector !== undefined) {
        await page.waitForSelector(selector, { state: 'attached', timeout: timeoutMs });
      }
      const redirects: string[] = [];
      for (let hop = main.request().redirectedFrom(); hop; hop = hop.redirectedFrom()) {
        redirects.unshift(hop.url());
      }
      const body = Buffer.from(await page.content(), 'utf8');
      const headers = await main.allHeaders();
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
        release: letGo,
      });
    } catch (error) {
      await letGo();
      throw translate(error, request.url);
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
      const browser = await launching?.catch(() => undefined);
      launching = undefined;
      running = undefined;
      current = undefined;
      await browser?.close().catch(() => {});
      await perSession.close();
    },
  };
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
