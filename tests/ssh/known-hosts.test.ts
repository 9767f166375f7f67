// known_hosts lines as OpenSSH reads them: host lists, patterns and negations, hashed names, ports, @revoked keys.
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addHostKey, checkHostKey, keyType } from '../../src/ssh/known-hosts.js';

/** A wire-format ed25519 public key blob, distinct per seed. */
const key = (seed: number) =>
  Buffer.concat([
    Buffer.from([0, 0, 0, 11]),
    Buffer.from('ssh-ed25519'),
    Buffer.from([0, 0, 0, 32]),
    Buffer.alloc(32, seed),
  ]);
const line = (hosts: string, seed: number) =>
  `${hosts} ssh-ed25519 ${key(seed).toString('base64')}`;

describe('checkHostKey', () => {
  it('finds a host in a list, by pattern, and with its port in brackets', () => {
    const text = [
      '# comment',
      '',
      line('alpha.example,10.0.0.1', 1),
      line('*.files.example', 2),
      line('[beta.example]:2222', 3),
    ].join('\n');
    expect(checkHostKey(text, '10.0.0.1', 22, key(1))).toEqual({ kind: 'known' });
    expect(checkHostKey(text, 'eu.files.example', 22, key(2))).toEqual({ kind: 'known' });
    expect(checkHostKey(text, 'beta.example', 2222, key(3))).toEqual({ kind: 'known' });
    expect(checkHostKey(text, 'beta.example', 22, key(3))).toEqual({ kind: 'unknown' });
    expect(checkHostKey(text, 'alpha.example', 22, key(9))).toEqual({ kind: 'changed', line: 3 });
  });

  it('lets a negated pattern exclude a host', () => {
    const text = line('*.example,!secret.example', 1);
    expect(checkHostKey(text, 'open.example', 22, key(1)).kind).toBe('known');
    expect(checkHostKey(text, 'secret.example', 22, key(1)).kind).toBe('unknown');
  });

  it('matches hashed names (HMAC-SHA1 of the name under the salt)', () => {
    const salt = Buffer.alloc(20, 5);
    const hash = createHmac('sha1', salt).update('[h.example]:2200').digest('base64');
    const text = line(`|1|${salt.toString('base64')}|${hash}`, 4);
    expect(checkHostKey(text, 'h.example', 2200, key(4)).kind).toBe('known');
    expect(checkHostKey(text, 'h.example', 22, key(4)).kind).toBe('unknown');
  });

  it('refuses a revoked key, skips certificate authorities', () => {
    const text = [`@revoked ${line('*', 6)}`, `@cert-authority ${line('*', 7)}`].join('\n');
    expect(checkHostKey(text, 'any.example', 22, key(6))).toEqual({ kind: 'changed', line: 1 });
    expect(checkHostKey(text, 'any.example', 22, key(7))).toEqual({ kind: 'unknown' });
  });
});

describe('addHostKey', () => {
  it('creates the file and appends each new host once, in the form ssh writes', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'arachne-kh-')), 'ssh', 'known_hosts');
    await Promise.all([
      addHostKey(path, 'a.example', 22, key(1)),
      addHostKey(path, 'a.example', 22, key(1)),
    ]);
    await addHostKey(path, '127.0.0.1', 2022, key(2));
    expect(keyType(key(1))).toBe('ssh-ed25519');
    expect(await readFile(path, 'utf8')).toBe(
      `${line('a.example', 1)}\n${line('[127.0.0.1]:2022', 2)}\n`,
    );
  });
});
