import { describe, expect, it } from 'vitest';
import { trapDefaults, trapReason } from '../../src/crawler/trap-budgets.js';

describe('trapReason', () => {
  it.each([
    ['http://a.test/', undefined],
    ['http://a.test/docs/guide/intro.html?x=1', undefined],
    ['http://a.test/a/b/a/b/a/b', undefined],
    ['http://a.test/a/b/a/b/a/b/a/b', 'path segment "a" repeated more than 3 times'],
    [
      'http://a.test/cal/2026/cal/2027/cal/2028/cal/2029',
      'path segment "cal" repeated more than 3 times',
    ],
    [
      `http://a.test/${'x/'.repeat(2)}${Array.from({ length: 40 }, (_, i) => `s${i}`).join('/')}`,
      'more than 32 path segments',
    ],
    [`http://a.test/?q=${'a'.repeat(2100)}`, 'URL longer than 2083 characters'],
    ['http://a.test/same/same/same?same=same/same/same', undefined],
    ['memo://a.test/a/b/a/b/a/b/a/b', 'path segment "a" repeated more than 3 times'],
    // Opaque URLs have no path to grow: a base64 body full of slashes is no trap, only length counts.
    [`data:text/plain;base64,${'ab/'.repeat(40)}`, undefined],
    [`data:,${'a'.repeat(2100)}`, 'URL longer than 2083 characters'],
  ])('%s → %s', (url, reason) => {
    expect(trapReason(url, trapDefaults)?.reason).toBe(reason);
  });
});
