import { mkdtempSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { bearerToken, loadOrCreateToken, tokenMatches } from '../../src/server/token.js';

describe('the server token', () => {
  it('is created once (32 random bytes, base64url, mode 0600) and read back on the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-token-'));
    const first = loadOrCreateToken(dir, undefined);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.file).toBe(join(dir, 'token'));
    expect((await stat(join(dir, 'token'))).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(dir, '').token).toBe(first.token);
    expect(
      loadOrCreateToken(await mkdtemp(join(tmpdir(), 'arachne-token-')), undefined).token,
    ).not.toBe(first.token);
  });

  it('comes from ARACHNE_TOKEN when set, and then no file is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-token-'));
    expect(loadOrCreateToken(dir, 'a-long-enough-secret-value')).toEqual({
      token: 'a-long-enough-secret-value',
      file: undefined,
    });
    await expect(readFile(join(dir, 'token'))).rejects.toThrow();
    expect(() => loadOrCreateToken(dir, 'short')).toThrow(/at least/);
  });

  it('refuses a token file too short to be a secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-token-'));
    await writeFile(join(dir, 'token'), 'abc\n');
    expect(() => loadOrCreateToken(dir, undefined)).toThrow(/too short/);
  });

  it.each([
    [' a-long-enough-secret-value', 'leading'],
    ['a-long-enough-secret-value ', 'trailing'],
    ['a-long-enough secret-value', 'internal'],
    ['a-long-enough-secret-value\t', 'a tab'],
  ])(
    'refuses an ARACHNE_TOKEN with whitespace (%j: %s), which no request could ever send',
    (token) => {
      const dir = mkdtempSync(join(tmpdir(), 'arachne-token-'));
      expect(() => loadOrCreateToken(dir, token)).toThrow(ConfigError);
      expect(() => loadOrCreateToken(dir, token)).toThrow(/ARACHNE_TOKEN.*whitespace/);
    },
  );

  it('refuses a token file with whitespace inside, but reads one ending with a newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-token-'));
    await writeFile(join(dir, 'token'), 'a-long-enough secret-value\n');
    expect(() => loadOrCreateToken(dir, undefined)).toThrow(/whitespace/);
    await writeFile(join(dir, 'token'), '  a-long-enough-secret-value\n');
    expect(() => loadOrCreateToken(dir, undefined)).toThrow(/whitespace/);
    await writeFile(join(dir, 'token'), 'a-long-enough-secret-value\r\n');
    expect(loadOrCreateToken(dir, undefined).token).toBe('a-long-enough-secret-value');
  });

  it('matches exactly, whatever the lengths', () => {
    expect(tokenMatches('secret-token-value', 'secret-token-value')).toBe(true);
    expect(tokenMatches('secret-token-value', 'secret-token-valuE')).toBe(false);
    expect(tokenMatches('secret-token-value', 'secret')).toBe(false);
    expect(tokenMatches('secret-token-value', '')).toBe(false);
    expect(tokenMatches('secret-token-value', undefined)).toBe(false);
  });

  it('is read from a Bearer authorization header only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
