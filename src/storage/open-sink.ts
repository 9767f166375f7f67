/** openSink: turns an output string ("out.jsonl", "items.csv", "-", later "sqlite:items.db") into a Sink. */
import { extname } from 'node:path';
import { ConfigError } from '../errors.js';
import { CsvSink } from './csv-sink.js';
import { JsonSink } from './json-sink.js';
import { JsonlSink } from './jsonl-sink.js';
import type { Sink } from './sink.js';

/** Options of {@link openSink}. */
export interface OpenSinkOptions {
  /** Keep what the output already holds and add after it (resuming a crawl). Ignored for stdout. @default false */
  append?: boolean;
  /** Non-fatal problems, such as CSV dropping keys that are not columns. @default process.emitWarning */
  onWarning?: (message: string) => void;
}

/** Makes an unopened sink for one output string. */
export type SinkFactory = (target: string, options: OpenSinkOptions) => Sink;

/**
 * Outputs named by a scheme prefix, checked before extensions. This is the extension point for databases:
 * `'sqlite:': (target, options) => new SqliteSink(target.slice(7), options)`, `'postgres://': …`.
 */
const byScheme: Readonly<Record<string, SinkFactory>> = {};

const byExtension: Readonly<Record<string, SinkFactory>> = {
  '.jsonl': (path, options) => new JsonlSink(path, options),
  '.ndjson': (path, options) => new JsonlSink(path, options),
  '.csv': (path, options) => new CsvSink(path, options),
  '.json': (path, options) => new JsonSink(path, options),
};

/**
 * Chooses a sink for `target`: a known scheme prefix, else the file extension (case-insensitive): `.jsonl` and
 * `.ndjson` → JSON Lines, `.csv` → CSV, `.json` → JSON array; `-` → JSON Lines on stdout. The sink is not opened
 * yet: call `open()`, which fails early (StorageError) if the path cannot be written.
 * @throws ConfigError for any other target, naming the accepted forms.
 */
export function openSink(target: string, options: OpenSinkOptions = {}): Sink {
  if (target === '-') return new JsonlSink(process.stdout);
  for (const [scheme, factory] of Object.entries(byScheme)) {
    if (target.startsWith(scheme)) return factory(target, options);
  }
  const factory = byExtension[extname(target).toLowerCase()];
  if (factory) return factory(target, options);
  throw new ConfigError(`unsupported output "${target}": ${acceptedForms()}`);
}

function acceptedForms(): string {
  const forms = [
    ...Object.keys(byExtension),
    ...Object.keys(byScheme).map((scheme) => `${scheme}…`),
  ];
  return `use a file ending in ${forms.join(', ')}, or "-" for JSON Lines on stdout`;
}
