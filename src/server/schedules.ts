/** Cron schedules (croner): each tick submits a job; kept in server.db and started again after a restart. */
import { Cron } from 'croner';
import { badRequest, notFound } from './api-error.js';
import { isId, newId } from './job-paths.js';
import type { JobStore } from './job-store.js';
import type { Job, JobSpec, Schedule } from './types.js';

export interface ScheduleHooks {
  submit(spec: JobSpec, scheduleId: string): Job;
  /** Whether a job is still queued or running: a schedule never piles up runs of itself. */
  isBusy(jobId: string): boolean;
  /** A schedule was created, deleted or ticked. */
  onChange?(): void;
}

export class Schedules {
  readonly #store: JobStore;
  readonly #hooks: ScheduleHooks;
  readonly #crons = new Map<string, Cron>();

  constructor(store: JobStore, hooks: ScheduleHooks) {
    this.#store = store;
    this.#hooks = hooks;
  }

  /** Starts the timers of the stored schedules. */
  start(): void {
    for (const schedule of this.#store.listSchedules()) this.#arm(schedule);
  }

  list(): Schedule[] {
    return this.#store.listSchedules().map((schedule) => this.#withNextRun(schedule));
  }

  get(id: string): Schedule {
    const schedule = isId(id) ? this.#stored(id) : undefined;
    if (!schedule) throw notFound(`no schedule with id "${id}"`);
    return this.#withNextRun(schedule);
  }

  /** Stops (paused true) or restarts a schedule's timer; kept across restarts. */
  setPaused(id: string, paused: boolean): Schedule {
    const schedule = { ...this.get(id), paused };
    this.#store.saveSchedule(schedule);
    this.#crons.get(id)?.stop();
    this.#crons.delete(id);
    this.#arm(schedule);
    this.#hooks.onChange?.();
    return this.#withNextRun(schedule);
  }

  create(cron: string, spec: JobSpec): Schedule {
    checkCron(cron);
    const schedule: Schedule = {
      id: newId(),
      cron,
      ...spec,
      createdAt: new Date().toISOString(),
      nextRun: null,
      lastRun: null,
      lastJobId: null,
      paused: false,
    };
    this.#store.insertSchedule(schedule);
    this.#arm(schedule);
    this.#hooks.onChange?.();
    return this.#withNextRun(schedule);
  }

  delete(id: string): void {
    if (!isId(id) || !this.#store.deleteSchedule(id)) throw notFound(`no schedule with id "${id}"`);
    this.#crons.get(id)?.stop();
    this.#crons.delete(id);
    this.#hooks.onChange?.();
  }

  stop(): void {
    for (const cron of this.#crons.values()) cron.stop();
    this.#crons.clear();
  }

  #arm(schedule: Schedule): void {
    if (schedule.paused) return;
    const cron = new Cron(schedule.cron, { unref: true, catch: true }, () =>
      this.#tick(schedule.id),
    );
    this.#crons.set(schedule.id, cron);
  }

  #tick(id: string): void {
    const schedule = this.#stored(id);
    if (!schedule || schedule.paused) return;
    if (schedule.lastJobId && this.#hooks.isBusy(schedule.lastJobId)) return;
    const job = this.#hooks.submit(
      {
        spider: schedule.spider,
        project: schedule.project,
        version: schedule.version,
        url: schedule.url,
        start: schedule.start,
        options: schedule.options,
        output: schedule.output,
        format: schedule.format ?? null,
      },
      id,
    );
    this.#store.saveSchedule({ ...schedule, lastRun: new Date().toISOString(), lastJobId: job.id });
    this.#hooks.onChange?.();
  }

  #stored(id: string): Schedule | undefined {
    const schedule = this.#store.listSchedules().find((s) => s.id === id);
    return schedule ? { ...schedule, paused: schedule.paused ?? false } : undefined;
  }

  #withNextRun(schedule: Schedule): Schedule {
    const next = this.#crons.get(schedule.id)?.nextRun();
    return {
      ...schedule,
      paused: schedule.paused ?? false,
      nextRun: next ? next.toISOString() : null,
    };
  }
}

/**
 * A croner pattern (5 or 6 fields) that fires at least once; a bad one is a 400 naming `cron`. One that parses
 * but names a day that never comes (`0 0 30 2 *`, February 30) is refused too: croner finds no next run for it
 * (it searches years ahead, so a rare but real date such as February 29 still passes), and the schedule would
 * otherwise be listed forever with no next run.
 */
export function checkCron(pattern: string): void {
  nextRuns(pattern, 1);
}

/** The next `count` times `pattern` fires, from now (server time); a bad or never-firing pattern is a 400. */
export function nextRuns(pattern: string, count: number): Date[] {
  let runs: Date[];
  try {
    const cron = new Cron(pattern, { paused: true });
    runs = cron.nextRuns(count);
    cron.stop();
  } catch (error) {
    throw badRequest(`invalid cron expression: ${(error as Error).message}`, 'cron');
  }
  if (runs.length === 0) {
    throw badRequest(`cron expression "${pattern}" never fires (no such date)`, 'cron');
  }
  return runs;
}
