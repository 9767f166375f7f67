/** An output file for a sink: creates parent directories, writes fully, and turns fs errors into one-line StorageErrors. */
import { constants, type promises as fsp } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, constants as zlibConstants, gzip as zlibGzip } from 'node:zlib';
import { OutputClosedError, StorageError } from '../errors.js';

/** How the file is opened: truncated, appended to (readable, for tail checks), or updated in place. */
export type OpenMode = 'truncate' | 'append' | 'update';

const flagsByMode: Record<OpenMode, string | number> = {
  truncate: 'w',
  append: 'a+',
  // Read/write, create if missing, never truncate: an existing JSON array is continued in place.
  update: constants.O_RDWR | constants.O_CREAT,
};

// Files we cannot fsync (character devices such as /dev/null, some FUSE mounts) are not a write failure.
const unsyncable = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP']);

/** Items are handed over in pieces of about this size, so a huge batch never needs one giant buffer. */
export const chunkBytes = 64 * 1024;

/** Options of {@link FileOutput}. */
export interface FileOutputOptions {
  /**
   * Each appended write goes to the file as one complete gzip member. A gzip file may hold many members, read as
   * one text (gunzip, zcat, zlib.gunzipSync), and the file is valid gzip after every write: so it can be appended
   * to, and cut back to a write boundary on resume, as a plain file can. @default false
   */
  gzip?: boolean;
}

const gzip = promisify(zlibGzip);

export class FileOutput {
  #handle: fsp.FileHandle | undefined;
  readonly gzip: boolean;

  constructor(
    readonly path: string,
    options: FileOutputOptions = {},
  ) {
    this.gzip = options.gzip ?? false;
  }

  async open(mode: OpenMode): Promise<void> {
    await this.#try(async () => {
      await makeParent(dirname(this.path));
      this.#handle = await open(this.path, flagsByMode[mode]);
    });
  }

  async size(): Promise<number> {
    return this.#use(async (handle) => (await handle.stat()).size);
  }

  /** Empties the file. */
  async truncate(): Promise<void> {
    await this.#use((handle) => handle.truncate(0));
  }

  /** The start of the text of a gzip file: as much as its first `length` compressed bytes hold. */
  async readGzipStart(length: number): Promise<Buffer> {
    const start = await this.read(0, length);
    return this.#try(async () => gunzipSync(start, { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
  }

  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    return this.#use(async (handle) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    });
  }

  /**
   * Writes all of `data`, at `position` or (null) at the current position / end in append mode.
   * FileHandle.write may write less than asked (a full disk, a signal), so it loops.
   */
  async write(plain: Buffer, position: number | null = null): Promise<void> {
    await this.#use(async (handle) => {
      if (this.gzip && position !== null) throw new Error('a gzip output is only appended to');
      const data = this.gzip ? await gzip(plain) : plain;
      let done = 0;
      while (done < data.length) {
        const at = position === null ? null : position + done;
        const { bytesWritten } = await handle.write(data, done, data.length - done, at);
        if (bytesWritten === 0) throw new Error('the file accepted no bytes');
        done += bytesWritten;
      }
    });
  }

  /** Puts written bytes on the disk itself, so they survive a machine crash, not only a killed process. */
  async sync(): Promise<void> {
    await this.#use(async (handle) => {
      try {
        await handle.datasync();
      } catch (error) {
        if (!unsyncable.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    });
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await this.#try(() => handle.close());
  }

  #use<T>(action: (handle: fsp.FileHandle) => Promise<T>): Promise<T> {
    return this.#try(() => {
      if (!this.#handle) throw new Error('the file is not open');
      return action(this.#handle);
    });
  }

  async #try<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw toStorageError(this.path, error);
    }
  }
}

/**
 * mkdir -p, written out because Node's `recursive: true` spins forever when a parent exists but cannot hold
 * children (a path under /proc, a dangling symlink): it reads every ENOENT as "create the parent first". Here the
 * walk goes up to the nearest existing ancestor once, then creates downwards, one mkdir per level.
 */
async function makeParent(directory: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(directory); ; current = dirname(current)) {
    if (await isDirectory(current)) break;
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing.reverse()) {
    try {
      await mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Made by someone else meanwhile (fine), or a file or a dangling symlink (not fine).
      if (!(await isDirectory(path))) throw notADirectory(path);
    }
  }
}

/** True for a directory, false if nothing is there; ENOTDIR and the like (a parent is a file) are thrown. */
async function isDirectory(path: string): Promise<boolean> {
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  throw notADirectory(path);
}

function notADirectory(path: string): Error {
  const message = `ENOTDIR: not a directory, mkdir '${path}'`;
  return Object.assign(new Error(message), { code: 'ENOTDIR', syscall: 'mkdir', path });
}

/**
 * `cannot write items to /x/y.jsonl: EACCES permission denied` (plus the syscall and path when they differ). A
 * stream output its reader closed stays an OutputClosedError: a quiet end of the crawl, not a storage failure.
 */
export function toStorageError(target: string, error: unknown): StorageError | OutputClosedError {
  if (error instanceof StorageError || error instanceof OutputClosedError) return error;
  return new StorageError(`cannot write items to ${target}: ${describeCause(target, error)}`, {
    cause: error,
  });
}

function describeCause(target: string, error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string') return oneLine(error.message);
  // Node's text is "EACCES: permission denied, open '/x/y.jsonl'": keep the human part once.
  const human = /^[A-Z0-9_]+: ([^,]+)/.exec(error.message)?.[1] ?? error.message;
  const where = path && path !== target && syscall ? ` (${syscall} ${path})` : '';
  return oneLine(`${code} ${human}${where}`);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Joins pieces (lines, rows) into buffers of about `chunkBytes`: one fs write each. */
export function toChunks(pieces: readonly string[]): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  for (const piece of pieces) {
    pending.push(piece);
    pendingLength += piece.length;
    if (pendingLength >= chunkBytes) {
      chunks.push(Buffer.from(pending.join('')));
      pending = [];
      pendingLength = 0;
    }
  }
  if (pending.length > 0) chunks.push(Buffer.from(pending.join('')));
  return chunks;
}
