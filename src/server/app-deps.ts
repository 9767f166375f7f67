/** What the HTTP routes need from the running server. */
import type { LookupFunction } from 'node:net';
import type { JobManager } from './job-manager.js';
import type { ProjectSpiders } from './project-spiders.js';
import type { WorkerDeps } from './routes-workers.js';
import type { Schedules } from './schedules.js';

export interface ServerInfo {
  version: string;
  project: string;
  maxJobs: number;
  allowPrivate: boolean;
  /** Jobs may set `insecure` (serve --allow-insecure). */
  allowInsecure: boolean;
  /** API jobs may start at mailbox URLs (imap:, imaps:, pop3:, pop3s:). */
  allowMail: boolean;
}

export interface AppDeps {
  token: string;
  dataDir: string;
  manager: JobManager;
  schedules: Schedules;
  spiders: ProjectSpiders;
  info: ServerInfo;
  /** Resolves job URLs' host names for the submission check, as the jobs will (--dns). @default dns.lookup */
  lookup?: LookupFunction;
  /** The workers of shared jobs (serve --frontier), and their registry. */
  workers?: WorkerDeps;
}
