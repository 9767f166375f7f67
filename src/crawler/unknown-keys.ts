/**
 * A key nobody reads is a silent bug (a misspelt option, a feature that does not exist): it is refused, naming the
 * key and the nearest known one.
 */
import { ConfigError } from '../errors.js';

/** Throws a ConfigError for the first key of `given` that `known` lacks. */
export function rejectUnknownKeys(given: object, known: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(given)) {
    if (known.has(key)) continue;
    const near = nearest(key, known);
    const hint = near ? ` (did you mean "${near}"?)` : ` (known: ${[...known].join(', ')})`;
    throw new ConfigError(`unknown key "${key}" in ${where}${hint}`);
  }
}

/** The known key closest to `key` by edit distance, if it is close enough to be a likely typo. */
export function nearest(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
