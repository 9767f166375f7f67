/** A job's runs (one per child process): starting and ending one, its live stats, and the job's totals over them. */
import { type Stats, StatsCollector } from '../crawler/stats.js';
import { totalStats } from './run-totals.js';
import type { Job, RunSummary } from './types.js';

/** A job stored before runs were recorded one by one: its stats become its only run. */
export function withPerRun(job: Omit<Job, 'perRun'> & { perRun?: RunSummary[] }): Job {
  if (job.perRun) return job as Job;
  const perRun: RunSummary[] = job.stats
    ? [
        {
          startedAt: job.stats.startedAt,
          finishedAt: job.finishedAt,
          reason: job.reason,
          stats: job.stats,
        },
      ]
    : [];
  return { ...job, perRun };
}

/** The job with a new run (status and the run count are the caller's). */
export function startRun(job: Job, at: string): Job {
  return {
    ...job,
    perRun: [...job.perRun, { startedAt: at, finishedAt: null, reason: null, stats: null }],
  };
}

/** The job with its current run's stats replaced and its totals computed again. */
export function withRunStats(job: Job, stats: Stats | null): Job {
  const last = job.perRun.at(-1);
  if (!last || stats === null) return job;
  const perRun = [...job.perRun.slice(0, -1), { ...last, stats }];
  return { ...job, perRun, stats: totalStats(perRun.map((run) => run.stats)) };
}

/** The job with its current run ended (a job that is not running has no current run: unchanged). */
export function endRun(job: Job, reason: string, at: string): Job {
  const last = job.perRun.at(-1);
  if (!last || last.finishedAt !== null) return job;
  return { ...job, perRun: [...job.perRun.slice(0, -1), { ...last, finishedAt: at, reason }] };
}

/** When the run's last stats say it was last alive (a run lost in a crash ended then, not at the next start). */
export function lastAlive(stats: Stats | null, fallback: string): string {
  if (!stats) return fallback;
  const at = Date.parse(stats.startedAt) + stats.elapsedMs;
  return Number.isFinite(at) ? new Date(at).toISOString() : fallback;
}

/**
 * The state file held `committed` items when the current run started: the runs before it wrote exactly that many.
 * A run the server lost in a crash reported its counts a moment before it died (and some of its items were
 * committed and exported only by the next run): its item count is set to what it committed.
 */
export function reconcileItems(job: Job, committed: number): Job {
  const earlier = job.perRun.slice(0, -1);
  const previous = earlier.at(-1);
  if (!previous) return job;
  const before = earlier.slice(0, -1).reduce((sum, run) => sum + (run.stats?.items ?? 0), 0);
  const items = Math.max(0, committed - before);
  if (previous.stats?.items === items) return job;
  const stats: Stats = previous.stats
    ? { ...previous.stats, items }
    : { ...new StatsCollector().snapshot(), startedAt: previous.startedAt, elapsedMs: 0, items };
  const perRun = [...earlier.slice(0, -1), { ...previous, stats }, ...job.perRun.slice(-1)];
  return { ...job, perRun, stats: totalStats(perRun.map((run) => run.stats)) };
}
