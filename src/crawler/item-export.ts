/**
 * Feeds the sink from the items a frontier committed (SQLite table, Redis stream), past a high-water mark. For a
 * file output the mark also records the file's size: after a crash the file is cut back to that size and the
 * items after the mark are written again, so each item appears exactly once.
 */
import { open, stat, truncate } from 'node:fs/promises';
import type { Item, Sink } from '../storage/sink.js';

/** Where committed items are read from, and where the export's mark is kept (next to them, in the same store). */
export interface ItemSource {
  /** Items after `cursor` ('' = from the start), oldest first, each with its own cursor. */
  itemsAfter(cursor: string, limit: number): Promise<Array<{ cursor: string; item: Item }>>;
  readMark(key: string): Promise<string | undefined>;
  writeMark(key: string, value: string): Promise<void>;
}

interface Mark {
  cursor: string;
  bytes: number;
  /** The output as first opened, placeholders filled in: a resumed crawl goes on writing the same file. */
  target?: string | undefined;
}

/** What to do with an output file that exists when a crawl first writes to it (a resume follows its mark instead). */
export type FirstOpen = 'append' | 'overwrite';

const markKey = (output: string): string => `export:${output}`;

/** The output a crawl's earlier run wrote, as recorded in its mark: `output` may hold placeholders such as {time}. */
export async function recordedTarget(
  source: ItemSource,
  output: string,
): Promise<string | undefined> {
  const saved = await source.readMark(markKey(output));
  return saved ? (JSON.parse(saved) as Mark).target : undefined;
}

const batchSize = 500;

export class ItemExport {
  readonly #source: ItemSource;
  readonly #sink: Sink;
  /** The output file, when the sink writes one (JSON Lines, CSV, JSON); undefined for databases and streams. */
  readonly #file: string | undefined;
  readonly #key: string;
  #mark: Mark = { cursor: '', bytes: 0 };
  #running: Promise<void> = Promise.resolve();

  /**
   * `output` names the export in the store (as given, placeholders included); `target` is what it resolved to,
   * recorded with the mark; `file` is the file the sink writes, if any.
   */
  constructor(
    source: ItemSource,
    sink: Sink,
    output: string,
    file: string | undefined,
    target: string = output,
  ) {
    this.#source = source;
    this.#sink = sink;
    this.#file = file;
    this.#key = markKey(output);
    this.#mark.target = target;
  }

  /**
   * Cuts the output back to the last recorded mark (undoing a write the crash left unrecorded). With no mark yet
   * (a first run), an existing file is kept and added to (`append`, `-o`) or emptied (`overwrite`, `-O`), and
   * that starting size is recorded at once, so a crash before the first export cannot cut into what was there.
   */
  async prepare(firstOpen: FirstOpen = 'append'): Promise<void> {
    const saved = await this.#source.readMark(this.#key);
    if (!saved) return this.#start(firstOpen);
    this.#mark = { target: this.#mark.target, ...(JSON.parse(saved) as Mark) };
    if (!this.#file) return;
    const size = await stat(this.#file).then(
      (s) => s.size,
      () => -1,
    );
    if (size < this.#mark.bytes) {
      // The output was removed or cut by hand: write every item again, from a fresh file.
      this.#mark = { cursor: '', bytes: 0 };
      if (size > 0) await truncate(this.#file, 0);
    } else {
      if (size > this.#mark.bytes) await truncate(this.#file, this.#mark.bytes);
      await this.#restoreTrailer(this.#file);
    }
  }

  async #start(firstOpen: FirstOpen): Promise<void> {
    if (this.#file) {
      const size = await stat(this.#file).then(
        (s) => s.size,
        () => 0,
      );
      if (firstOpen === 'overwrite' && size > 0) await truncate(this.#file, 0);
      else this.#mark.bytes = size;
    }
    await this.#source.writeMark(this.#key, JSON.stringify(this.#mark));
  }

  /**
   * The batch the crash cut short began by overwriting the format's trailer (a JSON array's "\n]\n"), and that
   * part lies inside the recorded size: cutting back alone would leave "},\n{" at the end and refuse every resume.
   */
  async #restoreTrailer(file: string): Promise<void> {
    const trailer = this.#sink.trailer;
    if (!trailer || this.#mark.bytes < trailer.length) return;
    const handle = await open(file, 'r+');
    try {
      await handle.write(trailer, this.#mark.bytes - trailer.length);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Writes every committed item past the mark; runs are serialised. */
  run(): Promise<void> {
    this.#running = this.#running.then(() => this.#drain());
    return this.#running;
  }

  async #drain(): Promise<void> {
    for (;;) {
      const rows = await this.#source.itemsAfter(this.#mark.cursor, batchSize);
      if (rows.length === 0) return;
      await this.#sink.write(rows.map((row) => row.item));
      await this.#sink.flush();
      const bytes = this.#file ? (await stat(this.#file)).size : 0;
      this.#mark = { ...this.#mark, cursor: (rows.at(-1) as { cursor: string }).cursor, bytes };
      await this.#source.writeMark(this.#key, JSON.stringify(this.#mark));
    }
  }
}
