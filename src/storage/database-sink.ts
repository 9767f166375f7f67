/** The lifecycle the database sinks share: operations in call order, one transaction per batch, failures not sticky. */
import { StorageError } from '../errors.js';
import type { Item, Sink } from './sink.js';

type State = 'new' | 'open' | 'closed';

/**
 * Base for sinks over a database. Like {@link SerialSink}, operations never overlap (a `write` waits for the one
 * before it, so rows keep the call order) and every error is a one-line StorageError naming the table. Unlike a
 * file, a database rolls a failed batch back whole, so a failed `write` leaves nothing half-written and later
 * batches are still accepted; only a failed `open` is sticky.
 */
export abstract class DatabaseSink implements Sink {
  #state: State = 'new';
  #queue: Promise<void> = Promise.resolve();
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #openFailure: StorageError | undefined;

  /** Names the table and the database in error messages, e.g. `SQLite table "items" in /data/items.db`. */
  protected abstract readonly target: string;
  protected abstract connect(): Promise<void>;
  /** Called with a non-empty batch only; writes all of it in one transaction, or none of it. */
  protected abstract writeBatch(items: readonly Item[]): Promise<void>;
  /** Also called after a failed connect, so it must cope with a half-made connection. */
  protected abstract disconnect(): Promise<void>;

  /** Connects and reads the table's columns if it exists; fails with a StorageError. Calling it again is a no-op. */
  open(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(this.#misuse('the sink is closed'));
    this.#state = 'open';
    this.#opening ??= this.#enqueue(async () => {
      try {
        await this.connect();
      } catch (error) {
        this.#openFailure = databaseError(this.target, error);
        await this.disconnect().catch(() => {});
        throw this.#openFailure;
      }
    });
    return this.#opening;
  }

  /** Commits the batch before resolving. A rejected batch was rolled back whole; the sink stays usable. */
  write(items: readonly Item[]): Promise<void> {
    if (this.#state !== 'open') {
      const why =
        this.#state === 'new' ? 'the sink is not open (call open() first)' : 'the sink is closed';
      return Promise.reject(this.#misuse(why));
    }
    return this.#enqueue(async () => {
      if (this.#openFailure) throw this.#openFailure;
      if (items.length === 0) return;
      try {
        await this.writeBatch(items);
      } catch (error) {
        const count = items.length === 1 ? '1 item' : `${items.length} items`;
        throw databaseError(this.target, error, ` (the batch of ${count} was rolled back)`);
      }
    });
  }

  /** Every write commits on its own, so this only waits for the writes called before it. */
  flush(): Promise<void> {
    if (this.#state !== 'open') return Promise.resolve();
    return this.#enqueue(async () => {});
  }

  /** Waits for pending writes and disconnects. Safe to call more than once. */
  close(): Promise<void> {
    if (!this.#closing) {
      const wasOpen = this.#state === 'open';
      this.#state = 'closed';
      this.#closing = wasOpen
        ? this.#queue.then(() =>
            this.disconnect().catch((error: unknown) => {
              throw databaseError(this.target, error);
            }),
          )
        : Promise.resolve();
    }
    return this.#closing;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(task);
    // The caller of each operation sees its error; the queue itself must keep going.
    this.#queue = result.catch(() => {});
    return result;
  }

  #misuse(why: string): StorageError {
    return new StorageError(`cannot write items to ${this.target}: ${why}`);
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
