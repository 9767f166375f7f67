/** Mails a report when a job finishes or fails (the mailer itself is notify.ts). */
import { StatsCollector } from '../crawler/stats.js';
import { redactUrlsIn } from '../url/redact-url.js';
import type { Mailer } from './notify.js';
import type { Job } from './types.js';

/** A listener for the job manager's 'ended' event; paused and cancelled jobs send nothing. */
export function mailOnEnd(mailer: Mailer): (job: Job) => void {
  return (job) => {
    if (job.status !== 'finished' && job.status !== 'failed') return;
    void mailer.sendJobFinished({
      id: job.id,
      spider: job.spider,
      status: job.status,
      // A job that failed before crawling (its spider did not load) has no stats: report zeros.
      stats: job.stats ?? new StatsCollector().snapshot(),
      ...(job.error !== null ? { error: redactUrlsIn(job.error) } : {}),
    });
  };
}
