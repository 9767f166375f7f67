/** `arachne serve --project DIR`: the job server (HTTP API, WebSocket feed, dashboard) until SIGINT/SIGTERM. */
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { durationMs } from '../../crawler/option-specs.js';
import { ConfigError } from '../../errors.js';
import { createMailer, type MailerConfig } from '../../server/notify.js';
import { type AlertsConfig, startServer } from '../../server/server.js';
import { redactUrlsIn } from '../../url/redact-url.js';

export const serveHelp = `Usage: arachne serve --project DIR [options]
       arachne serve token add|list|revoke …   (named tokens: see arachne serve token --help)

Runs the spiders of DIR (every *.ts, *.js, *.mjs file whose default export is a spider) as jobs, behind an
HTTP API (/api, described at /openapi.json), a WebSocket feed (/ws) and a dashboard (/). See docs/server.md.

Options:
      --project DIR        the spiders' directory (required)
      --host HOST          address to listen on (default 127.0.0.1)
      --port N             port (default 6800)
      --data-dir DIR       job history, schedules, job files and the token (default DIR/.arachne)
      --max-jobs N         jobs running at once; the others wait (default 2)
      --allow-private      let jobs connect to private, loopback and link-local addresses
      --dns SERVERS        jobs resolve host names with these DNS servers (address[:port], comma-separated
                           or repeated) instead of the system resolver
      --ca FILE            every job trusts the CA certificates of this PEM file too (repeatable)
      --cert FILE          every job presents this client certificate (PEM); needs --key
      --key FILE           the client certificate's private key (PEM)
      --allow-insecure     let jobs set insecure: true (no certificate checks); refused otherwise
      --max-deploy-size MB the largest archive arachne deploy may upload (default 50)
      --frontier URL       redis://HOST:PORT/DB: run every job as a shared crawl whose pages
                           'arachne worker --server URL' processes fetch, on any machine (see docs/server.md)
      --lease-ms N         with --frontier: a dead worker's requests go to the others after N ms (default 30000)
      --host-turns NAME    with --frontier: the host-turns group of every job, so per-host limits and delays
                           hold across all jobs (default serve)
      --allow-mail         let API jobs start at imap:, imaps:, pop3:, pop3s: URLs (they log in with this
                           server's ARACHNE_MAIL_PASSWORD)
      --smtp-host H        mail a report when a job finishes or fails, through SMTP server H
      --smtp-port P        (default 587, or 465 with --smtp-secure)
      --smtp-secure        TLS from the first byte (port 465)
      --smtp-user U        SMTP login; the password is read from the variable named by --smtp-pass-env
      --smtp-pass-env VAR
      --mail-from A        the From address
      --mail-to B[,C]      the recipients
      --mail-test          send one test message with the settings above, print the outcome and exit
                           (non-zero on failure; --project is not needed)
      --alert-webhook URL  POST a JSON alert to URL when a job fails, and on the two thresholds below (with
                           --smtp-host, those two are mailed too; a failed job's report is its mail)
      --alert-secret-env VAR
                           sign webhook bodies with the secret in $VAR (X-Arachne-Signature: sha256=<HMAC>)
      --alert-error-rate X alert when a run's failed requests / requests made goes over X (e.g. 0.2), once
                           it made --alert-min-requests (default 20); once per run
      --alert-min-requests N
      --alert-max-duration D
                           alert when a run has been running longer than D (30m, 2h, 1h30m); once per run
  -h, --help               show this help

Every request needs a token: ARACHNE_TOKEN if set, else the one in DATA_DIR/token (created on first start),
or one made with 'arachne serve token add NAME --scope viewer|operator'. /healthz and /readyz need none;
/metrics (Prometheus) takes any token.`;

const flags = {
  project: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'max-jobs': { type: 'string' },
  'allow-private': { type: 'boolean' },
  dns: { type: 'string', multiple: true },
  ca: { type: 'string', multiple: true },
  cert: { type: 'string' },
  key: { type: 'string' },
  'allow-insecure': { type: 'boolean' },
  'allow-mail': { type: 'boolean' },
  'max-deploy-size': { type: 'string' },
  frontier: { type: 'string' },
  'lease-ms': { type: 'string' },
  'host-turns': { type: 'string' },
  'smtp-host': { type: 'string' },
  'smtp-port': { type: 'string' },
  'smtp-secure': { type: 'boolean' },
  'smtp-user': { type: 'string' },
  'smtp-pass-env': { type: 'string' },
  'mail-from': { type: 'string' },
  'mail-to': { type: 'string' },
  'mail-test': { type: 'boolean' },
  'alert-webhook': { type: 'string' },
  'alert-secret-env': { type: 'string' },
  'alert-error-rate': { type: 'string' },
  'alert-min-requests': { type: 'string' },
  'alert-max-duration': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Wildcard listen addresses: every interface of the machine, IPv4 and (for `::`) IPv6. */
const allInterfaces = new Set(['0.0.0.0', '::', '[::]', '::0', '0:0:0:0:0:0:0:0']);

type Values = ReturnType<typeof parseArgs<{ options: typeof flags }>>['values'];

export async function serveCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'token') {
    return (await import('./serve-token.js')).serveTokenCommand(argv.slice(1));
  }
  const { values } = parseArgs({ args: argv, options: flags });
  if (values.help) {
    process.stdout.write(`${serveHelp}\n`);
    return 0;
  }
  if (values['mail-test']) return mailTest(values);
  const project = values.project;
  if (project === undefined)
    throw new ConfigError('serve needs --project DIR (see arachne serve --help)');
  if (!existsSync(project) || !statSync(project).isDirectory()) {
    throw new ConfigError(`--project ${project}: no such directory`);
  }
  const mail = mailConfigFrom(values);
  const alerts = alertsFrom(values, mail !== undefined);
  const shared = sharedFrom(values);
  const host = values.host ?? '127.0.0.1';
  const server = await startServer({
    project,
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    host,
    port: integer(values.port, 'port', 0, 65_535) ?? 6800,
    maxJobs: integer(values['max-jobs'], 'max-jobs', 1, 1000) ?? 2,
    allowPrivate: values['allow-private'] ?? false,
    ...(values.dns && { dns: values.dns.flatMap((list) => list.split(',')).filter(Boolean) }),
    tls: {
      ...(values.ca !== undefined && { ca: values.ca }),
      ...(values.cert !== undefined && { cert: values.cert }),
      ...(values.key !== undefined && { key: values.key }),
      allowInsecure: values['allow-insecure'] ?? false,
    },
    allowMail: values['allow-mail'] ?? false,
    ...(values['max-deploy-size'] !== undefined && {
      maxDeployBytes:
        (integer(values['max-deploy-size'], 'max-deploy-size', 1, 4096) ?? 50) * 1024 * 1024,
    }),
    ...shared,
    ...(process.env.ARACHNE_TOKEN ? { token: process.env.ARACHNE_TOKEN } : {}),
    ...(mail && { mail }),
    ...(alerts && { alerts }),
  });
  // Listen for signals before announcing the URL: whoever reads that line may stop the server at once.
  const stopped = untilSignal();
  if (allInterfaces.has(host)) {
    // The token crosses the network in clear text: fine on a trusted LAN, not on the internet.
    process.stderr.write(
      `arachne serve: warning: --host ${host} serves plain HTTP on all interfaces; the token and the data travel unencrypted (put a TLS proxy in front, or listen on 127.0.0.1)\n`,
    );
  }
  const where = server.tokenFile
    ? `the token is in ${server.tokenFile}`
    : 'the token is ARACHNE_TOKEN';
  process.stderr.write(
    `arachne serve: listening on ${server.url} (dashboard at /, API at /api; ${where})\n`,
  );
  if (shared.frontier) {
    process.stderr.write(
      `arachne serve: jobs are shared crawls on ${redactUrlsIn(shared.frontier)}: start workers with 'arachne worker --server ${server.url}'\n`,
    );
  }
  await stopped;
  process.stderr.write(
    'arachne serve: stopping (running jobs are paused; resume them after restart)\n',
  );
  await server.close();
  return 0;
}

/** --frontier and what goes with it: jobs as shared crawls fetched by `arachne worker --server`. */
function sharedFrom(values: Values): { frontier?: string; leaseMs?: number; hostTurns?: string } {
  const frontier = values.frontier;
  if (frontier === undefined) {
    if (values['lease-ms'] !== undefined || values['host-turns'] !== undefined)
      throw new ConfigError('--lease-ms and --host-turns need --frontier redis://…');
    return {};
  }
  if (!/^rediss?:\/\//i.test(frontier))
    throw new ConfigError(
      `--frontier must be a redis:// or rediss:// URL, got "${redactUrlsIn(frontier)}"`,
    );
  const hostTurns = values['host-turns'];
  if (hostTurns !== undefined && !/^[\w.-]{1,100}$/.test(hostTurns))
    throw new ConfigError(
      `--host-turns must be letters, digits, . _ - (up to 100), got "${hostTurns}"`,
    );
  const leaseMs = integer(values['lease-ms'], 'lease-ms', 100, 3_600_000);
  return {
    frontier,
    ...(leaseMs !== undefined && { leaseMs }),
    ...(hostTurns !== undefined && { hostTurns }),
  };
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function integer(
  raw: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`--${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** `--mail-test`: one message through the configured SMTP server; the outcome on one line. */
async function mailTest(values: Values): Promise<number> {
  const config = mailConfigFrom(values);
  if (!config) throw new ConfigError('--mail-test needs --smtp-host, --mail-from and --mail-to');
  const mailer = createMailer(config);
  const server = `${values['smtp-host']}:${values['smtp-port'] ?? (values['smtp-secure'] ? 465 : 587)}`;
  try {
    const result = await mailer.sendTest(hostname());
    if (result.ok) {
      process.stdout.write(
        `arachne serve: test mail sent through ${server} to ${values['mail-to']} (${result.messageId})\n`,
      );
      return 0;
    }
    process.stderr.write(
      `arachne serve: test mail through ${server} failed: ${mailFailure(result.error)}\n`,
    );
    return 1;
  } finally {
    mailer.close();
  }
}

/** The cause of a failed send on one line: nodemailer's message, with its error code when it has one. */
function mailFailure(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const message = error.message.replace(/\s+/g, ' ').trim();
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

function mailConfigFrom(values: Values): MailerConfig | undefined {
  const host = values['smtp-host'];
  if (host === undefined) return undefined;
  const from = values['mail-from'];
  const to =
    values['mail-to']
      ?.split(',')
      .map((address) => address.trim())
      .filter(Boolean) ?? [];
  if (from === undefined || to.length === 0)
    throw new ConfigError('--smtp-host needs --mail-from and --mail-to');
  const secure = values['smtp-secure'] ?? false;
  const config: MailerConfig = {
    host,
    port: integer(values['smtp-port'], 'smtp-port', 1, 65_535) ?? (secure ? 465 : 587),
    secure,
    from,
    to,
  };
  const user = values['smtp-user'];
  if (user !== undefined) {
    const variable = values['smtp-pass-env'];
    const pass = variable === undefined ? undefined : process.env[variable];
    if (pass === undefined)
      throw new ConfigError('--smtp-user needs --smtp-pass-env VAR with the password in $VAR');
    config.auth = { user, pass };
  }
  return config;
}

/** The --alert-* flags; thresholds need somewhere to send alerts (a webhook or --smtp-host). */
function alertsFrom(values: Values, mail: boolean): AlertsConfig | undefined {
  const url = values['alert-webhook'];
  const thresholds = ['alert-error-rate', 'alert-min-requests', 'alert-max-duration'] as const;
  const given = thresholds.filter((flag) => values[flag] !== undefined);
  if (url === undefined && given.length === 0) {
    if (values['alert-secret-env'] !== undefined)
      throw new ConfigError('--alert-secret-env needs --alert-webhook');
    return undefined;
  }
  if (url === undefined && !mail) {
    throw new ConfigError(`--${given[0]} needs --alert-webhook or --smtp-host to send alerts to`);
  }
  const alerts: AlertsConfig = {};
  if (url !== undefined) {
    alerts.webhook = { url };
    const variable = values['alert-secret-env'];
    if (variable !== undefined) {
      const secret = process.env[variable];
      if (!secret) throw new ConfigError(`--alert-secret-env ${variable}: $${variable} is not set`);
      alerts.webhook.secret = secret;
    }
  }
  const rate = values['alert-error-rate'];
  if (rate !== undefined) {
    const value = Number(rate);
    if (rate.trim() === '' || !(value >= 0 && value < 1)) {
      throw new ConfigError(
        `--alert-error-rate must be a fraction from 0 to below 1 (e.g. 0.2), got "${rate}"`,
      );
    }
    alerts.errorRate = value;
  }
  const minRequests = integer(values['alert-min-requests'], 'alert-min-requests', 1, 1e9);
  if (minRequests !== undefined) alerts.errorRateMinRequests = minRequests;
  const maxDuration = values['alert-max-duration'];
  if (maxDuration !== undefined) {
    const ms = durationMs(maxDuration);
    if (ms === undefined || ms > 24 * 86_400_000) {
      throw new ConfigError(
        `--alert-max-duration must be a duration up to 24d such as 30m, 2h or 1h30m, got "${maxDuration}"`,
      );
    }
    alerts.maxDurationMs = ms;
  }
  return alerts;
}
