/** robots.txt (RFC 9309 with google/robotstxt's leniencies), a per-origin robots cache, and sitemaps. */
import { parseRobots } from './parse.js';

export { type CompiledRule, pathOf } from './matcher.js';
export { MAX_ROBOTS_BYTES, parseRobots } from './parse.js';
export { RobotsCache, type RobotsCacheOptions, type RobotsEntry } from './robots-cache.js';
export {
  type FetchRobotsOptions,
  fetchRobotsTxt,
  type RobotsFetch,
  type RobotsOutcome,
  type RobotsResponse,
} from './robots-fetch.js';
export { productToken, type RobotsGroup, type RobotsPolicy, RobotsTxt } from './robots-txt.js';
export {
  type ParsedSitemap,
  type ParseSitemapOptions,
  parseSitemap,
  sitemapUrlsFor,
} from './sitemap.js';
export {
  type CollectSitemapOptions,
  collectSitemapUrls,
  type SitemapReport,
} from './sitemap-collect.js';

/**
 * One-shot check: parses `robotstxt` and asks whether `userAgent` may fetch `url` (an absolute URL
 * or a path, already percent-encoded; it is used verbatim). Parse once with {@link parseRobots}
 * when checking many URLs.
 */
export function isAllowed(robotstxt: string, userAgent: string, url: string): boolean {
  return parseRobots(robotstxt).isAllowed(userAgent, url);
}
