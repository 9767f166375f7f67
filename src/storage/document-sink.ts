/** Output formats that are one document with a fixed end (a JSON array, an XML list): valid after every batch. */
import { FileOutput } from './file-output.js';
import { SerialSink } from './serial-sink.js';
import type { Item } from './sink.js';

/** The shape of a document format: what it starts with, ends with, and puts between items. */
export interface DocumentFormat {
  /** The format's name in messages: "a JSON array". */
  readonly name: string;
  /** What comes before the first item: "[". */
  readonly head: string;
  /** What follows the last item, the same every time: "\n]\n". */
  readonly trailer: string;
  /** Between two items: ",\n". (The first item follows the head after a line break.) */
  readonly separator: string;
  /** The text of one item; `index` is its position in the batch, for error messages. */
  encode(item: Item, index: number): string;
}

/**
 * Writes items inside one document, one item per line. The file always ends with the trailer: each batch is
 * written in a single positional write that starts where the trailer is and ends with a new one. So between
 * batches the file is always a complete document (an empty crawl gives head and trailer only); only a crash in
 * the middle of a batch's write can leave it torn, and a resumed crawl cuts that back (ItemExport).
 */
export class DocumentSink extends SerialSink {
  protected readonly target: string;
  readonly trailer: string;
  readonly #format: DocumentFormat;
  readonly #file: FileOutput;
  readonly #append: boolean;
  /** Byte offset of the trailer, where the next batch goes. */
  #trailerAt: number;
  #empty = true;

  constructor(path: string, format: DocumentFormat, append: boolean) {
    super();
    this.target = path;
    this.trailer = format.trailer;
    this.#format = format;
    this.#file = new FileOutput(path);
    this.#append = append;
    this.#trailerAt = Buffer.byteLength(format.head);
  }

  protected async openOutput(): Promise<void> {
    await this.#file.open(this.#append ? 'update' : 'truncate');
    const size = this.#append ? await this.#file.size() : 0;
    if (size > 0) return this.#continueDocument(size);
    await this.#file.write(Buffer.from(`${this.#format.head}${this.trailer}`), 0);
  }

  protected async writeBatch(items: readonly Item[]): Promise<void> {
    const { separator, encode } = this.#format;
    const body = items.map((item, index) => encode(item, index)).join(separator);
    const data = Buffer.from(`${this.#empty ? '\n' : separator}${body}${this.trailer}`);
    await this.#file.write(data, this.#trailerAt);
    this.#trailerAt += data.length - Buffer.byteLength(this.trailer);
    this.#empty = false;
  }

  protected override flushOutput(): Promise<void> {
    return this.#file.sync();
  }

  protected closeOutput(): Promise<void> {
    return this.#file.close();
  }

  /** Finds the trailer of a document this sink wrote earlier, and whether the document has items. */
  async #continueDocument(size: number): Promise<void> {
    const { head, name } = this.#format;
    const trailerLength = Buffer.byteLength(this.trailer);
    const trailerAt = size - trailerLength;
    const tail = trailerAt > 0 ? (await this.#file.read(trailerAt, trailerLength)).toString() : '';
    const peek = Buffer.byteLength(head) + 64;
    const start =
      trailerAt > 0 ? (await this.#file.read(0, Math.min(trailerAt, peek))).toString() : '';
    if (tail !== this.trailer || !start.trimStart().startsWith(head)) {
      throw new Error(
        `cannot append: the file is not ${name} ending as Arachne writes it; replace it with -O ` +
          '(overwriteOutput), or write JSON Lines (.jsonl), which can always be appended to',
      );
    }
    this.#trailerAt = trailerAt;
    this.#empty = trailerAt <= peek && start.trim() === head.trim();
  }
}
