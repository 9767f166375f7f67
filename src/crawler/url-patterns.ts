/**
 * The URL patterns of `allow`/`deny` (crawl options and spider rules). A RegExp is tested against the absolute
 * URL; a string is the `--block-urls` syntax (`*` any run of characters, matched anywhere in the URL, any case),
 * or, prefixed with `re:`, a regular expression (`re:/item/\d+$`), so a CLI user can write either.
 */
import { urlBlocker } from '../browser/url-patterns.js';
import { ConfigError } from '../errors.js';

export type UrlPattern = string | RegExp;

/** One pattern or several, as a spider or crawl() gives them. */
export type UrlPatterns = UrlPattern | readonly UrlPattern[];

/** True when `url` matches one of `patterns`; undefined when there are none (so "allow nothing given" is visible). */
export function urlMatcher(
  patterns: UrlPatterns | undefined,
  where: string,
): ((url: string) => boolean) | undefined {
  const list: readonly UrlPattern[] =
    patterns === undefined
      ? []
      : typeof patterns === 'string' || patterns instanceof RegExp
        ? [patterns]
        : patterns;
  const tests: Array<(url: string) => boolean> = [];
  const plain: string[] = [];
  for (const pattern of list) {
    if (pattern instanceof RegExp) {
      // A global or sticky RegExp keeps state between test() calls: a copy without those flags does not.
      const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
      tests.push((url) => regex.test(url));
    } else if (typeof pattern !== 'string') {
      throw new ConfigError(
        `${where}: a URL pattern is a string or a RegExp (got ${String(pattern)})`,
      );
    } else if (pattern.startsWith('re:')) {
      tests.push(compiled(pattern.slice(3), where));
    } else if (pattern.trim() !== '') {
      plain.push(pattern);
    }
  }
  const blocker = urlBlocker(plain);
  if (blocker) tests.push(blocker);
  if (tests.length === 0) return undefined;
  return (url) => tests.some((test) => test(url));
}

/**
 * Allow and deny together: a URL passes when it matches an allow pattern (or none is given) and no deny pattern.
 * Deny wins, as in Scrapy's LinkExtractor.
 */
export function allowDeny(
  allow: UrlPatterns | undefined,
  deny: UrlPatterns | undefined,
  where: string,
): ((url: string) => boolean) | undefined {
  const allowed = urlMatcher(allow, `${where} allow`);
  const denied = urlMatcher(deny, `${where} deny`);
  if (!allowed && !denied) return undefined;
  return (url) => (allowed === undefined || allowed(url)) && !denied?.(url);
}

function compiled(source: string, where: string): (url: string) => boolean {
  try {
    const regex = new RegExp(source);
    return (url) => regex.test(url);
  } catch (error) {
    throw new ConfigError(
      `${where}: bad regular expression re:${source}: ${(error as Error).message}`,
    );
  }
}
