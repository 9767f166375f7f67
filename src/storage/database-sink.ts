/** The lifecycle of the database sinks: SerialSink's, with one transaction per batch and failed writes not sticky. */
import { StorageError } from '../errors.js';
import { SerialSink } from './serial-sink.js';
import type { Item } from './sink.js';

/**
 * Base for sinks over a database: the {@link SerialSink} lifecycle (operations in call order, one-line
 * StorageErrors naming the table). Unlike a file, a database rolls a failed batch back whole, so a failed `write`
 * leaves nothing half-written and later batches are still accepted; only a failed `open` is sticky. Every write
 * commits on its own, so `flush` only waits for the writes called before it.
 */
export abstract class DatabaseSink extends SerialSink {
  protected override readonly stickyWriteFailures = false;

  /** Names the table and the database in error messages, e.g. `SQLite table "items" in /data/items.db`. */
  protected abstract override readonly target: string;
  /** Connects and reads the table's columns if it exists. */
  protected abstract connect(): Promise<void>;
  /** Called with a non-empty batch only; writes all of it in one transaction, or none of it. */
  protected abstract override writeBatch(items: readonly Item[]): Promise<void>;
  /** Also called after a failed connect, so it must cope with a half-made connection. */
  protected abstract disconnect(): Promise<void>;

  protected async openOutput(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      // Released at once rather than at close(), which a caller may never call after a failed open.
      await this.disconnect().catch(() => {});
      throw error;
    }
  }

  protected closeOutput(): Promise<void> {
    return this.disconnect();
  }

  protected override asStorageError(error: unknown, batch?: readonly Item[]): StorageError {
    if (!batch) return databaseError(this.target, error);
    const count = batch.length === 1 ? '1 item' : `${batch.length} items`;
    return databaseError(this.target, error, ` (the batch of ${count} was rolled back)`);
  }
}

/** `cannot write items to <target>: <cause><suffix>` on one line; the driver's error is the `cause`. */
export function databaseError(target: string, error: unknown, suffix = ''): StorageError {
  if (error instanceof StorageError) return error;
  return new StorageError(`cannot write items to ${target}: ${describeCause(error)}${suffix}`, {
    cause: error,
  });
}

function describeCause(error: unknown): string {
  // Node reports a refused connection to a name with several addresses as an AggregateError with no message.
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) {
    return describeCause(error.errors[0]);
  }
  if (!(error instanceof Error)) return oneLine(String(error));
  const code = (error as { code?: unknown }).code;
  return oneLine(error.message || (typeof code === 'string' ? code : error.name));
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
