/**
 * Runs one spider handler on one page, fetched as a crawl fetches it (the spider's whole download chain: robots,
 * scope, cookies, cache, its middlewares), and reports what the handler produced. The one fetch path of
 * `arachne parse` and `arachne check`.
 */
import { createCrawler, type RunOptions } from '../crawler/crawler.js';
import { outputsOf } from '../crawler/handler-outputs.js';
import { classifyOutput } from '../crawler/output.js';
import type { Page } from '../crawler/page.js';
import type { Request } from '../crawler/request.js';
import type { Handler, Spider } from '../crawler/spider.js';
import type { Stats } from '../crawler/stats.js';
import { frontierBackends } from '../frontier-backends.js';
import { type ItemIssue, ItemLoader, normaliseItemTypes } from '../items/index.js';
import type { Item } from '../storage/sink.js';

/** What a handler produced on one page; `failure` is what it threw, if it did. */
export interface ProbeResult {
  page: Page;
  handler: string;
  /** Items as the crawl would write them: typed items processed and validated (see `invalid`). */
  items: Item[];
  /** Per item, what failed its type's validation (empty for a valid or untyped item). */
  invalid: ItemIssue[][];
  requests: Request[];
  failure: unknown;
}

export interface ProbeRun {
  stats: Stats;
  /** Why the start request got no page, when it did not: the failure or refusal, with its code. */
  lost?: { code: string; message: string };
}

/**
 * Fetches `start` and runs its handler, then the handlers of the requests it yields while their depth is below
 * `depth`. Each page's result goes to `onResult`; no item is written anywhere (the spider's and the options'
 * `output` are dropped).
 */
export async function runProbe(
  spider: Spider,
  start: Request,
  options: RunOptions & { depth: number; onResult: (result: ProbeResult) => void },
): Promise<ProbeRun> {
  const { depth, onResult, output: _ignored, ...crawlOptions } = options;
  const crawler = createCrawler(probeSpider(spider, start, depth, onResult), {
    ...crawlOptions,
    // The printed results are the point: the crawl's own "opened"/"closed" lines would only bury them.
    logLevel: crawlOptions.logLevel ?? 'warn',
    frontiers: crawlOptions.frontiers ?? frontierBackends,
  });
  let lost: ProbeRun['lost'];
  crawler.on('request:failed', ({ request, error, code }) => {
    if (request.depth === 0) lost = { code, message: error.message };
  });
  crawler.on('request:ignored', ({ request, reason, code }) => {
    if (request.depth === 0) lost = { code, message: reason };
  });
  const stats = await crawler.run();
  return lost === undefined ? { stats } : { stats, lost };
}

/**
 * The spider with its start replaced by the one request to probe and every handler wrapped: each reports what the
 * original produced and passes on only the requests still within `depth`, so the crawl stops there.
 */
function probeSpider(
  spider: Spider,
  start: Request,
  depth: number,
  onResult: (result: ProbeResult) => void,
): Spider {
  const handlers: Record<string, Handler> = {};
  const loader = new ItemLoader(normaliseItemTypes(spider.items ?? {}, `spider "${spider.name}"`));
  for (const [name, original] of Object.entries(spider.handlers)) {
    handlers[name] = (page) => probed(name, original, page);
  }
  async function* probed(name: string, original: Handler, page: Page) {
    const items: Item[] = [];
    const invalid: ItemIssue[][] = [];
    const requests: Request[] = [];
    let failure: unknown;
    try {
      for await (const value of outputsOf(original(page))) {
        const output = classifyOutput(value, name, page.url);
        if (output.kind === 'request') {
          requests.push(output.request);
          continue;
        }
        const loaded = await loader.load(output.item);
        items.push(loaded.item);
        invalid.push(loaded.valid ? [] : loaded.issues);
      }
    } catch (error) {
      failure = error;
    }
    onResult({ page, handler: name, items, invalid, requests, failure });
    if (page.request.depth < depth) yield* requests;
  }
  const allowedDomains = spider.allowedDomains
    ? [...spider.allowedDomains, new URL(start.url).hostname]
    : undefined;
  // The spider's own `output` would be opened (and maybe truncated) for nothing.
  const { output: _ignored, ...options } = spider.options ?? {};
  return {
    ...spider,
    options,
    start: () => [start],
    handlers,
    ...(allowedDomains ? { allowedDomains } : {}),
  };
}
