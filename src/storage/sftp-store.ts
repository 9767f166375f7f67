/** sftp:// outputs: upload beside the target, then an atomic rename over it (OpenSSH's posix-rename extension). */
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { openSftp, type SshSettings } from '../ssh/connect.js';
import { partName, type RemoteStore } from './remote-store.js';

const NO_SUCH_FILE = 2;

export function sftpStore(url: URL, ssh: SshSettings): RemoteStore {
  const path = decodeURIComponent(url.pathname);
  const session = async <T>(work: (sftp: SFTPWrapper) => Promise<T>): Promise<T> => {
    const { client, sftp } = await openSftp(url, ssh);
    try {
      return await work(sftp);
    } finally {
      client.end();
    }
  };
  return {
    download: (local) =>
      session(async (sftp) => {
        try {
          await call((done) => sftp.fastGet(path, local, done));
          return true;
        } catch (error) {
          if ((error as { code?: unknown }).code === NO_SUCH_FILE) return false;
          throw error;
        }
      }),
    upload: (local) =>
      session(async (sftp) => {
        await makeParents(sftp, posix.dirname(path));
        const part = partName(path);
        try {
          await call((done) => sftp.fastPut(local, part, done));
          await replace(sftp, part, path);
        } catch (error) {
          await call((done) => sftp.unlink(part, done)).catch(() => {});
          throw error;
        }
      }),
  };
}

/**
 * Renames `from` over `to`. Plain SFTP rename refuses an existing target, so OpenSSH's posix-rename (rename(2):
 * atomic) is used where the server offers it; elsewhere the old file is removed first (a short gap, never a partial file).
 */
async function replace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  let posixRename: Promise<void> | undefined;
  try {
    posixRename = call((done) => sftp.ext_openssh_rename(from, to, done));
  } catch {
    // ssh2 throws at once when the server did not announce the extension.
  }
  if (posixRename) return posixRename;
  await call((done) => sftp.unlink(to, done)).catch(() => {});
  await call((done) => sftp.rename(from, to, done));
}

/** mkdir -p on the server; existing directories are fine, any real problem shows in the upload that follows. */
async function makeParents(sftp: SFTPWrapper, directory: string): Promise<void> {
  const parts = directory.split('/').filter(Boolean);
  let current = directory.startsWith('/') ? '' : '.';
  for (const part of parts) {
    current = `${current}/${part}`;
    const at = current;
    await call((done) => sftp.mkdir(at, done)).catch(() => {});
  }
}

function call(start: (done: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));
}
