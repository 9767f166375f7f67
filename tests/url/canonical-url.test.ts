// canonicalizeUrl table, origin/host helpers and the allowed-domains scope check.
import { describe, expect, it } from 'vitest';
import {
  canonicalizeAnyUrl,
  canonicalizeUrl,
  createScopeMatcher,
  hostOf,
  isInScope,
  originOf,
} from '../../src/url/canonical-url.js';

// [input, base, expected]
const table: Array<[string, string | undefined, string | undefined]> = [
  ['HTTP://Example.COM/Path', undefined, 'http://example.com/Path'],
  ['http://example.com:80/a', undefined, 'http://example.com/a'],
  ['https://example.com:443/a', undefined, 'https://example.com/a'],
  ['http://example.com:443/a', undefined, 'http://example.com:443/a'],
  ['https://example.com:8443/a', undefined, 'https://example.com:8443/a'],
  ['https://example.com', undefined, 'https://example.com/'],
  ['https://example.com/a#frag', undefined, 'https://example.com/a'],
  ['https://example.com/a?q=1#', undefined, 'https://example.com/a?q=1'],
  ['https://example.com/?', undefined, 'https://example.com/'],
  ['https://example.com/?b=2&a=1&b=1', undefined, 'https://example.com/?b=2&a=1&b=1'],
  ['http://bücher.example/straße', undefined, 'http://xn--bcher-kva.example/stra%C3%9Fe'],
  ['https://example.com/a/./b/../c', undefined, 'https://example.com/a/c'],
  ['https://example.com/a b?q=x y', undefined, 'https://example.com/a%20b?q=x%20y'],
  ['  https://example.com/trim\n', undefined, 'https://example.com/trim'],
  ['https://example.com\\back\\slash', undefined, 'https://example.com/back/slash'],
  ['https://example.com/%7euser', undefined, 'https://example.com/%7euser'],
  ['http://0x7f.1/', undefined, 'http://127.0.0.1/'],
  ['http://[::1]:80/x', undefined, 'http://[::1]/x'],
  ['http://user:pw@example.com/', undefined, 'http://user:pw@example.com/'],
  ['../up?x=1#f', 'https://example.com/a/b/c', 'https://example.com/a/up?x=1'],
  ['//cdn.example.com/lib.js', 'https://example.com/', 'https://cdn.example.com/lib.js'],
  ['?page=2', 'https://example.com/list?page=1', 'https://example.com/list?page=2'],
  ['/relative', undefined, undefined],
  ['/x', 'not a base', undefined],
  ['http://exa mple.com/', undefined, undefined],
  ['http://example.com:99999/', undefined, undefined],
  ['ftp://example.com/file', undefined, undefined],
  ['mailto:someone@example.com', undefined, undefined],
  ['javascript:alert(1)', 'https://example.com/', undefined],
  ['data:text/plain,hi', undefined, undefined],
  ['', undefined, undefined],
];

describe('canonicalizeUrl', () => {
  it.each(table)('canonicalizes %j (base %j) to %j', (input, base, expected) => {
    expect(canonicalizeUrl(input, base)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const [input, base] of table) {
      const once = canonicalizeUrl(input, base);
      if (once !== undefined) expect(canonicalizeUrl(once)).toBe(once);
    }
  });
});

describe('canonicalizeAnyUrl', () => {
  it('is canonicalizeUrl for http(s)', () => {
    for (const [input, base] of table) {
      if (base === undefined && canonicalizeUrl(input) !== undefined)
        expect(canonicalizeAnyUrl(input)).toBe(canonicalizeUrl(input));
    }
  });

  it.each([
    ['ftp://Example.com:21/a/../b#f', 'ftp://example.com/b'],
    ['memo://Notes/One?x#top', 'memo://Notes/One?x'],
    ['data:text/plain,a b#frag', 'data:text/plain,a b'],
    ['mailto:someone@example.com', 'mailto:someone@example.com'],
    ['not a url', undefined],
  ])('serialises %j to %j, dropping only the fragment', (input, expected) => {
    expect(canonicalizeAnyUrl(input)).toBe(expected);
  });
});

describe('originOf and hostOf', () => {
  it('give the origin and the bare lower-case host of http(s) URLs', () => {
    expect(originOf('HTTPS://Shop.Example.com:8443/a?b#c')).toBe('https://shop.example.com:8443');
    expect(originOf('http://example.com:80/')).toBe('http://example.com');
    expect(hostOf('https://Shop.Example.com:8443/a')).toBe('shop.example.com');
    expect(hostOf('http://[::1]:3000/')).toBe('[::1]');
    expect(hostOf('http://bücher.example/')).toBe('xn--bcher-kva.example');
  });

  it('give undefined for invalid and non-http URLs (originOf) and for URLs without a host (hostOf)', () => {
    expect(originOf('ftp://example.com/')).toBeUndefined();
    expect(originOf('nope')).toBeUndefined();
    expect(hostOf('nope')).toBeUndefined();
    expect(hostOf('file:///etc/passwd')).toBeUndefined();
    expect(hostOf('data:text/plain,hi')).toBeUndefined();
    expect(hostOf('mailto:someone@example.com')).toBeUndefined();
  });

  it('hostOf gives the host of any scheme that has one, lower-case', () => {
    expect(hostOf('ftp://Files.Example.com:2121/pub')).toBe('files.example.com');
    expect(hostOf('memo://Notes/one')).toBe('notes');
  });
});

describe('isInScope', () => {
  const allowed = [
    'example.com',
    '.Shop.Test',
    '*.wild.org',
    'bücher.example',
    'https://full.url/x',
  ];

  it('accepts the domain itself and its subdomains', () => {
    expect(isInScope('example.com', allowed)).toBe(true);
    expect(isInScope('www.example.com', allowed)).toBe(true);
    expect(isInScope('a.b.example.com', allowed)).toBe(true);
    expect(isInScope('shop.test', allowed)).toBe(true);
    expect(isInScope('eu.shop.test', allowed)).toBe(true);
    expect(isInScope('x.wild.org', allowed)).toBe(true);
    expect(isInScope('xn--bcher-kva.example', allowed)).toBe(true);
    expect(isInScope('full.url', allowed)).toBe(true);
  });

  it('rejects look-alikes and parents', () => {
    expect(isInScope('badexample.com', allowed)).toBe(false);
    expect(isInScope('example.com.evil.net', allowed)).toBe(false);
    expect(isInScope('com', allowed)).toBe(false);
    expect(isInScope('test', allowed)).toBe(false);
    expect(isInScope('', allowed)).toBe(false);
  });

  it('ignores case and a trailing dot', () => {
    expect(isInScope('WWW.Example.COM.', allowed)).toBe(true);
  });

  it('allows every host when the list is empty', () => {
    expect(isInScope('anything.example', [])).toBe(true);
  });

  it('works the same through a prebuilt matcher', () => {
    const inScope = createScopeMatcher(allowed);
    expect(inScope('m.example.com')).toBe(true);
    expect(inScope('example.org')).toBe(false);
  });
});
