/** Forks `job-process` with a task: the .js entry from dist/, or the .ts entry through tsx's loader from sources. */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildTask } from './ipc.js';

/**
 * @param output file descriptor that receives the child's stdout and stderr (its log), or 'ignore'.
 */
export function forkChild(task: ChildTask, output: number | 'ignore'): ChildProcess {
  const here = import.meta.url;
  // Under vitest or tsx this module is the .ts source: run the sibling .ts entry through tsx's loader.
  const fromSource = here.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? './job-process.ts' : './job-process.js', here));
  const execArgv = fromSource
    ? ['--import', pathToFileURL(createRequire(here).resolve('tsx')).href]
    : [];
  // Spider code never sees the server's token.
  const { ARACHNE_TOKEN: _token, ...env } = process.env;
  return fork(entry, [JSON.stringify(task)], {
    execArgv,
    stdio: ['ignore', output, output, 'ipc'],
    env,
  });
}
