/** Serialises cache entries for key/value backends: metadata as JSON, the body as raw bytes beside it. */
import { StorageError } from '../errors.js';
import type { CachedResponse, CacheListing } from './store.js';

/** Bumped if the stored shape changes; entries of another version read as corrupt (and are refetched). */
const FORMAT = 1;

/** Everything but the body, as stored next to it. */
export interface EntryMeta {
  v: number;
  url: string;
  method: string;
  status: number;
  headers: Record<string, string>;
  redirects: string[];
  storedAt: number;
  bytes: number;
  vary?: Record<string, string>;
}

export function encodeMeta(entry: CachedResponse): string {
  const meta: EntryMeta = {
    v: FORMAT,
    url: entry.url,
    method: entry.method,
    status: entry.status,
    headers: entry.headers,
    redirects: entry.redirects,
    storedAt: entry.storedAt,
    bytes: entry.body.length,
  };
  if (entry.vary !== undefined) meta.vary = entry.vary;
  return JSON.stringify(meta);
}

/** Parses and checks stored metadata; anything unexpected is a StorageError naming `where`. */
export function decodeMeta(text: string, where: string): EntryMeta {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new StorageError(`corrupt cache entry ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isMeta(meta)) throw new StorageError(`corrupt cache entry ${where}: unexpected metadata`);
  return meta;
}

export function entryFrom(meta: EntryMeta, body: Buffer): CachedResponse {
  const entry: CachedResponse = {
    url: meta.url,
    method: meta.method,
    status: meta.status,
    headers: meta.headers,
    body,
    redirects: meta.redirects,
    storedAt: meta.storedAt,
  };
  if (meta.vary !== undefined) entry.vary = meta.vary;
  return entry;
}

export function listingFrom(key: string, meta: EntryMeta): CacheListing {
  return { key, url: meta.url, status: meta.status, storedAt: meta.storedAt, bytes: meta.bytes };
}

/** One buffer holding both: a 4-byte big-endian metadata length, the metadata (UTF-8 JSON), then the body. */
export function packEntry(entry: CachedResponse): Buffer {
  const meta = Buffer.from(encodeMeta(entry), 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(meta.length, 0);
  return Buffer.concat([head, meta, entry.body]);
}

export function unpackEntry(packed: Buffer, where: string): CachedResponse {
  const metaLength = packed.length >= 4 ? packed.readUInt32BE(0) : -1;
  if (metaLength < 0 || 4 + metaLength > packed.length) {
    throw new StorageError(`corrupt cache entry ${where}: truncated`);
  }
  const meta = decodeMeta(packed.toString('utf8', 4, 4 + metaLength), where);
  // A copy, so the entry does not pin the whole packed buffer (metadata included) in memory.
  return entryFrom(meta, Buffer.from(packed.subarray(4 + metaLength)));
}

function isMeta(value: unknown): value is EntryMeta {
  if (typeof value !== 'object' || value === null) return false;
  const meta = value as Record<string, unknown>;
  return (
    meta.v === FORMAT &&
    typeof meta.url === 'string' &&
    typeof meta.method === 'string' &&
    typeof meta.status === 'number' &&
    isStringRecord(meta.headers) &&
    Array.isArray(meta.redirects) &&
    typeof meta.storedAt === 'number' &&
    typeof meta.bytes === 'number' &&
    (meta.vary === undefined || isStringRecord(meta.vary))
  );
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}
