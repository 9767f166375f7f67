// Measures a crawler run from outside: a spawned command (the CLI, Scrapy) timed, its CPU read from what the kernel
// charges this process for reaped children, its process tree's RSS sampled, and the gc-preload.mjs figures of
// every Node process it ran collected. Linux /proc for CPU and RSS; elsewhere those figures are 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTreeSampler } from './process-tree.mjs';

/** The preload to pass as `--import` (or in NODE_OPTIONS) so a Node process reports its GC time at exit. */
export const gcPreload = fileURLToPath(new URL('./gc-preload.mjs', import.meta.url));

/**
 * User and system CPU ms of this process's reaped children (cutime, cstime: fields 16 and 17 of
 * /proc/self/stat, at 100 ticks/s). A child's time is added when it has exited and been waited for, so the
 * difference across one child's run is that child's (and its reaped descendants') CPU, to 10 ms.
 */
export function reapedChildrenCpu(statText = readSelfStat()) {
  if (!statText) return { userMs: 0, systemMs: 0 };
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return { userMs: Number(fields[13]) * 10, systemMs: Number(fields[14]) * 10 };
}

function readSelfStat() {
  try {
    return readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
}

/** A fresh directory for gc-preload.mjs to write `<pid>.json` files into. */
export function createMetricsDir() {
  return mkdtempSync(join(os.tmpdir(), 'arachne-bench-metrics-'));
}

/**
 * Sums what gc-preload.mjs wrote for every Node process of a run: GC ms and count, user and system CPU ms;
 * `maxRssBytes` is the largest single process's peak. `processes` 0 means no file (the preload did not run).
 */
export function readProcessMetrics(dir) {
  const total = {
    processes: 0,
    gcMs: 0,
    gcCount: 0,
    cpuUserMs: 0,
    cpuSystemMs: 0,
    maxRssBytes: 0,
  };
  let names = [];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return total;
  }
  for (const name of names) {
    let figures;
    try {
      figures = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch {
      continue;
    }
    total.processes++;
    total.gcMs += figures.gcMs ?? 0;
    total.gcCount += figures.gcCount ?? 0;
    total.cpuUserMs += figures.cpuUserMs ?? 0;
    total.cpuSystemMs += figures.cpuSystemMs ?? 0;
    total.maxRssBytes = Math.max(total.maxRssBytes, figures.maxRssBytes ?? 0);
  }
  return total;
}

/** GC time as a share of the same processes' CPU time (0..1), or NaN when there is nothing to divide. */
export function gcShare({ gcMs, cpuUserMs, cpuSystemMs }) {
  const cpu = cpuUserMs + cpuSystemMs;
  return cpu > 0 && Number.isFinite(gcMs) ? gcMs / cpu : Number.NaN;
}

/**
 * Runs `command args` to its end and measures it: wall ms (spawn to exit), CPU of the reaped tree, peak RSS of
 * the tree (sampled every 100 ms, and never below the largest Node process's own peak), and the gc-preload
 * figures of its Node processes (NODE_OPTIONS carries the preload to every one). Killed after `timeoutMs`.
 * Resolves with `code`, `signal` and the figures; stdout and stderr are inherited unless `quiet`.
 */
export function runMeasured(
  command,
  args,
  { env = process.env, cwd, timeoutMs = 15 * 60_000 } = {},
) {
  const metricsDir = createMetricsDir();
  const nodeOptions = [env.NODE_OPTIONS, `--import=${gcPreload}`].filter(Boolean).join(' ');
  const cpuBefore = reapedChildrenCpu();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd,
    env: { ...env, NODE_OPTIONS: nodeOptions, ARACHNE_BENCH_METRICS_DIR: metricsDir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const sampler = startTreeSampler(100, child.pid);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      sampler.stop();
      rmSync(metricsDir, { recursive: true, force: true });
      reject(error);
    });
    // 'exit' comes after the kernel reaped the child: its CPU is in our cutime/cstime now.
    child.once('exit', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      const tree = sampler.stop();
      const cpuAfter = reapedChildrenCpu();
      const node = readProcessMetrics(metricsDir);
      rmSync(metricsDir, { recursive: true, force: true });
      resolve({
        code,
        signal,
        wallMs,
        cpuUserMs: cpuAfter.userMs - cpuBefore.userMs,
        cpuSystemMs: cpuAfter.systemMs - cpuBefore.systemMs,
        peakRssBytes: Math.max(tree.peakTreeRssBytes, node.maxRssBytes),
        peakRssSource: 'tree',
        peakTreeProcesses: tree.peakTreeProcesses,
        gcMs: node.gcMs,
        gcCount: node.gcCount,
        gcCpuMs: node.cpuUserMs + node.cpuSystemMs,
        nodeProcesses: node.processes,
      });
    });
  });
}
