// Preloaded into a benchmarked Node process (`node --import ./bench/gc-preload.mjs …`, or through NODE_OPTIONS so
// every Node process of a tree gets it): sums the durations of the garbage collector's pauses (perf_hooks 'gc'
// entries) and, at exit, writes them with the process's own CPU and peak RSS (process.resourceUsage()) to
// `$ARACHNE_BENCH_METRICS_DIR/<pid>.json`. Without that variable it does nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';

const dir = process.env.ARACHNE_BENCH_METRICS_DIR;
if (dir) {
  let gcMs = 0;
  let gcCount = 0;
  const add = (entries) => {
    for (const entry of entries) {
      gcMs += entry.duration;
      gcCount++;
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  // 'exit' handlers run synchronously, after process.exit() too: entries not yet delivered are taken here. Node
  // queues each 'gc' entry from an immediate after the pause, so the pauses of a process's very last turn before
  // a process.exit() are missed: a few ms against a crawl's thousands of collections.
  process.on('exit', () => {
    add(observer.takeRecords());
    observer.disconnect();
    const usage = process.resourceUsage();
    const figures = {
      pid: process.pid,
      argv: process.argv.slice(1, 3),
      gcMs,
      gcCount,
      cpuUserMs: usage.userCPUTime / 1000,
      cpuSystemMs: usage.systemCPUTime / 1000,
      maxRssBytes: usage.maxRSS * 1024,
    };
    try {
      writeFileSync(join(dir, `${process.pid}.json`), `${JSON.stringify(figures)}\n`);
    } catch {
      // The directory is gone: the benchmark already gave up on this run.
    }
  });
}
