/**
 * The realistic shop's URL side: facet and sort views of category listings, and the canonical form under which
 * every spelling of a page (reordered query, `utm_*` trackers, fragments) counts as one page. The spellings are
 * chosen so that Arachne's dedup key (src/url/dedup-key.ts) and Crawlee's uniqueKey (`normalizeUrl` of
 * @apify/utilities) both fold them: only one value per name, names and values in [a-z0-9-], no trailing-slash
 * variants (Crawlee strips a trailing slash, Arachne does not).
 */
import { type Catalog, type Category, categoryPath, type Product } from './catalog.js';
import { slugify } from './text.js';

/** Sort orders a listing offers as `?sort=…`. */
export const sortOrders = ['price-asc', 'price-desc', 'rating'] as const;
export type SortOrder = (typeof sortOrders)[number];

/** Brands offered as `?brand=…` facets per category: the most frequent ones. */
const FACET_BRANDS = 4;

/** A facet or sort view of a category (page 1 only: these views are not paginated). */
export interface FacetRoute {
  kind: 'facet';
  category: Category;
  brand?: string;
  sort?: SortOrder;
}

/** Up to four brand slugs of `category`, most products first (ties by slug), so facets exist in small shops too. */
export function facetBrands(catalog: Catalog, category: Category): string[] {
  const counts = new Map<string, number>();
  for (const id of category.productIds) {
    const product = catalog.product(id);
    if (product) counts.set(slugify(product.brand), (counts.get(slugify(product.brand)) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, FACET_BRANDS)
    .map(([slug]) => slug);
}

/** The canonical path of a facet view: arguments sorted by name, as both crawlers' dedup keys write them. */
export function facetPath(category: Category, brand?: string, sort?: SortOrder): string {
  const args = [
    ...(brand === undefined ? [] : [`brand=${brand}`]),
    ...(sort === undefined ? [] : [`sort=${sort}`]),
  ];
  return args.length === 0 ? categoryPath(category) : `${categoryPath(category)}?${args.join('&')}`;
}

/** Every facet view of every category, canonical paths: sorts, brands, and each brand × sort. */
export function facetPaths(catalog: Catalog): string[] {
  return catalog.categories.flatMap((category) => {
    const brands = facetBrands(catalog, category);
    return [
      ...sortOrders.map((sort) => facetPath(category, undefined, sort)),
      ...brands.map((brand) => facetPath(category, brand)),
      ...brands.flatMap((brand) => sortOrders.map((sort) => facetPath(category, brand, sort))),
    ];
  });
}

/**
 * The one spelling of `path` the shop lists in `allowedPaths()`: fragment and `utm_*` arguments dropped, the
 * other arguments sorted by name then value. A path without `?` or `#` is returned as is.
 */
export function canonicalShopPath(path: string): string {
  const hash = path.indexOf('#');
  const bare = hash === -1 ? path : path.slice(0, hash);
  const queryAt = bare.indexOf('?');
  if (queryAt === -1) return bare;
  const args = bare
    .slice(queryAt + 1)
    .split('&')
    .filter((arg) => arg !== '' && !arg.toLowerCase().startsWith('utm_'))
    .sort();
  const pathname = bare.slice(0, queryAt);
  return args.length === 0 ? pathname : `${pathname}?${args.join('&')}`;
}

/**
 * The facet view a canonical `?query` of a category's first page names, or undefined: only `brand` (one of the
 * category's facet brands) and `sort`, each at most once.
 */
export function resolveFacet(
  catalog: Catalog,
  category: Category,
  query: string,
): FacetRoute | undefined {
  const route: FacetRoute = { kind: 'facet', category };
  for (const arg of query.split('&')) {
    const [name, value = '', extra] = arg.split('=');
    if (extra !== undefined) return undefined;
    if (name === 'brand' && route.brand === undefined) {
      if (!facetBrands(catalog, category).includes(value)) return undefined;
      route.brand = value;
    } else if (name === 'sort' && route.sort === undefined) {
      if (!(sortOrders as readonly string[]).includes(value)) return undefined;
      route.sort = value as SortOrder;
    } else return undefined;
  }
  return route;
}

/** The products a facet view lists: the category's, filtered by brand, sorted, at most `limit`. */
export function facetProducts(catalog: Catalog, route: FacetRoute, limit: number): Product[] {
  const products = route.category.productIds
    .map((id) => catalog.product(id))
    .filter((product): product is Product => product !== undefined)
    .filter((product) => route.brand === undefined || slugify(product.brand) === route.brand);
  const order: Record<SortOrder, (a: Product, b: Product) => number> = {
    'price-asc': (a, b) => a.priceCents - b.priceCents || a.id - b.id,
    'price-desc': (a, b) => b.priceCents - a.priceCents || a.id - b.id,
    rating: (a, b) => b.rating - a.rating || a.id - b.id,
  };
  if (route.sort) products.sort(order[route.sort]);
  return products.slice(0, limit);
}
