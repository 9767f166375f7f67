/**
 * One crawl per state file: a lock file beside it holds the owner's pid. A lock whose process is gone (kill -9)
 * is stale and taken over; a live one refuses the second crawl with a clear error instead of two processes
 * handing out the same queue.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export interface StateLock {
  release(): void;
}

export function lockStateFile(path: string): StateLock {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(lockPath, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`${path}: cannot lock the state file: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new ConfigError(
          `${path}: in use by another crawl (pid ${owner}); wait for it to end or stop it`,
        );
      }
      rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new ConfigError(`${path}: cannot lock the state file (${lockPath} keeps coming back)`);
}

/**
 * Waits until no live process holds the state file's lock (a job process orphaned by a killed server finishes
 * its in-flight requests before it lets go). Returns false if it is still held after `timeoutMs`.
 */
export async function waitForStateLock(path: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let owner: number;
    try {
      owner = Number(readFileSync(`${path}.lock`, 'utf8').trim());
    } catch {
      return true; // no lock file
    }
    if (!(owner > 0) || !isAlive(owner)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
