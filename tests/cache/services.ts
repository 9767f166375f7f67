// Finds the real services the cache tests need; skips (or fails with ARACHNE_REQUIRE_SERVICES=1) when one is missing.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

export const requireServices = process.env.ARACHNE_REQUIRE_SERVICES === '1';

/** `undefined` when the service is there; otherwise the reason, after warning (or throwing when services are required). */
export function unavailable(name: string, reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const message = `${name} unavailable (${reason})`;
  if (requireServices) throw new Error(`${message}, and ARACHNE_REQUIRE_SERVICES=1`);
  console.warn(
    `skipping ${name} tests: ${message}; set ARACHNE_REQUIRE_SERVICES=1 to make this a failure`,
  );
  return message;
}

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

/** Why Redis at 127.0.0.1:6379 cannot be used, or undefined when it answers. */
export async function redisProblem(): Promise<string | undefined> {
  try {
    await canConnect('127.0.0.1', 6379);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A free TCP port on 127.0.0.1 (closed again before returning: the caller binds it next). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface MemcachedProcess {
  /** `127.0.0.1:<port>`, as memjs and `memcache://` URIs take it. */
  servers: string;
  stop(): Promise<void>;
}

/** Why no `memcached` binary can be run, or undefined when there is one. */
export function memcachedProblem(): string | undefined {
  const probe = spawnSync('memcached', ['-V'], { encoding: 'utf8' });
  if (probe.error)
    return `no memcached binary on PATH: ${probe.error.message} (apt-get install -y memcached)`;
  return undefined;
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
  for (let attempt = 0; ; attempt++) {
    try {
      await canConnect('127.0.0.1', port, 500);
      break;
    } catch (error) {
      if (attempt >= 50 || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(
          `memcached did not start on port ${port}: ${stderr || (error as Error).message}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    servers: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
