/** Matches: what `xpath()` and `css()` return — parsel's SelectorList for TypeScript, with `.get()` / `.getAll()`. */
import type { HtmlElement } from './element.js';
import { regexMatches } from './regex.js';
import { Selection } from './selection.js';

/** One result of `xpath()` or `css()`: an element, a text or attribute value, or a number/boolean from a function. */
export type MatchValue = HtmlElement | string | number | boolean;

/**
 * An array of results (iterable, indexable, `.length`) with parsel's helpers. Array methods that build a new array
 * (`map`, `filter`…) return plain arrays.
 */
export class Matches<T extends MatchValue = MatchValue> extends Array<T> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** The first result, or `undefined` when there is none. */
  get(): T | undefined {
    return this[0];
  }

  /** All results, as a plain array. */
  getAll(): T[] {
    return [...this];
  }

  /** The element results as a Selection (strings, numbers and booleans left out), for `.texts()`, `.attrs()`… */
  elements(): Selection {
    const elements = new Selection();
    for (const value of this) if (typeof value === 'object') elements.push(value);
    return elements;
  }

  /**
   * Every match of `pattern` in each result's text (elements give their `text()`), in order: capture group 1 when
   * the pattern has one, else the whole match.
   */
  re(pattern: RegExp | string): string[] {
    const found: string[] = [];
    for (const value of this) found.push(...regexMatches(pattern, textOfValue(value)));
    return found;
  }

  /** The first of `re(pattern)`, or `undefined`. */
  reFirst(pattern: RegExp | string): string | undefined {
    for (const value of this) {
      const [first] = regexMatches(pattern, textOfValue(value), 1);
      if (first !== undefined) return first;
    }
    return undefined;
  }
}

function textOfValue(value: MatchValue): string {
  return typeof value === 'object' ? value.text() : String(value);
}
