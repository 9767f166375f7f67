/**
 * What a handler's pages are read for, learned from its earlier pages: the simple selectors it passes to
 * `page.text(css)`. A page whose handler asks for one of them is read by one DOM-free scan (html/field-scan.ts)
 * that answers all of them and the links, instead of a full parse; a selector met for the first time makes that
 * page parse as before and joins the hints for the next pages.
 */
import { type SimpleSelector, simpleSelector } from '../html/field-scan.js';

/** Selectors remembered per handler: a handler that builds selectors from page data must not grow this. */
const MAX_SELECTORS = 32;

export class FieldHints {
  readonly #selectors = new Map<string, SimpleSelector>();
  #list: SimpleSelector[] = [];
  #scans = 0;
  #wasted = 0;
  #enabled = true;

  /** False once the handler's pages often needed the full DOM after their scan: the scan was then extra work. */
  get enabled(): boolean {
    return this.#enabled;
  }

  has(css: string): boolean {
    return this.#selectors.has(css);
  }

  get selectors(): readonly SimpleSelector[] {
    return this.#list;
  }

  /** Remembers `css` for the next pages, when the scan can read it. */
  learn(css: string): void {
    if (this.#selectors.size >= MAX_SELECTORS || this.#selectors.has(css)) return;
    const selector = simpleSelector(css);
    if (selector === undefined) return;
    this.#selectors.set(css, selector);
    this.#list = [...this.#selectors.values()];
  }

  /** Pages read by a scan so far, and those of them that parsed their DOM after all. */
  get scans(): number {
    return this.#scans;
  }
  get wastedScans(): number {
    return this.#wasted;
  }

  scanned(): void {
    this.#scans++;
  }

  /** A scanned page went on to parse its DOM (another selector, `select`, `xpath`…). */
  wasted(): void {
    this.#wasted++;
    if (this.#wasted >= 3 && this.#wasted * 4 >= this.#scans) this.#enabled = false;
  }
}

/** One `FieldHints` per handler name, for a crawl (or a handler thread). */
export class HandlerFieldHints {
  readonly #byHandler = new Map<string, FieldHints>();

  for(handler: string): FieldHints {
    let hints = this.#byHandler.get(handler);
    if (hints === undefined) {
      hints = new FieldHints();
      this.#byHandler.set(handler, hints);
    }
    return hints;
  }
}
