/** startServer: the job server's parts wired together (store, jobs, schedules, HTTP app, WebSocket), listening. */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { DnsCache } from '../http/dns-cache.js';
import { version } from '../version.js';
import { createApp } from './app.js';
import { JobManager } from './job-manager.js';
import { JobStore } from './job-store.js';
import { ProjectSpiders } from './project-spiders.js';
import { Schedules } from './schedules.js';
import { type ServerTls, serverTls } from './server-tls.js';
import { SharedCrawls } from './shared-crawls.js';
import { defaultHostTurns, defaultLeaseMs, type SharedJobs } from './shared-jobs.js';
import { loadOrCreateToken } from './token.js';
import type { Job } from './types.js';
import { WorkerRegistry } from './worker-registry.js';
import { WsHub } from './ws-hub.js';

export interface ServerConfig {
  /** The directory whose *.ts / *.js / *.mjs files define the spiders. */
  project: string;
  /** @default `<project>/.arachne` */
  dataDir?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 6800 */
  port?: number;
  /** @default 2 */
  maxJobs?: number;
  /** Let jobs connect to private, loopback and link-local addresses. @default false */
  allowPrivate?: boolean;
  /** DNS servers (`address[:port]`) the jobs resolve names with. @default the system resolver */
  dns?: readonly string[];
  /**
   * TLS for every job: CA files trusted besides the system's, a client certificate, and whether a job may set
   * `insecure`. Files come from the operator only: an API job cannot name a path on the server. @default none
   */
  tls?: ServerTls;
  /**
   * Let API jobs start at mailbox URLs (imap:, imaps:, pop3:, pop3s:); they log in with the server's
   * ARACHNE_MAIL_PASSWORD, which job processes inherit. @default false
   */
  allowMail?: boolean;
  /** A fixed token (ARACHNE_TOKEN); otherwise DATA_DIR/token, created on first start. */
  token?: string;
  /** Grace for in-flight requests when a job is paused, cancelled or the server stops. @default 5000 */
  graceMs?: number;
  /** Called when a job run ends (finished, failed, paused or cancelled): mail notifications. */
  onJobEnded?: (job: Job) => void;
  /**
   * redis://HOST:PORT/DB: every job runs as a shared crawl there, its pages fetched by `arachne worker --server URL`
   * processes on any machine; the server seeds each crawl and writes its output. @default jobs run on this machine
   */
  frontier?: string;
  /** With `frontier`: how long a dead worker's requests stay leased before other workers get them. @default 30000 */
  leaseMs?: number;
  /** With `frontier`: the host-turns group of every job (politeness across jobs). @default 'serve' */
  hostTurns?: string;
  /** How often workers report. @default 1000 */
  heartbeatMs?: number;
}

/** How long a finished or cancelled job's shared crawl stays in Redis. */
const dropSharedCrawlAfterMs = 5000;

export interface RunningServer {
  /** e.g. `http://127.0.0.1:6800` */
  url: string;
  port: number;
  token: string;
  /** Where the token is stored (undefined when it came from the configuration). */
  tokenFile: string | undefined;
  dataDir: string;
  app: Hono;
  manager: JobManager;
  /** Stops schedules, pauses running jobs gracefully (they resume on request), closes everything. */
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const project = resolve(config.project);
  // Submitted URLs are checked against the servers the jobs will ask; a bad server address stops the start here.
  const dns = config.dns?.length ? new DnsCache({ servers: config.dns }) : undefined;
  const dataDir = resolve(config.dataDir ?? join(project, '.arachne'));
  mkdirSync(join(dataDir, 'jobs'), { recursive: true, mode: 0o700 });
  const { token, file: tokenFile } = loadOrCreateToken(dataDir, config.token);
  const store = JobStore.open(join(dataDir, 'server.db'));
  const spiders = new ProjectSpiders(project);
  const maxJobs = config.maxJobs ?? 2;
  const allowPrivate = config.allowPrivate ?? false;
  const tls = config.tls && serverTls(config.tls);
  const allowInsecure = tls?.allowInsecure === true;
  const shared: SharedJobs | undefined = config.frontier
    ? {
        frontier: config.frontier,
        leaseMs: config.leaseMs ?? defaultLeaseMs,
        hostTurns: config.hostTurns ?? defaultHostTurns,
      }
    : undefined;
  // Redis is checked before anything starts: a wrong --frontier stops the server, not each of its jobs.
  const sharedCrawls = shared && (await SharedCrawls.open(shared.frontier));
  const manager = new JobManager({
    store,
    dataDir,
    maxJobs,
    allowPrivate,
    ...(config.dns?.length && { dns: config.dns }),
    tls,
    spiderFile: (name) => spiders.fileOf(name),
    ...(config.graceMs !== undefined ? { graceMs: config.graceMs } : {}),
    shared,
  });
  if (config.onJobEnded) manager.on('ended', config.onJobEnded);
  if (sharedCrawls) {
    manager.on('job', (job) => {
      if (job.status !== 'finished' && job.status !== 'cancelled') return;
      // A little later: workers leaving the crawl still publish their last counters and give back their leases.
      setTimeout(() => {
        sharedCrawls.drop(job.id).catch((error: unknown) => {
          process.stderr.write(
            `arachne serve: job ${job.id}: cannot delete its shared crawl: ${(error as Error).message}\n`,
          );
        });
      }, dropSharedCrawlAfterMs).unref();
    });
  }
  const registry = new WorkerRegistry(config.heartbeatMs);
  const schedules = new Schedules(store, {
    submit: (spec, scheduleId) => manager.submit(spec, scheduleId),
    isBusy: (jobId) => {
      const status = store.getJob(jobId)?.status;
      return status === 'queued' || status === 'running';
    },
  });
  manager.recover();
  schedules.start();
  const app = createApp({
    token,
    dataDir,
    manager,
    schedules,
    spiders,
    info: {
      version,
      project,
      maxJobs,
      allowPrivate,
      allowInsecure,
      allowMail: config.allowMail ?? false,
    },
    ...(dns && { lookup: dns.lookup }),
    workers: { registry, shared, allowPrivate, dns: config.dns },
  });
  const hub = new WsHub(manager, token);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head));
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.port ?? 6800, config.host ?? '127.0.0.1', () => resolveListen());
    });
  } catch (error) {
    schedules.stop();
    hub.close();
    await manager.shutdown();
    store.close();
    await sharedCrawls?.close();
    throw error;
  }
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    token,
    tokenFile,
    dataDir,
    app,
    manager,
    close: () =>
      (closing ??= (async () => {
        schedules.stop();
        await manager.shutdown();
        hub.close();
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        store.close();
        await sharedCrawls?.close();
      })()),
  };
}
