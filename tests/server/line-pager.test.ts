import { appendFile, mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLinePage } from '../../src/server/line-pager.js';

async function file(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'arachne-pager-')), 'f.jsonl');
  await writeFile(path, text);
  return path;
}

const numbered = (from: number, to: number) =>
  Array.from(
    { length: to - from },
    (_, i) => `{"n":${from + i},"s":"é${'x'.repeat((from + i) % 97)}"}\n`,
  ).join('');

describe('readLinePage', () => {
  it('returns the requested window and the total, across index checkpoints and chunk borders', async () => {
    const path = await file(numbered(0, 5000));
    const page = await readLinePage(path, 2995, 10);
    expect(page.total).toBe(5000);
    expect(page.lines.map((line) => JSON.parse(line).n)).toEqual([
      2995, 2996, 2997, 2998, 2999, 3000, 3001, 3002, 3003, 3004,
    ]);
    expect((await readLinePage(path, 4998, 10)).lines.map((line) => JSON.parse(line).n)).toEqual([
      4998, 4999,
    ]);
    expect((await readLinePage(path, 5000, 10)).lines).toEqual([]);
    expect(JSON.parse((await readLinePage(path, 1234, 1)).lines[0] as string).s).toBe(
      `é${'x'.repeat(1234 % 97)}`,
    );
  });

  it('leaves out a last line still being written, and sees the file grow', async () => {
    const path = await file('{"a":1}\n{"a":');
    expect(await readLinePage(path, 0, 10)).toEqual({ lines: ['{"a":1}'], total: 1 });
    await appendFile(path, '2}\n{"a":3}\n');
    expect(await readLinePage(path, 1, 10)).toEqual({ lines: ['{"a":2}', '{"a":3}'], total: 3 });
  });

  it('rebuilds its index when the file was cut back (a resume trims items not yet committed)', async () => {
    const path = await file(numbered(0, 2500));
    expect((await readLinePage(path, 0, 1)).total).toBe(2500);
    await truncate(path, 0);
    await appendFile(path, numbered(100, 2700));
    const page = await readLinePage(path, 0, 2);
    expect(page.total).toBe(2600);
    expect(page.lines.map((line) => JSON.parse(line).n)).toEqual([100, 101]);
  });

  it('reads a missing file as empty', async () => {
    expect(await readLinePage(join(tmpdir(), 'arachne-no-such-file.jsonl'), 0, 10)).toEqual({
      lines: [],
      total: 0,
    });
  });
});
