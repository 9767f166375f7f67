/** What the HTTP routes need from the running server. */
import type { JobManager } from './job-manager.js';
import type { ProjectSpiders } from './project-spiders.js';
import type { Schedules } from './schedules.js';

export interface ServerInfo {
  version: string;
  project: string;
  maxJobs: number;
  allowPrivate: boolean;
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
}
