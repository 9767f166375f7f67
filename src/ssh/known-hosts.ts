/**
 * OpenSSH's known_hosts file (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): which host keys a server may show. Plain and
 * hashed (`|1|salt|hmac`) host names, `*`/`?` patterns and `!` negations are read; `@revoked` keys are refused;
 * `@cert-authority` lines are skipped (no certificates here).
 */
import { createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What the file says of a key a server showed. */
export type HostKeyVerdict =
  | { kind: 'known' }
  /** The host is not listed at all. */
  | { kind: 'unknown' }
  /** The host is listed with other keys (or this key is revoked): possibly a man in the middle. */
  | { kind: 'changed'; line: number };

/** `host` for port 22, else `[host]:port`: the name ssh looks up and writes. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Checks `key` (the SSH wire-format public key blob) for `host`:`port` against the file's text. */
export function checkHostKey(
  text: string,
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = knownHostName(host, port);
  const blob = key.toString('base64');
  let listed: number | undefined;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const fields = (lines[index] as string).trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [hosts, , keyBlob] = fields;
    if (hosts === undefined || keyBlob === undefined || marker === '@cert-authority') continue;
    if (!hostsMatch(hosts, name)) continue;
    if (marker === '@revoked') {
      if (keyBlob === blob) return { kind: 'changed', line: index + 1 };
      continue;
    }
    if (keyBlob === blob) return { kind: 'known' };
    listed ??= index + 1;
  }
  return listed === undefined ? { kind: 'unknown' } : { kind: 'changed', line: listed };
}

/** The key's type, the first string of its wire format: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
export function keyType(key: Buffer): string {
  const length = key.length >= 4 ? key.readUInt32BE(0) : 0;
  return key.subarray(4, 4 + length).toString('latin1');
}

// Appends are serialised: two first connections to the same new host must not interleave their lines.
let appending: Promise<unknown> = Promise.resolve();

/** Records a newly accepted key, as `ssh -o StrictHostKeyChecking=accept-new` does (the file is made if missing). */
export function addHostKey(path: string, host: string, port: number, key: Buffer): Promise<void> {
  const next = appending.then(async () => {
    const text = await readKnownHosts(path);
    if (checkHostKey(text, host, port, key).kind === 'known') return;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    const line = `${knownHostName(host, port)} ${keyType(key)} ${key.toString('base64')}\n`;
    await appendFile(path, separator + line, { mode: 0o600 });
  });
  appending = next.catch(() => {});
  return next;
}

/** The file's text; '' when it does not exist yet (every host is then unknown). */
export async function readKnownHosts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** A comma-separated pattern list: a match counts unless a `!` pattern also matches (ssh's match_hostname). */
function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatch(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function hashedMatch(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split('|');
  if (salt === undefined || hash === undefined) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** `*` any run of characters, `?` one character; host names compare case-insensitively. */
function globMatch(pattern: string, name: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`).test(name.toLowerCase());
}
