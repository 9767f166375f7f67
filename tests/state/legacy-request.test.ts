// A state file written before requests carried their tag still resumes as requests.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createRequest, isRequest } from '../../src/crawler/request.js';
import { SqliteFrontier } from '../../src/state/index.js';

describe('SqliteFrontier and stored requests', () => {
  it('revives a queued request stored without the tag', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'arachne-legacy-')), 'state.db');
    const original = createRequest('http://a.test/x', { handler: 'detail', data: { n: 1 } });
    const first = SqliteFrontier.open(path, 'shop');
    first.add([original]);
    first.close();

    const db = new Database(path);
    const row = db.prepare('SELECT id, request FROM requests').get() as {
      id: number;
      request: string;
    };
    expect(JSON.parse(row.request)).toEqual(original); // the tag is stored like any other field
    const { '@arachne': _tag, ...legacy } = original;
    db.prepare('UPDATE requests SET request = ? WHERE id = ?').run(JSON.stringify(legacy), row.id);
    db.close();

    const resumed = SqliteFrontier.open(path, 'shop');
    const next = resumed.next(() => true);
    expect(isRequest(next)).toBe(true);
    expect(next).toEqual(original);
    resumed.close();
  });
});
