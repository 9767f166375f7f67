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
export function resolveLinks(hrefs: Iterable<string>, base: string | undefined): string[] {
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
  }
  return links;
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
export function extractLinks(html: string, url: string | undefined): string[] {
  return scan(html, url, false).links;
}

/** `extractLinks` plus the page title, in the same single pass. */
export function extractTitleAndLinks(html: string, url: string | undefined): TitleAndLinks {
  return scan(html, url, true);
}

function scan(html: string, url: string | undefined, wantTitle: boolean): TitleAndLinks {
  const { hrefs, baseHref, title } = scanLinks(html, wantTitle);
  const collapsed = collapseWhitespace(title);
  return {
    title: collapsed === '' ? undefined : collapsed,
    links: resolveLinks(hrefs, resolveBaseUrl(baseHref, url)),
  };
}
