/** startShopServer: runs the shop server in its own process (so its CPU and RSS stay out of the crawler's). */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEntry, tsxExecArgv } from '../loader/child-entry.js';
import { checkShopOptions } from './catalog.js';
import { checkGuardOptions } from './guard.js';
import { type ChildConfig, isChildMessage, type ParentMessage } from './ipc.js';
import { checkShopMode } from './modes.js';
import type { RequestLogEntry } from './request-log.js';
import type { ShopServerStats } from './server.js';

export interface StartShopServerOptions extends ChildConfig {
  /** How long the child may take to build the shop and listen. @default 60_000 */
  startTimeoutMs?: number;
}

export interface ShopProcessStats extends ShopServerStats {
  rssBytes: number;
  /** Peak RSS of the server process (VmHWM on Linux). */
  peakRssBytes: number;
}

export interface ShopServerProcess {
  /** e.g. `http://127.0.0.1:38123` */
  readonly origin: string;
  readonly port: number;
  readonly pid: number;
  /** The server's request log (control paths excluded), oldest first. */
  log(): Promise<RequestLogEntry[]>;
  resetLog(): Promise<void>;
  stats(): Promise<ShopProcessStats>;
  /** Kills the server process and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Forks a child running `server-process` and resolves once it listens. Works from the TypeScript sources
 * (vitest, tsx: the child is started with tsx's loader) and from the compiled dist/ (plain node).
 */
export async function startShopServer(
  options: StartShopServerOptions = {},
): Promise<ShopServerProcess> {
  const { startTimeoutMs = 60_000, ...config } = options;
  checkShopOptions(config.seed ?? 1, config.products ?? 2000);
  checkShopMode(config.mode ?? 'static');
  if (config.guard) checkGuardOptions(config.guard);
  const child = forkServerProcess(config);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      for (const waiter of pending.values()) waiter.reject(new Error('shop server process exited'));
      pending.clear();
      resolve();
    }),
  );
  const stderrTail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail.push(chunk.toString());
    if (stderrTail.length > 20) stderrTail.shift();
  });

  const ready = await new Promise<{ origin: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`shop server did not start within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.on('message', (message: unknown) => {
      if (!isChildMessage(message)) return;
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`shop server failed to start: ${message.message}`));
      } else {
        pending.get(message.id)?.resolve(message.value);
        pending.delete(message.id);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `shop server exited before it was ready (code ${code}, signal ${signal}): ${stderrTail.join('').slice(-2000)}`,
        ),
      );
    });
  });

  function ask(type: ParentMessage['type']): Promise<unknown> {
    if (child.exitCode !== null || child.signalCode !== null || !child.connected) {
      return Promise.reject(new Error('shop server process is not running'));
    }
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ type, id } satisfies ParentMessage);
    });
  }

  return {
    origin: ready.origin,
    port: ready.port,
    pid: child.pid ?? -1,
    log: async () => (await ask('log')) as RequestLogEntry[],
    resetLog: async () => {
      await ask('reset');
    },
    stats: async () => (await ask('stats')) as ShopProcessStats,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function forkServerProcess(config: ChildConfig): ChildProcess {
  const entry = childEntry(import.meta.url, 'server-process');
  return fork(fileURLToPath(entry.url), [JSON.stringify(config)], {
    execArgv: entry.typescript ? tsxExecArgv(import.meta.url) : [],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
}
