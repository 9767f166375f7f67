/**
 * When two rungs "give the same result": the handler produced the same items AND asked for the same requests, in any
 * order. Comparing items alone would take an empty HTTP listing (no items, no links) for a rendered one that only
 * links to products; comparing requests too tells them apart.
 */
import type { Item } from '../../storage/sink.js';
import { canonicalizeAnyUrl } from '../../url/canonical-url.js';
import type { Request } from '../request.js';

export interface HandlerOutputs {
  items: readonly Item[];
  children: readonly Request[];
}

export function sameOutputs(a: HandlerOutputs, b: HandlerOutputs): boolean {
  return sameMultiset(signatures(a), signatures(b));
}

/** One string per output; requests by what makes them a different request (not priority or the rung). */
function signatures({ items, children }: HandlerOutputs): string[] {
  const out: string[] = [];
  for (const item of items) out.push(`i ${stableJson(item)}`);
  for (const request of children) {
    const url = canonicalizeAnyUrl(request.url) ?? request.url;
    out.push(
      `r ${request.method} ${url} ${request.handler} ${request.body ?? ''} ${stableJson(request.data)}`,
    );
  }
  return out;
}

function sameMultiset(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  a.sort();
  b.sort();
  return a.every((value, index) => value === b[index]);
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : inner,
  );
}
