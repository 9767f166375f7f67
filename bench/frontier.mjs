// Frontier and seen-set scale: pushes N synthetic URLs (default 5,000,000) through the memory and SQLite
// frontiers, each in its own process, and reports peak RSS, bytes per seen URL and operations per second.
// Run after `npm run build`: node bench/frontier.mjs [N]
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const total = Number(process.argv[2] ?? process.env.BENCH_FRONTIER_URLS ?? 5_000_000);
const chunk = 10_000;

function peakRssMb() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

/** Synthetic crawl-like URLs: many hosts, realistic paths. */
function url(i) {
  return `https://shop-${i % 997}.example/category/item-${i}/page/${i % 13}.html?ref=${i % 7}`;
}

async function child(mode) {
  const { MemoryFrontier } = await import('../dist/crawler/frontier.js');
  const { createRequest } = await import('../dist/crawler/request.js');
  const ready = () => true;
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  if (mode === 'memory') {
    // Add in chunks and drain each: the queue stays small, the seen set grows to N.
    const frontier = new MemoryFrontier();
    const start = performance.now();
    for (let i = 0; i < total; i += chunk) {
      const batch = [];
      for (let j = i; j < Math.min(total, i + chunk); j++) batch.push(createRequest(url(j)));
      frontier.add(batch);
      for (let r = frontier.next(ready); r; r = frontier.next(ready))
        frontier.complete(r, { children: [], items: [] });
    }
    const seconds = (performance.now() - start) / 1000;
    // After a full collection what stays is the seen set (the queue was drained): its cost per URL.
    globalThis.gc?.();
    return {
      mode,
      urls: total,
      seconds,
      cyclesPerSecond: total / seconds,
      peakRssMb: peakRssMb(),
      retainedBytesPerUrl: (process.memoryUsage().rss - baseline) / total,
      queuedAtEnd: frontier.size(),
    };
  }
  const { SqliteFrontier } = await import('../dist/state/index.js');
  const dir = mkdtempSync(join(os.tmpdir(), 'arachne-frontier-bench-'));
  const path = join(dir, 'state.db');
  try {
    const frontier = SqliteFrontier.open(path, 'bench');
    let start = performance.now();
    for (let i = 0; i < total; i += chunk) {
      const batch = [];
      for (let j = i; j < Math.min(total, i + chunk); j++) batch.push(createRequest(url(j)));
      frontier.add(batch);
    }
    const addSeconds = (performance.now() - start) / 1000;
    const queuedPeakRssMb = peakRssMb();
    start = performance.now();
    let popped = 0;
    for (let r = frontier.next(ready); r; r = frontier.next(ready)) {
      frontier.complete(r, { children: [], items: [] });
      popped++;
    }
    const popSeconds = (performance.now() - start) / 1000;
    frontier.close();
    return {
      mode,
      urls: total,
      popped,
      insertsPerSecond: total / addSeconds,
      popsPerSecond: popped / popSeconds,
      queuedPeakRssMb,
      peakRssMb: peakRssMb(),
      diskBytesPerUrl: statSync(path).size / total,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.ARACHNE_FRONTIER_BENCH_CHILD) {
  process.send(await child(process.env.ARACHNE_FRONTIER_BENCH_CHILD));
  process.exit(0);
}

const results = [];
// Each mode in its own process, so one's garbage does not count against the other.
for (const mode of ['memory', 'sqlite']) {
  const result = await new Promise((resolve, reject) => {
    const worker = fork(fileURLToPath(import.meta.url), [String(total)], {
      env: { ...process.env, ARACHNE_FRONTIER_BENCH_CHILD: mode },
      execArgv: ['--max-old-space-size=8192', '--expose-gc'],
    });
    worker.once('message', resolve);
    worker.once(
      'exit',
      (code) => code !== 0 && reject(new Error(`${mode} bench exited with ${code}`)),
    );
  });
  results.push(result);
  console.log(JSON.stringify(result));
}

const [memory, sqlite] = results;
mkdirSync(join(dirname(fileURLToPath(import.meta.url)), 'out'), { recursive: true });
writeFileSync(
  join(dirname(fileURLToPath(import.meta.url)), 'out', 'frontier.json'),
  `${JSON.stringify(results, null, 2)}\n`,
);
console.log(`\nFrontier at ${total.toLocaleString('en')} URLs`);
console.log(
  `memory: ${memory.cyclesPerSecond.toFixed(0)} add+next+complete/s, peak RSS ${memory.peakRssMb.toFixed(0)} MB, ${memory.retainedBytesPerUrl.toFixed(1)} B retained per seen URL (after GC, queue drained)`,
);
console.log(
  `sqlite: ${sqlite.insertsPerSecond.toFixed(0)} inserts/s, ${sqlite.popsPerSecond.toFixed(0)} next+complete/s, peak RSS ${sqlite.queuedPeakRssMb.toFixed(0)} MB with all ${total.toLocaleString('en')} queued, ${sqlite.diskBytesPerUrl.toFixed(0)} B on disk per URL`,
);
