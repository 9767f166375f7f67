/** The server's data shapes: jobs, schedules, live progress (the JSON of the REST API and the WebSocket). */
import type { ApiOptionKey } from '../crawler/option-specs.js';
import type { CrawlOptions } from '../crawler/options.js';
import type { Stats } from '../crawler/stats.js';
import type { FetchHistograms } from './fetch-histogram.js';

export type JobStatus = 'queued' | 'running' | 'paused' | 'finished' | 'failed' | 'cancelled';

/** Crawl options a client may set on a job: those the option table marks `api` (validated by api-schemas.ts). */
export type JobOptions = Pick<CrawlOptions, ApiOptionKey>;

/** What to run: a project spider (optionally from other start URLs) or a no-code crawl of `url`. */
export interface JobSpec {
  spider: string | null;
  /** A deployed project (arachne deploy) whose spider runs, or null for the server's project directory. */
  project: string | null;
  /**
   * The project's version. A job records the one it runs (the current version when none was asked for, and its
   * resumes keep it); a schedule with null runs whichever version is current at each tick.
   */
  version: string | null;
  url: string | null;
  start: string[] | null;
  options: JobOptions;
  /** A file name inside the job directory. */
  output: string;
  /**
   * A second copy of the items in this format, written beside the JSON Lines output (which the items route pages
   * through). Absent on jobs stored before it existed.
   */
  format?: ExportFormat | null;
}

/** The formats a job may export its items to as well: files in its directory (SQLite is the database one). */
export type ExportFormat = 'csv' | 'json' | 'xml' | 'sqlite';

export interface Job extends JobSpec {
  id: string;
  /** The spider's name, or 'site' for a no-code crawl. */
  spider: string;
  status: JobStatus;
  scheduleId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  reason: string | null;
  error: string | null;
  /** Child processes started for this job (a resume adds one). */
  runs: number;
  /** Totals over all runs (see run-totals.ts): they add up with the items the job's output holds. */
  stats: Stats | null;
  /** Each run's own figures, oldest first. */
  perRun: RunSummary[];
}

/** One child process of a job (a resume starts another) and what it did. */
export interface RunSummary {
  startedAt: string;
  /** When it ended (for a run the server lost in a crash: when it was last heard of); null while it runs. */
  finishedAt: string | null;
  /** How it ended ('finished', 'paused', 'server stopped'…); null while it runs. */
  reason: string | null;
  /** Its own counters (last known while it runs); null until it reported any. */
  stats: Stats | null;
}

export interface Schedule extends JobSpec {
  id: string;
  cron: string;
  createdAt: string;
  nextRun: string | null;
  lastRun: string | null;
  lastJobId: string | null;
  /** A paused schedule starts no jobs until it is resumed (schedules stored before this field read as false). */
  paused: boolean;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface Latency {
  samples: number;
  dns: Percentiles;
  connect: Percentiles;
  tls: Percentiles;
  firstByte: Percentiles;
  total: Percentiles;
}

export interface HostRow {
  host: string;
  inFlight: number;
  delayMs: number;
  waitMs: number;
  queued: number;
  responses: number;
  errors: number;
}

export interface RecentError {
  at: string;
  url: string;
  code: string;
  message: string;
}

/** The live view of a job's current run. */
export interface Progress {
  /** From the server: the job's totals over all its runs (from a job process: its run's own). */
  stats: Stats;
  /** The current run's own counters (set by the server). */
  runStats?: Stats;
  /** When the server received it, in Unix milliseconds (set by the server; chart points use the same clock). */
  atMs?: number;
  hosts: HostRow[];
  latency: Latency;
  /** Fetch times of every response of this run in fixed buckets (what /metrics exports). */
  fetchHistograms: FetchHistograms;
  errors: RecentError[];
  items: { first: unknown[]; last: unknown[] };
}

/** Latency of the moment in a chart point: p50 and p90 of each phase, in milliseconds. */
export type PointLatency = Record<
  'dns' | 'connect' | 'tls' | 'firstByte' | 'total',
  { p50: number; p90: number }
>;

/** One point of a job's chart history (GET /api/jobs/:id/history). Counts are totals over the job's runs. */
export interface HistoryPoint {
  /** Unix time in milliseconds; strictly increasing within a job. */
  atMs: number;
  /** The run it belongs to (1 = the first). */
  run: number;
  /** Responses received. */
  pages: number;
  items: number;
  failed: number;
  byStatus: Record<string, number>;
  /** Null before any response of the run. */
  latency: PointLatency | null;
}

/** A spider found in the project directory. */
export interface SpiderEntry {
  name: string;
  /** File name relative to the project directory. */
  file: string;
}

export interface SpiderScan {
  spiders: SpiderEntry[];
  errors: Array<{ file: string; message: string }>;
}

/** A version of a project uploaded with `arachne deploy`: DATA_DIR/projects/<project>/<version>/. */
export interface DeployedVersion {
  project: string;
  version: string;
  createdAt: string;
  /** Files unpacked, and their bytes. */
  files: number;
  bytes: number;
  /** Where its spiders are: `spiders` when the archive has that directory, else `.`. */
  spidersDir: string;
  spiders: SpiderEntry[];
  errors: Array<{ file: string; message: string }>;
  /** Packages npm installed for it (0: it needed none). */
  packages: number;
  /** Jobs that name the project without a version run this one. */
  current: boolean;
}

export interface ProjectSummary {
  name: string;
  current: string;
  /** The newest upload. */
  latest: string;
  versions: number;
}
