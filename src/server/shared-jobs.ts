/**
 * Jobs run as shared crawls (`arachne serve --frontier redis://…`): the server's child seeds the crawl and writes
 * its output, `arachne worker --server` processes fetch the pages. What both sides agree on lives here.
 */

/** The server's side of shared jobs: where they wait, how long a dead worker's requests stay leased, whose turns. */
export interface SharedJobs {
  /** redis://HOST:PORT/DB */
  frontier: string;
  leaseMs: number;
  /**
   * Every job of the server books its host turns in this group (hostTurns): politeness across all jobs. Absent on a
   * Redis Cluster, where a group's turns cannot live in the jobs' slots: there each job keeps its own.
   */
  hostTurns?: string;
}

/** A job run's shared crawl, as the job process and the workers open it. */
export interface SharedRun extends SharedJobs {
  crawlId: string;
}

/** One crawl per job (its runs continue it: resume keeps the queue, the seen set and the export mark). */
export function sharedCrawlId(jobId: string): string {
  return `job-${jobId}`;
}

/** @default 30_000 as for every shared crawl */
export const defaultLeaseMs = 30_000;

/** The host-turns group of the server's jobs unless it names one. */
export const defaultHostTurns = 'serve';
