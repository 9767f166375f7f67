/** "arachne/storage": where items go. Sinks for JSON Lines, CSV, JSON, XML and Parquet files (JSON Lines and CSV also gzipped), rotation into parts, field lists, SQLite and PostgreSQL, and openSink. */
export { CsvSink, type CsvSinkOptions } from './csv-sink.js';
export { DatabaseSink } from './database-sink.js';
export { type FeedOptions, parseFeedTarget, type RotateOptions } from './feed.js';
export { FieldsSink } from './fields-sink.js';
export { JsonSink, type JsonSinkOptions } from './json-sink.js';
export { JsonlSink, type JsonlSinkOptions } from './jsonl-sink.js';
export { type OpenSinkOptions, openSink, type SinkFactory } from './open-sink.js';
export { ParquetSink, type ParquetSinkOptions } from './parquet-sink.js';
export { PostgresSink, type PostgresSinkOptions } from './postgres-sink.js';
export {
  type PartSinkFactory,
  partPath,
  type RotateLimits,
  RotatingSink,
} from './rotating-sink.js';
export { SerialSink } from './serial-sink.js';
export type { Item, Sink } from './sink.js';
export { SqliteSink, type SqliteSinkOptions } from './sqlite-sink.js';
export { XmlSink, type XmlSinkOptions } from './xml-sink.js';
