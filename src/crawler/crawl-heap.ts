/**
 * Sizes V8's heap for a crawl in a process Arachne owns (the CLI, a server job), not for the library: V8 flags
 * are the embedding program's to set. On the realistic 20,000-product shop (docs/benchmarks.md, "The CLI's peak
 * memory") the crawl keeps about 20 MB alive, yet V8's defaults let the old generation reach 4× that between
 * major collections (3 mark-compacts in the whole crawl, the last at 82 MB) and grow each young semi-space to
 * 16 MB. Both are set with flags V8 reads while it runs: the old generation grows to 1.5× what the last
 * collection kept (17 mark-compacts of 6–10 ms instead of 3), and the semi-spaces stop growing at 8 MB
 * (`--max-semi-space-size`, the flag made for that, is read only at start-up; the factor by which V8 grows them
 * is read at each growth). A user who sizes the heap with node flags keeps their setting.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/** Old-generation limit after a major collection: this many percent above what it kept. */
const OLD_GENERATION_GROWTH_PERCENT = 50;
/** Largest young semi-space, in MB (V8's default on 64-bit: 16). */
const MAX_SEMI_SPACE_MB = 8;

function nodeFlags(): string {
  return `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
}

function semiSpaceMb(): number {
  const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  // The new space's size counts both semi-spaces.
  return (newSpace?.space_size ?? 0) / 2 / (1024 * 1024);
}

export function sizeHeapForCrawl(): void {
  const flags = nodeFlags();
  if (!/--heap[-_]growing[-_]percent/.test(flags)) {
    v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
  }
  if (/--(max|min)[-_]semi[-_]space[-_]size/.test(flags)) return;
  // Semi-spaces are powers of two: a growth factor of cap / current reaches the cap and stops there.
  let growthFactor = 0;
  const steer = () => {
    const factor = Math.max(1, Math.floor(MAX_SEMI_SPACE_MB / Math.max(1, semiSpaceMb())));
    if (factor === growthFactor) return;
    growthFactor = factor;
    v8.setFlagsFromString(`--semi-space-growth-factor=${factor}`);
  };
  steer();
  new PerformanceObserver(steer).observe({ entryTypes: ['gc'] });
}
