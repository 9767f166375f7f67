/** `arachne demo`: starts the bundled sample shop on 127.0.0.1 and crawls it with examples/shop.ts, offline. */
import { fileURLToPath } from 'node:url';
import { accepts, mustBe } from '../../crawler/option-specs.js';
import { ConfigError } from '../../errors.js';
import { loadSpider } from '../../loader/load-spider.js';
import { generateShop, startShopServer } from '../../sample-shop/index.js';
import { crawlFlagsHelp, parseCrawlArgs } from '../options.js';
import { runSpider } from './crawl.js';

export const demoHelp = `Usage: arachne demo [--products N] [--seed N] [options]

Generates the sample shop (N product pages, default 500; seed default 1), serves it on 127.0.0.1 in a
separate process, crawls it with the example spider examples/shop.ts and writes one item per product
(url, title, price, sku) to demo-items.jsonl (or -o FILE). Needs no network.

${crawlFlagsHelp}`;

export async function demoCommand(argv: string[]): Promise<number> {
  const args = parseCrawlArgs(argv, { ownFlags: ['products', 'seed'], positionals: false });
  if (args.help) {
    process.stdout.write(`${demoHelp}\n`);
    return 0;
  }
  const products = positiveInt(args.own.products ?? '500', '--products');
  const seed = positiveInt(args.own.seed ?? '1', '--seed');
  const output = typeof args.options.output === 'string' ? args.options.output : 'demo-items.jsonl';
  const spiderFile = fileURLToPath(new URL('../../../examples/shop.ts', import.meta.url));
  const spider = await loadSpider(spiderFile);
  const shop = await startShopServer({ seed, products });
  try {
    process.stdout.write(`sample shop with ${products} products at ${shop.origin}/\n`);
    const code = await runSpider(
      { ...spider, start: [`${shop.origin}/`] },
      { ...args.options, output },
      { statsFile: args.statsFile, progress: args.progress, label: 'examples/shop.ts' },
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
  const rule = { kind: 'int', min: 1 } as const;
  if (!accepts(rule, value)) throw new ConfigError(mustBe(flag, rule, raw));
  return value;
}
