// `npm run bench`: Arachne vs Crawlee on the seeded sample shop, each run in its own process. See bench/README.md.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  createMetricsDir,
  gcPreload,
  readProcessMetrics,
  runMeasured,
} from './process-metrics.mjs';
import {
  defaultCrawlers,
  formatRenderedReport,
  parseRenderedPlan,
  renderedCrawlers,
  renderedFigures,
  renderedTargets,
  summarizeRendered,
} from './rendered.mjs';
import { formatReport, ratios, runFigures, summarize } from './report.mjs';
import { verifyRun } from './verify.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const env = process.env;
/** "products:runs" pairs; each run = one Arachne run and one Crawlee run, alternating. */
const planText = env.BENCH_PLAN ?? '2000:3,20000:2';
const plan = (planText === 'off' || planText === '' ? [] : planText.split(',')).map((pair) => {
  const [products, runs = '1'] = pair.split(':');
  return { products: Number(products), runs: Number(runs) };
});
const crawlers = (env.BENCH_CRAWLERS ?? 'arachne,arachne-cli,crawlee,scrapy').split(',');
/** The realistic shop (navigation, facets, 15–60 KB pages) unless BENCH_REALISTIC=0 asks for the plain one. */
const realistic = env.BENCH_REALISTIC !== '0';
const concurrency = Number(env.BENCH_CONCURRENCY ?? 32);
const delayMs = Number(env.BENCH_DELAY_MS ?? 0);
const seed = Number(env.BENCH_SEED ?? 1);
const runTimeoutMs = Number(env.BENCH_TIMEOUT_MS ?? 15 * 60_000);
/** The rendered part: "mode:products:runs" triples over the rendered and mixed shops. */
const renderedPlan = parseRenderedPlan(env.BENCH_RENDERED_PLAN ?? 'rendered:200:1,mixed:200:1');
const renderedCrawlerList = env.BENCH_RENDERED_CRAWLERS
  ? env.BENCH_RENDERED_CRAWLERS.split(',')
  : undefined;
const renderedConcurrency = Number(env.BENCH_RENDERED_CONCURRENCY ?? 8);

function ensureBenchDependencies() {
  const modules = join(benchDir, 'node_modules');
  if (existsSync(join(modules, 'crawlee')) && existsSync(join(modules, 'playwright'))) return;
  console.log(
    'Installing the benchmark dependencies (crawlee, playwright) into bench/node_modules…',
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // The rendered bench drives Debian's Chromium: never let playwright download its own.
  execFileSync(npm, ['install', '--prefix', benchDir, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
    env: { ...env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
}

/** Forks one crawler run and resolves with what the child reports. */
function runChild(crawler, origin, storageDir, runner = {}) {
  const file = runner.file ?? `${crawler}-run.mjs`;
  // gc-preload.mjs reports the process's GC pauses and CPU at exit: the GC share of the run.
  const metricsDir = createMetricsDir();
  return new Promise((resolve, reject) => {
    const child = fork(join(benchDir, file), [origin, String(runner.concurrency ?? concurrency)], {
      execArgv: ['--import', gcPreload],
      env: {
        ...env,
        ...runner.env,
        ARACHNE_BENCH_METRICS_DIR: metricsDir,
        CRAWLEE_STORAGE_DIR: storageDir,
        CRAWLEE_PERSIST_STORAGE: 'false',
        CRAWLEE_PURGE_ON_START: 'true',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    // The tree of a run measured with its browsers, sampled outside the crawler and off this thread (which serves
    // the shop): see process-tree.mjs.
    let treeSampler;
    let treeFigures;
    const timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
    child.on('message', (message) => {
      if (message?.type === 'tree-meter') {
        treeSampler = new Worker(join(benchDir, 'tree-sampler-worker.mjs'), {
          workerData: { pid: child.pid, intervalMs: 100 },
        });
      }
      if (message?.type === 'result') {
        result = message.result;
        if (treeSampler) {
          treeFigures = once(treeSampler, 'message');
          treeSampler.postMessage('stop');
        }
      }
    });
    child.on('exit', async (code, signal) => {
      clearTimeout(timer);
      if (result && treeFigures) Object.assign(result, (await treeFigures)[0]);
      else await treeSampler?.terminate();
      const node = readProcessMetrics(metricsDir);
      rmSync(metricsDir, { recursive: true, force: true });
      if (result && node.processes > 0) {
        Object.assign(result, {
          gcMs: node.gcMs,
          gcCount: node.gcCount,
          gcCpuMs: node.cpuUserMs + node.cpuSystemMs,
        });
      }
      if (result) resolve(result);
      else
        reject(
          new Error(`${crawler} run exited (code ${code}, signal ${signal}) without a result`),
        );
    });
  });
}

/** The Python that can `import scrapy` (BENCH_PYTHON, python3 on PATH, Debian's /usr/bin/python3), if any. */
function findScrapyPython() {
  for (const python of [env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const probe = spawnSync(python, ['-c', 'import scrapy; print(scrapy.__version__)'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return undefined;
}

/** Items of a JSONL file (the CLI's and Scrapy's output); an absent file is no items. */
function readJsonl(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/**
 * The crawlers measured from outside, as a user starts them: a command, its items in a JSONL file. CPU, peak
 * RSS and GC come from process-metrics.mjs (reaped CPU, the sampled process tree, gc-preload.mjs).
 */
const commandCrawlers = {
  'arachne-cli': (origin, out) => ({
    command: process.execPath,
    args: [
      join(benchDir, '..', 'bin', 'arachne.js'),
      'crawl',
      join(benchDir, 'shop-spider.ts'),
      '--start',
      `${origin}/`,
      '-o',
      out,
      '--concurrency',
      String(concurrency),
      '--no-progress',
    ],
  }),
  scrapy: (origin, out, python) => ({
    command: python,
    args: [
      '-m',
      'scrapy',
      'runspider',
      join(benchDir, 'scrapy_shop.py'),
      '-a',
      `origin=${origin}`,
      '-O',
      `${out}:jsonlines`,
      '-s',
      `CONCURRENT_REQUESTS=${concurrency}`,
      '-s',
      `CONCURRENT_REQUESTS_PER_DOMAIN=${concurrency}`,
      '-s',
      'LOG_LEVEL=WARNING',
    ],
  }),
};

/** Runs one command crawler to its end; resolves like runChild, with the items read from its JSONL output. */
async function runCommand(crawler, origin, python) {
  const scratch = mkdtempSync(join(os.tmpdir(), `arachne-bench-${crawler}-`));
  try {
    const out = join(scratch, 'items.jsonl');
    const { command, args } = commandCrawlers[crawler](origin, out, python);
    const measured = await runMeasured(command, args, {
      cwd: scratch,
      timeoutMs: runTimeoutMs,
    });
    if (measured.code !== 0) {
      throw new Error(`${crawler} exited with code ${measured.code}, signal ${measured.signal}`);
    }
    const extracted = readJsonl(out);
    return { crawler, ...measured, items: extracted.length, extracted };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function versionOf(packageJson) {
  try {
    return JSON.parse(readFileSync(packageJson, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function chromiumVersion() {
  try {
    return execFileSync(env.BENCH_CHROMIUM ?? 'chromium', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** The rendered part (rendered.mjs): every crawler of a shop mode in alternation, one fresh process per run. */
async function runRenderedPart(auditCrawlLog, generateShop, startShopServer, storageDir, out) {
  for (const { mode, products, runs: count } of renderedPlan) {
    const shop = generateShop({ seed, products, mode });
    const server = await startShopServer({ seed, products, mode, delayMs, cache: 'all' });
    const list = renderedCrawlerList ?? defaultCrawlers[mode];
    console.log(
      `\n${mode} shop, ${products} products: ${shop.allowedPaths().length} allowed pages at ${server.origin}, ` +
        `load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
    try {
      for (let i = 0; i < count; i++) {
        for (const crawler of list) {
          const runner = renderedCrawlers[crawler];
          if (!runner) throw new Error(`BENCH_RENDERED_CRAWLERS: unknown crawler ${crawler}`);
          await server.resetLog();
          const run = { mode, crawler, products, index: i, loadBefore: os.loadavg()[0] };
          try {
            const { extracted, ...measured } = await runChild(crawler, server.origin, storageDir, {
              ...runner,
              concurrency: renderedConcurrency,
            });
            Object.assign(run, measured, {
              verification: verifyRun(shop, auditCrawlLog, await server.log(), extracted, {
                refetchAllowed: true,
                subresourcesAllowed: true,
              }),
            });
            const f = renderedFigures(run);
            console.log(
              `  ${crawler.padEnd(18)} run ${i + 1}: ${f.pages} pages in ${(run.wallMs / 1000).toFixed(1)} s, ` +
                `${f.pagesPerSecond.toFixed(1)} pages/s, ${f.cpuSecondsPer1000Pages.toFixed(0)} CPU s/1k, ` +
                `${f.peakTreeRssMb.toFixed(0)} MB peak RSS (${f.peakTreePssMb.toFixed(0)} MB PSS, ` +
                `${run.peakTreeProcesses} processes), API ${run.verification.apiRequests ?? 0}, ` +
                `check: ${run.verification.check}`,
            );
          } catch (error) {
            run.error = error instanceof Error ? error.message : String(error);
            console.log(`  ${crawler.padEnd(18)} run ${i + 1}: FAILED: ${run.error}`);
          }
          out.push(run);
        }
      }
    } finally {
      await server.stop();
    }
  }
}

async function main() {
  ensureBenchDependencies();
  if (!existsSync(join(benchDir, '..', 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does it)');
  }
  const { auditCrawlLog, generateShop, startShopServer } = await import(
    '../dist/sample-shop/index.js'
  );
  // Arachne and Crawlee launch the same Chromium (run in child processes that inherit env): Arachne's default,
  // unless BENCH_CHROMIUM names another.
  const { installedChromium } = await import('../dist/browser/chromium-path.js');
  env.BENCH_CHROMIUM ??= installedChromium();
  const storageDir = mkdtempSync(join(os.tmpdir(), 'arachne-bench-crawlee-'));
  const scrapy = crawlers.includes('scrapy') ? findScrapyPython() : undefined;
  const crawlerList = crawlers.filter((crawler) => crawler !== 'scrapy' || scrapy);
  if (crawlers.includes('scrapy') && !scrapy) {
    console.log(
      'Scrapy skipped: no python3 here can `import scrapy` (Debian: apt-get install python3-scrapy; or set BENCH_PYTHON).',
    );
  }
  const runs = [];
  const renderedRuns = [];
  try {
    for (const { products, runs: count } of plan) {
      const shop = generateShop({ seed, products, realistic });
      // Every page rendered up front: the server then only writes Buffers, and costs the same in every run.
      // Rendering 21,000 realistic pages takes a while on a busy machine: more than the default minute.
      const server = await startShopServer({
        seed,
        products,
        realistic,
        delayMs,
        cache: 'all',
        startTimeoutMs: 10 * 60_000,
      });
      console.log(
        `\n${products} products${realistic ? ', realistic shop' : ''}: ${shop.allowedPaths().length} allowed pages at ${server.origin}, ` +
          `load average ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(' ')}`,
      );
      try {
        for (let i = 0; i < count; i++) {
          for (const crawler of crawlerList) {
            await server.resetLog();
            const run = { crawler, products, index: i, loadBefore: os.loadavg()[0] };
            try {
              const { extracted, ...measured } = commandCrawlers[crawler]
                ? await runCommand(crawler, server.origin, scrapy?.python)
                : await runChild(crawler, server.origin, storageDir);
              Object.assign(run, measured, {
                verification: verifyRun(shop, auditCrawlLog, await server.log(), extracted),
              });
              const f = runFigures(run);
              const gc = Number.isFinite(f.gcShare)
                ? `${(f.gcShare * 100).toFixed(0)} % GC`
                : 'GC –';
              console.log(
                `  ${crawler.padEnd(11)} run ${i + 1}: ${f.pages} pages in ${(run.wallMs / 1000).toFixed(1)} s, ` +
                  `${f.pagesPerSecond.toFixed(0)} pages/s, ${f.cpuSecondsPer1000Pages.toFixed(2)} CPU s/1k, ` +
                  `${f.peakRssMb.toFixed(0)} MB peak RSS, ${gc}, load ${run.loadBefore.toFixed(1)}, ` +
                  `check: ${run.verification.check}`,
              );
            } catch (error) {
              run.error = error instanceof Error ? error.message : String(error);
              console.log(`  ${crawler.padEnd(11)} run ${i + 1}: FAILED: ${run.error}`);
            }
            runs.push(run);
          }
        }
        const serverStats = await server.stats();
        console.log(
          `  shop server: peak RSS ${(serverStats.peakRssBytes / 2 ** 20).toFixed(0)} MB`,
        );
      } finally {
        await server.stop();
      }
    }
    await runRenderedPart(auditCrawlLog, generateShop, startShopServer, storageDir, renderedRuns);
  } finally {
    rmSync(storageDir, { recursive: true, force: true });
  }

  const summary = summarize(runs);
  const ratioRows = ratios(summary);
  if (runs.length > 0) console.log(`\n${formatReport(summary, ratioRows)}\n`);
  const renderedSummary = summarizeRendered(renderedRuns);
  const renderedTargetRows = renderedTargets(renderedSummary);
  if (renderedRuns.length > 0) {
    console.log(`\nRendered and mixed shops (concurrency ${renderedConcurrency}):\n`);
    console.log(`${formatRenderedReport(renderedSummary, renderedTargetRows)}\n`);
  }
  const outDir = join(benchDir, 'out');
  mkdirSync(outDir, { recursive: true });
  const results = {
    date: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      arachne: versionOf(join(benchDir, '..', 'package.json')),
      crawlee: versionOf(join(benchDir, 'node_modules', 'crawlee', 'package.json')),
      scrapy: scrapy ? `${scrapy.version} (${scrapy.python})` : 'not installed',
      playwright: versionOf(join(benchDir, 'node_modules', 'playwright', 'package.json')),
      chromium: chromiumVersion(),
      loadAverage: os.loadavg(),
    },
    settings: {
      plan,
      crawlers: crawlerList,
      realistic,
      concurrency,
      perHostArachne: concurrency,
      delayMs,
      seed,
    },
    summary,
    ratios: ratioRows,
    runs,
    rendered: {
      settings: {
        plan: renderedPlan,
        crawlers: renderedCrawlerList ?? defaultCrawlers,
        concurrency: renderedConcurrency,
        seed,
      },
      summary: renderedSummary,
      targets: renderedTargetRows,
      runs: renderedRuns,
    },
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Results written to ${join(outDir, 'results.json')}`);
}

await main();
