/** `arachne crawl <spider.ts | URL...>`: runs a spider file, or crawls a site with no code. */
import { writeFile } from 'node:fs/promises';
import { sizeHeapForCrawl } from '../../crawler/crawl-heap.js';
import { createCrawler } from '../../crawler/crawler.js';
import { createLog } from '../../crawler/logger.js';
import type { CrawlOptions, ResolvedOptions } from '../../crawler/options.js';
import { siteSpider } from '../../crawler/site-spider.js';
import type { Spider } from '../../crawler/spider.js';
import type { Stats } from '../../crawler/stats.js';
import { noPageFetched, summary } from '../../crawler/summary.js';
import { ConfigError } from '../../errors.js';
import { frontierBackends } from '../../frontier-backends.js';
import { loadSpider } from '../../loader/load-spider.js';
import { withStart } from '../../loader/spider-files.js';
import { handOverClosedPipe } from '../closed-pipe.js';
import { crawlUrlArgument } from '../http-url.js';
import { crawlFlagsHelp, parseCrawlArgs } from '../options.js';
import { showProgress } from '../progress.js';

export const crawlHelp = `Usage: arachne crawl <spider.ts | spider.js | URL...> [options]

Runs a spider file (TypeScript or JavaScript, no build step), or, given URLs, crawls those sites with
no code and writes one record per page: {url, status, depth, title, contentType, bytes, links}.
URLs are http(s), or mailboxes: imaps://user@host/INBOX, pop3s://user@host/ (password in
$ARACHNE_MAIL_PASSWORD or --mail-password-file).

${crawlFlagsHelp}

Exit codes: 0 the crawl ran to its end (failed pages are counted in the stats), 1 a fatal error
stopped it (e.g. the output cannot be written) or no page at all could be fetched (every request
failed: host unknown, connection refused, TLS error…), 2 usage or configuration error.`;

export async function crawlCommand(argv: string[]): Promise<number> {
  return crawlOrWork(argv, 'crawl');
}

export const workerHelp = `Usage: arachne worker <spider.ts | spider.js | URL...> --frontier redis://HOST:6379/0 [--crawl-id ID] [options]
       arachne worker --server URL [--token TOKEN]   (the jobs of a job server: see arachne worker --server x --help)

Joins a shared crawl started with 'arachne crawl … --frontier URL' and works on it until the crawl is
finished everywhere: nothing queued and no request leased by any worker. Run any number of workers, on any
machine that reaches the Redis server; any of them may die at any time (its leases expire and its requests go
back to the queue). Per-host limits and delays hold across all workers. Items go to the shared frontier; the
process started with -o writes them out.

${crawlFlagsHelp}`;

export async function workerCommand(argv: string[]): Promise<number> {
  // A worker of a job server: its jobs, spiders and options come from the server.
  if (argv.some((arg) => arg === '--server' || arg.startsWith('--server='))) {
    return (await import('../../worker/worker-command.js')).serverWorkerCommand(argv);
  }
  return crawlOrWork(argv, 'worker');
}

async function crawlOrWork(argv: string[], mode: 'crawl' | 'worker'): Promise<number> {
  const args = parseCrawlArgs(argv, { positionals: true });
  if (args.help) {
    process.stdout.write(`${mode === 'crawl' ? crawlHelp : workerHelp}\n`);
    return 0;
  }
  const { positionals, options } = args;
  if (positionals.length === 0) {
    throw new ConfigError(
      `${mode} needs a spider file or at least one URL (see arachne ${mode} --help)`,
    );
  }
  if (mode === 'worker' && !options.frontier)
    throw new ConfigError('worker needs --frontier redis://…');
  const loaded = await spiderFor(positionals);
  const spider = args.start ? withStart(loaded, checkUrls(args.start)) : loaded;
  return runSpider(
    spider,
    { ...options, seed: mode === 'crawl' },
    {
      statsFile: args.statsFile,
      progress: args.progress,
      label:
        positionals.length === 1 && !isUrlLike(positionals[0] as string)
          ? (positionals[0] as string)
          : undefined,
    },
  );
}

async function spiderFor(targets: string[]): Promise<Spider> {
  const urls = targets.filter(isUrlLike);
  if (urls.length === 0 && targets.length === 1) return loadSpider(targets[0] as string);
  if (urls.length !== targets.length) {
    throw new ConfigError('give either one spider file or one or more URLs, not both');
  }
  return siteSpider(checkUrls(urls));
}

/**
 * Start URLs given on the command line must be absolute http(s), ftp(s), sftp, file, mailbox
 * (imap:, imaps:, pop3:, pop3s:) URLs, or ws(s) feeds.
 */
function checkUrls(urls: string[]): string[] {
  for (const url of urls) crawlUrlArgument(url);
  return urls;
}

function isUrlLike(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target);
}

export interface RunSettings {
  statsFile: string | undefined;
  progress: boolean;
  /** The spider file, named in configuration errors found while crawling. */
  label: string | undefined;
}

/** Runs a crawl with signal handling, progress, summary and --stats; returns the exit code. */
export async function runSpider(
  spider: Spider,
  options: CrawlOptions & { seed?: boolean },
  settings: RunSettings,
): Promise<number> {
  sizeHeapForCrawl();
  const controller = new AbortController();
  const crawler = createCrawler(spider, {
    ...options,
    signal: controller.signal,
    frontiers: frontierBackends,
  });
  const log = createLog(crawler.options.logLevel);
  if (!crawler.options.robots)
    log.warn('robots.txt is ignored (--no-robots): make sure the site allows this crawl');
  const stopProgress =
    settings.progress && crawler.options.logLevel !== 'silent' ? showProgress(crawler) : () => {};
  let signals = 0;
  const onSignal = (name: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130); // a second signal: the user wants out now
    log.warn(
      `${name}: finishing in-flight requests and flushing outputs (press Ctrl-C again to quit now)`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Items on stdout: a reader that closes it (`| head`) stops the crawl through the sink, which then ends cleanly.
  const takeBackPipe = itemsOnStdout(crawler.options) ? handOverClosedPipe() : () => {};
  let stats: Stats | undefined;
  let code = 0;
  let failed = false;
  try {
    stats = await crawler.run();
  } catch (error) {
    stats = crawler.stats();
    failed = true;
    if (error instanceof ConfigError && settings.label) {
      throw new ConfigError(`${settings.label}: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    stopProgress();
    takeBackPipe();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (stats && settings.statsFile) code = await writeStats(settings.statsFile, stats, log);
    const { frontier, crawlId } = crawler.options;
    const isShared = typeof frontier === 'string' && /^rediss?:/i.test(frontier);
    // An error exit that stopped the crawl before any request says only the error: an all-zero table adds nothing.
    const worthShowing = stats !== undefined && (!failed || stats.requests > 0);
    // The reader took what it wanted and left (`-o - | head`): an end it asked for, said with nothing but exit 0.
    const readerLeft = stats?.closeReason === 'output-closed';
    if (stats && worthShowing && !readerLeft && crawler.options.logLevel !== 'silent') {
      const toStdout = !itemsOnStdout(crawler.options);
      // A crawl that failed (Redis itself, maybe) has no shared totals worth another connection.
      const shared =
        !failed && isShared ? await sharedSummary(frontier, crawlId ?? spider.name) : '';
      (toStdout ? process.stdout : process.stderr).write(`${shared || summary(stats)}\n`);
    }
    // One worker of a shared crawl may fetch nothing while others do everything: only a crawl of its own is judged.
    const verdict = stats && !failed && !isShared && !readerLeft ? noPageFetched(stats) : undefined;
    if (verdict) {
      process.stderr.write(`arachne: ${verdict.reason}\n`);
      if (verdict.failed && code === 0) code = 1;
    }
  }
  return code;
}

/** The final stats of a shared crawl, added up over all its workers. */
async function sharedSummary(frontier: string, crawlId: string): Promise<string> {
  const { connectRedis, crawlPrefix, readCrawlStatus } = await import('../../distributed/index.js');
  const client = await connectRedis(frontier, { connectTimeoutMs: 5000 });
  try {
    const status = await readCrawlStatus(client, crawlPrefix(crawlId));
    return `shared crawl "${crawlId}" (${status.finished ? 'finished' : 'not finished'}), all workers:\n${summary(status.stats)}`;
  } catch {
    return '';
  } finally {
    await client.quit().catch(() => {});
  }
}

async function writeStats(
  path: string,
  stats: Stats,
  log: ReturnType<typeof createLog>,
): Promise<number> {
  try {
    await writeFile(path, `${JSON.stringify(stats, null, 2)}\n`);
    return 0;
  } catch (error) {
    log.error(`cannot write stats to ${path}: ${(error as Error).message}`);
    return 1;
  }
}

/** One of the outputs is `-`: items go to stdout, so the summary goes to stderr. */
function itemsOnStdout({
  output,
  overwriteOutput,
}: Pick<ResolvedOptions, 'output' | 'overwriteOutput'>): boolean {
  const outputs = Array.isArray(output) ? output : [output];
  return overwriteOutput === '-' || outputs.includes('-');
}
