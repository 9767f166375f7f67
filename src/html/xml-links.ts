/**
 * The links of an XML document, read the way feeds and sitemaps carry them: RSS puts an item's URL in the text of
 * `<link>` (which HTML would treat as a void element), Atom in `<link href>` with a `rel`, sitemaps in `<loc>`.
 * This is what `links()` gives on an XML page, so a crawl of a feed follows its entries.
 */
import { type AnyNode, type Document, type Element, hasChildren, isTag, isText } from 'domhandler';
import { localNameOf } from './xml-mode.js';

/** Atom's relation for "the page this entry is about" (the default when `rel` is absent). */
const ALTERNATE = new Set(['', 'alternate']);

/**
 * Raw hrefs in document order, from `root` and everything under it, by the element's local name (so `atom:link` in
 * an RSS channel counts as a `link`):
 * - `<link href>` (Atom): an `<entry>`'s `alternate` link (`rel` absent or `alternate`), and any `rel="next"`
 *   (the feed's next page, RFC 5005) — not `self`, `edit`, `enclosure`, `hub`, nor the feed's own `alternate`
 *   (the site's home page);
 * - `<link>` text (RSS 2.0 and 1.0): in an `<item>` only (the channel's own `<link>` is the site's home page);
 * - `<guid>` text in an `<item>` without `<link>`, unless `isPermaLink="false"`;
 * - `<loc>` text in a sitemap's `<url>` or `<sitemap>`;
 * - the `href` of any other element (XHTML-like `<a href>` in XML).
 */
export function xmlLinkHrefs(root: Document | Element): string[] {
  const hrefs: string[] = [];
  const stack: AnyNode[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (isTag(node)) {
      const href = hrefOf(node);
      if (href !== undefined && href !== '') hrefs.push(href);
    }
    if (!hasChildren(node)) continue;
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child !== undefined) stack.push(child);
    }
  }
  return hrefs;
}

function hrefOf(element: Element): string | undefined {
  const name = localNameOf(element.name);
  const href = element.attribs.href;
  if (name === 'link') {
    if (href !== undefined) {
      const rel = (element.attribs.rel ?? '').trim().toLowerCase();
      const followed = rel === 'next' || (ALTERNATE.has(rel) && parentName(element) === 'entry');
      return followed ? href.trim() : undefined;
    }
    return parentName(element) === 'item' ? ownText(element) : undefined;
  }
  if (name === 'guid') {
    const permalink = element.attribs.isPermaLink?.trim().toLowerCase() !== 'false';
    const parent = element.parent;
    return permalink && parent !== null && isTag(parent) && !hasChildNamed(parent, 'link')
      ? ownText(element)
      : undefined;
  }
  if (name === 'loc') {
    const parent = parentName(element);
    return parent === 'url' || parent === 'sitemap' ? ownText(element) : undefined;
  }
  return href?.trim();
}

function parentName(element: Element): string | undefined {
  const parent = element.parent;
  return parent !== null && isTag(parent) ? localNameOf(parent.name) : undefined;
}

function hasChildNamed(element: Element, name: string): boolean {
  return element.children.some((child) => isTag(child) && localNameOf(child.name) === name);
}

/** The element's text, trimmed: link texts are often written on their own indented line. */
function ownText(element: Element): string {
  let text = '';
  for (const child of element.children) if (isText(child)) text += child.data;
  return text.trim();
}
