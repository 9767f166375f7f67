/**
 * One crawl per state file: a lock file beside it names its owner. A lock whose owner is gone (kill -9) is stale
 * and taken over; a live one refuses the second crawl with a clear error instead of two processes handing out the
 * same queue.
 *
 * A pid alone cannot tell: in a container the crawler is PID 1 on every start, so the lock left by a killed run
 * holds our own, live pid. The lock therefore also records a token random to the process that wrote it, the boot
 * id and the owner's start time (Linux /proc): a lock with our pid but not our token was left by an earlier process,
 * and a live pid that started at another time, or on another boot, is a reused pid.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '../errors.js';

export interface StateLock {
  release(): void;
}

/** What a lock file says about its owner; only `pid` in locks written before the token existed. */
interface LockOwner {
  pid: number;
  token?: string;
  host?: string;
  bootId?: string | undefined;
  startTime?: string | undefined;
}

const processToken = randomUUID();

export function lockStateFile(path: string): StateLock {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, JSON.stringify(ourselves()));
      closeSync(fd);
      return { release: () => rmSync(lockPath, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`${path}: cannot lock the state file: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const owner = readOwner(lockPath);
      if (owner && isLive(owner)) {
        throw new ConfigError(
          `${path}: in use by another crawl (pid ${owner.pid}${owner.host ? ` on ${owner.host}` : ''}); wait for it to end or stop it`,
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
    const owner = readOwner(`${path}.lock`);
    if (!owner || !isLive(owner)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function ourselves(): LockOwner {
  return {
    pid: process.pid,
    token: processToken,
    host: hostname(),
    bootId: bootId(),
    startTime: startTimeOf(process.pid),
  };
}

/** The lock's owner; undefined when there is no lock file or nothing in it names a process. */
function readOwner(lockPath: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) }; // written by a version that kept only the pid
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0) {
      return parsed as LockOwner;
    }
  } catch {
    // A half-written or garbled lock names no process.
  }
  return undefined;
}

function isLive(owner: LockOwner): boolean {
  // Our pid: ours only if we wrote it (the same process locking twice); else an earlier process had our pid.
  if (owner.pid === process.pid) return owner.token === processToken;
  // Another host's pid says nothing here; only a lock from this machine can be checked.
  if (owner.host !== undefined && owner.host !== hostname()) return true;
  const boot = bootId();
  if (owner.bootId !== undefined && boot !== undefined && owner.bootId !== boot) return false;
  if (!isAlive(owner.pid)) return false;
  const started = startTimeOf(owner.pid);
  return owner.startTime === undefined || started === undefined || owner.startTime === started;
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

/** Linux's id of this boot; undefined elsewhere. */
function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined off Linux. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
