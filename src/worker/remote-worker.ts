/**
 * `arachne worker --server URL`: a worker of a job server. It registers (host, version, pid), then beats every
 * heartbeat interval: each beat reports its throughput and brings back the server's running jobs; it joins those it
 * has room for (each a JobCrawl) and stops those no longer listed. The pages, leases and items travel through
 * Redis, not through the server: a server that is briefly away costs nothing but the beats.
 */
import { hostname } from 'node:os';
import type { Log } from '../crawler/logger.js';
import type { LogLevel } from '../crawler/options.js';
import { ServerCallError } from '../errors.js';
import type { WorkJob } from '../server/routes-workers.js';
import { redactUrlsIn } from '../url/redact-url.js';
import { version } from '../version.js';
import { JobCrawl } from './job-crawl.js';
import { ServerClient } from './server-client.js';

export interface RemoteWorkerOptions {
  server: string;
  token: string;
  /** The Redis URL as this machine reaches it. @default the one the server gives */
  frontier?: string | undefined;
  /** Jobs worked on at once. @default 2 */
  maxJobs?: number;
  logLevel: LogLevel;
  log: Log;
  signal: AbortSignal;
}

/** How long a worker keeps trying to register before it gives up (the server is not up yet, say). */
const registerForMs = 30_000;

export async function runRemoteWorker(options: RemoteWorkerOptions): Promise<void> {
  const { log, signal } = options;
  const client = new ServerClient(options.server, options.token);
  const maxJobs = options.maxJobs ?? 2;
  const hello = { host: hostname(), version, pid: process.pid, maxJobs };
  let registration = await register(client, hello, signal, log);
  if (!registration) return;
  const frontier = options.frontier ?? registration.frontier;
  log.info(
    `worker ${registration.worker.id} registered with ${redactUrlsIn(options.server)}; crawls on ${redactUrlsIn(frontier)}`,
  );
  const running = new Map<string, JobCrawl>();
  /** Job runs this worker is done with (finished, failed): not joined again until the job's next run. */
  const done = new Set<string>();
  const totals = { pages: 0, items: 0 };
  let serverAway = false;

  const start = (job: WorkJob) => {
    const crawl = new JobCrawl({ job, client, frontier, logLevel: options.logLevel });
    running.set(job.id, crawl);
    log.info(`job ${job.id} (spider "${job.spider}", run ${job.run}): joined`);
    crawl.done.then(
      (stats) =>
        log.info(
          `job ${job.id}: left (${stats.closeReason ?? 'finished'}): ${stats.responses} pages, ${stats.items} items here`,
        ),
      (error: unknown) => log.error(`job ${job.id}: ${(error as Error).message.split('\n')[0]}`),
    );
    crawl.done
      .catch(() => undefined)
      .finally(() => {
        const stats = crawl.stats();
        totals.pages += stats.responses;
        totals.items += stats.items;
        running.delete(job.id);
        done.add(runKey(job));
      });
  };

  while (!signal.aborted) {
    const beat = {
      jobs: [...running.values()].map((crawl) => {
        const stats = crawl.stats();
        return {
          job: crawl.job.id,
          pages: stats.responses,
          items: stats.items,
          failed: stats.failed,
        };
      }),
      pages: totals.pages,
      items: totals.items,
    };
    for (const job of beat.jobs) {
      beat.pages += job.pages;
      beat.items += job.items;
    }
    try {
      const jobs = await client.beat(registration.worker.id, beat);
      if (serverAway) log.info('the server is back');
      serverAway = false;
      const listed = new Set(jobs.map((job) => job.id));
      for (const [id, crawl] of running) {
        if (!listed.has(id)) {
          log.info(`job ${id}: no longer running on the server; stopping`);
          crawl.stop();
        }
      }
      for (const job of jobs) {
        if (running.size >= maxJobs) break;
        if (!running.has(job.id) && !done.has(runKey(job))) start(job);
      }
    } catch (error) {
      if (error instanceof ServerCallError && error.status === 404) {
        // The server restarted and forgot this worker: introduce it again.
        const again = await register(client, hello, signal, log);
        if (!again) break;
        registration = again;
        log.info(`worker registered again as ${registration.worker.id}`);
        continue;
      }
      if (error instanceof ServerCallError && error.status === 401) throw error;
      // Jobs go on through Redis meanwhile; only the beats are lost.
      if (!serverAway) log.warn(`${(error as Error).message}; retrying`);
      serverAway = true;
    }
    await sleep(registration.heartbeatMs, signal);
  }
  for (const crawl of running.values()) crawl.stop();
  await Promise.allSettled([...running.values()].map((crawl) => crawl.done));
  await client.leave(registration.worker.id).catch(() => {});
}

function runKey(job: WorkJob): string {
  return `${job.id}:${job.run}`;
}

async function register(
  client: ServerClient,
  hello: Parameters<ServerClient['register']>[0],
  signal: AbortSignal,
  log: Log,
): Promise<Awaited<ReturnType<ServerClient['register']>> | undefined> {
  const deadline = Date.now() + registerForMs;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      return await client.register(hello);
    } catch (error) {
      // A refusal (wrong token, a server without --frontier) is final; an unreachable server may be starting.
      if (!(error instanceof ServerCallError) || error.status !== undefined) throw error;
      if (Date.now() > deadline) throw error;
      if (attempt === 0) log.warn(`${error.message}; retrying for ${registerForMs / 1000} s`);
      await sleep(Math.min(250 * 2 ** attempt, 2000), signal);
    }
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
