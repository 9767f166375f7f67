/**
 * The file each loaded spider came from. A crawl with `threads` > 1 has every worker thread load that file itself:
 * handlers are functions (often closures) and cannot be sent to another thread. Kept apart from load-spider.ts so
 * that the crawler can ask without loading the TypeScript compiler.
 */
import type { Spider } from '../crawler/spider.js';

const spiderFiles = new WeakMap<Spider, string>();

export function rememberSpiderFile(spider: Spider, file: string): void {
  spiderFiles.set(spider, file);
}

/** The absolute path of the file `spider` was loaded from by loadSpider, if it was. */
export function spiderFileOf(spider: Spider): string | undefined {
  return spiderFiles.get(spider);
}

/**
 * `spider` starting at other URLs (`--start`, a job's start), still known as loaded from its file: handler threads
 * load the file itself, and only the main thread reads `start`.
 */
export function withStart(spider: Spider, start: Spider['start']): Spider {
  const moved = { ...spider, start };
  const file = spiderFiles.get(spider);
  if (file !== undefined) spiderFiles.set(moved, file);
  return moved;
}
