/**
 * A pool of V8 isolates (isolated-vm) that run pages' scripts: each isolate has no Node API at all, each page gets
 * a fresh context in one of them, released after the page. The host drives each page's event loop one call at a
 * time with the async API, so scripts run on isolated-vm's threads while the crawler's own thread stays free.
 */
import { availableParallelism } from 'node:os';
import ivm from 'isolated-vm';
import { ScriptError } from '../errors.js';
import { contextPrelude } from './bundle.js';

/** A request a page's script made (fetch, XMLHttpRequest, script src). */
export interface ScriptSubrequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What the host answers: the response as text, or why it was refused (the page sees a TypeError). */
export type ScriptSubresponse =
  | {
      status: number;
      statusText?: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    }
  | { error: string };

export interface ScriptPoolOptions {
  /** Isolates, each running one page at a time. @default os.availableParallelism() */
  workers?: number;
  /** Heap limit of each isolate, in MB (a page past it fails with AR_SCRIPT and the isolate is replaced). @default 128 */
  memoryMb?: number;
  /** Wall-time budget of one page's scripts and timers, in ms. @default 5000 */
  timeoutMs?: number;
  /** Pages an isolate serves before a fresh one replaces it. @default 500 */
  recycleAfter?: number;
  /** Timer firings allowed per page; more is a timer storm. @default 2000 */
  maxTimers?: number;
  /** Virtual time after which pending timers are dropped (the page is taken as settled), in ms. @default 30000 */
  horizonMs?: number;
  /** navigator.userAgent in pages. */
  userAgent?: string;
}

export interface ScriptRun {
  /** `<!DOCTYPE html>` and the document element as the scripts left it. */
  html: string;
  /** console output and script errors, captured (never printed). */
  logs: string[];
  /** Timer callbacks fired. */
  timers: number;
}

interface Slot {
  isolate: ivm.Isolate;
  prelude: ivm.Script;
  served: number;
}

const PRELUDE_FILENAME = 'arachne-script-prelude.js';

export class ScriptPool {
  readonly #workers: number;
  readonly #memoryMb: number;
  readonly #timeoutMs: number;
  readonly #recycleAfter: number;
  readonly #limits: string;
  readonly #idle: Slot[] = [];
  readonly #slots = new Set<Slot>();
  readonly #waiting: ((slot: Slot | undefined) => void)[] = [];
  #live = 0;
  #closed = false;
  /** Isolates made so far (recycling and failures make new ones). */
  isolatesCreated = 0;

  constructor(options: ScriptPoolOptions = {}) {
    this.#workers = Math.max(1, options.workers ?? availableParallelism());
    this.#memoryMb = Math.max(8, options.memoryMb ?? 128);
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#recycleAfter = options.recycleAfter ?? 500;
    this.#limits = JSON.stringify({
      maxTimers: options.maxTimers ?? 2000,
      horizonMs: options.horizonMs ?? 30_000,
      userAgent: options.userAgent ?? 'Mozilla/5.0 (compatible; Arachne)',
    });
  }

  /** Heap in use, in bytes, summed over the live isolates (for memory tests and stats). */
  async heapUsed(): Promise<number> {
    let total = 0;
    for (const slot of this.#slots) {
      if (!slot.isolate.isDisposed)
        total += (await slot.isolate.getHeapStatistics()).used_heap_size;
    }
    return total;
  }

  /**
   * Runs the scripts of `html` as the page at `url`; every request they make goes to `fetch`.
   * @throws ScriptError AR_SCRIPT_TIMEOUT past the time budget, AR_SCRIPT for a timer storm or the memory limit
   */
  async run(
    html: string,
    url: string,
    fetch: (request: ScriptSubrequest) => Promise<ScriptSubresponse>,
  ): Promise<ScriptRun> {
    const slot = await this.#acquire();
    let healthy = false;
    try {
      const result = await this.#runIn(slot, html, url, fetch);
      healthy = true;
      return result;
    } finally {
      await this.#release(slot, healthy);
    }
  }

  async #runIn(
    slot: Slot,
    html: string,
    url: string,
    fetch: (request: ScriptSubrequest) => Promise<ScriptSubresponse>,
  ): Promise<ScriptRun> {
    const deadline = Date.now() + this.#timeoutMs;
    const inflight = new Set<Promise<unknown>>();
    // Answers waiting to be delivered into the page, in arrival order.
    const mailbox: [number, string][] = [];
    let finished = false;
    const context = await slot.isolate.createContext();
    const fetchRef = new ivm.Reference((id: number, json: string): void => {
      if (finished) return;
      void tracked(
        inflight,
        answer(json, fetch).then((out) => {
          mailbox.push([id, out]);
        }),
      );
    });
    const urlRef = new ivm.Reference(resolveUrl);
    const references: { release(): void }[] = [fetchRef, urlRef];
    let timer: NodeJS.Timeout | undefined;
    try {
      const left = () => Math.max(1, deadline - Date.now());
      await slot.prelude.run(context, { timeout: left() });
      // Taken before any page script runs, and removed from the global: a page cannot replace the entry points.
      const api: ivm.Reference = await context.global.get('__arachne', { reference: true });
      references.push(api);
      await context.global.delete('__arachne');
      const entries = new Map<string, ivm.Reference>();
      for (const name of ['start', 'runScript', 'dispatch', 'tick', 'deliver', 'serialize']) {
        const fn: ivm.Reference = await api.get(name, { reference: true });
        references.push(fn);
        entries.set(name, fn);
      }
      const call = (name: string, args: unknown[]): Promise<unknown> =>
        (entries.get(name) as ivm.Reference).apply(undefined, args as never[], {
          timeout: left(),
          result: { copy: true },
        });
      // The overall bound: a page whose calls each return in time but which never settles (a fetch that never
      // answers) still ends here; a call stuck in the isolate is cut by disposing the isolate.
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ScriptError('AR_SCRIPT_TIMEOUT', url, `over ${this.#timeoutMs} ms`)),
          left(),
        );
      });
      const drive = async (): Promise<ScriptRun> => {
        const sources = JSON.parse(
          (await call('start', [html, url, fetchRef, urlRef, this.#limits])) as string,
        ) as (string | null)[];
        for (const [index, src] of sources.entries()) {
          let code: string | null = null;
          if (src !== null) {
            const response = await tracked(
              inflight,
              answer(JSON.stringify({ method: 'GET', url: src, headers: {} }), fetch),
            );
            const parsed = JSON.parse(response) as ScriptSubresponse;
            // A script that cannot be loaded is skipped, as a browser does (its error event aside).
            if ('error' in parsed || parsed.status >= 400) continue;
            code = parsed.body;
          }
          await call('runScript', [index, code]);
        }
        await call('dispatch', ['DOMContentLoaded']);
        await call('dispatch', ['load']);
        // The event loop: answers first (a request finishes before virtual time moves on), then timers.
        for (;;) {
          const next = mailbox.shift();
          if (next) {
            await call('deliver', next);
            continue;
          }
          if (inflight.size > 0) {
            await Promise.race(inflight);
            continue;
          }
          const state = (await call('tick', [])) as string;
          if (state === 'fired') continue;
          if (state === 'storm')
            throw new ScriptError('AR_SCRIPT', url, 'timer storm (too many timer firings)');
          break; // 'idle' or 'horizon': nothing left that could change the page
        }
        const out = JSON.parse((await call('serialize', [])) as string) as ScriptRun;
        return out;
      };
      const driving = drive();
      // Past the deadline the drive is abandoned; its later failure (the isolate is disposed) is expected.
      driving.catch(() => {});
      return await Promise.race([driving, expired]);
    } catch (error) {
      throw asScriptError(error, url, this.#timeoutMs);
    } finally {
      finished = true;
      clearTimeout(timer);
      for (const reference of references) reference.release();
      if (!slot.isolate.isDisposed) context.release();
    }
  }

  async #acquire(): Promise<Slot> {
    if (this.#closed) throw new ScriptError('AR_SCRIPT', '', 'the script pool is closed');
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#live < this.#workers) {
      this.#live++;
      try {
        return await this.#create();
      } catch (error) {
        this.#live--;
        throw error;
      }
    }
    const slot = await new Promise<Slot | undefined>((resolve) => this.#waiting.push(resolve));
    if (!slot) return this.#acquire();
    return slot;
  }

  async #create(): Promise<Slot> {
    const source = await contextPrelude();
    const isolate = new ivm.Isolate({ memoryLimit: this.#memoryMb });
    const prelude = await isolate.compileScript(source, { filename: PRELUDE_FILENAME });
    this.isolatesCreated++;
    const slot = { isolate, prelude, served: 0 };
    this.#slots.add(slot);
    return slot;
  }

  async #release(slot: Slot, healthy: boolean): Promise<void> {
    slot.served++;
    let keep =
      healthy && !slot.isolate.isDisposed && !this.#closed && slot.served < this.#recycleAfter;
    if (keep) {
      // Released contexts are garbage V8 collects when it likes; an isolate whose heap stays high anyway (a leak
      // inside it, or a page that bloated it) is replaced before a page meets its limit.
      const heap = await slot.isolate.getHeapStatistics().catch(() => undefined);
      if (!heap || heap.used_heap_size > this.#memoryMb * 1024 * 1024 * 0.75) keep = false;
    }
    if (!keep) {
      this.#slots.delete(slot);
      if (!slot.isolate.isDisposed) slot.isolate.dispose();
      this.#live--;
    }
    const waiter = this.#waiting.shift();
    if (waiter) waiter(keep ? slot : undefined);
    else if (keep) this.#idle.push(slot);
  }

  /** Disposes every isolate; pages waiting for one fail with AR_SCRIPT. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.length = 0;
    for (const slot of this.#slots) if (!slot.isolate.isDisposed) slot.isolate.dispose();
    this.#slots.clear();
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
  }
}

async function answer(
  json: string,
  fetch: (request: ScriptSubrequest) => Promise<ScriptSubresponse>,
): Promise<string> {
  try {
    const request = JSON.parse(json) as ScriptSubrequest;
    return JSON.stringify(await fetch(request));
  } catch (error) {
    return JSON.stringify({ error: error instanceof Error ? error.message : String(error) });
  }
}

/** `task`, kept in `inflight` until it settles (answer() never rejects). */
function tracked<T>(inflight: Set<Promise<unknown>>, task: Promise<T>): Promise<T> {
  inflight.add(task);
  void task.finally(() => inflight.delete(task));
  return task;
}

/** The WHATWG URL parts of `input` against `base`, as JSON; '' when it does not parse. */
function resolveUrl(input: string, base: string): string {
  try {
    const url = base === '' ? new URL(input) : new URL(input, base);
    return JSON.stringify({
      href: url.href,
      origin: url.origin,
      protocol: url.protocol,
      username: url.username,
      password: url.password,
      host: url.host,
      hostname: url.hostname,
      port: url.port,
      pathname: url.pathname,
      search: url.search,
      hash: url.hash,
    });
  } catch {
    return '';
  }
}

function asScriptError(error: unknown, url: string, timeoutMs: number): ScriptError {
  if (error instanceof ScriptError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/timed out/i.test(message)) {
    return new ScriptError('AR_SCRIPT_TIMEOUT', url, `over ${timeoutMs} ms`, { cause: error });
  }
  if (/memory limit|disposed/i.test(message)) {
    return new ScriptError('AR_SCRIPT', url, `isolate memory limit reached (${message})`, {
      cause: error,
    });
  }
  return new ScriptError('AR_SCRIPT', url, message, { cause: error });
}
