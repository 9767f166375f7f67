// A real HTTP proxy for the tests: Debian's tinyproxy, started with a config in a temp dir, with Basic auth.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './local-server.js';
import { requireService } from './services.js';
import { waitFor } from './wait.js';

export const tinyproxyPath = '/usr/bin/tinyproxy';

/** Whether the tinyproxy tests run (skip without it, fail with ARACHNE_REQUIRE_SERVICES=1). */
export const tinyproxyUp = () =>
  requireService(`tinyproxy at ${tinyproxyPath}`, () => access(tinyproxyPath, constants.X_OK));

export interface Tinyproxy {
  port: number;
  /** `http://user:pass@127.0.0.1:PORT`, with other credentials when given. */
  url(credentials?: { user: string; pass: string }): string;
  /** Request lines tinyproxy logged (`Request (file descriptor N): GET http://… HTTP/1.1`), read now. */
  requests(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Starts tinyproxy on a free port of 127.0.0.1, requiring Basic auth `user:pass`, and waits until it listens.
 * CONNECT is allowed to `connectPorts` only (tinyproxy has no ranges; with none listed it allows every port).
 */
export async function startTinyproxy(
  auth = { user: 'user', pass: 'pass' },
  connectPorts: readonly number[] = [],
): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'arachne-tinyproxy-'));
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  await writeFile(
    join(dir, 'tinyproxy.conf'),
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      `LogFile "${log}"`,
      'LogLevel Info',
      `PidFile "${join(dir, 'tinyproxy.pid')}"`,
      'MaxClients 50',
      'Allow 127.0.0.1',
      `BasicAuth ${auth.user} ${auth.pass}`,
      ...connectPorts.map((connectPort) => `ConnectPort ${connectPort}`),
      'DisableViaHeader Yes',
      '',
    ].join('\n'),
  );
  // -d: stay in the foreground, so the test owns the process and kills it by its pid.
  const child = spawn(tinyproxyPath, ['-d', '-c', join(dir, 'tinyproxy.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(
      'tinyproxy to listen',
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return (await connects(port)) ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`tinyproxy did not start: ${stderr || String(error)}`);
  }
  return {
    port,
    url: (credentials = auth) =>
      `http://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    requests: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => /Request \(file descriptor \d+\):/.test(line)),
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
