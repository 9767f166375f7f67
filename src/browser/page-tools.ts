/**
 * The helpers every browser handler needs (wait, scroll, screenshot, snapshot), over a live Playwright page.
 * Loaded by `Page`'s methods on first use, so a crawl that never calls one never loads this module.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page as BrowserPage } from 'playwright-core';
import { BrowserError, TimeoutError } from '../errors.js';
import { redactUrl } from '../url/redact-url.js';
import { type LivePageInfo, livePageInfo, registerLivePage } from './live-pages.js';

/** The default of `browserSnapshotDir`. */
export const defaultSnapshotDir = 'snapshots';

/** Registers the page and counts its requests in flight, for `waitForNetworkIdle`. */
export function trackPage(page: BrowserPage, snapshotDir: string): LivePageInfo {
  const info = registerLivePage(page, snapshotDir);
  const changed = (by: number) => {
    info.inflight = Math.max(0, info.inflight + by);
    for (const listener of info.onNetwork) listener();
  };
  page.on('request', () => changed(1));
  page.on('requestfinished', () => changed(-1));
  page.on('requestfailed', () => changed(-1));
  return info;
}

export interface WaitOptions {
  /** @default 30000 */
  timeoutMs?: number;
}

/** Resolves once `selector` is in the DOM; AR_TIMEOUT after `timeoutMs`. */
export async function waitForSelector(
  page: BrowserPage,
  selector: string,
  { timeoutMs = 30_000 }: WaitOptions = {},
): Promise<void> {
  try {
    await page.waitForSelector(selector, { state: 'attached', timeout: timeoutMs });
  } catch (error) {
    throw timeoutOr(error, page.url(), `waiting for ${selector}`);
  }
}

/**
 * Resolves once the page has no request in flight, or after `maxMs`: what a page's scripts fetched while it loaded
 * (data for the content they build) is in before the page is read. Never rejects — a page that keeps a request open
 * (long polling, a stream) is read as it is then.
 */
export function requestsSettled(page: BrowserPage, maxMs: number): Promise<void> {
  const info = livePageInfo(page);
  if (!info || info.inflight === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(deadline);
      info.onNetwork.delete(check);
      resolve();
    };
    const check = () => {
      if (info.inflight === 0) done();
    };
    const deadline = setTimeout(done, maxMs);
    info.onNetwork.add(check);
  });
}

export interface NetworkIdleOptions extends WaitOptions {
  /** How long no request may be in flight. @default 500 */
  idleMs?: number;
}

/**
 * Resolves once the page has had no request in flight for `idleMs` (Playwright's `networkidle` only holds for
 * the first load; this works after a click or a scroll too); AR_TIMEOUT after `timeoutMs`.
 */
export function waitForNetworkIdle(
  page: BrowserPage,
  { timeoutMs = 30_000, idleMs = 500 }: NetworkIdleOptions = {},
): Promise<void> {
  const info = livePageInfo(page);
  if (!info) return page.waitForLoadState('networkidle', { timeout: timeoutMs });
  return new Promise<void>((resolve, reject) => {
    let quiet: NodeJS.Timeout | undefined;
    const done = (error?: Error) => {
      clearTimeout(quiet);
      clearTimeout(deadline);
      info.onNetwork.delete(check);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      clearTimeout(quiet);
      quiet = info.inflight === 0 ? setTimeout(() => done(), idleMs) : undefined;
    };
    const deadline = setTimeout(
      () => done(new TimeoutError(page.url(), 'waiting for network idle')),
      timeoutMs,
    );
    info.onNetwork.add(check);
    check();
  });
}

export interface ScrollOptions {
  /** Scrolls at most. @default 20 */
  maxScrolls?: number;
  /** Total time at most. @default 30000 */
  maxMs?: number;
  /** How long to wait for the page to grow after a scroll before deciding it is done. @default 1000 */
  settleMs?: number;
}

export interface ScrollResult {
  scrolls: number;
  /** The document's final scroll height in pixels. */
  height: number;
  /** What ended it: the page stopped growing, or a bound was reached. */
  stoppedBy: 'height' | 'max-scrolls' | 'max-time';
}

/**
 * Scrolls to the bottom until the page stops growing (no new height within `settleMs`) or a bound is reached;
 * never rejects on the bounds, so a page that loads forever still ends.
 */
export async function infiniteScroll(
  page: BrowserPage,
  { maxScrolls = 20, maxMs = 30_000, settleMs = 1000 }: ScrollOptions = {},
): Promise<ScrollResult> {
  const started = performance.now();
  // Strings, evaluated in the page: this module is compiled without the DOM's types.
  const heightNow = () => page.evaluate<number>('document.documentElement.scrollHeight');
  let height = await heightNow();
  let scrolls = 0;
  for (;;) {
    if (scrolls >= maxScrolls) return { scrolls, height, stoppedBy: 'max-scrolls' };
    const left = maxMs - (performance.now() - started);
    if (left <= 0) return { scrolls, height, stoppedBy: 'max-time' };
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    scrolls++;
    const wait = Math.min(settleMs, left);
    const grew = await page
      .waitForFunction(`document.documentElement.scrollHeight > ${height}`, undefined, {
        timeout: wait,
        polling: 50,
      })
      .then(
        () => true,
        () => false,
      );
    const after = await heightNow();
    if (!grew) {
      return {
        scrolls,
        height: after,
        stoppedBy: performance.now() - started >= maxMs ? 'max-time' : 'height',
      };
    }
    height = after;
  }
}

/** A screenshot (full page, PNG) under the snapshot dir; resolves to its path. */
export async function screenshot(page: BrowserPage, name?: string): Promise<string> {
  const path = await target(page, name, 'png');
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The current DOM, serialised, under the snapshot dir; resolves to its path. */
export async function snapshot(page: BrowserPage, name?: string): Promise<string> {
  const path = await target(page, name, 'html');
  await writeFile(path, await page.content());
  return path;
}

/** Both, for a page whose fetch or handler failed; undefined when the page is gone (a crash) or a write fails. */
export async function failureSnapshot(
  page: BrowserPage,
  url: string,
): Promise<{ screenshot: string; html: string } | undefined> {
  if (page.isClosed()) return undefined;
  const name = `failed-${nameFor(url)}`;
  try {
    const html = await snapshot(page, name);
    return { screenshot: await screenshot(page, name), html };
  } catch {
    return undefined;
  }
}

/** `host_path-<hash>`: readable, safe in a file name, distinct for distinct URLs, never showing credentials. */
export function nameFor(fetched: string): string {
  const url = redactUrl(fetched);
  const hash = createHash('sha1').update(url).digest('hex').slice(0, 8);
  const readable = url
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/[^a-z0-9.-]+/gi, '_')
    .slice(0, 80);
  return `${readable}-${hash}`;
}

async function target(page: BrowserPage, name: string | undefined, ext: string): Promise<string> {
  if (page.isClosed()) throw new BrowserError(`the page is closed: ${page.url()}`);
  const dir = livePageInfo(page)?.snapshotDir ?? defaultSnapshotDir;
  await mkdir(dir, { recursive: true });
  const base = name === undefined ? nameFor(page.url()) : name.replace(/[/\\]/g, '_');
  return join(dir, `${base}.${ext}`);
}

function timeoutOr(error: unknown, url: string, phase: string): unknown {
  if (error instanceof Error && error.name === 'TimeoutError')
    return new TimeoutError(url, phase, { cause: error });
  return error;
}
