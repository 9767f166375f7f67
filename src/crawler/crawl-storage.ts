/**
 * Where a crawl keeps its frontier and how its items reach the sink: in memory with direct writes; or in a state
 * file (SQLite) or a shared frontier (Redis) that commits items with each request's progress, from which they are
 * exported to the sink past a high-water mark (exactly once).
 */
import { ConfigError, StorageError } from '../errors.js';
import { type OpenSinkOptions, openSink } from '../storage/open-sink.js';
import type { Sink } from '../storage/sink.js';
import type { CrawlEmitter } from './events.js';
import { type Frontier, MemoryFrontier } from './frontier.js';
import { ItemExport, type ItemSource } from './item-export.js';
import type { ResolvedOptions } from './options.js';
import type { StatsCollector } from './stats.js';

export interface CrawlStorage {
  frontier: Frontier;
  /** The sink the item writer feeds directly; undefined when items go through the frontier. */
  directSink: Sink | undefined;
  /** A shared crawl already finished by other workers: there is nothing to do. */
  alreadyFinished: boolean;
  /** Writes what is committed but not yet exported, and closes everything. */
  close(): Promise<void>;
}

const exportEveryMs = 1000;

export async function openCrawlStorage(
  options: ResolvedOptions,
  spider: string,
  events: CrawlEmitter,
  stats: StatsCollector,
): Promise<CrawlStorage> {
  const sinkOptions: OpenSinkOptions = {
    name: spider,
    ...(options.upsertKey ? { upsertKey: options.upsertKey } : {}),
    onWarning: (message: string) => events.emit('crawl:warning', { message }),
  };
  const warn = (message: string) => events.emit('crawl:warning', { message });
  if (options.frontier) return openShared(options, spider, sinkOptions, warn, stats);
  if (!options.state) {
    const sink = await openOutput(options.output, sinkOptions);
    return {
      frontier: new MemoryFrontier(),
      directSink: sink,
      alreadyFinished: false,
      close: async () => {},
    };
  }
  // Loaded only for state files, so a memory crawl never loads better-sqlite3.
  const { SqliteFrontier } = await import('../state/index.js');
  const frontier = SqliteFrontier.open(options.state, spider, { retryFailed: options.retryFailed });
  const counts = frontier.counts();
  if (counts.done + counts.queued + counts.failed > 0) {
    warn(
      `resuming from ${options.state}: ${counts.done} done, ${counts.queued} queued, ${counts.failed} failed, ${counts.items} items`,
    );
  }
  const output = await startExport(frontier, options.output, sinkOptions, warn).catch(
    (error: unknown) => {
      frontier.close();
      throw error;
    },
  );
  return {
    frontier,
    directSink: undefined,
    alreadyFinished: false,
    async close() {
      try {
        await output.close();
      } finally {
        frontier.close();
      }
    },
  };
}

async function openShared(
  options: ResolvedOptions,
  spider: string,
  sinkOptions: OpenSinkOptions,
  warn: (message: string) => void,
  stats: StatsCollector,
): Promise<CrawlStorage> {
  // Loaded only for shared crawls, so other crawls never load the Redis client.
  const { connectRedis, publishStats, RedisFrontier } = await import('../distributed/index.js');
  const client = await connectRedis(options.frontier as string, { onOutage: warn });
  const crawlId = options.crawlId ?? spider;
  let frontier: InstanceType<typeof RedisFrontier>;
  try {
    frontier = new RedisFrontier(client, {
      crawlId,
      perHost: options.perHost,
      delayMs: options.delayMs,
    });
  } catch (error) {
    await client.quit();
    throw new ConfigError((error as Error).message, { cause: error });
  }
  const owner = await frontier.claim(spider);
  if (owner !== spider) {
    await client.quit();
    throw new ConfigError(
      `crawl "${crawlId}" in ${options.frontier} belongs to spider "${owner}", not "${spider}"`,
    );
  }
  const alreadyFinished = await frontier.isFinished();
  const publisher = publishStats(client, frontier.prefix, frontier.workerId, stats);
  await publisher.publish(); // the first heartbeat: this worker is alive from now on
  const timer = setInterval(() => publisher.publish().catch(() => {}), 1000);
  timer.unref();
  const output = alreadyFinished
    ? undefined
    : await startExport(frontier, options.output, sinkOptions, warn).catch(
        async (error: unknown) => {
          clearInterval(timer);
          await client.quit();
          throw error;
        },
      );
  return {
    frontier,
    directSink: undefined,
    alreadyFinished,
    async close() {
      clearInterval(timer);
      try {
        await output?.close();
        await publisher.close();
      } finally {
        await frontier.close();
        await client.quit().catch(() => {});
      }
    },
  };
}

/** Opens the output and exports the source's committed items to it every second, and once more at close. */
async function startExport(
  source: ItemSource,
  output: string | Sink | undefined,
  sinkOptions: OpenSinkOptions,
  warn: (message: string) => void,
): Promise<{ close(): Promise<void> }> {
  if (output === undefined) return { close: async () => {} };
  const sink =
    typeof output === 'string' ? openSink(output, { ...sinkOptions, append: true }) : output;
  const exporter = new ItemExport(
    source,
    sink,
    typeof output === 'string' ? output : 'sink',
    outputFile(output),
  );
  // Before the sink opens the file: cut it back to what the store says was exported.
  await exporter.prepare();
  await openChecked(sink);
  const timer = setInterval(() => {
    exporter
      .run()
      .catch((error: unknown) => warn(`cannot export items: ${(error as Error).message}`));
  }, exportEveryMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      try {
        await exporter.run();
      } finally {
        await sink.close().catch(() => {});
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
