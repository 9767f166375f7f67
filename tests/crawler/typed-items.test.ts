/** Typed items: page.item, field processors, schema validation, invalid items counted, dropped or kept. */
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  collapseWhitespace,
  compose,
  crawl,
  createCrawler,
  defaultTo,
  defineItem,
  defineSpider,
  first,
  join as joinWith,
  toDate,
  toNumber,
  toPrice,
  trim,
} from '../../src/index.js';
import { generateShop, startShopServer } from '../../src/sample-shop/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { runCli } from '../helpers/run-cli.js';

const html = (body: string) =>
  `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;

/** A shop of five product pages: two valid, one priced "call us", one without a name, one with neither. */
const products: Record<string, string> = {
  '/p/1': '<h1> Lamp </h1><span class="price">$1,299.00</span><span class="sku">L-1</span>',
  '/p/2': '<h1>Chair</h1><span class="price">1.299,50 €</span>',
  '/p/3': '<h1>Desk</h1><span class="price">call us</span>',
  '/p/4': '<h1>  </h1><span class="price">$5</span>',
  '/p/5': '<h1></h1><span class="price">free</span>',
};

function shop(): Promise<LocalServer> {
  return startLocalServer({
    '/robots.txt': (_req, res) => void res.writeHead(404).end(),
    '/': html(
      Object.keys(products)
        .map((path) => `<a href="${path}">x</a>`)
        .join(''),
    ),
    ...Object.fromEntries(Object.entries(products).map(([path, body]) => [path, html(body)])),
  });
}

const Product = z.object({
  name: z.string().min(1),
  price: z.number().positive(),
  sku: z.string().nullable(),
  url: z.string().transform((url) => new URL(url).pathname),
});

const productSpider = (start: string) =>
  defineSpider({
    name: 'typed-shop',
    start: [start],
    items: {
      product: defineItem(Product, { name: [trim], price: [trim, toPrice] }),
    },
    *parse(page) {
      for (const link of page.links()) yield page.follow(link, 'product');
    },
    *product(page) {
      yield page.item('product', {
        name: page.text('h1'),
        price: page.text('.price'),
        // Absent on most pages: page.attr gives undefined; the written item has null.
        sku: page.selectOne('.sku')?.text() ?? null,
        url: page.url,
      });
    },
  });

describe('typed items in a crawl', () => {
  it('writes valid items as the schema outputs them, and counts invalid ones by field, dropped', async () => {
    const site = await shop();
    const sink = memorySink();
    const stats = await crawl(productSpider(`${site.origin}/`), {
      output: sink,
      logLevel: 'silent',
    });
    const written = [...sink.items].sort((a, b) => String(a.url).localeCompare(String(b.url)));
    expect(written).toEqual([
      { name: 'Lamp', price: 1299, sku: 'L-1', url: '/p/1' },
      { name: 'Chair', price: 1299.5, sku: null, url: '/p/2' },
    ]);
    expect(stats.items).toBe(2);
    expect(stats.invalidItems).toBe(3);
    expect(stats.invalidItemsKept).toBe(0);
    expect(stats.invalidItemsByField).toEqual({
      'product.price': 2,
      'product.name': 2,
    });
  });

  it("keeps invalid items, as processed, with invalidItems: 'keep'", async () => {
    const site = await shop();
    const sink = memorySink();
    const stats = await crawl(productSpider(`${site.origin}/`), {
      output: sink,
      logLevel: 'silent',
      invalidItems: 'keep',
    });
    expect(stats.items).toBe(5);
    expect(stats.invalidItems).toBe(3);
    expect(stats.invalidItemsKept).toBe(3);
    const desk = sink.items.find((item) => item.name === 'Desk');
    // The processors that could run did (trim); the one that threw left the raw value; no schema transform.
    expect(desk).toEqual({
      name: 'Desk',
      price: 'call us',
      sku: null,
      url: `${site.origin}/p/3`,
    });
  });

  it('logs each distinct reason once and reports item:invalid per item', async () => {
    const site = await shop();
    const crawler = createCrawler(productSpider(`${site.origin}/`), {
      output: memorySink(),
      logLevel: 'silent',
    });
    const reasons: string[] = [];
    crawler.on('item:invalid', ({ issues, kept, type }) => {
      expect(kept).toBe(false);
      expect(type).toBe('product');
      reasons.push(...issues.map((issue) => `${issue.field}: ${issue.message}`));
    });
    await crawler.run();
    expect(reasons.sort()).toEqual([
      'product.name: Too small: expected string to have >=1 characters',
      'product.name: Too small: expected string to have >=1 characters',
      'product.price: toPrice failed: no amount',
      'product.price: toPrice failed: no amount',
    ]);
  });

  it('writes untyped items as before, next to typed ones', async () => {
    const site = await shop();
    const sink = memorySink();
    const spider = defineSpider({
      name: 'mixed',
      start: [`${site.origin}/p/1`],
      items: { product: z.object({ name: z.string() }) },
      *parse(page) {
        yield { kind: 'plain', url: page.url };
        yield page.item('product', { name: page.text('h1').trim() });
      },
    });
    const stats = await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(sink.items).toEqual([{ kind: 'plain', url: `${site.origin}/p/1` }, { name: 'Lamp' }]);
    expect(stats.invalidItems).toBe(0);
  });

  it('writes an undefined field of any item, untyped or set by a pipeline, as null: the key stays', async () => {
    const site = await shop();
    const sink = memorySink();
    const spider = defineSpider({
      name: 'untyped-nulls',
      start: [`${site.origin}/p/1`],
      pipelines: [(item) => ({ ...item, checked: undefined })],
      *parse(page) {
        yield { name: page.text('h1'), sku: page.attr('.nope', 'href'), tags: [undefined] };
      },
    });
    await crawl(spider, { output: sink, logLevel: 'silent' });
    // toStrictEqual: null, not undefined nor a missing key; nested values are the spider's own and stay.
    expect(sink.items).toStrictEqual([
      { name: 'Lamp', sku: null, tags: [undefined], checked: null },
    ]);
  });

  it('counts an item of an undeclared type invalid for the type as a whole', async () => {
    const site = await shop();
    const spider = defineSpider({
      name: 'undeclared',
      start: [`${site.origin}/p/1`],
      items: { product: z.object({ name: z.string() }) },
      *parse(page) {
        // @ts-expect-error 'review' is not declared: the type check and the crawl both refuse it
        yield page.item('review', { stars: 3 });
      },
    });
    const stats = await crawl(spider, { output: memorySink(), logLevel: 'silent' });
    expect(stats).toMatchObject({ items: 0, invalidItems: 1, invalidItemsByField: { review: 1 } });
  });

  it('runs async schemas, and any Standard Schema, not only zod', async () => {
    const site = await shop();
    const sink = memorySink();
    // A hand-written validator: the mechanism is the `~standard` interface, nothing else.
    const titleOnly = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => {
          const title = (value as { title?: unknown }).title;
          return typeof title === 'string' && title !== ''
            ? { value: { title: title.toUpperCase() } }
            : { issues: [{ message: 'title missing', path: [{ key: 'title' }] }] };
        },
      },
    };
    const spider = defineSpider({
      name: 'standard',
      start: [`${site.origin}/p/1`, `${site.origin}/p/5`],
      items: { page: defineItem(titleOnly, { title: [collapseWhitespace] }) },
      *parse(page) {
        yield page.item('page', { title: page.text('h1') });
      },
    });
    const stats = await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(sink.items).toEqual([{ title: 'LAMP' }]);
    expect(stats.invalidItemsByField).toEqual({ 'page.title': 1 });
  });

  it('writes declared fields missing from the item as null, so CSV headers are complete', async () => {
    const site = await shop();
    const dir = await mkdtemp(join(tmpdir(), 'arachne-typed-csv-'));
    const out = join(dir, 'items.csv');
    const spider = defineSpider({
      name: 'nulls',
      // p/2 first: a CSV takes its header from the first item.
      start: [`${site.origin}/p/2`],
      items: {
        product: defineItem(
          z.object({ name: z.string(), sku: z.string().optional(), color: z.string().nullish() }),
          { sku: [trim] },
        ),
      },
      *parse(page) {
        yield page.item('product', { name: page.text('h1'), sku: page.selectOne('.sku')?.text() });
      },
    });
    await crawl(spider, { output: out, logLevel: 'silent' });
    expect((await readFile(out, 'utf8')).trim().split(/\r?\n/)).toEqual([
      'name,sku,color',
      'Chair,,',
    ]);
  });

  it('refuses a malformed item declaration when the spider is defined', () => {
    expect(() =>
      defineSpider({
        name: 'bad',
        start: 'http://127.0.0.1/',
        // @ts-expect-error not a schema
        items: { product: { fields: {} } },
        parse() {},
      }),
    ).toThrow(/items\.product must be a Standard Schema validator/);
  });
});

describe('field processors', () => {
  it('trim and collapseWhitespace clean strings, map arrays and pass the rest', () => {
    expect(trim('  a b \n')).toBe('a b');
    expect(trim([' a ', 'b '])).toEqual(['a', 'b']);
    expect(trim(null)).toBeNull();
    expect(trim(undefined)).toBeUndefined();
    expect(trim(3)).toBe(3);
    expect(collapseWhitespace(' a \n\t b\u00a0 c ')).toBe('a b c');
    expect(collapseWhitespace('')).toBe('');
  });

  it('toNumber reads either decimal convention and grouping', () => {
    expect(toNumber('42')).toBe(42);
    expect(toNumber(' -3.5 ')).toBe(-3.5);
    expect(toNumber('1,299.50')).toBe(1299.5);
    expect(toNumber('1.299,50')).toBe(1299.5);
    expect(toNumber('1 299,50')).toBe(1299.5);
    expect(toNumber('1\u202f299,50')).toBe(1299.5);
    expect(toNumber("1'299.50")).toBe(1299.5);
    expect(toNumber('1,299')).toBe(1299);
    expect(toNumber('1.299')).toBe(1299);
    expect(toNumber('1.234.567')).toBe(1234567);
    expect(toNumber('12,5')).toBe(12.5);
    expect(toNumber('0,299')).toBe(0.299);
    expect(toNumber('.5')).toBe(0.5);
    expect(toNumber('')).toBeNull();
    expect(toNumber('   ')).toBeNull();
    expect(toNumber(null)).toBeNull();
    expect(toNumber(7)).toBe(7);
    expect(toNumber(['1', ''])).toEqual([1, null]);
    expect(() => toNumber('abc')).toThrow('not a number');
    expect(() => toNumber('12 items')).toThrow('not a number');
    expect(() => toNumber('1.2.3,4')).toThrow('not a number');
    expect(() => toNumber(Number.NaN)).toThrow();
  });

  it('toPrice reads the amount whatever surrounds it', () => {
    expect(toPrice('$1,299.00')).toBe(1299);
    expect(toPrice('1.299,00 €')).toBe(1299);
    expect(toPrice('EUR 12,50')).toBe(12.5);
    expect(toPrice('£ 3')).toBe(3);
    expect(toPrice('Price: 12.50.')).toBe(12.5);
    expect(toPrice("CHF 1'299.95")).toBe(1299.95);
    expect(toPrice('1 299 ₽')).toBe(1299);
    expect(toPrice('-5.00 $')).toBe(-5);
    expect(toPrice('')).toBeNull();
    expect(toPrice(null)).toBeNull();
    expect(toPrice(9.99)).toBe(9.99);
    expect(() => toPrice('free')).toThrow('no amount');
    expect(() => toPrice({})).toThrow();
  });

  it('toDate gives ISO dates, date-only when no time is given', () => {
    expect(toDate('2024-03-05')).toBe('2024-03-05');
    expect(toDate('2024/3/5')).toBe('2024-03-05');
    expect(toDate('05.03.2024')).toBe('2024-03-05');
    expect(toDate('5 March 2024')).toBe('2024-03-05');
    expect(toDate('March 5, 2024')).toBe('2024-03-05');
    expect(toDate('Mar 5th 2024')).toBe('2024-03-05');
    expect(toDate('25/12/2024')).toBe('2024-12-25');
    expect(toDate('12/25/2024')).toBe('2024-12-25');
    expect(toDate('2024-03-05T10:00:00Z')).toBe('2024-03-05T10:00:00.000Z');
    expect(toDate('2024-03-05T12:00:00+02:00')).toBe('2024-03-05T10:00:00.000Z');
    expect(toDate('Tue, 05 Mar 2024 10:00:00 GMT')).toBe('2024-03-05T10:00:00.000Z');
    expect(toDate(Date.UTC(2024, 2, 5))).toBe('2024-03-05T00:00:00.000Z');
    expect(toDate('')).toBeNull();
    expect(toDate(undefined)).toBeUndefined();
    expect(() => toDate('05/03/2024')).toThrow('ambiguous');
    expect(() => toDate('31.02.2024')).toThrow('not a calendar date');
    expect(() => toDate('soon')).toThrow('not a date');
  });

  it('join, first, defaultTo and compose shape lists and fill gaps', async () => {
    expect(joinWith(', ')(['a', null, 'b'])).toBe('a, b');
    expect(joinWith()(['a', 'b'])).toBe('a b');
    expect(joinWith()([])).toBeNull();
    expect(joinWith()('a')).toBe('a');
    expect(first(['', null, 'x', 'y'])).toBe('x');
    expect(first([])).toBeNull();
    expect(first('x')).toBe('x');
    expect(defaultTo(0)(null)).toBe(0);
    expect(defaultTo(0)(undefined)).toBe(0);
    expect(defaultTo('n/a')('')).toBe('n/a');
    expect(defaultTo('n/a')([])).toBe('n/a');
    expect(defaultTo(0)(5)).toBe(5);
    const price = compose(first, trim, toPrice, defaultTo(0));
    expect(price([' $3 ', '$4'])).toBe(3);
    expect(price([])).toBe(0);
    const later = compose(async (value: unknown) => `${String(value)} `, trim);
    await expect(later('a')).resolves.toBe('a');
  });
});

describe('typed items from the CLI', () => {
  /** The shop and a spider file for it; each CLI run starts a process, so each test runs one or two. */
  async function cliSpider() {
    const site = await shop();
    const dir = await mkdtemp(join(tmpdir(), 'arachne-typed-cli-'));
    // The spider imports zod: give its directory this checkout's node_modules.
    await symlink(resolve('node_modules'), join(dir, 'node_modules'));
    const spider = join(dir, 'spider.ts');
    await writeFile(
      spider,
      `import { defineItem, defineSpider, toPrice, trim } from 'arachne';
import { z } from 'zod';
export default defineSpider({
  name: 'typed-cli',
  start: ['${site.origin}/'],
  items: {
    product: defineItem(z.object({ name: z.string().min(1), price: z.number() }), { name: [trim], price: [trim, toPrice] }),
  },
  *parse(page) {
    for (const link of page.links()) yield page.follow(link, 'product');
  },
  *product(page) {
    yield page.item('product', { name: page.text('h1'), price: page.text('.price') });
  },
});
`,
    );
    return { site, spider, out: join(dir, 'out.jsonl') };
  }

  it('writes the valid items and prints the invalid ones in the summary and the log, once per reason', async () => {
    const { spider, out } = await cliSpider();
    const result = await runCli(['crawl', spider, '-o', out, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    const items = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string });
    expect(items.map((item) => item.name).sort()).toEqual(['Chair', 'Lamp']);
    // The summary goes to stdout when items go to a file; the log to stderr.
    expect(result.stdout).toMatch(
      /invalid items {3}3 dropped \(product\.(price|name): 2, product\.(price|name): 2\)/,
    );
    // Two items failed toPrice the same way: one log line.
    expect(result.stderr.match(/product\.price: toPrice failed: no amount/g)).toHaveLength(1);
  });

  it('--keep-invalid-items writes them too', async () => {
    const { spider, out } = await cliSpider();
    const kept = await runCli([
      'crawl',
      spider,
      '-O',
      out,
      '--no-progress',
      '--keep-invalid-items',
    ]);
    expect(kept.code, kept.stderr).toBe(0);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(5);
    expect(kept.stdout).toMatch(/invalid items {3}3 kept/);
  });

  it('arachne parse shows typed items processed and validated', async () => {
    const { site, spider } = await cliSpider();
    // `arachne parse` shows a typed item as the crawl would write it, and why it is invalid.
    const parse = (path: string) =>
      runCli(['parse', `${site.origin}${path}`, '--spider', spider, '--handler', 'product']);
    const valid = await parse('/p/1');
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain(
      '# Items (1)\n{\n  "name": "Lamp",\n  "price": 1299\n}\n# Requests (0)',
    );
    const invalid = await parse('/p/3');
    expect(invalid.stdout).toContain('# invalid: product.price: toPrice failed: no amount');
  });

  it("runs the README's example, examples/typed-shop.ts, on the sample shop: every product valid", async () => {
    const shop = await startShopServer({ seed: 3, products: 20 });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'arachne-typed-example-'));
      const out = join(dir, 'products.jsonl');
      const result = await runCli([
        'crawl',
        'examples/typed-shop.ts',
        '--start',
        `${shop.origin}/`,
        '-O',
        out,
        '--no-progress',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const written = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .map(({ url, title, price, sku }) => ({
          url: new URL(String(url)).pathname,
          title,
          price,
          sku,
        }))
        .sort((a, b) => a.url.localeCompare(b.url));
      const expected = generateShop({ seed: 3, products: 20 })
        .expectedItems()
        .map(({ url, title, price, sku }) => ({ url, title, price, sku }))
        .sort((a, b) => a.url.localeCompare(b.url));
      expect(written).toEqual(expected);
      expect(result.stdout).not.toContain('invalid items');
    } finally {
      await shop.stop();
    }
  });
});
