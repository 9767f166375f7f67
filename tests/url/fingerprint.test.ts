// Request fingerprints: stability, what changes them, and agreement with the MurmurHash3 C reference.
import { describe, expect, it } from 'vitest';
import { canonicalizeUrl } from '../../src/url/canonical-url.js';
import {
  bigIntToHalves,
  fingerprint,
  fingerprintFromHex,
  fingerprintHalves,
  fingerprintHex,
  halvesToBigInt,
  murmur3x86_128Utf16,
} from '../../src/url/fingerprint.js';

function digest64(text: string): string {
  const [low = 0, high = 0] = murmur3x86_128Utf16(text);
  return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}

describe('murmur3x86_128Utf16', () => {
  // Expected values from aappleby/smhasher MurmurHash3_x86_128 (C, seed 0) over Buffer.from(text, 'utf16le'):
  // first 8 digest bytes read as a little-endian uint64, printed in hex.
  it.each([
    ['', '0000000000000000'],
    ['a', 'ccef4fe1033bb196'],
    ['abcdefg', 'f81a9aab851fde5e'], // 7 code units: longest tail
    ['abcdefgh', '8df898a16c357655'], // exactly one block
    ['abcdefghi', '37eee48617a3d732'],
    ['abcdefghijklmnopq', 'ea62e9e1fec38c83'],
    ['GET https://example.com/\n', 'ccd8c8bc8823df02'],
    ['héllo wörld €𝄞', '98a1d830f54df308'],
    ['https://bücher.de/ü?q=ß', '71742dbdaa1376da'],
    ['x'.repeat(1000), '010a59b6d6f261ee'],
  ])('matches the C reference for %#', (text, expected) => {
    expect(digest64(text)).toBe(expected);
  });
});

describe('fingerprint', () => {
  const url = 'https://example.com/a?b=1';

  it('is the same for URLs with the same canonical form', () => {
    const a = canonicalizeUrl('HTTPS://EXAMPLE.com:443/a?b=1#x') ?? '';
    const b = canonicalizeUrl('https://example.com/a?b=1') ?? '';
    expect(fingerprint('GET', a)).toBe(fingerprint('GET', b));
  });

  it('ignores the case of the method and treats a missing body as empty', () => {
    expect(fingerprint('get', url)).toBe(fingerprint('GET', url));
    expect(fingerprint('GET', url, '')).toBe(fingerprint('GET', url));
  });

  it('changes with the method, the URL and the body', () => {
    const all = new Set([
      fingerprint('GET', url),
      fingerprint('POST', url),
      fingerprint('HEAD', url),
      fingerprint('GET', 'https://example.com/a?b=2'),
      fingerprint('POST', url, 'q=1'),
      fingerprint('POST', url, 'q=2'),
    ]);
    expect(all.size).toBe(6);
  });

  it('returns an unsigned 64-bit bigint', () => {
    for (const path of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const value = fingerprint('GET', `https://example.com/${path}`);
      expect(value >= 0n && value < 2n ** 64n).toBe(true);
      expect(BigInt.asUintN(64, value)).toBe(value);
    }
  });

  it('has a hex form of 16 digits that round-trips', () => {
    const hex = fingerprintHex('GET', url);
    expect(hex).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprintFromHex(hex)).toBe(fingerprint('GET', url));
    expect(() => fingerprintFromHex('xyz')).toThrow(RangeError);
  });

  it('has a two-halves form consistent with the bigint', () => {
    const halves = fingerprintHalves('GET', url);
    expect(halvesToBigInt(halves[0] ?? 0, halves[1] ?? 0)).toBe(fingerprint('GET', url));
    expect([...bigIntToHalves(fingerprint('GET', url), new Uint32Array(2))]).toEqual([...halves]);
  });

  it('does not collide on 200,000 similar URLs', () => {
    const seen = new Set<bigint>();
    for (let i = 0; i < 200_000; i++)
      seen.add(fingerprint('GET', `https://example.com/item?id=${i}`));
    expect(seen.size).toBe(200_000);
  });
});
