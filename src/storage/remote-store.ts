/** A file on a server that an output is written to whole: fetched before a crawl appends, replaced atomically at the end. */
import { randomBytes } from 'node:crypto';
import type { SshSettings } from '../ssh/connect.js';

export interface RemoteStore {
  /** Copies the remote file to `local`; false when it does not exist (a first run). */
  download(local: string): Promise<boolean>;
  /**
   * Uploads `local` under a temporary name beside the target (`items.jsonl.part-1a2b3c4d`), then renames it over
   * the target: a reader never sees a half-written file under the final name. The temporary file is removed on failure.
   */
  upload(local: string): Promise<void>;
}

/** What the remote outputs need besides their URL. */
export interface RemoteOptions {
  /** For sftp:// outputs: key, known hosts, host key policy (the crawl's sshKey, knownHosts, acceptNewHostKeys). */
  ssh?: SshSettings;
  /** Waits before the second, third… upload attempt: as many retries as entries. @default [1000, 4000] */
  retryDelaysMs?: readonly number[];
}

/** `sftp://…` and `ftp://…` outputs. */
export const remoteOutput = /^(sftp|ftp):\/\//i;

/** A remote store for `url`, its protocol library loaded only now. */
export async function remoteStore(url: URL, options: RemoteOptions): Promise<RemoteStore> {
  if (url.protocol === 'sftp:') {
    const { sftpStore } = await import('./sftp-store.js');
    return sftpStore(url, options.ssh ?? {});
  }
  const { ftpStore } = await import('./ftp-store.js');
  return ftpStore(url, options.ssh?.connectTimeoutMs ?? 10_000);
}

/** `/data/items.jsonl` → `/data/items.jsonl.part-9f86d081`: unique per upload, so two crawls never share one. */
export function partName(path: string): string {
  return `${path}.part-${randomBytes(4).toString('hex')}`;
}
