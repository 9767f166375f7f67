/** CSV output (RFC 4180): a header from the first batch's keys, then one row per item, written batch by batch. */
import { chunkBytes, FileOutput, toChunks } from './file-output.js';
import { toJson } from './jsonl-sink.js';
import { SerialSink } from './serial-sink.js';
import type { Item } from './sink.js';

/** Options of {@link CsvSink}. */
export interface CsvSinkOptions {
  /** Keep the rows already in the file and reuse its header (resuming a crawl). @default false */
  append?: boolean;
  /** Gzip the file, one gzip member per write (see FileOutput): `.csv.gz`. @default false */
  gzip?: boolean;
  /**
   * Told once per key that is not a column, the first time an item has it (its values are dropped).
   * @default process.emitWarning
   */
  onWarning?: (message: string) => void;
}

/**
 * Writes items as CSV with CRLF line ends and RFC 4180 quoting (a cell with `"`, `,`, CR or LF is quoted, quotes
 * doubled). The columns are every key of the first batch written (up to 500 items in a crawl), in the order first
 * seen, and never change: a CSV file has one header, and rewriting it when a late item brings a new key would
 * mean rewriting the whole file. So later items' keys that are not columns are dropped, with one warning per key
 * through `onWarning` (which says how to declare the columns: a feed's `fields`); missing keys give empty cells. Appending to an existing file reuses its header.
 * Cells: strings as they are, numbers and booleans as text, dates as ISO 8601, objects and arrays as JSON,
 * null and undefined empty. An empty crawl gives an empty file.
 */
export class CsvSink extends SerialSink {
  protected readonly target: string;
  readonly #file: FileOutput;
  readonly #append: boolean;
  readonly #onWarning: (message: string) => void;
  #columns: readonly string[] | undefined;
  /** Keys already warned about: each is named once, however many items carry it. */
  readonly #warnedKeys = new Set<string>();
  /** Appending to a file whose last row lost its line end (a crash): end it before the first new row. */
  #needsLineEnd = false;

  constructor(path: string, options: CsvSinkOptions = {}) {
    super();
    this.target = path;
    this.#file = new FileOutput(path, { gzip: options.gzip ?? false });
    this.#append = options.append ?? false;
    this.#onWarning = options.onWarning ?? ((message) => process.emitWarning(message));
  }

  /** The header, once known (after the first write, or after opening a file to append to). */
  get columns(): readonly string[] | undefined {
    return this.#columns;
  }

  protected async openOutput(): Promise<void> {
    await this.#file.open(this.#append ? 'append' : 'truncate');
    if (!this.#append) return;
    const size = await this.#file.size();
    if (size === 0) return;
    const gzip = this.#file.gzip;
    const start = gzip ? this.#file.readGzipStart(chunkBytes) : this.#file.read(0, chunkBytes);
    const header = parseFirstRecord((await start).toString('utf8').replace(/^\uFEFF/, ''));
    if (!header) throw new Error('cannot append: no header line found at the start of the file');
    this.#columns = header;
    // A gzip file's last byte says nothing about its text; a torn member is cut back on resume instead.
    this.#needsLineEnd = !gzip && (await this.#file.read(size - 1, 1))[0] !== 0x0a;
  }

  protected async writeBatch(items: readonly Item[]): Promise<void> {
    const rows: string[] = this.#needsLineEnd ? ['\r\n'] : [];
    let columns = this.#columns;
    if (!columns) {
      columns = keysOf(items);
      rows.push(toRow(columns));
    }
    for (const item of items) {
      this.#checkKeys(item, columns);
      rows.push(toRow(columns.map((column) => item[column])));
    }
    for (const chunk of toChunks(rows)) await this.#file.write(chunk);
    this.#columns = columns;
    this.#needsLineEnd = false;
  }

  protected override flushOutput(): Promise<void> {
    return this.#file.sync();
  }

  protected closeOutput(): Promise<void> {
    return this.#file.close();
  }

  #checkKeys(item: Item, columns: readonly string[]): void {
    let extra: string[] | undefined;
    for (const key in item) {
      if (this.#warnedKeys.has(key) || columns.includes(key)) continue;
      this.#warnedKeys.add(key);
      if (!extra) extra = [];
      extra.push(key);
    }
    if (!extra) return;
    const named = extra.map((key) => JSON.stringify(key)).join(', ');
    const all = [...columns, ...extra].join(',');
    this.#onWarning(
      `CSV output ${this.target}: ${extra.length === 1 ? 'key' : 'keys'} ${named} not written: the columns come ` +
        `from the first batch of items (${columns.join(', ')}). Declare them with the output's fields: ` +
        `-o '${this.target}:fields=${all}' (crawl(): feeds: { '${this.target}': { fields: [...] } }). ` +
        'Shown once per key.',
    );
  }
}

/** Every key of the batch, in the order first seen: a field the first item lacks still gets its column. */
function keysOf(items: readonly Item[]): string[] {
  const keys = new Set<string>();
  for (const item of items) for (const key of Object.keys(item)) keys.add(key);
  return [...keys];
}

/** One CSV row with its CRLF. */
export function toRow(values: readonly unknown[]): string {
  return `${values.map(toCell).join(',')}\r\n`;
}

/** The text of one cell, quoted when RFC 4180 requires it. */
export function toCell(value: unknown): string {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cellText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null) return '';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
      return toJson(value);
    default:
      // undefined, functions and symbols are not data.
      return '';
  }
}

/** The fields of the first record of a CSV text, or undefined if the text holds no complete record. */
function parseFirstRecord(text: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\r' || char === '\n') {
      fields.push(field);
      return fields;
    } else field += char;
  }
  return undefined;
}
