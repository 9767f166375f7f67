/** HtmlNode (what documents and elements share) and HtmlElement: thin wrappers over domhandler nodes. */
import { type Document, type Element, isTag, isText } from 'domhandler';
import { getInnerHTML, getOuterHTML, nextElementSibling, prevElementSibling } from 'domutils';
import type { CssValueOf, XPathValueOf } from './match-types.js';
import { Matches } from './matches.js';
import { hasPseudoElement, parseCssParts } from './pseudo-css.js';
import { matchesSelector, selectAllNodes, selectFirstNode } from './query.js';
import { regexMatches } from './regex.js';
import { Selection } from './selection.js';
import { siblingTextOf, stringsOf, textOf } from './text.js';
import { evaluateXPath, type XPathOptions } from './xpath.js';

/** Options of `text({ separator, trim })`: BeautifulSoup's `get_text(separator, strip)`. */
export interface TextOptions {
  /** Put between the text nodes. @default ' ' */
  separator?: string;
  /** Trim each text node and drop the empty ones. @default true */
  trim?: boolean;
}

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

  /** Lower-case tag name (in XML: as written, prefix included: `dc:creator`); `#document` for a document. */
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
   * With options: the text nodes (see `strings()`) joined with `separator`, each trimmed unless `trim: false`, so
   * line structure survives: `<p>Ann<br>Bob</p>` with `{ separator: '\n' }` is "Ann\nBob".
   */
  text(css?: string): string;
  text(options: TextOptions): string;
  text(css: string, options: TextOptions): string;
  text(cssOrOptions?: string | TextOptions, options?: TextOptions): string {
    const css = typeof cssOrOptions === 'string' ? cssOrOptions : undefined;
    const textOptions = typeof cssOrOptions === 'object' ? cssOrOptions : options;
    const node = css === undefined ? this.node : selectFirstNode(css, this.node);
    if (node === undefined) return '';
    if (textOptions === undefined) return textOf(node);
    return stringsOf(node, textOptions.trim ?? true).join(textOptions.separator ?? ' ');
  }

  /**
   * Every text node under this node in document order, loose text between elements included (BeautifulSoup's
   * `.strings`); script/style/template/noscript content skipped. `{ trim: true }` trims each and drops empty ones.
   */
  strings(options: { trim?: boolean } = {}): string[] {
    return stringsOf(this.node, options.trim ?? false);
  }

  /** Every match of `pattern` in `text()`: capture group 1 when the pattern has one, else the whole match. */
  re(pattern: RegExp | string): string[] {
    return regexMatches(pattern, this.text());
  }

  /** The first of `re(pattern)`, or `undefined`. */
  reFirst(pattern: RegExp | string): string | undefined {
    return regexMatches(pattern, this.text(), 1)[0];
  }

  /**
   * XPath 1.0 with this node as the context node (`.//a/@href` is relative to it, `//a` searches the whole page).
   * Elements come back as HtmlElement, text and attribute nodes as strings, `count()`/`string()`/`boolean()` as one
   * number, string or boolean. The result type is narrowed for literal `…/text()`, `…/@name`, `count(…)`,
   * `string(…)`. Throws a SyntaxError for an invalid expression.
   * On an XML document, `options.namespaces` binds the expression's prefixes (`{ atom: '…' }` for `//atom:entry`);
   * prefixes the document declares work without it, and unprefixed names also match default-namespace elements.
   */
  xpath<const E extends string>(expression: E, options?: XPathOptions): Matches<XPathValueOf<E>> {
    const matches = new Matches<XPathValueOf<E>>();
    for (const value of evaluateXPath(expression, this.node, options)) {
      // The narrowed type is read from the expression's shape (match-types.ts), which holds at run time.
      matches.push((typeof value === 'object' ? new HtmlElement(value) : value) as XPathValueOf<E>);
    }
    return matches;
  }

  /**
   * CSS selection the Scrapy way: elements, or strings with parsel's pseudo-elements — `h1::text` (the element's
   * own text nodes), `p ::text` (all text nodes under p), `a::attr(href)` (the attribute, where present).
   * Comma-separated parts with pseudo-elements are evaluated one after another and their results concatenated.
   */
  css<const E extends string>(selector: E): Matches<CssValueOf<E>> {
    const matches = new Matches<CssValueOf<E>>();
    // Values built below match CssValueOf<E>: strings exactly when the selector has a pseudo-element.
    const push = (value: HtmlElement | string) => matches.push(value as CssValueOf<E>);
    if (!hasPseudoElement(selector)) {
      for (const element of selectAllNodes(selector, this.node)) push(new HtmlElement(element));
      return matches;
    }
    for (const part of parseCssParts(selector)) {
      const nodes = part.css === '' ? [this.node] : selectAllNodes(part.css, this.node);
      for (const node of nodes) {
        const pseudo = part.pseudo;
        if (pseudo.kind === 'none') {
          if (isTag(node)) push(new HtmlElement(node));
        } else if (pseudo.kind === 'attr') {
          const value = isTag(node) ? attribute(node, pseudo.name) : undefined;
          if (value !== undefined) push(value);
        } else if (pseudo.descendants) {
          for (const text of stringsOf(node, false)) push(text);
        } else {
          for (const child of node.children) if (isText(child)) push(child.data);
        }
      }
    }
    return matches;
  }

  /** An attribute of this element (decoded: `&amp;` is `&`); XML names are case-sensitive (`isPermaLink`). */
  attr(name: string): string | undefined;
  /** An attribute of the first descendant matching `css`. */
  attr(css: string, name: string): string | undefined;
  attr(nameOrCss: string, name?: string): string | undefined {
    if (name === undefined) return isTag(this.node) ? attribute(this.node, nameOrCss) : undefined;
    const found = selectFirstNode(nameOrCss, this.node);
    return found === undefined ? undefined : attribute(found, name);
  }

  /** All attributes, as a fresh object (names are lower-case in HTML, as written in XML). */
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
  previous(): HtmlElement | undefined {
    const sibling = isTag(this.node) ? prevElementSibling(this.node) : null;
    return sibling === null ? undefined : new HtmlElement(sibling);
  }

  /** Same as `previous()`. */
  prev(): HtmlElement | undefined {
    return this.previous();
  }

  /**
   * The loose text right after this element, up to the next sibling element: "Jane Doe" for
   * `<b>Author:</b> Jane Doe<br>`. Trimmed; `undefined` when there is none.
   */
  nextText(): string | undefined {
    return siblingTextOf(this.node, 'next');
  }

  /** The loose text right before this element, back to the previous sibling element. Trimmed; `undefined` if none. */
  previousText(): string | undefined {
    return siblingTextOf(this.node, 'previous');
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
  // Own-property check: a page's attribute named "constructor" must not reach Object.prototype. The name as given
  // first (XML keeps case: `isPermaLink`), then lower-cased (HTML names are, so `attr('HREF')` still works).
  if (Object.hasOwn(attribs, name)) return attribs[name];
  const key = name.toLowerCase();
  return Object.hasOwn(attribs, key) ? attribs[key] : undefined;
}
