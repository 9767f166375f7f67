/** startServer: the job server's parts wired together (store, jobs, schedules, HTTP app, WebSocket), listening. */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { ConfigError } from '../errors.js';
import { DnsCache } from '../http/dns-cache.js';
import { version } from '../version.js';
import { AccessTokens } from './access-tokens.js';
import { type AlertChannels, deliverAlerts } from './alert-delivery.js';
import { createApp } from './app.js';
import type { AppEnv } from './app-deps.js';
import { AuditLog } from './audit-log.js';
import { Deploys } from './deploys.js';
import { HistoryStore } from './history-store.js';
import { JobAlerts } from './job-alerts.js';
import { mailOnEnd } from './job-mail.js';
import { JobManager } from './job-manager.js';
import { JobStore } from './job-store.js';
import { ServerMetrics } from './metrics.js';
import { createMailer, type MailerConfig } from './notify.js';
import { ProjectSpiders } from './project-spiders.js';
import { Schedules } from './schedules.js';
import { type ServerTls, serverTls } from './server-tls.js';
import { SharedCrawls } from './shared-crawls.js';
import { defaultHostTurns, defaultLeaseMs, type SharedJobs } from './shared-jobs.js';
import { loadOrCreateToken } from './token.js';
import type { Job } from './types.js';
import { createWebhook, type WebhookConfig } from './webhook.js';
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
  /** The largest deploy archive (compressed) the server accepts. @default 50 MiB */
  maxDeployBytes?: number;
  /** How long installing a deployed version's dependencies may take. @default 600_000 */
  installTimeoutMs?: number;
  /** Called when a job run ends (finished, failed, paused or cancelled). */
  onJobEnded?: (job: Job) => void;
  /** Mails a report when a job finishes or fails, and the alerts below, through this SMTP server. @default none */
  mail?: MailerConfig;
  /** Alerts to the webhook and to `mail`: a job failed, its error rate went over a threshold, it runs too long. */
  alerts?: AlertsConfig;
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

export interface AlertsConfig {
  /** POSTs every alert as JSON to the operator's URL (which may be private). @default none */
  webhook?: WebhookConfig;
  /** Alert once per run when failed requests / requests made goes over this fraction (0 to 1). @default none */
  errorRate?: number;
  /** Requests a run makes before its error rate is judged. @default 20 */
  errorRateMinRequests?: number;
  /** Alert once per run when it has been running this long. @default none */
  maxDurationMs?: number;
  /** Called when an alert could not be delivered. @default a line on stderr */
  onError?: AlertChannels['onError'];
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
  app: Hono<AppEnv>;
  manager: JobManager;
  /** The named tokens (`arachne serve token` writes the same table). */
  tokens: AccessTokens;
  /** Stops schedules, pauses running jobs gracefully (they resume on request), closes everything. */
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const project = resolve(config.project);
  // Bad alert settings stop the start before anything is opened.
  const thresholds = config.alerts && checkedThresholds(config.alerts);
  if (config.alerts && !config.alerts.webhook && !config.mail) {
    throw new ConfigError('alerts need a webhook or mail to go to');
  }
  const webhook = config.alerts?.webhook && createWebhook(config.alerts.webhook);
  const mailer = config.mail && createMailer(config.mail);
  // Submitted URLs are checked against the servers the jobs will ask; a bad server address stops the start here.
  const dns = config.dns?.length ? new DnsCache({ servers: config.dns }) : undefined;
  const dataDir = resolve(config.dataDir ?? join(project, '.arachne'));
  mkdirSync(join(dataDir, 'jobs'), { recursive: true, mode: 0o700 });
  const { token, file: tokenFile } = loadOrCreateToken(dataDir, config.token);
  const store = JobStore.open(join(dataDir, 'server.db'));
  const history = HistoryStore.open(join(dataDir, 'server.db'));
  const tokens = new AccessTokens(store.db, token);
  const audit = new AuditLog(store.db);
  const spiders = new ProjectSpiders(project);
  const deploys = new Deploys(store, dataDir, {
    ...(config.maxDeployBytes !== undefined && { maxUploadBytes: config.maxDeployBytes }),
    ...(config.installTimeoutMs !== undefined && {
      install: { timeoutMs: config.installTimeoutMs },
    }),
  });
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
  if (shared && sharedCrawls?.cluster) {
    if (config.hostTurns !== undefined) {
      await sharedCrawls.close();
      throw new ConfigError('--host-turns needs a single Redis, not a Redis Cluster');
    }
    // A group's turns live outside the jobs' slots: on a cluster each job keeps its own.
    delete shared.hostTurns;
  }
  const manager = new JobManager({
    store,
    history,
    dataDir,
    maxJobs,
    allowPrivate,
    ...(config.dns?.length && { dns: config.dns }),
    tls,
    spiderFile: ({ spider, project: deployed, version }) =>
      deployed && version
        ? deploys.spiderFile(deployed, version, spider ?? '')
        : spiders.fileOf(spider ?? ''),
    currentVersion: (deployed) => deploys.resolve(deployed, null),
    ...(config.graceMs !== undefined ? { graceMs: config.graceMs } : {}),
    shared,
  });
  if (config.onJobEnded) manager.on('ended', config.onJobEnded);
  if (mailer) manager.on('ended', mailOnEnd(mailer));
  const alerts =
    config.alerts && thresholds && (webhook || mailer)
      ? new JobAlerts(manager, {
          ...thresholds,
          deliver: deliverAlerts({ webhook, mailer, onError: config.alerts.onError }),
        })
      : undefined;
  const release = () => {
    alerts?.close();
    webhook?.close();
    mailer?.close();
  };
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
    submit: (spec, scheduleId) => {
      const job = manager.submit(spec, scheduleId);
      audit.record('scheduler', 'job.create', job.id);
      return job;
    },
    isBusy: (jobId) => {
      const status = store.getJob(jobId)?.status;
      return status === 'queued' || status === 'running';
    },
  });
  manager.recover();
  schedules.start();
  const metrics = new ServerMetrics({
    manager,
    jobCounts: () => store.countsByStatus(),
    maxJobs,
    version,
  });
  let closing: Promise<void> | undefined;
  const app = createApp({
    tokens,
    audit,
    metrics,
    notReady: () => {
      if (closing) return 'the server is stopping';
      if (!store.isReadable()) return 'the server database cannot be read';
      return undefined;
    },
    dataDir,
    manager,
    schedules,
    spiders,
    deploys,
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
  const hub = new WsHub(manager, (given) => tokens.authenticate(given), dataDir);
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
    release();
    metrics.close();
    await manager.shutdown();
    history.close();
    store.close();
    await sharedCrawls?.close();
    throw error;
  }
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    token,
    tokenFile,
    dataDir,
    app,
    manager,
    tokens,
    close: () =>
      (closing ??= (async () => {
        schedules.stop();
        // Jobs paused by the shutdown raise no alerts; a mail still being sent is cut.
        alerts?.close();
        await manager.shutdown();
        release();
        hub.close();
        metrics.close();
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        history.close();
        store.close();
        await sharedCrawls?.close();
      })()),
  };
}

/** The thresholds of `alerts`, refused when they cannot mean anything. */
function checkedThresholds(alerts: AlertsConfig): Omit<AlertsConfig, 'webhook' | 'onError'> {
  const { errorRate, errorRateMinRequests, maxDurationMs } = alerts;
  if (errorRate !== undefined && !(errorRate >= 0 && errorRate < 1)) {
    throw new ConfigError(
      `alerts.errorRate must be a fraction from 0 to below 1, got ${errorRate}`,
    );
  }
  if (
    errorRateMinRequests !== undefined &&
    !(Number.isInteger(errorRateMinRequests) && errorRateMinRequests >= 1)
  ) {
    throw new ConfigError(
      `alerts.errorRateMinRequests must be a whole number ≥ 1, got ${errorRateMinRequests}`,
    );
  }
  // A timer cannot wait longer than 2^31 - 1 ms (24.8 days): a longer one would fire at once.
  if (maxDurationMs !== undefined && !(maxDurationMs > 0 && maxDurationMs <= 2 ** 31 - 1)) {
    throw new ConfigError(
      `alerts.maxDurationMs must be from 1 ms to 24 days (2^31 - 1 ms), got ${maxDurationMs}`,
    );
  }
  return {
    ...(errorRate !== undefined && { errorRate }),
    ...(errorRateMinRequests !== undefined && { errorRateMinRequests }),
    ...(maxDurationMs !== undefined && { maxDurationMs }),
  };
}
