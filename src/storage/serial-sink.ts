/** The lifecycle every file sink shares: open once, operations run one at a time in call order, close is idempotent. */
import { StorageError } from '../errors.js';
import { toStorageError } from './file-output.js';
import type { Item, Sink } from './sink.js';

type State = 'new' | 'open' | 'closed';

/**
 * Base for sinks over one output. Subclasses implement the four steps; this class guarantees that they never
 * overlap (a `write` called before the previous one settled waits its turn, so items keep their order), that every
 * error is a StorageError naming the output, and that a failure is sticky: after a failed open or write, later
 * writes reject with the same error instead of appending to an output that may be damaged.
 */
export abstract class SerialSink implements Sink {
  #state: State = 'new';
  #queue: Promise<void> = Promise.resolve();
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #failure: StorageError | undefined;

  /** Names the output in error messages: a path, or "stdout". */
  protected abstract readonly target: string;
  protected abstract openOutput(): Promise<void>;
  /** Called with a non-empty batch only. */
  protected abstract writeBatch(items: readonly Item[]): Promise<void>;
  protected abstract flushOutput(): Promise<void>;
  /** Releases the output; also called after a failed open, so it must cope with a half-opened output. */
  protected abstract closeOutput(): Promise<void>;

  /** Fails (with a StorageError naming the path) if the output cannot be written. Calling it again is a no-op. */
  open(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(this.#misuse('the sink is closed'));
    this.#state = 'open';
    this.#opening ??= this.#enqueue(() => this.openOutput());
    return this.#opening;
  }

  write(items: readonly Item[]): Promise<void> {
    if (this.#state !== 'open') {
      const why =
        this.#state === 'new' ? 'the sink is not open (call open() first)' : 'the sink is closed';
      return Promise.reject(this.#misuse(why));
    }
    return this.#enqueue(() => (items.length > 0 ? this.writeBatch(items) : Promise.resolve()));
  }

  /** Makes every item written so far durable. A no-op before open and after close. */
  flush(): Promise<void> {
    if (this.#state !== 'open') return Promise.resolve();
    return this.#enqueue(() => this.flushOutput());
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
      if (!this.#failure) await this.flushOutput();
    } catch (error) {
      throw toStorageError(this.target, error);
    } finally {
      await this.closeOutput().catch((error: unknown) => {
        throw toStorageError(this.target, error);
      });
    }
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#failure) throw this.#failure;
      try {
        await task();
      } catch (error) {
        this.#failure = toStorageError(this.target, error);
        throw this.#failure;
      }
    };
    const result = this.#queue.then(run);
    // The caller of each operation sees its error; the queue itself must keep going.
    this.#queue = result.catch(() => {});
    return result;
  }

  #misuse(why: string): StorageError {
    return new StorageError(`cannot write items to ${this.target}: ${why}`);
  }
}
