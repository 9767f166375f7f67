/**
 * Feeds through the built CLI: -o appends to an existing file and -O replaces it, gzipped and XML outputs,
 * placeholders in the path, the CSV header rule, whole numbers as integers in SQLite and PostgreSQL, several
 * outputs at once with their own field lists, rotation into parts, and Parquet.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { parquetReadObjects } from 'hyparquet';
import pg from 'pg';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresLabel } from '../../src/storage/database-target.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { type CliResult, runCli } from '../helpers/run-cli.js';
import { requireService } from '../helpers/services.js';

let dir: string;
let site: LocalServer;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-feeds-'));
  site = await startLocalServer({
    '/robots.txt': 'User-agent: *\nAllow: /\n',
    '/': '<title>home</title><a href="/a">a</a><a href="/b">b</a>',
    '/a': '<title>a & <b></title><p>a</p>',
    '/b': '<title>b</title><p>b</p>',
  });
});
afterAll(() => site.close());

/** A fresh path in the test directory. */
const pathFor = (name: string): string => join(dir, `${++files}-${name}`);

/** A no-code crawl of the three-page site: one record (url, status, depth, title…) per page. */
async function crawl(...flags: string[]): Promise<CliResult> {
  const result = await runCli(['crawl', `${site.origin}/`, '--no-progress', ...flags]);
  return result;
}

async function crawlOk(...flags: string[]): Promise<void> {
  const result = await crawl(...flags);
  expect(result.code, result.stderr).toBe(0);
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

describe('-o appends, -O overwrites', () => {
  it('-o twice on a .jsonl file keeps the first run and adds the second', async () => {
    const out = pathFor('items.jsonl');
    await crawlOk('-o', out);
    await crawlOk('-o', out);
    const urls = lines(await readFile(out, 'utf8')).map((line) => JSON.parse(line).url as string);
    expect(urls).toHaveLength(6);
    expect(new Set(urls).size).toBe(3);
  });

  it('-O twice replaces the file each time', async () => {
    const out = pathFor('items.jsonl');
    await writeFile(out, '{"old":true}\n');
    await crawlOk('-O', out);
    await crawlOk('-O', out);
    const text = await readFile(out, 'utf8');
    expect(lines(text)).toHaveLength(3);
    expect(text).not.toContain('old');
  });

  it('-o on a CSV file adds rows under the existing header, never a second header', async () => {
    const out = pathFor('items.csv');
    await crawlOk('-o', out);
    await crawlOk('-o', out);
    const rows = (await readFile(out, 'utf8')).split('\r\n').filter((row) => row !== '');
    expect(rows).toHaveLength(7);
    expect(rows.filter((row) => row.startsWith('url,'))).toHaveLength(1);
  });

  it('-o on a JSON array Arachne wrote continues the array; a foreign one is refused, naming -O', async () => {
    const out = pathFor('items.json');
    await crawlOk('-o', out);
    await crawlOk('-o', out);
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveLength(6);

    const foreign = pathFor('foreign.json');
    await writeFile(foreign, '{"not": "an array"}');
    const refused = await crawl('-o', foreign);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('cannot append');
    expect(refused.stderr).toContain('-O');
    expect(await readFile(foreign, 'utf8')).toBe('{"not": "an array"}');
  });

  it('refuses -o and -O together, and -O on a database', async () => {
    const both = await crawl('-o', pathFor('a.jsonl'), '-O', pathFor('b.jsonl'));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const database = await crawl('-O', pathFor('items.sqlite'));
    expect(database.code).toBe(2);
    expect(database.stderr).toContain('is a database: use output (-o)');
  });

  it('with --state, the first run appends to an existing file and a repeated run adds nothing', async () => {
    const out = pathFor('items.jsonl');
    const state = pathFor('state.db');
    await writeFile(out, '{"kept":true}\n');
    await crawlOk('-o', out, '--state', state);
    await crawlOk('-o', out, '--state', state);
    const records = lines(await readFile(out, 'utf8')).map((line) => JSON.parse(line));
    expect(records[0]).toEqual({ kept: true });
    expect(records).toHaveLength(4);
  });
});

describe('gzipped outputs', () => {
  it('.jsonl.gz reads back with gunzip, and -o appends to it', async () => {
    const out = pathFor('items.jsonl.gz');
    await crawlOk('-o', out);
    await crawlOk('-o', out);
    const records = lines(gunzipSync(await readFile(out)).toString('utf8')).map((line) =>
      JSON.parse(line),
    );
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({ status: 200 });
  });

  it('.csv.gz reads back with gunzip, with one header across appended runs', async () => {
    const out = pathFor('items.csv.gz');
    await crawlOk('-o', out);
    await crawlOk('-o', out);
    const rows = gunzipSync(await readFile(out))
      .toString('utf8')
      .split('\r\n')
      .filter((row) => row !== '');
    expect(rows[0]).toBe('url,status,depth,title,contentType,bytes,links');
    expect(rows).toHaveLength(7);
  });
});

/** The `<item>` elements of an XML document, each as field → text; a strict parser, so ill-formed XML throws. */
function parseItems(xml: string): Array<Record<string, string>> {
  const items: Array<Record<string, string>> = [];
  const path: string[] = [];
  let text = '';
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    path.push(tag.name);
    if (path.length === 2) items.push({});
    text = '';
  });
  parser.on('text', (chunk) => {
    text += chunk;
  });
  parser.on('closetag', (tag) => {
    if (path.length === 3) (items.at(-1) as Record<string, string>)[tag.name] = text;
    path.pop();
  });
  parser.write(xml).close();
  return items;
}

describe('XML output', () => {
  it('writes <items><item><field>, escaped, which a strict parser reads back', async () => {
    const out = pathFor('items.xml');
    await crawlOk('-o', out);
    const xml = await readFile(out, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<items>\n<item>')).toBe(true);
    const items = parseItems(xml);
    expect(items).toHaveLength(3);
    const a = items.find((item) => item.url === `${site.origin}/a`);
    expect(a).toMatchObject({ status: '200', depth: '1', title: 'a & <b>' });
    expect(xml).toContain('<title>a &amp; &lt;b&gt;</title>');
  });

  it('escapes hostile keys and text, and -o continues the document', async () => {
    const spider = pathFor('hostile.ts');
    await writeFile(
      spider,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'hostile',
  start: ['${site.origin}/'],
  async *parse() {
    yield { 'two words': '<&>"', 'ctl': 'a\\u0001b\\r\\nc', list: [1, null, 'x'], nested: { k: true }, gone: null };
  },
});
`,
    );
    const out = pathFor('hostile.xml');
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['crawl', spider, '-o', out, '--no-progress']);
      expect(result.code, result.stderr).toBe(0);
    }
    const xml = await readFile(out, 'utf8');
    expect(parseItems(xml)).toHaveLength(2);
    expect(xml).toContain(
      '<item><field name="two words">&lt;&amp;&gt;"</field><ctl>a\uFFFDb&#13;\nc</ctl>' +
        '<list><value>1</value><value/><value>x</value></list><nested><k>true</k></nested><gone/></item>',
    );
  });
});

describe('placeholders in the output path', () => {
  it('fills in {spider} and {time} (a file-system-safe UTC stamp)', async () => {
    const sub = pathFor('placeholders');
    await crawlOk('-o', join(sub, 'items-{spider}-{time}.jsonl'));
    const [name, ...others] = await readdir(sub);
    expect(others).toEqual([]);
    expect(name).toMatch(/^items-site-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.jsonl$/);
    expect(lines(await readFile(join(sub, name as string), 'utf8'))).toHaveLength(3);
  });

  it('refuses an unknown placeholder, naming it', async () => {
    const result = await crawl('-o', pathFor('items-{spidr}.jsonl'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown placeholder {spidr}');
  });
});

describe('CSV columns', () => {
  it('come from every key of the first batch; a missing or null field is an empty cell', async () => {
    const spider = pathFor('uneven.ts');
    await writeFile(
      spider,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'uneven',
  start: ['${site.origin}/'],
  async *parse() {
    yield { name: 'first', price: 1 };
    yield { name: 'second', price: 2, sku: 'S2' };
    yield { name: 'third', price: null };
  },
});
`,
    );
    const out = pathFor('uneven.csv');
    const result = await runCli(['crawl', spider, '-o', out, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(
      'name,price,sku\r\nfirst,1,\r\nsecond,2,S2\r\nthird,,\r\n',
    );
  });
});

describe('a field that finds nothing', () => {
  it('is null in JSON Lines, never a missing key; a CSV key after the first batch is warned about once', async () => {
    const spider = pathFor('missing.ts');
    await writeFile(
      spider,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'missing',
  start: ['${site.origin}/'],
  *parse(page) {
    // 500 items: the first export batch, where the CSV columns come from.
    for (let n = 0; n < 500; n++) yield { n, title: page.text('title'), brand: page.attr('.brand', 'href') };
    yield page.follow('/a', 'later');
  },
  *later(page) {
    for (const n of [500, 501]) yield { n, brand: page.selectOne('.brand')?.text(), sale: n === 500 };
  },
});
`,
    );
    const jsonl = pathFor('missing.jsonl');
    const csv = pathFor('missing.csv');
    const result = await runCli(['crawl', spider, '-o', jsonl, '-o', csv, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    const records = lines(await readFile(jsonl, 'utf8'));
    expect(records).toHaveLength(502);
    expect(records[0]).toBe('{"n":0,"title":"home","brand":null}');
    expect(records[501]).toBe('{"n":501,"brand":null,"sale":false}');
    const rows = lines(await readFile(csv, 'utf8'));
    expect(rows[0]).toBe('n,title,brand\r');
    expect(rows.at(-1)).toBe('501,,\r');
    const warnings = result.stderr.split('\n').filter((line) => line.includes('not written'));
    expect(warnings, result.stderr).toHaveLength(1);
    expect(warnings[0]).toContain('key "sale" not written');
    expect(warnings[0]).toContain(`-o '${csv}:fields=n,title,brand,sale'`);
  });
});

describe('SQLite output', () => {
  it("stores status and depth as integers, and -o twice keeps the first run's rows", async () => {
    const out = pathFor('items.sqlite');
    await crawlOk('-o', out);
    await crawlOk('-o', out);
    const db = new Database(out, { readonly: true });
    try {
      const types = db
        .prepare(
          'SELECT typeof(status) AS status, typeof(depth) AS depth, count(*) AS count FROM site GROUP BY 1, 2',
        )
        .all();
      expect(types).toEqual([{ status: 'integer', depth: 'integer', count: 6 }]);
    } finally {
      db.close();
    }
  });
});

const postgresUrl = process.env.ARACHNE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresQuery<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

const postgresUp = await requireService(`PostgreSQL at ${postgresLabel(postgresUrl)}`, async () => {
  await postgresQuery('SELECT 1');
});

describe.skipIf(!postgresUp)('PostgreSQL output', () => {
  const table = `arachne_feeds_${process.pid}_${Date.now().toString(36)}`;
  afterAll(() => postgresQuery(`DROP TABLE IF EXISTS "${table}"`));

  it('stores status and depth as bigint', async () => {
    const target = new URL(postgresUrl);
    target.searchParams.set('table', table);
    await crawlOk('-o', target.href);
    const types = await postgresQuery<{ status: string; depth: string; count: number }>(
      `SELECT pg_typeof(status)::text AS status, pg_typeof(depth)::text AS depth, count(*)::int AS count
       FROM "${table}" GROUP BY 1, 2`,
    );
    expect(types).toEqual([{ status: 'bigint', depth: 'bigint', count: 3 }]);
  });
});

describe('several outputs, rotation, Parquet', () => {
  it('-o twice: each output gets every item, with its own field list and column order', async () => {
    const csv = pathFor('some.csv');
    const jsonl = pathFor('all.jsonl');
    await crawlOk('-o', `${csv}:fields=title,url`, '-o', jsonl);
    const rows = (await readFile(csv, 'utf8')).split('\r\n').filter((row) => row !== '');
    expect(rows[0]).toBe('title,url');
    expect(rows.slice(1).sort()).toEqual(
      ['a & <b>', 'b', 'home'].map((title) => expect.stringContaining(title)),
    );
    expect(rows).toHaveLength(4);
    const records = lines(await readFile(jsonl, 'utf8')).map((line) => JSON.parse(line));
    expect(records).toHaveLength(3);
    expect(Object.keys(records[0])).toContain('status');
  });

  it('--rotate-items 1 writes one valid part per item; :rotate=2 with {part} where the number goes', async () => {
    const sub = pathFor('parts');
    await crawlOk('-o', join(sub, 'items.json'), '--rotate-items', '1');
    const parts = (await readdir(sub)).sort();
    expect(parts).toEqual(['items-00001.json', 'items-00002.json', 'items-00003.json']);
    for (const part of parts) {
      expect(JSON.parse(await readFile(join(sub, part), 'utf8'))).toHaveLength(1);
    }
    const other = pathFor('named');
    await crawlOk('-o', `${join(other, 'p{part}.csv.gz')}:rotate=2`);
    const named = (await readdir(other)).sort();
    expect(named).toEqual(['p00001.csv.gz', 'p00002.csv.gz']);
    const texts = await Promise.all(
      named.map(async (name) => gunzipSync(await readFile(join(other, name))).toString()),
    );
    expect(texts.map((text) => text.split('\r\n').filter((row) => row !== '').length)).toEqual([
      3, 2,
    ]);
    expect(texts.every((text) => text.startsWith('url,status,'))).toBe(true);
  });

  it('writes Parquet that hyparquet reads back, and refuses -o on an existing Parquet file', async () => {
    const out = pathFor('items.parquet');
    await crawlOk('-o', `${out}:fields=url,status,title`);
    const bytes = await readFile(out);
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    });
    expect(rows).toHaveLength(3);
    expect(rows.find((row) => row.url === `${site.origin}/a`)).toEqual({
      url: `${site.origin}/a`,
      status: 200n,
      title: 'a & <b>',
    });
    const again = await crawl('-o', out);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('cannot append to a Parquet file');
    await crawlOk('-O', out);
  });

  it.skipIf(!existsSync('/dev/full'))(
    'a full disk on one output: named, exit 1, the other output has every item',
    async () => {
      const good = pathFor('good.jsonl');
      const result = await crawl('-o', '/dev/full:format=csv', '-o', good);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('/dev/full');
      expect(result.stderr).toContain('ENOSPC');
      expect(lines(await readFile(good, 'utf8'))).toHaveLength(3);
    },
  );

  it('with --state, two outputs each keep their own mark: a repeated run adds to neither', async () => {
    const state = pathFor('state.db');
    const jsonl = pathFor('a.jsonl');
    const csv = pathFor('b.csv');
    for (let run = 0; run < 2; run++)
      await crawlOk('-o', jsonl, '-o', `${csv}:fields=url`, '--state', state);
    expect(lines(await readFile(jsonl, 'utf8'))).toHaveLength(3);
    expect((await readFile(csv, 'utf8')).split('\r\n').filter((row) => row !== '')).toHaveLength(4);
  });

  it('refuses a bad rotation size, naming the output', async () => {
    const result = await crawl('-o', pathFor('x.jsonl'), '--rotate-size', 'huge');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rotate size must be a size such as 10MB');
  });
});
