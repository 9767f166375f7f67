/**
 * Where a crawl keeps its requests and how its items reach the output. The frontier comes from the options (an
 * object, a location opened by a registered backend, a state file, or memory). Items always take one path:
 * committed with the request's progress (in the frontier's own store, or in memory for frontiers without one),
 * then exported to the sink past a high-water mark.
 */
import { ConfigError, OutputClosedError, StorageError } from '../errors.js';
import { type OpenSinkOptions, openSink } from '../storage/open-sink.js';
import { expandOutputPath, type OutputNames } from '../storage/output-path.js';
import type { Sink } from '../storage/sink.js';
import type { Frontier } from './frontier.js';
import type { FrontierContext, FrontierRegistry } from './frontier-registry.js';
import { ItemBuffer, withItemBuffer } from './item-buffer.js';
import { type FirstOpen, ItemExport, type ItemSource, recordedTarget } from './item-export.js';

export interface CrawlStore {
  /** The frontier the scheduler works on, items included. */
  frontier: Frontier;
  /** Writes what is committed but not yet exported, and closes what the store opened. */
  close(): Promise<void>;
}

const exportEveryMs = 1000;
/** Items held in memory before an export runs without waiting for the timer. */
const bufferHighWater = 500;

export interface StoreParts {
  registry: FrontierRegistry;
  context: FrontierContext;
  /** Called when writing items fails: the crawl stops (the items stay in a persistent frontier). */
  onExportFailure: (error: Error) => void;
}

export async function openCrawlStore({
  registry,
  context,
  onExportFailure,
}: StoreParts): Promise<CrawlStore> {
  const { options, spider, warn } = context;
  const given = options.frontier;
  const location =
    typeof given === 'string' ? given : options.state ? `sqlite:${options.state}` : 'memory:';
  const opened = typeof given === 'object' ? given : await registry.open(location, context);
  // A frontier the caller passed in is theirs to close.
  const closeFrontier = async () => {
    if (opened !== given) await opened.close();
  };
  if (opened.shared?.finishedBefore) {
    warn(`crawl "${options.crawlId ?? spider}" is already finished`);
    return { frontier: opened, close: closeFrontier };
  }
  let exporter: Export | undefined;
  let frontier = opened;
  let source = opened.items;
  const output = options.overwriteOutput ?? options.output;
  if (!source && output !== undefined) {
    const buffer = new ItemBuffer(bufferHighWater, () => exporter?.runSoon());
    frontier = withItemBuffer(opened, buffer);
    source = buffer;
  }
  const sinkOptions: OpenSinkOptions = {
    name: spider,
    ...(options.upsertKey ? { upsertKey: options.upsertKey } : {}),
    onWarning: warn,
  };
  try {
    exporter =
      source && output !== undefined
        ? await startExport(source, output, {
            sinkOptions,
            firstOpen: options.overwriteOutput === undefined ? 'append' : 'overwrite',
            names: { spider, time: new Date() },
            onFailure: onExportFailure,
          })
        : undefined;
  } catch (error) {
    await closeFrontier();
    throw error;
  }
  return {
    frontier,
    async close() {
      try {
        await exporter?.close();
      } finally {
        await closeFrontier();
      }
    },
  };
}

interface Export {
  runSoon(): void;
  close(): Promise<void>;
}

interface ExportSettings {
  sinkOptions: OpenSinkOptions;
  /** An existing file on a crawl's first run: added to (-o) or replaced (-O). */
  firstOpen: FirstOpen;
  names: OutputNames;
  onFailure: (error: Error) => void;
}

/** Opens the output and exports the source's committed items to it every second, and once more at close. */
async function startExport(
  source: ItemSource,
  output: string | Sink,
  { sinkOptions, firstOpen, names, onFailure }: ExportSettings,
): Promise<Export> {
  // A resumed crawl goes on with the file its first run opened, whatever {time} says now.
  const target =
    typeof output === 'string'
      ? ((await recordedTarget(source, output)) ?? expandOutputPath(output, names))
      : undefined;
  if (firstOpen === 'overwrite' && target !== undefined && target !== '-' && !outputFile(target)) {
    throw new ConfigError(
      `overwriteOutput (-O) replaces a file, but "${target}" is a database: use output (-o), which adds ` +
        'rows (or updates them with --upsert-key)',
    );
  }
  const sink =
    target === undefined ? (output as Sink) : openSink(target, { ...sinkOptions, append: true });
  const exporter = new ItemExport(
    source,
    sink,
    typeof output === 'string' ? output : 'sink',
    target === undefined ? undefined : outputFile(target),
    target,
  );
  // Before the sink opens the file: cut it back to what the store says was exported.
  await exporter.prepare(firstOpen);
  await openChecked(sink);
  let failed = false;
  const run = () =>
    exporter.run().catch((error: unknown) => {
      if (failed) return;
      failed = true;
      onFailure(asStorageError(error));
    });
  const timer = setInterval(run, exportEveryMs);
  timer.unref();
  // One early export at a time: a full buffer asks on every push until the export has run.
  let early = false;
  return {
    runSoon() {
      if (early) return;
      early = true;
      void run().finally(() => {
        early = false;
      });
    },
    async close() {
      clearInterval(timer);
      try {
        if (!failed) await exporter.run();
      } finally {
        await sink.close().catch(() => {});
      }
    },
  };
}

async function openChecked(sink: Sink): Promise<void> {
  try {
    await sink.open();
  } catch (error) {
    throw asStorageError(error);
  }
}

function asStorageError(error: unknown): Error {
  if (
    error instanceof StorageError ||
    error instanceof ConfigError ||
    error instanceof OutputClosedError
  )
    return error;
  return new StorageError(`cannot write items: ${(error as Error).message}`, { cause: error });
}

/** The file a string output writes, when it is a plain path (not stdout, not a database). */
function outputFile(output: string): string | undefined {
  if (output === '-' || /^[a-z][a-z0-9+.-]*:/i.test(output) || /\.(sqlite3?|db)$/i.test(output))
    return undefined;
  return output;
}
