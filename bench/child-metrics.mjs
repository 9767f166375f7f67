// Measures one crawler run from inside its own process: wall time, CPU (user + system), peak RSS.
import { readFileSync } from 'node:fs';

/** Linux VmHWM: the kernel's own peak resident set for this process; undefined elsewhere. */
function kernelPeakRss() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Starts measuring now (call right before the crawl, after imports); `stop()` returns the figures. */
export function startMeter() {
  const cpuStart = process.cpuUsage();
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
      return {
        wallMs,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
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
