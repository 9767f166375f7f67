/** Renders a product page (15–30 KB): title, price, SKU, description, specs table, related products, reviews. */
import {
  type Catalog,
  categoryPath,
  type Product,
  priceText,
  productPath,
  SeedKind,
} from './catalog.js';
import { frame } from './layout.js';
import { mixSeed, mulberry32, pick, type Random, randomInt } from './prng.js';
import { escapeHtml, formatPrice, paragraph, sentence } from './text.js';
import { reviewers } from './words.js';

/** Every product page's size lands in [MIN_TARGET, MAX_TARGET + one review] bytes, inside 15–30 KB. */
const MIN_TARGET = 16_000;
const MAX_TARGET = 28_500;

/** A product page's seeded parts, drawn in the order the page shows them (reviews excepted). */
export interface ProductPageData {
  description: string;
  paragraphs: string[];
  specs: Array<[string, string]>;
  relatedIds: number[];
}

/** Draws the seeded parts from `random`; the caller may go on drawing reviews from the same stream. */
export function productPageData(
  catalog: Catalog,
  product: Product,
  random: Random = productRandom(catalog, product),
): ProductPageData {
  const description = `${product.title}: ${sentence(random)}`;
  const count = randomInt(random, 3, 5);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) texts.push(paragraph(random, 4, 8));
  const specs = specRows(product, random);
  return {
    description,
    paragraphs: texts,
    specs,
    relatedIds: relatedIds(catalog, product, random),
  };
}

function productRandom(catalog: Catalog, product: Product): Random {
  return mulberry32(mixSeed(catalog.seed, SeedKind.productPage, product.id));
}

/** The realistic shop's product pages: 20–52 KB before the last review, so inside 15–60 KB. */
const REALISTIC_MIN_TARGET = 20_000;
const REALISTIC_MAX_TARGET = 52_000;

export function renderProductPage(catalog: Catalog, product: Product, realistic = false): string {
  const random = productRandom(catalog, product);
  const data = productPageData(catalog, product, random);
  const category = catalog.categories[product.categoryIndex];
  const path = productPath(product);
  const { before, after } = frame(catalog, {
    title: product.title,
    description: data.description,
    path,
    ...(category ? { activeCategory: category } : {}),
    head: jsonLd(product),
    main: '',
    realistic,
  });
  const breadcrumb = category
    ? `<nav class="breadcrumb"><a href="/">Home</a> › <a href="${categoryPath(category)}">${escapeHtml(category.name)}</a> › <span>${escapeHtml(product.title)}</span></nav>\n`
    : '';
  const summary = `${breadcrumb}<article class="product" data-product-id="${product.id}">
<h1 class="product-title">${escapeHtml(product.title)}</h1>
<div class="product-meta">
<span class="brand">${escapeHtml(product.brand)}</span>
<span class="sku">${product.sku}</span>
<span class="rating" title="${product.rating} out of 5">${'★'.repeat(Math.round(product.rating))}</span>
<a href="#reviews">Read reviews</a>
</div>
<div class="buy-box">
<span class="price">${priceText(product)}</span>
${product.oldPriceCents === undefined ? '' : `<span class="price-old"><s>${formatPrice(product.oldPriceCents)}</s></span>\n`}<span class="availability">${product.inStock ? 'In stock' : 'Back soon'}</span>
<form class="add-to-cart" action="/private/cart/" method="post"><input type="hidden" name="sku" value="${product.sku}"><button type="submit">Add to cart</button></form>
<a class="compare" href="/private/compare?id=${product.id}" rel="nofollow">Compare</a>
</div>
<section class="description"><h2>Description</h2>
${data.paragraphs.map((text) => `<p>${text}</p>\n`).join('')}</section>
${specsTable(data.specs)}
</article>
${relatedProducts(catalog, data.relatedIds)}
${realistic ? alsoViewed(catalog, product, random) : ''}<section id="reviews" class="reviews"><h2>Customer reviews</h2>
`;
  // The realistic draws come after everything the default page draws, so its reviews differ but nothing else.
  const target = realistic
    ? randomInt(random, REALISTIC_MIN_TARGET, REALISTIC_MAX_TARGET)
    : randomInt(random, MIN_TARGET, MAX_TARGET);
  let reviews = '';
  // Bounded: each review adds ≥ 200 bytes, so 200 of them exceed any target.
  for (
    let i = 0;
    i < 200 && before.length + summary.length + reviews.length + after.length < target;
    i++
  ) {
    reviews += review(random);
  }
  return `${before}${summary}${reviews}</section>\n${after}`;
}

function specRows(product: Product, random: Random): Array<[string, string]> {
  return [
    ['Brand', product.brand],
    ['Material', product.material],
    ['Color', product.color],
    ['Weight', `${randomInt(random, 120, 9_000)} g`],
    [
      'Dimensions',
      `${randomInt(random, 5, 90)} × ${randomInt(random, 5, 60)} × ${randomInt(random, 2, 40)} cm`,
    ],
    ['Warranty', `${randomInt(random, 1, 5)} years`],
    ['Country of origin', product.country],
    ['Model', `M-${randomInt(random, 1000, 9999)}`],
    ['Care', pick(random, ['Hand wash', 'Wipe clean', 'Machine washable', 'Dust only'])],
    ['SKU', product.sku],
  ];
}

function specsTable(rows: Array<[string, string]>): string {
  const body = rows
    .map(([name, value]) => `<tr><th scope="row">${name}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
  return `<table class="specs">\n<caption>Specifications</caption>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function relatedIds(catalog: Catalog, product: Product, random: Random): number[] {
  const siblings = catalog.categories[product.categoryIndex]?.productIds ?? [];
  const related = new Set<number>();
  // Neighbours in the same category, then a few from anywhere: both bounded by their list sizes.
  for (let i = 0; i < 12 && related.size < 6 && siblings.length > 1; i++) {
    const id = pick(random, siblings);
    if (id !== product.id) related.add(id);
  }
  for (let i = 0; i < 8 && related.size < 10 && catalog.products.length > 1; i++) {
    const id = randomInt(random, 1, catalog.products.length);
    if (id !== product.id) related.add(id);
  }
  return [...related];
}

function relatedProducts(catalog: Catalog, ids: readonly number[]): string {
  const cards = ids
    .map((id) => catalog.product(id))
    .filter((other): other is Product => other !== undefined)
    .map(
      (other) =>
        `<li class="related-item"><a href="${productPath(other)}">${escapeHtml(other.title)}</a> <span class="related-price">${priceText(other)}</span></li>`,
    )
    .join('\n');
  return `<section class="related"><h2>You may also like</h2><ul>\n${cards}\n</ul></section>`;
}

/**
 * "Customers also viewed" (realistic shop): eight more products from anywhere, linked with a tracker and a
 * fragment, so most of them are pages the crawl has already seen under another spelling.
 */
function alsoViewed(catalog: Catalog, product: Product, random: Random): string {
  const ids = new Set<number>();
  for (let i = 0; i < 16 && ids.size < 8 && catalog.products.length > 1; i++) {
    const id = randomInt(random, 1, catalog.products.length);
    if (id !== product.id) ids.add(id);
  }
  const items = [...ids]
    .map((id) => catalog.product(id))
    .filter((other): other is Product => other !== undefined)
    .map(
      (other, i) =>
        `<li class="also-viewed-item"><a href="${productPath(other)}${i % 2 === 0 ? '?utm_source=also-viewed' : '#reviews'}">${escapeHtml(other.title)}</a> <span class="related-price">${priceText(other)}</span></li>`,
    )
    .join('\n');
  return `<section class="also-viewed"><h2>Customers also viewed</h2><ul>\n${items}\n</ul></section>\n`;
}

function review(random: Random): string {
  const stars = randomInt(random, 1, 5);
  return `<div class="review"><p class="review-head"><span class="review-author">${pick(random, reviewers)}</span> <span class="review-stars">${stars}/5</span> <time datetime="2024-${String(randomInt(random, 1, 12)).padStart(2, '0')}-${String(randomInt(random, 1, 28)).padStart(2, '0')}">verified purchase</time></p><p>${paragraph(random, 2, 5)}</p></div>\n`;
}

function jsonLd(product: Product): string {
  const data = {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: product.title,
    sku: product.sku,
    brand: { '@type': 'Brand', name: product.brand },
    offers: {
      '@type': 'Offer',
      price: (product.priceCents / 100).toFixed(2),
      priceCurrency: 'USD',
      availability: `https://schema.org/${product.inStock ? 'InStock' : 'OutOfStock'}`,
    },
  };
  // `<` escaped so a product name can never close the script element.
  return `<script type="application/ld+json">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>\n`;
}
