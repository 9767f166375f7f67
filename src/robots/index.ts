/** robots.txt (RFC 9309 with google/robotstxt's leniencies), a per-origin robots cache, and sitemaps. */
import { parseRobots } from './parse.js';

export { type CompiledRule, pathOf } from './matcher.js';
export { MAX_ROBOTS_BYTES, parseRobots } from './parse.js';
export { productToken, type RobotsGroup, type RobotsPolicy, RobotsTxt } from './robots-txt.js';

/**
 * One-shot check: parses `robotstxt` and asks whether `userAgent` may fetch `url`.
 * Parse once with {@link parseRobots} when checking many URLs.
 */
export function isAllowed(robotstxt: string, userAgent: string, url: string): boolean {
  return parseRobots(robotstxt).isAllowed(userAgent, url);
}
