/** A download handler whose code is loaded on its first request: a crawl that never meets its scheme never pays. */
import type { DownloadHandler } from './registry.js';

/** Wraps `make` (a dynamic import and a factory call), run once; a failed load is tried again on the next request. */
export function lazyHandler(name: string, make: () => Promise<DownloadHandler>): DownloadHandler {
  let loading: Promise<DownloadHandler> | undefined;
  return {
    name,
    async fetch(request, context) {
      loading ??= make().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      return (await loading).fetch(request, context);
    },
    async close() {
      const handler = await loading?.catch(() => undefined);
      await handler?.close?.();
    },
  };
}
