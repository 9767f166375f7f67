/**
 * Pages through a growing text file by line (items.jsonl, log.txt) without rereading it whole: an index of every
 * 1000th line start is extended as the file grows, and rebuilt if the file shrinks (a resume cuts items back).
 */
import { open } from 'node:fs/promises';

const step = 1000;
const chunkSize = 64 * 1024;
const maxIndexedFiles = 256;

interface LineIndex {
  /** Bytes scanned: always just after a newline. */
  scanned: number;
  /** Complete lines in the scanned part. */
  lines: number;
  /** checkpoints[k] = byte offset where line k*step starts. */
  checkpoints: number[];
  /** The last bytes of the scanned part: if they changed, the file was rewritten and the index is stale. */
  tail: Buffer;
}

export interface LinePage {
  lines: string[];
  /** Complete lines in the file now. */
  total: number;
}

const indexes = new Map<string, LineIndex>();

/** Lines [offset, offset + limit) of `path` (a missing file has none). A last line with no newline yet is left out. */
export async function readLinePage(path: string, offset: number, limit: number): Promise<LinePage> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], total: 0 };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let index = indexes.get(path);
    if (
      !index ||
      size < index.scanned ||
      !(await tailOf(handle, index.scanned)).equals(index.tail)
    ) {
      index = { scanned: 0, lines: 0, checkpoints: [0], tail: Buffer.alloc(0) };
    }
    await extend(handle, index, size);
    index.tail = await tailOf(handle, index.scanned);
    remember(path, index);
    if (offset >= index.lines) return { lines: [], total: index.lines };
    const lines = await readWindow(handle, index, offset, Math.min(limit, index.lines - offset));
    return { lines, total: index.lines };
  } finally {
    await handle.close();
  }
}

/** Up to 64 bytes ending at `end`. */
async function tailOf(handle: Awaited<ReturnType<typeof open>>, end: number): Promise<Buffer> {
  const length = Math.min(64, end);
  const bytes = Buffer.alloc(length);
  if (length > 0) await handle.read(bytes, 0, length, end - length);
  return bytes;
}

async function extend(
  handle: Awaited<ReturnType<typeof open>>,
  index: LineIndex,
  size: number,
): Promise<void> {
  const buffer = Buffer.alloc(chunkSize);
  let position = index.scanned;
  while (position < size) {
    const { bytesRead } = await handle.read(
      buffer,
      0,
      Math.min(chunkSize, size - position),
      position,
    );
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) {
      if (buffer[i] !== 10) continue;
      index.lines++;
      index.scanned = position + i + 1;
      if (index.lines % step === 0) index.checkpoints.push(index.scanned);
    }
    position += bytesRead;
  }
}

async function readWindow(
  handle: Awaited<ReturnType<typeof open>>,
  index: LineIndex,
  offset: number,
  count: number,
): Promise<string[]> {
  const checkpoint = Math.floor(offset / step);
  let line = checkpoint * step;
  let position = index.checkpoints[checkpoint] ?? 0;
  const out: string[] = [];
  let current: Buffer[] = [];
  const buffer = Buffer.alloc(chunkSize);
  while (out.length < count && position < index.scanned) {
    const { bytesRead } = await handle.read(
      buffer,
      0,
      Math.min(chunkSize, index.scanned - position),
      position,
    );
    if (bytesRead === 0) break;
    let start = 0;
    for (let i = 0; i < bytesRead && out.length < count; i++) {
      if (buffer[i] !== 10) continue;
      if (line >= offset) {
        current.push(Buffer.from(buffer.subarray(start, i)));
        out.push(Buffer.concat(current).toString('utf8'));
      }
      current = [];
      line++;
      start = i + 1;
    }
    if (line >= offset && start < bytesRead)
      current.push(Buffer.from(buffer.subarray(start, bytesRead)));
    position += bytesRead;
  }
  return out;
}

/** Keeps the index map bounded: the oldest file's index goes first. */
function remember(path: string, index: LineIndex): void {
  indexes.delete(path);
  indexes.set(path, index);
  if (indexes.size > maxIndexedFiles) {
    const oldest = indexes.keys().next().value;
    if (oldest !== undefined) indexes.delete(oldest);
  }
}
