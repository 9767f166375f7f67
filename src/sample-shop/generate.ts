/** generateShop: a deterministic sample shop whose pages render on request from (seed, path). */
import { ConfigError } from '../errors.js';
import { buildCatalog, type Catalog, categoryPath, priceText, productPath } from './catalog.js';
import { infoPages, privatePages } from './layout.js';
import {
  renderCategory,
  renderFacet,
  renderHome,
  renderInfo,
  renderPrivate,
} from './listing-pages.js';
import { checkShopMode, rendersInBrowser, type ShopMode } from './modes.js';
import { pageData, type ShopRoute } from './page-data.js';
import { renderProductPage } from './product-page.js';
import { canonicalShopPath, facetPaths, resolveFacet } from './realistic.js';
import { skeletonBody } from './render-script.js';
import { renderRobots, renderSitemap, stylesheet } from './site-files.js';

export interface GenerateShopOptions {
  /** Same seed, same bytes. @default 1 */
  seed?: number;
  /** Number of product pages. @default 2000 */
  products?: number;
  /**
   * 'static': plain HTML. 'rendered': every HTML page is a skeleton whose inline script builds it from
   * `/api/page/<path>`. 'mixed': home and category pages rendered, the rest static. 'guarded': static pages,
   * behind the rate limit and challenge that `serveShop` adds in that mode. @default 'static'
   */
  mode?: ShopMode;
  /**
   * The realistic shop: a mega menu and a bigger footer on every page (about 55 links with a dozen categories),
   * "customers also viewed" on product pages, sort and brand views of listings, pages of 15–60 KB, and links
   * written in several spellings (reordered query, `utm_*`, fragments) that fold to one page. Static pages only:
   * it composes with 'static' and 'guarded', and is refused with 'rendered' and 'mixed'. @default false
   */
  realistic?: boolean;
}

export interface ShopPage {
  status: number;
  contentType: string;
  body: string;
}

/** What a spider extracting title, price and SKU from a product page must produce. */
export interface ExpectedItem {
  /** Root-relative path of the product page. */
  url: string;
  title: string;
  /** Dollars, e.g. 12.34 for `$12.34`. */
  price: number;
  sku: string;
}

export interface Shop {
  readonly seed: number;
  readonly productCount: number;
  readonly mode: ShopMode;
  readonly realistic: boolean;
  readonly catalog: Catalog;
  /**
   * The spelling of a request path that `allowedPaths()` lists: in the realistic shop, fragment and `utm_*`
   * dropped and the query sorted; in the default shop the path itself (there every page has one URL).
   */
  canonicalPath(path: string): string;
  /**
   * Every page reachable from `/` by links and allowed by robots.txt: exactly what a full polite crawl fetches,
   * besides robots.txt (and sitemap.xml if the crawler reads it). The same in every mode.
   */
  allowedPaths(): string[];
  /**
   * The JSON API paths the pages' scripts fetch in this mode, one per rendered page (`/api/page/<path>`);
   * empty in static and guarded mode.
   */
  apiPaths(): string[];
  /** One entry per product, in id order. */
  expectedItems(): ExpectedItem[];
  /**
   * Renders the resource at `path` (path plus optional query, as in the request line), or undefined for a 404.
   * `origin` only affects robots.txt and sitemap.xml, whose URLs must be absolute. @default 'http://127.0.0.1'
   */
  page(path: string, origin?: string): ShopPage | undefined;
}

const html = 'text/html; charset=utf-8';
const json = 'application/json; charset=utf-8';
const productPattern = /^\/product\/(\d+)-([a-z0-9-]+)\.html$/;
const categoryPattern = /^\/category\/([a-z0-9-]+)\/(?:page\/(\d+)\/)?$/;
/** Prefix of the JSON API: `/api/page/category/tools/` describes `/category/tools/`. */
export const API_PREFIX = '/api/page';

export function generateShop({
  seed = 1,
  products = 2000,
  mode = 'static',
  realistic = false,
}: GenerateShopOptions = {}): Shop {
  checkShopMode(mode);
  if (realistic && mode !== 'static' && mode !== 'guarded') {
    throw new ConfigError(`the realistic shop serves static pages: mode ${mode} is not supported`);
  }
  const catalog = buildCatalog(seed, products);
  const categoriesBySlug = new Map(catalog.categories.map((category) => [category.slug, category]));

  /** The content page at `pathname`, if there is one. */
  function resolve(pathname: string): ShopRoute | undefined {
    if (pathname === '/') return { kind: 'home' };
    const productMatch = productPattern.exec(pathname);
    if (productMatch) {
      const product = catalog.product(Number(productMatch[1]));
      if (!product || product.slug !== productMatch[2]) return undefined;
      return { kind: 'product', product };
    }
    const categoryMatch = categoryPattern.exec(pathname);
    if (categoryMatch) {
      const category = categoriesBySlug.get(categoryMatch[1] ?? '');
      const pageNumber = categoryMatch[2] === undefined ? 1 : Number(categoryMatch[2]);
      // `/page/1/` is not a URL of the shop: page 1 lives at the bare category path.
      if (!category || pageNumber < 1 || pageNumber > category.pageCount) return undefined;
      if (categoryMatch[2] !== undefined && pageNumber === 1) return undefined;
      if (pathname !== categoryPath(category, pageNumber)) return undefined;
      return { kind: 'category', category, page: pageNumber };
    }
    const index = infoPages.findIndex((info) => pathname === `/${info.slug}/`);
    return index === -1 ? undefined : { kind: 'info', index };
  }

  function renderStatic(route: ShopRoute): string {
    switch (route.kind) {
      case 'home':
        return renderHome(catalog, realistic);
      case 'category':
        return renderCategory(catalog, route.category, route.page, realistic);
      case 'product':
        return renderProductPage(catalog, route.product, realistic);
      case 'info': {
        const info = infoPages[route.index];
        return info ? renderInfo(catalog, info, route.index, realistic) : '';
      }
    }
  }

  /** The static page cut after its `</head>`, so title, meta and JSON-LD stay exactly the same. */
  function renderSkeleton(route: ShopRoute, pathname: string): string {
    const full = renderStatic(route);
    const end = full.indexOf('</head>\n') + '</head>\n'.length;
    return `${full.slice(0, end)}${skeletonBody(pathname)}`;
  }

  /** A realistic shop's page at `path` in any spelling; the default shop's route for everything else. */
  function realisticRoute(path: string, origin: string): ShopPage | undefined {
    if (path.startsWith('/private/')) return route(path, origin);
    const canonical = canonicalShopPath(path);
    const queryAt = canonical.indexOf('?');
    if (queryAt === -1) return route(canonical, origin);
    const content = resolve(canonical.slice(0, queryAt));
    if (content?.kind !== 'category' || content.page !== 1) return undefined;
    const facet = resolveFacet(catalog, content.category, canonical.slice(queryAt + 1));
    return facet && ok(html, renderFacet(catalog, facet));
  }

  function route(path: string, origin: string): ShopPage | undefined {
    const queryAt = path.indexOf('?');
    const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : path.slice(queryAt + 1));
    if (pathname === '/private/compare') {
      const product = catalog.product(Number(query.get('id')));
      return product && ok(html, renderPrivate(catalog, path, `Compare ${product.title}`));
    }
    // Every other resource has exactly one URL: a query string makes it a different, unknown resource.
    if (queryAt !== -1) return undefined;
    if (pathname === '/robots.txt') return ok('text/plain; charset=utf-8', renderRobots(origin));
    if (pathname === '/sitemap.xml') {
      return ok('application/xml; charset=utf-8', renderSitemap(catalog, origin));
    }
    if (pathname === '/static/shop.css') return ok('text/css; charset=utf-8', stylesheet);
    if (pathname.startsWith(`${API_PREFIX}/`)) {
      const target = pathname.slice(API_PREFIX.length);
      const content = resolve(target);
      if (!content || !rendersInBrowser(mode, content.kind)) return undefined;
      return ok(json, JSON.stringify(pageData(catalog, content)));
    }
    const content = resolve(pathname);
    if (content) {
      return ok(
        html,
        rendersInBrowser(mode, content.kind)
          ? renderSkeleton(content, pathname)
          : renderStatic(content),
      );
    }
    if ((privatePages as readonly string[]).includes(pathname)) {
      return ok(html, renderPrivate(catalog, pathname, 'Sign in'));
    }
    return undefined;
  }

  const allowedPaths = (): string[] => [
    '/',
    ...infoPages.map((info) => `/${info.slug}/`),
    ...catalog.categories.flatMap((category) =>
      Array.from({ length: category.pageCount }, (_, i) => categoryPath(category, i + 1)),
    ),
    ...(realistic ? facetPaths(catalog) : []),
    ...catalog.products.map(productPath),
  ];

  return {
    seed,
    productCount: products,
    mode,
    realistic,
    catalog,
    canonicalPath: (path) => (realistic ? canonicalShopPath(path) : path),
    allowedPaths,
    apiPaths: () =>
      allowedPaths()
        .filter((path) => {
          const content = resolve(path);
          return content !== undefined && rendersInBrowser(mode, content.kind);
        })
        .map((path) => `${API_PREFIX}${path}`),
    expectedItems: () =>
      catalog.products.map((product) => ({
        url: productPath(product),
        title: product.title,
        price: Number(priceText(product).slice(1)),
        sku: product.sku,
      })),
    page: (path, origin = 'http://127.0.0.1') =>
      realistic ? realisticRoute(path, origin) : route(path, origin),
  };
}

function ok(contentType: string, body: string): ShopPage {
  return { status: 200, contentType, body };
}
