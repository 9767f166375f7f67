// Debian's nginx for the tests: a server block (the README's reverse-proxy config) run in the foreground as the
// current user, with its prefix, pid file, logs and temp dirs in a temp dir, on a free port of 127.0.0.1.
import { constants } from 'node:fs';
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Daemon, startDaemon } from './daemon.js';
import { freePort } from './local-server.js';
import { requireService } from './services.js';

export const nginxPath = '/usr/sbin/nginx';

/** Whether the nginx tests run (skip without it, fail with ARACHNE_REQUIRE_SERVICES=1). */
export const nginxUp = () =>
  requireService(`nginx at ${nginxPath}`, () => access(nginxPath, constants.X_OK));

export interface Nginx {
  port: number;
  /** Its temp dir: where `files` were written. */
  dir: string;
  /** What nginx wrote to stderr so far (its error log). */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts nginx with `server(dir, port)` as the http context's content: the caller turns its config into one that
 * listens on `port` and reads its certificates from `dir` (where `files` are written first).
 */
export async function startNginx(
  server: (dir: string, port: number) => string,
  files: Record<string, string> = {},
): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'arachne-nginx-'));
  const port = await freePort();
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`)
    .join('\n');
  await writeFile(
    join(dir, 'nginx.conf'),
    `worker_processes 1;\nevents { worker_connections 64; }\nhttp {\n  access_log ${join(dir, 'access.log')};\n${temp}\n${server(dir, port)}\n}\n`,
  );
  // daemon off: the test owns the process (and kills it by its pid); -e: errors on stderr before the config is read.
  const daemon: Daemon = await startDaemon({
    name: 'nginx',
    command: nginxPath,
    args: [
      '-p',
      dir,
      '-c',
      join(dir, 'nginx.conf'),
      '-e',
      'stderr',
      '-g',
      `daemon off; pid ${join(dir, 'nginx.pid')};`,
    ],
    port,
    dir,
  });
  return { port, dir, output: daemon.output, close: () => daemon.close() };
}
