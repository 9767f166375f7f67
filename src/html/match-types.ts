/**
 * Result types read from a literal query, so `page.xpath('//a/@href').getAll()` is a `string[]` without a cast.
 * Only unambiguous shapes are narrowed; anything else (a query built at run time, a union `|`, a predicate after
 * the last step) gets the wide `MatchValue`, which is always true at run time.
 */
import type { HtmlElement } from './element.js';
import type { MatchValue } from './matches.js';

type StringFunction = 'string' | 'normalize-space' | 'name' | 'local-name' | 'concat' | 'substring';
type NumberFunction = 'count' | 'sum' | 'number' | 'string-length';

/** A last step that cannot start a new step or predicate: `href`, not `href]/..`. */
type PlainTail<T extends string> =
  T extends `${string}${'/' | '[' | ']' | '(' | ')' | ' '}${string}` ? false : true;

/** What `xpath(E)` yields for a literal expression `E`. */
export type XPathValueOf<E extends string> = string extends E
  ? MatchValue
  : E extends `${string}|${string}`
    ? MatchValue
    : E extends `${string}text()` | `${string}comment()`
      ? string
      : E extends `${string}/@${infer Name}`
        ? PlainTail<Name> extends true
          ? string
          : MatchValue
        : E extends `${StringFunction}(${infer Inner})`
          ? Inner extends `${string})${string}`
            ? MatchValue
            : string
          : E extends `${NumberFunction}(${infer Inner})`
            ? Inner extends `${string})${string}`
              ? MatchValue
              : number
            : MatchValue;

/** What `css(E)` yields: strings for `::text` / `::attr()`, elements otherwise. */
export type CssValueOf<E extends string> = string extends E
  ? HtmlElement | string
  : E extends `${string}::${string}`
    ? E extends `${string},${string}`
      ? HtmlElement | string
      : string
    : HtmlElement;
