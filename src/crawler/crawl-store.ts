/**
 * Where a crawl keeps its requests and how its items reach the output. The frontier comes from the options (an
 * object, a location opened by a registered backend, a state file, or memory). Items always take one path:
 * committed with the request's progress (in the frontier's own store, or in memory for frontiers without one),
 * then exported to the sink past a high-water mark.
 */
import { extname } from 'node:path';
import { ConfigError, OutputClosedError, StorageError } from '../errors.js';
import {
  type FeedOptions,
  type FeedSpec,
  feedSpec,
  parseFeedTarget,
  type RotateOptions,
} from '../storage/feed.js';
import { FieldsSink } from '../storage/fields-sink.js';
import { type OpenSinkOptions, openSink } from '../storage/open-sink.js';
import { expandOutputPath, type OutputNames } from '../storage/output-path.js';
import { remoteOutput } from '../storage/remote-store.js';
import { RotatingSink } from '../storage/rotating-sink.js';
import type { Sink } from '../storage/sink.js';
import type { Frontier } from './frontier.js';
import type { FrontierContext, FrontierRegistry } from './frontier-registry.js';
import { type BufferReader, ItemBuffer, withItemBuffer } from './item-buffer.js';
import { type FirstOpen, ItemExport, type ItemSource, recordedTarget } from './item-export.js';
import { sshSettings } from './ssh-settings.js';

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
  let feeds: FeedPlan;
  try {
    feeds = planFeeds(options);
  } catch (error) {
    await closeFrontier();
    throw error;
  }
  let buffer: ItemBuffer | undefined;
  if (!source && feeds.length > 0) {
    buffer = new ItemBuffer(bufferHighWater, () => exporter?.runSoon());
    frontier = withItemBuffer(opened, buffer);
    source = buffer;
  }
  const sinkOptions: OpenSinkOptions = {
    name: spider,
    ...(options.upsertKey ? { upsertKey: options.upsertKey } : {}),
    onWarning: warn,
    remote: { ssh: sshSettings(options) },
  };
  try {
    exporter =
      source && feeds.length > 0
        ? await startExports(source, buffer, feeds, {
            sinkOptions,
            names: { spider, time: new Date() },
            onFailure: onExportFailure,
            warn,
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

/** The outputs of a crawl: a caller's Sink, or feeds named by strings. */
type FeedPlan = readonly Sink[] | readonly FeedSpec[];

/**
 * Every output the options name: `output` (a string, a list of strings or a Sink), `overwriteOutput`, and `feeds`;
 * each string may carry options in the compact form (`items.csv:fields=a,b`). `rotateItems`/`rotateSize` apply
 * to every file output that has no rotation of its own.
 */
function planFeeds(options: FrontierContext['options']): FeedPlan {
  const { output, overwriteOutput, feeds } = options;
  if (output !== undefined && typeof output === 'object' && !Array.isArray(output)) {
    if (feeds !== undefined) throw new ConfigError('a Sink output cannot be combined with feeds');
    return [output as Sink];
  }
  const given: Array<{ text: string; overwrite: boolean; options?: FeedOptions }> = [];
  const outputs = output === undefined ? [] : typeof output === 'string' ? [output] : output;
  for (const text of outputs as readonly unknown[]) {
    if (typeof text !== 'string')
      throw new ConfigError('output must be a string, a list of strings or a Sink');
    given.push({ text, overwrite: false });
  }
  if (overwriteOutput !== undefined) given.push({ text: overwriteOutput, overwrite: true });
  for (const [text, feedOptions] of Object.entries(feeds ?? {})) {
    if (typeof feedOptions !== 'object' || feedOptions === null)
      throw new ConfigError(`feeds["${text}"] must be an object of feed options`);
    given.push({ text, overwrite: false, options: feedOptions });
  }
  const globalRotate = rotationOf(options.rotateItems, options.rotateSize);
  const specs: FeedSpec[] = [];
  for (const { text, overwrite, options: objectOptions } of given) {
    const { target, options: inline } = parseFeedTarget(text);
    const merged: FeedOptions = { ...inline, ...objectOptions };
    if (merged.rotate === undefined && globalRotate && outputFile(target) !== undefined)
      merged.rotate = globalRotate;
    const spec = feedSpec(target, merged, overwrite);
    if (specs.some((other) => other.output === spec.output))
      throw new ConfigError(`output "${spec.output}" is given twice`);
    specs.push(spec);
  }
  return specs;
}

function rotationOf(
  items: number | undefined,
  size: string | undefined,
): RotateOptions | undefined {
  if (items === undefined && size === undefined) return undefined;
  return {
    ...(items !== undefined ? { items } : {}),
    ...(size !== undefined ? { bytes: size } : {}),
  };
}

interface Export {
  runSoon(): void;
  close(): Promise<void>;
}

interface ExportSettings {
  sinkOptions: OpenSinkOptions;
  names: OutputNames;
  onFailure: (error: Error) => void;
  warn: (message: string) => void;
}

/** One output's export: `failed` once its writes failed (the other outputs go on). */
interface FeedExport extends Export {
  readonly name: string;
}

/**
 * Opens every output and exports the committed items to each, every second and once more at close. Each output
 * has its own export (and its own mark in a state file), so an output that fails (a full disk) stops only itself:
 * it is reported by name, the others keep every item, and the crawl ends with its error once they are done.
 * With a single output, its failure stops the crawl at once, as before.
 */
async function startExports(
  source: ItemSource,
  buffer: ItemBuffer | undefined,
  feeds: FeedPlan,
  settings: ExportSettings,
): Promise<Export> {
  const single = feeds.length === 1;
  const failures: Error[] = [];
  const started: FeedExport[] = [];
  let healthy = feeds.length;
  /** Set once the crawl was stopped with a failure: it is not thrown again at close. */
  let stopped = false;
  const failed = (name: string, error: Error, reader: BufferReader | undefined): void => {
    reader?.detach();
    healthy--;
    failures.push(error);
    if (single || healthy === 0) {
      stopped = true;
      settings.onFailure(error);
    } else settings.warn(`output ${name} failed, the other outputs go on: ${error.message}`);
  };
  try {
    for (const feed of feeds) {
      const reader = buffer && !single ? buffer.reader() : undefined;
      const onFailure = (name: string, error: Error) => failed(name, error, reader);
      started.push(await startExport(reader ?? source, feed, settings, onFailure));
    }
  } catch (error) {
    await Promise.all(started.map((one) => one.close().catch(() => {})));
    throw error;
  }
  return {
    runSoon() {
      for (const one of started) one.runSoon();
    },
    async close() {
      // Every output finishes its last export and closes, whatever the others do.
      const results = await Promise.allSettled(started.map((one) => one.close()));
      if (single) {
        const [result] = results;
        if (result?.status === 'rejected') throw result.reason;
        return;
      }
      results.forEach((result, i) => {
        if (result.status !== 'rejected') return;
        const failure = asStorageError(result.reason);
        failures.push(failure);
        settings.warn(`output ${started[i]?.name} failed: ${failure.message}`);
      });
      // Several outputs: the crawl went on past a failed one; it ends with that output's error, after the others.
      const failure = failures[0];
      if (failure && !stopped) throw failure;
    },
  };
}

/** Opens one output and exports the source's committed items to it. */
async function startExport(
  source: ItemSource,
  feed: Sink | FeedSpec,
  { sinkOptions, names }: ExportSettings,
  onFailure: (name: string, error: Error) => void,
): Promise<FeedExport> {
  const opened = isSink(feed)
    ? { sink: feed, name: 'sink', file: undefined, target: undefined, firstOpen: 'append' as const }
    : await openFeed(source, feed, sinkOptions, names);
  const { sink, name } = opened;
  const exporter = new ItemExport(source, sink, name, opened.file, opened.target);
  // Before the sink opens the file: cut it back to what the store says was exported.
  await exporter.prepare(opened.firstOpen);
  await openChecked(sink);
  let failed = false;
  const run = () =>
    exporter.run().catch((error: unknown) => {
      if (failed) return;
      failed = true;
      onFailure(opened.target ?? name, asStorageError(error));
    });
  const timer = setInterval(run, exportEveryMs);
  timer.unref();
  // One early export at a time: a full buffer asks on every push until the export has run.
  let early = false;
  return {
    name: opened.target ?? name,
    runSoon() {
      if (early || failed) return;
      early = true;
      void run().finally(() => {
        early = false;
      });
    },
    async close() {
      clearInterval(timer);
      try {
        if (!failed) await exporter.run();
      } catch (error) {
        await sink.close().catch(() => {});
        // An export already running at close failed first: its failure has been reported.
        if (!failed) throw error;
        return;
      }
      // A healthy export's close finishes its output (a remote one uploads there): a failure is the crawl's.
      if (failed) await sink.close().catch(() => {});
      else await sink.close().catch((error: unknown) => Promise.reject(asStorageError(error)));
    },
  };
}

interface OpenedFeed {
  sink: Sink;
  /** The export's name in the store: the output as given (placeholders included). */
  name: string;
  /** The file ItemExport keeps exactly-once by cutting back; undefined where the sink manages its files. */
  file: string | undefined;
  target: string | undefined;
  firstOpen: FirstOpen;
}

/** Builds the sink of a feed: its format, its rotation into parts, and its field list. */
async function openFeed(
  source: ItemSource,
  feed: FeedSpec,
  sinkOptions: OpenSinkOptions,
  names: OutputNames,
): Promise<OpenedFeed> {
  const name = feed.output;
  // A resumed crawl goes on with the file its first run opened, whatever {time} says now.
  const recorded = await recordedTarget(source, name);
  const target = recorded ?? expandOutputPath(name, names);
  const format = feed.format;
  // A database named by `format` only (`export.dat:format=sqlite`) is no file to cut back.
  const database = format !== undefined && /^(sqlite3?|db)$/i.test(format);
  const file = database ? undefined : outputFile(target);
  const remote = remoteOutput.test(target);
  if (remote && recorded !== undefined)
    throw new ConfigError(
      `output "${name}": a remote output is uploaded whole at the end of a crawl, so a crawl writing one cannot be resumed; ` +
        'resume it with a local output, or start afresh',
    );
  if (feed.overwrite && target !== '-' && file === undefined && !remote) {
    throw new ConfigError(
      `overwriteOutput (-O) replaces a file, but "${target}" is a database: use output (-o), which adds ` +
        'rows (or updates them with --upsert-key)',
    );
  }
  if (!feed.rotate && target.includes('{part}'))
    throw new ConfigError(`output "${name}": {part} needs rotation (rotate, --rotate-items N)`);
  const parquet = (format ?? extname(target)).toLowerCase().replace(/^\./, '') === 'parquet';
  const partOptions = (append: boolean): OpenSinkOptions => ({
    ...sinkOptions,
    append,
    ...(format !== undefined ? { format } : {}),
  });
  // A resumed crawl (its mark recorded a target) must keep what its earlier runs wrote.
  const resumed = recorded !== undefined;
  if (parquet && resumed)
    throw new ConfigError(
      `output "${name}": a Parquet file is written whole, so a crawl writing one cannot be resumed; ` +
        'resume it without this output, or start afresh',
    );
  let sink: Sink;
  if (feed.rotate) {
    if (file === undefined)
      throw new ConfigError(`output "${name}": rotation needs a file output, not "${target}"`);
    if (parquet && feed.rotate.bytes !== undefined)
      throw new ConfigError(
        `output "${name}": a Parquet file reaches the disk a row group at a time, so it rotates by items only`,
      );
    sink = new RotatingSink(
      target,
      (path) => openSink(path, partOptions(false)),
      feed.rotate,
      feed.overwrite && !resumed,
    );
  } else {
    // A Parquet file is replaced whole or refused (-o on an existing one): it cannot be cut back and continued.
    // So is a remote file, which is fetched first only to be added to.
    sink = openSink(target, partOptions(parquet || remote ? !feed.overwrite : true));
  }
  if (feed.fields) sink = new FieldsSink(sink, feed.fields);
  // Rotated parts and Parquet files are whole files of their own: ItemExport does not cut them back.
  const managed = feed.rotate !== undefined || parquet;
  return {
    sink,
    name,
    file: managed ? undefined : file,
    target,
    firstOpen: feed.overwrite && !managed ? 'overwrite' : 'append',
  };
}

function isSink(feed: Sink | FeedSpec): feed is Sink {
  return typeof (feed as Sink).write === 'function';
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
