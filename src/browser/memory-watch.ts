/**
 * Memory recycling: every `checkEvery` pages the browser's memory (its processes' PSS, summed) is measured (see memory.ts); over
 * `maxMb`, the caller's `recycle` replaces the current context. Closing a context ends its renderers and frees
 * what its pages kept (Playwright's known growth when one context serves many pages).
 */
import type { Browser } from 'playwright-core';
import { browserRss } from './memory.js';

export class MemoryWatch {
  readonly #maxBytes: number;
  readonly #checkEvery: number;
  #sinceCheck = 0;
  #measuring = false;
  recycles = 0;
  lastRss: number | undefined;

  constructor(maxMb: number, checkEvery: number) {
    this.#maxBytes = maxMb * 1024 * 1024;
    this.#checkEvery = Math.max(1, checkEvery);
  }

  /** Counts a page; every `checkEvery` pages measures in the background and calls `recycle` when over. */
  onPage(browser: Browser, recycle: () => void): void {
    if (this.#maxBytes <= 0 || this.#measuring || ++this.#sinceCheck < this.#checkEvery) return;
    this.#sinceCheck = 0;
    this.#measuring = true;
    void browserRss(browser)
      .then((rss) => {
        this.lastRss = rss;
        if (rss !== undefined && rss > this.#maxBytes) {
          this.recycles++;
          recycle();
        }
      })
      .finally(() => {
        this.#measuring = false;
      });
  }
}
