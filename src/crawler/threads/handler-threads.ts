/**
 * A pool of handler threads (`threads` > 1): each loads the spider file and runs handlers on the pages the main
 * thread downloaded. One page at a time per thread, so that a handler stuck in a CPU loop holds one thread and
 * one page only: past `handlerTimeoutMs` its page fails with AR_HANDLER_TIMEOUT and the thread is terminated and
 * replaced (recycled), which no timer can do for a loop on the main thread.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, HandlerTimeoutError } from '../../errors.js';
import type { Response } from '../../http/response.js';
import { childEntry } from '../../loader/child-entry.js';
import type { Item } from '../../storage/sink.js';
import type { Request } from '../request.js';
import {
  fromWire,
  type TaskMessage,
  type ThreadData,
  type WireResponse,
  type WorkerMessage,
} from './protocol.js';

/** `threads: 'auto'`: one thread per core but the main thread's, at most this many. */
const autoCap = 8;

/** The number of handler threads `threads` asks for; 1 runs handlers on the main thread. */
export function threadCount(threads: number | 'auto'): number {
  if (threads !== 'auto') return threads;
  return Math.max(1, Math.min(autoCap, availableParallelism() - 1));
}

/** What a handler yielded on a page, in order, and what it threw if it did (as the engine's own run returns it). */
export interface ThreadRun {
  children: Request[];
  items: Item[];
  error?: unknown;
  /** The page's visible-text hash, when `RunOptions.textHash` asked for it (see protocol.ts). */
  textHash?: readonly number[];
}

export interface HandlerThreadsOptions {
  spiderFile: string;
  size: number;
  /** 0: no limit (a thread stuck in a loop then holds its page until the crawl is stopped). */
  handlerTimeoutMs: number;
  /** Told when a thread is recycled. */
  warn: (message: string) => void;
}

export interface RunOptions {
  /** `page.links()` stops one link past it, as on the main thread. */
  linkBudget: number;
  /**
   * The main thread does not read the body again: it is moved to the thread (its buffer is detached here) when it
   * owns its whole buffer; otherwise the thread gets a copy.
   */
  detach: boolean;
  /** Have the thread hash the page's visible text for the duplicate-content guard. */
  textHash: boolean;
}

interface Task {
  id: number;
  request: Request;
  response: Response;
  options: RunOptions;
  done: (run: ThreadRun) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  ready: boolean;
  /** Sent to the thread, oldest first; the thread runs them one after the other, so the first is running. */
  tasks: Task[];
  /** The first task's handler timeout. */
  timer?: NodeJS.Timeout | undefined;
}

/**
 * Pages sent to a thread ahead of the one it runs: the next one is already there when a handler ends, instead of
 * a round trip through the main thread's event loop later (which a busy machine makes long).
 */
const depth = 2;

/** From TypeScript sources (the tests) without a built twin, tsx compiles the worker module and what it imports. */
const workerEntry = childEntry(import.meta.url, 'worker');
// tsx's ES module entry (its CommonJS one cannot register the ES hooks); the tests are the only users.
const tsxApi = (): string =>
  new URL(
    'dist/esm/api/index.mjs',
    pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json')),
  ).href;

export class HandlerThreads {
  readonly #options: HandlerThreadsOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 0;
  #closed = false;
  #failure: ConfigError | undefined;
  readonly #ready: Promise<void>;
  #settleReady!: (failure?: ConfigError) => void;

  constructor(options: HandlerThreadsOptions) {
    this.#options = options;
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (failure) => (failure ? reject(failure) : resolve());
    });
    // Awaited by the crawl before it starts; never an unhandled rejection if the crawl failed before that.
    this.#ready.catch(() => {});
    for (let index = 0; index < options.size; index++) this.#slots.push(this.#spawn(index));
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Resolves once every thread has loaded the spider; rejects with a ConfigError if one could not. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Runs `request`'s handler on `response` in the first free thread. Never rejects: a failure is `error`. */
  run(request: Request, response: Response, options: RunOptions): Promise<ThreadRun> {
    if (this.#failure) return Promise.resolve({ children: [], items: [], error: this.#failure });
    return new Promise<ThreadRun>((done) => {
      this.#queue.push({ id: this.#nextId++, request, response, options, done });
      this.#dispatch();
    });
  }

  /** Terminates every thread; pages still waiting fail. */
  async close(
    closed: Error = new ConfigError('the handler threads were closed with the crawl'),
  ): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.done({ children: [], items: [], error: closed });
    await Promise.all(
      this.#slots.map(async (slot) => {
        clearTimeout(slot.timer);
        for (const task of slot.tasks.splice(0))
          task.done({ children: [], items: [], error: closed });
        await slot.worker.terminate();
      }),
    );
  }

  #spawn(index: number): Slot {
    const workerData: ThreadData = { spiderFile: this.#options.spiderFile };
    const worker = workerEntry.typescript
      ? new Worker(
          `import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); return import(${JSON.stringify(workerEntry.url.href)}); })`,
          { eval: true, workerData },
        )
      : new Worker(workerEntry.url, { workerData });
    const slot: Slot = { index, worker, ready: false, tasks: [] };
    worker.on('message', (message: WorkerMessage) => this.#onMessage(slot, message));
    worker.on('error', (error) => this.#onCrash(slot, error));
    worker.on('exit', (code) => {
      if (code !== 0) this.#onCrash(slot, new Error(`exited with code ${code}`));
    });
    return slot;
  }

  #onMessage(slot: Slot, message: WorkerMessage): void {
    if (this.#slots[slot.index] !== slot) return; // a recycled thread's last words
    if (message.type === 'ready') {
      slot.ready = true;
      if (this.#slots.every((each) => each.ready)) this.#settleReady();
      this.#dispatch();
    } else if (message.type === 'load-failed') {
      this.#fail(new ConfigError(message.error.message));
    } else {
      const task = slot.tasks.shift();
      clearTimeout(slot.timer);
      slot.timer = undefined;
      task?.done({
        children: message.children,
        items: message.items,
        ...(message.error !== undefined && { error: fromWire(message.error) }),
        ...(message.textHash && { textHash: message.textHash }),
      });
      this.#startTimer(slot);
      this.#dispatch();
    }
  }

  /**
   * A thread died (an uncaught error in code the handler left running, an out-of-memory): its page fails as a
   * handler error would, and a fresh thread takes its place. One that dies before it is ready fails the crawl: a new
   * one would die the same way.
   */
  #onCrash(slot: Slot, error: Error): void {
    if (this.#closed || this.#slots[slot.index] !== slot) return;
    if (!slot.ready) {
      this.#fail(new ConfigError(`a handler thread failed to start: ${error.message}`));
      return;
    }
    const [task] = this.#replace(slot);
    task?.done({
      children: [],
      items: [],
      error: new Error(`the handler thread running it crashed: ${error.message}`),
    });
  }

  /** Past `handlerTimeoutMs`: the page fails, the thread (maybe stuck in a loop) is terminated and replaced. */
  #timeOut(slot: Slot, task: Task): void {
    if (this.#slots[slot.index] !== slot || slot.tasks[0] !== task) return;
    const { handlerTimeoutMs } = this.#options;
    const { request } = task;
    this.#replace(slot);
    this.#options.warn(
      `handler thread ${slot.index + 1} recycled: handler "${request.handler}" still running after ${handlerTimeoutMs} ms on ${request.url}`,
    );
    task.done({
      children: [],
      items: [],
      error: new HandlerTimeoutError(request.handler, request.url, handlerTimeoutMs),
    });
  }

  /**
   * Terminates `slot`'s thread and starts another in its place. Returns the running task (for the caller to fail);
   * the pages waiting behind it go back to the front of the queue, for another thread (their bodies were copied).
   */
  #replace(slot: Slot): Task[] {
    clearTimeout(slot.timer);
    const [running, ...waiting] = slot.tasks.splice(0);
    slot.timer = undefined;
    this.#queue.unshift(...waiting);
    this.#slots[slot.index] = this.#spawn(slot.index);
    void slot.worker.terminate();
    this.#dispatch();
    return running ? [running] : [];
  }

  /** The handler timeout of the task a thread is running now. */
  #startTimer(slot: Slot): void {
    const limit = this.#options.handlerTimeoutMs;
    const task = slot.tasks[0];
    // Ref'd: a thread stuck in a loop is all the crawl waits for, and this timer is what ends the wait.
    if (limit > 0 && task) slot.timer = setTimeout(() => this.#timeOut(slot, task), limit);
  }

  #fail(failure: ConfigError): void {
    if (this.#failure) return;
    this.#failure = failure;
    this.#settleReady(failure);
    void this.close(failure);
  }

  #dispatch(): void {
    if (this.#closed) return;
    // Idle threads first (a page there starts at once), then one page ahead in each busy one.
    for (let ahead = 0; ahead < depth; ahead++) {
      for (const slot of this.#slots) {
        if (this.#queue.length === 0) return;
        if (!slot.ready || slot.tasks.length !== ahead) continue;
        this.#send(slot, this.#queue.shift() as Task);
      }
    }
  }

  #send(slot: Slot, task: Task): void {
    const { response } = task;
    const { body } = response;
    // A page that waits behind another gets a copy: if the thread is recycled meanwhile, another thread takes it.
    const move =
      slot.tasks.length === 0 &&
      task.options.detach &&
      body.buffer instanceof ArrayBuffer &&
      body.byteOffset === 0 &&
      body.byteLength === body.buffer.byteLength;
    let buffer: ArrayBuffer;
    if (move) buffer = body.buffer as ArrayBuffer;
    else {
      // Also for a slice of a shared pool (small Node buffers), or a body the main thread reads again.
      buffer = new ArrayBuffer(body.byteLength);
      new Uint8Array(buffer).set(body);
    }
    const wire: WireResponse = {
      url: response.url,
      status: response.status,
      headers: response.headers,
      body: buffer,
      offset: 0,
      length: body.byteLength,
      request: {
        url: response.request.url,
        method: response.request.method,
        headers: response.request.headers,
        ...(response.request.body !== undefined && { body: response.request.body }),
      },
      timings: response.timings,
      redirects: response.redirects,
    };
    const message: TaskMessage = {
      type: 'task',
      id: task.id,
      request: task.request,
      response: wire,
      linkBudget: task.options.linkBudget,
      textHash: task.options.textHash,
    };
    try {
      slot.worker.postMessage(message, [buffer]);
    } catch (error) {
      task.done({ children: [], items: [], error });
      return;
    }
    slot.tasks.push(task);
    if (slot.tasks.length === 1) this.#startTimer(slot);
  }
}
