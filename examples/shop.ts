// The sample shop spider: `arachne demo` runs it against the bundled shop; `arachne crawl examples/shop.ts`
// runs it against a shop you started yourself (start URL below).
import { defineSpider, type Page } from 'arachne';

type Handlers = 'parse' | 'product';

/** Product pages go to `product`, everything else (home, categories, pagination) to `parse`. */
function* follow(page: Page<Handlers>) {
  for (const href of page.links()) {
    yield page.follow(href, href.includes('/product/') ? 'product' : 'parse');
  }
}

export default defineSpider({
  name: 'shop',
  start: ['http://127.0.0.1:8080/'],
  // Rendered shop pages build everything, footer last, in one append after their JSON arrives: in a browser,
  // wait for it. Static pages have it at load, and plain HTTP fetches ignore the option.
  waitFor: '.site-footer',

  *parse(page) {
    yield* follow(page);
  },

  *product(page) {
    yield {
      url: page.url,
      title: page.text('h1.product-title'),
      price: Number(page.text('.price').replace(/[^0-9.]/g, '')),
      sku: page.text('.sku'),
    };
    yield* follow(page);
  },
});
