/** openSink: turns an output string ("out.jsonl", "items.csv", "-", "items.db", "postgres://…") into a Sink. */
import { extname } from 'node:path';
import { ConfigError } from '../errors.js';
import { CsvSink } from './csv-sink.js';
import { postgresTarget, sqliteTarget } from './database-target.js';
import { JsonSink } from './json-sink.js';
import { JsonlSink } from './jsonl-sink.js';
import { ParquetSink } from './parquet-sink.js';
import { PostgresSink } from './postgres-sink.js';
import { RemoteSink } from './remote-sink.js';
import { type RemoteOptions, remoteOutput } from './remote-store.js';
import type { Sink } from './sink.js';
import { SqliteSink } from './sqlite-sink.js';
import { XmlSink } from './xml-sink.js';

/** Options of {@link openSink}. */
export interface OpenSinkOptions {
  /** Keep what the output already holds and add after it (resuming a crawl). Ignored for stdout. @default false */
  append?: boolean;
  /** Non-fatal problems, such as CSV dropping keys that are not columns. @default process.emitWarning */
  onWarning?: (message: string) => void;
  /** The spider's name: the table of a database output whose URI names none. @default 'items' (the table) */
  name?: string;
  /**
   * Database outputs: the item field that identifies an item (`--upsert-key`); a re-run updates the row with the
   * same value instead of adding one. Same as `?upsert=field` in the URI. @default undefined (always add rows)
   */
  upsertKey?: string;
  /**
   * The format, when the target's name does not say it: an extension without its dot (`csv`, `jsonl.gz`,
   * `parquet`, `sqlite`). @default undefined (from the name)
   */
  format?: string;
  /** For `sftp://…` and `ftp://…` outputs: SSH settings and upload retries. */
  remote?: RemoteOptions;
}

/** Makes an unopened sink for one output string. */
export type SinkFactory = (target: string, options: OpenSinkOptions) => Sink;

const sqlite: SinkFactory = (target, options) => {
  const { location, table, upsertKey } = sqliteTarget(target, options);
  return new SqliteSink(location, { table, upsertKey, onWarning: options.onWarning });
};

const postgres: SinkFactory = (target, options) => {
  const { location, table, upsertKey } = postgresTarget(target, options);
  return new PostgresSink(location, { table, upsertKey, onWarning: options.onWarning });
};

/** Outputs named by a scheme prefix, checked before extensions: the databases. */
const byScheme: Readonly<Record<string, SinkFactory>> = {
  'sqlite:': sqlite,
  'postgres://': postgres,
  'postgresql://': postgres,
};

const byExtension: Readonly<Record<string, SinkFactory>> = {
  '.jsonl': (path, options) => new JsonlSink(path, options),
  '.ndjson': (path, options) => new JsonlSink(path, options),
  '.csv': (path, options) => new CsvSink(path, options),
  '.jsonl.gz': (path, options) => new JsonlSink(path, { ...options, gzip: true }),
  '.ndjson.gz': (path, options) => new JsonlSink(path, { ...options, gzip: true }),
  '.csv.gz': (path, options) => new CsvSink(path, { ...options, gzip: true }),
  '.xml': (path, options) => new XmlSink(path, options),
  '.json': (path, options) => new JsonSink(path, options),
  '.parquet': (path, options) => new ParquetSink(path, options),
  '.sqlite': sqlite,
  '.sqlite3': sqlite,
  '.db': sqlite,
};

/**
 * Chooses a sink for `target`: a known scheme prefix (`sqlite:…`, `postgres://…`, `postgresql://…`), else the
 * file extension (case-insensitive): `.jsonl` and `.ndjson` → JSON Lines, `.csv` → CSV, `.json` → JSON array,
 * `.xml` → XML, `.parquet` → Parquet, `.jsonl.gz`, `.ndjson.gz` and `.csv.gz` → gzipped, `.sqlite`, `.sqlite3` and `.db` → SQLite; `-` → JSON Lines on stdout; `sftp://…` and `ftp://…` → the format
 * their file name says, written locally and uploaded at close (RemoteSink). The sink is not opened yet: call
 * `open()`, which fails early (StorageError) if the output cannot be written. `options.format` overrides the name.
 * @throws ConfigError for any other target, naming the accepted forms.
 */
export function openSink(target: string, options: OpenSinkOptions = {}): Sink {
  // A server's file: written locally in its format (by name or `format`), uploaded at close.
  if (remoteOutput.test(target)) {
    const { remote, ...local } = options;
    return new RemoteSink(
      target,
      { append: options.append ?? false, onWarning: options.onWarning },
      remote ?? {},
      (path) => openSink(path, local),
    );
  }
  if (options.format !== undefined) {
    const byFormat = byExtension[`.${options.format.toLowerCase()}`];
    if (!byFormat) {
      const formats = Object.keys(byExtension).map((extension) => extension.slice(1));
      throw new ConfigError(
        `unsupported format "${options.format}" for output "${target}": use one of ${formats.join(', ')}`,
      );
    }
    return byFormat(target, options);
  }
  if (target === '-') return new JsonlSink(process.stdout);
  for (const [scheme, factory] of Object.entries(byScheme)) {
    if (target.startsWith(scheme)) return factory(target, options);
  }
  const factory = byExtension[extensionOf(target)];
  if (factory) return factory(target, options);
  throw new ConfigError(`unsupported output "${target}": ${acceptedForms()}`);
}

/** `.csv`, or `.csv.gz` for a compressed file: the extension before `.gz` counts too. */
function extensionOf(target: string): string {
  const last = extname(target).toLowerCase();
  if (last !== '.gz') return last;
  return `${extname(target.slice(0, -last.length)).toLowerCase()}${last}`;
}

function acceptedForms(): string {
  const files = Object.keys(byExtension).filter((extension) => byExtension[extension] !== sqlite);
  const databases = Object.keys(byExtension).filter(
    (extension) => byExtension[extension] === sqlite,
  );
  const schemes = Object.keys(byScheme).map((scheme) => `${scheme}…`);
  return (
    `use a database (${schemes.join(', ')}, or a file ending in ${databases.join(', ')}), ` +
    `a file ending in ${files.join(', ')}, or "-" for JSON Lines on stdout`
  );
}
