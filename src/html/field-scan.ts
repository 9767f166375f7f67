/**
 * One pass over a page that reads the text of the first match of a few simple selectors and the raw link hrefs,
 * without building a DOM: what a handler that reads some fields and follows the links needs from most pages.
 *
 * It reads the elements as htmlparser2's Parser gives them (tree-events.ts: the Tokenizer `parseHtml` runs, with the
 * Parser's tree rules), so the tree it implies is the DOM's own: the same implied end tags, void elements, raw-text
 * and foreign content. Building the domhandler tree costs about as much again as the parse itself on a 37 KB shop
 * page, and walking it for links a tenth more. The results equal `parseHtml(html).text(css)` and the hrefs `links()`
 * resolves (checked by tests/html/field-scan.test.ts on hostile markup and random documents).
 */
import { detached } from './detached.js';
// Read as text.ts reads a DOM: hidden content skipped, blocks spaced, a script or style asked for read raw.
import { BLOCKS, collapseWhitespace, HIDDEN, RAW } from './text.js';
import { readTree, type TreeReader } from './tree-events.js';

/** A compound selector of a type (or `*`), classes and ids, e.g. `h1.product-title`, `.price`, `#sku`. */
export interface SimpleSelector {
  css: string;
  tag: string | undefined;
  ids: string[];
  /** Each class, and the test of it as a whole word of the `class` attribute. */
  classes: Array<{ name: string; word: RegExp }>;
}

const SIMPLE = /^(\*|[A-Za-z][A-Za-z0-9-]*)?((?:[.#][A-Za-z_][A-Za-z0-9_-]*)*)$/;
const PART = /[.#][A-Za-z_][A-Za-z0-9_-]*/g;

/**
 * The selector as the scan reads it, or undefined when it takes more than a type, classes and ids (combinators,
 * attributes, pseudo-classes, escapes, lists): those need the DOM.
 */
export function simpleSelector(css: string): SimpleSelector | undefined {
  const match = SIMPLE.exec(css);
  if (match === null || css === '') return undefined;
  const tag = match[1] === undefined || match[1] === '*' ? undefined : match[1].toLowerCase();
  const ids: string[] = [];
  const classes: SimpleSelector['classes'] = [];
  for (const [part] of (match[2] ?? '').matchAll(PART)) {
    // As css-select matches `~=`: the value between whitespace (JavaScript's \s) or the ends.
    if (part.startsWith('#')) ids.push(part.slice(1));
    else {
      const name = part.slice(1);
      classes.push({ name, word: new RegExp(`(?:^|\\s)${name}(?:$|\\s)`) });
    }
  }
  return { css, tag, ids, classes };
}

/** What `scanFields` read: each selector's text (`''` when nothing matched), the raw hrefs, the first base href. */
export interface FieldScan {
  texts: Map<string, string>;
  /** `href` of each `a`/`area` that has one, in document order, `<template>` content included (as `links()`). */
  hrefs: string[];
  baseHref: string | undefined;
}

/** What matching and links need of an element. */
const READ_ATTRIBUTES = ['class', 'id', 'href'];

/** Reads `selectors` (each from `simpleSelector`) and the links of `html` in one parse. */
export function scanFields(html: string, selectors: readonly SimpleSelector[]): FieldScan {
  const scanner = new FieldScanner(selectors);
  readTree(html, scanner, READ_ATTRIBUTES);
  const texts = new Map<string, string>();
  for (const capture of scanner.captures) texts.set(capture.selector.css, capture.result ?? '');
  return { texts, hrefs: scanner.hrefs, baseHref: scanner.baseHref };
}

interface Capture {
  selector: SimpleSelector;
  /** Depth of the matched element while it is open; -1 before the match. */
  depth: number;
  raw: boolean;
  /** Open hidden elements (and their descendants) under the match. */
  hidden: number;
  text: string;
  result: string | undefined;
}

class FieldScanner implements TreeReader {
  readonly captures: Capture[];
  readonly hrefs: string[] = [];
  baseHref: string | undefined;
  #depth = 0;
  /** Open `<template>` elements: CSS queries do not look inside them (css-select, HTML mode). */
  #templates = 0;
  #open = 0;
  #pending: number;

  get reading(): boolean {
    return this.#open > 0;
  }

  constructor(selectors: readonly SimpleSelector[]) {
    this.captures = selectors.map((selector) => ({
      selector,
      depth: -1,
      raw: false,
      hidden: 0,
      text: '',
      result: undefined,
    }));
    this.#pending = this.captures.length;
  }

  /** Links and `<base>` have their href read; other elements only while a selector waits for its match. */
  wantsAttributes(name: string): boolean {
    return (
      name === 'a' ||
      name === 'area' ||
      name === 'base' ||
      (this.#pending > 0 && this.#templates === 0)
    );
  }

  onopentag(name: string, attribs: Record<string, string>): void {
    this.#depth++;
    if (name === 'a' || name === 'area') {
      if (attribs.href !== undefined) this.hrefs.push(attribs.href);
    } else if (name === 'base' && this.baseHref === undefined && attribs.href !== undefined) {
      this.baseHref = attribs.href;
    }
    if (this.#open > 0) this.#enterInside(name);
    if (this.#pending > 0 && this.#templates === 0) this.#match(name, attribs);
    if (name === 'template') this.#templates++;
  }

  onclosetag(name: string): void {
    if (name === 'template') this.#templates--;
    if (this.#open > 0) this.#leaveInside(name);
    this.#depth--;
  }

  ontext(data: string): void {
    if (this.#open === 0) return;
    for (const capture of this.captures) {
      if (capture.depth === -1 || capture.result !== undefined || capture.hidden > 0) continue;
      if (!capture.raw || this.#depth === capture.depth) capture.text += data;
    }
  }

  #match(name: string, attribs: Record<string, string>): void {
    for (const capture of this.captures) {
      if (capture.depth !== -1 || !matches(capture.selector, name, attribs)) continue;
      capture.depth = this.#depth;
      capture.raw = RAW.has(name);
      this.#open++;
      this.#pending--;
    }
  }

  /** An element opens under open matches: hidden content is skipped, blocks are spaced. */
  #enterInside(name: string): void {
    for (const capture of this.captures) {
      if (capture.depth === -1 || capture.result !== undefined) continue;
      if (capture.hidden > 0 || HIDDEN.has(name)) capture.hidden++;
      else if (!capture.raw && BLOCKS.has(name)) capture.text += ' ';
    }
  }

  #leaveInside(name: string): void {
    for (const capture of this.captures) {
      if (capture.depth === -1 || capture.result !== undefined) continue;
      if (this.#depth === capture.depth) {
        capture.result = detached(
          capture.raw ? capture.text.trim() : collapseWhitespace(capture.text),
        );
        this.#open--;
      } else if (capture.hidden > 0) capture.hidden--;
      else if (!capture.raw && BLOCKS.has(name)) capture.text += ' ';
    }
  }
}

function matches(selector: SimpleSelector, name: string, attribs: Record<string, string>): boolean {
  if (selector.tag !== undefined && selector.tag !== name) return false;
  for (const id of selector.ids)
    if (!Object.hasOwn(attribs, 'id') || attribs.id !== id) return false;
  if (selector.classes.length > 0) {
    const value = Object.hasOwn(attribs, 'class') ? attribs.class : undefined;
    if (value === undefined) return false;
    // The substring test first: most class attributes do not contain the class at all.
    for (const { name, word } of selector.classes)
      if (!value.includes(name) || !word.test(value)) return false;
  }
  return true;
}
