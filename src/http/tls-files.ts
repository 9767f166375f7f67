/**
 * The TLS options of crawls, `arachne fetch` and `arachne serve` (`ca`, `cert`, `key`, `insecure`, `tlsMinVersion`)
 * as the transport's TlsSettings: files read and checked once, at the start, so a wrong path or a key that does not
 * match its certificate stops the crawl with one clear error instead of failing every request.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { ConfigError } from '../errors.js';
import type { TlsSettings } from './transport.js';

export interface TlsFileOptions {
  /** PEM files of CAs trusted besides the system's. */
  ca?: readonly string[] | undefined;
  /** PEM files of a client certificate (its chain may follow it) and its private key. */
  cert?: string | undefined;
  key?: string | undefined;
  insecure?: boolean | undefined;
  tlsMinVersion?: 'TLSv1.2' | 'TLSv1.3' | undefined;
}

/** The one warning an insecure crawl logs. */
export const insecureWarning =
  'insecure: TLS certificates are not verified (expired, self-signed or wrong-host certificates are accepted); anyone on the path can read and change the responses';

/** Undefined when every option is at its default: the transport then uses Node's own settings. */
export function tlsSettingsFrom(options: TlsFileOptions): TlsSettings | undefined {
  const settings: TlsSettings = {};
  if (options.ca !== undefined && options.ca.length > 0) {
    // Node's `ca` replaces the trusted roots: the system's are kept, so public sites still verify.
    settings.ca = [...rootCertificates, ...options.ca.map((file) => readPem(file, 'ca'))];
  }
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new ConfigError('a client certificate needs both cert and key (--cert FILE --key FILE)');
  }
  if (options.cert !== undefined && options.key !== undefined) {
    settings.cert = readPem(options.cert, 'cert');
    settings.key = readPem(options.key, 'key');
  }
  if (options.insecure) settings.rejectUnauthorized = false;
  if (options.tlsMinVersion !== undefined && options.tlsMinVersion !== 'TLSv1.2') {
    settings.minVersion = options.tlsMinVersion;
  }
  if (Object.keys(settings).length === 0) return undefined;
  try {
    // Parses the PEMs and pairs the key with its certificate now, rather than at the first connection.
    createSecureContext(settings);
  } catch (error) {
    throw new ConfigError(`TLS options: ${(error as Error).message}`, { cause: error });
  }
  return settings;
}

function readPem(file: string, option: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`${option} ${file}: cannot read the file (${code})`, { cause: error });
  }
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigError(`${option} ${file}: not a PEM file (no -----BEGIN line)`);
  }
  return text;
}
