/** Parquet output through hyparquet-writer: rows buffered and written as row groups, the footer at close. */
import type { BasicType, ByteWriter, ParquetWriter, SchemaElement, Writer } from 'hyparquet-writer';
import { FileOutput } from './file-output.js';
import { toJson } from './jsonl-sink.js';
import { SerialSink } from './serial-sink.js';
import type { Item } from './sink.js';

/** Options of {@link ParquetSink}. */
export interface ParquetSinkOptions {
  /** Set by `-o` (add to an existing output): a Parquet file that already has data is refused. @default false */
  append?: boolean;
  /** Rows per row group: buffered in memory until then. @default 10000 */
  rowGroupSize?: number;
  /** Told once, the first time a value does not fit its column's type or a key is not a column. */
  onWarning?: (message: string) => void;
}

type ColumnType = Extract<BasicType, 'BOOLEAN' | 'INT64' | 'DOUBLE' | 'STRING' | 'TIMESTAMP'>;

interface Column {
  name: string;
  type: ColumnType;
}

/**
 * Writes items as one Parquet file (Snappy-compressed). Rows are buffered and written a row group at a time; the
 * file is only a valid Parquet file once `close` has written its footer, so a crash leaves an unreadable file and a
 * Parquet output cannot be appended to (use overwrite, or rotation for new parts).
 *
 * The columns are every key of the first row group, in the order first seen, and never change (as in CSV: later
 * keys that are not columns are dropped, with one warning). A column's type comes from the non-null values of the
 * first row group: all booleans → BOOLEAN; all integers (numbers within ±2^53, or BigInts) → INT64; all numbers →
 * DOUBLE; all Dates → TIMESTAMP (milliseconds); anything else → STRING, where a string stays itself and any other
 * value (an object, an array, a number in a mixed column) is its JSON text. Every column is nullable; null,
 * undefined and a missing key are null, and so is a later value that does not fit a typed column (one warning).
 */
export class ParquetSink extends SerialSink {
  protected readonly target: string;
  readonly #file: FileOutput;
  readonly #rowGroupSize: number;
  readonly #append: boolean;
  readonly #onWarning: (message: string) => void;
  #rows: Item[] = [];
  #columns: Column[] | undefined;
  #writer: ParquetWriter | undefined;
  #warned = false;
  /** Loaded when the output opens: a crawl that writes no Parquet never loads the writer's 50 modules. */
  #parquet: typeof import('hyparquet-writer') | undefined;
  /** Opened (and emptied): only then does close write a footer; a refused file is left as it was. */
  #ready = false;

  constructor(path: string, options: ParquetSinkOptions = {}) {
    super();
    this.target = path;
    this.#file = new FileOutput(path);
    this.#rowGroupSize = options.rowGroupSize ?? 10_000;
    this.#append = options.append ?? false;
    this.#onWarning = options.onWarning ?? ((message) => process.emitWarning(message));
  }

  protected async openOutput(): Promise<void> {
    // Opened without truncating first: the check below must see what an earlier run left.
    await this.#file.open('update');
    if (this.#append && (await this.#file.size()) > 0) {
      throw new Error(
        'cannot append to a Parquet file (its footer is written once, at the end): replace it with -O ' +
          '(or :overwrite), or rotate into new parts',
      );
    }
    await this.#file.truncate();
    this.#parquet = await import('hyparquet-writer');
    this.#ready = true;
  }

  protected async writeBatch(items: readonly Item[]): Promise<void> {
    for (const item of items) this.#rows.push(item);
    while (this.#rows.length >= this.#rowGroupSize) {
      await this.#writeGroup(this.#rows.splice(0, this.#rowGroupSize));
    }
  }

  /** Rows still buffered wait for a full row group: a Parquet file takes no partial writes before its footer. */
  protected override async flushOutput(): Promise<void> {
    await this.#file.sync();
  }

  protected async closeOutput(): Promise<void> {
    try {
      if (!this.#ready) return;
      if (this.#rows.length > 0) await this.#writeGroup(this.#rows.splice(0));
      // An empty crawl still gives a readable file: no columns, no rows.
      if (!this.#writer) this.#start([]);
      await (this.#writer as ParquetWriter).finish();
      await this.#file.sync();
    } finally {
      await this.#file.close();
    }
  }

  async #writeGroup(rows: readonly Item[]): Promise<void> {
    const columns = this.#columns ?? this.#start(rows);
    const columnData = columns.map(({ name, type }) => ({
      name,
      type,
      data: rows.map((row) => this.#cell(row[name], type, name)),
    }));
    this.#checkKeys(rows, columns);
    await (this.#writer as ParquetWriter).write({ columnData, rowGroupSize: rows.length || 1 });
  }

  #start(rows: readonly Item[]): Column[] {
    const parquet = this.#parquet as typeof import('hyparquet-writer');
    const names = new Set<string>();
    for (const row of rows) for (const key of Object.keys(row)) names.add(key);
    const columns = [...names].map((name) => ({
      name,
      type: typeOf(rows.map((row) => row[name])),
    }));
    // The Writer interface has an optional async flush, called after each row group: the bytes go to the file.
    const bytes: ByteWriter & Pick<Writer, 'flush'> = new parquet.ByteWriter();
    const flush = async (): Promise<void> => {
      const chunk = Buffer.from(bytes.getBytes());
      bytes.index = 0;
      await this.#file.write(chunk);
    };
    bytes.flush = flush;
    bytes.finish = flush;
    const schema: SchemaElement[] = [
      { name: 'root', num_children: columns.length },
      ...columns.map(({ name, type }) => ({
        name,
        ...schemaOf(type),
        repetition_type: 'OPTIONAL' as const,
      })),
    ];
    this.#writer = new parquet.ParquetWriter({ writer: bytes, schema, createdBy: 'arachne' });
    this.#columns = columns;
    return columns;
  }

  #cell(value: unknown, type: ColumnType, name: string): unknown {
    if (value === null || value === undefined) return null;
    const fits = fitsType(value, type);
    if (fits !== undefined) return fits;
    this.#warn(`column ${name} is ${type}, a value that does not fit it is written as null`);
    return null;
  }

  #checkKeys(rows: readonly Item[], columns: readonly Column[]): void {
    if (this.#warned) return;
    const known = new Set(columns.map((column) => column.name));
    for (const row of rows) {
      const extra = Object.keys(row).filter((key) => !known.has(key));
      if (extra.length > 0) {
        this.#warn(`dropping item keys that are not columns (${extra.join(', ')})`);
        return;
      }
    }
  }

  #warn(why: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#onWarning(
      `Parquet output ${this.target}: ${why}; the columns and their types come from the first row group. This warning is shown once.`,
    );
  }
}

function typeOf(values: readonly unknown[]): ColumnType {
  const present = values.filter((value) => value !== null && value !== undefined);
  if (present.length === 0) return 'STRING';
  if (present.every((value) => typeof value === 'boolean')) return 'BOOLEAN';
  if (present.every((value) => typeof value === 'bigint' || Number.isSafeInteger(value)))
    return 'INT64';
  if (present.every((value) => typeof value === 'number')) return 'DOUBLE';
  if (present.every((value) => value instanceof Date)) return 'TIMESTAMP';
  return 'STRING';
}

function schemaOf(type: ColumnType): Omit<SchemaElement, 'name'> {
  switch (type) {
    case 'BOOLEAN':
      return { type: 'BOOLEAN' };
    case 'INT64':
      return { type: 'INT64' };
    case 'DOUBLE':
      return { type: 'DOUBLE' };
    case 'TIMESTAMP':
      return { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' };
    case 'STRING':
      return { type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}

/** The value as the column stores it, or undefined when it does not fit. */
function fitsType(value: unknown, type: ColumnType): unknown {
  switch (type) {
    case 'BOOLEAN':
      return typeof value === 'boolean' ? value : undefined;
    case 'INT64':
      if (typeof value === 'bigint') return value;
      return Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
    case 'DOUBLE':
      return typeof value === 'number' ? value : undefined;
    case 'TIMESTAMP':
      return value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined;
    case 'STRING':
      return typeof value === 'string' ? value : toJson(value);
  }
}
