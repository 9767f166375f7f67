/**
 * The `ftp:` and `ftps:` download handler as the crawl registers it: the options are checked when the crawl starts,
 * basic-ftp is loaded on the first FTP request only (a crawl of web pages never loads it).
 */
import { ConfigError } from '../../errors.js';
import type { TlsSettings } from '../../http/transport.js';
import type { ResolvedOptions } from '../options.js';
import type { FtpSettings } from './ftp-handler.js';
import { lazyHandler } from './lazy-handler.js';
import type { DownloadHandler } from './registry.js';

export type FtpSourceOptions = Pick<
  ResolvedOptions,
  | 'ftpConnections'
  | 'ftpUser'
  | 'ftpPassword'
  | 'ftpPasswordEnv'
  | 'allowPrivate'
  | 'timeoutMs'
  | 'connectTimeoutMs'
  | 'maxBytes'
>;

/** @throws ConfigError when `ftpPasswordEnv` names a variable that is not set, or comes without `ftpUser`. */
export function ftpSource(options: FtpSourceOptions, tls?: TlsSettings): DownloadHandler {
  const settings = { ...ftpSettings(options), tls };
  return lazyHandler('ftp', async () => {
    const { ftpHandler } = await import('./ftp-handler.js');
    return ftpHandler(settings);
  });
}

function ftpSettings(options: FtpSourceOptions): Omit<FtpSettings, 'tls'> {
  let password = options.ftpPassword;
  if (options.ftpPasswordEnv !== undefined) {
    password = process.env[options.ftpPasswordEnv];
    if (password === undefined) {
      throw new ConfigError(
        `ftpPasswordEnv names $${options.ftpPasswordEnv}, which is not set in the environment`,
      );
    }
  }
  if (password !== undefined && options.ftpUser === undefined) {
    throw new ConfigError('an FTP password needs ftpUser (--ftp-user) too');
  }
  return {
    connections: options.ftpConnections,
    ...(options.ftpUser !== undefined && { user: options.ftpUser }),
    ...(password !== undefined && { password }),
    allowPrivate: options.allowPrivate,
    timeoutMs: options.timeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    maxBytes: options.maxBytes,
  };
}
