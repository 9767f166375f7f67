/**
 * A job's figures over all its runs. Each run (child process) counts from zero: a resumed job's totals are the sum
 * of its runs, so they add up with the items its output holds.
 */
import type { Stats } from '../crawler/stats.js';

/** Figures of the moment, not counts: the latest run's value is the job's. */
const current = new Set<string>(['queued', 'inFlight', 'pagesPerSecond']);

type Bag = Record<string, unknown>;

/**
 * Counters and count maps (`responsesByStatus`, `errorsByCode`…) are summed, `elapsedMs` too (time spent running,
 * pauses excluded); `startedAt` is the first run's; everything else (queue, close reason, ladder, sessions…) is the
 * latest run's. Null when no run has stats yet.
 */
export function totalStats(runs: ReadonlyArray<Stats | null>): Stats | null {
  const known = runs.filter((stats): stats is Stats => stats !== null);
  const first = known[0];
  const last = known.at(-1);
  if (!first || !last) return null;
  if (known.length === 1) return last;
  const total: Bag = { ...last };
  for (const [key, value] of Object.entries(last as unknown as Bag)) {
    if (current.has(key)) continue;
    if (typeof value === 'number') total[key] = sumOf(known, key);
    else if (isCounts(value)) total[key] = mergedCounts(known, key);
  }
  // Counters a later run did not report (a feed read in the first run only) still count.
  for (const stats of known) {
    for (const [key, value] of Object.entries(stats as unknown as Bag)) {
      if (key in total || current.has(key)) continue;
      if (typeof value === 'number') total[key] = sumOf(known, key);
      else if (isCounts(value)) total[key] = mergedCounts(known, key);
    }
  }
  const stats = total as unknown as Stats;
  stats.startedAt = first.startedAt;
  stats.pagesPerSecond =
    stats.elapsedMs > 0 ? Math.round((stats.responses / stats.elapsedMs) * 100_000) / 100 : 0;
  return stats;
}

function sumOf(runs: readonly Stats[], key: string): number {
  let sum = 0;
  for (const stats of runs) {
    const value = (stats as unknown as Bag)[key];
    if (typeof value === 'number') sum += value;
  }
  return sum;
}

function mergedCounts(runs: readonly Stats[], key: string): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const stats of runs) {
    const value = (stats as unknown as Bag)[key];
    if (!isCounts(value)) continue;
    for (const [name, n] of Object.entries(value)) merged[name] = (merged[name] ?? 0) + n;
  }
  return merged;
}

/** A map of names to counts (`{ "200": 12, "404": 1 }`); an empty object counts as one. */
function isCounts(value: unknown): value is Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((n) => typeof n === 'number');
}
