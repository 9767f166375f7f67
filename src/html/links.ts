/** Link resolution, and the DOM-free fast path that pulls a page's links (and title) in one streaming pass. */
import { scanLinks } from './link-scanner.js';
import { collapseWhitespace } from './text.js';

/**
 * The absolute form of `href` as a crawler would follow it: resolved against `base`, http(s) only, fragment dropped;
 * `undefined` for `javascript:`, `mailto:`, `tel:`, `data:`…, for fragment-only or empty hrefs (links to the page
 * itself), and for anything that does not parse.
 */
export function resolveLink(href: string, base: string | undefined): string | undefined {
  const first = firstNonSpace(href);
  if (first === -1 || href.charCodeAt(first) === 0x23 /* # */) return undefined;
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const absolute = url.href;
  // The first '#' of a serialized URL is the fragment delimiter (path and query encode theirs).
  const hash = absolute.indexOf('#');
  return hash === -1 ? absolute : absolute.slice(0, hash);
}

/**
 * A document's base URL: the first `<base href>` resolved against the page URL, else the page URL (HTML spec,
 * "document base URL"). `undefined` when neither gives an absolute URL.
 */
export function resolveBaseUrl(baseHref: string | undefined, url: string | undefined): string | undefined {
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
  const seen = new Set<string>();
  const links: string[] = [];
  for (const href of hrefs) {
    const link = resolveLink(href, base);
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
  return { title: collapsed === '' ? undefined : collapsed, links: resolveLinks(hrefs, resolveBaseUrl(baseHref, url)) };
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x20) return i;
  return -1;
}
