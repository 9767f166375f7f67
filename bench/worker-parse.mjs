// Issue 2: does parsing on worker threads raise crawl throughput on this machine? Fetches every product page of a
// 2,000-product shop (32 concurrent, undici) and parses each one on the main thread, on 1 worker or on 2 workers.
// Usage: npm run build && node bench/worker-parse.mjs [rounds=3]   (BENCH_MODES=main,worker-1,worker-2,fetch-only)
// Each run is a fresh child process (so CPU and peak RSS are per run); modes alternate, order rotating per round.
// The shop server runs in its own process and competes for the same cores, as in bench/run.mjs.
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const root = new URL('../', import.meta.url);
const load = (path) => import(new URL(path, root).href);
const PRODUCTS = 2000;
const SEED = 1;
const CONCURRENCY = 32;
// fetch-only (no parse at all) is an optional reference: the ceiling any parsing mode could reach.
const MODES = { main: 0, 'worker-1': 1, 'worker-2': 2, 'fetch-only': 0 };
const MODE_LIST = (process.env.BENCH_MODES ?? 'main,worker-1,worker-2').split(',');
const RUN_TIMEOUT_MS = 300_000;
// Other jobs share this machine: each run starts on a quiet machine, and a run during which other processes used
// more than MAX_FOREIGN_CORES on average is kept in the JSON but left out of the medians and retried.
const QUIET_PERCENT = 10;
const QUIET_WAIT_MS = 180_000;
const MAX_FOREIGN_CORES = 0.1;
const MAX_ATTEMPTS = 6;
const CLOCK_TICKS_PER_SECOND = 100; // `getconf CLK_TCK` on Linux

/** Decode + parse + the bench spider's extraction: the work that may move off the main thread. */
function makeParser(decodeBody, parseHtml) {
  return (body, contentType, url) => {
    const doc = parseHtml(decodeBody(body, contentType).text, { url });
    return {
      title: doc.text('h1.product-title'),
      price: doc.text('.price'),
      sku: doc.text('.sku'),
      links: doc.links(),
    };
  };
}

// ---- Worker thread: parses what the main thread sends ------------------------------------------------------------
if (!isMainThread && workerData?.role === 'parser') {
  // Only the modules parsing needs: dist/http/index.js would also load undici (~130 ms of start-up).
  const { decodeBody } = await load('dist/http/charset.js');
  const { parseHtml } = await load('dist/html/parse.js');
  const parse = makeParser(decodeBody, parseHtml);
  parentPort.on('message', ({ id, body, contentType, url }) => {
    parentPort.postMessage({ id, ...parse(Buffer.from(body), contentType, url) });
  });
  parentPort.postMessage({ ready: true });
}

/** Linux counters from /proc; undefined where /proc is missing. */
function procNumbers(file, pick) {
  try {
    return pick(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
const peakRssBytes = () =>
  procNumbers('/proc/self/status', (s) => Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1]) * 1024);
/** user + system CPU ms of another process (its threads included). */
const processCpuMs = (pid) =>
  procNumbers(`/proc/${pid}/stat`, (s) => {
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  });
/** Whole-machine jiffies: [busy, total]. Shows whether the cores had anything to spare during a run. */
const machineJiffies = () =>
  procNumbers('/proc/stat', (s) => {
    const cpu = s.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = cpu[3] + cpu[4]; // idle + iowait
    return [total - idle, total];
  });

// ---- Child process: one measured run of one mode -----------------------------------------------------------------
async function childRun(mode, origin, serverPid) {
  const require = createRequire(new URL('package.json', root));
  const { Pool, request } = await import(pathToFileURL(require.resolve('undici')).href);
  const { decodeBody } = await load('dist/http/index.js');
  const { parseHtml } = await load('dist/html/index.js');
  const { generateShop } = await load('dist/sample-shop/index.js');
  const expected = generateShop({ seed: SEED, products: PRODUCTS }).expectedItems();
  const parseHere = makeParser(decodeBody, parseHtml);
  const workerCount = MODES[mode];

  const machineStart = machineJiffies();
  const serverCpuStart = processCpuMs(serverPid);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  // Worker start-up is inside the measurement: a crawl pays it. Reported separately so it can be subtracted.
  const workers = await Promise.all(
    Array.from(
      { length: workerCount },
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'parser' } });
          worker.once('error', reject);
          worker.once('message', () => resolve(worker));
        }),
    ),
  );
  const workerStartMs = performance.now() - started;
  const waiting = new Map();
  for (const worker of workers) {
    worker.on('message', (message) => {
      waiting.get(message.id)(message);
      waiting.delete(message.id);
    });
  }
  let nextId = 0;
  const parseOnWorker = (body, contentType, url) => {
    const id = nextId++;
    // A Buffer may be a view into a shared pool; transfer only a buffer that owns its whole ArrayBuffer.
    const owned =
      body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
        ? body.buffer
        : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      workers[id % workers.length].postMessage({ id, body: owned, contentType, url }, [owned]);
    });
  };
  const noParse = async () => ({ links: [] });
  const parse =
    mode === 'fetch-only'
      ? noParse
      : workerCount === 0
        ? async (...args) => parseHere(...args)
        : parseOnWorker;

  const pool = new Pool(origin, { connections: CONCURRENCY });
  const items = [];
  const seenLinks = new Set(); // the frontier's dedupe: main-thread work in every mode
  let failed = 0;
  let next = 0;
  async function fetcher() {
    while (next < expected.length) {
      const url = `${origin}${expected[next++].url}`;
      const { statusCode, headers, body } = await request(url, { dispatcher: pool });
      const chunks = [];
      for await (const chunk of body) chunks.push(chunk);
      if (statusCode !== 200) {
        failed++;
        continue;
      }
      const {
        links,
        id: _id,
        ...fields
      } = await parse(Buffer.concat(chunks), String(headers['content-type']), url);
      items.push({ url, ...fields });
      for (const link of links) seenLinks.add(link);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, fetcher));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const serverCpuMs =
    serverCpuStart === undefined ? undefined : processCpuMs(serverPid) - serverCpuStart;
  const machineEnd = machineJiffies();
  await Promise.all(workers.map((worker) => worker.terminate()));
  await pool.close();

  // Checked after the clock stops: the same output in every mode, and correct.
  const byUrl = new Map(items.map((item) => [item.url, item]));
  let wrong = 0;
  for (const want of expected) {
    const got = byUrl.get(`${origin}${want.url}`);
    if (
      got?.title !== want.title ||
      got.price !== `$${want.price.toFixed(2)}` ||
      !got.sku?.includes(want.sku)
    )
      wrong++;
  }
  const cpuMs = (cpu.user + cpu.system) / 1000;
  let machine = {};
  if (machineStart !== undefined && serverCpuMs !== undefined) {
    const busyMs = ((machineEnd[0] - machineStart[0]) * 1000) / CLOCK_TICKS_PER_SECOND;
    const totalMs = ((machineEnd[1] - machineStart[1]) * 1000) / CLOCK_TICKS_PER_SECOND;
    machine = {
      machineBusyPercent: (100 * busyMs) / totalMs,
      // CPU that neither the crawler nor the shop server used: other jobs on the machine (±10 ms jiffy rounding).
      foreignCores: Math.max(0, busyMs - cpuMs - serverCpuMs) / wallMs,
    };
  }
  return {
    mode,
    pages: items.length,
    failed,
    wrong,
    distinctLinks: seenLinks.size,
    wallMs,
    workerStartMs,
    cpuMs,
    serverCpuMs,
    ...machine,
    peakRssBytes: peakRssBytes() ?? process.memoryUsage.rss(),
  };
}

// ---- Parent: server, alternation, table, JSON --------------------------------------------------------------------
function runChild(mode, origin, serverPid) {
  return new Promise((resolve, reject) => {
    const loadBefore = os.loadavg()[0];
    const child = fork(new URL(import.meta.url), ['--child', mode, origin, String(serverPid)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let result;
    child.on('message', (message) => {
      result = message;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!result) reject(new Error(`${mode} run exited with code ${code} and no result`));
      else resolve({ ...result, loadAverage1mBefore: loadBefore });
    });
  });
}

/** Waits (bounded) until the whole machine was < QUIET_PERCENT busy over one second; returns the seconds waited. */
async function waitForQuiet() {
  const started = performance.now();
  while (performance.now() - started < QUIET_WAIT_MS) {
    const before = machineJiffies();
    if (before === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = machineJiffies();
    if ((100 * (after[0] - before[0])) / (after[1] - before[1]) < QUIET_PERCENT) break;
  }
  return (performance.now() - started) / 1000;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function parentRun() {
  const rounds = Number(process.argv[2] ?? 3);
  const { startShopServer } = await load('dist/sample-shop/index.js');
  const server = await startShopServer({ seed: SEED, products: PRODUCTS, cache: 'all' });
  const runs = [];
  try {
    console.log(
      `uptime load average: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    // Warm-up, discarded: the server's JIT and sockets are cold on the first crawl.
    await runChild('main', server.origin, server.pid);
    const order = MODE_LIST;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < order.length; i++) {
        const mode = order[(i + round) % order.length];
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const waitedSeconds = await waitForQuiet();
          const run = await runChild(mode, server.origin, server.pid);
          if (run.pages !== PRODUCTS || run.failed || (mode !== 'fetch-only' && run.wrong))
            throw new Error(`bad run: ${JSON.stringify(run)}`);
          run.round = round;
          run.attempt = attempt;
          run.waitedForQuietSeconds = waitedSeconds;
          run.disturbed = (run.foreignCores ?? 0) > MAX_FOREIGN_CORES;
          runs.push(run);
          console.log(
            `round ${round + 1} ${mode.padEnd(10)} ${(run.pages / (run.wallMs / 1000)).toFixed(0).padStart(5)} pages/s, ` +
              `cpu ${(run.cpuMs / 1000).toFixed(2)} s, machine busy ${run.machineBusyPercent?.toFixed(0)} %, ` +
              `other jobs ${run.foreignCores?.toFixed(2)} cores${run.disturbed ? '  DISTURBED, retrying' : ''}`,
          );
          if (!run.disturbed) break;
        }
      }
    }
    const serverStats = await server.stats();
    const summary = MODE_LIST.map((mode) => {
      const clean = runs.filter((run) => run.mode === mode && !run.disturbed);
      // A mode that never got a quiet run is summarised from all its runs, and says so.
      const mine = clean.length > 0 ? clean : runs.filter((run) => run.mode === mode);
      const pagesPerSecond = mine.map((run) => run.pages / (run.wallMs / 1000));
      const afterStart = mine.map((run) => run.pages / ((run.wallMs - run.workerStartMs) / 1000));
      return {
        mode,
        runs: mine.length,
        cleanRunsOnly: clean.length > 0,
        disturbedRuns: runs.filter((run) => run.mode === mode && run.disturbed).length,
        pagesPerSecond: median(pagesPerSecond),
        pagesPerSecondMin: Math.min(...pagesPerSecond),
        pagesPerSecondMax: Math.max(...pagesPerSecond),
        // Pages/s once the workers are up: what a crawl long enough to amortise their start-up would approach.
        pagesPerSecondAfterWorkerStart: median(afterStart),
        cpuSecondsPer1kPages: median(mine.map((run) => run.cpuMs / run.pages)),
        peakRssMb: median(mine.map((run) => run.peakRssBytes / 2 ** 20)),
        workerStartMs: median(mine.map((run) => run.workerStartMs)),
        serverCpuSecondsPer1kPages: mine.every((run) => run.serverCpuMs !== undefined)
          ? median(mine.map((run) => run.serverCpuMs / run.pages))
          : undefined,
        machineBusyPercent: median(mine.map((run) => run.machineBusyPercent ?? Number.NaN)),
        foreignCores: median(mine.map((run) => run.foreignCores ?? Number.NaN)),
      };
    });
    const base = summary[0].pagesPerSecond;
    const baseAfterStart = summary[0].pagesPerSecondAfterWorkerStart;
    const versus = (value, reference) =>
      `${value >= reference ? '+' : ''}${(((value - reference) / reference) * 100).toFixed(1)} %`;
    console.log(
      '\nmode         pages/s (min–max)     vs main  excl. worker start (vs main)  CPU s/1k  peak RSS MB  worker start ms  server CPU s/1k  machine busy %  runs (disturbed)',
    );
    for (const row of summary) {
      console.log(
        `${row.mode.padEnd(12)} ${row.pagesPerSecond.toFixed(0).padStart(5)} (${row.pagesPerSecondMin.toFixed(0)}–${row.pagesPerSecondMax.toFixed(0)})`.padEnd(
          35,
        ) +
          versus(row.pagesPerSecond, base).padStart(8) +
          `${row.pagesPerSecondAfterWorkerStart.toFixed(0).padStart(10)} (${versus(row.pagesPerSecondAfterWorkerStart, baseAfterStart)})`.padEnd(
            30,
          ) +
          `${row.cpuSecondsPer1kPages.toFixed(2).padStart(10)}` +
          `${row.peakRssMb.toFixed(0).padStart(13)}` +
          `${row.workerStartMs.toFixed(0).padStart(17)}` +
          `${row.serverCpuSecondsPer1kPages?.toFixed(2).padStart(17) ?? '              n/a'}` +
          `${row.machineBusyPercent.toFixed(0).padStart(16)}` +
          `${String(row.runs).padStart(8)} (${row.disturbedRuns})${row.cleanRunsOnly ? '' : ' ALL DISTURBED'}`,
      );
    }
    const outDir = new URL('bench/out/', root);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      new URL('worker-parse.json', outDir),
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          environment: {
            node: process.version,
            cpus: os.cpus().length,
            cpuModel: os.cpus()[0]?.model,
            loadAverageAtEnd: os.loadavg(),
          },
          settings: {
            seed: SEED,
            products: PRODUCTS,
            concurrency: CONCURRENCY,
            rounds,
            modes: MODE_LIST,
            quietPercent: QUIET_PERCENT,
            maxForeignCores: MAX_FOREIGN_CORES,
          },
          notes: [
            'Each run: a fresh child process fetching all product pages once; pages/s over the whole run, worker start-up included.',
            'cpuMs: process.cpuUsage() of the crawler child (all its threads) over the measured window.',
            'machineBusyPercent: whole machine (/proc/stat) during the measured window, other jobs included. serverCpuMs is over the same window.',
            `foreignCores: machine busy time minus crawler and server CPU, per wall second. Runs above ${MAX_FOREIGN_CORES} are marked disturbed, retried, and left out of the summary.`,
          ],
          summary,
          server: { peakRssBytes: serverStats.peakRssBytes },
          runs,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await server.stop();
  }
}

if (isMainThread) {
  if (process.argv[2] === '--child') {
    const result = await childRun(process.argv[3], process.argv[4], Number(process.argv[5]));
    process.send(result, () => process.exit(0));
  } else {
    await parentRun();
  }
}
