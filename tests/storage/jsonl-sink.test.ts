import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { JsonlSink } from '../../src/storage/jsonl-sink.js';
import type { Item } from '../../src/storage/sink.js';
import { runSinkContract } from '../contracts/sink.contract.js';

const parseLines = (text: string): Item[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Item);

runSinkContract('JsonlSink on a file', (dir) => {
  const path = join(dir, 'nested', 'out.jsonl');
  return { sink: new JsonlSink(path), read: async () => parseLines(await readFile(path, 'utf8')) };
});

runSinkContract('JsonlSink on a stream', () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { sink: new JsonlSink(stream), read: async () => parseLines(text) };
});

describe('JsonlSink', () => {
  let dir = '';
  let path = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arachne-jsonl-'));
    path = join(dir, 'out.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON object per line, each line ended by a newline', async () => {
    const sink = new JsonlSink(path);
    await sink.open();
    await sink.write([{ a: 1 }, { text: 'two\nlines' }]);
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"text":"two\\nlines"}\n');
  });

  it('puts each batch in the file as soon as its write resolves, before any flush', async () => {
    const sink = new JsonlSink(path);
    await sink.open();
    await sink.write([{ n: 1 }]);
    expect(parseLines(await readFile(path, 'utf8'))).toEqual([{ n: 1 }]);
    await sink.close();
  });

  it('writes a batch far larger than 64 KiB completely and in order', async () => {
    const sink = new JsonlSink(path);
    await sink.open();
    const items = Array.from({ length: 500 }, (_, n) => ({ n, text: 'é'.repeat(700) }));
    await sink.write(items);
    await sink.close();
    expect(parseLines(await readFile(path, 'utf8'))).toEqual(items);
  });

  it('replaces an existing file by default', async () => {
    await writeFile(path, '{"old":true}\n');
    const sink = new JsonlSink(path);
    await sink.open();
    await sink.write([{ new: true }]);
    await sink.close();
    expect(parseLines(await readFile(path, 'utf8'))).toEqual([{ new: true }]);
  });

  it('adds after the existing lines with append', async () => {
    await writeFile(path, '{"old":true}\n');
    const sink = new JsonlSink(path, { append: true });
    await sink.open();
    await sink.write([{ new: true }]);
    await sink.close();
    expect(parseLines(await readFile(path, 'utf8'))).toEqual([{ old: true }, { new: true }]);
  });

  it('starts on a fresh line when appending after a line torn by a crash', async () => {
    await writeFile(path, '{"old":true}\n{"torn":');
    const sink = new JsonlSink(path, { append: true });
    await sink.open();
    await sink.write([{ new: true }]);
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe('{"old":true}\n{"torn":\n{"new":true}\n');
  });

  it('writes BigInt values as strings', async () => {
    const sink = new JsonlSink(path);
    await sink.open();
    await sink.write([{ big: 2n ** 70n }]);
    await sink.close();
    expect(parseLines(await readFile(path, 'utf8'))).toEqual([{ big: '1180591620717411303424' }]);
  });

  it('rejects a batch holding a cycle without writing any of it, and every write after', async () => {
    const sink = new JsonlSink(path);
    await sink.open();
    await sink.write([{ n: 1 }]);
    const cyclic: Item = { n: 3 };
    cyclic.self = cyclic;
    const failure = sink.write([{ n: 2 }, cyclic]);
    await expect(failure).rejects.toThrow(StorageError);
    await expect(failure).rejects.toThrow(`cannot write items to ${path}: item 1 of the batch`);
    await expect(sink.write([{ n: 4 }])).rejects.toThrow(StorageError);
    await sink.close();
    expect(parseLines(await readFile(path, 'utf8'))).toEqual([{ n: 1 }]);
  });

  it('turns a stream error into a StorageError naming the stream', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
      },
    });
    const sink = new JsonlSink(broken);
    await sink.open();
    await expect(sink.write([{ n: 1 }])).rejects.toThrow(
      'cannot write items to the output stream: EIO i/o error',
    );
    await sink.close();
  });

  it('turns a reader closing the stream (EPIPE) into an OutputClosedError, a quiet end for the crawl', async () => {
    const closed = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE' }));
      },
    });
    const sink = new JsonlSink(closed);
    await sink.open();
    await expect(sink.write([{ n: 1 }])).rejects.toMatchObject({
      code: 'AR_OUTPUT_CLOSED',
      message: 'the output stream was closed by its reader',
    });
    await sink.close();
  });

  it('leaves a stream it was given open after close', async () => {
    const stream = new PassThrough();
    stream.resume();
    const sink = new JsonlSink(stream);
    await sink.open();
    await sink.write([{ n: 1 }]);
    await sink.close();
    expect(stream.writableEnded).toBe(false);
    expect(stream.listenerCount('error')).toBe(0);
  });
});
