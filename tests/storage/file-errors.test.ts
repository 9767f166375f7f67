import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { CsvSink } from '../../src/storage/csv-sink.js';
import { JsonSink } from '../../src/storage/json-sink.js';
import { JsonlSink } from '../../src/storage/jsonl-sink.js';
import type { Sink } from '../../src/storage/sink.js';

// Tests run as root, where permission bits stop nothing: the failures are forced with paths no user can write.
const sinks: [string, (path: string) => Sink][] = [
  ['JsonlSink', (path) => new JsonlSink(path)],
  ['JsonlSink appending', (path) => new JsonlSink(path, { append: true })],
  ['CsvSink', (path) => new CsvSink(path)],
  ['JsonSink', (path) => new JsonSink(path)],
  ['JsonSink appending', (path) => new JsonSink(path, { append: true })],
];

describe.each(sinks)('%s errors', (_name, make) => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arachne-sink-errors-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates missing parent directories', async () => {
    const path = join(dir, 'a', 'b', 'c', 'out.file');
    const sink = make(path);
    await sink.open();
    await sink.close();
    expect(existsSync(path)).toBe(true);
  });

  it('fails at open with a one-line StorageError naming the path when a parent is a regular file', async () => {
    await writeFile(join(dir, 'plain-file'), 'x');
    const path = join(dir, 'plain-file', 'sub', 'out.file');
    const opening = make(path).open();
    await expect(opening).rejects.toBeInstanceOf(StorageError);
    const error = (await opening.catch((caught: unknown) => caught)) as StorageError;
    expect(error.code).toBe('AR_STORAGE');
    expect(error.message).toMatch(
      new RegExp(`^cannot write items to ${path}: ENOTDIR not a directory`),
    );
    expect(error.message).not.toContain('\n');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('fails at open with EISDIR when the path is a directory', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    await expect(make(path).open()).rejects.toThrow(
      `cannot write items to ${path}: EISDIR illegal operation on a directory`,
    );
  });

  // Node's own recursive mkdir spins forever on these two: the sinks must fail instead.
  it.skipIf(!existsSync('/proc/self'))('fails at open on a path under /proc', async () => {
    const path = '/proc/arachne-no-such-dir/out.file';
    await expect(make(path).open()).rejects.toThrow(
      `cannot write items to ${path}: ENOENT no such file or directory (mkdir /proc/arachne-no-such-dir)`,
    );
  });

  it('fails at open when a parent is a dangling symbolic link', async () => {
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
    const path = join(dir, 'dangling', 'sub', 'out.file');
    await expect(make(path).open()).rejects.toThrow(
      `cannot write items to ${path}: ENOTDIR not a directory (mkdir ${join(dir, 'dangling')})`,
    );
  });

  it('rejects every write after a failed open, and still closes', async () => {
    await writeFile(join(dir, 'plain-file'), 'x');
    const sink = make(join(dir, 'plain-file', 'out.file'));
    await expect(sink.open()).rejects.toThrow(StorageError);
    await expect(sink.write([{ a: 1 }])).rejects.toThrow('ENOTDIR');
    await sink.flush().catch(() => {});
    await sink.close();
  });

  it.skipIf(!existsSync('/dev/full'))(
    'reports a full disk (ENOSPC) as a StorageError',
    async () => {
      const sink = make('/dev/full');
      const failure = sink
        .open()
        .then(() => sink.write([{ text: 'x'.repeat(100) }]))
        .then(() => sink.flush());
      await expect(failure).rejects.toThrow(
        'cannot write items to /dev/full: ENOSPC no space left on device',
      );
      await sink.close();
    },
  );
});
