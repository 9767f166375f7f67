/** ftp:// outputs through basic-ftp: upload beside the target, then RNFR/RNTO over it. */
import { unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Client } from 'basic-ftp';
import { AuthError } from '../errors.js';
import { redactUrl } from '../url/redact-url.js';
import { partName, type RemoteStore } from './remote-store.js';

/** Env variable holding the password of ftp:// outputs whose URL carries none. */
export const ftpPasswordEnv = 'ARACHNE_FTP_PASSWORD';
const FILE_UNAVAILABLE = 550;
const NOT_LOGGED_IN = 530;

export function ftpStore(url: URL, timeoutMs: number): RemoteStore {
  const path = decodeURIComponent(url.pathname);
  const session = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const { Client } = await import('basic-ftp');
    const client = new Client(timeoutMs);
    try {
      await client
        .access({
          host: url.hostname,
          port: url.port === '' ? 21 : Number(url.port),
          user: decodeURIComponent(url.username) || 'anonymous',
          password: url.password
            ? decodeURIComponent(url.password)
            : (process.env[ftpPasswordEnv] ?? 'anonymous@'),
        })
        .catch((error: unknown) => {
          if ((error as { code?: unknown }).code === NOT_LOGGED_IN) {
            throw new AuthError(
              `FTP login refused (${(error as Error).message}): ${redactUrl(url.href)}`,
              {
                cause: error,
              },
            );
          }
          throw error;
        });
      return await work(client);
    } finally {
      client.close();
    }
  };
  return {
    download: (local) =>
      session(async (client) => {
        try {
          await client.downloadTo(local, path);
          return true;
        } catch (error) {
          if ((error as { code?: unknown }).code !== FILE_UNAVAILABLE) throw error;
          await unlink(local).catch(() => {});
          return false;
        }
      }),
    upload: (local) =>
      session(async (client) => {
        // ensureDir makes the directories and enters the last one: names below are relative to it.
        await client.ensureDir(posix.dirname(path));
        const name = posix.basename(path);
        const part = posix.basename(partName(path));
        try {
          await client.uploadFrom(local, part);
          await client.rename(part, name);
        } catch (error) {
          await client.remove(part, true).catch(() => {});
          throw error;
        }
      }),
  };
}
