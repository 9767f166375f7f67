/** The page frame every HTML page shares: head, header with category navigation, footer (~40 links). */
import { type Catalog, type Category, categoryPath } from './catalog.js';
import { escapeHtml } from './text.js';

/** Allowed static pages linked from every footer. */
export const infoPages = [
  { slug: 'about', title: 'About us' },
  { slug: 'contact', title: 'Contact' },
  { slug: 'shipping', title: 'Shipping' },
  { slug: 'returns', title: 'Returns' },
  { slug: 'faq', title: 'FAQ' },
  { slug: 'privacy', title: 'Privacy policy' },
  { slug: 'terms', title: 'Terms of sale' },
  { slug: 'careers', title: 'Careers' },
  { slug: 'stores', title: 'Our stores' },
  { slug: 'gift-cards', title: 'Gift cards' },
] as const;

/** Disallowed pages linked from every header; `/private/compare?id=N` hangs off every product page. */
export const privatePages = ['/private/account/', '/private/cart/'] as const;

export interface DocumentParts {
  title: string;
  description: string;
  /** Root-relative path of this page. */
  path: string;
  /** Highlighted in the navigation. */
  activeCategory?: Category;
  /** Extra markup for `<head>` (JSON-LD, rel=next…). */
  head?: string;
  /** The page's `<main>` content. */
  main: string;
  /** The realistic shop's frame: a mega menu and a bigger footer, with tracker-tagged spellings of links. */
  realistic?: boolean;
}

/** Wraps `main` in the shared frame. Returned as parts so callers can size pages before joining. */
export function frame(catalog: Catalog, parts: DocumentParts): { before: string; after: string } {
  const before = `${documentHead(parts)}<body>
${parts.realistic ? realisticHeader(catalog, parts.activeCategory) : header(catalog, parts.activeCategory)}
<main id="content">
`;
  const foot = parts.realistic ? realisticFooter(catalog) : footer(catalog);
  return { before, after: `</main>\n${foot}\n</body>\n</html>\n` };
}

/** From the doctype to `</head>`: shared by static pages and the skeletons of rendered ones. */
export function documentHead(parts: Omit<DocumentParts, 'main'>): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)} | Arachne Sample Shop</title>
<meta name="description" content="${escapeHtml(parts.description)}">
<link rel="canonical" href="${parts.path}">
<link rel="stylesheet" href="/static/shop.css">
${parts.head ?? ''}</head>
`;
}

function header(catalog: Catalog, active: Category | undefined): string {
  const nav = catalog.categories
    .map((category) => {
      const current = category === active ? ' aria-current="page" class="active"' : '';
      return `<li><a href="${categoryPath(category)}"${current}>${escapeHtml(category.name)}</a></li>`;
    })
    .join('\n');
  return `<header class="site-header">
<div class="top-bar">
<a href="/about/">About</a> <a href="/contact/">Contact</a> <a href="/shipping/">Free shipping over $50</a>
<span class="account"><a href="${privatePages[0]}" rel="nofollow">My account</a> <a href="${privatePages[1]}" rel="nofollow">Cart (0)</a></span>
</div>
<a class="logo" href="/">Arachne Sample Shop</a>
<form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search products"><button type="submit">Search</button></form>
<nav class="categories" aria-label="Categories"><ul>
${nav}
</ul></nav>
</header>`;
}

function footer(catalog: Catalog): string {
  const info = infoPages
    .map((page) => `<li><a href="/${page.slug}/">${page.title}</a></li>`)
    .join('');
  const shop = catalog.categories
    .map(
      (category) => `<li><a href="${categoryPath(category)}">${escapeHtml(category.name)}</a></li>`,
    )
    .join('');
  // Off-site and non-HTTP links: a crawler must skip them (.example never resolves).
  return `<footer class="site-footer">
<section><h2>Customer service</h2><ul>${info}</ul></section>
<section><h2>Shop</h2><ul>${shop}</ul></section>
<section><h2>Follow us</h2><ul><li><a href="https://social.example/arachne-shop">Social</a></li><li><a href="https://news.example/arachne-shop">Newsletter</a></li><li><a href="mailto:help@shop.example">help@shop.example</a></li></ul></section>
<p class="copyright">&copy; 2024 Arachne Sample Shop. All prices in USD.</p>
</footer>`;
}

/**
 * The realistic shop's header (29 links with a dozen categories): the top bar, and a mega menu with each category
 * and its "top rated" view. Links carry `utm_*` trackers, as shops' navigation often does: every spelling folds
 * to a page of `allowedPaths()` (see realistic.ts).
 */
function realisticHeader(catalog: Catalog, active: Category | undefined): string {
  const menu = catalog.categories
    .map((category) => {
      const current = category === active ? ' aria-current="page" class="active"' : '';
      const path = categoryPath(category);
      return `<li class="menu-item"><a href="${path}"${current}>${escapeHtml(category.name)}</a><div class="menu-panel"><a href="${path}?sort=rating&amp;utm_source=menu&amp;utm_medium=nav">Top rated in ${escapeHtml(category.name)}</a></div></li>`;
    })
    .join('\n');
  return `<header class="site-header">
<div class="top-bar">
<a href="/about/?utm_source=topbar">About</a> <a href="/contact/">Contact</a> <a href="/shipping/#free-shipping">Free shipping over $50</a>
<span class="account"><a href="${privatePages[0]}" rel="nofollow">My account</a> <a href="${privatePages[1]}" rel="nofollow">Cart (0)</a></span>
</div>
<a class="logo" href="/?utm_source=logo">Arachne Sample Shop</a>
<form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search products"><button type="submit">Search</button></form>
<nav class="mega-menu" aria-label="Categories"><ul>
${menu}
</ul></nav>
</header>`;
}

/** The realistic footer (25 links with a dozen categories): tracker-tagged info links, categories with fragments. */
function realisticFooter(catalog: Catalog): string {
  const info = infoPages
    .map(
      (page) =>
        `<li><a href="/${page.slug}/?utm_source=footer&amp;utm_medium=link">${page.title}</a></li>`,
    )
    .join('');
  const shop = catalog.categories
    .map(
      (category) =>
        `<li><a href="${categoryPath(category)}#products">${escapeHtml(category.name)}</a></li>`,
    )
    .join('');
  return `<footer class="site-footer">
<section><h2>Customer service</h2><ul>${info}</ul></section>
<section><h2>Shop</h2><ul>${shop}</ul></section>
<section><h2>Follow us</h2><ul><li><a href="https://social.example/arachne-shop">Social</a></li><li><a href="https://news.example/arachne-shop">Newsletter</a></li><li><a href="mailto:help@shop.example">help@shop.example</a></li></ul></section>
<p class="copyright">&copy; 2024 Arachne Sample Shop. All prices in USD. Prices include VAT where applicable; delivery times are estimates.</p>
</footer>`;
}
