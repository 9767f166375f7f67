// createLinkResolver's string-join fast path must give exactly what resolveLink (WHATWG URL) gives.
import { describe, expect, it } from 'vitest';
import { createLinkResolver, resolveLink } from '../../src/html/index.js';

const bases = [
  'https://shop.example/catalog/page.html',
  'https://shop.example/catalog/dir/',
  'http://user:pw@shop.example:8080/a/b?old=1#frag',
  'https://shop.example',
  'https://xn--bcher-kva.example/%7Euser/x;y',
  'http://127.0.0.1:3000/?only=query',
];

const handPicked = [
  '/a/b?c=d&e=f',
  'item?id=1',
  '?page=2',
  '/',
  'a',
  './x',
  '../up',
  '/a/./b',
  '/a/%2e%2E/b',
  '/a/.well-known',
  '.hidden',
  '//cdn.example/x',
  'mailto:a@b',
  'http:relative',
  'x:y/z',
  'dir/x:y',
  "/it's",
  '/a b',
  '/a\\b',
  '/é',
  '/a#b',
  '/shipping/#free-shipping',
  '?sort=a&b=1#x',
  'item#',
  '  #x',
  '//cdn.example#x',
  'mailto:a#b',
  '../up#x',
  '/%zz?%',
  '/a`b',
  '/{x}',
  '?q=a:b/c',
  '/;param=1,2@x!$*()+',
  '\t/tab',
  '',
  '#only',
  'https://Other.Example:443/X',
];

/** Random hrefs from an alphabet mixing safe characters with every kind the fast path must reject. */
function* randomHrefs(count: number): Generator<string> {
  const alphabet = [
    'a',
    'Z',
    '0',
    '/',
    '/',
    '.',
    '..',
    '%',
    '2',
    'e',
    'E',
    '?',
    '#',
    ':',
    '@',
    '&',
    '=',
    ' ',
    '\\',
    "'",
    '`',
    'é',
    '~',
    '-',
    '_',
    '%2e',
    '//',
    '\t',
  ];
  let state = 7;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  for (let i = 0; i < count; i++) {
    let href = '';
    const length = 1 + next(8);
    for (let j = 0; j < length; j++) href += alphabet[next(alphabet.length)];
    yield href;
  }
}

describe('createLinkResolver', () => {
  it.each(bases)('agrees with resolveLink on hand-picked hrefs against %s', (base) => {
    const resolve = createLinkResolver(base);
    for (const href of handPicked)
      expect([href, resolve(href)]).toEqual([href, resolveLink(href, base)]);
  });

  it('agrees with resolveLink on 20,000 random hrefs per base', () => {
    for (const base of bases) {
      const resolve = createLinkResolver(base);
      for (const href of randomHrefs(20_000)) {
        const fast = resolve(href);
        const reference = resolveLink(href, base);
        if (fast !== reference) expect([base, href, fast]).toEqual([base, href, reference]);
      }
    }
  });

  it('falls back to the URL parser for a missing or non-http base', () => {
    expect(createLinkResolver(undefined)('/x')).toBeUndefined();
    expect(createLinkResolver(undefined)('https://a.example/x#y')).toBe('https://a.example/x');
    expect(createLinkResolver('file:///tmp/')('/x')).toBe('file:///x');
  });

  it('follows file: links from file: pages only, ftp: and ftps: links from any page', () => {
    expect(resolveLink('file:///etc/passwd', 'https://a.example/')).toBeUndefined();
    expect(createLinkResolver('https://a.example/')('file:///etc/passwd')).toBeUndefined();
    expect(resolveLink('b.txt', 'file:///srv/docs/')).toBe('file:///srv/docs/b.txt');
    expect(createLinkResolver('https://a.example/')('ftp://f.example/pub/')).toBe(
      'ftp://f.example/pub/',
    );
    expect(resolveLink('x/', 'ftps://f.example/pub/')).toBe('ftps://f.example/pub/x/');
  });
});

describe('links within a non-web scheme', () => {
  it('keeps links of the page’s own scheme (a mailbox’s messages), never data: ones, file: only from file:', () => {
    const inbox = 'imaps://alice@mail.example/INBOX';
    expect(resolveLink('imaps://alice@mail.example/INBOX/;UID=4', inbox)).toBe(
      'imaps://alice@mail.example/INBOX/;UID=4',
    );
    expect(resolveLink('https://news.example/story#top', inbox)).toBe('https://news.example/story');
    expect(resolveLink('pop3://alice@mail.example/', inbox)).toBeUndefined();
    expect(resolveLink('imaps://alice@mail.example/INBOX', 'https://a.example/')).toBeUndefined();
    expect(resolveLink('data:text/plain,x', 'data:text/html,<a>')).toBeUndefined();
    expect(resolveLink('file:///etc/passwd', inbox)).toBeUndefined();
  });
});
