/**
 * A browser context per session: made with the session's proxy and User-Agent (its other headers go with each
 * page, as for every browser request), so a session looks the same over HTTP and in the browser, and its cookies
 * and storage stay apart from the other sessions'. Closed when the pool retires the session.
 */
import type {
  Browser,
  BrowserContext,
  BrowserContextOptions,
  Page as BrowserPage,
} from 'playwright-core';
import type { Request } from '../crawler/request.js';
import { isSocksProxy, parseProxyUrl } from '../http/proxy-url.js';
import { type SocksRelay, startSocksRelay } from './socks-relay.js';

/** The handler's unit of context reuse; a session's lease is never recycled by page count, only by retirement. */
export interface ContextLease {
  browser: Browser;
  /** A promise, so requests that arrive together share the context instead of each making one. */
  context: Promise<BrowserContext>;
  served: number;
  open: number;
  retired: boolean;
  /**
   * Tabs of this context between two pages: navigating an open tab reuses its renderer process, where a new tab
   * starts one (measured: 100 pages in 9.5 s in four reused tabs, 40 pages in 14 s with a tab each).
   */
  tabs: BrowserPage[];
}

/** What the browser rung needs of the session pool: word of retired sessions. */
export interface SessionRetirements {
  onRetire(listener: (session: { readonly id: string }) => void): void;
}

export interface SessionContexts {
  /** The lease of the request's session on `browser`, or undefined for a request without a session. */
  leaseFor(browser: Browser, request: Request): ContextLease | undefined;
  /** Closes the relays (contexts close with their browser). */
  close(): Promise<void>;
}

/**
 * @param close closes a lease's context once its pages are done (the handler's own giveBack logic).
 */
export function sessionContexts(
  sessions: SessionRetirements | undefined,
  close: (lease: ContextLease) => void,
): SessionContexts {
  const leases = new Map<string, ContextLease & { proxy: string | undefined }>();
  const relays = new Map<string, Promise<SocksRelay>>();
  sessions?.onRetire(({ id }) => {
    const lease = leases.get(id);
    if (lease === undefined) return;
    leases.delete(id);
    lease.retired = true;
    if (lease.open === 0) close(lease);
  });

  /** Playwright's proxy setting for a proxy URL; SOCKS5 with credentials goes through a local relay. */
  async function proxyOption(raw: string): Promise<NonNullable<BrowserContextOptions['proxy']>> {
    const url = parseProxyUrl(raw);
    // Chromium bypasses the proxy for loopback by default; `<-loopback>` removes that implicit rule.
    const bypass = '<-loopback>';
    if (isSocksProxy(url)) {
      if (url.username === '') return { server: `socks5://${url.host}`, bypass };
      let relay = relays.get(raw);
      if (relay === undefined) {
        relay = startSocksRelay(url);
        relays.set(raw, relay);
      }
      return { server: (await relay).url, bypass };
    }
    return {
      server: `${url.protocol}//${url.host}`,
      bypass,
      ...(url.username !== '' && {
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      }),
    };
  }

  async function newContext(browser: Browser, request: Request): Promise<BrowserContext> {
    const userAgent = request.headers['user-agent'];
    return browser.newContext({
      ...(userAgent !== undefined && { userAgent }),
      ...(request.proxy !== undefined && { proxy: await proxyOption(request.proxy) }),
    });
  }

  return {
    leaseFor(browser, request) {
      const id = request.session;
      if (id === undefined) return undefined;
      let lease = leases.get(id);
      if (lease !== undefined && lease.proxy !== request.proxy) {
        // The session moved to another proxy tier: a context's proxy is fixed, so it gets a new one.
        lease.retired = true;
        if (lease.open === 0) close(lease);
        lease = undefined;
      }
      if (lease === undefined || lease.browser !== browser) {
        const context = newContext(browser, request);
        context.catch(() => {}); // each user awaits it and sees the failure
        lease = {
          browser,
          context,
          served: 0,
          open: 0,
          retired: false,
          tabs: [],
          proxy: request.proxy,
        };
        leases.set(id, lease);
      }
      lease.served++;
      lease.open++;
      return lease;
    },
    async close() {
      leases.clear();
      const started = [...relays.values()];
      relays.clear();
      await Promise.all(
        started.map((relay) => relay.then((running) => running.close()).catch(() => {})),
      );
    },
  };
}
