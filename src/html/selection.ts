/** Selection: the array of elements a CSS query returns, with a few list-level helpers. */
import type { HtmlElement } from './element.js';

/**
 * An array of `HtmlElement` (iterable, indexable, `.length`, `.map`, `.filter`…) with text/attr shortcuts.
 * Array methods that build a new array (`map`, `filter`, `slice`…) return plain arrays, so `sel.map((a) => a.text())`
 * is a `string[]` and not a Selection of strings.
 */
export class Selection extends Array<HtmlElement> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** The non-empty texts of all elements joined with a single space. */
  text(): string {
    return this.texts()
      .filter((text) => text !== '')
      .join(' ');
  }

  /** Each element's text, in order (empty strings included, so indexes line up with the elements). */
  texts(): string[] {
    const texts: string[] = [];
    for (const element of this) texts.push(element.text());
    return texts;
  }

  /** The attribute of the first element, or `undefined` when empty or absent. */
  attr(name: string): string | undefined {
    return this[0]?.attr(name);
  }

  /** The attribute of every element that has it. */
  attrs(name: string): string[] {
    const values: string[] = [];
    for (const element of this) {
      const value = element.attr(name);
      if (value !== undefined) values.push(value);
    }
    return values;
  }

  /** The first element, or `undefined`. */
  first(): HtmlElement | undefined {
    return this[0];
  }

  /** The last element, or `undefined`. */
  last(): HtmlElement | undefined {
    return this[this.length - 1];
  }

  /** Descendants of any element in the selection matching `css`, each once, in document order per element. */
  select(css: string): Selection {
    const found = new Selection();
    const seen = new Set<unknown>();
    for (const element of this) {
      for (const match of element.select(css)) {
        if (seen.has(match.node)) continue;
        seen.add(match.node);
        found.push(match);
      }
    }
    return found;
  }
}
