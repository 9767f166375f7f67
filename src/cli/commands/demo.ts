/** `arachne demo`: starts the bundled sample shop on 127.0.0.1 and crawls it with examples/shop.ts, offline. */
import { fileURLToPath } from 'node:url';
import { accepts, mustBe } from '../../crawler/option-specs.js';
import type { CrawlOptions } from '../../crawler/options.js';
import { ConfigError } from '../../errors.js';
import { loadSpider } from '../../loader/load-spider.js';
import { withStart } from '../../loader/spider-files.js';
import {
  generateShop,
  isShopMode,
  type ShopMode,
  shopModes,
  startShopServer,
} from '../../sample-shop/index.js';
import { crawlFlagsHelp, parseCrawlArgs } from '../options.js';
import { runSpider } from './crawl.js';

export const demoHelp = `Usage: arachne demo [--products N] [--seed N] [--render [R]] [--shop-mode M] [options]

Generates the sample shop (N product pages, default 500; seed default 1), serves it on 127.0.0.1 in a
separate process, crawls it with the example spider examples/shop.ts and writes one item per product
(url, title, price, sku) to demo-items.jsonl (or -o FILE). Needs no network.

      --render [R]         crawl the JavaScript-rendered shop (every page built in the browser from a JSON
                           API) with rung R: browser (the default when R is left out: Chromium), script
                           (page scripts run without a browser) or auto (adaptive; the shop is then the
                           mixed one: listings rendered, product pages static). The items are the same as
                           the static demo's. http crawls the static shop, as without the flag.
      --shop-mode M        serve the shop as static, rendered, mixed or guarded (rate limit and challenge
                           page) whatever the rung; default: static, or as --render says

${crawlFlagsHelp}`;

/** The rungs `--render` names in the demo: each is also a value of the crawl's `render` option. */
const demoRungs = ['http', 'browser', 'script', 'auto'] as const satisfies readonly NonNullable<
  CrawlOptions['render']
>[];
type DemoRung = (typeof demoRungs)[number];

export async function demoCommand(argv: string[]): Promise<number> {
  const { rung, rest } = takeRender(argv);
  const args = parseCrawlArgs(rest, {
    ownFlags: ['products', 'seed', 'shop-mode'],
    positionals: false,
  });
  if (args.help) {
    process.stdout.write(`${demoHelp}\n`);
    return 0;
  }
  const products = positiveInt(args.own.products ?? '500', '--products');
  const seed = positiveInt(args.own.seed ?? '1', '--seed');
  const mode = shopMode(args.own['shop-mode'], rung);
  const given = args.options.overwriteOutput ?? args.options.output;
  const output = typeof given === 'string' ? given : 'demo-items.jsonl';
  // The demo compares the item count with what it expects: unless -o asks to add to a file, start afresh.
  const where = args.options.output === undefined ? { overwriteOutput: output } : { output };
  const spiderFile = fileURLToPath(new URL('../../../examples/shop.ts', import.meta.url));
  const spider = await loadSpider(spiderFile);
  const shop = await startShopServer({ seed, products, mode });
  try {
    const how = mode === 'static' ? '' : ` (${mode})`;
    process.stdout.write(`sample shop${how} with ${products} products at ${shop.origin}/\n`);
    const code = await runSpider(
      withStart(spider, [`${shop.origin}/`]),
      { ...args.options, ...(rung === undefined ? {} : { render: rung }), ...where },
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

/**
 * Takes `--render [R]` out of argv before the crawl flags are parsed: in the demo the value is optional
 * (bare `--render` means browser) and may name rungs the crawl option does not know yet.
 */
function takeRender(argv: string[]): { rung: DemoRung | undefined; rest: string[] } {
  const rest: string[] = [];
  let rung: DemoRung | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (arg.startsWith('--render=')) value = arg.slice('--render='.length);
    else if (arg === '--render') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        value = next;
        i++;
      } else value = 'browser';
    } else {
      rest.push(arg);
      continue;
    }
    if (!(demoRungs as readonly string[]).includes(value)) {
      throw new ConfigError(
        `--render must be one of ${demoRungs.join(', ')} (or bare for browser), got "${value}"`,
      );
    }
    rung = value as DemoRung;
  }
  return { rung, rest };
}

function shopMode(raw: string | undefined, rung: DemoRung | undefined): ShopMode {
  if (raw !== undefined) {
    if (!isShopMode(raw)) {
      throw new ConfigError(`--shop-mode must be one of ${shopModes.join(', ')}, got "${raw}"`);
    }
    return raw;
  }
  if (rung === undefined || rung === 'http') return 'static';
  return rung === 'auto' ? 'mixed' : 'rendered';
}

function positiveInt(raw: string, flag: string): number {
  const value = Number(raw);
  const rule = { kind: 'int', min: 1 } as const;
  if (!accepts(rule, value)) throw new ConfigError(mustBe(flag, rule, raw));
  return value;
}
