/** Messages between the server and its child processes (job runs and spider scans), with runtime guards. */
import type { Stats } from '../crawler/stats.js';
import type { ServerTls } from './server-tls.js';
import type { SharedRun } from './shared-jobs.js';
import type { JobOptions, Progress, SpiderScan } from './types.js';

/** A job run, given to the child as its first argument (JSON). Paths are built by the server, never by clients. */
export interface RunTask {
  mode: 'run';
  jobId: string;
  /** Absolute path of the spider file, or null for a no-code crawl of `url`. */
  spiderFile: string | null;
  url: string | null;
  start: string[] | null;
  options: JobOptions;
  statePath: string;
  outputPath: string;
  /** A second output in another format (the job's `format`), beside the JSON Lines one. */
  exportPath?: string;
  statsPath: string;
  allowPrivate: boolean;
  /** The server's --dns servers, when it has some. */
  dns?: string[];
  /** The operator's TLS files and whether jobs may turn verification off (serve --ca/--cert/--key/--allow-insecure). */
  tls?: ServerTls;
  /** How long in-flight requests may take to finish after a stop. */
  graceMs: number;
  /** A shared crawl: this process seeds it and writes its output; `arachne worker --server` processes fetch. */
  shared?: SharedRun;
}

/** Loads every listed file of a project and reports the spiders they define. */
export interface ScanTask {
  mode: 'scan';
  dir: string;
  files: string[];
}

export type ChildTask = RunTask | ScanTask;

export type ParentMessage = { type: 'stop' };

export type ChildMessage =
  | ({ type: 'progress' } & Progress)
  | { type: 'closed'; stats: Stats; reason: string }
  | { type: 'failed'; error: string; stats: Stats | null }
  /** A resumed run: the state file held `items` committed items (the earlier runs' output) when it started. */
  | { type: 'resumed'; items: number }
  | { type: 'scan'; result: SpiderScan };

const childTypes = new Set(['progress', 'closed', 'failed', 'resumed', 'scan']);

export function isChildMessage(value: unknown): value is ChildMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    childTypes.has((value as { type?: unknown }).type as string)
  );
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'stop'
  );
}
