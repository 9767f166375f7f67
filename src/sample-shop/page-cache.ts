/** Rendered pages as ready-to-send Buffers: an LRU, or everything rendered up front for benchmarks. */
import type { Shop } from './generate.js';

export interface RenderedPage {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/** `'all'`: render every allowed page (and API document) before serving; a number: keep that many recent pages. */
export type CacheSetting = number | 'all';

/** Returns a lookup that renders on a miss; unknown paths give undefined and are not cached. */
export function createPageCache(
  shop: Shop,
  origin: string,
  setting: CacheSetting,
): (path: string) => RenderedPage | undefined {
  const pages = new Map<string, RenderedPage>();
  const capacity = setting === 'all' ? Number.POSITIVE_INFINITY : Math.max(0, setting);

  function render(path: string): RenderedPage | undefined {
    const page = shop.page(path, origin);
    return (
      page && { status: page.status, contentType: page.contentType, body: Buffer.from(page.body) }
    );
  }

  if (setting === 'all') {
    for (const path of [
      '/robots.txt',
      '/sitemap.xml',
      ...shop.allowedPaths(),
      ...shop.apiPaths(),
    ]) {
      const page = render(path);
      if (page) pages.set(path, page);
    }
  }

  return (path) => {
    const hit = pages.get(path);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      if (capacity !== Number.POSITIVE_INFINITY) {
        pages.delete(path);
        pages.set(path, hit);
      }
      return hit;
    }
    const page = render(path);
    if (page && capacity > 0) {
      pages.set(path, page);
      if (pages.size > capacity) {
        const oldest = pages.keys().next();
        if (!oldest.done) pages.delete(oldest.value);
      }
    }
    return page;
  };
}
