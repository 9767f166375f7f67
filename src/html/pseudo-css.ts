/**
 * parsel's pseudo-elements on CSS selectors: `h1::text` (the element's own text nodes), `p ::text` (text nodes of p
 * and all its descendants) and `a::attr(href)` (an attribute value). They only make sense at the end of a selector,
 * so they are split off here and the rest goes to css-select unchanged.
 */

/** One comma-separated part of a selector, with its trailing pseudo-element if any. */
export interface CssPart {
  /** The selector without the pseudo-element; '' for a bare `::text` (the context node itself). */
  css: string;
  pseudo:
    | { kind: 'none' }
    | { kind: 'text'; descendants: boolean }
    | { kind: 'attr'; name: string };
}

const PSEUDO = /::(text|attr\(\s*(['"]?)([^'")\s]+)\2\s*\))\s*$/;

/** Whether `css` uses `::text` or `::attr()` anywhere (cheap pre-check: most selectors do not). */
export function hasPseudoElement(css: string): boolean {
  return css.includes('::text') || css.includes('::attr');
}

/** Splits `css` at top-level commas and takes each part's trailing pseudo-element off. */
export function parseCssParts(css: string): CssPart[] {
  return splitTopLevel(css).map((part) => {
    const match = PSEUDO.exec(part);
    if (match === null) return { css: part.trim(), pseudo: { kind: 'none' } };
    const before = part.slice(0, match.index);
    const base = before.trim();
    if (match[1] === 'text') {
      // `p ::text` is `p *::text` plus p's own text: every text node under p.
      const descendants = base !== '' && /\s$/.test(before);
      return { css: base, pseudo: { kind: 'text', descendants } };
    }
    // The name as written: `attribute()` tries it as is (XML keeps case: `isPermaLink`), then lower-cased (HTML).
    return { css: base, pseudo: { kind: 'attr', name: match[3] ?? '' } };
  });
}

/** Commas inside brackets, parentheses or quotes (`a[title="x,y"]`, `:is(h1, h2)`) do not split. */
function splitTopLevel(css: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < css.length; i++) {
    const char = css[i];
    if (quote !== undefined) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '\\') {
      i++;
    } else if (char === '(' || char === '[') {
      depth++;
    } else if (char === ')' || char === ']') {
      depth--;
    } else if (char === ',' && depth === 0) {
      parts.push(css.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(css.slice(start));
  return parts;
}
