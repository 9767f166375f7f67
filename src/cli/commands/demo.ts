/** `arachne demo`: starts the bundled sample shop on 127.0.0.1 and crawls it with examples/shop.ts, offline. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { loadSpider } from '../../loader/load-spider.js';
import { generateShop, startShopServer } from '../../sample-shop/index.js';
import { crawlFlags, crawlFlagsHelp, crawlOptionsFrom } from '../options.js';
import { runSpider } from './crawl.js';

const demoFlags = {
  ...crawlFlags,
  products: { type: 'string' },
  seed: { type: 'string' },
} as const;

export const demoHelp = `Usage: arachne demo [--products N] [--seed N] [options]

Generates the sample shop (N product pages, default 500; seed default 1), serves it on 127.0.0.1 in a
separate process, crawls it with the example spider examples/shop.ts and writes one item per product
(url, title, price, sku) to demo-items.jsonl (or -o FILE). Needs no network.

${crawlFlagsHelp}`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: demoFlags, allowPositionals: false });
  if (values.help) {
    process.stdout.write(`${demoHelp}\n`);
    return 0;
  }
  const products = positiveInt(values.products ?? '500', '--products');
  const seed = positiveInt(values.seed ?? '1', '--seed');
  const options = crawlOptionsFrom(values);
  const output = values.output ?? 'demo-items.jsonl';
  const spiderFile = fileURLToPath(new URL('../../../examples/shop.ts', import.meta.url));
  const spider = await loadSpider(spiderFile);
  const shop = await startShopServer({ seed, products });
  try {
    process.stdout.write(`sample shop with ${products} products at ${shop.origin}/\n`);
    const code = await runSpider(
      { ...spider, start: [`${shop.origin}/`] },
      { ...options, output },
      { statsFile: values.stats, progress: !values['no-progress'], label: 'examples/shop.ts' },
    );
    const expected = generateShop({ seed, products }).expectedItems().length;
    process.stdout.write(
      `items expected  ${expected} (one per product page)\noutput          ${output}\n`,
    );
    return code;
  } finally {
    await shop.stop();
  }
}

function positiveInt(raw: string, flag: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`${flag} must be a positive integer, got "${raw}"`);
  return value;
}
