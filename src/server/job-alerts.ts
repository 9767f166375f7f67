/**
 * Raises alerts from the job manager's events: a run that failed, a run whose error rate went over a threshold, a
 * run that went on longer than the operator expects. Each fires at most once per run; delivery is the caller's.
 */
import type { Stats } from '../crawler/stats.js';
import type { Alert, AlertEvent } from './alert.js';
import type { JobManager } from './job-manager.js';
import { publicJob } from './public-view.js';
import type { Job, Progress } from './types.js';

export interface JobAlertsOptions {
  /** Alert when failed requests / requests made goes over this fraction (0 to 1). @default no error-rate alert */
  errorRate?: number;
  /** The error rate is judged once this many requests were made. @default 20 */
  errorRateMinRequests?: number;
  /** Alert when a run has been running longer than this. @default no duration alert */
  maxDurationMs?: number;
  /** Where alerts go (a webhook, mail): must not throw. */
  deliver: (alert: Alert) => void;
}

/** What is known of a running job's current run. */
interface Run {
  number: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  raised: Set<AlertEvent>;
}

export const defaultErrorRateMinRequests = 20;

export class JobAlerts {
  readonly #manager: JobManager;
  readonly #options: JobAlertsOptions;
  readonly #runs = new Map<string, Run>();
  readonly #onJob = (job: Job) => this.#jobChanged(job);
  readonly #onProgress = (id: string, progress: Progress) => this.#checkRate(id, progress.stats);
  readonly #onEnded = (job: Job) => this.#ended(job);

  constructor(manager: JobManager, options: JobAlertsOptions) {
    this.#manager = manager;
    this.#options = options;
    manager.on('job', this.#onJob);
    manager.on('progress', this.#onProgress);
    manager.on('ended', this.#onEnded);
  }

  close(): void {
    this.#manager.off('job', this.#onJob);
    this.#manager.off('progress', this.#onProgress);
    this.#manager.off('ended', this.#onEnded);
    for (const run of this.#runs.values()) clearTimeout(run.timer);
    this.#runs.clear();
  }

  #jobChanged(job: Job): void {
    const run = this.#runs.get(job.id);
    if (job.status !== 'running') {
      // The run is over; 'ended' (which follows for runs that ran) still reads its state.
      clearTimeout(run?.timer);
      return;
    }
    if (run?.number === job.runs) return;
    const started: Run = {
      number: job.runs,
      startedAt: Date.now(),
      timer: undefined,
      raised: new Set(),
    };
    const maxMs = this.#options.maxDurationMs;
    if (maxMs !== undefined) {
      started.timer = setTimeout(() => this.#overdue(job.id, started, maxMs), maxMs);
      started.timer.unref();
    }
    this.#runs.set(job.id, started);
  }

  #overdue(id: string, run: Run, maxMs: number): void {
    if (this.#runs.get(id) !== run) return;
    const job = this.#job(id);
    if (job?.status !== 'running') return;
    const runningMs = Date.now() - run.startedAt;
    this.#raise(run, 'job:overdue', job, {
      message: `${name(job)} has been running for ${duration(runningMs)}, over the expected ${duration(maxMs)}`,
      duration: { runningMs, maxMs },
    });
  }

  #checkRate(id: string, stats: Stats | null, job?: Job): void {
    const threshold = this.#options.errorRate;
    const run = this.#runs.get(id);
    if (threshold === undefined || !run || !stats || run.raised.has('job:error-rate')) return;
    const minRequests = this.#options.errorRateMinRequests ?? defaultErrorRateMinRequests;
    const requests = stats.requests - stats.retries;
    if (requests < minRequests || requests <= 0) return;
    const rate = stats.failed / requests;
    if (rate <= threshold) return;
    const current = job ?? this.#job(id);
    if (!current) return;
    this.#raise(
      run,
      'job:error-rate',
      { ...current, stats },
      {
        message: `${name(current)}: ${stats.failed} of ${requests} requests failed (${percent(rate)}), over the ${percent(threshold)} threshold`,
        errorRate: { failed: stats.failed, requests, rate, threshold, minRequests },
      },
    );
  }

  /** The job, or undefined when it is gone (deleted meanwhile): an event listener must not throw. */
  #job(id: string): Job | undefined {
    try {
      return this.#manager.get(id);
    } catch {
      return undefined;
    }
  }

  #ended(job: Job): void {
    const run = this.#runs.get(job.id);
    if (!run) return;
    // Progress comes every half second: a short run may end before one showed the rate.
    this.#checkRate(job.id, job.stats, job);
    if (job.status === 'failed') {
      this.#raise(run, 'job:failed', job, {
        message: `${name(job)} failed${job.error ? `: ${publicJob(job).error}` : ''}`,
      });
    }
    this.#runs.delete(job.id);
  }

  #raise(
    run: Run,
    event: AlertEvent,
    job: Job,
    details: Pick<Alert, 'message' | 'errorRate' | 'duration'>,
  ): void {
    if (run.raised.has(event)) return;
    run.raised.add(event);
    this.#options.deliver({ event, at: new Date().toISOString(), job: publicJob(job), ...details });
  }
}

function name(job: Job): string {
  return `job ${job.id.slice(0, 8)} (${job.spider})`;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10} %`;
}

/** `1h 5m`, `12m 30s`, `45s`, `800 ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s > 0 ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}
