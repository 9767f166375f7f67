/**
 * `browserSnapshotOnFailure` for handlers: a handler that throws on a live browser page has the page saved (a
 * screenshot and its HTML) before the page is released, and a warning names the files. The fetch side (a
 * navigation or `waitFor` that fails) is in handler.ts. No playwright-core here: page-tools is imported on failure.
 */
import { outputsOf } from '../crawler/handler-outputs.js';
import type { Spider } from '../crawler/spider.js';

export function snapshotFailures<K extends string>(
  spider: Spider<K>,
  warn: (message: string) => void,
): Spider<K> {
  const handlers = {} as Record<K, Spider<K>['handlers'][K]>;
  for (const [name, handler] of Object.entries(spider.handlers) as [
    K,
    Spider<K>['handlers'][K],
  ][]) {
    handlers[name] = async function* (page) {
      try {
        yield* outputsOf(handler(page));
      } catch (error) {
        const live = page.browser;
        if (live) {
          const { failureSnapshot } = await import('./page-tools.js');
          const saved = await failureSnapshot(live, page.url);
          if (saved) {
            const reason = error instanceof Error ? error.message : String(error);
            warn(
              `browser page failed in handler "${name}": ${page.url} (${reason}); screenshot ${saved.screenshot}, HTML ${saved.html}`,
            );
          }
        }
        throw error;
      }
    };
  }
  return { ...spider, handlers };
}
