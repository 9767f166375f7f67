/**
 * Feeds: the compact output form, field lists, rotation into whole parts, and several outputs fed from one crawl,
 * where a failing output (a full disk: /dev/full) is reported by name and the others keep every item.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ItemBuffer } from '../../src/crawler/item-buffer.js';
import { createCrawler, defineSpider } from '../../src/index.js';
import { CsvSink } from '../../src/storage/csv-sink.js';
import { parseBytes, parseFeedTarget } from '../../src/storage/feed.js';
import { FieldsSink } from '../../src/storage/fields-sink.js';
import { JsonSink } from '../../src/storage/json-sink.js';
import { JsonlSink } from '../../src/storage/jsonl-sink.js';
import { openSink } from '../../src/storage/open-sink.js';
import { partPath, RotatingSink } from '../../src/storage/rotating-sink.js';
import type { Item } from '../../src/storage/sink.js';
import { XmlSink } from '../../src/storage/xml-sink.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-feeds-'));
});

const itemsOf = (count: number, from = 0): Item[] =>
  Array.from({ length: count }, (_, i) => ({ n: from + i, title: `t${from + i}`, extra: 'x' }));

describe('the compact output form', () => {
  it('reads trailing :key=value options', () => {
    expect(parseFeedTarget('items.csv:fields=title,price:overwrite:rotate=1000')).toEqual({
      target: 'items.csv',
      options: { fields: ['title', 'price'], overwrite: true, rotate: { items: 1000 } },
    });
    expect(parseFeedTarget('out/items:format=jsonl.gz:rotate-size=10MB')).toEqual({
      target: 'out/items',
      options: { format: 'jsonl.gz', rotate: { bytes: '10MB' } },
    });
  });

  it('leaves database URIs and Windows paths alone', () => {
    for (const target of [
      'postgres://user:overwrite@host/db?table=t',
      'postgres://user:fields=a@host/db',
      'sqlite:items.db?table=t',
      'C:\\data\\items.csv',
      'items.jsonl',
    ]) {
      expect(parseFeedTarget(target)).toEqual({ target, options: {} });
    }
    expect(parseFeedTarget('sqlite:items.db:fields=a').target).toBe('sqlite:items.db');
  });

  it('reads sizes in powers of 1024', () => {
    expect(parseBytes('10MB')).toBe(10 * 1024 * 1024);
    expect(parseBytes('512kb')).toBe(512 * 1024);
    expect(parseBytes(2000)).toBe(2000);
    expect(parseBytes('ten')).toBeUndefined();
  });
});

describe('part names', () => {
  it('fill {part}, or insert -00001 before the extension', () => {
    expect(partPath('items-{part}.jsonl', 3)).toBe('items-00003.jsonl');
    expect(partPath('items.jsonl', 1)).toBe('items-00001.jsonl');
    expect(partPath('/out/items.csv.gz', 12)).toBe('/out/items-00012.csv.gz');
    expect(partPath('/out/items', 2)).toBe('/out/items-00002');
  });
});

describe('field lists', () => {
  it('keep only the listed fields, in order: the CSV header follows the list', async () => {
    const path = join(dir, 'items.csv');
    const sink = new FieldsSink(new CsvSink(path), ['title', 'missing', 'n']);
    await sink.open();
    await sink.write(itemsOf(2));
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe('title,missing,n\r\nt0,,0\r\nt1,,1\r\n');
  });

  it('give a listed field the item lacks as null in JSON Lines, never a missing key', async () => {
    const path = join(dir, 'fields.jsonl');
    const sink = new FieldsSink(new JsonlSink(path), ['title', 'missing']);
    await sink.open();
    await sink.write(itemsOf(1));
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe('{"title":"t0","missing":null}\n');
  });
});

describe('rotation', () => {
  it('by items: every part a complete file of its format, the limit exact', async () => {
    const formats: Array<[string, (text: Buffer) => number]> = [
      ['jsonl', (text) => text.toString().trim().split('\n').length],
      ['json', (text) => (JSON.parse(text.toString()) as unknown[]).length],
      ['csv', (text) => text.toString().trim().split('\r\n').length - 1],
      ['xml', (text) => (text.toString().match(/<item>/g) ?? []).length],
      ['jsonl.gz', (text) => gunzipSync(text).toString().trim().split('\n').length],
    ];
    for (const [format, count] of formats) {
      const pattern = join(dir, `items-{part}.${format}`);
      const sink = new RotatingSink(pattern, (path) => openSink(path), { items: 4 }, false);
      await sink.open();
      // Batches that straddle the limit: the parts must still hold 4, 4, 2.
      await sink.write(itemsOf(3));
      await sink.write(itemsOf(6, 3));
      await sink.write(itemsOf(1, 9));
      await sink.close();
      expect(sink.paths.map((path) => path.slice(dir.length + 1))).toEqual([
        `items-00001.${format}`,
        `items-00002.${format}`,
        `items-00003.${format}`,
      ]);
      const counts = await Promise.all(sink.paths.map(async (path) => count(await readFile(path))));
      expect(counts, format).toEqual([4, 4, 2]);
    }
    const xml = await readFile(join(dir, 'items-00003.xml'), 'utf8');
    expect(xml.trimEnd().endsWith('</items>')).toBe(true);
    const csv = await readFile(join(dir, 'items-00002.csv'), 'utf8');
    expect(csv.startsWith('n,title,extra\r\n')).toBe(true);
  });

  it('by bytes: a new part once the current one reaches the size, a few items past it at most', async () => {
    const pattern = join(dir, 'items.jsonl');
    const sink = new RotatingSink(pattern, (path) => new JsonlSink(path), { bytes: 1000 }, false);
    await sink.open();
    for (let batch = 0; batch < 5; batch++) await sink.write(itemsOf(40, batch * 40));
    await sink.close();
    const texts = await Promise.all(sink.paths.map((path) => readFile(path, 'utf8')));
    expect(texts.length).toBeGreaterThan(5);
    const lineBytes = Buffer.byteLength(texts[0]?.split('\n')[0] ?? '') + 1;
    for (const text of texts.slice(0, -1)) {
      expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(1000);
      expect(Buffer.byteLength(text)).toBeLessThan(1000 + 3 * lineBytes);
    }
    const all = texts.flatMap((text) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).n),
    );
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('a second run adds parts after the existing ones; overwrite starts again at 00001', async () => {
    const pattern = join(dir, 'items-{part}.json');
    const run = async (overwrite: boolean) => {
      const sink = new RotatingSink(pattern, (path) => new JsonSink(path), { items: 5 }, overwrite);
      await sink.open();
      await sink.write(itemsOf(7));
      await sink.close();
      return sink.paths.map((path) => path.slice(dir.length + 1));
    };
    expect(await run(false)).toEqual(['items-00001.json', 'items-00002.json']);
    expect(await run(false)).toEqual(['items-00003.json', 'items-00004.json']);
    expect(await run(true)).toEqual(['items-00001.json', 'items-00002.json']);
    expect((await readdir(dir)).sort()).toHaveLength(4);
  });

  it('starts no empty part when the items end on the limit', async () => {
    const sink = new RotatingSink(
      join(dir, 'x.csv'),
      (path) => new CsvSink(path),
      { items: 5 },
      false,
    );
    await sink.open();
    await sink.write(itemsOf(10));
    await sink.close();
    expect(sink.paths).toHaveLength(2);
    expect(existsSync(join(dir, 'x-00003.csv'))).toBe(false);
  });

  it('opens an XML part with the factory it is given', async () => {
    const sink = new RotatingSink(
      join(dir, 'x.xml'),
      (path) => new XmlSink(path),
      { items: 1 },
      false,
    );
    await sink.open();
    await sink.write(itemsOf(2));
    await sink.close();
    expect(sink.paths).toHaveLength(2);
  });
});

describe('one item buffer, several outputs', () => {
  it('keeps an item until every reader is past it; a detached reader holds nothing back', async () => {
    const buffer = new ItemBuffer(1000, () => {});
    const fast = buffer.reader();
    const slow = buffer.reader();
    buffer.push(itemsOf(10));
    const first = await fast.itemsAfter('', 6);
    expect(first.map((row) => row.item.n)).toEqual([0, 1, 2, 3, 4, 5]);
    // The fast output wrote those 6 and asks for more: the slow one has not read any yet.
    expect((await fast.itemsAfter('6', 100)).map((row) => row.item.n)).toEqual([6, 7, 8, 9]);
    const slowRows = await slow.itemsAfter('', 100);
    expect(slowRows.map((row) => row.item.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(slowRows.at(-1)?.cursor).toBe('10');
    expect(buffer.size).toBe(10);
    await slow.itemsAfter('10', 100);
    expect(buffer.size).toBe(4);
    slow.detach();
    await fast.itemsAfter('10', 100);
    expect(buffer.size).toBe(0);
  });
});

describe('several outputs from one crawl', () => {
  let site: LocalServer;
  const pages = 30;
  beforeAll(async () => {
    const routes: Record<string, string> = {
      '/robots.txt': 'User-agent: *\nAllow: /\n',
      '/': Array.from({ length: pages }, (_, i) => `<a href="/p/${i}">${i}</a>`).join(''),
    };
    for (let i = 0; i < pages; i++) routes[`/p/${i}`] = `<title>page ${i}</title>`;
    site = await startLocalServer(routes);
  });
  afterAll(() => site.close());

  /** `perPage` items from each page: past 500 waiting items, an export runs before the crawl ends. */
  const spider = (perPage = 1) =>
    defineSpider({
      name: 'fan',
      start: [`${site.origin}/`],
      async *parse(page) {
        for (const link of page.links()) yield page.follow(link, 'item');
      },
      async *item(page) {
        const n = Number(page.url.split('/').pop());
        for (let copy = 0; copy < perPage; copy++)
          yield { title: page.select('title').text(), url: page.url, n, copy };
      },
    });

  it('gives every item to every output, each with its own fields, format and rotation', async () => {
    const crawler = createCrawler(spider(), {
      logLevel: 'silent',
      output: [join(dir, 'all.jsonl'), `${join(dir, 'some.csv')}:fields=n,title`],
      feeds: {
        [join(dir, 'parts-{part}.json')]: { rotate: { items: 8 }, fields: ['url'] },
        [join(dir, 'plain')]: { format: 'xml' },
      },
    });
    await crawler.run();
    const all = (await readFile(join(dir, 'all.jsonl'), 'utf8')).trim().split('\n');
    expect(all).toHaveLength(pages);
    const csv = (await readFile(join(dir, 'some.csv'), 'utf8')).trim().split('\r\n');
    expect(csv[0]).toBe('n,title');
    expect(csv).toHaveLength(pages + 1);
    const parts = (await readdir(dir)).filter((name) => name.startsWith('parts-')).sort();
    expect(parts).toEqual([
      'parts-00001.json',
      'parts-00002.json',
      'parts-00003.json',
      'parts-00004.json',
    ]);
    const urls = (
      await Promise.all(
        parts.map(async (part) => JSON.parse(await readFile(join(dir, part), 'utf8'))),
      )
    ).flat() as Array<Record<string, unknown>>;
    expect(urls).toHaveLength(pages);
    expect(Object.keys(urls[0] ?? {})).toEqual(['url']);
    expect((await readFile(join(dir, 'plain'), 'utf8')).match(/<item>/g)).toHaveLength(pages);
  });

  it.skipIf(!existsSync('/dev/full'))(
    'a failing output is reported by name; the others keep every item and the crawl ends with its error',
    async () => {
      const warnings: string[] = [];
      const crawler = createCrawler(spider(20), {
        logLevel: 'silent',
        output: [join(dir, 'good.jsonl'), '/dev/full:format=jsonl', join(dir, 'good.csv')],
      });
      crawler.on('crawl:warning', ({ message }) => warnings.push(message));
      await expect(crawler.run()).rejects.toThrow(/cannot write items to \/dev\/full: ENOSPC/);
      expect(
        warnings.some((w) => w.startsWith('output /dev/full failed, the other outputs go on')),
      ).toBe(true);
      expect(
        warnings.filter((w) => w.includes('/dev/full')),
        warnings.join('\n'),
      ).toHaveLength(1);
      const lines = (await readFile(join(dir, 'good.jsonl'), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(pages * 20);
      expect(new Set(lines).size).toBe(pages * 20);
      const rows = (await readFile(join(dir, 'good.csv'), 'utf8')).trim().split('\r\n');
      expect(rows).toHaveLength(pages * 20 + 1);
    },
  );

  it('refuses {part} without rotation, a repeated output, and size rotation of Parquet', async () => {
    const run = (options: Parameters<typeof createCrawler>[1]) =>
      createCrawler(spider(), { logLevel: 'silent', ...options }).run();
    await expect(run({ output: join(dir, 'x-{part}.jsonl') })).rejects.toThrow(
      '{part} needs rotation',
    );
    await expect(run({ output: [join(dir, 'a.jsonl'), join(dir, 'a.jsonl')] })).rejects.toThrow(
      'is given twice',
    );
    await expect(run({ output: `${join(dir, 'a.parquet')}:rotate-size=1MB` })).rejects.toThrow(
      'rotates by items only',
    );
    await writeFile(join(dir, 'f.csv'), '');
  });
});
