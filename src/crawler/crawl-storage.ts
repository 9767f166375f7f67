/**
 * Where a crawl keeps its frontier and how its items reach the sink: in memory with direct writes, or in a
 * state file whose committed items are exported to the sink past a high-water mark (exactly once).
 */
import { StorageError } from '../errors.js';
import { type OpenSinkOptions, openSink } from '../storage/open-sink.js';
import type { Sink } from '../storage/sink.js';
import type { CrawlEmitter } from './events.js';
import { type Frontier, MemoryFrontier } from './frontier.js';
import { ItemExport } from './item-export.js';
import type { ResolvedOptions } from './options.js';

export interface CrawlStorage {
  frontier: Frontier;
  /** The sink the item writer feeds directly; undefined when items go through the state file. */
  directSink: Sink | undefined;
  /** Writes what is committed but not yet exported, and closes everything. */
  close(): Promise<void>;
}

const exportEveryMs = 1000;

export async function openCrawlStorage(
  options: ResolvedOptions,
  spider: string,
  events: CrawlEmitter,
): Promise<CrawlStorage> {
  const sinkOptions = {
    name: spider,
    ...(options.upsertKey ? { upsertKey: options.upsertKey } : {}),
    onWarning: (message: string) => events.emit('crawl:warning', { message }),
  };
  if (!options.state) {
    const sink = await openOutput(options.output, sinkOptions);
    return { frontier: new MemoryFrontier(), directSink: sink, close: async () => {} };
  }
  // Loaded only for state files, so a memory crawl never loads better-sqlite3.
  const { SqliteFrontier } = await import('../state/index.js');
  const frontier = SqliteFrontier.open(options.state, spider, { retryFailed: options.retryFailed });
  const counts = frontier.counts();
  if (counts.done + counts.queued + counts.failed > 0) {
    events.emit('crawl:warning', {
      message: `resuming from ${options.state}: ${counts.done} done, ${counts.queued} queued, ${counts.failed} failed, ${counts.items} items`,
    });
  }
  let sink: Sink | undefined;
  let exporter: ItemExport | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (options.output !== undefined) {
    try {
      sink =
        typeof options.output === 'string'
          ? openSink(options.output, { append: true })
          : options.output;
      const target = typeof options.output === 'string' ? options.output : 'sink';
      exporter = new ItemExport(frontier, sink, target, outputFile(options.output));
      // Before the sink opens the file: cut it back to what the state says was exported.
      await exporter.prepare();
      await openChecked(sink);
    } catch (error) {
      frontier.close();
      throw error;
    }
    const run = exporter;
    timer = setInterval(() => {
      run.run().catch((error: unknown) => {
        events.emit('crawl:warning', {
          message: `cannot export items: ${(error as Error).message}`,
        });
      });
    }, exportEveryMs);
    timer.unref();
  }
  return {
    frontier,
    directSink: undefined,
    async close() {
      if (timer) clearInterval(timer);
      try {
        await exporter?.run();
      } finally {
        await sink?.close().catch(() => {});
        frontier.close();
      }
    },
  };
}

async function openOutput(
  output: string | Sink | undefined,
  options: OpenSinkOptions,
): Promise<Sink | undefined> {
  if (output === undefined) return undefined;
  const sink = typeof output === 'string' ? openSink(output, options) : output;
  await openChecked(sink);
  return sink;
}

async function openChecked(sink: Sink): Promise<void> {
  try {
    await sink.open();
  } catch (error) {
    throw error instanceof StorageError
      ? error
      : new StorageError((error as Error).message, { cause: error });
  }
}

/** The file a string output writes, when it is a plain path (not stdout, not a database URI). */
function outputFile(output: string | Sink | undefined): string | undefined {
  if (typeof output !== 'string' || output === '-' || /^[a-z][a-z0-9+.-]*:/i.test(output))
    return undefined;
  return output;
}
