// The sample shop spider with typed items: a zod schema per item type, field processors that clean the raw text
// first, and invalid items counted by field in the stats. Run it against a shop you started (SHOP_URL, default
// below) or any copy of the bundled one:
//   npx arachne crawl examples/typed-shop.ts --start http://127.0.0.1:8080/ -o products.csv
import { collapseWhitespace, defineItem, defineSpider, toPrice, trim } from 'arachne';
import { z } from 'zod';

const Product = z.object({
  url: z.url(),
  title: z.string().min(1),
  price: z.number().positive(),
  sku: z.string().regex(/^SKU-\d{6}$/),
  // Not on every page: written as null when absent (a declared field is never a missing key).
  brand: z.string().nullish(),
});

export default defineSpider({
  name: 'typed-shop',
  start: [process.env.SHOP_URL ?? 'http://127.0.0.1:8080/'],
  items: {
    // The processors run first, on what the page gave: "$1,299.00" → 1299, then the schema checks the result.
    product: defineItem(Product, {
      title: [collapseWhitespace],
      price: [trim, toPrice],
      sku: [trim],
    }),
  },

  *parse(page) {
    for (const href of page.links()) {
      yield page.follow(href, href.includes('/product/') ? 'product' : 'parse');
    }
  },

  *product(page) {
    // Type-checked: 'product' must be a declared item type, url and brand must match the schema's input; the
    // fields with processors take the raw text.
    yield page.item('product', {
      url: page.url,
      title: page.text('h1.product-title'),
      price: page.text('.price'),
      sku: page.text('.sku'),
      brand: page.selectOne('.brand')?.text(),
    });
  },
});
