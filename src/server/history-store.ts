/**
 * Jobs' chart history in the server's database: a point every 500 ms while a job runs, at most `maxPoints`
 * per job. A full history is thinned by half (every other point goes) and the job's sampling interval doubles, so
 * a job of any length keeps its whole curve at an even pace, within a bounded size.
 */
import Database from 'better-sqlite3';
import { StorageError } from '../errors.js';
import type { HistoryPoint, PointLatency, Progress } from './types.js';

const schema = `
CREATE TABLE IF NOT EXISTS job_history (
  job_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,        -- Unix time in milliseconds
  point TEXT NOT NULL,           -- the HistoryPoint as JSON
  PRIMARY KEY (job_id, at_ms)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS job_history_pace (
  job_id TEXT PRIMARY KEY,
  interval_ms INTEGER NOT NULL   -- the least time between two points (doubles at each thinning)
);
`;

export interface HistoryStoreOptions {
  /** @default 1000 */
  maxPoints?: number;
  /** The least time between two points before any thinning (job processes report every 500 ms). @default 500 */
  intervalMs?: number;
}

interface Pace {
  intervalMs: number;
  lastAtMs: number;
  count: number;
}

export class HistoryStore {
  readonly #db: Database.Database;
  readonly #maxPoints: number;
  readonly #intervalMs: number;
  /** Jobs recorded since the server started (the others are read from the database on their next point). */
  readonly #paces = new Map<string, Pace>();

  private constructor(db: Database.Database, options: HistoryStoreOptions) {
    this.#db = db;
    this.#maxPoints = Math.max(4, options.maxPoints ?? 1000);
    this.#intervalMs = Math.max(1, options.intervalMs ?? 500);
  }

  /** Opens the server database (`server.db`, shared with the job store) and adds the history tables. */
  static open(path: string, options: HistoryStoreOptions = {}): HistoryStore {
    try {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.exec(schema);
      return new HistoryStore(db, options);
    } catch (error) {
      throw new StorageError(
        `${path}: cannot open the history tables: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * Records the job's progress at `atMs` unless the last point is more recent than the job's interval; `force`
   * records it anyway (a run's last progress, so the curve ends where the run did).
   */
  record(jobId: string, run: number, progress: Progress, atMs: number, force = false): boolean {
    const pace = this.#pace(jobId);
    // 10 % slack: reports due every interval arrive a few milliseconds early or late.
    if (!force && atMs - pace.lastAtMs < pace.intervalMs * 0.9) return false;
    // Times only move forward, even if the clock steps back.
    const at = Math.max(atMs, pace.lastAtMs + 1);
    const point = pointOf(progress, run, at);
    const added = this.#db
      .prepare('INSERT OR REPLACE INTO job_history (job_id, at_ms, point) VALUES (?, ?, ?)')
      .run(jobId, at, JSON.stringify(point)).changes;
    pace.lastAtMs = at;
    pace.count += added > 0 ? 1 : 0;
    if (pace.count > this.#maxPoints) this.#thin(jobId, pace);
    return true;
  }

  /** The job's points, oldest first. */
  points(jobId: string): HistoryPoint[] {
    const rows = this.#db
      .prepare('SELECT point FROM job_history WHERE job_id = ? ORDER BY at_ms')
      .all(jobId) as Array<{ point: string }>;
    return rows.map((row) => JSON.parse(row.point) as HistoryPoint);
  }

  /** The job's current interval between points. */
  intervalMs(jobId: string): number {
    return this.#pace(jobId).intervalMs;
  }

  delete(jobId: string): void {
    this.#db.prepare('DELETE FROM job_history WHERE job_id = ?').run(jobId);
    this.#db.prepare('DELETE FROM job_history_pace WHERE job_id = ?').run(jobId);
    this.#paces.delete(jobId);
  }

  close(): void {
    this.#db.close();
  }

  #pace(jobId: string): Pace {
    let pace = this.#paces.get(jobId);
    if (!pace) {
      const row = this.#db
        .prepare(
          `SELECT count(*) AS count, coalesce(max(at_ms), 0) AS last,
             (SELECT interval_ms FROM job_history_pace WHERE job_id = ?) AS interval
           FROM job_history WHERE job_id = ?`,
        )
        .get(jobId, jobId) as { count: number; last: number; interval: number | null };
      pace = {
        intervalMs: row.interval ?? this.#intervalMs,
        lastAtMs: row.last,
        count: row.count,
      };
      this.#paces.set(jobId, pace);
    }
    return pace;
  }

  /** Drops every other point (the first and the last stay) and doubles the interval. */
  #thin(jobId: string, pace: Pace): void {
    const thin = this.#db.transaction(() => {
      const removed = this.#db
        .prepare(
          `DELETE FROM job_history WHERE job_id = ? AND at_ms IN (
             SELECT at_ms FROM (
               SELECT at_ms, row_number() OVER (ORDER BY at_ms) AS n FROM job_history WHERE job_id = ?
             ) WHERE n % 2 = 0 AND at_ms < ?
           )`,
        )
        .run(jobId, jobId, pace.lastAtMs).changes;
      pace.count -= removed;
      pace.intervalMs *= 2;
      this.#db
        .prepare(
          'INSERT INTO job_history_pace (job_id, interval_ms) VALUES (?, ?) ' +
            'ON CONFLICT (job_id) DO UPDATE SET interval_ms = excluded.interval_ms',
        )
        .run(jobId, pace.intervalMs);
    });
    thin();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** What the charts draw: the job's totals and the latency of the moment (p50 and p90 per phase). */
function pointOf(progress: Progress, run: number, atMs: number): HistoryPoint {
  const { stats, latency } = progress;
  const phases = ['dns', 'connect', 'tls', 'firstByte', 'total'] as const;
  return {
    atMs,
    run,
    pages: stats.responses,
    items: stats.items,
    failed: stats.failed,
    byStatus: { ...stats.responsesByStatus },
    latency:
      latency.samples > 0
        ? (Object.fromEntries(
            phases.map((phase) => [
              phase,
              { p50: round(latency[phase].p50), p90: round(latency[phase].p90) },
            ]),
          ) as PointLatency)
        : null,
  };
}
