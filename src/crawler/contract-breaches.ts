/** What a handler's output on a contract's page breaks in the contract, one line per breach ("items: expected 1, got 0"). */
import type { Item } from '../storage/sink.js';
import type { CheckedContract, CountRange } from './contracts.js';

/** The breaches of `contract` by what its handler yielded; empty when it holds. */
export function contractBreaches(
  contract: CheckedContract,
  items: readonly Item[],
  requestCount: number,
): string[] {
  const breaches: string[] = [];
  const count = (name: string, range: CountRange | undefined, got: number) => {
    if (range !== undefined && (got < range.min || got > range.max)) {
      breaches.push(`${name}: expected ${describeRange(range)}, got ${got}`);
    }
  };
  count('items', contract.items, items.length);
  count('requests', contract.requests, requestCount);
  if (contract.scrapes.length > 0 && items.length === 0) {
    breaches.push(`scrapes: no items to check for ${contract.scrapes.join(', ')}`);
  }
  for (const field of contract.scrapes) {
    const missing = items.filter((item) => isEmpty(item[field])).length;
    if (missing > 0) {
      breaches.push(
        `scrapes: ${field} missing in ${missing} of ${items.length} ${items.length === 1 ? 'item' : 'items'}`,
      );
    }
  }
  return breaches;
}

/** `1`, `2 to 5`, `at least 1`. */
export function describeRange({ min, max }: CountRange): string {
  if (min === max) return String(min);
  if (max === Number.POSITIVE_INFINITY) return `at least ${min}`;
  return `${min} to ${max}`;
}

/** Absent, null, a blank string or an empty list: a field the page did not yield. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}
