/** Jobs' life cycle: a queue with a concurrency limit, child processes, pause/resume/cancel, recovery after a crash. */
import { EventEmitter } from 'node:events';
import { conflict, notFound } from './api-error.js';
import { isId, jobPaths, newId } from './job-paths.js';
import { JobRun, type RunEnd } from './job-run.js';
import type { JobStore } from './job-store.js';
import type { ServerTls } from './server-tls.js';
import { type SharedJobs, sharedCrawlId } from './shared-jobs.js';
import type { Job, JobSpec, JobStatus, Progress } from './types.js';

export interface JobManagerOptions {
  store: JobStore;
  dataDir: string;
  /** Jobs running at once; the others wait `queued`. */
  maxJobs: number;
  /** Let jobs connect to private and loopback addresses. */
  allowPrivate: boolean;
  /** DNS servers the jobs resolve names with. @default the system resolver */
  dns?: readonly string[];
  /** The operator's TLS files, applied to every job, and whether jobs may set `insecure`. */
  tls?: ServerTls | undefined;
  /** The absolute file of a project spider, or undefined when there is no such spider. */
  spiderFile: (name: string) => Promise<string | undefined>;
  /** Grace for in-flight requests when a job is stopped. @default 5000 */
  graceMs?: number;
  /** Run every job as a shared crawl on Redis, its pages fetched by `arachne worker --server` processes. */
  shared?: SharedJobs | undefined;
}

/** Why the server stopped a child: decides the status the job ends in. */
type Intent = 'pause' | 'cancel' | 'shutdown';

interface Active {
  run: JobRun | undefined;
  intent: Intent | undefined;
  progress: Progress | undefined;
  savedAt: number;
}

export interface JobManagerEvents {
  /** A job was created or changed status. */
  job: [Job];
  progress: [string, Progress];
  /** A run ended on its own (finished or failed), or was paused or cancelled. */
  ended: [Job];
}

const listLimit = 500;
const saveStatsEveryMs = 2000;
const keptProgress = 100;

export class JobManager extends EventEmitter<JobManagerEvents> {
  readonly #options: JobManagerOptions;
  readonly #active = new Map<string, Active>();
  /** Last progress of runs that ended, so a finished job still shows its last view (until restart). */
  readonly #lastProgress = new Map<string, Progress>();
  #closing = false;

  constructor(options: JobManagerOptions) {
    super();
    this.#options = options;
  }

  /** Jobs that were running when the server died become failed (resumable); queued ones start. */
  recover(): void {
    for (const job of this.#options.store.listJobs(Number.MAX_SAFE_INTEGER, 'running')) {
      this.#end(job, 'failed', 'server stopped', 'the server stopped while the job was running');
    }
    this.#pump();
  }

  submit(spec: JobSpec, scheduleId: string | null = null): Job {
    const job: Job = {
      id: newId(),
      ...spec,
      spider: spec.spider ?? 'site',
      status: 'queued',
      scheduleId,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      reason: null,
      error: null,
      runs: 0,
      stats: null,
    };
    this.#options.store.insertJob(job);
    this.emit('job', job);
    this.#pump();
    return this.get(job.id);
  }

  get(id: string): Job {
    const job = isId(id) ? this.#options.store.getJob(id) : undefined;
    if (!job) throw notFound(`no job with id "${id}"`);
    return this.#live(job);
  }

  list(status?: JobStatus): Job[] {
    return this.#options.store.listJobs(listLimit, status).map((job) => this.#live(job));
  }

  /** The stored job with the stats of its running child (the store is written only every few seconds). */
  #live(job: Job): Job {
    const progress = this.#active.get(job.id)?.progress;
    return progress ? { ...job, stats: progress.stats } : job;
  }

  progress(id: string): Progress | null {
    return this.#active.get(id)?.progress ?? this.#lastProgress.get(id) ?? null;
  }

  counts(): { running: number; queued: number } {
    return { running: this.#active.size, queued: this.#options.store.countByStatus('queued') };
  }

  async cancel(id: string): Promise<Job> {
    return this.#stop(this.get(id), 'cancel', ['queued', 'paused'], 'cancelled');
  }

  async pause(id: string): Promise<Job> {
    return this.#stop(this.get(id), 'pause', ['queued'], 'paused');
  }

  /** Queues a paused or failed job again: its next run continues from its state file. */
  resume(id: string): Job {
    const job = this.get(id);
    if (job.status !== 'paused' && job.status !== 'failed') {
      throw conflict(`job ${id} is ${job.status}: only paused or failed jobs can be resumed`);
    }
    this.#save({ ...job, status: 'queued', reason: null, error: null });
    this.#pump();
    return this.get(id);
  }

  /** Stops every running child gracefully; their jobs become paused ('server stopped'). */
  async shutdown(): Promise<void> {
    this.#closing = true;
    for (const active of this.#active.values()) {
      active.intent ??= 'shutdown';
      // A job still being launched has no child yet: #launch stops it as soon as it exists.
      void active.run?.stop();
    }
    await Promise.all([...this.#active.keys()].map((id) => this.#settled(id)));
  }

  async #stop(job: Job, intent: Intent, idle: JobStatus[], idleStatus: JobStatus): Promise<Job> {
    const active = this.#active.get(job.id);
    if (active) {
      active.intent ??= intent;
      await active.run?.stop();
      await this.#settled(job.id);
      return this.get(job.id);
    }
    if (!idle.includes(job.status)) {
      throw conflict(
        `job ${job.id} is ${job.status}: it cannot be ${intent === 'pause' ? 'paused' : 'cancelled'}`,
      );
    }
    this.#end(job, idleStatus, idleStatus, null);
    return this.get(job.id);
  }

  /** Resolves once the job has left the active set (its end was recorded). */
  #settled(id: string): Promise<void> {
    if (!this.#active.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (job: Job) => {
        if (job.id === id && !this.#active.has(id)) {
          this.off('job', check);
          resolve();
        }
      };
      this.on('job', check);
    });
  }

  #pump(): void {
    while (!this.#closing && this.#active.size < this.#options.maxJobs) {
      const next = this.#options.store.nextQueued();
      if (!next) return;
      const active: Active = { run: undefined, intent: undefined, progress: undefined, savedAt: 0 };
      this.#active.set(next.id, active);
      const job = this.#save({
        ...next,
        status: 'running',
        startedAt: next.startedAt ?? new Date().toISOString(),
        finishedAt: null,
        runs: next.runs + 1,
      });
      void this.#launch(job, active)
        .catch((error: unknown) =>
          this.#finish(job.id, active, {
            closed: undefined,
            failed: { error: (error as Error).message, stats: null },
            code: null,
            signal: null,
          }),
        )
        .catch((error: unknown) => {
          // Recording the end failed too (the database is gone?): say so rather than crash the server.
          process.stderr.write(`arachne serve: job ${job.id}: ${(error as Error).message}\n`);
        });
    }
  }

  async #launch(job: Job, active: Active): Promise<void> {
    // A job has a URL (no-code crawl) or a project spider, never both.
    const spiderFile = job.url ? null : await this.#options.spiderFile(job.spider);
    if (spiderFile === undefined) throw new Error(`no spider named "${job.spider}" in the project`);
    const paths = jobPaths(this.#options.dataDir, job.id, job.output);
    const graceMs = this.#options.graceMs ?? 5000;
    const run = new JobRun(
      {
        mode: 'run',
        jobId: job.id,
        spiderFile,
        url: job.url,
        start: job.start,
        options: job.options,
        statePath: paths.state,
        outputPath: paths.output,
        statsPath: paths.stats,
        allowPrivate: this.#options.allowPrivate,
        ...(this.#options.dns && { dns: [...this.#options.dns] }),
        ...(this.#options.tls && { tls: this.#options.tls }),
        graceMs,
        ...(this.#options.shared && {
          shared: { ...this.#options.shared, crawlId: sharedCrawlId(job.id) },
        }),
      },
      paths.log,
      (progress) => this.#onProgress(job.id, active, progress),
      graceMs + 5000,
    );
    active.run = run;
    if (active.intent) void run.stop();
    this.#finish(job.id, active, await run.exited);
  }

  #onProgress(id: string, active: Active, progress: Progress): void {
    active.progress = progress;
    this.emit('progress', id, progress);
    const now = Date.now();
    if (now - active.savedAt >= saveStatsEveryMs) {
      active.savedAt = now;
      const job = this.#options.store.getJob(id);
      if (job) this.#options.store.saveJob({ ...job, stats: progress.stats });
    }
  }

  #finish(id: string, active: Active, end: RunEnd): void {
    const job = this.#options.store.getJob(id);
    if (active.progress) {
      this.#lastProgress.set(id, active.progress);
      // Only recent jobs keep their last view in memory (each holds up to 40 items).
      if (this.#lastProgress.size > keptProgress) {
        const oldest = this.#lastProgress.keys().next().value;
        if (oldest !== undefined) this.#lastProgress.delete(oldest);
      }
    }
    this.#active.delete(id);
    if (!job) return;
    const stats = end.closed?.stats ?? end.failed?.stats ?? active.progress?.stats ?? job.stats;
    const withStats = { ...job, stats };
    if (active.intent === 'pause') this.#end(withStats, 'paused', 'paused', null);
    else if (active.intent === 'cancel') this.#end(withStats, 'cancelled', 'cancelled', null);
    else if (active.intent === 'shutdown') this.#end(withStats, 'paused', 'server stopped', null);
    else if (end.closed && end.code === 0 && end.closed.reason !== 'signal') {
      this.#end(
        withStats,
        end.closed.reason === 'error' ? 'failed' : 'finished',
        end.closed.reason,
        null,
      );
    } else {
      const error = end.failed?.error ?? describeExit(end);
      this.#end(withStats, 'failed', end.failed ? 'error' : describeExit(end), error);
    }
    this.emit('ended', this.get(id));
    this.#pump();
  }

  #end(job: Job, status: JobStatus, reason: string, error: string | null): void {
    this.#save({ ...job, status, reason, error, finishedAt: new Date().toISOString() });
  }

  #save(job: Job): Job {
    this.#options.store.saveJob(job);
    this.emit('job', job);
    return job;
  }
}

function describeExit(end: RunEnd): string {
  if (end.closed?.reason === 'signal') return 'interrupted';
  if (end.signal) return `killed by ${end.signal}`;
  return `exit code ${end.code ?? 'unknown'}`;
}
