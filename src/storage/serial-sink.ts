/** The lifecycle every sink shares: open once, operations run one at a time in call order, close is idempotent. */
import { type OutputClosedError, StorageError } from '../errors.js';
import { toStorageError } from './file-output.js';
import type { Item, Sink } from './sink.js';

type State = 'new' | 'open' | 'closed';

/**
 * Base for sinks over one output (a file, a stream, a database table). Subclasses implement the steps; this class
 * guarantees that they never overlap (a `write` called before the previous one settled waits its turn, so items
 * keep their order) and that every error is a StorageError naming the output. A failed open is sticky: later
 * writes reject with the same error. Whether a failed write is sticky too is {@link stickyWriteFailures}.
 */
export abstract class SerialSink implements Sink {
  #state: State = 'new';
  #queue: Promise<void> = Promise.resolve();
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #failure: StorageError | OutputClosedError | undefined;

  /**
   * True where a failed write may leave the output damaged (a file with half a batch appended): later writes
   * reject with the same error instead of adding to it. A database sets it to false, since it rolls a failed
   * batch back whole and can take the next one.
   */
  protected readonly stickyWriteFailures: boolean = true;

  /** Names the output in error messages: a path, "stdout", or a table and its database. */
  protected abstract readonly target: string;
  protected abstract openOutput(): Promise<void>;
  /** Called with a non-empty batch only. */
  protected abstract writeBatch(items: readonly Item[]): Promise<void>;
  /**
   * Makes what was written durable. A sink without it (every write commits on its own) has nothing to flush:
   * its `flush` only waits for the operations called before it.
   */
  protected flushOutput?(): Promise<void>;
  /** Releases the output; also called after a failed open, so it must cope with a half-opened output. */
  protected abstract closeOutput(): Promise<void>;

  /** The one-line StorageError a caller sees for an error of a step; `batch` is set for a failed write. */
  protected asStorageError(
    error: unknown,
    _batch?: readonly Item[],
  ): StorageError | OutputClosedError {
    return toStorageError(this.target, error);
  }

  /** Fails (with a StorageError naming the output) if it cannot be written. Calling it again is a no-op. */
  open(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(this.#misuse('the sink is closed'));
    this.#state = 'open';
    this.#opening ??= this.#enqueue(() => this.#attempt(() => this.openOutput(), true));
    return this.#opening;
  }

  write(items: readonly Item[]): Promise<void> {
    if (this.#state !== 'open') {
      const why =
        this.#state === 'new' ? 'the sink is not open (call open() first)' : 'the sink is closed';
      return Promise.reject(this.#misuse(why));
    }
    const step = (): Promise<void> =>
      items.length > 0 ? this.writeBatch(items) : Promise.resolve();
    return this.#enqueue(() => this.#attempt(step, this.stickyWriteFailures, items));
  }

  /** Makes every item written so far durable. A no-op before open and after close. */
  flush(): Promise<void> {
    if (this.#state !== 'open') return Promise.resolve();
    return this.#enqueue(async () => {
      if (this.flushOutput) await this.#attempt(() => this.#flushStep(), this.stickyWriteFailures);
    });
  }

  /** Waits for pending writes, flushes and releases the output. Safe to call more than once. */
  close(): Promise<void> {
    if (!this.#closing) {
      const wasOpen = this.#state === 'open';
      this.#state = 'closed';
      this.#closing = wasOpen ? this.#queue.then(() => this.#finish()) : Promise.resolve();
    }
    return this.#closing;
  }

  async #finish(): Promise<void> {
    try {
      if (!this.#failure) await this.#flushStep();
    } catch (error) {
      throw this.asStorageError(error);
    } finally {
      await this.closeOutput().catch((error: unknown) => {
        throw this.asStorageError(error);
      });
    }
  }

  async #flushStep(): Promise<void> {
    await this.flushOutput?.();
  }

  /** Runs a step unless an earlier failure is sticky; records its own failure when `sticky`. */
  async #attempt(
    step: () => Promise<void>,
    sticky: boolean,
    batch?: readonly Item[],
  ): Promise<void> {
    if (this.#failure) throw this.#failure;
    try {
      await step();
    } catch (error) {
      const failure = this.asStorageError(error, batch);
      if (sticky) this.#failure = failure;
      throw failure;
    }
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
