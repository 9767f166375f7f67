// A crawl run by the CLI sizes V8's heap for itself (src/crawler/crawl-heap.ts): young semi-spaces held at 8 MB,
// the old generation grown to 1.5x what a major collection kept. The flags are process-wide, so each case runs a
// child Node: a workload shaped like a crawl (a working set that turns over, plus short-lived garbage) reports
// the largest new and old space it saw.

import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShopServerProcess, startShopServer } from '../../src/sample-shop/index.js';
import { runCli } from '../helpers/run-cli.js';

const run = promisify(execFile);
const crawlHeap = new URL('../../dist/crawler/crawl-heap.js', import.meta.url).href;

/** Churns the heap for about a second; prints {"newMb", "oldMb"}, the largest sizes seen. */
const churn = `
  const v8 = await import('node:v8');
  const space = (name) => v8.getHeapSpaceStatistics().find((s) => s.space_name === name).space_size / 1048576;
  let newMb = 0, oldMb = 0;
  const ring = new Array(200_000);
  for (let i = 0; i < 4_000_000; i++) {
    const garbage = { a: 'g' + i, b: [i] };
    if (i % 4 === 0) ring[(i / 4) % ring.length] = { url: 'https://shop.example/p/' + i, kept: garbage.b };
    if (i % 5000 === 0) {
      newMb = Math.max(newMb, space('new_space'));
      oldMb = Math.max(oldMb, space('old_space'));
      // GC notifications reach observers between turns of the event loop, as they do in a crawl.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  console.log(JSON.stringify({ newMb, oldMb }));
`;

interface HeapPeaks {
  newMb: number;
  oldMb: number;
}

async function peaks(body: string, nodeArgs: string[] = []): Promise<HeapPeaks> {
  const { stdout } = await run(process.execPath, [...nodeArgs, '--input-type=module', '-e', body], {
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as HeapPeaks;
}

const sized = `(await import('${crawlHeap}')).sizeHeapForCrawl();\n${churn}`;

describe('sizeHeapForCrawl', () => {
  it("V8's defaults: 16 MB semi-spaces and an old generation far above what the workload keeps", async () => {
    const { newMb, oldMb } = await peaks(churn);
    expect(newMb).toBe(32);
    expect(oldMb).toBeGreaterThan(110);
  });

  it('holds the semi-spaces at 8 MB and the old generation near what it keeps', async () => {
    const { newMb, oldMb } = await peaks(sized);
    expect(newMb).toBeLessThanOrEqual(16);
    expect(oldMb).toBeLessThan(90);
  });

  it('keeps the sizes a user chose with node flags', async () => {
    const { newMb, oldMb } = await peaks(sized, [
      '--max-semi-space-size=16',
      '--heap-growing-percent=300',
    ]);
    expect(newMb).toBe(32);
    expect(oldMb).toBeGreaterThan(110);
  });
});

describe('arachne crawl', () => {
  let shop: ShopServerProcess;
  let dir: string;
  beforeAll(async () => {
    shop = await startShopServer({ seed: 5, products: 20 });
    dir = await mkdtemp(join(tmpdir(), 'arachne-crawl-heap-'));
  });
  afterAll(() => shop?.stop());

  it('runs its crawl with the heap sized (the workload churns once the crawl is over)', async () => {
    // The flags outlive the crawl, so the same workload run at the crawl process's end shows them.
    const preload = join(dir, 'churn-at-exit.mjs');
    await writeFile(
      preload,
      `let done = false;\nprocess.on('beforeExit', async () => {\n  if (done) return;\n  done = true;\n${churn}\n});\n`,
    );
    const result = await runCli(
      ['crawl', `${shop.origin}/`, '-o', join(dir, 'pages.jsonl'), '--no-progress'],
      { nodeArgs: [`--import=${preload}`] },
    );
    expect(result.code, result.stderr).toBe(0);
    const { newMb, oldMb } = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as HeapPeaks;
    expect(newMb).toBeLessThanOrEqual(16);
    expect(oldMb).toBeLessThan(90);
  });
});
