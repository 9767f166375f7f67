/** What an alert says: the webhook's JSON body, and what the alert mails are written from. */
import type { Job } from './types.js';

/** `job:failed`: a run failed; `job:error-rate`: too many of its requests failed; `job:overdue`: it runs too long. */
export type AlertEvent = 'job:failed' | 'job:error-rate' | 'job:overdue';

export interface Alert {
  event: AlertEvent;
  /** When the alert was raised (ISO 8601). */
  at: string;
  /** One line saying what happened, e.g. `job 3f2a9c1e (books): 9 of 20 requests failed (45 %), over 20 %`. */
  message: string;
  /** The job as the API shows it (start URLs without credentials), with its stats at that moment. */
  job: Job;
  /** `job:error-rate` only. */
  errorRate?: {
    /** Requests that failed after their retries. */
    failed: number;
    /** Requests made, retries not counted. */
    requests: number;
    rate: number;
    threshold: number;
    minRequests: number;
  };
  /** `job:overdue` only: how long this run has been running, and the bound it went over. */
  duration?: { runningMs: number; maxMs: number };
}
