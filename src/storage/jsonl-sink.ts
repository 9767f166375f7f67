/** JSON Lines output: one JSON object per line, written batch by batch, to a file or to a stream such as stdout. */
import type { Writable } from 'node:stream';
import { OutputClosedError } from '../errors.js';
import { FileOutput, toChunks } from './file-output.js';
import { SerialSink } from './serial-sink.js';
import type { Item } from './sink.js';

/** Options of {@link JsonlSink}. */
export interface JsonlSinkOptions {
  /** Keep the lines already in the file and add after them (resuming a crawl). @default false */
  append?: boolean;
  /** Gzip the file, one gzip member per write (see FileOutput): `.jsonl.gz`. Ignored for a stream. @default false */
  gzip?: boolean;
}

/**
 * Writes items as JSON Lines. Each `write` hands its batch to the operating system before it resolves (one fs write
 * per batch, or per ~64 KiB of a big batch), so a crawl killed with SIGKILL keeps every batch whose `write`
 * resolved; `flush` and `close` also fsync, so those batches survive a machine crash too.
 *
 * Given a stream instead of a path (`process.stdout` for `-o -`), the sink writes to it but never ends it: the
 * stream belongs to the caller.
 */
export class JsonlSink extends SerialSink {
  protected readonly target: string;
  readonly #output: FileOutput | StreamOutput;
  readonly #append: boolean;

  constructor(destination: string | Writable, options: JsonlSinkOptions = {}) {
    super();
    if (typeof destination === 'string') {
      this.target = destination;
      this.#output = new FileOutput(destination, { gzip: options.gzip ?? false });
    } else {
      this.target = destination === process.stdout ? 'stdout' : 'the output stream';
      this.#output = new StreamOutput(destination, this.target);
    }
    this.#append = options.append ?? false;
  }

  protected async openOutput(): Promise<void> {
    const output = this.#output;
    if (output instanceof StreamOutput) return output.open();
    await output.open(this.#append ? 'append' : 'truncate');
    // A gzip file's last byte says nothing about its text; a torn member is cut back on resume instead.
    if (this.#append && !output.gzip) await endTornLine(output);
  }

  protected async writeBatch(items: readonly Item[]): Promise<void> {
    // Encode the whole batch first: an item that cannot be encoded must not leave half a batch behind.
    const lines = items.map((item, index) => `${toJson(item, index)}\n`);
    for (const chunk of toChunks(lines)) await this.#output.write(chunk);
  }

  protected override flushOutput(): Promise<void> {
    return this.#output.sync();
  }

  protected closeOutput(): Promise<void> {
    return this.#output.close();
  }
}

/**
 * JSON text of an item or of a nested value. BigInts become strings (JSON has no integer type that keeps them
 * exact); a cycle or a throwing `toJSON` is an error naming the item's position in its batch.
 */
export function toJson(value: unknown, index?: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, inner: unknown) =>
      typeof inner === 'bigint' ? inner.toString() : inner,
    );
  } catch (error) {
    throw new Error(`${describe(index)} cannot be encoded as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (text === undefined) throw new Error(`${describe(index)} has no JSON form`);
  return text;
}

function describe(index: number | undefined): string {
  return index === undefined ? 'a value' : `item ${index} of the batch`;
}

/** A crash mid-line leaves a line without its "\n": start on a fresh line rather than glue onto it. */
async function endTornLine(output: FileOutput): Promise<void> {
  const size = await output.size();
  if (size === 0) return;
  const last = await output.read(size - 1, 1);
  if (last[0] !== 0x0a) await output.write(Buffer.from('\n'));
}

/**
 * A caller's stream: errors are remembered (an unhandled 'error' event would crash the process). A reader that
 * closed its end (EPIPE: `-o - | head`) becomes an OutputClosedError, which stops the crawl quietly.
 */
class StreamOutput {
  #error: Error | undefined;
  readonly #onError = (error: Error): void => {
    this.#error ??= this.#closedByReader(error)
      ? new OutputClosedError(this.name, { cause: error })
      : error;
  };

  constructor(
    private readonly stream: Writable,
    private readonly name: string,
  ) {}

  async open(): Promise<void> {
    this.stream.on('error', this.#onError);
  }

  write(data: Buffer): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    // The callback fires once the chunk reached the underlying fd: waiting for it is the backpressure.
    return new Promise((resolve, reject) => {
      this.stream.write(data, (error) => {
        if (!error) return resolve();
        this.#onError(error);
        reject(this.#error ?? error);
      });
    });
  }

  /** Every write already waited for its chunk to leave the process: nothing more to do. */
  async sync(): Promise<void> {
    if (this.#error) throw this.#error;
  }

  async close(): Promise<void> {
    this.stream.off('error', this.#onError);
  }

  #closedByReader(error: Error): boolean {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
  }
}
