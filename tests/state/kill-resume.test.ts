import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { collectOutput, fileReaches, type Output, waitFor } from '../helpers/wait.js';

const products = 250;
const seed = 11;
// Kills per format before the final run: each a fresh process that resumes from the state the last one left.
const killRounds = 3;
const spiderPath = fileURLToPath(new URL('../../examples/shop.ts', import.meta.url));
let shop: ShopServerProcess;
let dir: string;

beforeAll(async () => {
  // A little latency per page, so a crawl lasts long enough to be killed in the middle several times.
  shop = await startShopServer({ seed, products, delayMs: 15 });
  dir = await mkdtemp(join(tmpdir(), 'arachne-resume-'));
});
afterAll(() => shop?.stop());

function crawlArgs(state: string, out: string): string[] {
  // Two requests at a time against a server that takes 15 ms a page: a crawl of a few seconds.
  const slow = ['--concurrency', '2', '--per-host', '2'];
  return ['crawl', spiderPath, '--start', `${shop.origin}/`, '--state', state, '-o', out, ...slow];
}

/** A crawl at log level debug: its stderr has a line per response, so a test can stop it at a point of its progress. */
function start(args: string[]): {
  child: ChildProcess;
  done: Promise<number | null>;
  stderr: Output;
} {
  const child = spawn(
    process.execPath,
    [binPath, ...args, '--no-progress', '--log-level', 'debug'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const stderr = collectOutput(child.stderr);
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, done, stderr };
}

/** The line the crawl logs for each response, at debug level. */
const responseLine = / DEBUG \d{3} GET /;

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

async function readItems(path: string): Promise<Array<{ url: string }>> {
  return lines(await readFile(path, 'utf8')).map((line) => JSON.parse(line) as { url: string });
}

/** The text of a file as far as it can be read: a gzip file killed mid-member is read up to the tear. */
async function readTorn(path: string): Promise<string> {
  const raw = await readFile(path);
  if (!path.endsWith('.gz')) return raw.toString('utf8');
  return gunzipSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
}

type Format = 'jsonl' | 'json' | 'csv' | 'jsonl.gz';

/** The items of an output file in any format, read the strict way: a torn or repeated part fails. */
async function readOutput(path: string, format: Format): Promise<Array<{ url: string }>> {
  if (format === 'jsonl') return readItems(path);
  if (format === 'jsonl.gz') {
    return lines(gunzipSync(await readFile(path)).toString('utf8')).map(
      (line) => JSON.parse(line) as { url: string },
    );
  }
  const text = await readFile(path, 'utf8');
  if (format === 'json') return JSON.parse(text) as Array<{ url: string }>;
  // CSV: one header line, then one record per item; only the url column holds a product URL.
  const [header, ...rows] = text.split(/\r?\n/).filter((line) => line !== '');
  expect(header).toMatch(/^[a-z,]+$/);
  expect(rows.filter((row) => row === header)).toEqual([]);
  return (text.match(/http:\/\/[^,"\s]+\/product\/[^,"\s]+/g) ?? []).map((url) => ({ url }));
}

function expectExactlyOnce(items: Array<{ url: string }>): void {
  const expected = generateShop({ seed, products })
    .expectedItems()
    .map((item) => `${shop.origin}${item.url}`)
    .sort();
  const urls = items.map((item) => item.url).sort();
  expect(urls.length).toBe(expected.length); // no duplicates…
  expect(urls).toEqual(expected); // …and nothing missing
}

describe('crawls that are killed and resumed', () => {
  // The four formats crawl at once (each its own state file and output): the file spends its time waiting on the
  // shop's latency, not computing.
  it.concurrent.each<Format>(['jsonl', 'json', 'csv', 'jsonl.gz'])(
    'after SIGKILL at several random moments, ends with every item exactly once (-o items.%s)',
    async (format) => {
      const state = join(dir, `killed-${format}.db`);
      const out = join(dir, `killed.${format}`);
      const kills: number[] = [];
      for (let round = 0; round < killRounds; round++) {
        const run = start(crawlArgs(state, out));
        // Killed at a random point of its progress: once the spider is open, after 0 to 50 more responses. The
        // first kill comes after the first export (items are exported every second).
        await run.stderr.match(/spider "shop" opened/);
        // The first and the last killed run export at least one batch first (more than a JSON array's `[` or a CSV
        // header beyond what the resume left): a run killed within its first second exports nothing, and the file
        // before the last run could otherwise hold no item, leaving nothing for the resume to cut back.
        if (round === 0 || round === killRounds - 1) {
          const atStart = await stat(out).then(
            (info) => info.size,
            () => 0,
          );
          await fileReaches(out, atStart + 300);
        }
        const responses = run.stderr.text().match(new RegExp(responseLine, 'g'))?.length ?? 0;
        const more = Math.floor(Math.random() * 51);
        await run.stderr.matches(responseLine, responses + more);
        run.child.kill('SIGKILL');
        await run.done;
        kills.push(responses + more);
      }
      // Killed in the middle of a batch, a file may be torn until the resume cuts it back: count, do not parse.
      const before = (await readTorn(out)).match(/\/product\//g) ?? [];
      console.log(
        `killed after ${kills.join(', ')} responses; ${before.length} of ${products} items before the last run`,
      );
      expect(before.length).toBeGreaterThan(0);
      expect(before.length).toBeLessThan(products);

      const final = await runCli(
        [...crawlArgs(state, out), '--no-progress', '--log-level', 'warn'],
        {
          timeoutMs: 120_000,
        },
      );
      expect(final.code, final.stderr).toBe(0);
      expectExactlyOnce(await readOutput(out, format));

      const show = await runCli(['state', 'show', state]);
      expect(show.stdout).toMatch(/queued\s+0/);
      expect(show.stdout).toMatch(new RegExp(`items\\s+${products}\\b`));
    },
    180_000,
  );

  it('after Ctrl-C, resumes where it stopped', async () => {
    const state = join(dir, 'interrupted.db');
    const out = join(dir, 'interrupted.jsonl');
    const run = start(crawlArgs(state, out));
    await fileReaches(out, 3000);
    run.child.kill('SIGINT');
    expect(await run.done).toBe(0);
    const partial = await readItems(out);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(products);

    await shop.resetLog();
    const resumed = await runCli(
      [...crawlArgs(state, out), '--no-progress', '--log-level', 'warn'],
      { timeoutMs: 120_000 },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expectExactlyOnce(await readItems(out));
    // The resumed run fetched only what was left: none of the product pages whose items were already written.
    const refetched = new Set((await shop.log()).map((entry) => `${shop.origin}${entry.path}`));
    expect(partial.filter((item) => refetched.has(item.url))).toEqual([]);
  }, 180_000);

  it("with -O and {time} in the path, the resume goes on in the first run's file: not a new one, not emptied", async () => {
    const state = join(dir, 'overwrite.db');
    const sub = join(dir, 'overwrite');
    const args = crawlArgs(state, join(sub, 'items-{time}.jsonl')).map((arg) =>
      arg === '-o' ? '-O' : arg,
    );
    const run = start(args);
    const first = await waitFor('the first output file', async () => {
      const [name] = await readdir(sub).catch(() => []);
      return name;
    });
    await fileReaches(join(sub, first), 3000);
    run.child.kill('SIGINT');
    expect(await run.done).toBe(0);
    // The stamp is to the second: let the clock move on, so that a new expansion of {time} would differ.
    await waitFor('the next second', () =>
      new Date().toISOString().slice(0, 19).replaceAll(':', '-') === first.slice(6, 25)
        ? undefined
        : true,
    );

    const resumed = await runCli([...args, '--no-progress', '--log-level', 'warn'], {
      timeoutMs: 120_000,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await readdir(sub)).toEqual([first]);
    expectExactlyOnce(await readItems(join(sub, first)));
  }, 180_000);

  it('refuses a state file that is not one, with exit code 2, and leaves it alone', async () => {
    const notes = join(dir, 'notes.db');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(notes, 'not a database');
    const result = await runCli(['crawl', `${shop.origin}/`, '--state', notes, '--no-progress']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not an Arachne state file');
    expect(await readFile(notes, 'utf8')).toBe('not a database');
  });
});
