// The CLI bench's outside measurements (bench/process-metrics.mjs, bench/gc-preload.mjs): the GC time of every Node
// process of a run, the CPU the kernel charges for a reaped child, and the peak RSS of its process tree.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { within } from '../helpers/wait.js';

interface NodeFigures {
  processes: number;
  gcMs: number;
  gcCount: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  maxRssBytes: number;
}
interface MeasuredRun {
  code: number | null;
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssBytes: number;
  gcMs: number;
  gcCount: number;
  gcCpuMs: number;
  nodeProcesses: number;
}
interface ProcessMetricsModule {
  gcPreload: string;
  reapedChildrenCpu(statText?: string): { userMs: number; systemMs: number };
  createMetricsDir(): string;
  readProcessMetrics(dir: string): NodeFigures;
  gcShare(figures: { gcMs: number; cpuUserMs: number; cpuSystemMs: number }): number;
  runMeasured(
    command: string,
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<MeasuredRun>;
}

const load = async () =>
  (await import(
    fileURLToPath(new URL('../../bench/process-metrics.mjs', import.meta.url))
  )) as ProcessMetricsModule;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `node --expose-gc [--import preload] -e script` to its end. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn(process.execPath, ['--expose-gc', ...args], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  return within(
    new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    30_000,
    'the child to exit',
  );
}

// Five forced collections, so the 'gc' entries exist whatever the heap does, then an explicit exit. Node queues a
// 'gc' entry from an immediate after the collection: the exit waits one turn so the entries are there.
const collect =
  'for (let i = 0; i < 5; i++) { Array.from({ length: 1e5 }, (_, j) => ({ j })); gc(); } setImmediate(() => setImmediate(() => process.exit(0)));';

describe('gc-preload.mjs', () => {
  it('writes the GC time, CPU and peak RSS of the process at exit, even through process.exit()', async () => {
    const { gcPreload, createMetricsDir, readProcessMetrics } = await load();
    const dir = createMetricsDir();
    dirs.push(dir);
    expect(
      await runNode(['--import', gcPreload, '-e', collect], { ARACHNE_BENCH_METRICS_DIR: dir }),
    ).toBe(0);
    const figures = readProcessMetrics(dir);
    expect(figures.processes).toBe(1);
    expect(figures.gcCount).toBeGreaterThanOrEqual(5);
    expect(figures.gcMs).toBeGreaterThan(0);
    // Not compared with gcMs: GC entries are wall time, which exceeds the CPU time when the machine is busy. Node's
    // start and the 500,000 objects take tens of milliseconds of CPU on any machine.
    expect(figures.cpuUserMs + figures.cpuSystemMs).toBeGreaterThan(20);
    expect(figures.maxRssBytes).toBeGreaterThan(10 * 2 ** 20);
  });

  it('does nothing without ARACHNE_BENCH_METRICS_DIR', async () => {
    const { gcPreload, createMetricsDir } = await load();
    const dir = createMetricsDir();
    dirs.push(dir);
    expect(
      await runNode(['--import', gcPreload, '-e', collect], { ARACHNE_BENCH_METRICS_DIR: '' }),
    ).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('process metrics', () => {
  it('reads the reaped children’s user and system time from /proc/self/stat', async () => {
    const { reapedChildrenCpu } = await load();
    // pid (comm with ) and spaces) state … utime stime cutime cstime …: fields 16 and 17 are 250 and 40 ticks.
    const stat = '42 (node (x) y) S 1 42 42 0 -1 4194304 100 0 0 0 7 3 250 40 20 0 11 0 5000 0 0';
    expect(reapedChildrenCpu(stat)).toEqual({ userMs: 2500, systemMs: 400 });
  });

  it('gives the GC share of CPU', async () => {
    const { gcShare } = await load();
    expect(gcShare({ gcMs: 50, cpuUserMs: 150, cpuSystemMs: 50 })).toBe(0.25);
    expect(gcShare({ gcMs: 0, cpuUserMs: 0, cpuSystemMs: 0 })).toBeNaN();
  });

  it('measures a spawned tree: CPU of the reaped child, peak RSS, and the GC of each Node process in it', async () => {
    const { runMeasured } = await load();
    // The parent burns CPU and holds 96 MB; its own child (a second Node process) collects garbage too.
    const inner = JSON.stringify(`--expose-gc`);
    const script = `
      const { spawnSync } = require('node:child_process');
      spawnSync(process.execPath, [${inner}, '-e', ${JSON.stringify(collect)}], { stdio: 'inherit' });
      const b = Buffer.alloc(96 * 2 ** 20, 1);
      const end = Date.now() + 400; while (Date.now() < end) b[0]++;
      setTimeout(() => process.exit(0), 300);`;
    const run = await within(
      runMeasured(process.execPath, ['-e', script], { timeoutMs: 60_000 }),
      60_000,
      'the measured run',
    );
    expect(run.code).toBe(0);
    expect(run.cpuUserMs + run.cpuSystemMs).toBeGreaterThanOrEqual(300);
    expect(run.wallMs).toBeGreaterThan(400);
    expect(run.peakRssBytes).toBeGreaterThan(90 * 2 ** 20);
    expect(run.nodeProcesses).toBe(2);
    expect(run.gcCount).toBeGreaterThanOrEqual(5);
    expect(run.gcCpuMs).toBeGreaterThan(0);
  });
});
