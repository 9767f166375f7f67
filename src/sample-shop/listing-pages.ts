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

export function renderHome(catalog: Catalog): string {
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
  });
}

export function renderCategory(catalog: Catalog, category: Category, pageNumber: number): string {
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
<ul class="product-grid">\n${cards(catalog, ids)}\n</ul>
${pagination(category, pageNumber)}
`;
  return page(catalog, {
    title,
    description: `${category.name} at the Arachne Sample Shop.`,
    path,
    activeCategory: category,
    head: relNext,
    main,
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
): string {
  let main = `<h1>${info.title}</h1>\n`;
  for (const text of infoParagraphs(catalog, index)) main += `<p>${text}</p>\n`;
  return page(catalog, {
    title: info.title,
    description: info.title,
    path: `/${info.slug}/`,
    main,
  });
}

/** A disallowed page: served if asked (so the server log shows the violation), never listed as allowed. */
export function renderPrivate(catalog: Catalog, path: string, heading: string): string {
  const main = `<h1>${escapeHtml(heading)}</h1>\n<p>Please sign in to continue.</p>\n`;
  return page(catalog, { title: heading, description: heading, path, main });
}

function page(catalog: Catalog, parts: Parameters<typeof frame>[1]): string {
  const { before, after } = frame(catalog, parts);
  return `${before}${parts.main}${after}`;
}

function cards(catalog: Catalog, ids: readonly number[]): string {
  return ids
    .map((id) => catalog.product(id))
    .filter((product): product is Product => product !== undefined)
    .map((product) => {
      const href = productPath(product);
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
