/** The non-HTML files of the shop: robots.txt, sitemap.xml and the stylesheet. */
import { type Catalog, categoryPath, productPath } from './catalog.js';
import { infoPages } from './layout.js';

/** Disallows the private section and points to the sitemap (Sitemap lines must be absolute URLs). */
export function renderRobots(origin: string): string {
  return `# Arachne sample shop
User-agent: *
Disallow: /private/

Sitemap: ${origin}/sitemap.xml
`;
}

/** Home, info pages, category first pages and every product, as a sitemaps.org urlset. */
export function renderSitemap(catalog: Catalog, origin: string): string {
  const paths = [
    '/',
    ...infoPages.map((page) => `/${page.slug}/`),
    ...catalog.categories.map((category) => categoryPath(category)),
    ...catalog.products.map(productPath),
  ];
  // Paths hold only [a-z0-9/.-], so they need no XML escaping.
  const urls = paths.map((path) => `<url><loc>${origin}${path}</loc></url>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${urls}
</urlset>
`;
}

export const stylesheet = `body{font-family:system-ui,sans-serif;margin:0;color:#222}
.site-header,.site-footer{background:#f4f1ea;padding:1rem}
.categories ul,.site-footer ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}
main{max-width:72rem;margin:auto;padding:1rem}
.product-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:1rem;list-style:none}
.price{font-size:1.5rem;font-weight:700}.price-old{color:#888}
table.specs th{text-align:left;padding-right:2rem}
`;
