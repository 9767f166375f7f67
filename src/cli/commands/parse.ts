/**
 * `arachne parse URL --spider FILE`: runs one handler of a spider on one page, fetched as a crawl would fetch it
 * (same download chain: robots, cookies, cache, middlewares), and prints what the handler produced, like Scrapy's
 * `scrapy parse`. With `--depth N` the requests it yields are followed N levels down.
 */
import { createRequest, type JsonObject } from '../../crawler/request.js';
import { noPageFetched } from '../../crawler/summary.js';
import { ConfigError } from '../../errors.js';
import { loadSpider } from '../../loader/load-spider.js';
import { httpUrlArgument } from '../http-url.js';
import { crawlFlagsHelp, parseCrawlArgs } from '../options.js';
import { runProbe } from '../probe.js';
import { colourWanted, type PrinterOutput, ResultPrinter } from '../result-printer.js';

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

export async function parseCommand(
  argv: string[],
  stdout: PrinterOutput = process.stdout,
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
  const { stats } = await runProbe(spider, createRequest(url, { handler, data }), {
    ...args.options,
    depth,
    onResult: ({ page, handler, items, requests, failure, invalid }) =>
      printer.print(page, handler, items, requests, failure, invalid),
  });
  const verdict = noPageFetched(stats);
  if (verdict) process.stderr.write(`arachne parse: ${verdict.reason}\n`);
  return verdict?.failed || printer.handlerFailed ? 1 : 0;
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
