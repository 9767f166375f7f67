// A state file and its dedup rules: stored when the file is created, kept on resume, absent from older files.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createRequest } from '../../src/crawler/request.js';
import { SqliteFrontier } from '../../src/state/index.js';

const freshPath = async () =>
  join(await mkdtemp(join(tmpdir(), 'arachne-dedup-rules-')), 'crawl.db');
const urls = (requests: Array<{ url: string }>) => requests.map((request) => request.url);

describe('SqliteFrontier dedup rules', () => {
  it('dedups on the key, keeping each request’s URL as written', async () => {
    const frontier = SqliteFrontier.open(await freshPath(), 'test');
    const queued = frontier.add([
      createRequest('http://a.test/p?b=2&a=1'),
      createRequest('http://a.test/p?a=1&b=2&utm_source=x'),
    ]);
    expect(urls(queued)).toEqual(['http://a.test/p?b=2&a=1']);
    frontier.close();
  });

  it('a resumed file keeps the rules it was started with and says so', async () => {
    const path = await freshPath();
    const first = SqliteFrontier.open(path, 'test');
    first.add([createRequest('http://a.test/p?b=2&a=1')]);
    first.close();
    const resumed = SqliteFrontier.open(path, 'test', { dedup: { keepQueryOrder: true } });
    expect(resumed.dedupRulesChanged).toEqual({
      keepQueryOrder: false,
      dropParams: [],
      keepParams: [],
    });
    expect(resumed.add([createRequest('http://a.test/p?a=1&b=2')])).toEqual([]);
    resumed.close();
    const same = SqliteFrontier.open(path, 'test', {});
    expect(same.dedupRulesChanged).toBeUndefined();
    same.close();
  });

  it('a file started before rules were stored keeps dedup on URLs as written', async () => {
    const path = await freshPath();
    const first = SqliteFrontier.open(path, 'test');
    first.add([createRequest('http://a.test/x')]);
    first.close();
    const db = new Database(path);
    db.prepare("DELETE FROM arachne_meta WHERE key = 'dedup_rules'").run();
    db.close();
    const resumed = SqliteFrontier.open(path, 'test');
    // Its seen set holds fingerprints of raw URLs: new keys would make every page with a query new again.
    const queued = resumed.add([
      createRequest('http://a.test/p?b=2&a=1'),
      createRequest('http://a.test/p?a=1&b=2'),
      createRequest('http://a.test/x'),
    ]);
    expect(urls(queued)).toEqual(['http://a.test/p?b=2&a=1', 'http://a.test/p?a=1&b=2']);
    resumed.close();
  });
});
