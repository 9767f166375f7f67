/** Link resolution, and the DOM-free fast path that pulls a page's links (and title) in one streaming pass. */
import { createLinkResolver } from './link-resolver.js';
import { scanLinks } from './link-scanner.js';
import { collapseWhitespace } from './text.js';

/**
 * A document's base URL: the first `<base href>` resolved against the page URL, else the page URL (HTML spec,
 * "document base URL"). `undefined` when neither gives an absolute URL.
 */
export function resolveBaseUrl(
  baseHref: string | undefined,
  url: string | undefined,
): string | undefined {
  if (baseHref !== undefined && baseHref.trim() !== '') {
    try {
      return new URL(baseHref, url).href;
    } catch {
      // An unusable <base href> is ignored, as browsers do.
    }
  }
  if (url === undefined) return undefined;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

/** Resolves and de-duplicates raw hrefs, keeping document order. */
export function resolveLinks(
  hrefs: Iterable<string>,
  base: string | undefined,
  maxLinks = Number.POSITIVE_INFINITY,
): string[] {
  const resolve = createLinkResolver(base);
  // Menus and footers repeat the same hrefs: skip resolving a raw href seen before.
  const seenHrefs = new Set<string>();
  const seen = new Set<string>();
  const links: string[] = [];
  for (const href of hrefs) {
    if (seenHrefs.has(href)) continue;
    seenHrefs.add(href);
    const link = resolve(href);
    if (link === undefined || seen.has(link)) continue;
    seen.add(link);
    links.push(link);
    if (links.length >= maxLinks) break;
  }
  return links;
}

/** Options of `extractLinks` and `extractTitleAndLinks`. */
export interface ExtractLinksOptions {
  /**
   * Stop reading the page once this many distinct links were found (a crawl's `maxLinksPerPage`): the scan then
   * costs the part of the page before the cut, and the result holds at most this many links. @default Infinity
   */
  maxLinks?: number;
}

/** What `extractTitleAndLinks` returns. */
export interface TitleAndLinks {
  /** Text of the first `<title>`, whitespace collapsed; `undefined` when there is none or it is empty. */
  title: string | undefined;
  /** Same as `parseHtml(html, { url }).links()`. */
  links: string[];
}

/**
 * The links of a page without building a DOM: one streaming pass of htmlparser2's tokenizer that keeps only the
 * `href` of `a`/`area` and of the first `base`. Same rules and same result as `parseHtml(html, { url }).links()`
 * (links inside `<template>` included, by both).
 */
export function extractLinks(
  html: string,
  url: string | undefined,
  options: ExtractLinksOptions = {},
): string[] {
  return scan(html, url, false, options.maxLinks).links;
}

/** `extractLinks` plus the page title, in the same single pass. */
export function extractTitleAndLinks(
  html: string,
  url: string | undefined,
  options: ExtractLinksOptions = {},
): TitleAndLinks {
  return scan(html, url, true, options.maxLinks);
}

function scan(
  html: string,
  url: string | undefined,
  wantTitle: boolean,
  maxLinks = Number.POSITIVE_INFINITY,
): TitleAndLinks {
  const { hrefs, baseHref, title } = scanLinks(
    html,
    wantTitle,
    Number.isFinite(maxLinks) ? linkCounter(url, maxLinks) : undefined,
  );
  const collapsed = collapseWhitespace(title);
  return {
    title: collapsed === '' ? undefined : collapsed,
    links: resolveLinks(hrefs, resolveBaseUrl(baseHref, url), maxLinks),
  };
}

/**
 * Tells the scan to stop once `maxLinks` distinct links were found, resolving each new href against the base known
 * so far. The final result is resolved again against the page's real base (a `<base>` after the first links is
 * legal), so only where the scan stops can differ from a full read, never how a link resolves.
 */
function linkCounter(
  url: string | undefined,
  maxLinks: number,
): (href: string, baseHref: string | undefined) => boolean {
  let resolve = createLinkResolver(resolveBaseUrl(undefined, url));
  let resolvedWith: string | undefined;
  const seenHrefs = new Set<string>();
  const seen = new Set<string>();
  return (href, baseHref) => {
    if (baseHref !== resolvedWith) {
      resolvedWith = baseHref;
      resolve = createLinkResolver(resolveBaseUrl(baseHref, url));
    }
    if (seenHrefs.has(href)) return true;
    seenHrefs.add(href);
    const link = resolve(href);
    if (link !== undefined) seen.add(link);
    return seen.size < maxLinks;
  };
}
