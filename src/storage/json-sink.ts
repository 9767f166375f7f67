/** JSON array output that parses at every batch boundary, so Ctrl-C or a crash between batches leaves valid JSON. */
import { FileOutput } from './file-output.js';
import { toJson } from './jsonl-sink.js';
import { SerialSink } from './serial-sink.js';
import type { Item } from './sink.js';

/** Options of {@link JsonSink}. */
export interface JsonSinkOptions {
  /** Continue the array already in the file (one this sink wrote) instead of starting a new one. @default false */
  append?: boolean;
}

const emptyArray = '[\n]\n';
const closing = '\n]\n';

/**
 * Writes items as one JSON array, one item per line. The file always ends with the closing "\n]\n": each batch is
 * written in a single positional write that starts where that closing bracket is and ends with a new one. So
 * between batches the file is always a complete array (an empty crawl gives "[\n]\n", which parses as `[]`);
 * only a crash in the middle of a batch's write can leave it torn.
 */
export class JsonSink extends SerialSink {
  protected readonly target: string;
  readonly trailer = closing;
  readonly #file: FileOutput;
  readonly #append: boolean;
  /** Byte offset of the closing "\n]\n", where the next batch goes. */
  #closingAt = 1;
  #empty = true;

  constructor(path: string, options: JsonSinkOptions = {}) {
    super();
    this.target = path;
    this.#file = new FileOutput(path);
    this.#append = options.append ?? false;
  }

  protected async openOutput(): Promise<void> {
    await this.#file.open(this.#append ? 'update' : 'truncate');
    const size = this.#append ? await this.#file.size() : 0;
    if (size > 0) return this.#continueArray(size);
    await this.#file.write(Buffer.from(emptyArray), 0);
  }

  protected async writeBatch(items: readonly Item[]): Promise<void> {
    const body = items.map((item, index) => toJson(item, index)).join(',\n');
    const data = Buffer.from(`${this.#empty ? '\n' : ',\n'}${body}${closing}`);
    await this.#file.write(data, this.#closingAt);
    this.#closingAt += data.length - closing.length;
    this.#empty = false;
  }

  protected override flushOutput(): Promise<void> {
    return this.#file.sync();
  }

  protected closeOutput(): Promise<void> {
    return this.#file.close();
  }

  /** Finds the closing bracket of an array this sink wrote earlier, and whether the array has items. */
  async #continueArray(size: number): Promise<void> {
    const closingAt = size - closing.length;
    const tail = closingAt > 0 ? (await this.#file.read(closingAt, closing.length)).toString() : '';
    const head =
      closingAt > 0 ? (await this.#file.read(0, Math.min(closingAt, 64))).toString() : '';
    if (tail !== closing || !head.trimStart().startsWith('[')) {
      throw new Error(
        'cannot append: the file is not a JSON array ending in a "]" line as Arachne writes it',
      );
    }
    this.#closingAt = closingAt;
    this.#empty = closingAt <= 64 && head.trim() === '[';
  }
}
