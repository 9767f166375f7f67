/** A feed split into parts: `items-{part}.jsonl` becomes items-00001.jsonl, items-00002.jsonl… each a whole file. */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Item, Sink } from './sink.js';

/** When a part is full: `items` items, or (checked on the file itself) `bytes` bytes. */
export interface RotateLimits {
  items?: number;
  bytes?: number;
}

/** Opens the sink of one part file, not opened yet; `append: false`, a part always starts empty. */
export type PartSinkFactory = (path: string) => Sink;

const partWidth = 5;

interface Part {
  sink: Sink;
  path: string;
  items: number;
  bytes: number;
}

/**
 * The path of part `n`: `{part}` replaced by the number padded to five digits, or, without `{part}`, `-00001`
 * inserted before the extension (`.jsonl.gz` counts as one): items.jsonl → items-00001.jsonl.
 */
export function partPath(pattern: string, n: number): string {
  const part = String(n).padStart(partWidth, '0');
  if (pattern.includes('{part}')) return pattern.replaceAll('{part}', part);
  const name = basename(pattern);
  const match = /(\.[^.]+(\.gz)?)$/i.exec(name);
  const at = match ? name.length - (match[1] as string).length : name.length;
  const dir = dirname(pattern);
  const file = `${name.slice(0, at)}-${part}${name.slice(at)}`;
  return dir === '.' && !pattern.startsWith('.') ? file : join(dir, file);
}

/**
 * Writes items into a sequence of part files, each opened through `factory` (so each is a complete file of its
 * format: a CSV header in each, each JSON array and XML root closed, each gzip member finished) and closed when
 * it is full. The item limit is exact; the byte limit is checked on the file after each write, and writes are
 * sized from the bytes per item seen so far, so a part ends at most a few items past the size. No empty part is
 * started: the next part opens with the first item that does not fit.
 *
 * Parts start at 00001 when `overwrite` is set (each replaced as it is opened; higher-numbered parts of an
 * earlier run are left alone), otherwise after the highest part already on disk, so a second run adds parts.
 */
export class RotatingSink implements Sink {
  readonly #pattern: string;
  readonly #factory: PartSinkFactory;
  readonly #limits: RotateLimits;
  readonly #overwrite: boolean;
  #part = 0;
  #current: Part | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** Every part path written, in order. */
  readonly paths: string[] = [];

  constructor(pattern: string, factory: PartSinkFactory, limits: RotateLimits, overwrite: boolean) {
    if (limits.items === undefined && limits.bytes === undefined)
      throw new ConfigError(`output "${pattern}": rotation needs an item or a byte limit`);
    this.#pattern = pattern;
    this.#factory = factory;
    this.#limits = limits;
    this.#overwrite = overwrite;
  }

  async open(): Promise<void> {
    let next = 1;
    if (!this.#overwrite) while (await exists(partPath(this.#pattern, next))) next++;
    this.#part = next - 1;
    // The first part opens now, so an unwritable output fails at the start of the crawl, not at its first item.
    await this.#startPart();
  }

  write(items: readonly Item[]): Promise<void> {
    const result = this.#queue.then(() => this.#write(items));
    this.#queue = result.catch(() => {});
    return result;
  }

  flush(): Promise<void> {
    const result = this.#queue.then(() => this.#current?.sink.flush());
    this.#queue = result.catch(() => {});
    return result;
  }

  async close(): Promise<void> {
    await this.#queue;
    const current = this.#current;
    this.#current = undefined;
    await current?.sink.close();
  }

  async #write(items: readonly Item[]): Promise<void> {
    let at = 0;
    while (at < items.length) {
      if (!this.#current || this.#full(this.#current)) {
        await this.#current?.sink.close();
        this.#current = undefined;
        await this.#startPart();
      }
      const current = this.#current as Part;
      const take = Math.min(items.length - at, this.#room(current));
      await current.sink.write(items.slice(at, at + take));
      at += take;
      current.items += take;
      if (this.#limits.bytes !== undefined) {
        await current.sink.flush();
        current.bytes = await sizeOf(current.path);
      }
    }
  }

  async #startPart(): Promise<void> {
    this.#part++;
    const path = partPath(this.#pattern, this.#part);
    const sink = this.#factory(path);
    await sink.open();
    this.#current = { sink, path, items: 0, bytes: await sizeOf(path) };
    this.paths.push(path);
  }

  #full(part: { items: number; bytes: number }): boolean {
    const { items, bytes } = this.#limits;
    if (part.items === 0) return false;
    return (
      (items !== undefined && part.items >= items) || (bytes !== undefined && part.bytes >= bytes)
    );
  }

  /** How many items the next write may hold: up to the item limit, and about what fits in the bytes left. */
  #room(part: { items: number; bytes: number }): number {
    const { items, bytes } = this.#limits;
    let room = items === undefined ? Number.POSITIVE_INFINITY : items - part.items;
    if (bytes !== undefined) {
      // A part's first write is one item: it gives the bytes per item the next writes are sized by.
      const perItem = part.items === 0 ? 0 : Math.max(1, part.bytes / part.items);
      const fits = perItem === 0 ? 1 : Math.ceil((bytes - part.bytes) / perItem);
      room = Math.min(room, Math.max(1, fits));
    }
    return Math.max(1, room);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}
