// dedupKey against w3lib's published canonicalize_url behaviour, plus the dropped tracking/session parameters.
import { describe, expect, it } from 'vitest';
import { canonicalizeUrl } from '../../src/url/canonical-url.js';
import { createDedupKey, dedupKey, defaultDroppedParams } from '../../src/url/dedup-key.js';

/** The key of a URL as the crawler computes it: WHATWG serialisation first, then the rules. */
function key(url: string, rules = {}): string {
  const canonical = canonicalizeUrl(url);
  if (canonical === undefined) throw new Error(`invalid URL in test: ${url}`);
  return dedupKey(canonical, rules);
}

// Cases copied from w3lib's tests/test_url.py, class CanonicalizeUrlTest (scrapy/w3lib, BSD-3-Clause), default
// arguments only: [input, w3lib's expected output]. Cases for `encoding=`, `keep_blank_values=False` and
// `keep_fragments=True` are left out: those arguments do not exist here.
const w3libCases: Array<[string, string]> = [
  ['http://www.example.com/', 'http://www.example.com/'],
  ['http://www.example.com', 'http://www.example.com/'],
  ['http://www.example.com/do?a=1&b=2&c=3', 'http://www.example.com/do?a=1&b=2&c=3'],
  ['http://www.example.com/do?c=1&b=2&a=3', 'http://www.example.com/do?a=3&b=2&c=1'],
  ['http://www.example.com/do?&a=1', 'http://www.example.com/do?a=1'],
  ['http://www.example.com:8888/do?a=1&b=2&c=3', 'http://www.example.com:8888/do?a=1&b=2&c=3'],
  ['http://www.example.com:/do?a=1&b=2&c=3', 'http://www.example.com/do?a=1&b=2&c=3'],
  ['http://www.example.com/do?c=3&b=5&b=2&a=50', 'http://www.example.com/do?a=50&b=2&b=5&c=3'],
  ['http://www.example.com/do?b=&a=2', 'http://www.example.com/do?a=2&b='],
  ['http://www.example.com/do?b=&c&a=2', 'http://www.example.com/do?a=2&b=&c='],
  ['http://www.example.com/do?1750,4', 'http://www.example.com/do?1750%2C4='],
  ['http://www.example.com/do?q=a space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/do?q=a+space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/do?q=a%20space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/résumé', 'http://www.example.com/r%C3%A9sum%C3%A9'],
  [
    'http://www.example.com/résumé?q=résumé',
    'http://www.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9',
  ],
  ['http://www.example.com/r%c3%a9sum%c3%a9', 'http://www.example.com/r%C3%A9sum%C3%A9'],
  ['http://www.example.com/a%a3do', 'http://www.example.com/a%A3do'],
  [
    'http://www.example.com/a%a3do?q=r%c3%a9sum%c3%a9',
    'http://www.example.com/a%A3do?q=r%C3%A9sum%C3%A9',
  ],
  ['http://www.example.com/a%a3do?q=r%e9sum%e9', 'http://www.example.com/a%A3do?q=r%E9sum%E9'],
  ['http://www.example.com/do?k=b%a3', 'http://www.example.com/do?k=b%A3'],
  ['http://www.example.com/do?k=r%c3%a9sum%c3%a9', 'http://www.example.com/do?k=r%C3%A9sum%C3%A9'],
  ['http://www.example.com/a do?a=1', 'http://www.example.com/a%20do?a=1'],
  ['http://www.example.com/a %20do?a=1', 'http://www.example.com/a%20%20do?a=1'],
  ['http://www.example.com/a do£.html?a=1', 'http://www.example.com/a%20do%C2%A3.html?a=1'],
  [
    'http://www.example.com/do?price=£500&a=5&z=3',
    'http://www.example.com/do?a=5&price=%C2%A3500&z=3',
  ],
  [
    'http://www.example.com/do?price(£)=500&a=1',
    'http://www.example.com/do?a=1&price%28%C2%A3%29=500',
  ],
  ['http://user:pass@www.example.com:81/do?now=1', 'http://user:pass@www.example.com:81/do?now=1'],
  ['http://user:pass@www.example.com/do?a=1#frag', 'http://user:pass@www.example.com/do?a=1'],
  [
    'http://www.simplybedrooms.com/White-Bedroom-Furniture/Bedroom-Mirror:-Josephine-Cheval-Mirror.html',
    'http://www.simplybedrooms.com/White-Bedroom-Furniture/Bedroom-Mirror:-Josephine-Cheval-Mirror.html',
  ],
  ['http://www.example.com/caf%E9-con-leche.htm', 'http://www.example.com/caf%E9-con-leche.htm'],
  ['http://www.EXAMPLE.com/', 'http://www.example.com/'],
  ['http://www.bücher.de?q=bücher', 'http://www.xn--bcher-kva.de/?q=b%C3%BCcher'],
  [
    'http://はじめよう.みんな/?query=サ&maxResults=5',
    'http://xn--p8j9a0d9c9a.xn--q9jyb4c/?maxResults=5&query=%E3%82%B5',
  ],
  ['http://foo.com/AC%2FDC+rocks%3f/?yeah=1', 'http://foo.com/AC%2FDC+rocks%3F/?yeah=1'],
  ['http://foo.com/AC%2FDC/', 'http://foo.com/AC%2FDC/'],
  ['http://www.example.com/path/to/%23/foo/bar', 'http://www.example.com/path/to/%23/foo/bar'],
  ['http://www.example.com/path/to/%23/foo/bar#frag', 'http://www.example.com/path/to/%23/foo/bar'],
  [
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2Fpath%2Fto%2F%23%2Fbar%2Ffoo',
    'http://www.example.com/path/to/%23/foo/bar?url=http%3A%2F%2Fwww.example.com%2Fpath%2Fto%2F%23%2Fbar%2Ffoo',
  ],
];

// Where we differ from w3lib on purpose (see createDedupKey's doc): [input, w3lib's output, ours].
const deviations: Array<[string, string, string]> = [
  // `;` is not a query separator for WHATWG URLSearchParams nor for today's servers.
  [
    'http://example.com/do?b=1;a=2',
    'http://example.com/do?a=2&b=1',
    'http://example.com/do?b=1%3Ba%3D2',
  ],
  // Reserved characters escaped in a path keep their escape: `%3B` is data, `;` starts a parameter.
  ['http://example.com/a%3Bb', 'http://example.com/a;b', 'http://example.com/a%3Bb'],
  // Tracking and session parameters are dropped (w3lib leaves that to url_query_cleaner).
  [
    'http://example.com/do?utm_source=x&a=1',
    'http://example.com/do?a=1&utm_source=x',
    'http://example.com/do?a=1',
  ],
];

describe('dedupKey', () => {
  it.each(w3libCases)('matches w3lib canonicalize_url: %s', (input, expected) => {
    expect(key(input)).toBe(expected);
  });

  it.each(w3libCases)('is idempotent: %s', (input) => {
    expect(key(key(input))).toBe(key(input));
  });

  it.each(deviations)('differs from w3lib on purpose: %s', (input, w3lib, ours) => {
    expect(key(input)).toBe(ours);
    expect(ours).not.toBe(w3lib);
  });

  it('folds the issue’s spellings of one page into one key', () => {
    const spellings = [
      'http://h/p?b=2&a=1',
      'http://h/p?a=1&b=2',
      'http://h/p?a=1&b=2&utm_source=x',
      'http://h/p;jsessionid=ABC?a=1&b=2',
      'http://h/p?a=1&b=2&PHPSESSID=zz',
      'http://h/p?a=1&&b=2&fbclid=1&gclid=2&utm_campaign=c',
      'http://h/p?a=%31&b=2',
    ];
    expect(new Set(spellings.map((url) => key(url)))).toEqual(new Set(['http://h/p?a=1&b=2']));
  });

  it('drops well-known session ids in the query and as path parameters, any case', () => {
    expect(key('http://h/a;JSESSIONID=1F2E;x=1/b;jsessionid=9?q=1')).toBe('http://h/a;x=1/b?q=1');
    expect(key('http://h/p?ASPSESSIONIDQQGGTTQR=ABC&CFID=1&CFTOKEN=2&sessionid=s')).toBe(
      'http://h/p',
    );
  });

  it('drops sid only when it looks like a session token, unless the user lists it', () => {
    const token = '0123456789abcdef0123456789ABCDEF';
    expect(key(`http://h/p?sid=${token}`)).toBe('http://h/p');
    expect(key('http://h/p?sid=42')).toBe('http://h/p?sid=42');
    expect(key('http://h/p?sid=42', { dropParams: ['sid'] })).toBe('http://h/p');
  });

  it('keepQueryOrder keeps the order but still drops and normalises', () => {
    const rules = { keepQueryOrder: true };
    expect(key('http://h/p?b=2&a=1&utm_medium=m', rules)).toBe('http://h/p?b=2&a=1');
    expect(key('http://h/p?b=2&a=1', rules)).not.toBe(key('http://h/p?a=1&b=2', rules));
  });

  it('dropParams adds names and prefixes; keepParams wins over every list', () => {
    expect(key('http://h/p?ref=x&trk_id=1&a=1', { dropParams: ['ref', 'TRK_*'] })).toBe(
      'http://h/p?a=1',
    );
    expect(key('http://h/p?utm_source=x&gclid=1', { keepParams: ['utm_source'] })).toBe(
      'http://h/p?utm_source=x',
    );
    expect(key('http://h/p?ref=1', { dropParams: ['ref'], keepParams: ['ref'] })).toBe(
      'http://h/p?ref=1',
    );
  });

  it('returns URLs without ?, ; or % as they are, and leaves other schemes alone', () => {
    const plain = 'https://example.com/a/b.html';
    expect(dedupKey(plain)).toBe(plain);
    expect(dedupKey('data:text/plain;base64,SGk=?b=1&a=2')).toBe(
      'data:text/plain;base64,SGk=?b=1&a=2',
    );
  });

  it('lists its defaults', () => {
    expect(defaultDroppedParams).toEqual(
      expect.arrayContaining(['utm_*', 'fbclid', 'gclid', 'jsessionid']),
    );
    expect(createDedupKey()('http://h/?utm_term=1')).toBe('http://h/');
  });
});
