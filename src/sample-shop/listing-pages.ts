/** Renders the home page, paginated category pages, info pages and the (disallowed) private pages. */
import {
  type Catalog,
  type Category,
  categoryPath,
  PRODUCTS_PER_PAGE,
  type Product,
  priceText,
  productPath,
  SeedKind,
} from './catalog.js';
import { frame, type infoPages } from './layout.js';
import { mixSeed, mulberry32, randomInt } from './prng.js';
import {
  type FacetRoute,
  facetBrands,
  facetPath,
  facetProducts,
  type SortOrder,
  sortOrders,
} from './realistic.js';
import { escapeHtml, paragraph } from './text.js';

/** The home page's seeded parts: the hero paragraph and the featured product ids. */
export function homeData(catalog: Catalog): { intro: string; featured: number[] } {
  const random = mulberry32(mixSeed(catalog.seed, SeedKind.listing, 0));
  const featured = new Set<number>();
  for (let i = 0; i < 24 && featured.size < 12; i++) {
    featured.add(randomInt(random, 1, catalog.products.length));
  }
  return { intro: paragraph(random, 2, 3), featured: [...featured] };
}

export function renderHome(catalog: Catalog, realistic = false): string {
  const { intro, featured } = homeData(catalog);
  const tiles = catalog.categories
    .map(
      (category) =>
        `<li class="category-tile"><a href="${categoryPath(category)}">${escapeHtml(category.name)}</a> <span class="count">${category.productIds.length} products</span></li>`,
    )
    .join('\n');
  const main = `<section class="hero"><h1>Welcome to the Arachne Sample Shop</h1><p>${intro}</p></section>
<section class="categories"><h2>Shop by category</h2><ul>\n${tiles}\n</ul></section>
<section class="featured"><h2>Featured products</h2><ul class="product-grid">\n${cards(catalog, featured)}\n</ul></section>
`;
  return page(catalog, {
    title: 'Home',
    description: 'A generated shop for crawler tests.',
    path: '/',
    main,
    realistic,
  });
}

export function renderCategory(
  catalog: Catalog,
  category: Category,
  pageNumber: number,
  realistic = false,
): string {
  const start = (pageNumber - 1) * PRODUCTS_PER_PAGE;
  const ids = category.productIds.slice(start, start + PRODUCTS_PER_PAGE);
  const path = categoryPath(category, pageNumber);
  const title =
    pageNumber === 1
      ? category.name
      : `${category.name} – page ${pageNumber} of ${category.pageCount}`;
  const relNext =
    pageNumber < category.pageCount
      ? `<link rel="next" href="${categoryPath(category, pageNumber + 1)}">\n`
      : '';
  const main = `<nav class="breadcrumb"><a href="/">Home</a> › <span>${escapeHtml(category.name)}</span></nav>
<h1 class="category-title">${escapeHtml(category.name)}</h1>
<p class="result-count">Showing ${start + 1}–${start + ids.length} of ${category.productIds.length} products</p>
${realistic ? facetBar(catalog, category, {}) : ''}<ul class="product-grid">\n${cards(catalog, ids, realistic)}\n</ul>
${pagination(category, pageNumber)}
`;
  return page(catalog, {
    title,
    description: `${category.name} at the Arachne Sample Shop.`,
    path,
    activeCategory: category,
    head: relNext,
    main,
    realistic,
  });
}

/** The paragraphs of info page number `index`. */
export function infoParagraphs(catalog: Catalog, index: number): string[] {
  const random = mulberry32(mixSeed(catalog.seed, SeedKind.info, index));
  const paragraphs: string[] = [];
  for (let i = randomInt(random, 3, 6); i > 0; i--) paragraphs.push(paragraph(random));
  return paragraphs;
}

export function renderInfo(
  catalog: Catalog,
  info: (typeof infoPages)[number],
  index: number,
  realistic = false,
): string {
  let main = `<h1>${info.title}</h1>\n`;
  for (const text of infoParagraphs(catalog, index)) main += `<p>${text}</p>\n`;
  return page(catalog, {
    title: info.title,
    description: info.title,
    path: `/${info.slug}/`,
    main,
    realistic,
  });
}

/** A disallowed page: served if asked (so the server log shows the violation), never listed as allowed. */
export function renderPrivate(catalog: Catalog, path: string, heading: string): string {
  const main = `<h1>${escapeHtml(heading)}</h1>\n<p>Please sign in to continue.</p>\n`;
  return page(catalog, { title: heading, description: heading, path, main });
}

function page(catalog: Catalog, parts: Parameters<typeof frame>[1]): string {
  const { before, after } = frame(catalog, parts);
  if (parts.realistic)
    return `${before}${padded(catalog, parts.path, before, parts.main, after)}${after}`;
  return `${before}${parts.main}${after}`;
}

/** A facet or sort view of a category (realistic shop): its first products, not paginated. */
export function renderFacet(catalog: Catalog, route: FacetRoute): string {
  const { category, brand, sort } = route;
  const products = facetProducts(catalog, route, PRODUCTS_PER_PAGE);
  const what = [brand && `brand ${brand}`, sort && `sorted by ${sort}`].filter(Boolean).join(', ');
  const main = `<nav class="breadcrumb"><a href="/">Home</a> › <a href="${categoryPath(category)}?utm_source=breadcrumb">${escapeHtml(category.name)}</a> › <span>${what}</span></nav>
<h1 class="category-title">${escapeHtml(category.name)}: ${what}</h1>
<p class="result-count">Showing the first ${products.length} products</p>
${facetBar(catalog, category, route)}<ul class="product-grid">\n${cards(
    catalog,
    products.map((product) => product.id),
    true,
  )}\n</ul>
`;
  return page(catalog, {
    title: `${category.name}: ${what}`,
    description: `${category.name} at the Arachne Sample Shop, ${what}.`,
    path: facetPath(category, brand, sort),
    activeCategory: category,
    head: '<meta name="robots" content="noindex, follow">\n',
    main,
    realistic: true,
  });
}

/**
 * Sort and brand links of a listing. Each is written in another spelling of its canonical facet path: the
 * arguments in the other order than on the view it starts from, a tracker added, or a fragment.
 */
function facetBar(
  catalog: Catalog,
  category: Category,
  current: { brand?: string; sort?: SortOrder },
): string {
  const base = categoryPath(category);
  const sorts = sortOrders.map((sort) => {
    const href =
      current.brand === undefined
        ? `${base}?sort=${sort}#products`
        : `${base}?sort=${sort}&amp;brand=${current.brand}`;
    return `<a class="sort" href="${href}">${sort}</a>`;
  });
  const brands = facetBrands(catalog, category).map((brand) => {
    const href =
      current.sort === undefined
        ? `${base}?brand=${brand}&amp;utm_campaign=facets`
        : `${base}?sort=${current.sort}&amp;utm_source=facets&amp;brand=${brand}`;
    return `<a class="facet" href="${href}">${brand}</a>`;
  });
  return `<div class="facets"><span>Sort by</span> ${sorts.join(' ')} <span>Brand</span> ${brands.join(' ')} <a class="clear" href="${base}?utm_source=facets">Clear filters</a></div>\n`;
}

/**
 * The main content followed by seeded filler paragraphs until the page reaches its target size (16–40 KB
 * before the last paragraph): the realistic shop's listings and info pages weigh what real ones do.
 */
function padded(
  catalog: Catalog,
  path: string,
  before: string,
  main: string,
  after: string,
): string {
  const random = mulberry32(mixSeed(catalog.seed, SeedKind.filler, pathSeed(path)));
  const target = randomInt(random, 16_000, 40_000);
  let filler = '';
  // Bounded: each paragraph adds ≥ 100 bytes, so 500 exceed any target.
  for (
    let i = 0;
    i < 500 && before.length + main.length + filler.length + after.length < target;
    i++
  ) {
    filler += `<p>${paragraph(random, 3, 6)}</p>\n`;
  }
  return `${main}<section class="seo-text"><h2>About this page</h2>\n${filler}</section>\n`;
}

/** FNV-1a of the path: a numeric seed part per page. */
function pathSeed(path: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function cards(catalog: Catalog, ids: readonly number[], realistic = false): string {
  return ids
    .map((id) => catalog.product(id))
    .filter((product): product is Product => product !== undefined)
    .map((product) => {
      const href = productPath(product);
      if (realistic) {
        // The thumbnail link points at the gallery fragment: one more spelling the dedup must fold.
        return `<li class="product-card"><a class="thumb" href="${href}#gallery" aria-hidden="true" tabindex="-1"><span class="img">${product.id}</span></a><a class="name" href="${href}">${escapeHtml(product.title)}</a> <span class="card-price">${priceText(product)}</span> <span class="card-rating">${product.rating} / 5</span> <span class="card-brand">${escapeHtml(product.brand)}</span></li>`;
      }
      // Two links to the same product per card (image and name), as real listings do: dedup must absorb it.
      return `<li class="product-card"><a class="thumb" href="${href}" aria-hidden="true" tabindex="-1"><span class="img">${product.id}</span></a><a class="name" href="${href}">${escapeHtml(product.title)}</a> <span class="card-price">${priceText(product)}</span></li>`;
    })
    .join('\n');
}

/** One pagination entry: a link (href set) or the current page (no href). */
export interface PagerEntry {
  label: string;
  href?: string;
  rel?: 'prev' | 'next';
}

/** The pagination of a category page, empty when the category has one page. */
export function pagerEntries(category: Category, current: number): PagerEntry[] {
  if (category.pageCount <= 1) return [];
  const entries: PagerEntry[] = [];
  if (current > 1) {
    entries.push({ label: 'Previous', href: categoryPath(category, current - 1), rel: 'prev' });
  }
  // A window of page numbers plus first and last, so deep pages are a few hops away.
  const shown = new Set([1, category.pageCount]);
  for (let n = Math.max(1, current - 3); n <= Math.min(category.pageCount, current + 3); n++)
    shown.add(n);
  for (const n of [...shown].sort((a, b) => a - b)) {
    entries.push(
      n === current ? { label: String(n) } : { label: String(n), href: categoryPath(category, n) },
    );
  }
  if (current < category.pageCount) {
    entries.push({ label: 'Next', href: categoryPath(category, current + 1), rel: 'next' });
  }
  return entries;
}

function pagination(category: Category, current: number): string {
  const entries = pagerEntries(category, current);
  if (entries.length === 0) return '';
  const links = entries.map(({ label, href, rel }) => {
    if (href === undefined) return `<span class="current">${label}</span>`;
    return rel
      ? `<a class="${rel}" rel="${rel}" href="${href}">${label}</a>`
      : `<a href="${href}">${label}</a>`;
  });
  return `<nav class="pagination" aria-label="Pages">${links.join(' ')}</nav>`;
}
