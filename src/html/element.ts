/** HtmlNode (what documents and elements share) and HtmlElement: thin wrappers over domhandler nodes. */
import { type Document, type Element, isTag } from 'domhandler';
import { getInnerHTML, getOuterHTML, nextElementSibling, prevElementSibling } from 'domutils';
import { matchesSelector, selectAllNodes, selectFirstNode } from './query.js';
import { Selection } from './selection.js';
import { textOf } from './text.js';

// Text was decoded at parse time, so serialization re-escapes only what HTML requires (&, <, >, quotes) and keeps
// UTF-8 characters as they are instead of turning "é" into "&#xe9;".
const SERIALIZE = { encodeEntities: 'utf8' } as const;

/**
 * The query and navigation methods shared by `HtmlDocument` and `HtmlElement`. Wrappers are created on access
 * (each `select` wraps only its matches), so two wrappers may stand for the same node: compare `.node`, not the
 * wrappers. `node` is the underlying domhandler node, for use with domutils or css-select directly.
 */
export abstract class HtmlNode {
  constructor(readonly node: Document | Element) {}

  /** Lower-case tag name; `#document` for a document. */
  get tag(): string {
    return isTag(this.node) ? this.node.name : '#document';
  }

  /** Descendants matching a CSS selector, in document order. Under an element, the selector is scoped to it. */
  select(css: string): Selection {
    return wrapAll(selectAllNodes(css, this.node));
  }

  /** The first descendant matching a CSS selector. */
  selectOne(css: string): HtmlElement | undefined {
    const found = selectFirstNode(css, this.node);
    return found === undefined ? undefined : new HtmlElement(found);
  }

  /**
   * Without an argument: this node's text, whitespace collapsed and trimmed (scripts and styles inside are skipped).
   * With a selector: the text of the first match, or `''` when nothing matches.
   */
  text(css?: string): string {
    if (css === undefined) return textOf(this.node);
    const found = selectFirstNode(css, this.node);
    return found === undefined ? '' : textOf(found);
  }

  /** An attribute of this element (decoded: `&amp;` is `&`). */
  attr(name: string): string | undefined;
  /** An attribute of the first descendant matching `css`. */
  attr(css: string, name: string): string | undefined;
  attr(nameOrCss: string, name?: string): string | undefined {
    if (name === undefined) return isTag(this.node) ? attribute(this.node, nameOrCss) : undefined;
    const found = selectFirstNode(nameOrCss, this.node);
    return found === undefined ? undefined : attribute(found, name);
  }

  /** All attributes, as a fresh object (names are lower-case). */
  attrs(): Record<string, string> {
    return isTag(this.node) ? { ...this.node.attribs } : {};
  }

  /** Whether this element matches a CSS selector. */
  is(css: string): boolean {
    return isTag(this.node) && matchesSelector(this.node, css);
  }

  /** Outer HTML (for a document: the whole document). */
  html(): string {
    return getOuterHTML(this.node, SERIALIZE);
  }

  /** The HTML of the children. */
  innerHtml(): string {
    return getInnerHTML(this.node, SERIALIZE);
  }

  /** The parent element; `undefined` at the top (the document is not an element). */
  parent(): HtmlElement | undefined {
    const parent = this.node.parent;
    return parent !== null && isTag(parent) ? new HtmlElement(parent) : undefined;
  }

  /** Child elements (text and comments left out). */
  children(): Selection {
    const children = new Selection();
    for (const child of this.node.children) if (isTag(child)) children.push(new HtmlElement(child));
    return children;
  }

  /** The nearest element matching `css`, starting with this one and going up, like the DOM's `closest`. */
  closest(css: string): HtmlElement | undefined {
    for (let node = this.node; isTag(node); ) {
      if (matchesSelector(node, css)) return new HtmlElement(node);
      const parent = node.parent;
      if (parent === null || !isTag(parent)) return undefined;
      node = parent;
    }
    return undefined;
  }

  /** The next sibling element. */
  next(): HtmlElement | undefined {
    const sibling = isTag(this.node) ? nextElementSibling(this.node) : null;
    return sibling === null ? undefined : new HtmlElement(sibling);
  }

  /** The previous sibling element. */
  prev(): HtmlElement | undefined {
    const sibling = isTag(this.node) ? prevElementSibling(this.node) : null;
    return sibling === null ? undefined : new HtmlElement(sibling);
  }
}

/** One element of a parsed page. */
export class HtmlElement extends HtmlNode {
  declare readonly node: Element;

  constructor(node: Element) {
    super(node);
  }

  override get tag(): string {
    return this.node.name;
  }
}

/** Wraps matches into a Selection. */
export function wrapAll(nodes: readonly Element[]): Selection {
  const selection = new Selection();
  for (const node of nodes) selection.push(new HtmlElement(node));
  return selection;
}

function attribute(element: Element, name: string): string | undefined {
  const attribs = element.attribs;
  // Own-property check: a page's attribute named "constructor" must not reach Object.prototype.
  const key = name.toLowerCase();
  return Object.hasOwn(attribs, key) ? attribs[key] : undefined;
}
