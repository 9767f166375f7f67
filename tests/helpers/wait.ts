/**
 * Waiting in tests without sleeping a fixed time: on an event (an emitter's, a child process's output, a file
 * growing) where there is one, else on a polled condition, always bounded by a timeout that fails the test.
 */
import type { EventEmitter } from 'node:events';
import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Readable } from 'node:stream';

/** `promise`, or a rejection naming `what` if it has not settled after `timeoutMs`. */
export async function within<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const described = typeof what === 'string' ? what : what();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${described}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface WhenEventOptions<T> {
  timeoutMs: number;
  /** Named in the timeout error. */
  what: string;
  /** The current state, looked at once the listener is in place (so nothing in between is missed). */
  now?: () => Promise<T | undefined> | T | undefined;
}

/**
 * The first value `pick` makes of an `event` of `emitter` (undefined: not this one), or of `options.now()`.
 */
export function whenEvent<T>(
  emitter: EventEmitter,
  event: string,
  // biome-ignore lint/suspicious/noExplicitAny: the arguments of whichever event is listened to
  pick: (...args: any[]) => T | undefined,
  options: WhenEventOptions<T>,
): Promise<T> {
  let listener: (...args: unknown[]) => void = () => {};
  const found = new Promise<T>((resolve, reject) => {
    listener = (...args) => {
      const value = pick(...args);
      if (value !== undefined) resolve(value);
    };
    emitter.on(event, listener);
    const { now } = options;
    if (now) {
      Promise.resolve()
        .then(now)
        .then((value) => {
          if (value !== undefined) resolve(value);
        }, reject);
    }
  });
  return within(found, options.timeoutMs, options.what).finally(() => emitter.off(event, listener));
}

export interface WaitOptions {
  /** @default 30_000 */
  timeoutMs?: number;
  /** Pause between two checks. @default 25 */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns something other than undefined, and returns that; throws after the timeout.
 * For conditions nothing announces (another process's state, a Redis key): prefer an event where there is one.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The text a child process (or any stream) has written so far, and waits for lines in it. */
export interface Output {
  text(): string;
  /** Resolves with the first match of `pattern` in the output (past or future); rejects if the streams end first. */
  match(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves once `pattern` (global flag not needed) has matched `times` times in the output. */
  matches(pattern: RegExp, times: number, timeoutMs?: number): Promise<void>;
}

/** Collects what `streams` write (e.g. a child's stdout and stderr), from now on. */
export function collectOutput(...streams: Array<Readable | null | undefined>): Output {
  let text = '';
  let open = 0;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  for (const stream of streams) {
    if (!stream) continue;
    open++;
    stream.on('data', (chunk: Buffer | string) => {
      text += chunk;
      wake();
    });
    stream.on('close', () => {
      open--;
      wake();
    });
  }
  const count = (pattern: RegExp) =>
    text.match(
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    )?.length ?? 0;
  const until = <T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> => {
    let waiter: (() => void) | undefined;
    const found = new Promise<T>((resolve, reject) => {
      waiter = () => {
        const value = find();
        if (value !== undefined) resolve(value);
        else if (open === 0)
          reject(new Error(`output ended without ${what}:\n${text.slice(-2000)}`));
      };
      waiters.add(waiter);
      waiter();
    });
    return within(found, timeoutMs, () => `${what} in the output:\n${text.slice(-2000)}`).finally(
      () => {
        if (waiter) waiters.delete(waiter);
      },
    );
  };
  return {
    text: () => text,
    match: (pattern, timeoutMs = 30_000) =>
      until(() => pattern.exec(text) ?? undefined, String(pattern), timeoutMs),
    matches: (pattern, times, timeoutMs = 30_000) =>
      until(
        () => (count(pattern) >= times ? true : undefined),
        `${times} × ${pattern}`,
        timeoutMs,
      ).then(() => {}),
  };
}

/** Resolves once the file at `path` holds at least `bytes` bytes: woken by changes in its directory (fs.watch). */
export async function fileReaches(path: string, bytes: number, timeoutMs = 30_000): Promise<void> {
  const size = () =>
    stat(path).then(
      (s) => s.size,
      () => 0,
    );
  const name = basename(path);
  const watcher = watch(dirname(path));
  try {
    const reached = new Promise<void>((resolve, reject) => {
      const check = () =>
        void size().then((now) => {
          if (now >= bytes) resolve();
        }, reject);
      watcher.on('change', (_type, file) => {
        if (file === null || String(file) === name) check();
      });
      watcher.on('error', reject);
      check();
    });
    await within(reached, timeoutMs, `${path} to reach ${bytes} bytes`);
  } finally {
    watcher.close();
  }
}
