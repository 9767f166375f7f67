/** Jobs' life cycle: a queue with a concurrency limit, child processes, pause/resume/cancel, recovery after a crash. */
import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, notFound } from './api-error.js';
import type { HistoryStore } from './history-store.js';
import { exportPath, isId, jobPaths, newId } from './job-paths.js';
import { JobRun, type RunEnd } from './job-run.js';
import { endRun, lastAlive, reconcileItems, startRun, withRunStats } from './job-runs.js';
import type { JobStore } from './job-store.js';
import type { ServerTls } from './server-tls.js';
import { type SharedJobs, sharedCrawlId } from './shared-jobs.js';
import type { HistoryPoint, Job, JobSpec, JobStatus, Progress } from './types.js';

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
  /** The absolute file of a job's spider (project directory or deployed version), or undefined when there is none. */
  spiderFile: (job: Pick<Job, 'spider' | 'project' | 'version'>) => Promise<string | undefined>;
  /** The version a job of a deployed project runs when it names none (throws for an unknown project). */
  currentVersion: (project: string) => string;
  /** Grace for in-flight requests when a job is stopped. @default 5000 */
  graceMs?: number;
  /** Where the jobs' chart history is kept. @default none (no history) */
  history?: HistoryStore;
  /** Run every job as a shared crawl on Redis, its pages fetched by `arachne worker --server` processes. */
  shared?: SharedJobs | undefined;
}

/** Why the server stopped a child: decides the status the job ends in. */
type Intent = 'pause' | 'cancel' | 'shutdown';

interface Active {
  run: JobRun | undefined;
  intent: Intent | undefined;
  /** The job as its run started (earlier runs' figures), for the totals. */
  job: Job;
  /** The last progress, with the job's totals in `stats` and the run's own in `runStats`. */
  progress: Progress | undefined;
  savedAt: number;
}

export interface JobManagerEvents {
  /** A job was created or changed status. */
  job: [Job];
  progress: [string, Progress];
  /** A run ended on its own (finished or failed), or was paused or cancelled. */
  ended: [Job];
  /** A job and its files were deleted. */
  deleted: [string];
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
      const now = new Date().toISOString();
      const lost = endRun(job, 'server stopped', lastAlive(job.perRun.at(-1)?.stats ?? null, now));
      this.#end(lost, 'failed', 'server stopped', 'the server stopped while the job was running');
    }
    this.#pump();
  }

  submit(spec: JobSpec, scheduleId: string | null = null): Job {
    const job: Job = {
      id: newId(),
      ...spec,
      // Fixed now: a later deploy or rollback must not change what this job (and its resumes) runs.
      version:
        spec.project === null ? null : (spec.version ?? this.#options.currentVersion(spec.project)),
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
      perRun: [],
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
    const runStats = this.#active.get(job.id)?.progress?.runStats;
    return runStats ? withRunStats(job, runStats) : job;
  }

  progress(id: string): Progress | null {
    return this.#active.get(id)?.progress ?? this.#lastProgress.get(id) ?? null;
  }

  /** The job's chart history, oldest point first (empty without a history store). */
  history(id: string): HistoryPoint[] {
    const job = this.get(id);
    return this.#options.history?.points(job.id) ?? [];
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

  /** A new job with the stored spec of `id` (credentials in its URLs included, which the API never shows). */
  rerun(id: string): Job {
    const { spider, project, version, url, start, options, output, format } = this.get(id);
    return this.submit({
      spider: url ? null : spider,
      // The same deployed version, not whichever is current now: a re-run repeats the run it was made from.
      project: project ?? null,
      version: version ?? null,
      url,
      start,
      options,
      output,
      format: format ?? null,
    });
  }

  /**
   * Deletes a job's record and its directory (items, log, state). A running job is refused: its child still writes
   * there; pause or cancel it first.
   */
  async delete(id: string): Promise<void> {
    const job = this.get(id);
    if (this.#active.has(id) || job.status === 'running') {
      throw conflict(`job ${id} is running: cancel or pause it before deleting it`);
    }
    this.#options.store.deleteJob(id);
    this.#options.history?.delete(id);
    this.#lastProgress.delete(id);
    // The directory is made from a checked id only (isId above, via get).
    await rm(join(this.#options.dataDir, 'jobs', id), { recursive: true, force: true });
    this.emit('deleted', id);
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
      const now = new Date().toISOString();
      const job = {
        ...startRun(next, now),
        status: 'running' as const,
        startedAt: next.startedAt ?? now,
        finishedAt: null,
        runs: next.runs + 1,
      };
      const active: Active = {
        run: undefined,
        intent: undefined,
        job,
        progress: undefined,
        savedAt: 0,
      };
      this.#active.set(next.id, active);
      this.#save(job);
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
    const spiderFile = job.url ? null : await this.#options.spiderFile(job);
    if (spiderFile === undefined) {
      const where = job.project
        ? `version "${job.version}" of project "${job.project}"`
        : 'the project';
      throw new Error(`no spider named "${job.spider}" in ${where}`);
    }
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
        ...(job.format && { exportPath: exportPath(paths.dir, job.format) }),
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
      (items) => this.#onResumed(job.id, active, items),
    );
    active.run = run;
    if (active.intent) void run.stop();
    this.#finish(job.id, active, await run.exited);
  }

  /** `run` counts from the run's start: the job's progress shows the totals over its runs. */
  #onProgress(id: string, active: Active, run: Progress): void {
    const now = Date.now();
    const totals = withRunStats(active.job, run.stats).stats ?? run.stats;
    const progress: Progress = { ...run, stats: totals, runStats: run.stats, atMs: now };
    active.progress = progress;
    this.emit('progress', id, progress);
    this.#options.history?.record(id, active.job.runs, progress, now);
    if (now - active.savedAt >= saveStatsEveryMs) {
      active.savedAt = now;
      const job = this.#options.store.getJob(id);
      if (job) this.#options.store.saveJob(withRunStats(job, run.stats));
    }
  }

  /** The run found `items` committed in the state file: the earlier runs' counts are checked against it. */
  #onResumed(id: string, active: Active, items: number): void {
    active.job = reconcileItems(active.job, items);
    const stored = this.#options.store.getJob(id);
    if (!stored) return;
    const reconciled = { ...stored, perRun: active.job.perRun, stats: active.job.stats };
    this.#options.store.saveJob(withRunStats(reconciled, active.progress?.runStats ?? null));
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
    // The run's last figures end its curve, however soon after the previous point they came.
    if (active.progress) {
      this.#options.history?.record(id, active.job.runs, active.progress, Date.now(), true);
    }
    if (!job) return;
    const stats = end.closed?.stats ?? end.failed?.stats ?? active.progress?.runStats ?? null;
    const withStats = withRunStats(job, stats);
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

  /** Records how the job ended, and ends its current run (if it has one running) with the same reason. */
  #end(job: Job, status: JobStatus, reason: string, error: string | null): void {
    const now = new Date().toISOString();
    this.#save({ ...endRun(job, reason, now), status, reason, error, finishedAt: now });
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
