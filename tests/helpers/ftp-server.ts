// A real FTP/FTPS server for the tests: Debian's pure-ftpd, in the foreground, with one virtual user (no system
// account needed), passive ports on 127.0.0.1 and explicit TLS (AUTH TLS) with a self-signed certificate.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chown, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startDaemon } from './daemon.js';
import { freePort } from './local-server.js';
import { requireService } from './services.js';
import { selfSignedCertificate } from './test-pki.js';

const run = promisify(execFile);
export const pureFtpdPath = '/usr/sbin/pure-ftpd';
const purePwPath = '/usr/bin/pure-pw';
/** pure-ftpd runs a virtual user's session as this system account (it refuses root). */
const NOBODY = { uid: 65534, gid: 65534 };

/** Whether the FTP tests run (skip without pure-ftpd, fail with ARACHNE_REQUIRE_SERVICES=1). */
export const ftpServerUp = () =>
  requireService(`pure-ftpd at ${pureFtpdPath}`, async () => {
    await access(pureFtpdPath, constants.X_OK);
    await access(purePwPath, constants.X_OK);
  });

export interface FtpServer {
  port: number;
  user: string;
  password: string;
  /** The virtual user's home on disk: what `ftp://user@127.0.0.1:PORT/` lists. */
  root: string;
  /** `ftp://user:password@127.0.0.1:PORT/path` (scheme `ftps` for explicit TLS). */
  url(path?: string, scheme?: 'ftp' | 'ftps'): string;
  /** Writes a file under `root` (directories made), owned by the account pure-ftpd serves it as. */
  write(path: string, content: string | Buffer): Promise<void>;
  /** What pure-ftpd logged so far (commands with -d). */
  log(): string;
  close(): Promise<void>;
}

export interface FtpServerOptions {
  /** Files to serve, by path under the root. */
  files?: Record<string, string | Buffer>;
  /** At most this many sessions per client address (pure-ftpd's -C). */
  maxClientsPerIp?: number;
}

/** Starts pure-ftpd on a free port with user `alice`/`secret`; TLS optional for clients (-Y 1). */
export async function startFtpServer(options: FtpServerOptions = {}): Promise<FtpServer> {
  const dir = await mkdtemp(join(tmpdir(), 'arachne-ftp-'));
  const root = join(dir, 'home');
  await mkdir(root);
  await chown(dir, NOBODY.uid, NOBODY.gid);
  await chown(root, NOBODY.uid, NOBODY.gid);
  const user = 'alice';
  const password = 'secret';
  const passwd = join(dir, 'passwd');
  const db = join(dir, 'pure.pdb');
  // The line pure-pw would write, with an MD5-crypt hash: its default argon2 costs seconds per login.
  const { stdout: hash } = await run('openssl', ['passwd', '-1', password]);
  await writeFile(
    passwd,
    `${user}:${hash.trim()}:${NOBODY.uid}:${NOBODY.gid}::${root}/./::::::::::::\n`,
  );
  await run(purePwPath, ['mkdb', db, '-f', passwd]);
  const certificate = join(dir, 'cert.pem');
  selfSignedCertificate(certificate, certificate);
  const port = await freePort();
  const passive = await freePort();
  const write = async (path: string, content: string | Buffer) => {
    const file = join(root, path);
    await mkdirOwned(root, dirname(file));
    await writeFile(file, content);
    await chown(file, NOBODY.uid, NOBODY.gid);
  };
  for (const [path, content] of Object.entries(options.files ?? {})) await write(path, content);
  const daemon = await startDaemon({
    name: 'pure-ftpd',
    command: pureFtpdPath,
    args: [
      '-S',
      `127.0.0.1,${port}`,
      '-l',
      `puredb:${db}`,
      '-E', // no anonymous logins: there is no system `ftp` account to serve them
      '-p',
      `${passive}:${passive + 20}`,
      '-P',
      '127.0.0.1',
      '-Y',
      '1',
      '-2',
      certificate,
      '-C',
      String(options.maxClientsPerIp ?? 50),
      '-u',
      '1',
      '-H', // no reverse lookup of the client: it costs seconds on a machine without DNS
      '-d',
      '-g',
      join(dir, 'pid'),
    ],
    port,
    dir,
  });
  return {
    port,
    user,
    password,
    root,
    url: (path = '/', scheme = 'ftp') => `${scheme}://${user}:${password}@127.0.0.1:${port}${path}`,
    write,
    log: () => daemon.output(),
    close: () => daemon.close(),
  };
}

async function mkdirOwned(root: string, dir: string): Promise<void> {
  if (dir === root || !dir.startsWith(root)) return;
  await mkdirOwned(root, dirname(dir));
  await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await chown(dir, NOBODY.uid, NOBODY.gid);
}
