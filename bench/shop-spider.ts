// The benchmark's CLI spider: `arachne crawl bench/shop-spider.ts --start <shop origin>/ -o items.jsonl`.
// Same extraction and link following as arachne-run.mjs and crawlee-run.mjs, written as a user writes a spider file.
import { defineSpider } from 'arachne';

export default defineSpider({
  name: 'bench-shop',
  start: ['http://127.0.0.1:8080/'],
  *parse(page) {
    if (new URL(page.url).pathname.startsWith('/product/')) {
      yield {
        url: page.url,
        title: page.text('h1.product-title'),
        price: page.text('.price'),
        sku: page.text('.sku'),
      };
    }
    for (const href of page.links()) yield page.follow(href);
  },
});
