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
  url: string | null;
  start: string[] | null;
  options: JobOptions;
  /** A file name inside the job directory. */
  output: string;
}

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
  stats: Stats | null;
}

export interface Schedule extends JobSpec {
  id: string;
  cron: string;
  createdAt: string;
  nextRun: string | null;
  lastRun: string | null;
  lastJobId: string | null;
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
  stats: Stats;
  hosts: HostRow[];
  latency: Latency;
  /** Fetch times of every response of this run in fixed buckets (what /metrics exports). */
  fetchHistograms: FetchHistograms;
  errors: RecentError[];
  items: { first: unknown[]; last: unknown[] };
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
