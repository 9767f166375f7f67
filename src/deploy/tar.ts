/**
 * The deploy archive: a gzip'd ustar file written and read here (Node's zlib, no tar package). The writer trusts
 * its caller (`arachne deploy` lists the files itself); the reader trusts nothing: it is where the server refuses
 * an entry that could land outside the version's directory (`../`, an absolute path, a symlink or hard link).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ArchiveError } from '../errors.js';

const block = 512;

/** ustar type flags: '0' file, '5' directory, '1' hard link, '2' symlink (the last two only to test the reader). */
export type TarType = '0' | '1' | '2' | '5';

export interface TarEntry {
  /** A relative path with `/` separators. */
  name: string;
  type?: TarType;
  data?: Buffer;
  linkname?: string;
}

export interface UnpackedFile {
  /** Relative, normalised, checked: no `..`, not absolute. */
  path: string;
  data: Buffer;
}

export interface UnpackLimits {
  /** The archive once gunzipped may not exceed this (a gzip bomb stops here). */
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** A .tar.gz of `entries`, in the order given. */
export function packTarGz(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    parts.push(header(entry, data.length), data, Buffer.alloc(padding(data.length)));
  }
  parts.push(Buffer.alloc(block * 2));
  return gzipSync(Buffer.concat(parts));
}

function header(entry: TarEntry, size: number): Buffer {
  const type = entry.type ?? '0';
  const buffer = Buffer.alloc(block);
  const [prefix, name] = splitName(entry.type === '5' ? `${entry.name}/` : entry.name);
  buffer.write(name, 0, 100, 'utf8');
  writeOctal(buffer, type === '5' ? 0o755 : 0o644, 100, 8);
  writeOctal(buffer, 0, 108, 8);
  writeOctal(buffer, 0, 116, 8);
  writeOctal(buffer, type === '0' ? size : 0, 124, 12);
  // A fixed time: the same files pack to the same bytes.
  writeOctal(buffer, 0, 136, 12);
  buffer.write(type, 156, 1, 'latin1');
  buffer.write(entry.linkname ?? '', 157, 100, 'utf8');
  buffer.write('ustar\u000000', 257, 8, 'latin1');
  buffer.write(prefix, 345, 155, 'utf8');
  buffer.fill(' ', 148, 156);
  writeOctal(buffer, checksum(buffer), 148, 7);
  return buffer;
}

/** ustar keeps a path in `prefix` (155 bytes) + `/` + `name` (100 bytes), split at a slash. */
function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') {
      return [prefix, name];
    }
  }
  throw new ArchiveError(`${path}: path too long for the archive (at most 255 bytes)`);
}

function writeOctal(buffer: Buffer, value: number, offset: number, width: number): void {
  buffer.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
}

function checksum(buffer: Buffer): number {
  let sum = 0;
  for (const byte of buffer) sum += byte;
  return sum;
}

function padding(size: number): number {
  return (block - (size % block)) % block;
}

/** The regular files of a .tar.gz (directories are implied by paths), or an ArchiveError for anything unsafe. */
export function unpackTarGz(gz: Buffer, limits: UnpackLimits): UnpackedFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: limits.maxUnpackedBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ArchiveError(
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`
        : 'the archive is not gzip data (send the .tar.gz that arachne deploy makes)',
      { cause: error },
    );
  }
  const files: UnpackedFile[] = [];
  const seen = new Set<string>();
  let offset = 0;
  let entries = 0;
  while (offset + block <= tar.length) {
    const head = tar.subarray(offset, offset + block);
    if (head.every((byte) => byte === 0)) return files;
    if (++entries > limits.maxEntries) {
      throw new ArchiveError(`the archive has more than ${limits.maxEntries} entries`);
    }
    const stored = readOctal(head, 148, 8);
    const blank = Buffer.from(head);
    blank.fill(' ', 148, 156);
    if (stored !== checksum(blank))
      throw new ArchiveError('the archive is not a tar file (bad header checksum)');
    const name = readString(head, 0, 100);
    const prefix = readString(head, 345, 155);
    const raw = prefix ? `${prefix}/${name}` : name;
    const type = String.fromCharCode(head[156] ?? 0);
    const size = readOctal(head, 124, 12);
    const start = offset + block;
    if (start + size > tar.length)
      throw new ArchiveError(`${JSON.stringify(raw)}: the archive ends inside this entry`);
    offset = start + size + padding(size);
    const path = safePath(raw);
    if (type === '5') continue;
    if (type !== '0' && type !== '\0') {
      const what =
        type === '2' ? 'a symlink' : type === '1' ? 'a hard link' : `an entry of type "${type}"`;
      throw new ArchiveError(
        `${JSON.stringify(raw)} is ${what}: a deploy holds regular files only`,
      );
    }
    if (seen.has(path))
      throw new ArchiveError(`${JSON.stringify(raw)} appears twice in the archive`);
    seen.add(path);
    files.push({ path, data: Buffer.from(tar.subarray(start, start + size)) });
  }
  throw new ArchiveError('the archive ends without its end-of-archive blocks (truncated?)');
}

/**
 * The entry's path, normalised (`./a` → `a`), if it stays inside the directory it is unpacked into; `..` anywhere,
 * an absolute or drive path, a backslash (a separator on Windows) or a NUL refuse the whole archive.
 */
function safePath(raw: string): string {
  const refuse = (why: string) =>
    new ArchiveError(`${JSON.stringify(raw)}: ${why}; nothing was unpacked`);
  if (raw.includes('\0') || raw.includes('\\')) throw refuse('a NUL or backslash in the path');
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw refuse('an absolute path');
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw refuse('a path that climbs out with ..');
  if (parts.length === 0) throw refuse('an empty path');
  return parts.join('/');
}

function readString(buffer: Buffer, offset: number, width: number): string {
  const field = buffer.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? width : end).toString('utf8');
}

function readOctal(buffer: Buffer, offset: number, width: number): number {
  // Base-256 sizes (the high bit set) are for files over 8 GiB: far past any deploy limit.
  if (((buffer[offset] ?? 0) & 0x80) !== 0)
    throw new ArchiveError('an entry larger than the archive limit');
  const text = readString(buffer, offset, width).trim();
  const value = text === '' ? 0 : Number.parseInt(text, 8);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new ArchiveError('the archive is not a tar file (bad number field)');
  return value;
}
