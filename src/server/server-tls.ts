/**
 * The operator's TLS settings for every job of `arachne serve`: CA files, a client certificate, and whether jobs
 * may turn verification off. Paths never come from an API job (they would read the server's files); a job may only
 * set `tlsMinVersion`, and `insecure` where `allowInsecure` says so.
 */
import { resolve } from 'node:path';
import { tlsSettingsFrom } from '../http/tls-files.js';

export interface ServerTls {
  /** PEM files of CAs trusted besides the system's. */
  ca?: string[];
  /** A client certificate and its key (PEM files), presented by every job to servers that ask. */
  cert?: string;
  key?: string;
  /** Jobs may set `insecure: true`. @default false */
  allowInsecure?: boolean;
}

/** Absolute paths (a job runs in a child process), checked now: a bad file stops the server at start. */
export function serverTls(config: ServerTls): ServerTls {
  const tls: ServerTls = {
    ...(config.ca !== undefined &&
      config.ca.length > 0 && { ca: config.ca.map((f) => resolve(f)) }),
    ...(config.cert !== undefined && { cert: resolve(config.cert) }),
    ...(config.key !== undefined && { key: resolve(config.key) }),
    ...(config.allowInsecure === true && { allowInsecure: true }),
  };
  tlsSettingsFrom(tls);
  return tls;
}
