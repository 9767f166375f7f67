// A real SSH/SFTP server for the tests: Debian's OpenSSH sshd, in the foreground on a free port of 127.0.0.1, with its
// own config, host key and one authorised client key (login as the user running the tests; no password logins).
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDaemon } from './daemon.js';
import { freePort } from './local-server.js';
import { requireService } from './services.js';

const run = promisify(execFile);
export const sshdPath = '/usr/sbin/sshd';

/** Whether the SSH tests run (skip without sshd, fail with ARACHNE_REQUIRE_SERVICES=1). */
export const sshdUp = () =>
  requireService(`OpenSSH sshd at ${sshdPath}`, async () => {
    await access(sshdPath, constants.X_OK);
    await access('/usr/bin/ssh-keygen', constants.X_OK);
  });

export interface Sshd {
  port: number;
  user: string;
  /** A directory the tests own, to serve and receive files: `sftp://user@127.0.0.1:PORT${root}/…`. */
  root: string;
  /** The client's private key (OpenSSH format) and its file. */
  privateKey: Buffer;
  privateKeyPath: string;
  /** A known_hosts file that lists this server's host key as `[127.0.0.1]:PORT`. */
  knownHostsPath: string;
  /** The server's host key line (`ssh-ed25519 AAAA…`). */
  hostKey: string;
  url(path?: string): string;
  /** What sshd logged (-e: to stderr). */
  log(): string;
  close(): Promise<void>;
}

export async function startSshd(): Promise<Sshd> {
  // sshd refuses to start without its privilege separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'arachne-sshd-'));
  const root = join(dir, 'files');
  await mkdir(root);
  const hostKeyPath = join(dir, 'host_key');
  const privateKeyPath = join(dir, 'client_key');
  await Promise.all([
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyPath]),
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', privateKeyPath]),
  ]);
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${privateKeyPath}.pub`));
  const port = await freePort();
  const hostKey = (await readFile(`${hostKeyPath}.pub`, 'utf8'))
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostKey}\n`);
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no', // the temp dir's modes are the test runner's
      'UseDNS no',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const user = userInfo().username;
  const daemon = await startDaemon({
    name: 'sshd',
    command: sshdPath,
    args: ['-D', '-e', '-f', config],
    port,
    dir,
  });
  return {
    port,
    user,
    root,
    privateKey: await readFile(privateKeyPath),
    privateKeyPath,
    knownHostsPath,
    hostKey,
    url: (path = `${root}/`) => `sftp://${user}@127.0.0.1:${port}${path}`,
    log: () => daemon.output(),
    close: () => daemon.close(),
  };
}
