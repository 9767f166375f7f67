/** XPath 1.0 over domhandler trees: the `xpath` package evaluates, `xpath-dom.ts` gives it a DOM view of our nodes. */

import { createRequire } from 'node:module';
import type { Document, Element } from 'domhandler';
import { isTag } from 'domhandler';
import { AttributeView, NodeView, viewOf } from './xpath-dom.js';

/**
 * The one function used from the `xpath` package, loaded without its typings: they reference the DOM lib, which
 * would bring browser globals (`document`, DOM `Element`…) into this whole Node project.
 */
const xpath = createRequire(import.meta.url)('xpath') as {
  select(expression: string, node: object): unknown;
};

/** What an XPath expression yields, before elements are wrapped: elements, strings, numbers, booleans. */
export type RawXPathValue = Element | string | number | boolean;

/**
 * Evaluates `expression` with `context` as the context node. Node-sets come back in document order: elements as
 * they are, text/comment nodes as their text, attributes as their value; the document node itself (from `/`) is
 * left out. `count()`, `string()`, `boolean()`… come back as one number, string or boolean.
 */
export function evaluateXPath(expression: string, context: Document | Element): RawXPathValue[] {
  let result: unknown;
  try {
    result = xpath.select(expression, viewOf(context));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new SyntaxError(`Invalid XPath ${JSON.stringify(expression)}: ${message}`, {
      cause: error,
    });
  }
  if (!Array.isArray(result)) {
    return typeof result === 'string' || typeof result === 'number' || typeof result === 'boolean'
      ? [result]
      : [];
  }
  const values: RawXPathValue[] = [];
  for (const item of result as unknown[]) {
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
