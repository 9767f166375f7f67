/** The shop's catalog: categories and products derived from the seed, plus the URL path of each page. */
import { ConfigError } from '../errors.js';
import { mixSeed, mulberry32, pick, randomInt } from './prng.js';
import { formatPrice, slugify } from './text.js';
import { adjectives, brands, categoryNames, colors, countries, materials, nouns } from './words.js';

/** Products listed per category page. */
export const PRODUCTS_PER_PAGE = 20;

/** Seed "kinds": each page type draws from its own stream so pages do not depend on each other. */
export const SeedKind = { product: 1, productPage: 2, listing: 3, info: 4, filler: 5 } as const;

export interface Product {
  readonly id: number;
  /** Text of `<h1 class="product-title">` (may contain `&`, escaped in the HTML). */
  readonly title: string;
  readonly slug: string;
  readonly brand: string;
  readonly material: string;
  readonly color: string;
  readonly country: string;
  readonly categoryIndex: number;
  readonly priceCents: number;
  /** Set when the product is on sale: the struck-through former price. */
  readonly oldPriceCents: number | undefined;
  readonly sku: string;
  readonly rating: number;
  readonly inStock: boolean;
}

export interface Category {
  readonly index: number;
  readonly name: string;
  readonly slug: string;
  /** Product ids in listing order. */
  readonly productIds: readonly number[];
  readonly pageCount: number;
}

export interface Catalog {
  readonly seed: number;
  readonly products: readonly Product[];
  readonly categories: readonly Category[];
  product(id: number): Product | undefined;
}

/** Throws ConfigError unless seed is an integer and productCount an integer in 1..200,000. */
export function checkShopOptions(seed: number, productCount: number): void {
  if (!Number.isInteger(seed)) throw new ConfigError(`shop seed must be an integer, got ${seed}`);
  if (!Number.isInteger(productCount) || productCount < 1 || productCount > 200_000) {
    throw new ConfigError(`shop products must be an integer in 1..200000, got ${productCount}`);
  }
}

export function buildCatalog(seed: number, productCount: number): Catalog {
  checkShopOptions(seed, productCount);
  // About 40 products per category, so small test shops still paginate and big ones stay at 12 categories.
  const categoryCount = Math.min(categoryNames.length, Math.ceil(productCount / 40));
  const members: number[][] = Array.from({ length: categoryCount }, () => []);
  const products: Product[] = [];
  for (let id = 1; id <= productCount; id++) {
    const random = mulberry32(mixSeed(seed, SeedKind.product, id));
    // The first products seed every category once so none is empty.
    const categoryIndex = id <= categoryCount ? id - 1 : randomInt(random, 0, categoryCount - 1);
    const product = makeProduct(id, categoryIndex, random);
    products.push(product);
    members[categoryIndex]?.push(id);
  }
  const categories = members.map((productIds, index): Category => {
    const name = categoryNames[index] as string;
    return {
      index,
      name,
      slug: slugify(name),
      productIds,
      pageCount: Math.max(1, Math.ceil(productIds.length / PRODUCTS_PER_PAGE)),
    };
  });
  return { seed, products, categories, product: (id) => products[id - 1] };
}

function makeProduct(id: number, categoryIndex: number, random: () => number): Product {
  const brand = pick(random, brands);
  const material = pick(random, materials);
  const title = `${brand} ${pick(random, adjectives)} ${material} ${pick(random, nouns)}`;
  const priceCents = randomInt(random, 299, 49_999);
  const onSale = random() < 0.2;
  return {
    id,
    title,
    slug: slugify(title),
    brand,
    material,
    color: pick(random, colors),
    country: pick(random, countries),
    categoryIndex,
    priceCents,
    oldPriceCents: onSale ? priceCents + randomInt(random, 100, 5_000) : undefined,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    rating: randomInt(random, 25, 50) / 10,
    inStock: random() < 0.9,
  };
}

export function productPath(product: Product): string {
  return `/product/${product.id}-${product.slug}.html`;
}

/** Page 1 is the bare category path; later pages use a path segment (no query strings to canonicalize). */
export function categoryPath(category: Category, page = 1): string {
  return page <= 1 ? `/category/${category.slug}/` : `/category/${category.slug}/page/${page}/`;
}

/** The price text exactly as `<span class="price">` shows it. */
export function priceText(product: Product): string {
  return formatPrice(product.priceCents);
}
