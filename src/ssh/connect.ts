/**
 * One SSH connection with its SFTP session, for the sftp: download handler and the sftp:// outputs: the host key
 * checked against a known-hosts file, key or password auth, the egress guard at connect time, and failures turned
 * into the crawl's typed errors (AR_NETWORK and AR_TIMEOUT retried; AR_HOST_KEY and AR_AUTH not).
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import {
  AuthError,
  ConfigError,
  CrawlError,
  EgressDeniedError,
  HostKeyError,
  NetworkError,
  TimeoutError,
} from '../errors.js';
import { EgressGuard } from '../http/egress-guard.js';
import { redactUrl } from '../url/redact-url.js';
import { addHostKey, checkHostKey, readKnownHosts } from './known-hosts.js';

/** How to reach SSH servers: the same for every sftp: URL of a crawl and for its sftp:// outputs. */
export interface SshSettings {
  /** A private key file (OpenSSH or PEM). @default the agent (SSH_AUTH_SOCK), else ~/.ssh/id_ed25519, id_ecdsa, id_rsa */
  keyPath?: string | undefined;
  /** @default ~/.ssh/known_hosts */
  knownHostsPath?: string | undefined;
  /** Trust, and record in the known-hosts file, the key of a host it does not list yet. @default false */
  acceptNewHostKeys?: boolean;
  /** Refuse private, loopback and link-local addresses (an API job's SSRF guard). @default true (allowed) */
  allowPrivate?: boolean;
  /** @default 10000 */
  connectTimeoutMs?: number;
}

export interface SshSession {
  client: Client;
  sftp: SFTPWrapper;
  /** Milliseconds from the first byte sent to the SFTP session being ready. */
  connectMs: number;
}

/** Env variable holding the password of sftp:// URLs that carry none. */
export const passwordEnv = 'ARACHNE_SSH_PASSWORD';
const defaultKeys = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export const defaultKnownHosts = (): string => join(homedir(), '.ssh', 'known_hosts');

/**
 * Connects to the server of an `sftp://[user[:password]@]host[:port]/…` URL and opens its SFTP subsystem.
 * @throws NetworkError, TimeoutError, EgressDeniedError, HostKeyError, AuthError, ConfigError (an unreadable key)
 */
export async function openSftp(url: URL, settings: SshSettings): Promise<SshSession> {
  const started = performance.now();
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? 22 : Number(url.port);
  const shown = redactUrl(url.href);
  const timeoutMs = settings.connectTimeoutMs ?? 10_000;
  const sock = await openSocket(host, port, shown, settings, timeoutMs);
  const { Client } = await import('ssh2');
  const client = new Client();
  let keyFailure: HostKeyError | undefined;
  const knownHostsPath = settings.knownHostsPath ?? defaultKnownHosts();
  const config: ConnectConfig = {
    sock,
    username: decodeURIComponent(url.username) || userInfo().username,
    readyTimeout: timeoutMs,
    ...(await credentials(url, settings)),
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      verifyHostKey(knownHostsPath, host, port, key, settings.acceptNewHostKeys ?? false).then(
        (failure) => {
          keyFailure = failure;
          verify(failure === undefined);
        },
        (error: unknown) => {
          keyFailure = new HostKeyError(host, 'unknown', `cannot be checked: ${String(error)}`);
          verify(false);
        },
      );
    },
  };
  try {
    const ready = once(client, 'ready');
    client.connect(config);
    await ready;
  } catch (error) {
    client.end();
    sock.destroy();
    throw keyFailure ?? sshFailure(error, shown);
  }
  try {
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((error, session) => (error ? reject(error) : resolve(session))),
    );
    return { client, sftp, connectMs: performance.now() - started };
  } catch (error) {
    client.end();
    throw new NetworkError(shown, `no SFTP subsystem: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The TCP connection, made here so the egress guard sees the address and the connect timeout is ours. */
async function openSocket(
  host: string,
  port: number,
  shown: string,
  settings: SshSettings,
  timeoutMs: number,
): Promise<Socket> {
  const guard =
    settings.allowPrivate === false ? new EgressGuard({ allowPrivate: false }) : undefined;
  // An address literal is never looked up, so the guard's lookup would not see it.
  if (guard && isIP(host) !== 0 && guard.denies(host)) throw new EgressDeniedError(host, host);
  const sock = netConnect({ host, port, ...(guard && { lookup: guard.lookup() }) });
  const timer = setTimeout(() => sock.destroy(new TimeoutError(shown, 'connect')), timeoutMs);
  try {
    await once(sock, 'connect');
    // SFTP is request/response in small packets: Nagle's algorithm would hold each one back for an ACK.
    sock.setNoDelay(true);
    return sock;
  } catch (error) {
    sock.destroy();
    if (error instanceof CrawlError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new NetworkError(shown, code, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** Undefined when the key may be used; else why not. Unknown keys are recorded when accepted. */
async function verifyHostKey(
  path: string,
  host: string,
  port: number,
  key: Buffer,
  acceptNew: boolean,
): Promise<HostKeyError | undefined> {
  const verdict = checkHostKey(await readKnownHosts(path), host, port, key);
  if (verdict.kind === 'known') return undefined;
  if (verdict.kind === 'changed') {
    return new HostKeyError(
      host,
      'changed',
      `differs from the one in ${path} (line ${verdict.line}): refusing to connect (a changed server key, or a man in the middle)`,
    );
  }
  if (acceptNew) {
    await addHostKey(path, host, port, key);
    return undefined;
  }
  return new HostKeyError(
    host,
    'unknown',
    `is not in ${path}: add it (ssh-keyscan), or pass --accept-new-host-keys to trust and record it`,
  );
}

/** Password from the URL or the environment; the key file, else the agent, else the usual key files. */
async function credentials(url: URL, settings: SshSettings): Promise<Partial<ConnectConfig>> {
  const password = url.password
    ? decodeURIComponent(url.password)
    : (process.env[passwordEnv] ?? undefined);
  const auth: Partial<ConnectConfig> = password !== undefined ? { password } : {};
  if (settings.keyPath !== undefined) {
    try {
      return { ...auth, privateKey: await readFile(settings.keyPath) };
    } catch (error) {
      throw new ConfigError(
        `cannot read the SSH key ${settings.keyPath}: ${(error as Error).message}`,
      );
    }
  }
  if (process.env.SSH_AUTH_SOCK) return { ...auth, agent: process.env.SSH_AUTH_SOCK };
  const found = defaultKeys.map((name) => join(homedir(), '.ssh', name)).find(existsSync);
  return found ? { ...auth, privateKey: await readFile(found) } : auth;
}

function sshFailure(error: unknown, shown: string): CrawlError {
  if (error instanceof CrawlError) return error;
  const { level, message } = error as Error & { level?: string };
  if (level === 'client-authentication') {
    return new AuthError(`SSH login refused (${message}): ${shown}`, { cause: error });
  }
  if (level === 'client-timeout') return new TimeoutError(shown, 'SSH handshake', { cause: error });
  return new NetworkError(shown, `SSH: ${message}`, { cause: error });
}
