/**
 * Infinite URL spaces: calendars with "next month" for ever, listings past their last page, session tokens that make
 * every link new. Such a space is spotted by what its pages give back, not by what its URLs look like, so that a
 * large real site (20,000 products under one URL shape) is never mistaken for one:
 * - **unproductive templates**: pages are grouped by URL template (the host and path with numbers and ids
 *   generalised, the query's keys without their values). A page that leads only to new URLs of its own template and whose text is a near
 *   duplicate of a recent page of its own template (its word pairs' resemblance, estimated from bottom-k MinHash
 *   sketches as in Broder 1997) adds nothing; `maxUnproductivePages` such pages in a row and the template takes no
 *   new URL.
 * - **duplicate content**: a page whose text is exactly that of an earlier page of its host (the same page under
 *   another URL, e.g. a fresh session token in every link) has its links dropped past `maxDuplicatePages` per host:
 *   what it links to, the first copy linked to already.
 * Both are counted (AR_TRAP, by reason) and logged at debug like every other trap budget.
 */
import { FingerprintSet } from './fingerprint-set.js';
import type { Page } from './page.js';
import type { Request } from './request.js';
import type { Rejection, RequestFilter } from './request-filters.js';
import type { TrapBudgets, TrapKind } from './trap-budgets.js';

export type UrlSpaceBudgets = Pick<TrapBudgets, 'maxUnproductivePages' | 'maxDuplicatePages'>;

/** Drops a request with its reason (an AR_TRAP `request:ignored` event). */
type Drop = (request: Request, trap: TrapKind, message: string) => void;

/**
 * Two pages are near-duplicates from this share of common word pairs (Jaccard resemblance). Two months of an empty
 * calendar share ~90 % of their word pairs, two posts of one blog (same navigation and footer) ~10–40 %.
 */
const NEAR_DUPLICATE = 0.8;
/** Recent pages of a template a new page is compared with. */
const RECENT_PER_TEMPLATE = 4;
/** Templates remembered; the oldest is forgotten past it, so that ids the template misses cannot grow memory. */
const MAX_TEMPLATES = 20_000;

interface TemplateState {
  /** Unproductive pages in a row. */
  streak: number;
  /** Sketches of the template's recent pages, oldest overwritten first. */
  recent: Uint32Array[];
  cut: boolean;
}

export class UrlSpaceGuard {
  readonly #budgets: UrlSpaceBudgets;
  readonly #templates = new Map<string, TemplateState>();
  readonly #texts = new FingerprintSet();
  readonly #duplicatesPerHost = new Map<string, number>();
  /** Templates cut so far. */
  #cut = 0;

  constructor(budgets: UrlSpaceBudgets) {
    this.#budgets = budgets;
  }

  get enabled(): boolean {
    return (
      Number.isFinite(this.#budgets.maxUnproductivePages) ||
      Number.isFinite(this.#budgets.maxDuplicatePages)
    );
  }

  /** The request filter: URLs of a template found unproductive are dropped. */
  filter(): RequestFilter {
    return (request) => {
      // Most crawls never cut a template: then no link pays for its template.
      if (this.#cut === 0) return request;
      const template = urlTemplate(request.url);
      const state = template === undefined ? undefined : this.#templates.get(template);
      if (!state?.cut) return request;
      return {
        code: 'AR_TRAP',
        reason: `URL template ${template} gave ${this.#budgets.maxUnproductivePages} near-identical pages in a row: ${request.url}`,
        trap: 'unproductive-template',
      } satisfies Rejection;
    };
  }

  /** Whether `screen` reads pages' text: a handler thread then hashes it (`textHash`) instead of the main thread. */
  get screens(): boolean {
    return Number.isFinite(this.#budgets.maxDuplicatePages);
  }

  /**
   * The links of `page` worth following: all of them, unless its text repeats an earlier page of its host and the
   * host's duplicate budget is spent. `textHash` is the page's `visibleTextHash` when a handler thread computed it.
   */
  screen(page: Page, children: Request[], drop: Drop, textHash?: readonly number[]): Request[] {
    if (!this.screens || children.length === 0 || !isHtml(page)) return children;
    const hash = textHash ?? visibleTextHash(page.text());
    if (this.#texts.addHalves(hash[0] ?? 0, hash[1] ?? 0)) return children;
    const host = hostKey(page.url);
    const seen = (this.#duplicatesPerHost.get(host) ?? 0) + 1;
    this.#duplicatesPerHost.set(host, seen);
    if (seen <= this.#budgets.maxDuplicatePages) return children;
    for (const child of children) {
      drop(
        child,
        'duplicate-content',
        `${page.url} repeats the text of an earlier page: ${child.url}`,
      );
    }
    return [];
  }

  /** Forgets the oldest template that was not cut (a cut one must keep dropping its URLs). */
  #forgetOldest(): void {
    for (const [template, state] of this.#templates) {
      if (state.cut) continue;
      this.#templates.delete(template);
      return;
    }
  }

  /**
   * Learns from a handled page whose links gave the `fresh` requests (new to the frontier); returns a message when
   * this page made its template cut.
   */
  observe(page: Page, fresh: readonly Request[]): string | undefined {
    const max = this.#budgets.maxUnproductivePages;
    if (!Number.isFinite(max) || fresh.length === 0) return undefined;
    const template = urlTemplate(page.request.url);
    if (template === undefined) return undefined;
    let state = this.#templates.get(template);
    // A page leading somewhere new besides its own template is productive by its links alone; comparing its text
    // (the costly part) is kept for pages that lead only to more of their own kind, as an endless space does.
    if (fresh.some((request) => urlTemplate(request.url) !== template)) {
      if (state) state.streak = 0;
      return undefined;
    }
    if (!isHtml(page)) return undefined;
    const html = page.text();
    if (!state) {
      state = { streak: 0, recent: [], cut: false };
      if (this.#templates.size >= MAX_TEMPLATES) this.#forgetOldest();
      this.#templates.set(template, state);
    }
    const sketch = minHashSketch(html);
    if (state.recent.some((earlier) => resemblance(earlier, sketch) >= NEAR_DUPLICATE))
      state.streak++;
    else state.streak = 0;
    if (state.recent.length >= RECENT_PER_TEMPLATE) state.recent.shift();
    state.recent.push(sketch);
    if (state.cut || state.streak < max) return undefined;
    state.cut = true;
    this.#cut++;
    return `URL template ${template}: ${max} pages in a row led only to near-identical pages; its new URLs are dropped (traps.maxUnproductivePages)`;
  }
}

function hostKey(url: string): string {
  const start = url.indexOf('//');
  if (start === -1) return '';
  const end = url.indexOf('/', start + 2);
  return url.slice(start + 2, end === -1 ? undefined : end);
}

/**
 * The template of a URL: scheme, host and path with every run of digits as `#` and every id-like segment part
 * (16+ characters mixing letters and digits, as session tokens and hashes do) as `*`; the query as its sorted,
 * distinct keys. `/cal/2027/01?view=month&sid=x` and `/cal/1999/12?sid=y&view=week` share `…/cal/#/#?sid&view`.
 */
export function urlTemplate(url: string): string | undefined {
  const authority = url.indexOf('//');
  if (authority === -1) return undefined;
  const pathStart = url.indexOf('/', authority + 2);
  if (pathStart === -1) return url;
  const queryStart = url.indexOf('?', pathStart);
  const path = url.slice(pathStart, queryStart === -1 ? undefined : queryStart);
  const shape = path.replace(/[A-Za-z0-9_-]{16,}/g, idLike).replace(/\d+/g, '#');
  let template = url.slice(0, pathStart) + shape;
  if (queryStart !== -1) {
    const keys = new Set<string>();
    for (const pair of url.slice(queryStart + 1).split('&')) {
      const eq = pair.indexOf('=');
      keys.add(eq === -1 ? pair : pair.slice(0, eq));
    }
    template += `?${[...keys].sort().join('&')}`;
  }
  return template;
}

function idLike(part: string): string {
  return /\d/.test(part) && /[A-Za-z]/.test(part) ? '*' : part;
}

/** Whether the page is HTML (or untyped): other content types' text says nothing about URL spaces. */
export function isHtml(page: Page): boolean {
  const type = page.headers['content-type'] ?? '';
  return type === '' || type.includes('html');
}

/**
 * Calls `onWord` with a 32-bit FNV-1a hash of each word of the visible text of `html`, in order: the text outside
 * tags, with `<script>`, `<style>` and comments skipped; words are runs of characters other than whitespace and a
 * tag boundary ends one. Reads `html` in place: no text string is built, since this runs on every crawled page.
 * Plain text (no `<`) is read as one text run. Linear in `html`.
 */
export function forEachVisibleWord(html: string, onWord: (hash: number) => void): void {
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    const end = lt === -1 ? n : lt;
    // A loop for the spaces and one for each word: no per-character "in a word?" test.
    while (i < end) {
      let c = html.charCodeAt(i);
      if (c <= 0x20 || c === 0xa0) {
        i++;
        continue;
      }
      let word = 0x811c9dc5;
      do {
        word = Math.imul(word ^ c, 0x01000193);
        if (++i === end) break;
        c = html.charCodeAt(i);
      } while (c > 0x20 && c !== 0xa0);
      onWord(word >>> 0);
    }
    if (lt === -1) return;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close === -1 ? n : close + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) return;
    const raw = rawTextElement(html, lt);
    if (raw === undefined) {
      i = gt + 1;
      continue;
    }
    raw.lastIndex = gt + 1;
    i = raw.exec(html)?.index ?? n;
  }
}

const closingScript = /<\/script/gi;
const closingStyle = /<\/style/gi;

/** The closing-tag pattern when the tag at `lt` opens a script or style, whose content is not text. */
function rawTextElement(html: string, lt: number): RegExp | undefined {
  const first = html.charCodeAt(lt + 1) | 0x20;
  if (first !== 0x73) return undefined; // 's'
  const name = html.slice(lt + 1, lt + 7).toLowerCase();
  if (name === 'script') return closingScript;
  if (name.startsWith('style')) return closingStyle;
  return undefined;
}

/** Scratch lanes of `visibleTextHash`. */
const textLanes = new Uint32Array(2);

/**
 * A 64-bit hash of the visible words of `html` (see forEachVisibleWord), as `[high, low]` in a shared array read
 * before the next call: two pages hash alike when their text is the same, whatever their markup and attributes.
 */
export function visibleTextHash(html: string): Uint32Array {
  let high = 0x9747b28c;
  let low = 0x3c6ef372;
  forEachVisibleWord(html, (word) => {
    // Two lanes mixed differently (Murmur3's block step and a multiply-xorshift): 64 bits that do not collide together.
    let k = Math.imul(word, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    high ^= k;
    high = (Math.imul((high << 13) | (high >>> 19), 5) + 0xe6546b64) | 0;
    low = Math.imul(low ^ word, 0x85ebca6b);
    low ^= low >>> 13;
  });
  textLanes[0] = mix(high, 0x2545f491);
  textLanes[1] = mix(low, high);
  return textLanes;
}

/** Hashes kept per page: the resemblance estimate's standard error is about √(J(1−J)/k), ±0.04 near 0.85. */
const SKETCH_SIZE = 64;

/**
 * A bottom-k MinHash sketch of the visible text's word pairs (see forEachVisibleWord; plain text works too): the
 * SKETCH_SIZE smallest distinct 32-bit hashes of consecutive word pairs, sorted. Word pairs, not words: two texts drawn from one vocabulary share
 * words, not their order.
 */
export function minHashSketch(html: string): Uint32Array {
  const hashes = new Set<number>();
  let previous = 0;
  let words = 0;
  forEachVisibleWord(html, (word) => {
    words++;
    if (words > 1) hashes.add(mix(previous, word));
    previous = word;
  });
  if (words === 1) hashes.add(mix(0, previous));
  const sorted = Uint32Array.from(hashes).sort();
  return sorted.length > SKETCH_SIZE ? sorted.slice(0, SKETCH_SIZE) : sorted;
}

/** Murmur3's finaliser over a pair of word hashes: well spread, so the smallest values are a fair sample. */
function mix(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The Jaccard resemblance of two texts estimated from their sketches (the k smallest of the union, shared share). */
export function resemblance(a: Uint32Array, b: Uint32Array): number {
  const k = Math.min(SKETCH_SIZE, new Set([...a, ...b]).size);
  if (k === 0) return 1;
  let i = 0;
  let j = 0;
  let taken = 0;
  let shared = 0;
  while (taken < k && (i < a.length || j < b.length)) {
    const x = i < a.length ? (a[i] ?? 0) : Number.POSITIVE_INFINITY;
    const y = j < b.length ? (b[j] ?? 0) : Number.POSITIVE_INFINITY;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
    taken++;
  }
  return shared / k;
}
