/**
 * One server job as a worker runs it: the job's spider (its project's files fetched from the server, or a no-code
 * crawl of its URL) joins the job's shared crawl on Redis and fetches pages until the crawl ends for everyone or the
 * server stops listing the job (paused, cancelled: the crawl is then stopped and its unstarted leases given back).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrawler } from '../crawler/crawler.js';
import type { LogLevel } from '../crawler/options.js';
import { siteSpider } from '../crawler/site-spider.js';
import type { Spider } from '../crawler/spider.js';
import type { Stats } from '../crawler/stats.js';
import { ServerCallError } from '../errors.js';
import { frontierBackends } from '../frontier-backends.js';
import { loadSpider } from '../loader/load-spider.js';
import type { SpiderBundle, WorkJob } from '../server/routes-workers.js';
import type { ServerClient } from './server-client.js';

/** A bundle's file names are plain names in one directory: nothing that climbs out of it. */
const plainName = /^[^./\\][^/\\]*$/;

export interface JobCrawlOptions {
  job: WorkJob;
  client: ServerClient;
  /** redis://… as this worker reaches it. */
  frontier: string;
  logLevel: LogLevel;
}

export class JobCrawl {
  readonly job: WorkJob;
  readonly #controller = new AbortController();
  #stats: (() => Stats) | undefined;
  /** Resolves with the final stats, or rejects with what stopped the crawl. */
  readonly done: Promise<Stats>;

  constructor(options: JobCrawlOptions) {
    this.job = options.job;
    this.done = this.#run(options);
  }

  /** Counters so far (zero until the crawl started). */
  stats(): Pick<Stats, 'responses' | 'items' | 'failed'> {
    const stats = this.#stats?.();
    return {
      responses: stats?.responses ?? 0,
      items: stats?.items ?? 0,
      failed: stats?.failed ?? 0,
    };
  }

  /** The job left the server's running list: stop fetching, give back the leases not started. */
  stop(): void {
    this.#controller.abort();
  }

  async #run({ job, client, frontier, logLevel }: JobCrawlOptions): Promise<Stats> {
    const dir = job.projectSpider ? await mkdtemp(join(tmpdir(), 'arachne-worker-')) : undefined;
    try {
      const loaded = dir
        ? await spiderFromBundle(await client.bundle(job.spider), dir)
        : siteSpider([job.url ?? '']);
      const spider: Spider = job.start ? { ...loaded, start: job.start } : loaded;
      // A job's `insecure` needs the operator's consent, known on the server only: workers keep certificates checked.
      const { insecure: _insecure, ...options } = job.options;
      const crawler = createCrawler(spider, {
        ...options,
        frontier,
        crawlId: job.crawlId,
        leaseMs: job.leaseMs,
        ...(job.hostTurns !== undefined && { hostTurns: job.hostTurns }),
        allowPrivate: job.allowPrivate,
        ...(job.dns && { dns: job.dns }),
        logLevel,
        seed: false,
        signal: this.#controller.signal,
        frontiers: frontierBackends,
      });
      this.#stats = () => crawler.stats();
      return await crawler.run();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }
}

async function spiderFromBundle(bundle: SpiderBundle, dir: string): Promise<Spider> {
  await mkdir(dir, { recursive: true });
  for (const file of bundle.files) {
    if (!plainName.test(file.path))
      throw new ServerCallError(`the server sent a file named "${file.path}": refused`);
    await writeFile(join(dir, file.path), file.text);
  }
  if (!plainName.test(bundle.entry) || !bundle.files.some((file) => file.path === bundle.entry)) {
    throw new ServerCallError(`the server's bundle has no spider file "${bundle.entry}"`);
  }
  return loadSpider(join(dir, bundle.entry));
}
