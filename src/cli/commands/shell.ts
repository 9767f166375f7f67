/**
 * `arachne shell [URL]`: a REPL over a page fetched as a crawl fetches it (robots.txt, cookies, cache, the spider's
 * middlewares, sessions), to try selectors and handlers on it, like `scrapy shell`. Piped input runs line by line;
 * `-c EXPR` evaluates one expression and prints its value.
 */
import type { Readable, Writable } from 'node:stream';
import type { Spider } from '../../crawler/spider.js';
import { ConfigError } from '../../errors.js';
import { loadSpider } from '../../loader/load-spider.js';
import { display } from '../../shell/display.js';
import { evaluateExpression } from '../../shell/evaluate.js';
import { shellHistoryPath } from '../../shell/history-path.js';
import { createPageFetcher } from '../../shell/page-fetcher.js';
import { runReplSession } from '../../shell/repl-session.js';
import { shellGlobals } from '../../shell/shell-globals.js';
import { redactUrl, redactUrlsIn } from '../../url/redact-url.js';
import { httpUrlArgument } from '../http-url.js';
import { crawlFlagsHelp, parseCrawlArgs } from '../options.js';
import { colourWanted } from '../result-printer.js';

export const shellHelp = `Usage: arachne shell [URL] [--spider <spider.ts>] [--handler NAME] [-c EXPR] [crawl options]

Fetches URL through the download chain a crawl uses (robots.txt, cookies, --cache, sessions, the spider's
middlewares) and opens a JavaScript REPL to try selectors on it. In the REPL:

  page                 the Page handlers get: page.css('h1::text').get(), page.xpath('//a/@href').getAll(),
                       page.select('li'), page.text('h1'), page.attr('a', 'href'), page.links(), page.json()
  response, request    the page's response and request
  css(), xpath(), select()
                       the same on the page: xpath('//h1/text()').get(), css('a::attr(href)').getAll()
  fetch(url)           fetch another URL (or a page.follow() request) the same way; it becomes page
  view()               save the page's HTML to a temporary file and print its path
  spider, run(name)    with --spider: the spider, and a handler run on the page, printed as arachne parse does
  help()               what is available

Top-level await works; fetch(), run() and view() are waited for without it. Tab completes names and page methods.
History is kept in $ARACHNE_SHELL_HISTORY, else $XDG_STATE_HOME/arachne/shell_history, else
~/.arachne/shell_history. Without a terminal, expressions are read from stdin one line at a time and their
values printed; the shell exits at the end of the input.

  -c, --command <expr>  evaluate one expression (await allowed), print its value (strings unquoted) and exit
  --spider <file>       the spider whose download chain, options and handlers the shell uses
  --handler <name>      the handler the first page is fetched for (its rung, waitFor) and run() defaults to

${crawlFlagsHelp}

Exit codes: 0 the session ended (or -c printed its value), 1 the page could not be fetched or -c failed,
2 usage or configuration error.`;

const ownFlags = ['spider', 'handler', 'command'] as const;

/** Where the shell reads and writes; the CLI passes the process streams. */
export interface ShellStreams {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
}

export async function shellCommand(
  argv: string[],
  streams: ShellStreams = process,
): Promise<number> {
  const args = parseCrawlArgs(withLongCommandFlag(argv), { ownFlags, positionals: true });
  const { stdout } = streams;
  if (args.help) {
    stdout.write(`${shellHelp}\n`);
    return 0;
  }
  const [url, ...extra] = args.positionals;
  if (extra.length > 0)
    throw new ConfigError(`shell takes one URL, got ${args.positionals.length}`);
  if (url !== undefined) httpUrlArgument(url, 'fetched');
  const command = args.own.command;
  if (command !== undefined && url === undefined)
    throw new ConfigError('-c needs a URL to evaluate the expression on');
  const spider: Spider | undefined =
    args.own.spider === undefined ? undefined : await loadSpider(args.own.spider);
  const handler = args.own.handler;
  if (handler !== undefined && !(spider && handler in spider.handlers)) {
    throw new ConfigError(
      spider
        ? `spider "${spider.name}" has no handler "${handler}" (it has: ${Object.keys(spider.handlers).join(', ')})`
        : '--handler needs --spider',
    );
  }
  const fetcher = createPageFetcher(spider, args.options);
  // A page that cannot be fetched ends here, in one line and exit code 1, as in arachne parse.
  const page =
    url === undefined
      ? undefined
      : await fetcher.fetch(url, handler === undefined ? {} : { handler });
  const colour = colourWanted(stdout);
  const globals = shellGlobals({ fetcher, page, spider, out: stdout, colour });

  if (command !== undefined) {
    try {
      const value = await evaluateExpression(command, globals);
      if (value !== undefined) stdout.write(`${display(value, { colors: colour, raw: true })}\n`);
      return 0;
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      streams.stderr.write(`arachne shell: ${redactUrlsIn(message ?? '')}\n`);
      return 1;
    }
  }
  await runReplSession(globals, {
    input: streams.stdin,
    output: stdout,
    historyPath: shellHistoryPath(),
    colour: stdout.isTTY === true && colour,
    banner: page
      ? `arachne shell: ${page.status} ${redactUrl(page.url)} is \`page\`. help() lists what is at hand.`
      : 'arachne shell: no page yet; fetch(url) gets one. help() lists what is at hand.',
  });
  return 0;
}

/**
 * `-c EXPR` as `--command EXPR`: the crawl flag parser takes long names only for a command's own flags. Stops at
 * `--`, after which everything is a positional.
 */
function withLongCommandFlag(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  const rest = end === -1 ? [] : argv.slice(end);
  return [...flags.map((arg) => (arg === '-c' ? '--command' : arg)), ...rest];
}
