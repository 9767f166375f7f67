// A Redis Cluster run by a test: masters and their replicas, each a redis-server in cluster mode on a loopback
// port, joined by `redis-cli --cluster create`; awaited until every node sees every slot served and every replica
// in sync. Needs Debian's redis-server and redis-cli (the machine's Redis).
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { type Daemon, startDaemon } from './daemon.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** A master's slot ranges ([from, to]); a replica's master id. */
  slots: Array<[number, number]>;
  masterId: string | undefined;
}

export interface RedisClusterProcess {
  /** The seed URL a crawl is given: the first master. */
  url: string;
  ports: number[];
  /** The cluster as a node sees it now (CLUSTER NODES). */
  nodes(): Promise<ClusterNode[]>;
  /** Runs one command on the node at `port`. */
  command(port: number, args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** Whether redis-server and redis-cli are here (the tests skip, or fail where services are required, if not). */
export async function redisClusterTools(): Promise<void> {
  await run('redis-server', ['--version']);
  await run('redis-cli', ['--version']);
}

export async function startRedisCluster(
  options: { masters?: number; replicas?: number } = {},
): Promise<RedisClusterProcess> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'arachne-cluster-'));
  const ports = await freeClusterPorts(masters * (1 + replicas));
  const daemons: Daemon[] = [];
  const close = async () => {
    await Promise.all(daemons.map((daemon) => daemon.close()));
  };
  try {
    for (const port of ports) {
      daemons.push(
        await startDaemon({
          name: `redis-server (cluster node :${port})`,
          command: 'redis-server',
          args: [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '2000',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            dir,
          ],
          port,
        }),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    const cluster: RedisClusterProcess = {
      url: `redis://127.0.0.1:${ports[0]}`,
      ports,
      nodes: async () =>
        parseNodes(String(await cluster.command(ports[0] as number, ['CLUSTER', 'NODES']))),
      command: async (port, args) => {
        const client = createClient({ url: `redis://127.0.0.1:${port}` });
        client.on('error', () => {});
        await client.connect();
        try {
          return await client.sendCommand(args);
        } finally {
          await client.quit();
        }
      },
      close,
    };
    await untilSettled(cluster);
    return cluster;
  } catch (error) {
    await close();
    throw error;
  }
}

/** Every node: cluster_state ok; every replica: linked to its master and in sync. */
export async function untilSettled(cluster: RedisClusterProcess): Promise<void> {
  await waitFor(
    'the Redis Cluster to settle',
    async () => {
      for (const port of cluster.ports) {
        const info = String(await cluster.command(port, ['CLUSTER', 'INFO']));
        if (!info.includes('cluster_state:ok')) return undefined;
        const replication = String(await cluster.command(port, ['INFO', 'replication']));
        if (replication.includes('role:slave') && !replication.includes('master_link_status:up'))
          return undefined;
      }
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

function parseNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '', , , , , ...slots] = line.split(' ');
      const replica = flags.includes('slave');
      return {
        id,
        port: Number(address.split('@')[0]?.split(':')[1]),
        role: replica ? 'replica' : 'master',
        masterId: replica ? master : undefined,
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [from, to = from] = range.split('-').map(Number) as [number, number?];
            return [from, to] as [number, number];
          }),
      } satisfies ClusterNode;
    });
}

/** Ports whose cluster bus port (port + 10000) is free too. */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort(0);
    if (port + 10_000 > 65_535 || ports.includes(port)) continue;
    if ((await freePort(port + 10_000).catch(() => 0)) === 0) continue;
    ports.push(port);
  }
  return ports;
}

function freePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}
