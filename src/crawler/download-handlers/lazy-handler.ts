/** A download handler made on its first request, so a crawl that never needs its protocol never loads its code. */
import type { DownloadHandler } from './registry.js';

/**
 * Stands for the handler `make` builds (typically behind a dynamic `import()`), made once, on the first fetch; a
 * failed make is not kept, so the next request tries again. `close` closes it only if it was made.
 */
export function lazyHandler(name: string, make: () => Promise<DownloadHandler>): DownloadHandler {
  let made: Promise<DownloadHandler> | undefined;
  const handler = () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
  return {
    name,
    fetch: async (request, context) => (await handler()).fetch(request, context),
    async close() {
      const current = await made?.catch(() => undefined);
      await current?.close?.();
    },
  };
}
