/** XPath 1.0 over domhandler trees: the `xpath` package evaluates, `xpath-dom.ts` gives it a DOM view of our nodes. */

import { createRequire } from 'node:module';
import type { Document, Element } from 'domhandler';
import { isTag } from 'domhandler';
import { isXmlTree } from './xml-mode.js';
import { AttributeView, declaredNamespace, NodeView, viewOf } from './xpath-dom.js';

/** Options of `xpath(expression, options)`. */
export interface XPathOptions {
  /**
   * Prefixes for the expression's prefixed names, for XML documents: `{ atom: 'http://www.w3.org/2005/Atom' }` makes
   * `//atom:entry` match Atom entries. A prefix not given here resolves as the document declares it (`xmlns:dc` on
   * the context node or an ancestor, as the root element of a feed does).
   */
  namespaces?: Readonly<Record<string, string>>;
}

/** An `xpath` package result class (XNodeSet, XString, XNumber, XBoolean), by the one method read from each. */
type ResultClass<T> = abstract new (...args: never[]) => T;

interface ParsedXPath {
  evaluate(options: {
    node: object;
    namespaces?: (prefix: string) => string | null;
    allowAnyNamespaceForNoPrefix?: boolean;
  }): object;
}

/**
 * The one function used from the `xpath` package, loaded without its typings: they reference the DOM lib, which
 * would bring browser globals (`document`, DOM `Element`…) into this whole Node project.
 */
const xpath = createRequire(import.meta.url)('xpath') as {
  parse(expression: string): ParsedXPath;
  XNodeSet: ResultClass<{ toArray(): unknown[] }>;
  XString: ResultClass<{ stringValue(): string }>;
  XNumber: ResultClass<{ numberValue(): number }>;
  XBoolean: ResultClass<{ booleanValue(): boolean }>;
};

// Spiders run the same few expressions on every page: parse each once (bounded: an expression can be built from
// page data), where `xpath.select` would build a parser and parse again on every call.
const MAX_CACHED = 512;
const parsedExpressions = new Map<string, ParsedXPath>();

function parsed(expression: string): ParsedXPath {
  let found = parsedExpressions.get(expression);
  if (found === undefined) {
    found = guard(expression, () => xpath.parse(expression));
    if (parsedExpressions.size >= MAX_CACHED) parsedExpressions.clear();
    parsedExpressions.set(expression, found);
  }
  return found;
}

/** Throws the SyntaxError `xpath()` would throw for an expression that does not parse, without a page. */
export function checkXPath(expression: string): void {
  parsed(expression);
}

/** What an XPath expression yields, before elements are wrapped: elements, strings, numbers, booleans. */
export type RawXPathValue = Element | string | number | boolean;

/**
 * Evaluates `expression` with `context` as the context node. Node-sets come back in document order: elements as
 * they are, text/comment nodes as their text, attributes as their value; the document node itself (from `/`) is
 * left out. `count()`, `string()`, `boolean()`… come back as one number, string or boolean.
 *
 * On an XML tree, an unprefixed name test also matches elements of a default namespace (`//entry` finds the
 * entries of an Atom feed, whose `<feed xmlns="http://www.w3.org/2005/Atom">` puts them in the Atom namespace), but
 * not prefixed ones (`//link` skips `<atom:link>`): strict XPath 1.0 would need a prefix for every Atom name.
 */
export function evaluateXPath(
  expression: string,
  context: Document | Element,
  options: XPathOptions = {},
): RawXPathValue[] {
  const compiled = parsed(expression);
  const xml = isXmlTree(context);
  let result: object;
  try {
    result = compiled.evaluate({
      node: viewOf(context, xml),
      ...(xml && {
        allowAnyNamespaceForNoPrefix: true,
        namespaces: (prefix: string) =>
          options.namespaces?.[prefix] ?? declaredNamespace(scopeOf(context), prefix),
      }),
    });
  } catch (error) {
    throw invalid(expression, error);
  }
  if (result instanceof xpath.XString) return [result.stringValue()];
  if (result instanceof xpath.XNumber) return [result.numberValue()];
  if (result instanceof xpath.XBoolean) return [result.booleanValue()];
  if (!(result instanceof xpath.XNodeSet)) return [];
  const values: RawXPathValue[] = [];
  for (const item of result.toArray()) {
    if (item instanceof AttributeView) {
      values.push(item.value);
    } else if (item instanceof NodeView) {
      const node = item.node;
      if (isTag(node)) values.push(node);
      else if (item.nodeValue !== null) values.push(item.nodeValue);
    }
  }
  return values;
}

/** Where the prefixes of a query are looked up: the context element, or a document's root element. */
function scopeOf(context: Document | Element): Element | null {
  if (isTag(context)) return context;
  return context.children.find(isTag) ?? null;
}

function guard<T>(expression: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw invalid(expression, error);
  }
}

/** The `xpath` package throws bare Errors: a SyntaxError naming the expression says which query it was. */
function invalid(expression: string, error: unknown): SyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  return new SyntaxError(`Invalid XPath ${JSON.stringify(expression)}: ${message}`, {
    cause: error,
  });
}
