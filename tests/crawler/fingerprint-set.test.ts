// FingerprintSet: membership without false negatives on 1M entries, growth, memory per entry, snapshots.
import { describe, expect, it } from 'vitest';
import { FingerprintSet } from '../../src/crawler/fingerprint-set.js';
import { fingerprint, halvesToBigInt } from '../../src/url/fingerprint.js';

/** Deterministic, well-spread 64-bit values without hashing strings (keeps the 1M test fast). */
function* pseudoRandomHalves(count: number, seed: number): Generator<[number, number]> {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  for (let i = 0; i < count; i++) yield [next(), next()];
}

describe('FingerprintSet', () => {
  it('reports new and already-seen fingerprints', () => {
    const set = new FingerprintSet();
    const a = fingerprint('GET', 'https://example.com/a');
    const b = fingerprint('GET', 'https://example.com/b');
    expect(set.add(a)).toBe(true);
    expect(set.add(a)).toBe(false);
    expect(set.has(a)).toBe(true);
    expect(set.has(b)).toBe(false);
    expect(set.add(b)).toBe(true);
    expect(set.size).toBe(2);
  });

  it('stores the zero fingerprint and values with a zero half', () => {
    const set = new FingerprintSet();
    expect(set.has(0n)).toBe(false);
    expect(set.add(0n)).toBe(true);
    expect(set.add(0n)).toBe(false);
    expect(set.add(1n)).toBe(true);
    expect(set.add(2n ** 32n)).toBe(true);
    expect(set.add(2n ** 64n - 1n)).toBe(true);
    expect([0n, 1n, 2n ** 32n, 2n ** 64n - 1n].every((fp) => set.has(fp))).toBe(true);
    expect(set.size).toBe(4);
  });

  it('has no false negatives or false positives over 1,000,000 entries', () => {
    const count = 1_000_000;
    const set = new FingerprintSet();
    for (const [high, low] of pseudoRandomHalves(count, 1)) set.addHalves(high, low);
    expect(set.size).toBe(count);
    let missing = 0;
    for (const [high, low] of pseudoRandomHalves(count, 1))
      if (!set.hasHalves(high, low)) missing++;
    expect(missing).toBe(0);
    let adds = 0;
    for (const [high, low] of pseudoRandomHalves(count, 1)) if (set.addHalves(high, low)) adds++;
    expect(adds).toBe(0);
    let present = 0;
    for (const [high, low] of pseudoRandomHalves(100_000, 2))
      if (set.hasHalves(high, low)) present++;
    expect(present).toBe(0);
    // 1M entries in 2^21 slots of 8 bytes: under 17 bytes per entry, load factor ≤ 0.7.
    expect(set.capacity).toBe(2 ** 21);
    expect(set.bytesUsed / set.size).toBeLessThan(17);
    expect(set.size / set.capacity).toBeLessThanOrEqual(0.7);
  });

  it('grows by doubling when the load factor would pass 0.7', () => {
    const set = new FingerprintSet({ initialCapacity: 16 });
    expect(set.capacity).toBe(16);
    const values = [...pseudoRandomHalves(12, 3)];
    for (const [high, low] of values.slice(0, 11)) set.addHalves(high, low);
    expect(set.capacity).toBe(16);
    const [high, low] = values[11] ?? [0, 0];
    set.addHalves(high, low);
    expect(set.capacity).toBe(32);
    expect(values.every(([h, l]) => set.hasHalves(h, l))).toBe(true);
    expect(set.bytesUsed).toBe(32 * 8);
  });

  it('accepts the bigint and halves forms interchangeably', () => {
    const set = new FingerprintSet();
    set.addHalves(0xdeadbeef, 0x12345678);
    expect(set.has(halvesToBigInt(0xdeadbeef, 0x12345678))).toBe(true);
    expect(set.has(0xdeadbeef12345678n)).toBe(true);
  });

  it('round-trips through a packed snapshot', () => {
    const set = new FingerprintSet();
    const values = [0n, ...[...pseudoRandomHalves(5000, 4)].map(([h, l]) => halvesToBigInt(h, l))];
    for (const value of values) set.add(value);
    const packed = set.toPacked();
    expect(packed.byteLength).toBe(values.length * 8);
    const restored = FingerprintSet.fromPacked(packed);
    expect(restored.size).toBe(values.length);
    expect(values.every((value) => restored.has(value))).toBe(true);
  });

  it('empties on clear and rejects a nonsensical load factor', () => {
    const set = new FingerprintSet();
    set.add(5n);
    set.clear();
    expect(set.size).toBe(0);
    expect(set.has(5n)).toBe(false);
    expect(() => new FingerprintSet({ maxLoadFactor: 1 })).toThrow(RangeError);
  });
});
