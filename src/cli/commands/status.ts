/** `arachne status --frontier URL --crawl-id ID`: the state of a shared crawl, across all its workers. */
import { parseArgs } from 'node:util';
import { summary } from '../../crawler/summary.js';
import { ConfigError, CrawlGoneError } from '../../errors.js';

export const statusHelp = `Usage: arachne status --frontier redis://HOST:6379/0 --crawl-id ID [--json]

Prints a shared crawl's state: queued, leased (in progress), delayed (retries), done and failed requests,
items, the workers alive, per-host counts, and the stats added up over all workers.`;

export async function statusCommand(
  argv: string[],
  output: { stdout: NodeJS.WritableStream } = process,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      frontier: { type: 'string' },
      'crawl-id': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    output.stdout.write(`${statusHelp}\n`);
    return 0;
  }
  if (!values.frontier || !values['crawl-id'])
    throw new ConfigError('status needs --frontier URL and --crawl-id ID');
  const { connectRedis, crawlPrefix, readCrawlStatus } = await import('../../distributed/index.js');
  let prefix: string;
  try {
    prefix = crawlPrefix(values['crawl-id']);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const client = await connectRedis(values.frontier, { connectTimeoutMs: 5000 });
  try {
    // Every crawl records its spider in its meta hash when it starts; without it there is no such crawl (a typo,
    // another Redis database, or keys deleted), which must not read as an empty crawl "running".
    if ((await client.hExists(`${prefix}meta`, 'spider')) !== 1) {
      throw new CrawlGoneError(
        values['crawl-id'],
        `no crawl "${values['crawl-id']}" in this Redis database`,
      );
    }
    const status = await readCrawlStatus(client, prefix);
    if (values.json) {
      output.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `crawl "${values['crawl-id']}": ${status.finished ? 'finished' : 'running'}`,
      `queued  ${status.queued}`,
      `leased  ${status.leased}`,
      `delayed ${status.delayed}`,
      `done    ${status.done}`,
      `failed  ${status.failed}`,
      `items   ${status.items}`,
      `workers ${status.workers.length} alive`,
      '',
      'host                             queued  in flight  done  failed  delay ms',
      ...status.hosts.map(
        (h) =>
          `${h.host.padEnd(32)} ${String(h.queued).padStart(6)} ${String(h.inFlight).padStart(10)} ${String(h.done).padStart(5)} ${String(h.failed).padStart(7)} ${String(h.delayMs).padStart(9)}`,
      ),
      '',
      summary(status.stats),
    ];
    output.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await client.quit().catch(() => {});
  }
}
