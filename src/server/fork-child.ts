/** Forks `job-process` with a task (its entry: see childEntry). */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEntry, tsxExecArgv } from '../loader/child-entry.js';
import type { ChildTask } from './ipc.js';

/**
 * @param output file descriptor that receives the child's stdout and stderr (its log), or 'ignore'.
 */
export function forkChild(task: ChildTask, output: number | 'ignore'): ChildProcess {
  const entry = childEntry(import.meta.url, 'job-process');
  // Spider code never sees the server's token.
  const { ARACHNE_TOKEN: _token, ...env } = process.env;
  return fork(fileURLToPath(entry.url), [JSON.stringify(task)], {
    execArgv: entry.typescript ? tsxExecArgv(import.meta.url) : [],
    stdio: ['ignore', output, output, 'ipc'],
    env,
  });
}
