/** The DOM-free scan behind extractLinks(): htmlparser2's Tokenizer with callbacks that keep only hrefs and the title. */
import type { Tokenizer, TokenizerCallbacks } from 'htmlparser2';
import { FastTokenizer } from './fast-tokenizer.js';

// Element kinds the scan cares about; everything else is OTHER.
const OTHER = 0;
const LINK = 1; // <a>, <area>
const BASE = 2;
const TITLE = 3;
const FOREIGN = 4; // <svg>, <math>

/** What one scan found: raw (unresolved) hrefs in document order, the first <base href>, the first title's text. */
export interface ScanResult {
  hrefs: string[];
  baseHref: string | undefined;
  title: string;
}

/**
 * Runs the tokenizer over `html`. Going below htmlparser2's Parser skips its per-tag work (lower-casing every tag
 * name into a new string, the open-element stack, implied end tags, slicing every text run): on the 20 KB page of
 * `bench/parsers.mjs` the scan runs at ~10,000 pages/s against ~7,500 through the Parser (1.3×).
 *
 * The Parser's tree decisions that can change what is a link are mirrored: raw-text elements (script, style, title,
 * textarea) are the tokenizer's own; inside <svg>/<math> they are not, so the open foreign elements are counted.
 * The one remaining difference from the DOM path is an <svg> left unclosed inside another element (the Parser
 * closes it with its parent), which only matters if that SVG holds a <script>/<style> with markup-like text.
 *
 * `onHref` sees each link href as it is found (with the `<base href>` seen so far); returning false stops the scan
 * there, so a link budget costs the part of the page up to the budget, not the whole page.
 */
export function scanLinks(
  html: string,
  wantTitle: boolean,
  onHref?: (href: string, baseHref: string | undefined) => boolean,
): ScanResult {
  const scanner = new LinkScanner(html, wantTitle, onHref);
  const tokenizer = new FastTokenizer({ xmlMode: false, decodeEntities: true }, scanner);
  scanner.tokenizer = tokenizer;
  tokenizer.write(html);
  // A paused tokenizer was stopped by `onHref`: the rest of the page is not read.
  if (!scanner.stopped) tokenizer.end();
  return { hrefs: scanner.hrefs, baseHref: scanner.baseHref, title: scanner.title };
}

class LinkScanner implements TokenizerCallbacks {
  readonly hrefs: string[] = [];
  baseHref: string | undefined;
  title = '';
  #kind = OTHER;
  // Only an element's first href counts: the DOM keeps the first of duplicated attributes.
  #sawHref = false;
  #capturing = false;
  #value = '';
  #foreignDepth = 0;
  #titleState: 0 | 1 | 2; // 0 before the first <title>, 1 inside it, 2 done
  tokenizer: Tokenizer | undefined;
  stopped = false;

  constructor(
    private readonly html: string,
    wantTitle: boolean,
    private readonly onHref?: (href: string, baseHref: string | undefined) => boolean,
  ) {
    this.#titleState = wantTitle ? 0 : 2;
  }

  onopentagname(start: number, end: number): void {
    const kind = this.#classify(start, end);
    this.#kind = kind;
    this.#sawHref = false;
    if (kind === FOREIGN) this.#foreignDepth++;
    else if (kind === TITLE && this.#titleState === 0) this.#titleState = 1;
  }

  onattribname(start: number, end: number): void {
    if (this.#kind !== LINK && this.#kind !== BASE) return;
    if (this.#sawHref || !this.#nameIs(start, end, 'href')) return;
    this.#sawHref = true;
    this.#capturing = true;
    this.#value = '';
  }

  onattribdata(start: number, end: number): void {
    if (this.#capturing) this.#value += this.html.slice(start, end);
  }

  onattribentity(codePoint: number): void {
    if (this.#capturing) this.#value += String.fromCodePoint(codePoint);
  }

  onattribend(): void {
    if (!this.#capturing) return;
    this.#capturing = false;
    if (this.#kind === LINK) {
      this.hrefs.push(this.#value);
      if (this.onHref && !this.stopped && !this.onHref(this.#value, this.baseHref)) {
        this.stopped = true;
        this.tokenizer?.pause();
      }
    } else if (this.baseHref === undefined) this.baseHref = this.#value;
  }

  onselfclosingtag(): void {
    // Inside <svg>/<math> (including the tag that opens them) the Parser honours `/>`; in HTML it ignores it.
    if (this.#foreignDepth === 0) return;
    if (this.#kind === FOREIGN) this.#foreignDepth--;
    else if (this.#kind === TITLE && this.#titleState === 1) this.#titleState = 2;
  }

  onclosetag(start: number, end: number): void {
    const kind = this.#classify(start, end);
    if (kind === FOREIGN && this.#foreignDepth > 0) this.#foreignDepth--;
    else if (kind === TITLE && this.#titleState === 1) this.#titleState = 2;
  }

  ontext(start: number, end: number): void {
    if (this.#titleState === 1) this.title += this.html.slice(start, end);
  }

  ontextentity(codePoint: number): void {
    if (this.#titleState === 1) this.title += String.fromCodePoint(codePoint);
  }

  isInForeignContext(): boolean {
    return this.#foreignDepth > 0;
  }

  onopentagend(): void {}
  oncdata(): void {}
  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
  onend(): void {}

  /** Tag kind from the name's characters, without slicing or lower-casing a string. */
  #classify(start: number, end: number): number {
    switch (end - start) {
      case 1:
        return this.#nameIs(start, end, 'a') ? LINK : OTHER;
      case 3:
        return this.#nameIs(start, end, 'svg') ? FOREIGN : OTHER;
      case 4:
        if (this.#nameIs(start, end, 'area')) return LINK;
        if (this.#nameIs(start, end, 'base')) return BASE;
        return this.#nameIs(start, end, 'math') ? FOREIGN : OTHER;
      case 5:
        return this.#nameIs(start, end, 'title') ? TITLE : OTHER;
      default:
        return OTHER;
    }
  }

  /** ASCII case-insensitive comparison of html[start, end) with a lower-case letters-only name. */
  #nameIs(start: number, end: number, name: string): boolean {
    if (end - start !== name.length) return false;
    for (let i = 0; i < name.length; i++) {
      if ((this.html.charCodeAt(start + i) | 0x20) !== name.charCodeAt(i)) return false;
    }
    return true;
  }
}
