/**
 * Feeds the sink from the items committed in the state database, past a high-water mark. For a file output the
 * mark also records the file's size: after a crash the file is cut back to that size and the items after the mark
 * are written again, so each item appears exactly once.
 */
import { stat, truncate } from 'node:fs/promises';
import { StorageError } from '../errors.js';
import type { Sink } from '../storage/sink.js';
import { itemsAfter, type SqliteFrontier } from './sqlite-frontier.js';
import { getMeta, type StateDb, setMeta } from './state-db.js';

interface Mark {
  itemId: number;
  bytes: number;
}

const batchSize = 500;

export class ItemExport {
  readonly #frontier: SqliteFrontier;
  readonly #db: StateDb;
  readonly #sink: Sink;
  /** The output file, when the sink writes one (JSON Lines, CSV, JSON); undefined for databases and streams. */
  readonly #file: string | undefined;
  readonly #key: string;
  #mark: Mark = { itemId: 0, bytes: 0 };
  #running: Promise<void> = Promise.resolve();

  constructor(frontier: SqliteFrontier, sink: Sink, target: string, file: string | undefined) {
    this.#frontier = frontier;
    this.#db = frontier.db;
    this.#sink = sink;
    this.#file = file;
    this.#key = `export:${target}`;
  }

  /** Cuts the output back to the last recorded mark (undoing a write the crash left unrecorded). */
  async prepare(): Promise<{ resumedAfter: number }> {
    const saved = getMeta(this.#db, this.#key);
    if (saved) this.#mark = JSON.parse(saved) as Mark;
    if (!this.#file) return { resumedAfter: this.#mark.itemId };
    const size = await stat(this.#file).then(
      (s) => s.size,
      () => -1,
    );
    if (size < this.#mark.bytes) {
      // The output was removed or cut by hand: write every item again, from a fresh file.
      this.#mark = { itemId: 0, bytes: 0 };
      if (size > 0) await truncate(this.#file, 0);
    } else if (size > this.#mark.bytes) {
      await truncate(this.#file, this.#mark.bytes);
    }
    return { resumedAfter: this.#mark.itemId };
  }

  /** Writes every committed item past the mark; runs are serialised. */
  run(): Promise<void> {
    this.#running = this.#running.then(() => this.#drain());
    return this.#running;
  }

  async #drain(): Promise<void> {
    if (this.#db.open) this.#frontier.flush();
    for (;;) {
      const rows = itemsAfter(this.#db, this.#mark.itemId, batchSize);
      if (rows.length === 0) return;
      await this.#sink.write(rows.map((row) => row.item));
      await this.#sink.flush();
      const bytes = this.#file ? await stat(this.#file).then((s) => s.size) : 0;
      this.#mark = { itemId: (rows.at(-1) as { id: number }).id, bytes };
      try {
        setMeta(this.#db, this.#key, JSON.stringify(this.#mark));
      } catch (error) {
        throw new StorageError(`cannot record export progress: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
}
