/** `arachne worker --server URL [--token T]`: works on the jobs of a job server run with --frontier redis://…. */
import { parseArgs } from 'node:util';
import { createLog } from '../crawler/logger.js';
import type { LogLevel } from '../crawler/options.js';
import { ConfigError } from '../errors.js';
import { runRemoteWorker } from './remote-worker.js';

export const serverWorkerHelp = `Usage: arachne worker --server URL [--token TOKEN] [options]

Works on the jobs of a job server started with 'arachne serve --frontier redis://…': registers with it
(host, version, pid), joins each running job's shared crawl on Redis (a project spider's files come from the
server), fetches pages until the job ends, and reports its throughput at every heartbeat. Run any number, on
any machine that reaches the server and its Redis; one may die at any time (its leases expire and its pages
go to the others). The items go to the job's output on the server.

Options:
      --server URL       the job server (http://HOST:6800)
      --token TOKEN      the server's token (default $ARACHNE_TOKEN; prefer the variable: a flag shows in ps)
      --frontier URL     the server's Redis as this machine reaches it (default: the URL the server gives)
      --max-jobs N       jobs worked on at once (default 2)
      --log-level LEVEL  debug, info, warn, error or silent (default info)
  -h, --help             show this help

Stops on SIGINT/SIGTERM: pages in flight finish, leases not started go back, and the worker leaves the server's list.`;

const flags = {
  server: { type: 'string' },
  token: { type: 'string' },
  frontier: { type: 'string' },
  'max-jobs': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const levels = new Set(['debug', 'info', 'warn', 'error', 'silent']);

export async function serverWorkerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: flags, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${serverWorkerHelp}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    throw new ConfigError(
      'worker --server takes no spider or URL: the jobs come from the server (see arachne worker --help)',
    );
  }
  const server = values.server ?? '';
  if (!/^https?:\/\/[^/]/i.test(server))
    throw new ConfigError(`--server must be an http(s) URL, got "${server}"`);
  const token = values.token ?? process.env.ARACHNE_TOKEN;
  if (!token) throw new ConfigError('worker --server needs --token TOKEN or $ARACHNE_TOKEN');
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!levels.has(logLevel))
    throw new ConfigError(`--log-level must be one of ${[...levels].join(', ')}`);
  const maxJobs = Number(values['max-jobs'] ?? 2);
  if (!Number.isInteger(maxJobs) || maxJobs < 1 || maxJobs > 100)
    throw new ConfigError(
      `--max-jobs must be an integer from 1 to 100, got "${values['max-jobs']}"`,
    );
  if (values.frontier !== undefined && !/^rediss?:\/\//i.test(values.frontier))
    throw new ConfigError('--frontier must be a redis:// or rediss:// URL');
  const log = createLog(logLevel);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    log.warn(`${name}: finishing in-flight pages and leaving (press Ctrl-C again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runRemoteWorker({
      server,
      token,
      frontier: values.frontier,
      maxJobs,
      logLevel,
      log,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
