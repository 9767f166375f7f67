// `arachne demo` through the real binary: the static demo, and `--render` crawling the rendered shop in Chromium,
// write the same items.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../../src/sample-shop/index.js';
import { chromiumUp } from '../browser/fixtures.js';
import { runCli } from '../helpers/run-cli.js';

const up = await chromiumUp();
const products = 15;

/** The demo's items with the shop's origin (a fresh port per run) taken off the URLs, in URL order. */
async function items(file: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const item = JSON.parse(line) as Record<string, unknown>;
      return { ...item, url: new URL(String(item.url)).pathname };
    })
    .sort((a, b) => String(a.url).localeCompare(String(b.url)));
}

async function demo(
  args: string[],
): Promise<{ items: Array<Record<string, unknown>>; stdout: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'arachne-demo-'));
  const out = join(dir, 'items.jsonl');
  const result = await runCli(
    ['demo', '--products', String(products), '-o', out, '--no-progress', ...args],
    { timeoutMs: 110_000 },
  );
  expect(result.code, result.stderr).toBe(0);
  return { items: await items(out), stdout: result.stdout };
}

describe('arachne demo', () => {
  it('refuses an unknown --render value, naming the accepted ones', async () => {
    const result = await runCli(['demo', '--render', 'webkit', '--products', '5']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--render must be one of http, browser, script, auto');
  });

  it.skipIf(!up)(
    '--render script and --render auto write the static demo items without a browser page per product',
    async () => {
      const plain = await demo([]);
      const scripted = await demo(['--render', 'script']);
      expect(scripted.stdout).toMatch(/^sample shop \(rendered\) with 15 products/m);
      expect(scripted.stdout).toMatch(/rungs\s+script \d+; comparison fetches 0/);
      expect(scripted.items).toEqual(plain.items);
      // auto: the mixed shop; listings learned as script, product pages as http.
      const adaptive = await demo(['--render', 'auto']);
      expect(adaptive.stdout).toMatch(/^sample shop \(mixed\) with 15 products/m);
      expect(adaptive.stdout).toMatch(/ parse → script /);
      expect(adaptive.stdout).toMatch(/ product → http /);
      expect(adaptive.items).toEqual(plain.items);
    },
    300_000,
  );

  it.skipIf(!up)(
    '--render crawls the rendered shop in Chromium and writes the static demo items',
    async () => {
      const expected = generateShop({ seed: 1, products })
        .expectedItems()
        .map(({ url, title, price, sku }) => ({ url, title, price, sku }))
        .sort((a, b) => a.url.localeCompare(b.url));
      const plain = await demo([]);
      expect(plain.items).toEqual(expected);
      expect(plain.stdout).toMatch(/^sample shop with 15 products/m);
      // Bare --render means the browser, on the shop whose pages hold no item until their script ran.
      const rendered = await demo(['--render']);
      expect(rendered.stdout).toMatch(/^sample shop \(rendered\) with 15 products/m);
      expect(rendered.items).toEqual(plain.items);
      // Chromium passes the guarded shop's challenge page; plain HTTP gets the challenge and nothing else.
      const guarded = await demo(['--render', 'browser', '--shop-mode', 'guarded']);
      expect(guarded.stdout).toMatch(/^sample shop \(guarded\) with 15 products/m);
      expect(guarded.items).toEqual(plain.items);
    },
    300_000,
  );

  it('gets only the challenge page of the guarded shop over plain HTTP', async () => {
    const guarded = await demo(['--shop-mode', 'guarded']);
    expect(guarded.items).toEqual([]);
    expect(guarded.stdout).toMatch(/^pages fetched\s+1 /m);
  });
});
