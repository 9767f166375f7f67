/**
 * A FIFO of waiting requests that keeps plain links as bytes outside the JS heap.
 *
 * Most of what a crawl queues are plain links: GET, no headers, data or body, first attempt, nothing but the
 * fields `createRequest` sets. A big crawl queues most of its product links long before it fetches them: at
 * 200,000 products, 183,000 links waited at once, 195 bytes of heap each as a small object and its URL string
 * (a heap snapshot). The old generation is sized as a multiple of what it holds, so each of those bytes costs
 * more than itself in peak RSS. Here a plain link waits as its URL's UTF-8 bytes and three small numbers in
 * buffers of up to 64 KiB, and becomes a request again when it leaves. Anything else waits as itself, in order.
 */
import { createRequest, type Request } from './request.js';

/**
 * A queue's first buffer is small and each next one twice the last, up to 64 KiB: a broad crawl has a queue per
 * host, most holding a few links.
 */
const FIRST_CHUNK_BYTES = 1024;
const CHUNK_BYTES = 64 * 1024;
/** u16 URL byte length, u16 handler number, u16 depth. */
const HEADER_BYTES = 6;
const MAX_U16 = 0xffff;
/** A URL byte length that marks "the next request of the object list". */
const OBJECT_MARK = MAX_U16;
const PLAIN_KEYS = Object.keys(createRequest('http://plain.invalid/')).length;

/** Handler names by number, shared by the queues of one frontier. */
export class HandlerNames {
  readonly #numbers = new Map<string, number>();
  readonly #names: string[] = [];

  numberOf(name: string): number {
    let number = this.#numbers.get(name);
    if (number === undefined) {
      number = this.#names.push(name) - 1;
      this.#numbers.set(name, number);
    }
    return number;
  }

  nameOf(number: number): string {
    return this.#names[number] as string;
  }
}

interface Chunk {
  readonly bytes: Buffer;
  /** Bytes written so far. */
  end: number;
}

export class PackedQueue {
  readonly #handlers: HandlerNames;
  readonly #chunks: Chunk[] = [];
  /** Where the next entry starts in the first chunk. */
  #readOffset = 0;
  #nextChunkBytes = FIRST_CHUNK_BYTES;
  readonly #objects: Request[] = [];
  #objectHead = 0;
  length = 0;

  constructor(handlers: HandlerNames) {
    this.#handlers = handlers;
  }

  push(request: Request): void {
    this.length++;
    if (isPlain(request)) {
      const handler = this.#handlers.numberOf(request.handler);
      const size = Buffer.byteLength(request.url);
      if (handler <= MAX_U16 && request.depth <= MAX_U16 && size < OBJECT_MARK) {
        const chunk = this.#room(HEADER_BYTES + size);
        const { bytes, end } = chunk;
        bytes.writeUInt16LE(size, end);
        bytes.writeUInt16LE(handler, end + 2);
        bytes.writeUInt16LE(request.depth, end + 4);
        bytes.write(request.url, end + HEADER_BYTES, size, 'utf8');
        chunk.end = end + HEADER_BYTES + size;
        return;
      }
    }
    this.#objects.push(request);
    const chunk = this.#room(2);
    chunk.bytes.writeUInt16LE(OBJECT_MARK, chunk.end);
    chunk.end += 2;
  }

  /** The oldest waiting request (the queue is not empty); a plain link comes back with `priority`. */
  shift(priority: number): Request {
    let chunk = this.#chunks[0] as Chunk;
    if (this.#readOffset === chunk.end) {
      this.#chunks.shift();
      chunk = this.#chunks[0] as Chunk;
      this.#readOffset = 0;
    }
    this.length--;
    const { bytes } = chunk;
    const at = this.#readOffset;
    const size = bytes.readUInt16LE(at);
    if (size === OBJECT_MARK) {
      this.#readOffset = at + 2;
      return this.#shiftObject();
    }
    const start = at + HEADER_BYTES;
    this.#readOffset = start + size;
    return createRequest(bytes.toString('utf8', start, start + size), {
      handler: this.#handlers.nameOf(bytes.readUInt16LE(at + 2)),
      depth: bytes.readUInt16LE(at + 4),
      priority,
    });
  }

  /** The chunk with room for `size` more bytes: the last one, or a new one. */
  #room(size: number): Chunk {
    const last = this.#chunks.at(-1);
    if (last && last.end + size <= last.bytes.length) return last;
    const chunk = { bytes: Buffer.allocUnsafeSlow(Math.max(this.#nextChunkBytes, size)), end: 0 };
    this.#nextChunkBytes = Math.min(CHUNK_BYTES, this.#nextChunkBytes * 2);
    // A first chunk read to its end stays until the next shift moves past it.
    this.#chunks.push(chunk);
    return chunk;
  }

  #shiftObject(): Request {
    const request = this.#objects[this.#objectHead] as Request;
    this.#objects[this.#objectHead++] = undefined as unknown as Request; // release it for the GC
    if (this.#objectHead === this.#objects.length) {
      this.#objects.length = 0;
      this.#objectHead = 0;
    } else if (this.#objectHead > 1024 && this.#objectHead * 2 > this.#objects.length) {
      this.#objects.splice(0, this.#objectHead);
      this.#objectHead = 0;
    }
    return request;
  }
}

function isPlain(request: Request): boolean {
  return (
    request.method === 'GET' &&
    request.attempt === 0 &&
    isEmpty(request.headers) &&
    isEmpty(request.data) &&
    Object.keys(request).length === PLAIN_KEYS
  );
}

function isEmpty(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false;
  return true;
}
