/** Collects a response body while decoding its Content-Encoding as a stream, with a cap on the decoded bytes. */
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { BodyTooLargeError, NetworkError } from '../errors.js';

/**
 * What the transport feeds the body into. There is deliberately no backpressure: the transport never pauses
 * undici's parser. undici's HTTP/1 client asserts `!paused` when a `Connection: close` socket ends (or is reset)
 * while the parser is paused, an uncaught AssertionError that ends the process; a compressed body arriving
 * faster than it decodes paused it on its last bytes, just before the server closed. What queues up here
 * instead is the raw bytes, which `maxBytes` caps as well.
 */
export interface BodySink {
  write(chunk: Buffer): void;
  end(): void;
  /** Stops decoding and frees the buffers (the exchange failed elsewhere). */
  destroy(): void;
}

export interface BodySinkEvents {
  onDone(body: Buffer): void;
  onError(error: Error): void;
}

/** Longer chains are refused: each layer multiplies the work (the CVE-2026-22036 class). */
export const MAX_CODINGS = 2;
const SUPPORTED = new Set(['gzip', 'x-gzip', 'deflate', 'br']);
// Bigger than zlib's 16 KiB default: fewer thread-pool round trips per decoded megabyte.
const CHUNK_SIZE = 64 * 1024;

/** The codings of a Content-Encoding header in the order they were applied (`identity` dropped). */
export function parseContentEncoding(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

/**
 * A sink that stores at most `maxBytes` decoded bytes (and receives at most `maxBytes` raw bytes): past either,
 * it fails with BodyTooLargeError at once, so a decompression bomb costs one chunk of work, not a gigabyte.
 * Unknown codings leave the body as received, as browsers' fetch and Requests do.
 */
export function createBodySink(
  codings: readonly string[],
  url: string,
  maxBytes: number,
  events: BodySinkEvents,
): BodySink {
  if (codings.length > MAX_CODINGS) {
    throw new NetworkError(url, `Content-Encoding chain of ${codings.length} codings refused`);
  }
  const decodable = codings.length > 0 && codings.every((coding) => SUPPORTED.has(coding));
  return new CappedSink(decodable ? codings : [], url, maxBytes, events);
}

class CappedSink implements BodySink {
  readonly #chunks: Buffer[] = [];
  #decodedBytes = 0;
  #rawBytes = 0;
  #decoders: Transform[] | undefined;
  #settled = false;

  constructor(
    readonly codings: readonly string[],
    readonly url: string,
    readonly maxBytes: number,
    readonly events: BodySinkEvents,
  ) {}

  write(chunk: Buffer): void {
    if (this.#settled) return;
    this.#rawBytes += chunk.length;
    if (this.#rawBytes > this.maxBytes) {
      this.#fail(new BodyTooLargeError(this.url, this.maxBytes));
      return;
    }
    if (this.codings.length === 0) {
      this.#collect(chunk);
      return;
    }
    // Created on the first chunk: deflate needs its first bytes to tell zlib-wrapped from raw,
    // and an empty body (HEAD, 204, 304) must not be fed to a decoder that would call it truncated.
    this.#decoders ??= this.#createDecoders(chunk);
    // write()'s false (over the decoder's highWaterMark) is ignored on purpose: the chunk is queued all the
    // same, and the raw cap above bounds the queue (see BodySink).
    (this.#decoders[0] as Transform).write(chunk);
  }

  end(): void {
    if (this.#settled) return;
    if (this.#decoders === undefined) {
      this.#finish();
      return;
    }
    (this.#decoders[0] as Transform).end();
  }

  destroy(): void {
    this.#settled = true;
    this.#release();
  }

  #createDecoders(firstChunk: Buffer): Transform[] {
    // Applied in header order, so undone in reverse.
    const decoders = [...this.codings].reverse().map((coding, index) =>
      // Only the outermost decoder sees the raw bytes, so only it can sniff the deflate wrapper.
      decoderFor(coding, index === 0 ? firstChunk : undefined),
    );
    for (const [index, decoder] of decoders.entries()) {
      decoder.on('error', (error: Error) => {
        const coding = [...this.codings].reverse()[index] ?? 'body';
        this.#fail(
          new NetworkError(this.url, `bad ${coding} data: ${error.message}`, { cause: error }),
        );
      });
      const next = decoders[index + 1];
      if (next !== undefined) decoder.pipe(next);
    }
    const last = decoders[decoders.length - 1] as Transform;
    last.on('data', (chunk: Buffer) => this.#collect(chunk));
    last.on('end', () => this.#finish());
    return decoders;
  }

  #collect(chunk: Buffer): void {
    if (this.#settled) return;
    this.#decodedBytes += chunk.length;
    if (this.#decodedBytes > this.maxBytes) {
      this.#fail(new BodyTooLargeError(this.url, this.maxBytes));
      return;
    }
    this.#chunks.push(chunk);
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.events.onDone(
      this.#chunks.length === 1
        ? (this.#chunks[0] as Buffer)
        : Buffer.concat(this.#chunks, this.#decodedBytes),
    );
    this.#chunks.length = 0;
  }

  #fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#release();
    this.events.onError(error);
  }

  #release(): void {
    this.#chunks.length = 0;
    for (const decoder of this.#decoders ?? []) decoder.destroy();
  }
}

function decoderFor(coding: string, firstChunk: Buffer | undefined): Transform {
  // Lenient flush, as browsers and undici's fetch: a body cut short after valid data still yields that data.
  const zlibOptions = { chunkSize: CHUNK_SIZE, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (coding) {
    case 'br':
      return zlib.createBrotliDecompress({
        chunkSize: CHUNK_SIZE,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      });
    case 'deflate':
      return isZlibWrapped(firstChunk)
        ? zlib.createInflate(zlibOptions)
        : zlib.createInflateRaw(zlibOptions);
    default:
      return zlib.createGunzip(zlibOptions);
  }
}

/** RFC 1950 header: compression method 8 in the low nibble, and the two bytes are a multiple of 31. */
function isZlibWrapped(bytes: Buffer | undefined): boolean {
  if (bytes === undefined || bytes.length === 0) return true;
  const cmf = bytes[0] as number;
  if ((cmf & 0x0f) !== 8) return false;
  const flg = bytes[1];
  return flg === undefined || ((cmf << 8) | flg) % 31 === 0;
}
