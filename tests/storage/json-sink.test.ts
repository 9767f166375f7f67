import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { JsonSink } from '../../src/storage/json-sink.js';
import type { Item } from '../../src/storage/sink.js';
import { runSinkContract } from '../contracts/sink.contract.js';

runSinkContract('JsonSink', (dir) => {
  const path = join(dir, 'out.json');
  return { sink: new JsonSink(path), read: async () => JSON.parse(await readFile(path, 'utf8')) };
});

describe('JsonSink', () => {
  let dir = '';
  let path = '';
  const readArray = async (): Promise<Item[]> => JSON.parse(await readFile(path, 'utf8'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arachne-json-'));
    path = join(dir, 'out.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is a valid empty array as soon as it is opened', async () => {
    const sink = new JsonSink(path);
    await sink.open();
    expect(await readArray()).toEqual([]);
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe('[\n]\n');
  });

  it('parses as the full array after every batch, without flush or close', async () => {
    const sink = new JsonSink(path);
    await sink.open();
    const written: Item[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const items = Array.from({ length: batch }, (_, i) => ({ batch, i, text: 'ü,]\n"' }));
      await sink.write(items);
      written.push(...items);
      // What a crash right now would leave behind.
      expect(await readArray()).toEqual(written);
    }
    await sink.close();
  });

  it('writes one item per line and always ends with the closing bracket line', async () => {
    const sink = new JsonSink(path);
    await sink.open();
    await sink.write([{ a: 1 }, { b: 2 }]);
    await sink.write([{ c: 3 }]);
    expect(await readFile(path, 'utf8')).toBe('[\n{"a":1},\n{"b":2},\n{"c":3}\n]\n');
    await sink.close();
  });

  it('writes a batch far larger than 64 KiB as valid JSON', async () => {
    const sink = new JsonSink(path);
    await sink.open();
    const items = Array.from({ length: 400 }, (_, n) => ({ n, text: '蜘'.repeat(500) }));
    await sink.write(items.slice(0, 10));
    await sink.write(items.slice(10));
    await sink.close();
    expect(await readArray()).toEqual(items);
  });

  it('replaces an existing file by default', async () => {
    await writeFile(path, '[\n{"old":true}\n]\n');
    const sink = new JsonSink(path);
    await sink.open();
    await sink.close();
    expect(await readArray()).toEqual([]);
  });

  it('continues an existing array with append', async () => {
    await writeFile(path, '[\n{"old":true}\n]\n');
    const sink = new JsonSink(path, { append: true });
    await sink.open();
    await sink.write([{ new: 1 }]);
    expect(await readArray()).toEqual([{ old: true }, { new: 1 }]);
    await sink.write([{ new: 2 }]);
    await sink.close();
    expect(await readArray()).toEqual([{ old: true }, { new: 1 }, { new: 2 }]);
  });

  it('continues an empty array with append', async () => {
    await writeFile(path, '[\n]\n');
    const sink = new JsonSink(path, { append: true });
    await sink.open();
    await sink.write([{ new: 1 }]);
    await sink.close();
    expect(await readArray()).toEqual([{ new: 1 }]);
  });

  it('starts a new array when appending to a missing or empty file', async () => {
    const sink = new JsonSink(path, { append: true });
    await sink.open();
    await sink.write([{ n: 1 }]);
    await sink.close();
    expect(await readArray()).toEqual([{ n: 1 }]);
  });

  it.each([
    ['an object', '{"a":1}\n'],
    ['an array without the closing line', '[{"a":1}]'],
    ['a torn array', '[\n{"a":1},\n{"b":'],
  ])('refuses to append to %s, naming the path, and leaves it untouched', async (_label, text) => {
    await writeFile(path, text);
    const sink = new JsonSink(path, { append: true });
    const opening = sink.open();
    await expect(opening).rejects.toThrow(StorageError);
    await expect(opening).rejects.toThrow(`cannot write items to ${path}: cannot append`);
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe(text);
  });
});
