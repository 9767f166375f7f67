import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteCacheStore } from '../../src/cache/sqlite-store.js';
import { ConfigError } from '../../src/errors.js';
import {
  runCacheStoreContract,
  sampleEntry,
  sampleKey,
} from '../contracts/cache-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'arachne-cache-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runCacheStoreContract('SqliteCacheStore', () => ({
  open: async (namespace) => SqliteCacheStore.open(join(dir, `${namespace}.sqlite`)),
}));

describe('SqliteCacheStore', () => {
  it('creates the file and its missing directories, in WAL mode', async () => {
    const path = join(dir, 'nested', 'deeper', 'http-cache.sqlite');
    const store = SqliteCacheStore.open(path);
    await store.set(sampleKey(1), sampleEntry(1));
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    await store.close();
  });

  it('refuses a missing file when asked not to create one', () => {
    expect(() => SqliteCacheStore.open(join(dir, 'absent.sqlite'), { create: false })).toThrow(
      ConfigError,
    );
  });

  it('refuses to open a file that is not SQLite, and leaves it untouched', () => {
    const path = join(dir, 'notes.sqlite');
    writeFileSync(path, 'my notes, not a database\n');
    expect(() => SqliteCacheStore.open(path)).toThrow(/not a SQLite file/);
  });

  it('refuses a SQLite file that belongs to something else (a crawl state file, say)', () => {
    const path = join(dir, 'state.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE requests (fp INTEGER PRIMARY KEY)');
    db.close();
    expect(() => SqliteCacheStore.open(path)).toThrow(/not an Arachne HTTP cache/);
  });

  it('hides and does not list an entry past its TTL, by the injected clock', async () => {
    let now = 1_000_000;
    const store = SqliteCacheStore.open(join(dir, 'clock.sqlite'), { now: () => now });
    await store.set(sampleKey(1), sampleEntry(1), 60_000);
    now += 59_999;
    expect(await store.get(sampleKey(1))).toBeDefined();
    now += 1;
    expect(await store.get(sampleKey(1))).toBeUndefined();
    const listed = [];
    for await (const listing of store.list()) listed.push(listing);
    expect(listed).toEqual([]);
    expect(await store.clear()).toBe(0);
    await store.close();
  });
});
