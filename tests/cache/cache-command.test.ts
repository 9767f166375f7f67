import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCacheStore } from '../../src/cache/redis-store.js';
import { SqliteCacheStore } from '../../src/cache/sqlite-store.js';
import { cacheCommand } from '../../src/cli/commands/cache.js';
import { sampleEntry, sampleKey } from '../contracts/cache-store.contract.js';
import { redisUp } from './services.js';

const skipRedis = (await redisUp()) ? undefined : 'Redis unreachable';

const dir = mkdtempSync(join(tmpdir(), 'arachne-cache-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cacheCommand(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('arachne cache', () => {
  it('ls prints status, bytes, stored-at and URL per entry, then a count; clear says how many it removed', async () => {
    const cacheDir = join(dir, 'crawl-cache');
    const store = SqliteCacheStore.open(join(cacheDir, 'http-cache.sqlite'));
    await store.set(sampleKey(1), sampleEntry(1, { storedAt: Date.parse('2024-05-01T12:00:00Z') }));
    await store.set(sampleKey(2), sampleEntry(2, { status: 404, body: Buffer.from('gone') }));
    await store.close();

    const listed = await cli('ls', cacheDir);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^200 +257 {2}2024-05-01T12:00:00\.000Z {2}http:\/\/127\.0\.0\.1:8080\/products\/1\?q=ü$/,
    );
    expect(lines[1]).toMatch(/^404 +4 {2}\S+Z {2}http:\/\/127\.0\.0\.1:8080\/products\/2\?q=ü$/);
    expect(lines[2]).toBe('2 entries, 261 bytes');

    const cleared = await cli('clear', cacheDir);
    expect(cleared).toEqual({
      code: 0,
      stdout: `2 entries removed from ${cacheDir}\n`,
      stderr: '',
    });
    expect((await cli('ls', cacheDir)).stdout).toBe('0 entries, 0 bytes\n');
  });

  it('reports a location with no cache as a usage error and creates nothing', async () => {
    const result = await cli('ls', join(dir, 'missing'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no HTTP cache at/);
  });

  it('prints help with --help and rejects a missing or unknown action', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: arachne cache <ls \| clear>/);
    expect((await cli()).code).toBe(2);
    expect((await cli('purge', dir)).stderr).toMatch(/unknown action "purge"/);
    expect((await cli('ls')).stderr).toMatch(/needs a cache location/);
    expect((await cli('ls', '--bogus')).code).toBe(2);
  });

  it.skipIf(skipRedis !== undefined)(
    'lists and clears a Redis cache given by URI, prefix included',
    async () => {
      const uri = `redis://127.0.0.1:6379/0?prefix=${encodeURIComponent(`arachne-test:${randomUUID()}:`)}`;
      const store = await RedisCacheStore.connect(uri);
      await store.set(sampleKey(1), sampleEntry(1));
      await store.close();
      const listed = await cli('ls', uri);
      expect(listed.stdout).toMatch(/^200 +257 .*\n1 entry, 257 bytes\n$/);
      expect((await cli('clear', uri)).stdout).toBe(`1 entry removed from ${uri}\n`);
    },
  );
});
