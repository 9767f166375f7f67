/**
 * Link-extraction rules (Scrapy's CrawlSpider rules and LinkExtractor): a spider declares which links of a page to
 * follow and which handler gets them, instead of writing `page.follow` loops. Rules read the links of start pages
 * and of pages reached through a rule with `follow`; each link goes to the first rule that matches it. The requests
 * they make meet the crawl's filters and dedup like any other (canonical URL, scope, depth, traps).
 */
import { ConfigError } from '../errors.js';
import type { HtmlElement } from '../html/index.js';
import { checkSelector } from '../html/query.js';
import { checkXPath } from '../html/xpath.js';
import { outputsOf } from './handler-outputs.js';
import { extensionTest, ignoredExtensions } from './ignored-extensions.js';
import type { Page } from './page.js';
import type { Request } from './request.js';
import type { Handler, Output, Spider } from './spider.js';
import { rejectUnknownKeys } from './unknown-keys.js';
import { allowDeny, type UrlPatterns } from './url-patterns.js';

export interface LinkRule<K extends string = string> {
  /** Links to take: URL patterns ('*' wildcards, `re:` regexes) or RegExps. @default every link */
  allow?: UrlPatterns;
  /** Links never taken, even when allowed (deny wins). */
  deny?: UrlPatterns;
  /** Only links inside elements matching these CSS selectors (or the matching `<a>` elements themselves). */
  restrictCss?: string | readonly string[];
  /**
   * Only links inside elements matching these XPath expressions (or the matching `<a>` elements themselves); with
   * `restrictCss` too, the links inside either. Results that are not elements (text, attributes) are ignored.
   */
  restrictXpath?: string | readonly string[];
  /**
   * Links whose path ends in one of these extensions (without or with the dot, any case) are not taken: binary
   * files a crawl for pages would download to throw away. `[]` takes them. A handler's own `page.follow` is not
   * concerned. @default ignoredExtensions (Scrapy's IGNORED_EXTENSIONS: pdf, images, audio, video, archives,
   * office documents…)
   */
  denyExtensions?: readonly string[];
  /** The handler the linked pages go to; absent: the pages are only read for more links. */
  handler?: K;
  /** Apply the rules to the linked pages too. @default true without a handler, false with one (as Scrapy) */
  follow?: boolean;
}

/** The handler of a rule without one: the page yields nothing itself, the rules read its links. */
export const followOnlyHandler = '@follow';

const ruleKeys = new Set<string>([
  'allow',
  'deny',
  'restrictCss',
  'restrictXpath',
  'denyExtensions',
  'handler',
  'follow',
] satisfies (keyof LinkRule)[]);

/** Checks a spider's rules when it is defined: known keys, known handlers, patterns that compile. */
export function checkLinkRules(
  rules: readonly LinkRule[],
  handlers: Readonly<Record<string, unknown>>,
  where: string,
): LinkRule[] {
  if (!Array.isArray(rules)) throw new ConfigError(`rules of ${where} must be an array`);
  return rules.map((rule, index) => {
    const at = `rules[${index}] of ${where}`;
    if (typeof rule !== 'object' || rule === null) throw new ConfigError(`${at} must be an object`);
    rejectUnknownKeys(rule, ruleKeys, at);
    if (rule.handler !== undefined && !(rule.handler in handlers)) {
      const known = Object.keys(handlers).join(', ');
      throw new ConfigError(
        `${at}: unknown handler "${rule.handler}"; the spider defines: ${known}`,
      );
    }
    if (rule.follow !== undefined && typeof rule.follow !== 'boolean')
      throw new ConfigError(`${at}: follow must be true or false`);
    allowDeny(rule.allow, rule.deny, at);
    checkExtensions(rule.denyExtensions, at);
    checkRegions(rule.restrictCss, 'restrictCss', checkSelector, at);
    checkRegions(rule.restrictXpath, 'restrictXpath', checkXPath, at);
    return rule;
  });
}

function checkExtensions(extensions: unknown, at: string): void {
  if (extensions === undefined) return;
  if (
    !Array.isArray(extensions) ||
    !extensions.every((extension) => typeof extension === 'string' && /^\.?[^./\s]/.test(extension))
  ) {
    throw new ConfigError(
      `${at}: denyExtensions must be a list of file extensions such as ['pdf', 'zip'] ([] follows every link)`,
    );
  }
}

/** A selector or expression that does not parse is a ConfigError when the spider is defined, not at every page. */
function checkRegions(
  regions: unknown,
  key: 'restrictCss' | 'restrictXpath',
  check: (region: string) => void,
  at: string,
): void {
  if (regions === undefined) return;
  const list: unknown[] = Array.isArray(regions) ? regions : [regions];
  for (const region of list) {
    if (typeof region !== 'string' || region.trim() === '') {
      throw new ConfigError(`${at}: ${key} must be a non-empty string or a list of them`);
    }
    try {
      check(region);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`${at}: ${key} ${JSON.stringify(region)} is invalid: ${message}`, {
        cause: error,
      });
    }
  }
}

interface CompiledRule {
  handler: string;
  follow: boolean;
  takes: ((url: string) => boolean) | undefined;
  /** Links to binary files, by extension: never taken. */
  binary: ((url: string) => boolean) | undefined;
  /** restrictCss selectors and restrictXpath expressions; none: the whole page. */
  regions: readonly Region[];
}

type Region = { css: string } | { xpath: string };

/**
 * The spider with its rules at work: every handler's outputs are followed by the requests its page's links make
 * under the rules (when the page is a start page or came from a following rule), and `@follow` (plus `parse`, when
 * the spider has none, for its start pages) is a handler that yields nothing else. Without rules, the spider as is.
 */
export function withLinkRules(spider: Spider): Spider {
  const rules = spider.rules ?? [];
  if (rules.length === 0) return spider;
  const compiled: CompiledRule[] = rules.map((rule, index) => ({
    handler: rule.handler ?? followOnlyHandler,
    follow: rule.follow ?? rule.handler === undefined,
    takes: allowDeny(rule.allow, rule.deny, `rules[${index}] of spider "${spider.name}"`),
    regions: regionsOf(rule),
    binary: extensionTest(rule.denyExtensions ?? ignoredExtensions),
  }));
  const nothing: Handler = () => undefined;
  const handlers: Record<string, Handler> = {
    parse: nothing,
    ...spider.handlers,
    [followOnlyHandler]: nothing,
  };
  const wrapped: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    wrapped[name] = async function* (page: Page): AsyncGenerator<Output> {
      yield* outputsOf(handler(page));
      if (appliesRules(page.request, compiled)) yield* ruleRequests(page, compiled);
    };
  }
  return { ...spider, handlers: wrapped };
}

/** Start pages, and pages of a rule with `follow`. Pages a handler asked for itself are its own business. */
function appliesRules(request: Request, rules: readonly CompiledRule[]): boolean {
  if (request.rule === undefined) return request.depth === 0;
  return rules[request.rule]?.follow === true;
}

/** One request per link, from the first rule that takes it. */
function ruleRequests(page: Page, rules: readonly CompiledRule[]): Request[] {
  const contentType = page.response.contentType;
  if (contentType !== '' && !/html|xml/i.test(contentType)) return [];
  const claimed = new Set<string>();
  const requests: Request[] = [];
  for (const [index, rule] of rules.entries()) {
    for (const link of linksOf(page, rule.regions)) {
      if (claimed.has(link) || (rule.takes && !rule.takes(link))) continue;
      // Not claimed: a later rule with other denyExtensions may take it.
      if (rule.binary?.(link)) continue;
      claimed.add(link);
      requests.push({ ...(page as Page<string>).follow(link, rule.handler), rule: index });
    }
  }
  return requests;
}

function regionsOf(rule: LinkRule): Region[] {
  const css = rule.restrictCss === undefined ? [] : [rule.restrictCss].flat();
  const xpath = rule.restrictXpath === undefined ? [] : [rule.restrictXpath].flat();
  return [...css.map((selector) => ({ css: selector })), ...xpath.map((expr) => ({ xpath: expr }))];
}

/**
 * The page's links, or those inside the `regions` (the region itself when it is a link; on an XML page, the feed
 * links inside it, as `links()` reads them).
 */
function linksOf(page: Page, regions: readonly Region[]): string[] {
  if (regions.length === 0) return page.links();
  const elements: HtmlElement[] = [];
  for (const region of regions) {
    if ('css' in region) elements.push(...page.select(region.css));
    else elements.push(...page.xpath(region.xpath).elements());
  }
  return page.document.linksIn(elements);
}
