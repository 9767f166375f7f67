/** Declarative extraction in the shape of cheerio's `extract()`: a map of keys to selectors in, plain data out. */
import type { HtmlElement, HtmlNode } from './element.js';

/** Computes a value from a matched element. */
export type ExtractFunction = (element: HtmlElement, key: string) => unknown;

/**
 * A selector plus what to read from its match:
 * - a string: `'text'` (the default), `'html'` (outer), `'innerHtml'`, or an attribute name; `href` and `src` come
 *   back absolute when the document has a base URL, as cheerio's `prop('href')` does;
 * - a function of the element;
 * - a nested map, run with the match as root (for lists of records).
 */
export interface ExtractDescriptor {
  selector: string;
  value?: string | ExtractFunction | ExtractMap;
}

/** A selector (text of the first match), a descriptor, or either inside `[ ]` for all matches. */
export type ExtractEntry = string | ExtractDescriptor | readonly [string | ExtractDescriptor];

/** Keys to extraction entries, e.g. `{ title: 'h1', links: [{ selector: 'a', value: 'href' }] }`. */
export interface ExtractMap {
  readonly [key: string]: ExtractEntry;
}

type ValueOf<V> = V extends (...args: never[]) => infer R
  ? R
  : V extends ExtractMap
    ? ExtractResult<V>
    : string;
type SingleOf<E> = E extends { readonly value: infer V } ? ValueOf<V> : string;
type EntryResult<E> = E extends readonly [infer Inner]
  ? Array<NonNullable<SingleOf<Inner>>>
  : Exclude<SingleOf<E>, undefined> | null;

/**
 * The data `extract(map)` returns: one key per key of the map, arrays for `[ ]` entries, null for a single entry
 * that found nothing (no match, no such attribute, a function that gave undefined), so the key is never missing
 * from JSON.
 */
export type ExtractResult<M extends ExtractMap> = { -readonly [K in keyof M]: EntryResult<M[K]> };

/** Runs an extraction map against `root`; `resolve` makes `href`/`src` absolute. */
export function extractFrom<M extends ExtractMap>(
  root: HtmlNode,
  map: M,
  resolve: (url: string) => string,
): ExtractResult<M> {
  const result = new Map<string, unknown>();
  for (const [key, entry] of Object.entries(map)) {
    if (Array.isArray(entry)) {
      const descriptor = describe(entry[0] as string | ExtractDescriptor);
      const values: unknown[] = [];
      for (const element of root.select(descriptor.selector)) {
        const value = readValue(element, key, descriptor.value, resolve);
        if (value !== undefined && value !== null) values.push(value);
      }
      result.set(key, values);
    } else {
      const descriptor = describe(entry as string | ExtractDescriptor);
      const element = root.selectOne(descriptor.selector);
      const value = element && readValue(element, key, descriptor.value, resolve);
      result.set(key, value === undefined ? null : value);
    }
  }
  return Object.fromEntries(result) as ExtractResult<M>;
}

function describe(entry: string | ExtractDescriptor): ExtractDescriptor {
  return typeof entry === 'string' ? { selector: entry } : entry;
}

function readValue(
  element: HtmlElement,
  key: string,
  value: ExtractDescriptor['value'],
  resolve: (url: string) => string,
): unknown {
  if (value === undefined || value === 'text') return element.text();
  if (typeof value === 'function') return value(element, key);
  if (typeof value === 'object') return extractFrom(element, value, resolve);
  if (value === 'html') return element.html();
  if (value === 'innerHtml') return element.innerHtml();
  const attribute = element.attr(value);
  if (attribute !== undefined && (value === 'href' || value === 'src')) return resolve(attribute);
  return attribute;
}
