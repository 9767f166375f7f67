/** The crawl options that say how to reach SSH servers, for the sftp: handler and the sftp:// outputs alike. */
import type { SshSettings } from '../ssh/connect.js';
import type { ResolvedOptions } from './options.js';

type SshOptions = Pick<
  ResolvedOptions,
  'sshKey' | 'knownHosts' | 'acceptNewHostKeys' | 'allowPrivate' | 'connectTimeoutMs'
>;

export function sshSettings(options: SshOptions): SshSettings {
  return {
    keyPath: options.sshKey,
    knownHostsPath: options.knownHosts,
    acceptNewHostKeys: options.acceptNewHostKeys,
    allowPrivate: options.allowPrivate,
    connectTimeoutMs: options.connectTimeoutMs,
  };
}
