/** The seeded sample shop: generator, in-process server and forked server process. */

export type { CrawlAudit } from './audit.js';
export { auditCrawlLog } from './audit.js';
export type { Catalog, Category, Product } from './catalog.js';
export { categoryPath, PRODUCTS_PER_PAGE, productPath } from './catalog.js';
export type { ExpectedItem, GenerateShopOptions, Shop, ShopPage } from './generate.js';
export { API_PREFIX, generateShop } from './generate.js';
export type { GuardOptions } from './guard.js';
export { CHALLENGE_COOKIE, CHALLENGE_MARKER, SESSION_COOKIE } from './guard.js';
export type { ShopMode } from './modes.js';
export { isShopMode, shopModes } from './modes.js';
export type { CacheSetting } from './page-cache.js';
export type { RequestLogEntry } from './request-log.js';
export type { ServeShopOptions, ShopServer, ShopServerStats } from './server.js';
export { serveShop } from './server.js';
export type { ShopProcessStats, ShopServerProcess, StartShopServerOptions } from './start.js';
export { startShopServer } from './start.js';
