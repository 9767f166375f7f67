// Runs the real `arachne` binary (built by the global setup): to completion collecting its output, or as a server.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../../bin/arachne.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd?: string;
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. @default stdin ignored */
  input?: string;
  /** Variables added to the environment. */
  env?: Record<string, string>;
  /** Flags for Node itself, before the script (V8 flags, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}

export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), binPath, ...args], {
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.env && { env: { ...process.env, ...options.env } }),
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** How {@link spawnServe} starts the server. */
export interface ServeOptions {
  /** Flags after the common ones. @default [] */
  args?: string[];
  /** ARACHNE_TOKEN; empty means the one in `<dataDir>/token`, created on first start. */
  token: string;
  /** In its own process group, so it can be killed together with its job processes. @default false */
  detached?: boolean;
  /** Variables added to the environment. */
  env?: Record<string, string>;
}

/**
 * Spawns `arachne serve` for `project` with its state in `dataDir`, on a free port, allowed to crawl 127.0.0.1
 * (the test sites). Only stderr is piped: it carries the "listening on <url>" line.
 */
export function spawnServe(project: string, dataDir: string, options: ServeOptions): ChildProcess {
  const args = [
    'serve',
    '--project',
    project,
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--allow-private',
  ];
  const spawnOptions: SpawnOptions = {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env, ARACHNE_TOKEN: options.token },
  };
  if (options.detached) spawnOptions.detached = true;
  return spawn(process.execPath, [binPath, ...args, ...(options.args ?? [])], spawnOptions);
}
