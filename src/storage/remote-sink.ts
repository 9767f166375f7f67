/**
 * An output on a server (`-o sftp://user@host/path/items.jsonl`, `-o ftp://…`): items are written to a local file
 * in the target's format as usual, and at close that file is uploaded and renamed over the target. A failed upload
 * is retried, each failure reported; the last one fails the output with a RemoteOutputError naming the local copy,
 * which is kept: the items are never silently lost.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthError,
  ConfigError,
  HostKeyError,
  RemoteOutputError,
  StorageError,
} from '../errors.js';
import { redactUrl } from '../url/redact-url.js';
import { type RemoteOptions, type RemoteStore, remoteStore } from './remote-store.js';
import type { Item, Sink } from './sink.js';

const defaultRetryDelaysMs = [1000, 4000];

export class RemoteSink implements Sink {
  readonly #url: URL;
  readonly #shown: string;
  readonly #dir: string;
  readonly #local: string;
  readonly #inner: Sink;
  readonly #append: boolean;
  readonly #options: RemoteOptions;
  readonly #warn: (message: string) => void;
  #store: RemoteStore | undefined;
  /** A write or flush of the local copy failed. */
  #broken = false;

  /**
   * @param makeLocal the sink of the local file (its name is the target's, so the format is the target's)
   * @throws ConfigError for a target without a file name or with an unsupported format
   */
  constructor(
    target: string,
    settings: { append: boolean; onWarning?: ((message: string) => void) | undefined },
    options: RemoteOptions,
    makeLocal: (path: string) => Sink,
  ) {
    this.#url = new URL(target);
    this.#shown = redactUrl(target);
    const name = posix.basename(decodeURIComponent(this.#url.pathname));
    if (name === '' || this.#url.pathname.endsWith('/')) {
      throw new ConfigError(
        `output "${this.#shown}" names a directory: add a file name such as items.jsonl`,
      );
    }
    this.#dir = join(tmpdir(), `arachne-output-${randomUUID()}`);
    this.#local = join(this.#dir, name);
    try {
      this.#inner = makeLocal(this.#local);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(error.message.replaceAll(this.#local, this.#shown));
    }
    this.#append = settings.append;
    this.#options = options;
    this.#warn = settings.onWarning ?? ((message) => process.emitWarning(message));
  }

  /** The local copy the items are written to before the upload. */
  get localCopy(): string {
    return this.#local;
  }

  /** Connects once to fail early (unreachable server, refused key), fetching the file when items are added to it. */
  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    try {
      const store = await remoteStore(this.#url, this.#options);
      if (this.#append) {
        await store.download(this.#local).catch((error: unknown) => {
          throw new StorageError(`cannot read ${this.#shown} to add to it: ${describe(error)}`, {
            cause: error,
          });
        });
      }
      await this.#inner.open();
      this.#store = store;
    } catch (error) {
      // Nothing was written yet: no local copy to keep.
      await rm(this.#dir, { recursive: true, force: true });
      throw error;
    }
  }

  write(items: readonly Item[]): Promise<void> {
    return this.#watch(this.#inner.write(items));
  }

  flush(): Promise<void> {
    return this.#watch(this.#inner.flush());
  }

  async close(): Promise<void> {
    await this.#inner.close();
    if (!this.#store) return; // never opened: nothing was written
    if (this.#broken) {
      // The crawl fails with the write's error; an upload would replace the target with a damaged file.
      this.#warn(
        `${this.#shown} was not uploaded: writing its local copy failed; what was written is in ${this.#local}`,
      );
      return;
    }
    const delays = this.#options.retryDelaysMs ?? defaultRetryDelaysMs;
    let failure: unknown;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      try {
        await this.#store.upload(this.#local);
        await rm(this.#dir, { recursive: true, force: true });
        return;
      } catch (error) {
        failure = error;
        // Wrong credentials or an untrusted host key stay so: another attempt would only repeat the refusal.
        if (
          error instanceof AuthError ||
          error instanceof HostKeyError ||
          error instanceof ConfigError
        )
          break;
        const delay = delays[attempt];
        if (delay === undefined) break;
        this.#warn(
          `upload to ${this.#shown} failed (${describe(error)}), attempt ${attempt + 1} of ${delays.length + 1}: retrying in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
    throw new RemoteOutputError(this.#shown, this.#local, failure);
  }

  async #watch(step: Promise<void>): Promise<void> {
    try {
      await step;
    } catch (error) {
      this.#broken = true;
      throw error;
    }
  }
}

function describe(error: unknown): string {
  return redactUrl(error instanceof Error ? error.message : String(error));
}
