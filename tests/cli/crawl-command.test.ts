import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { fileReaches } from '../helpers/wait.js';

const products = 120;
const shopSpiderPath = fileURLToPath(new URL('../../examples/shop.ts', import.meta.url));
let shop: ShopServerProcess;
let dir: string;

beforeAll(async () => {
  shop = await startShopServer({ seed: 3, products });
  dir = await mkdtemp(join(tmpdir(), 'arachne-cli-'));
});
afterAll(() => shop?.stop());

const readLines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('arachne crawl URL (no code)', () => {
  // V8's optimizing compiler would recompile undici's HTTP/1 parser (WebAssembly) after a few dozen pages, into
  // 30+ MB of compiler memory the process keeps: the CLI keeps WebAssembly on the baseline tier.
  it('crawls a whole shop without recompiling the HTTP parser with the optimizing compiler', async () => {
    const result = await runCli(
      ['crawl', `${shop.origin}/`, '-o', join(dir, 'wasm-tier.jsonl'), '--no-progress'],
      { nodeArgs: ['--trace-wasm-compilation-times'] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect((await readLines(join(dir, 'wasm-tier.jsonl'))).length).toBeGreaterThan(products);
    expect(result.stdout).toMatch(/Compiled function \S+ using Liftoff/);
    expect(result.stdout).not.toMatch(/using TurboFan/);
  });

  it('lets a user who starts Node with --no-liftoff-only have the optimizing compiler back', async () => {
    const result = await runCli(
      ['crawl', `${shop.origin}/`, '-o', join(dir, 'wasm-tier-up.jsonl'), '--no-progress'],
      { nodeArgs: ['--no-liftoff-only', '--trace-wasm-compilation-times'] },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/using TurboFan/);
  });

  it('writes one record per fetched page with url, status, depth, title, contentType, bytes, links', async () => {
    const out = join(dir, 'pages.jsonl');
    const statsFile = join(dir, 'stats.json');
    const result = await runCli([
      'crawl',
      `${shop.origin}/`,
      '-o',
      out,
      '--stats',
      statsFile,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const records = await readLines(out);
    const expected = generateShop({ seed: 3, products }).allowedPaths();
    expect(records.map((r) => new URL(String(r.url)).pathname).sort()).toEqual(
      expected.map((p) => new URL(p, shop.origin).pathname).sort(),
    );
    const home = records.find((r) => r.url === `${shop.origin}/`);
    expect(home).toMatchObject({ status: 200, depth: 0, contentType: 'text/html; charset=utf-8' });
    expect(typeof home?.title).toBe('string');
    expect(home?.bytes).toBeGreaterThan(1000);
    expect(Array.isArray(home?.links)).toBe(true);
    const stats = JSON.parse(await readFile(statsFile, 'utf8'));
    expect(stats.responses).toBe(records.length);
    expect(stats.robotsDenied).toBeGreaterThan(0);
    expect(result.stdout).toContain(`pages fetched   ${records.length}`);
  });

  it('writes CSV and JSON by extension', async () => {
    const csv = join(dir, 'items.csv');
    const json = join(dir, 'items.json');
    const start = ['--start', `${shop.origin}/`];
    const a = await runCli([
      'crawl',
      shopSpiderPath,
      ...start,
      '-o',
      csv,
      '--no-progress',
      '--log-level',
      'warn',
    ]);
    expect(a.code, a.stderr).toBe(0);
    const rows = (await readFile(csv, 'utf8')).trim().split(/\r?\n/);
    expect(rows[0]).toBe('url,title,price,sku');
    expect(rows.length).toBe(products + 1);
    const b = await runCli([
      'crawl',
      shopSpiderPath,
      ...start,
      '-o',
      json,
      '--no-progress',
      '--log-level',
      'warn',
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(await readFile(json, 'utf8'))).toHaveLength(products);
  }, 60_000);

  it('exits 1 with a one-line message when the output cannot be written', async () => {
    const blocker = join(dir, 'pages.jsonl'); // a file, so a path below it cannot be created
    const result = await runCli([
      'crawl',
      `${shop.origin}/`,
      '-o',
      join(blocker, 'x.jsonl'),
      '--no-progress',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/arachne crawl: .*x\.jsonl/);
  });

  it('warns when robots.txt is ignored', async () => {
    const result = await runCli([
      'crawl',
      `${shop.origin}/`,
      '--no-robots',
      '--max-pages',
      '3',
      '--no-progress',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('robots.txt is ignored');
  });

  it('counts a dead host as a failed page; with no page fetched at all, exits 1 with the reason', async () => {
    const result = await runCli([
      'crawl',
      'http://127.0.0.1:9/',
      '--retries',
      '0',
      '--no-robots',
      '--no-progress',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/failed\s+1 \(AR_NETWORK: 1\)/);
    expect(result.stderr).toContain(
      'arachne: no page was fetched: 1 request failed (AR_NETWORK ×1)',
    );
  });
});

describe('arachne crawl and URL schemes', () => {
  it('counts links to schemes without a download handler and still exits 0', async () => {
    const site = await startLocalServer({
      '/': '<a href="/a">a</a> <a href="nntp://files.example/x">nntp</a> <a href="gopher://hole.example/1">g</a>',
      '/a': '<p>a</p>',
    });
    try {
      const path = join(dir, 'schemes.js');
      await writeFile(
        path,
        `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'schemes',
  start: ['${site.origin}/'],
  *parse(page) {
    yield { url: page.url };
    for (const href of page.select('a').attrs('href')) yield page.follow(href);
  },
});
`,
      );
      const result = await runCli(['crawl', path, '--no-progress']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/pages fetched\s+2 /);
      expect(result.stdout).toMatch(/failed\s+0 \(AR_UNSUPPORTED_SCHEME: 2\)/);
    } finally {
      await site.close();
    }
  });
});

describe('arachne crawl with a bad option value', () => {
  it.each([
    [['--concurrency', '-5'], '--concurrency must be an integer ≥ 1, got "-5"'],
    [['--concurrency=0'], '--concurrency must be an integer ≥ 1, got "0"'],
    [['--max-pages', 'lots'], '--max-pages must be an integer ≥ 1, got "lots"'],
    [['--dedup', 'fuzzy'], '--dedup must be one of exact, bloom, got "fuzzy"'],
    [['--bloom-error-rate', '1.5'], '--bloom-error-rate must be a number between 0 and 1'],
    [['--lease-ms', '50'], '--lease-ms must be an integer ≥ 100, got "50"'],
  ])('%j exits 2 naming the flag and its bounds', async (flags, message) => {
    const result = await runCli(['crawl', 'http://127.0.0.1:9/', ...flags, '--no-progress']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('lists every flag with its default in --help', async () => {
    const result = await runCli(['crawl', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /--concurrency N\s+requests in flight across all hosts \(default 32\)/,
    );
    expect(result.stdout).toMatch(/--dedup MODE\s[\s\S]*?\(default exact\)/);
    expect(result.stdout).toContain('--max-pages-per-host N');
  });
});

describe('arachne crawl and signals', () => {
  it('on SIGINT stops, keeps every item already scraped in a valid output, prints stats and exits 0', async () => {
    const slow = await startShopServer({ seed: 5, products: 2000, delayMs: 40 });
    try {
      const out = join(dir, 'interrupted.json');
      const run = spawn(
        process.execPath,
        [
          binPath,
          'crawl',
          shopSpiderPath,
          '--start',
          `${slow.origin}/`,
          '-o',
          out,
          '--concurrency',
          '4',
          '--no-progress',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      run.stdout.on('data', (chunk) => (stdout += chunk));
      // Items are on disk (the JSON array is streamed): interrupt the crawl in the middle.
      await fileReaches(out, 2001);
      run.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) =>
        run.on('close', (c) => resolve(c)),
      );
      expect(code).toBe(0);
      const items = JSON.parse(await readFile(out, 'utf8')) as Array<{ url: string }>;
      expect(items.length).toBeGreaterThan(0);
      expect(items.length).toBeLessThan(2000);
      expect(new Set(items.map((i) => i.url)).size).toBe(items.length);
      const scraped = /items scraped\s+(\d+)/.exec(stdout);
      expect(Number(scraped?.[1])).toBe(items.length);
    } finally {
      await slow.stop();
    }
  }, 60_000);
});
