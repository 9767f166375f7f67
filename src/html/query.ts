/** CSS selection over domhandler nodes via css-select, with compiled selectors cached for document-level queries. */
import { _compileUnsafe, compile, is, selectAll, selectOne } from 'css-select';
import {
  type AnyNode,
  type Document,
  type Element,
  hasChildren,
  isDocument,
  isTag,
} from 'domhandler';
import { findAll } from 'domutils';
import { isXmlTree } from './xml-mode.js';

type Compiled = ReturnType<typeof _compileUnsafe<AnyNode, Element>>;

// Spiders run the same few selectors on every page, so compiling once per selector (css-what parse + css-select
// compile) matters. The cache is bounded because a selector can also be built from page data.
const MAX_CACHED = 512;
const compiledSelectors = new Map<string, Compiled>();
const compiledXmlSelectors = new Map<string, Compiled>();

/**
 * css-select in XML mode for trees parsed as XML: tag and attribute names compare case-sensitively (`pubDate`),
 * and no HTML rule applies (case-insensitive `type` values and the like).
 */
const XML_OPTIONS = { xmlMode: true } as const;

/**
 * A compiled query for css-select. Only document-level queries are cached: under an element, css-select scopes the
 * selector to that element (`div p` means "a div inside this element", `> li` works), which binds the compiled form
 * to it. `_compileUnsafe` is css-select's own compile step without the is-it-a-tag wrapper: css-select only calls
 * it on elements, and it keeps the flag that makes sibling selectors (`+ p`, `~ p`) work under an element.
 */
function queryFor(css: string, context: Document | Element): Compiled {
  const xml = isXmlTree(context);
  if (isDocument(context)) return compiledFor(css, xml);
  const options = xml ? XML_OPTIONS : undefined;
  return guard(css, () => _compileUnsafe<AnyNode, Element>(css, options, context));
}

function compiledFor(css: string, xml: boolean): Compiled {
  const cache = xml ? compiledXmlSelectors : compiledSelectors;
  let compiled = cache.get(css);
  if (compiled === undefined) {
    compiled = guard(css, () => compile<AnyNode, Element>(css, xml ? XML_OPTIONS : undefined));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(css, compiled);
  }
  return compiled;
}

/** Throws the SyntaxError `select` would throw for an invalid selector, without a page: for checking configs. */
export function checkSelector(css: string): void {
  compiledFor(css, false);
}

/** All descendants of `context` matching `css`, in document order. */
export function selectAllNodes(css: string, context: Document | Element): Element[] {
  const query = queryFor(css, context);
  return selectAll<AnyNode, Element>(query, context);
}

/** The first descendant of `context` matching `css`, or `undefined`. */
export function selectFirstNode(css: string, context: Document | Element): Element | undefined {
  const query = queryFor(css, context);
  return selectOne<AnyNode, Element>(query, context) ?? undefined;
}

/** Whether `element` itself matches `css`. */
export function matchesSelector(element: Element, css: string): boolean {
  return is<AnyNode, Element>(element, compiledFor(css, isXmlTree(element)));
}

/**
 * The first element in document order passing `test`, `<template>` content included (unlike CSS queries), found
 * with an explicit stack so that absurdly deep pages cannot overflow the call stack.
 */
export function findFirstElement(
  root: Document | Element,
  test: (element: Element) => boolean,
): Element | undefined {
  const stack: AnyNode[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (isTag(node) && node !== root && test(node)) return node;
    if (!hasChildren(node)) continue;
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child !== undefined) stack.push(child);
    }
  }
  return undefined;
}

/** Every element under `root` passing `test`, in document order, `<template>` content included. */
export function findAllElements(
  root: Document | Element,
  test: (element: Element) => boolean,
): Element[] {
  return findAll(test, root.children);
}

/** Turns css-what's bare parse errors into a SyntaxError that names the selector. */
function guard<T>(css: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Error && !(error instanceof SyntaxError)) {
      throw new SyntaxError(`Invalid CSS selector ${JSON.stringify(css)}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
