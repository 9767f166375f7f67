/** What the HTTP routes need from the running server. */
import type { LookupFunction } from 'node:net';
import type { AccessTokens, Caller } from './access-tokens.js';
import type { AuditLog } from './audit-log.js';
import type { Deploys } from './deploys.js';
import type { JobManager } from './job-manager.js';
import type { ServerMetrics } from './metrics.js';
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

/** Hono's environment: the authenticated caller of an /api request, set by the token check. */
export interface AppEnv {
  Variables: { caller: Caller };
}

export interface AppDeps {
  tokens: AccessTokens;
  audit: AuditLog;
  metrics: ServerMetrics;
  /** Why the server cannot take jobs now (for /readyz), or undefined when it can. */
  notReady(): string | undefined;
  dataDir: string;
  manager: JobManager;
  schedules: Schedules;
  spiders: ProjectSpiders;
  /** Projects uploaded with `arachne deploy`, and their versions. */
  deploys: Deploys;
  info: ServerInfo;
  /** Resolves job URLs' host names for the submission check, as the jobs will (--dns). @default dns.lookup */
  lookup?: LookupFunction;
  /** The workers of shared jobs (serve --frontier), and their registry. */
  workers?: WorkerDeps;
}
