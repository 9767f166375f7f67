/**
 * Jobs and schedules as the API, the WebSocket and the dashboard show them: a start URL's `user:pass@` is cut. The
 * stored job keeps it, because its runs (and every resume) must fetch with the credentials.
 */
import { redactUrl, redactUrlsIn } from '../url/redact-url.js';
import type { Job, JobSpec, Schedule } from './types.js';

export function publicJob(job: Job): Job {
  return {
    ...job,
    ...publicSpec(job),
    reason: job.reason === null ? null : redactUrlsIn(job.reason),
    error: job.error === null ? null : redactUrlsIn(job.error),
  };
}

export function publicSchedule(schedule: Schedule): Schedule {
  return { ...schedule, ...publicSpec(schedule) };
}

function publicSpec(spec: JobSpec): Pick<JobSpec, 'url' | 'start'> {
  return {
    url: spec.url === null ? null : redactUrl(spec.url),
    start: spec.start === null ? null : spec.start.map(redactUrl),
  };
}
