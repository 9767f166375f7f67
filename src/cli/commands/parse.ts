/**
 * `arachne parse URL --spider FILE`: runs one handler of a spider on one page, fetched as a crawl would fetch it
 * (same download chain: robots, cookies, cache, middlewares), and prints what the handler produced, like Scrapy's
 * `scrapy parse`. With `--depth N` the requests it yields are followed N levels down.
 */
import { createCrawler } from '../../crawler/crawler.js';
import { outputsOf } from '../../crawler/handler-outputs.js';
import { classifyOutput } from '../../crawler/output.js';
import type { Page } from '../../crawler/page.js';
import { createRequest, type JsonObject, type Request } from '../../crawler/request.js';
import type { Handler, Spider } from '../../crawler/spider.js';
import { noPageFetched } from '../../crawler/summary.js';
import { ConfigError } from '../../errors.js';
import { frontierBackends } from '../../frontier-backends.js';
import { type ItemIssue, ItemLoader, normaliseItemTypes } from '../../items/index.js';
import { loadSpider } from '../../loader/load-spider.js';
import type { Item } from '../../storage/sink.js';
import { httpUrlArgument } from '../http-url.js';
import { crawlFlagsHelp, parseCrawlArgs } from '../options.js';

export const parseHelp = `Usage: arachne parse <URL> --spider <spider.ts> [--handler NAME] [--data JSON] [--depth N] [crawl options]

Fetches one URL through the spider's download chain (robots.txt, cookies, --cache, its middlewares) and runs one
of its handlers on the page, then prints the items and the requests the handler produced (in colour on a
terminal). Nothing is written to an output: this is for developing and debugging a handler.

  --spider <file>     the spider file (required)
  --handler <name>    the handler to run on the page (default parse)
  --data <json>       a JSON object given to the handler as page.request.data
  --depth <n>         follow the yielded requests n levels down, printing each page's results (default 0)

${crawlFlagsHelp}

Exit codes: 0 the handler ran on the page, 1 the page could not be fetched or a handler threw,
2 usage or configuration error.`;

const ownFlags = ['spider', 'handler', 'data', 'depth'] as const;

export interface ParseOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export async function parseCommand(
  argv: string[],
  stdout: ParseOutput = process.stdout,
): Promise<number> {
  const args = parseCrawlArgs(argv, { ownFlags, positionals: true });
  if (args.help) {
    stdout.write(`${parseHelp}\n`);
    return 0;
  }
  const [url, ...extra] = args.positionals;
  if (url === undefined) throw new ConfigError('parse needs a URL (see arachne parse --help)');
  if (extra.length > 0)
    throw new ConfigError(`parse takes one URL, got ${args.positionals.length}`);
  httpUrlArgument(url, 'parsed');
  const spiderFile = args.own.spider;
  if (spiderFile === undefined) throw new ConfigError('parse needs --spider FILE');
  const handler = args.own.handler ?? 'parse';
  const data = parseData(args.own.data);
  const depth = parseDepth(args.own.depth);
  const spider = await loadSpider(spiderFile);
  if (!(handler in spider.handlers)) {
    throw new ConfigError(
      `spider "${spider.name}" has no handler "${handler}" (it has: ${Object.keys(spider.handlers).join(', ')})`,
    );
  }
  const printer = new ResultPrinter(stdout, colourWanted(stdout));
  const probe = probeSpider(spider, createRequest(url, { handler, data }), depth, printer);
  // Items are printed, not exported: the probe yields none, and no output (-o) is opened.
  const { output: _ignored, ...options } = args.options;
  const crawler = createCrawler(probe, {
    ...options,
    // The printed results are the point: the crawl's own "opened"/"closed" lines would only bury them.
    logLevel: options.logLevel ?? 'warn',
    frontiers: frontierBackends,
  });
  const stats = await crawler.run();
  const verdict = noPageFetched(stats);
  if (verdict) process.stderr.write(`arachne parse: ${verdict.reason}\n`);
  return verdict?.failed || printer.handlerFailed ? 1 : 0;
}

/**
 * The spider with its start replaced by the one request to parse and every handler wrapped: each prints what the
 * original produced and passes on only the requests still within `depth`, so the crawl stops there.
 */
function probeSpider(
  spider: Spider,
  start: Request,
  depth: number,
  printer: ResultPrinter,
): Spider {
  const handlers: Record<string, Handler> = {};
  // Typed items are shown as the crawl would write them: processed and validated, with what failed.
  const loader = new ItemLoader(normaliseItemTypes(spider.items ?? {}, `spider "${spider.name}"`));
  for (const [name, original] of Object.entries(spider.handlers)) {
    handlers[name] = (page) => printed(name, original, page);
  }
  async function* printed(name: string, original: Handler, page: Page) {
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
    printer.print(page, name, { items, invalid }, requests, failure);
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

/** Writes one block per page parsed: the page, then its items as JSON, then its requests. */
class ResultPrinter {
  handlerFailed = false;

  constructor(
    private readonly out: ParseOutput,
    private readonly colour: boolean,
  ) {}

  print(
    page: Page,
    handler: string,
    { items, invalid }: { items: Item[]; invalid: ItemIssue[][] },
    requests: Request[],
    failure: unknown,
  ): void {
    const paint = (code: string, text: string) =>
      this.colour ? `\x1b[${code}m${text}\x1b[0m` : text;
    const lines = [
      paint(
        '1',
        `>>> ${page.url}  [${page.status}]  handler ${handler}, depth ${page.request.depth}`,
      ),
      paint('36', `# Items (${items.length})`),
      ...items.map((item, index) => {
        const issues = invalid[index] ?? [];
        const json = paint(issues.length > 0 ? '31' : '32', JSON.stringify(item, null, 2));
        const notes = issues.map(({ field, message }) =>
          paint('31', `# invalid: ${field}: ${message}`),
        );
        return [json, ...notes].join('\n');
      }),
      paint('36', `# Requests (${requests.length})`),
      ...requests.map(
        (request) =>
          `${request.method} ${paint('33', request.url)} → ${request.handler}${Object.keys(request.data).length > 0 ? ` ${JSON.stringify(request.data)}` : ''}`,
      ),
    ];
    if (failure !== undefined) {
      this.handlerFailed = true;
      const message = failure instanceof Error ? failure.message : String(failure);
      lines.push(paint('31', `# Error: handler ${handler} threw: ${message.split('\n')[0]}`));
    }
    this.out.write(`${lines.join('\n')}\n\n`);
  }
}

/** Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org). */
function colourWanted(out: ParseOutput): boolean {
  return out.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

function parseData(text: string | undefined): JsonObject {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--data is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('--data must be a JSON object, e.g. \'{"page": 2}\'');
  }
  return value as JsonObject;
}

function parseDepth(text: string | undefined): number {
  if (text === undefined) return 0;
  const depth = Number(text);
  if (!Number.isInteger(depth) || depth < 0) {
    throw new ConfigError(`--depth must be a whole number ≥ 0, got "${text}"`);
  }
  return depth;
}
