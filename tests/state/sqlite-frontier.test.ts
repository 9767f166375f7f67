import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MemoryFrontier } from '../../src/crawler/frontier.js';
import { createRequest, type Request } from '../../src/crawler/request.js';
import { SqliteFrontier } from '../../src/state/index.js';
import { runFrontierContract } from '../contracts/frontier.contract.js';

const dir = await mkdtemp(join(tmpdir(), 'arachne-state-'));
let n = 0;
const freshPath = () => join(dir, `state-${++n}.db`);

runFrontierContract('MemoryFrontier', () => new MemoryFrontier());
runFrontierContract('SqliteFrontier', () =>
  SqliteFrontier.open(freshPath(), 'test', { bufferSize: 4 }),
);

describe('SqliteFrontier across restarts', () => {
  it('resumes queued and leased requests, remembers the seen set and keeps items with their request', async () => {
    const path = freshPath();
    const first = SqliteFrontier.open(path, 'shop');
    await first.add([createRequest('http://a.test/'), createRequest('http://a.test/x')]);
    const home = first.next(() => true) as Request;
    first.complete(home, { children: [createRequest('http://a.test/y')], items: [{ n: 1 }] });
    const leased = first.next(() => true) as Request; // in flight when the process "dies"
    expect(leased.url).toBe('http://a.test/x');
    first.close();

    const second = SqliteFrontier.open(path, 'shop');
    expect(second.counts()).toEqual({ queued: 2, done: 1, failed: 0, items: 1 });
    expect(second.add([createRequest('http://a.test/'), createRequest('http://a.test/y')])).toEqual(
      [],
    );
    const urls: string[] = [];
    for (let r = second.next(() => true); r; r = second.next(() => true)) urls.push(r.url);
    expect(urls.sort()).toEqual(['http://a.test/x', 'http://a.test/y']);
    second.close();
  });

  it('keeps failed requests for listing and queues them again with retryFailed', async () => {
    const path = freshPath();
    const first = SqliteFrontier.open(path, 'shop');
    first.add([createRequest('http://a.test/broken')]);
    first.fail(first.next(() => true) as Request, {
      code: 'AR_HTTP_STATUS',
      message: 'status 500',
    });
    first.close();
    const again = SqliteFrontier.open(path, 'shop');
    expect(again.size()).toBe(0);
    expect(again.counts().failed).toBe(1);
    again.close();
    const retried = SqliteFrontier.open(path, 'shop', { retryFailed: true });
    expect(retried.next(() => true)?.url).toBe('http://a.test/broken');
    retried.close();
  });

  it('refuses a file that is not a state file, and leaves it untouched', async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'my precious notes\n');
    expect(() => SqliteFrontier.open(text, 'shop')).toThrow(/not an Arachne state file/);
    expect(await readFile(text, 'utf8')).toBe('my precious notes\n');

    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    expect(() => SqliteFrontier.open(foreign, 'shop')).toThrow(/not an Arachne state file/);

    const corrupted = join(dir, 'corrupted.db');
    await writeFile(
      corrupted,
      Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4000, 7)]),
    );
    expect(() => SqliteFrontier.open(corrupted, 'shop')).toThrow(
      /corrupted|not a usable|cannot open/,
    );
  });

  it('refuses the state of another spider', () => {
    const path = freshPath();
    SqliteFrontier.open(path, 'books').close();
    expect(() => SqliteFrontier.open(path, 'shop')).toThrow(/belongs to spider "books"/);
  });
});

describe('one crawl per state file', () => {
  it('refuses a second open while the first is live, and takes over a stale lock', async () => {
    const path = freshPath();
    const first = SqliteFrontier.open(path, 'shop');
    expect(() => SqliteFrontier.open(path, 'shop')).toThrow(/in use by another crawl/);
    first.close();
    SqliteFrontier.open(path, 'shop').close();
    // A crawl killed with -9 leaves its lock behind, with a pid that no longer runs.
    await writeFile(`${path}.lock`, '2147483646');
    SqliteFrontier.open(path, 'shop').close();
  });

  it('takes over a lock holding our own pid but written by another process (PID 1 in a container after kill -9)', async () => {
    const path = freshPath();
    SqliteFrontier.open(path, 'shop').close();
    await writeFile(`${path}.lock`, JSON.stringify({ pid: process.pid, token: 'killed-run' }));
    SqliteFrontier.open(path, 'shop').close();
    // A lock from a version that wrote only the pid: ours now writes more, so it was not us.
    await writeFile(`${path}.lock`, String(process.pid));
    SqliteFrontier.open(path, 'shop').close();
  });
});
