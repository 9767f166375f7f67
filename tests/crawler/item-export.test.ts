/**
 * The export's recovery after kill -9 in the middle of a batch, for every file format: the batch's bytes reached
 * the file but its mark was never recorded. Reproduced deterministically by running a second export on the same
 * output from the earlier mark, the way a resumed crawl does.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ItemExport, type ItemSource } from '../../src/crawler/item-export.js';
import { openSink } from '../../src/storage/open-sink.js';
import type { Item } from '../../src/storage/sink.js';

/** Committed items and the export mark, as a state file keeps them. */
function memorySource(items: Item[]): ItemSource & { marks: Map<string, string> } {
  const marks = new Map<string, string>();
  return {
    marks,
    async itemsAfter(cursor, limit) {
      const from = cursor === '' ? 0 : Number(cursor);
      return items
        .slice(from, from + limit)
        .map((item, index) => ({ cursor: String(from + index + 1), item }));
    },
    async readMark(key) {
      return marks.get(key);
    },
    async writeMark(key, value) {
      marks.set(key, value);
    },
  };
}

async function exportOnce(source: ItemSource, path: string): Promise<void> {
  const sink = openSink(path, { append: true });
  const exporter = new ItemExport(source, sink, path, path);
  await exporter.prepare();
  await sink.open();
  await exporter.run();
  await sink.close();
}

const itemsOf = (count: number, from = 0): Item[] =>
  Array.from({ length: count }, (_, i) => ({ n: from + i, name: `item ${from + i}` }));

describe.each(['json', 'jsonl', 'csv', 'xml', 'jsonl.gz', 'csv.gz'])(
  'a .%s export killed in the middle of a batch',
  (format) => {
    it('is cut back and finished on resume: a valid file with each item once', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'arachne-export-'));
      const path = join(dir, `items.${format}`);
      const items = itemsOf(3);
      const source = memorySource(items);
      await exportOnce(source, path);
      const exported = await readFile(path);

      // The killed run: its next batch overwrote the file's end (a JSON array's closing bracket) and part of the
      // batch reached the disk, but the process died before recording the new mark.
      const later = itemsOf(2, 3);
      items.push(...later);
      // A document format's batch starts where its closing line was; a gzip one is a torn member.
      const trailer = { json: '\n]\n', xml: '\n</items>\n' }[format as 'json' | 'xml'] ?? '';
      const torn =
        format === 'json'
          ? ',\n{"n":3,"na'
          : format.endsWith('.gz')
            ? gzipSync('{"n":3,"name":"item 3"}\n').subarray(0, 20)
            : format === 'xml'
              ? '\n<item><n>3</n><na'
              : '{"n":3,"na';
      const tail = exported.length - trailer.length;
      await writeFile(path, Buffer.concat([exported.subarray(0, tail), Buffer.from(torn)]));

      await exportOnce(source, path);
      const raw = await readFile(path);
      const text = (format.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
      const names = (text.match(/item \d+/g) ?? []).sort();
      expect(names).toEqual(items.map((item) => item.name).sort());
      if (format === 'json') expect(JSON.parse(text)).toEqual(items);
      if (format === 'xml') expect(text.endsWith('</item>\n</items>\n')).toBe(true);
      if (format === 'jsonl' || format === 'jsonl.gz')
        expect(
          text
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line)),
        ).toEqual(items);
    });
  },
);
