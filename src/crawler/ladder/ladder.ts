/**
 * The fetcher ladder behind `fetch: 'adaptive'`: per host and handler (and URL pattern, where the spider names one)
 * it learns the cheapest rung — http, then script, then browser — whose handler output equals the browser's.
 *
 * A page type starts by being fetched on every rung and compared (`samples` times); then it is fetched on the
 * chosen rung only, and every `1 / recheck`-th page is compared again: a mismatch moves it up to the cheapest rung
 * that matched, and a cheaper rung matching `samples` re-checks in a row moves it down. Each re-check that leaves
 * the choice where it was halves the share of pages re-checked, down to `recheckMin`: a choice confirmed again and
 * again costs fewer browser renders, and a move brings the full share back. An error on a cheaper rung
 * moves it up at once (the engine retries that page on the next rung). Entries live in a `LadderStore` (the state
 * file, Redis) so a resumed crawl and every worker of a shared one keep what was learned.
 */

import { ConfigError } from '../../errors.js';
import type { Fetcher } from '../request.js';
import type { AdaptiveOptions } from '../spider.js';

/** What the ladder knows of one page type (host + handler [+ pattern]). Plain JSON: stores keep it as is. */
export interface LadderEntry {
  /** The rung in use; absent while the first samples are being compared. */
  rung?: Fetcher;
  /** Comparisons in a row each cheaper rung matched the reference; reset when the choice moves. */
  streaks: Partial<Record<Fetcher, number>>;
  /** Comparisons made for this page type (samples and re-checks). */
  compared: number;
  /** Comparisons where the rung in use did not match, and errors on it: each moved the page type up. */
  mismatches: number;
  /** Pages handled under this entry, compared or not; drives the re-check share. */
  pages: number;
  /** Re-checks in a row that left the choice where it was; each halves the re-check share. Absent: none. */
  confirmed?: number;
}

/** Where learned entries are kept beyond one process: the frontier's store when it has one. */
export interface LadderStore {
  get(key: string): Promise<LadderEntry | undefined>;
  set(key: string, entry: LadderEntry): Promise<void>;
  all(): Promise<Record<string, LadderEntry>>;
}

/** What to do with the next page of a type: fetch it on one rung, or on several and compare (reference last). */
export type LadderPlan =
  | { kind: 'fetch'; rung: Fetcher }
  /**
   * The type is still learning and its samples are all in flight: download the page on `rung` meanwhile and ask
   * again (`plan(key)`); the download is used if the type settles on that rung.
   */
  | { kind: 'speculate'; rung: Fetcher }
  | {
      kind: 'compare';
      rungs: readonly Fetcher[];
      /** One of the first samples: answer it with `compared(…, true)`, or `abandoned` if it never got compared. */
      sample?: boolean;
    };

export interface LadderSettings {
  /** The rungs this crawl has, cheapest first; the last is the reference every comparison is made against. */
  rungs: readonly Fetcher[];
  adaptive?: AdaptiveOptions | undefined;
  store?: LadderStore | undefined;
  /** Told of every comparison and move (`from` differs from `entry.rung` on a move), for stats and logs. */
  onUpdate?: (key: string, entry: LadderEntry, from: Fetcher | undefined) => void;
}

// An entry another worker may have settled is looked up again at most this often while this one still learns.
const STORE_LOOKUP_MS = 1_000;

export class Ladder {
  readonly #rungs: readonly Fetcher[];
  readonly #reference: Fetcher;
  readonly #samples: number;
  readonly #recheckEvery: number;
  /** The widest gap between re-checks that confirmations may reach (`1 / recheckMin`). */
  readonly #recheckEveryMost: number;
  readonly #patterns: readonly { text: string; test: (url: string) => boolean }[];
  readonly #store: LadderStore | undefined;
  readonly #onUpdate: LadderSettings['onUpdate'];
  readonly #entries = new Map<string, LadderEntry>();
  readonly #lookedUp = new Map<string, number>();
  /** Samples in flight per learning type. */
  readonly #sampling = new Map<string, number>();
  /** Pages waiting for a learning type's choice. */
  readonly #waiting = new Map<string, (() => void)[]>();

  constructor(settings: LadderSettings) {
    const reference = settings.rungs.at(-1);
    if (reference === undefined) throw new Error('a ladder needs at least one rung');
    this.#rungs = settings.rungs;
    this.#reference = reference;
    this.#samples = settings.adaptive?.samples ?? 3;
    const recheck = settings.adaptive?.recheck ?? 0.05;
    const recheckMin = settings.adaptive?.recheckMin ?? recheck / 8;
    if (recheckMin > recheck) {
      throw new ConfigError(
        `adaptive recheckMin (${recheckMin}) must not be above recheck (${recheck}): it is the share re-checks thin out to`,
      );
    }
    this.#recheckEvery = recheck > 0 ? Math.max(1, Math.round(1 / recheck)) : 0;
    this.#recheckEveryMost =
      recheckMin > 0 ? Math.max(1, Math.round(1 / recheckMin)) : Number.MAX_SAFE_INTEGER;
    this.#patterns = (settings.adaptive?.patterns ?? []).map(compilePattern);
    this.#store = settings.store;
    this.#onUpdate = settings.onUpdate;
  }

  /** The page type of a request: `host handler`, plus the first matching pattern's text. */
  keyOf(url: string, handler: string): string {
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      host = '';
    }
    const pattern = this.#patterns.find((candidate) => candidate.test(url));
    return pattern ? `${host} ${handler} ${pattern.text}` : `${host} ${handler}`;
  }

  /** Loads every stored entry: a resumed crawl starts from what it had learned. */
  async load(): Promise<void> {
    if (!this.#store) return;
    for (const [key, entry] of Object.entries(await this.#store.all())) {
      this.#entries.set(key, entry);
      this.#onUpdate?.(key, entry, entry.rung);
    }
  }

  /**
   * While a type learns, at most the samples it still needs are in flight; other pages of the type wait for the
   * choice (or for a sample to be abandoned) instead of each paying for every rung. With `speculate` such a page is
   * told to download on the rung most likely to be chosen while it would wait, then to ask again.
   */
  plan(key: string): Promise<Exclude<LadderPlan, { kind: 'speculate' }>>;
  plan(key: string, speculate: boolean): Promise<LadderPlan>;
  async plan(key: string, speculate = false): Promise<LadderPlan> {
    let entry = await this.#entry(key);
    while (entry.rung === undefined) {
      const sampling = this.#sampling.get(key) ?? 0;
      if (sampling < this.#samples - entry.compared) {
        this.#sampling.set(key, sampling + 1);
        entry.pages++;
        return { kind: 'compare', rungs: this.#rungs, sample: true };
      }
      const likely = speculate ? this.#likelyRung(entry) : undefined;
      if (likely !== undefined) return { kind: 'speculate', rung: likely };
      await this.#settled(key);
      entry = await this.#entry(key);
    }
    entry.pages++;
    const { rung } = entry;
    const recheck = this.#recheckEvery > 0 && entry.pages % this.#recheckGap(entry) === 0;
    // A type settled on the reference has nothing cheaper to re-check when the ladder has one rung.
    if (!recheck || this.#rungs.length === 1) return { kind: 'fetch', rung };
    // The rung in use and every cheaper one, so a re-check can move the choice either way.
    const upTo = this.#rungs.indexOf(rung);
    const rungs = this.#rungs.slice(0, upTo + 1);
    if (rung !== this.#reference) rungs.push(this.#reference);
    return { kind: 'compare', rungs };
  }

  /** Records a comparison: `matched` tells, for each cheaper rung fetched, whether its output equalled the reference's. */
  async compared(
    key: string,
    matched: ReadonlyMap<Fetcher, boolean>,
    sample = false,
  ): Promise<void> {
    if (sample) this.#sampleDone(key);
    const entry = await this.#entry(key);
    const before = entry.rung;
    entry.compared++;
    for (const [rung, equal] of matched) {
      if (rung === this.#reference) continue;
      entry.streaks[rung] = equal ? (entry.streaks[rung] ?? 0) + 1 : 0;
    }
    if (before === undefined) {
      if (entry.compared >= this.#samples) this.#settle(entry, this.#cheapestWithStreak(entry));
    } else if (before !== this.#reference && matched.get(before) === false) {
      entry.mismatches++;
      // Up to the cheapest rung above that matched this time, else the reference.
      const above = this.#rungs.slice(this.#rungs.indexOf(before) + 1);
      this.#settle(entry, above.find((rung) => matched.get(rung) === true) ?? this.#reference);
    } else {
      const cheaper = this.#cheapestWithStreak(entry);
      if (this.#rungs.indexOf(cheaper) < this.#rungs.indexOf(before)) this.#settle(entry, cheaper);
      else entry.confirmed = (entry.confirmed ?? 0) + 1;
    }
    await this.#save(key, entry, before);
  }

  /**
   * The rung `rung` failed a page of this type (its handler threw, its scripts timed out): the type moves one rung
   * up, and the page is to be retried there. Undefined when `rung` is the top rung: the failure is the page's own.
   */
  async failed(key: string, rung: Fetcher): Promise<Fetcher | undefined> {
    const next = this.#rungs[this.#rungs.indexOf(rung) + 1];
    if (next === undefined) return undefined;
    const entry = await this.#entry(key);
    const before = entry.rung;
    // While learning, or when the choice already moved past `rung` (another page failed first), keep the entry.
    if (before !== undefined && this.#rungs.indexOf(before) <= this.#rungs.indexOf(rung)) {
      entry.mismatches++;
      this.#settle(entry, next);
      await this.#save(key, entry, before);
    }
    return next;
  }

  /** A sample planned by `plan` that was never compared (its page failed or is retried): another page may take it. */
  abandoned(key: string): void {
    this.#sampleDone(key);
    this.#wake(key);
  }

  #sampleDone(key: string): void {
    this.#sampling.set(key, Math.max(0, (this.#sampling.get(key) ?? 1) - 1));
  }

  /** Resolves when the type settles, a sample is abandoned, or after a while (another worker may have settled it). */
  #settled(key: string): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.#waiting.get(key) ?? [];
      waiting.push(resolve);
      this.#waiting.set(key, waiting);
      setTimeout(resolve, STORE_LOOKUP_MS).unref();
    });
  }

  #wake(key: string): void {
    const waiting = this.#waiting.get(key);
    this.#waiting.delete(key);
    for (const resolve of waiting ?? []) resolve();
  }

  /** Every page type's choice, for stats and `arachne status`. */
  snapshot(): Record<string, LadderEntry> {
    return Object.fromEntries(
      [...this.#entries].map(([key, entry]) => [key, structuredClone(entry)]),
    );
  }

  #settle(entry: LadderEntry, rung: Fetcher): void {
    entry.rung = rung;
    entry.streaks = {};
    entry.confirmed = 0;
  }

  /** Pages between re-checks of a settled type: `1 / recheck`, doubled by each confirmation, at most `1 / recheckMin`. */
  #recheckGap(entry: LadderEntry): number {
    const doublings = Math.min(entry.confirmed ?? 0, 52);
    return Math.min(this.#recheckEveryMost, this.#recheckEvery * 2 ** doublings);
  }

  /**
   * The rung a learning type will most likely settle on below the reference: the cheapest that matched every
   * comparison so far; before any, the dearest cheaper rung (it matches whenever a cheaper one does, nearly always).
   * Undefined when every cheaper rung has missed once: the reference it is, and only it can fetch the page.
   */
  #likelyRung(entry: LadderEntry): Fetcher | undefined {
    const cheaper = this.#rungs.slice(0, -1);
    if (entry.compared === 0) return cheaper.at(-1);
    return cheaper.find((rung) => (entry.streaks[rung] ?? 0) >= entry.compared);
  }

  /** The cheapest rung that matched `samples` comparisons in a row; the reference when none did. */
  #cheapestWithStreak(entry: LadderEntry): Fetcher {
    return (
      this.#rungs.find((rung) => (entry.streaks[rung] ?? 0) >= this.#samples) ?? this.#reference
    );
  }

  async #entry(key: string): Promise<LadderEntry> {
    let entry = this.#entries.get(key);
    if (entry?.rung !== undefined) return entry;
    // Still learning here: another worker (or an earlier run) may have settled it meanwhile.
    const now = Date.now();
    if (this.#store && now - (this.#lookedUp.get(key) ?? 0) >= STORE_LOOKUP_MS) {
      this.#lookedUp.set(key, now);
      const stored = await this.#store.get(key);
      if (stored && (stored.rung !== undefined || !entry)) {
        // Keep this process's page count, so the re-check share holds locally.
        entry = { ...stored, pages: entry?.pages ?? stored.pages };
        this.#entries.set(key, entry);
      }
    }
    if (!entry) {
      entry = { streaks: {}, compared: 0, mismatches: 0, pages: 0 };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  async #save(key: string, entry: LadderEntry, before: Fetcher | undefined): Promise<void> {
    this.#onUpdate?.(key, entry, before);
    // Pages waiting for this type's samples go on as soon as it is settled (or may take a sample that is free).
    this.#wake(key);
    await this.#store?.set(key, entry);
  }
}

/** A path glob (`*` within a segment, `**` across) or a RegExp over the whole URL. */
function compilePattern(pattern: string | RegExp): {
  text: string;
  test: (url: string) => boolean;
} {
  if (pattern instanceof RegExp) return { text: String(pattern), test: (url) => pattern.test(url) };
  const source = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  const glob = new RegExp(`^${source}$`);
  return {
    text: pattern,
    test: (url) => {
      try {
        return glob.test(new URL(url).pathname);
      } catch {
        return false;
      }
    },
  };
}
