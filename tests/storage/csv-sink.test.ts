import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvSink, toCell } from '../../src/storage/csv-sink.js';
import type { Item } from '../../src/storage/sink.js';
import { runSinkContract } from '../contracts/sink.contract.js';

/** An independent RFC 4180 reader: records of fields, quotes undone, CRLF or LF line ends. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/** Rows as items, with cells JSON-decoded where they are JSON (numbers, objects, arrays). */
function readItems(text: string): Item[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) =>
    Object.fromEntries((header ?? []).map((column, i) => [column, decode(row[i] ?? '')])),
  );
}

function decode(cell: string): unknown {
  try {
    return JSON.parse(cell);
  } catch {
    return cell;
  }
}

runSinkContract('CsvSink', (dir) => {
  const path = join(dir, 'out.csv');
  return { sink: new CsvSink(path), read: async () => readItems(await readFile(path, 'utf8')) };
});

describe('CsvSink', () => {
  let dir = '';
  let path = '';
  let warnings: string[] = [];
  const sinkAt = (options: { append?: boolean } = {}) =>
    new CsvSink(path, { ...options, onWarning: (message) => warnings.push(message) });
  const writeAll = async (sink: CsvSink, ...batches: Item[][]) => {
    await sink.open();
    for (const batch of batches) await sink.write(batch);
    await sink.close();
    return readFile(path, 'utf8');
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arachne-csv-'));
    path = join(dir, 'out.csv');
    warnings = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['a plain string', 'plain', 'plain'],
    ['an empty string', '', ''],
    ['a comma', 'a,b', '"a,b"'],
    ['double quotes', 'say "hi"', '"say ""hi"""'],
    ['a lone quote', '"', '""""'],
    ['a line feed', 'one\ntwo', '"one\ntwo"'],
    ['a carriage return', 'one\rtwo', '"one\rtwo"'],
    ['CRLF', 'one\r\ntwo', '"one\r\ntwo"'],
    ['spaces around text', '  padded  ', '  padded  '],
    ['a semicolon and a tab', 'a;b\tc', 'a;b\tc'],
    ['unicode', 'héllo 🕷', 'héllo 🕷'],
    ['an integer', 42, '42'],
    ['a float', -1.5, '-1.5'],
    ['a boolean', false, 'false'],
    ['a bigint', 12345678901234567890n, '12345678901234567890'],
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['a date', new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), '2024-01-02T03:04:05.000Z'],
    ['an array', ['a', 1], '"[""a"",1]"'],
    ['an object', { k: 'v' }, '"{""k"":""v""}"'],
    ['an empty array', [], '[]'],
  ])('encodes %s as a cell', (_label, value, expected) => {
    expect(toCell(value)).toBe(expected);
  });

  it('writes a header from the first item keys, CRLF line ends, and quoted cells', async () => {
    const text = await writeAll(sinkAt(), [
      { name: 'Widget, large', price: 9.5, 'odd "key"': null },
    ]);
    expect(text).toBe('name,price,"odd ""key"""\r\n"Widget, large",9.5,\r\n');
  });

  it('keeps the first header for later batches and leaves missing keys empty', async () => {
    const text = await writeAll(sinkAt(), [{ a: 1, b: 2 }], [{ b: 3 }, { b: 4, a: 5 }]);
    expect(parseCsv(text)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['', '3'],
      ['5', '4'],
    ]);
  });

  it('drops keys that are not columns and warns once per key, naming it and the fields to declare', async () => {
    const text = await writeAll(
      sinkAt(),
      [{ a: 1 }],
      [{ a: 2, extra: 'x' }],
      [{ a: 3, more: 'y', extra: 'z' }],
      [{ a: 4, more: 'w', extra: 'v' }],
    );
    expect(parseCsv(text)).toEqual([['a'], ['1'], ['2'], ['3'], ['4']]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain('key "extra" not written');
    expect(warnings[0]).toContain(`-o '${path}:fields=a,extra'`);
    expect(warnings[1]).toContain('key "more" not written');
    expect(warnings[1]).not.toContain('"extra"');
  });

  it('takes its columns from every key of the first batch: a field the first item lacks is kept', async () => {
    const text = await writeAll(sinkAt(), [{ a: 1 }, { b: 'x', a: 2 }, { a: 3, c: null }]);
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1', '', ''],
      ['2', 'x', ''],
      ['3', '', ''],
    ]);
    expect(warnings).toHaveLength(0);
  });

  it('round-trips hostile strings through an RFC 4180 reader', async () => {
    const hostile = ['",', '\r\n', '""', 'a\n"b",c', ' , ', '=1+1', '\u2028'];
    const items = hostile.map((text, n) => ({ n, text }));
    const rows = parseCsv(await writeAll(sinkAt(), items));
    expect(rows.slice(1).map((row) => row[1])).toEqual(hostile);
  });

  it('writes an empty file when no item arrives', async () => {
    expect(await writeAll(sinkAt())).toBe('');
  });

  it('reuses the existing header when appending, and writes no second header', async () => {
    await writeFile(path, 'b,"a,1"\r\n1,2\r\n');
    const sink = sinkAt({ append: true });
    const text = await writeAll(sink, [{ 'a,1': 'x', b: 'y', c: 'z' }]);
    expect(text).toBe('b,"a,1"\r\n1,2\r\ny,x\r\n');
    expect(sink.columns).toEqual(['b', 'a,1']);
    expect(warnings).toHaveLength(1);
  });

  it('ends a torn last row before appending', async () => {
    await writeFile(path, 'a,b\r\n1,2');
    expect(await writeAll(sinkAt({ append: true }), [{ a: 3, b: 4 }])).toBe(
      'a,b\r\n1,2\r\n3,4\r\n',
    );
  });

  it('writes a header when appending to a file that does not exist yet', async () => {
    expect(await writeAll(sinkAt({ append: true }), [{ a: 1 }])).toBe('a\r\n1\r\n');
  });
});
