/**
 * Fetch times as fixed buckets, counted in a job's child process since its run started and summed by the server
 * for /metrics. Fixed bounds make runs add up (percentiles, which the dashboard shows, do not).
 */

/** Upper bounds in seconds: Prometheus' default buckets, which span a fast local page to a slow remote one. */
export const fetchBucketSeconds = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** One phase's counts: `buckets[i]` responses took at most `fetchBucketSeconds[i]` and more than the bound before. */
export interface FetchHistogram {
  /** One count per bound, then one for times above the last bound (non-cumulative, so they stay small). */
  buckets: number[];
  count: number;
  sumSeconds: number;
}

/** The phases /metrics exports: the whole fetch, and the wait for the first byte. */
export interface FetchHistograms {
  total: FetchHistogram;
  firstByte: FetchHistogram;
}

export function emptyHistogram(): FetchHistogram {
  return {
    buckets: new Array<number>(fetchBucketSeconds.length + 1).fill(0),
    count: 0,
    sumSeconds: 0,
  };
}

export function emptyHistograms(): FetchHistograms {
  return { total: emptyHistogram(), firstByte: emptyHistogram() };
}

export function observe(histogram: FetchHistogram, milliseconds: number): void {
  const seconds = milliseconds / 1000;
  const index = fetchBucketSeconds.findIndex((bound) => seconds <= bound);
  const slot = index === -1 ? fetchBucketSeconds.length : index;
  histogram.buckets[slot] = (histogram.buckets[slot] ?? 0) + 1;
  histogram.count++;
  histogram.sumSeconds += seconds;
}

/** Adds `from` into `into` (a run that ended, or a running one's latest counts). */
export function addHistogram(into: FetchHistogram, from: FetchHistogram): void {
  for (let i = 0; i < into.buckets.length; i++) {
    into.buckets[i] = (into.buckets[i] ?? 0) + (from.buckets[i] ?? 0);
  }
  into.count += from.count;
  into.sumSeconds += from.sumSeconds;
}

export function addHistograms(into: FetchHistograms, from: FetchHistograms): void {
  addHistogram(into.total, from.total);
  addHistogram(into.firstByte, from.firstByte);
}
