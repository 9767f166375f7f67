// A real HTTP proxy for the tests: Debian's tinyproxy, started with a config in a temp dir, with Basic auth.
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { freePort } from './local-server.js';
import { requireService } from './services.js';

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
  const daemon = await startDaemon({
    name: 'tinyproxy',
    command: tinyproxyPath,
    args: ['-d', '-c', join(dir, 'tinyproxy.conf')],
    port,
    dir,
  });
  return {
    port,
    url: (credentials = auth) =>
      `http://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    requests: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => /Request \(file descriptor \d+\):/.test(line)),
    close: () => daemon.close(),
  };
}
