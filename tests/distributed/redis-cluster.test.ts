// A shared crawl on a Redis Cluster of three masters with a replica each, started by the test on loopback ports:
// two CLI workers crawl a site of eight hosts whose shards spread over the masters, while the master holding the
// crawl's meta and items stream hands over to its replica (CLUSTER FAILOVER). Nothing may be lost or written twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisClusterProcess,
  redisClusterTools,
  startRedisCluster,
} from '../../bench/redis-cluster.mjs';
import {
  clusterShards,
  connectRedis,
  crawlPrefix,
  isCluster,
  type RedisClient,
  readCrawlStatus,
} from '../../src/distributed/index.js';
import { sharedCrawlId } from '../../src/server/shared-jobs.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { requireService } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';
import { lines, makeProject, startTestServer } from '../server/server-helpers.js';

const toolsHere = await requireService('redis-server and redis-cli', redisClusterTools);

const hostCount = 8;
const pageCount = 1200;
/**
 * Pages up to this one are served at once; the later ones wait until the failover is over (so the crawl cannot end
 * before it), holding the hosts' slots: the pages served meanwhile are the ones leased before.
 */
const servedBeforeFailover = 300;
const crawlId = 'cluster-crawl';

const children: ChildProcess[] = [];

function startWorker(command: 'crawl' | 'worker', args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [binPath, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { exit, output: () => output };
}

describe.skipIf(!toolsHere)('a shared crawl on a Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  const servers: LocalServer[] = [];
  let openGate: () => void = () => {};
  let gate = Promise.resolve();
  /** From now on the pages past `servedBeforeFailover` wait for openGate(). */
  const closeGate = () => {
    gate = new Promise<void>((resolve) => (openGate = resolve));
  };

  beforeAll(async () => {
    // Every node wants a password: the workers reach the nodes they learn of with the seed's credentials.
    cluster = await startRedisCluster({ masters: 3, replicas: 1, password: 'cluster secret' });
    // Page n lives on host 127.0.0.(n mod 8 + 1) and links to 2n, 2n + 1 and n + 1, wherever they live.
    const origins: string[] = [];
    const page = (n: number) => `${origins[n % hostCount]}/p/${n}`;
    for (let h = 0; h < hostCount; h++) {
      servers.push(
        await startLocalServer(
          async (req, res) => {
            const n = Number(/^\/p\/(\d+)$/.exec(req.url ?? '')?.[1]);
            if (!(n >= 1 && n <= pageCount && n % hostCount === h)) {
              res.writeHead(404).end();
              return;
            }
            if (n > servedBeforeFailover) await gate;
            const links = [2 * n, 2 * n + 1, n + 1].filter((m) => m <= pageCount);
            res.writeHead(200, { 'content-type': 'text/html' });
            res.end(`<h1>${n}</h1>${links.map((m) => `<a href="${page(m)}">${m}</a>`).join(' ')}`);
          },
          { host: `127.0.0.${h + 1}` },
        ),
      );
      origins.push(servers[h]?.origin ?? '');
    }
  }, 60_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    openGate();
    await Promise.all(servers.map((server) => server.close()));
    await cluster?.close();
  });

  /** The spider of the eight-host site: an item per page, every link followed. */
  const pagesSpider = () => `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'pages',
  start: ['${servers[1]?.origin}/p/1'],
  allowedDomains: ${JSON.stringify(servers.map((server) => new URL(server.origin).hostname))},
  *parse(page) {
    yield { n: Number(page.text('h1')) };
    for (const href of page.select('a').attrs('href')) yield page.follow(href);
  },
});
`;
  const everyPage = Array.from({ length: pageCount }, (_, i) => i + 1);

  /** The page numbers of the items in a JSON Lines file, in order. */
  async function pagesIn(file: string): Promise<number[]> {
    return (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { n: number }).n)
      .sort((a, b) => a - b);
  }

  /** Keys of a crawl on any master now. */
  async function keysOnMasters(crawl: string): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    for (const node of (await cluster.nodes()).filter((n) => n.role === 'master')) {
      const [, keys] = (await cluster.command(node.port, [
        'SCAN',
        '0',
        'MATCH',
        `arachne:{${crawl}[}#]*`,
        'COUNT',
        '100000',
      ])) as [string, string[]];
      if (keys.length > 0) found.set(node.port, keys.length);
    }
    return found;
  }

  /** Two CLI workers on the cluster crawling the site as `crawl`, the first writing `out`. */
  async function startCrawl(crawl: string) {
    const dir = await mkdtemp(join(tmpdir(), `arachne-${crawl}-`));
    const spider = join(dir, 'pages.js');
    await writeFile(spider, pagesSpider());
    const out = join(dir, 'items.jsonl');
    const common = [
      spider,
      '--frontier',
      cluster.url,
      '--crawl-id',
      crawl,
      '--per-host',
      '2',
      '--concurrency',
      '8',
      '--lease-ms',
      '3000',
      '--no-progress',
      '--log-level',
      'warn',
    ];
    return {
      starter: startWorker('crawl', [...common, '-o', out]),
      helper: startWorker('worker', common),
      out,
    };
  }

  /** Resolves once the node at `port` (a replica) has become a master. */
  async function untilMaster(port: number): Promise<void> {
    await waitFor(
      `the replica at :${port} to take over`,
      async () => {
        const info = String(await cluster.command(port, ['INFO', 'replication']));
        return info.includes('role:master') ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  /** Resolves once the crawl is under way with pages leased: what happens next meets workers in mid-exchange. */
  async function untilUnderWay(client: RedisClient, crawl: string): Promise<void> {
    await waitFor(
      'the crawl to be under way',
      async () => {
        const status = await readCrawlStatus(client, crawlPrefix(crawl));
        return status.done >= 100 && status.leased > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  }

  it('crawls every page once across a master failover, its shards spread over the masters', async () => {
    closeGate();
    const { starter, helper, out } = await startCrawl(crawlId);

    const client = await connectRedis(cluster.url, { connectTimeoutMs: 5000 });
    expect(isCluster(client)).toBe(true);
    const prefix = crawlPrefix(crawlId);
    await untilUnderWay(client, crawlId);

    // The master serving shard 0 (meta, items stream, stats) hands over to its replica.
    const slot = Number(
      await cluster.command(cluster.ports[0] as number, ['CLUSTER', 'KEYSLOT', `${prefix}meta`]),
    );
    const before = await cluster.nodes();
    const master = before.find(
      (node) =>
        node.role === 'master' && node.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    const replica = before.find((node) => node.masterId === master?.id);
    if (!master || !replica) throw new Error(`no master and replica for slot ${slot}`);
    expect(await cluster.command(replica.port, ['CLUSTER', 'FAILOVER'])).toBe('OK');
    await untilMaster(replica.port);
    await cluster.settled();
    expect((await readCrawlStatus(client, prefix)).finished).toBe(false);
    openGate();

    const [starterCode, helperCode] = await Promise.all([starter.exit, helper.exit]);
    expect(starterCode, starter.output()).toBe(0);
    expect(helperCode, helper.output()).toBe(0);
    expect(starter.output()).toContain(`shared crawl "${crawlId}" (finished)`);

    expect(await pagesIn(out)).toEqual(everyPage);

    // The crawl's shards live on more than one master; shard 0 now on the promoted replica.
    const mastersWithKeys = [...(await keysOnMasters(crawlId)).keys()];
    expect(mastersWithKeys.length).toBeGreaterThan(1);
    expect(mastersWithKeys).toContain(replica.port);
    expect(Number(await client.hGet(`${prefix}meta`, 'shards'))).toBe(clusterShards);

    // The status command, given any node, reads the whole crawl.
    const status = await runCli([
      'status',
      '--frontier',
      cluster.url.replace(String(cluster.ports[0]), String(cluster.ports[2])),
      '--crawl-id',
      crawlId,
    ]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/: finished/);
    expect(status.stdout).toMatch(new RegExp(`items\\s+${pageCount}\\b`));
    expect(status.stdout).toMatch(/queued\s+0/);
    await client.quit();
  }, 180_000);

  it('runs a job of the job server on the cluster: a worker fetches, every item once, its keys dropped at the end', async () => {
    const server = await startTestServer({
      project: await makeProject({ 'pages.js': pagesSpider() }),
      allowPrivate: true,
      frontier: cluster.url,
      leaseMs: 3000,
    });
    const worker = spawn(
      process.execPath,
      [binPath, 'worker', '--server', server.server.url, '--log-level', 'warn'],
      { stdio: 'ignore', env: { ...process.env, ARACHNE_TOKEN: server.server.token } },
    );
    children.push(worker);
    try {
      const submitted = await server.api('POST', '/api/jobs', {
        spider: 'pages',
        options: { perHost: 2, concurrency: 8 },
      });
      expect(submitted.status, submitted.text).toBe(201);
      const id = submitted.json.job.id as string;
      const job = await server.waitForStatus(id, ['finished', 'failed'], 120_000);
      expect(job.status, job.error ?? '').toBe('finished');
      expect(job.stats?.items).toBe(pageCount);
      // The API pages items by up to 1,000.
      const pages = await Promise.all(
        [0, 1000].map((offset) =>
          server.api('GET', `/api/jobs/${id}/items?offset=${offset}&limit=1000`),
        ),
      );
      const numbers = pages
        .flatMap((page) => lines(page.text))
        .map((line) => (JSON.parse(line) as { n: number }).n)
        .sort((a, b) => a - b);
      expect(numbers).toEqual(everyPage);
      // A finished job's crawl is deleted from every master it was on.
      await waitFor(
        "the job's keys to be dropped",
        async () => ((await keysOnMasters(sharedCrawlId(id))).size === 0 ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 100 },
      );
    } finally {
      worker.kill('SIGTERM');
      await server.close();
    }
  }, 180_000);

  // Last: it leaves the cluster a master short.
  it('goes on when a master crashes mid-crawl and its replica takes over', async () => {
    closeGate();
    const crashId = 'cluster-crash';
    const { starter, helper, out } = await startCrawl(crashId);
    const client = await connectRedis(cluster.url, { connectTimeoutMs: 5000 });
    await untilUnderWay(client, crashId);
    await client.quit();
    // A master holding shards of the crawl (not the seed node the workers were given) dies at once.
    const nodes = await cluster.nodes();
    const holding = [...(await keysOnMasters(crashId)).keys()];
    const victim = nodes.find(
      (node) =>
        node.role === 'master' && node.port !== cluster.ports[0] && holding.includes(node.port),
    );
    const replica = nodes.find((node) => node.masterId === victim?.id);
    if (!victim || !replica) throw new Error(`no master with a replica among ${holding}`);
    await cluster.kill(victim.port);
    await untilMaster(replica.port);
    openGate();

    const [starterCode, helperCode] = await Promise.all([starter.exit, helper.exit]);
    expect(starterCode, starter.output()).toBe(0);
    expect(helperCode, helper.output()).toBe(0);
    expect(starter.output()).toContain(`shared crawl "${crashId}" (finished)`);
    // Every page is there; one whose completion the crash took back (or whose lease lapsed during the failover) may
    // have been crawled twice, its items written twice.
    const got = new Set(await pagesIn(out));
    expect(everyPage.filter((n) => !got.has(n))).toEqual([]);
  }, 180_000);
});
