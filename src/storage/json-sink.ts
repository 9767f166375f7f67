/** JSON array output that parses at every batch boundary, so Ctrl-C or a crash between batches leaves valid JSON. */
import { DocumentSink } from './document-sink.js';
import { toJson } from './jsonl-sink.js';

/** Options of {@link JsonSink}. */
export interface JsonSinkOptions {
  /** Continue the array already in the file (one this sink wrote) instead of starting a new one. @default false */
  append?: boolean;
}

/**
 * Writes items as one JSON array, one item per line, always closed by a "\n]\n" line (see DocumentSink): between
 * batches the file parses (an empty crawl gives "[\n]\n", which parses as `[]`).
 */
export class JsonSink extends DocumentSink {
  constructor(path: string, options: JsonSinkOptions = {}) {
    super(
      path,
      { name: 'a JSON array', head: '[', trailer: '\n]\n', separator: ',\n', encode: toJson },
      options.append ?? false,
    );
  }
}
