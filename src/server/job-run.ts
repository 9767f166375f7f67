/** One child process running one job: its messages, a graceful stop with a deadline, and how it ended. */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Stats } from '../crawler/stats.js';
import { forkChild } from './fork-child.js';
import { isChildMessage, type RunTask } from './ipc.js';
import type { Progress } from './types.js';

export interface RunEnd {
  closed: { stats: Stats; reason: string } | undefined;
  failed: { error: string; stats: Stats | null } | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class JobRun {
  readonly #child: ChildProcess;
  readonly #stopTimeoutMs: number;
  readonly exited: Promise<RunEnd>;
  #killTimer: NodeJS.Timeout | undefined;

  /**
   * @param logPath the job's log.txt: the child's stdout and stderr are appended to it.
   * @param stopTimeoutMs after a stop request, how long the child may take before it is killed.
   * @param onResumed told how many items the state file held when a resumed run started.
   */
  constructor(
    task: RunTask,
    logPath: string,
    onProgress: (progress: Progress) => void,
    stopTimeoutMs: number,
    onResumed: (items: number) => void = () => {},
  ) {
    this.#stopTimeoutMs = stopTimeoutMs;
    const log = openSync(logPath, 'a', 0o600);
    try {
      this.#child = forkChild(task, log);
    } finally {
      closeSync(log);
    }
    let closed: RunEnd['closed'];
    let failed: RunEnd['failed'];
    this.#child.on('message', (message: unknown) => {
      if (!isChildMessage(message)) return;
      if (message.type === 'progress') {
        const { type: _type, ...progress } = message;
        onProgress(progress);
      } else if (message.type === 'resumed') onResumed(message.items);
      else if (message.type === 'closed') closed = { stats: message.stats, reason: message.reason };
      else if (message.type === 'failed') failed = { error: message.error, stats: message.stats };
    });
    this.exited = new Promise((resolve) => {
      // 'error' covers a fork that could not start; 'exit' follows in the other cases.
      this.#child.once('error', (error) => {
        failed ??= { error: `cannot start the job process: ${error.message}`, stats: null };
      });
      this.#child.once('exit', (code, signal) => {
        clearTimeout(this.#killTimer);
        resolve({ closed, failed, code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Asks the child to stop gracefully (in-flight requests finish, state is committed); kills it past the deadline. */
  stop(): Promise<RunEnd> {
    if (this.#child.exitCode === null && this.#child.signalCode === null && !this.#killTimer) {
      if (this.#child.connected) {
        this.#child.send({ type: 'stop' }, (error) => {
          if (error) this.#child.kill('SIGTERM');
        });
      } else this.#child.kill('SIGTERM');
      this.#killTimer = setTimeout(() => this.#child.kill('SIGKILL'), this.#stopTimeoutMs);
      this.#killTimer.unref();
    }
    return this.exited;
  }
}
