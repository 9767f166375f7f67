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
}

/** Wraps `main` in the shared frame. Returned as parts so callers can size pages before joining. */
export function frame(catalog: Catalog, parts: DocumentParts): { before: string; after: string } {
  const before = `${documentHead(parts)}<body>
${header(catalog, parts.activeCategory)}
<main id="content">
`;
  return { before, after: `</main>\n${footer(catalog)}\n</body>\n</html>\n` };
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
