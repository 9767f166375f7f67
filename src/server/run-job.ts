/** One job run inside its child process: loads the spider, crawls with a state file, reports progress over IPC. */

import { existsSync, writeFileSync } from 'node:fs';
import type { RunOptions } from '../crawler/crawler.js';
import { createCrawler } from '../crawler/crawler.js';
import { siteSpider } from '../crawler/site-spider.js';
import type { Spider } from '../crawler/spider.js';
import type { Stats } from '../crawler/stats.js';
import { noPageFetched } from '../crawler/summary.js';
import { frontierBackends } from '../frontier-backends.js';
import { loadSpider } from '../loader/load-spider.js';
import { withStart } from '../loader/spider-files.js';
import { stateCounts } from '../state/sqlite-frontier.js';
import { openStateDbReadOnly } from '../state/state-db.js';
import { waitForStateLock } from '../state/state-lock.js';
import { redactUrlsIn } from '../url/redact-url.js';
import { type ChildMessage, isParentMessage, type RunTask } from './ipc.js';
import { ProgressTracker } from './progress-tracker.js';
import type { SharedProgress } from './shared-progress.js';

const progressEveryMs = 500;
/** After a shared crawl ended: how long its workers may take to publish their last counters. */
const sharedSettleMs = 3000;

export type Send = (message: ChildMessage) => Promise<void>;

/** Runs the task to its end; resolves to the process exit code. Logs go to stderr (the job's log.txt). */
export async function runJob(task: RunTask, send: Send): Promise<number> {
  // Lets a spider know it runs as a server job (and lets tests make a spider fail only there).
  process.env.ARACHNE_JOB_ID = task.jobId;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('message', (message) => {
    if (isParentMessage(message)) stop();
  });
  // The server is gone (killed or crashed): stop cleanly rather than crawl on unsupervised.
  process.on('disconnect', stop);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let spider: Spider;
  try {
    spider = await spiderFor(task);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'cannot load the spider';
    log(`ERROR ${message}`);
    await send({ type: 'failed', error: message, stats: null });
    return 1;
  }
  if (controller.signal.aborted) {
    log('INFO stopped before the crawl started');
    return 0;
  }
  // A resumed job may find its previous process, orphaned by a killed server, still finishing: let it end first.
  if (!task.shared && !(await waitForStateLock(task.statePath, task.graceMs + 10_000))) {
    log('WARN the previous process of this job still holds its state file');
  }
  const committed = committedItems(task.statePath);
  if (committed !== undefined) await send({ type: 'resumed', items: committed });
  // A job's `insecure` counts only where the operator allows it (a job stored before a restart without
  // --allow-insecure is held to that); otherwise the spider's own setting stands.
  const { insecure, ...jobOptions } = task.options;
  const options: RunOptions & { allowPrivate?: boolean } = {
    ...jobOptions,
    ...(insecure === true && task.tls?.allowInsecure === true && { insecure }),
    // A shared job keeps its state in Redis (queue, seen set, export mark): its runs continue it as a state file would.
    ...(task.shared
      ? {
          frontier: task.shared.frontier,
          crawlId: task.shared.crawlId,
          leaseMs: task.shared.leaseMs,
          ...(task.shared.hostTurns !== undefined && { hostTurns: task.shared.hostTurns }),
        }
      : { state: task.statePath }),
    output: task.exportPath ? [task.outputPath, task.exportPath] : task.outputPath,
    allowPrivate: task.allowPrivate,
    ...(task.dns && { dns: task.dns }),
    // TLS files come from the operator only.
    ...operatorTlsFiles(task),
    signal: controller.signal,
    graceMs: task.graceMs,
  };
  log(`INFO job ${task.jobId}: spider "${spider.name}" starting`);
  let stats: Stats | undefined;
  let shared: SharedProgress | undefined;
  try {
    // The workers fetch a shared job's pages: its progress is theirs, read from Redis.
    if (task.shared) {
      const { SharedProgress } = await import('./shared-progress.js');
      shared = await SharedProgress.open(task.shared.frontier, task.shared.crawlId);
      log(`INFO job ${task.jobId}: shared crawl "${task.shared.crawlId}", waiting for workers`);
    }
    const crawler = createCrawler(spider, {
      ...options,
      frontiers: frontierBackends,
      ...(shared && { work: false }),
    });
    const tracker = new ProgressTracker(crawler);
    const sharedView = shared;
    const progress = async (local: Stats) =>
      sharedView ? await sharedView.snapshot(local) : { ...tracker.snapshot(), stats: local };
    const timer = setInterval(() => {
      progress(crawler.stats()).then(
        (snapshot) => send({ type: 'progress', ...snapshot }),
        () => {},
      );
    }, progressEveryMs);
    try {
      stats = await crawler.run();
    } catch (error) {
      stats = crawler.stats();
      throw error;
    } finally {
      clearInterval(timer);
      if (stats) {
        await shared?.settle(sharedSettleMs).catch(() => {});
        const final = await progress(stats).catch(() => undefined);
        if (final) stats = final.stats;
        await send({ type: 'progress', ...(final ?? tracker.snapshot()), stats });
      }
    }
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'the crawl failed';
    log(`ERROR ${message}`);
    if (stats) writeStats(task.statsPath, stats);
    await send({ type: 'failed', error: message, stats: stats ?? null });
    return 1;
  } finally {
    await shared?.close();
  }
  writeStats(task.statsPath, stats);
  // A crawl whose every request failed (host unknown, refused, TLS…) fetched nothing: the job failed, and says why.
  const verdict = noPageFetched(stats);
  if (verdict?.failed) {
    log(`ERROR ${verdict.reason}`);
    await send({ type: 'failed', error: verdict.reason, stats });
    return 1;
  }
  await send({ type: 'closed', stats, reason: stats.closeReason ?? 'finished' });
  return 0;
}

function operatorTlsFiles(task: RunTask): Pick<RunOptions, 'ca' | 'cert' | 'key'> {
  const tls = task.tls;
  return {
    ...(tls?.ca !== undefined && { ca: tls.ca }),
    ...(tls?.cert !== undefined && { cert: tls.cert }),
    ...(tls?.key !== undefined && { key: tls.key }),
  };
}

async function spiderFor(task: RunTask): Promise<Spider> {
  const spider = task.spiderFile ? await loadSpider(task.spiderFile) : siteSpider([task.url ?? '']);
  return task.start ? withStart(spider, task.start) : spider;
}

/** Items the earlier runs committed to the state file (all of them are, or will be, in the output); undefined on a first run. */
function committedItems(statePath: string): number | undefined {
  if (!existsSync(statePath)) return undefined;
  try {
    const db = openStateDbReadOnly(statePath);
    try {
      return stateCounts(db).items;
    } finally {
      db.close();
    }
  } catch (error) {
    log(`WARN cannot count the items of ${statePath}: ${(error as Error).message}`);
    return undefined;
  }
}

function writeStats(path: string, stats: Stats): void {
  try {
    writeFileSync(path, `${JSON.stringify(stats, null, 2)}\n`);
  } catch (error) {
    log(`WARN cannot write ${path}: ${(error as Error).message}`);
  }
}

function log(line: string): void {
  // The job's log is served by the API: like the crawl's own logger, it never shows a URL's credentials.
  process.stderr.write(`${new Date().toISOString()} ${redactUrlsIn(line)}\n`);
}
