/** The server's own database (DATA_DIR/server.db, SQLite): job history and schedules, kept across restarts. */
import Database from 'better-sqlite3';
import { StorageError } from '../errors.js';
import { withPerRun } from './job-runs.js';
import type { DeployedVersion, Job, JobStatus, Schedule } from './types.js';

const schema = `
CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  job TEXT NOT NULL            -- the Job as JSON
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);
CREATE TABLE IF NOT EXISTS schedules (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  schedule TEXT NOT NULL       -- the Schedule as JSON (nextRun is computed, not stored)
);
CREATE TABLE IF NOT EXISTS versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL,
  version TEXT NOT NULL,
  meta TEXT NOT NULL,          -- the DeployedVersion as JSON (current is computed, not stored)
  UNIQUE (project, version)
);
CREATE TABLE IF NOT EXISTS projects (name TEXT PRIMARY KEY, current TEXT NOT NULL);
`;

/** Synchronous by design: one small row per write, and better-sqlite3 is fastest that way. */
export class JobStore {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  static open(path: string): JobStore {
    try {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.exec(schema);
      db.prepare('INSERT OR IGNORE INTO server_meta (key, value) VALUES (?, ?)').run(
        'format',
        'arachne-server/1',
      );
      return new JobStore(db);
    } catch (error) {
      throw new StorageError(
        `${path}: cannot open the server database: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** The open database, for the server's other tables (access tokens, audit log), which create their own. */
  get db(): Database.Database {
    return this.#db;
  }

  insertJob(job: Job): void {
    this.#db
      .prepare('INSERT INTO jobs (id, status, job) VALUES (?, ?, ?)')
      .run(job.id, job.status, JSON.stringify(job));
  }

  saveJob(job: Job): void {
    this.#db
      .prepare('UPDATE jobs SET status = ?, job = ? WHERE id = ?')
      .run(job.status, JSON.stringify(job), job.id);
  }

  getJob(id: string): Job | undefined {
    const row = this.#db.prepare('SELECT job FROM jobs WHERE id = ?').get(id) as
      | { job: string }
      | undefined;
    return row ? parseJob(row.job) : undefined;
  }

  deleteJob(id: string): boolean {
    return this.#db.prepare('DELETE FROM jobs WHERE id = ?').run(id).changes > 0;
  }

  /** Newest first. */
  listJobs(limit: number, status?: JobStatus): Job[] {
    const rows = (
      status
        ? this.#db
            .prepare('SELECT job FROM jobs WHERE status = ? ORDER BY seq DESC LIMIT ?')
            .all(status, limit)
        : this.#db.prepare('SELECT job FROM jobs ORDER BY seq DESC LIMIT ?').all(limit)
    ) as Array<{ job: string }>;
    return rows.map((row) => parseJob(row.job));
  }

  /** The oldest queued job. */
  nextQueued(): Job | undefined {
    const row = this.#db
      .prepare("SELECT job FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1")
      .get() as { job: string } | undefined;
    return row ? parseJob(row.job) : undefined;
  }

  /** Every status with its number of jobs (statuses with none are absent). */
  countsByStatus(): Partial<Record<JobStatus, number>> {
    const rows = this.#db
      .prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status')
      .all() as Array<{
      status: JobStatus;
      n: number;
    }>;
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  /** Whether the database answers (for /readyz): false once closed or when reading fails. */
  isReadable(): boolean {
    try {
      this.#db.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  countByStatus(status: JobStatus): number {
    const row = this.#db.prepare('SELECT count(*) AS n FROM jobs WHERE status = ?').get(status) as {
      n: number;
    };
    return row.n;
  }

  insertSchedule(schedule: Schedule): void {
    this.#db
      .prepare('INSERT INTO schedules (id, schedule) VALUES (?, ?)')
      .run(schedule.id, JSON.stringify(schedule));
  }

  saveSchedule(schedule: Schedule): void {
    this.#db
      .prepare('UPDATE schedules SET schedule = ? WHERE id = ?')
      .run(JSON.stringify(schedule), schedule.id);
  }

  deleteSchedule(id: string): boolean {
    return this.#db.prepare('DELETE FROM schedules WHERE id = ?').run(id).changes > 0;
  }

  listSchedules(): Schedule[] {
    const rows = this.#db.prepare('SELECT schedule FROM schedules ORDER BY seq').all() as Array<{
      schedule: string;
    }>;
    return rows.map((row) => withDeployFields(JSON.parse(row.schedule) as Schedule));
  }

  /** Adds a deployed version and makes it its project's current one. */
  insertVersion(version: Omit<DeployedVersion, 'current'>): void {
    this.#db.transaction(() => {
      this.#db
        .prepare('INSERT INTO versions (project, version, meta) VALUES (?, ?, ?)')
        .run(version.project, version.version, JSON.stringify(version));
      this.setCurrentVersion(version.project, version.version);
    })();
  }

  /** A project's versions, oldest first, or every project's. */
  listVersions(project?: string): Array<Omit<DeployedVersion, 'current'>> {
    const rows = (
      project === undefined
        ? this.#db.prepare('SELECT meta FROM versions ORDER BY seq').all()
        : this.#db.prepare('SELECT meta FROM versions WHERE project = ? ORDER BY seq').all(project)
    ) as Array<{ meta: string }>;
    return rows.map((row) => JSON.parse(row.meta) as Omit<DeployedVersion, 'current'>);
  }

  currentVersions(): Map<string, string> {
    const rows = this.#db.prepare('SELECT name, current FROM projects').all() as Array<{
      name: string;
      current: string;
    }>;
    return new Map(rows.map((row) => [row.name, row.current]));
  }

  setCurrentVersion(project: string, version: string): void {
    this.#db
      .prepare(
        'INSERT INTO projects (name, current) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET current = excluded.current',
      )
      .run(project, version);
  }

  deleteVersion(project: string, version: string): void {
    this.#db.transaction(() => {
      this.#db
        .prepare('DELETE FROM versions WHERE project = ? AND version = ?')
        .run(project, version);
      const left = this.#db
        .prepare('SELECT count(*) AS n FROM versions WHERE project = ?')
        .get(project) as { n: number };
      if (left.n === 0) this.#db.prepare('DELETE FROM projects WHERE name = ?').run(project);
    })();
  }

  close(): void {
    this.#db.close();
  }
}

function parseJob(text: string): Job {
  return withPerRun(withDeployFields(JSON.parse(text) as Job));
}

/** Jobs and schedules stored before deploys existed have no project or version: they ran the project directory. */
function withDeployFields<T extends { project: string | null; version: string | null }>(
  stored: T,
): T {
  return { ...stored, project: stored.project ?? null, version: stored.version ?? null };
}
