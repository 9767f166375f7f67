// The real services the cache tests use: Redis on 127.0.0.1:6379, and a private memcached each test file starts.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { freePort } from '../helpers/local-server.js';
import { requireService } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

/** Resolves once a TCP connection to host:port succeeds; rejects after `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Whether Redis at 127.0.0.1:6379 answers (skips, or fails with ARACHNE_REQUIRE_SERVICES=1, when not). */
export function redisUp(): Promise<boolean> {
  return requireService('Redis at 127.0.0.1:6379', () => canConnect('127.0.0.1', 6379));
}

export interface MemcachedProcess {
  /** `127.0.0.1:<port>`, as memjs and `memcache://` URIs take it. */
  servers: string;
  stop(): Promise<void>;
}

/** Whether a `memcached` binary can be run (skips, or fails with ARACHNE_REQUIRE_SERVICES=1, when not). */
export function memcachedUp(): Promise<boolean> {
  return requireService('memcached (binary on PATH)', async () => {
    const probe = spawnSync('memcached', ['-V'], { encoding: 'utf8' });
    if (probe.error) throw new Error(`${probe.error.message} (apt-get install -y memcached)`);
  });
}

/** Starts a private memcached on a free port (TCP only, 64 MB) and waits until it accepts connections. */
export async function startMemcached(): Promise<MemcachedProcess> {
  const port = await freePort();
  const args = ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-m', '64'];
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn('memcached', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // memcached says nothing when it is ready: poll its port, bounded, and give up at once if it exited.
  await waitFor(
    `memcached to accept connections on port ${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`memcached exited: ${stderr}`);
      return canConnect('127.0.0.1', port, 500).then(
        () => true,
        () => undefined,
      );
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`memcached did not start on port ${port}: ${(error as Error).message}`);
  });
  return {
    servers: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
