// Measures one crawler run from inside its own process: wall time, CPU (user + system), peak RSS.
import { readFileSync } from 'node:fs';
import { startTreeSampler } from './process-tree.mjs';

/** Linux VmHWM: the kernel's own peak resident set for this process; undefined elsewhere. */
function kernelPeakRss() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU ms of this process's finished children (cutime + cstime in /proc/self/stat), e.g. the `ps` and `cat`
 * commands Crawlee's system monitor spawns every second. 0 where /proc is missing. Assumes 100 ticks/s (Linux).
 */
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

/**
 * Starts measuring now (call right before the crawl, after imports); `stop()` returns the figures.
 * `{ tree: true }` also samples this process and all its descendants (browsers) every 100 ms: see process-tree.mjs.
 * Under bench/run.mjs the parent samples the tree (asked here, its figures joined to the result there); run on its
 * own, this process does.
 */
export function startMeter({ tree = false } = {}) {
  if (tree && process.send) process.send({ type: 'tree-meter' });
  const treeSampler = tree && !process.send ? startTreeSampler(100) : undefined;
  const cpuStart = process.cpuUsage();
  const childrenStart = childrenCpuMs();
  const started = performance.now();
  let sampledPeak = process.memoryUsage.rss();
  // Sampling backs up VmHWM on systems without /proc; unref so it never keeps the process alive.
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
  }, 50);
  sampler.unref();
  return {
    stop() {
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuStart);
      clearInterval(sampler);
      sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
      const peak = kernelPeakRss();
      const treeFigures = treeSampler?.stop();
      return {
        ...treeFigures,
        wallMs,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        childProcessesCpuMs: childrenCpuMs() - childrenStart,
        peakRssBytes: peak ?? sampledPeak,
        peakRssSource: peak === undefined ? 'sampled' : 'VmHWM',
        sampledPeakRssBytes: sampledPeak,
      };
    },
  };
}

/** Sends the result to the parent and exits once it is delivered (crawler timers may linger). */
export function report(result) {
  if (!process.send) {
    console.log(JSON.stringify(result));
    process.exit(0);
  }
  process.send({ type: 'result', result }, () => process.exit(0));
}

/** Reads `origin` and `concurrency` from argv: node <runner> <origin> <concurrency>. */
export function runArguments() {
  const [origin, concurrency = '32'] = process.argv.slice(2);
  if (!origin) throw new Error('usage: node <runner>.mjs <origin> [concurrency]');
  return { origin, concurrency: Number(concurrency) };
}
