// A Debian daemon run by a test: started in the foreground (so the test owns it), awaited until its port accepts
// connections, killed and its temp dir removed at close.
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { waitFor } from './wait.js';

export interface Daemon {
  readonly child: ChildProcess;
  /** What the daemon wrote to stderr (and stdout) so far: for failure messages. */
  output(): string;
  /** SIGTERM, wait for the exit, remove `dir`. */
  close(): Promise<void>;
}

export interface DaemonOptions {
  /** Names the daemon in errors: `pure-ftpd did not start: …`. */
  name: string;
  command: string;
  args: readonly string[];
  /** The TCP port of 127.0.0.1 it listens on; the start waits until it accepts. */
  port: number;
  /** Its temp dir (config, logs, data), removed at close. */
  dir?: string;
  timeoutMs?: number;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const child = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(
      `${options.name} to listen`,
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return (await connects(options.port)) ? true : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 10_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${options.name} did not start: ${output || String(error)}`);
  }
  return {
    child,
    output: () => output,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      if (options.dir) await rm(options.dir, { recursive: true, force: true });
    },
  };
}

/** Whether 127.0.0.1:`port` accepts a TCP connection now. */
export function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
