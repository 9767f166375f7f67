/** Arachne's public surface: define spiders, run crawls, observe them. Layers: 'arachne/http', 'arachne/html', 'arachne/storage'. */
export { type Crawler, crawl, createCrawler, type RunOptions } from './crawler/crawler.js';
export { DelayedRequests } from './crawler/delayed-requests.js';
export type {
  DownloadHandler,
  DownloadHandlerMap,
  FetchContext,
} from './crawler/download-handlers/registry.js';
export type { CloseReason, CrawlEventName, CrawlEvents } from './crawler/events.js';
export {
  type Awaitable,
  dedupRulesOf,
  type Failure,
  type Frontier,
  MemoryFrontier,
  type Outcome,
  requestFingerprint,
  type SharedFrontier,
} from './crawler/frontier.js';
export {
  type FrontierBackend,
  type FrontierContext,
  FrontierRegistry,
  memoryFrontierBackend,
} from './crawler/frontier-registry.js';
export { ignoredExtensions } from './crawler/ignored-extensions.js';
export type { ItemSource } from './crawler/item-export.js';
export type { LinkRule } from './crawler/link-rules.js';
export {
  type CrawlOptions,
  defaults,
  type LogLevel,
  type ResolvedOptions,
} from './crawler/options.js';
export { isRequest, request } from './crawler/output.js';
export { type FollowInit, Page } from './crawler/page.js';
export type { Pipeline, PipelineContext } from './crawler/pipeline.js';
export {
  createRequest,
  type JsonObject,
  type JsonValue,
  type Request,
  type RequestInit,
  type WebSocketInit,
} from './crawler/request.js';
export type { Rejection, RequestFilter } from './crawler/request-filters.js';
export type { HostStats } from './crawler/scheduler.js';
export { type MessageRecord, type PageRecord, siteSpider } from './crawler/site-spider.js';
export {
  defineSpider,
  type Handler,
  type HandlerNames,
  type HandlerResult,
  type Output,
  type Spider,
  type SpiderConfig,
} from './crawler/spider.js';
export type { Stats } from './crawler/stats.js';
export type { UrlPattern, UrlPatterns } from './crawler/url-patterns.js';
export * from './errors.js';
// Importing the package registers the built-in backends (sqlite:, .db paths, redis://) in this registry.
export { frontierBackends } from './frontier-backends.js';
export type { Middleware, Next } from './http/compose.js';
// A value, not only a type: a download handler builds its Response.
export { type FeedMessage, Response, type ResponseInit, type Timings } from './http/response.js';
// Typed items: item types declared with any Standard Schema validator, and field processors.
export {
  collapseWhitespace,
  compose,
  defaultTo,
  defineItem,
  type FieldProcessor,
  type FieldProcessors,
  first,
  type ItemDeclaration,
  type ItemDeclarations,
  type ItemInput,
  type ItemIssue,
  type ItemType,
  join,
  type StandardSchemaV1,
  type TypedItem,
  toDate,
  toNumber,
  toPrice,
  trim,
} from './items/index.js';
export type { Item, Sink } from './storage/sink.js';
// A user's own frontier dedups like the built-in ones with requestFingerprint(request, createDedupKey(rules)).
export {
  createDedupKey,
  type DedupKey,
  type DedupRules,
  dedupKey,
  defaultDroppedParams,
} from './url/dedup-key.js';
export { version } from './version.js';
