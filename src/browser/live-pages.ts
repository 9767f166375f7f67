/**
 * What the browser rung knows about each live page it hands to a handler (where snapshots go, how many requests
 * are in flight), kept beside the Playwright page rather than inside it. No playwright-core at run time: the page
 * API imports the tools that read it only when a handler calls one.
 */

export interface LivePageInfo {
  /** Where `page.screenshot()` and `page.snapshot()` write. */
  snapshotDir: string;
  /** Requests the page has started and not finished: what `waitForNetworkIdle` waits to see at zero. */
  inflight: number;
  /** Called whenever `inflight` changes (network-idle waiters). */
  onNetwork: Set<() => void>;
}

const pages = new WeakMap<object, LivePageInfo>();

export function registerLivePage(page: object, snapshotDir: string): LivePageInfo {
  const info: LivePageInfo = { snapshotDir, inflight: 0, onNetwork: new Set() };
  pages.set(page, info);
  return info;
}

export function livePageInfo(page: object): LivePageInfo | undefined {
  return pages.get(page);
}

const handedOut = new WeakSet<object>();

/** A handler took the live page (`page.browser`): it may have changed it (listeners, routes), so it is not reused. */
export function markHandedOut(page: object): void {
  handedOut.add(page);
}

export function wasHandedOut(page: object): boolean {
  return handedOut.has(page);
}
