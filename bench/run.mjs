// `npm run bench`: Arachne vs Crawlee on the seeded sample shop, each run in its own process. See bench/README.md.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReport, ratios, runFigures, summarize } from './report.mjs';
import { verifyRun } from './verify.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const env = process.env;
/** "products:runs" pairs; each run = one Arachne run and one Crawlee run, alternating. */
const plan = (env.BENCH_PLAN ?? '2000:3,20000:2').split(',').map((pair) => {
  const [products, runs = '1'] = pair.split(':');
  return { products: Number(products), runs: Number(runs) };
});
const crawlers = (env.BENCH_CRAWLERS ?? 'arachne,crawlee').split(',');
const concurrency = Number(env.BENCH_CONCURRENCY ?? 32);
const delayMs = Number(env.BENCH_DELAY_MS ?? 0);
const seed = Number(env.BENCH_SEED ?? 1);
const runTimeoutMs = Number(env.BENCH_TIMEOUT_MS ?? 15 * 60_000);

function ensureBenchDependencies() {
  if (existsSync(join(benchDir, 'node_modules', 'crawlee'))) return;
  console.log('Installing the benchmark dependencies (crawlee) into bench/node_modules…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--prefix', benchDir, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
}

/** Forks one crawler run and resolves with what the child reports. */
function runChild(crawler, origin, storageDir) {
  return new Promise((resolve, reject) => {
    const child = fork(join(benchDir, `${crawler}-run.mjs`), [origin, String(concurrency)], {
      execArgv: [],
      env: {
        ...env,
        CRAWLEE_STORAGE_DIR: storageDir,
        CRAWLEE_PERSIST_STORAGE: 'false',
        CRAWLEE_PURGE_ON_START: 'true',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    const timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
    child.on('message', (message) => {
      if (message?.type === 'result') result = message.result;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else
        reject(
          new Error(`${crawler} run exited (code ${code}, signal ${signal}) without a result`),
        );
    });
  });
}

function versionOf(packageJson) {
  try {
    return JSON.parse(readFileSync(packageJson, 'utf8')).version;
  } catch {
    return 'unknown';
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
  const storageDir = mkdtempSync(join(os.tmpdir(), 'arachne-bench-crawlee-'));
  const runs = [];
  try {
    for (const { products, runs: count } of plan) {
      const shop = generateShop({ seed, products });
      // Every page rendered up front: the server then only writes Buffers, and costs the same in every run.
      const server = await startShopServer({ seed, products, delayMs, cache: 'all' });
      console.log(
        `\n${products} products: ${shop.allowedPaths().length} allowed pages at ${server.origin}`,
      );
      try {
        for (let i = 0; i < count; i++) {
          for (const crawler of crawlers) {
            await server.resetLog();
            const run = { crawler, products, index: i };
            try {
              const { extracted, ...measured } = await runChild(crawler, server.origin, storageDir);
              Object.assign(run, measured, {
                verification: verifyRun(shop, auditCrawlLog, await server.log(), extracted),
              });
              const f = runFigures(run);
              console.log(
                `  ${crawler.padEnd(8)} run ${i + 1}: ${f.pages} pages in ${(run.wallMs / 1000).toFixed(1)} s, ` +
                  `${f.pagesPerSecond.toFixed(0)} pages/s, ${f.cpuSecondsPer1000Pages.toFixed(2)} CPU s/1k, ` +
                  `${f.peakRssMb.toFixed(0)} MB peak RSS, check: ${run.verification.check}`,
              );
            } catch (error) {
              run.error = error instanceof Error ? error.message : String(error);
              console.log(`  ${crawler.padEnd(8)} run ${i + 1}: FAILED: ${run.error}`);
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
  } finally {
    rmSync(storageDir, { recursive: true, force: true });
  }

  const summary = summarize(runs);
  const ratioRows = ratios(summary);
  console.log(`\n${formatReport(summary, ratioRows)}\n`);
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
    },
    settings: { plan, crawlers, concurrency, perHostArachne: concurrency, delayMs, seed },
    summary,
    ratios: ratioRows,
    runs,
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Results written to ${join(outDir, 'results.json')}`);
}

await main();
