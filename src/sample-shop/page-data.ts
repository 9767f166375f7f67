/** The JSON the rendered shop's pages fetch from `/api/page/…`: just what the page script needs to build them. */
import {
  type Catalog,
  type Category,
  categoryPath,
  PRODUCTS_PER_PAGE,
  type Product,
  priceText,
  productPath,
} from './catalog.js';
import { infoPages } from './layout.js';
import { homeData, infoParagraphs, type PagerEntry, pagerEntries } from './listing-pages.js';
import { productPageData } from './product-page.js';
import { formatPrice } from './text.js';

/** A page of the shop that has content: what both the static renderer and the API describe. */
export type ShopRoute =
  | { kind: 'home' }
  | { kind: 'category'; category: Category; page: number }
  | { kind: 'product'; product: Product }
  | { kind: 'info'; index: number };

/** A product card: [path, id, title, price text]. */
export type CardData = [string, number, string, string];

interface FrameData {
  /** Categories for the header navigation and the footer: [path, name]. */
  nav: Array<[string, string]>;
  /** Info pages for the footer: [path, title]. */
  info: Array<[string, string]>;
  /** Path of the category highlighted in the navigation. */
  active?: string;
}

export type PageData = FrameData &
  (
    | { type: 'home'; intro: string; tiles: Array<[string, string, number]>; featured: CardData[] }
    | {
        type: 'category';
        name: string;
        from: number;
        to: number;
        total: number;
        cards: CardData[];
        pager: PagerEntry[];
      }
    | {
        type: 'product';
        id: number;
        title: string;
        brand: string;
        sku: string;
        rating: number;
        price: string;
        oldPrice?: string;
        inStock: boolean;
        /** [path, name] of the product's category. */
        category?: [string, string];
        paragraphs: string[];
        specs: Array<[string, string]>;
        related: Array<[string, string, string]>;
      }
    | { type: 'info'; title: string; paragraphs: string[] }
  );

export function pageData(catalog: Catalog, route: ShopRoute): PageData {
  const frame: FrameData = {
    nav: catalog.categories.map((category) => [categoryPath(category), category.name]),
    info: infoPages.map((info) => [`/${info.slug}/`, info.title]),
  };
  switch (route.kind) {
    case 'home': {
      const { intro, featured } = homeData(catalog);
      return {
        ...frame,
        type: 'home',
        intro,
        tiles: catalog.categories.map((category) => [
          categoryPath(category),
          category.name,
          category.productIds.length,
        ]),
        featured: cards(catalog, featured),
      };
    }
    case 'category': {
      const { category, page } = route;
      const start = (page - 1) * PRODUCTS_PER_PAGE;
      const ids = category.productIds.slice(start, start + PRODUCTS_PER_PAGE);
      return {
        ...frame,
        active: categoryPath(category),
        type: 'category',
        name: category.name,
        from: start + 1,
        to: start + ids.length,
        total: category.productIds.length,
        cards: cards(catalog, ids),
        pager: pagerEntries(category, page),
      };
    }
    case 'product': {
      const { product } = route;
      const data = productPageData(catalog, product);
      const category = catalog.categories[product.categoryIndex];
      return {
        ...frame,
        ...(category ? { active: categoryPath(category) } : {}),
        type: 'product',
        id: product.id,
        title: product.title,
        brand: product.brand,
        sku: product.sku,
        rating: product.rating,
        price: priceText(product),
        ...(product.oldPriceCents === undefined
          ? {}
          : { oldPrice: formatPrice(product.oldPriceCents) }),
        inStock: product.inStock,
        ...(category ? { category: [categoryPath(category), category.name] } : {}),
        paragraphs: data.paragraphs,
        specs: data.specs,
        related: data.relatedIds
          .map((id) => catalog.product(id))
          .filter((other): other is Product => other !== undefined)
          .map((other) => [productPath(other), other.title, priceText(other)]),
      };
    }
    case 'info': {
      const info = infoPages[route.index];
      return {
        ...frame,
        type: 'info',
        title: info?.title ?? '',
        paragraphs: infoParagraphs(catalog, route.index),
      };
    }
  }
}

function cards(catalog: Catalog, ids: readonly number[]): CardData[] {
  return ids
    .map((id) => catalog.product(id))
    .filter((product): product is Product => product !== undefined)
    .map((product) => [productPath(product), product.id, product.title, priceText(product)]);
}
