// A Redis Cluster on loopback ports, for the distributed bench and the cluster test: masters and their replicas,
// each a redis-server in cluster mode in the foreground (ours to stop), joined by `redis-cli --cluster create`, and
// awaited until every node sees every slot served and every replica in sync. Needs Debian's redis-server and
// redis-cli (the machine's Redis). Types: redis-cluster.d.mts.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';

const run = promisify(execFile);

/** Rejects when redis-server or redis-cli is missing. */
export async function redisClusterTools() {
  await run('redis-server', ['--version']);
  await run('redis-cli', ['--version']);
}

/** With `password`, every node requires it (and replicas use it to reach their masters); `url` carries it. */
export async function startRedisCluster({ masters = 3, replicas = 0, password } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'arachne-cluster-'));
  const ports = await freeClusterPorts(masters * (1 + replicas));
  const children = [];
  const close = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const command = async (port, args) => {
    const client = createClient({
      url: `redis://127.0.0.1:${port}`,
      ...(password && { password }),
    });
    client.on('error', () => {});
    await client.connect();
    try {
      return await client.sendCommand(args);
    } finally {
      await client.quit();
    }
  };
  const cluster = {
    url: `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${ports[0]}`,
    ports,
    command,
    nodes: async () => parseNodes(String(await command(ports[0], ['CLUSTER', 'NODES']))),
    settled: () => untilSettled(ports, command, replicas),
    /** Kills the node at `port` (SIGKILL: a crash) and waits for it to be gone. */
    kill: (port) =>
      new Promise((resolve) => {
        const child = children[ports.indexOf(port)];
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
    /** Redis's own figures for a node: INFO's fields as numbers where they are. */
    info: async (port) => {
      const fields = {};
      for (const [, key, value] of String(await command(port, ['INFO', 'everything'])).matchAll(
        /^(\w+):(.*)\r?$/gm,
      ))
        fields[key] = Number.isNaN(Number(value)) ? value : Number(value);
      return fields;
    },
    close,
  };
  try {
    for (const port of ports) {
      // biome-ignore format: flag and value pairs
      const child = spawn('redis-server', [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '2000',
        '--save', '',
        '--appendonly', 'no',
        '--dir', dir,
        ...(password ? ['--requirepass', password, '--masterauth', password] : []),
      ], { stdio: 'ignore' });
      children.push(child);
      await until(`redis-server :${port} to listen`, () => connects(port), 10_000);
    }
    // biome-ignore format: flag and value pairs
    await run('redis-cli', [
      '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas', String(replicas),
      '--cluster-yes',
      ...(password ? ['-a', password, '--no-auth-warning'] : []),
    ]);
    await cluster.settled();
    return cluster;
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Every node: cluster_state ok, and every master with `replicas` replicas in its CLUSTER SLOTS (gossip spreads who
 * replicates whom); every replica: linked to its master and in sync.
 */
function untilSettled(ports, command, replicas) {
  return until(
    'the Redis Cluster to settle',
    async () => {
      for (const port of ports) {
        if (!String(await command(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'))
          return false;
        const replication = String(await command(port, ['INFO', 'replication']));
        if (replication.includes('role:slave') && !replication.includes('master_link_status:up'))
          return false;
        const slots = await command(port, ['CLUSTER', 'SLOTS']);
        if (slots.some((range) => range.length - 3 < replicas)) return false;
      }
      return true;
    },
    30_000,
  );
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function parseNodes(text) {
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
            const [from, to = from] = range.split('-').map(Number);
            return [from, to];
          }),
      };
    });
}

/** Ports whose cluster bus port (port + 10000) is free too. */
async function freeClusterPorts(count) {
  const ports = [];
  while (ports.length < count) {
    const port = await freePort(0);
    if (port + 10_000 > 65_535 || ports.includes(port)) continue;
    if ((await freePort(port + 10_000).catch(() => 0)) === 0) continue;
    ports.push(port);
  }
  return ports;
}

function freePort(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      server.close(() => resolve(bound));
    });
  });
}

function connects(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
