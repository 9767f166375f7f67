// links() on the DOM and the streaming extractLinks()/extractTitleAndLinks(): resolution rules and agreement.
import { describe, expect, it } from 'vitest';
import {
  extractLinks,
  extractTitleAndLinks,
  parseHtml,
  resolveBaseUrl,
  resolveLink,
} from '../../src/html/index.js';

const URL = 'https://shop.example/catalog/page.html';

const page = `<html><head><title>Catalog
  &amp; more</title><base href="/base/"></head><body>
<a href="item?id=1&amp;ref=nav">relative to base</a>
<a href="/abs">root-relative</a>
<a href="//cdn.example/x">scheme-relative</a>
<a href="https://other.example/y#section">absolute with fragment</a>
<a href="#top">fragment only</a>
<a href="">empty</a>
<a href="javascript:void(0)">js</a>
<a href="mailto:help@shop.example">mail</a>
<a href="tel:+123">tel</a>
<a href="ftp://files.example/z">ftp</a>
<a href="/abs">duplicate</a>
<a href="/abs#again">duplicate after fragment removal</a>
<a href="  /spaced  ">surrounding spaces</a>
<a href="http://[bad">invalid</a>
<a name="anchor">no href</a>
<map><area href="/area" alt="x"></map>
<a href="/caf&eacute; menu">entity and space</a>
<template><a href="/from-template">t</a></template>
</body></html>`;

const expected = [
  'https://shop.example/base/item?id=1&ref=nav',
  'https://shop.example/abs',
  'https://cdn.example/x',
  'https://other.example/y',
  'ftp://files.example/z',
  'https://shop.example/spaced',
  'https://shop.example/area',
  'https://shop.example/caf%C3%A9%20menu',
  'https://shop.example/from-template',
];

describe('HtmlDocument.links', () => {
  it('resolves against <base href>, keeps http(s) and ftp(s) only, drops fragments and duplicates, in document order', () => {
    expect(parseHtml(page, { url: URL }).links()).toEqual(expected);
  });

  it('exposes the base URL: <base href> resolved against the page URL, else the page URL', () => {
    expect(parseHtml(page, { url: URL }).baseUrl).toBe('https://shop.example/base/');
    expect(parseHtml('<a href="x">x</a>', { url: URL }).baseUrl).toBe(URL);
    expect(parseHtml('<base href="https://cdn.example/">').baseUrl).toBe('https://cdn.example/');
    expect(parseHtml('<a href="x">x</a>').baseUrl).toBeUndefined();
  });

  it('ignores a <base> without href and uses the first one that has it', () => {
    const html = '<base target="_blank"><base href="/one/"><base href="/two/"><a href="x">x</a>';
    expect(parseHtml(html, { url: URL }).links()).toEqual(['https://shop.example/one/x']);
  });

  it('keeps only absolute hrefs when the page URL is unknown', () => {
    const html = '<a href="/rel">r</a><a href="https://a.example/">a</a>';
    expect(parseHtml(html).links()).toEqual(['https://a.example/']);
  });

  it('takes a custom selector, reading href or else src', () => {
    const html =
      '<div class="next"><a href="?page=2">next</a></div><a href="/other">o</a><img src="/i.png">';
    const doc = parseHtml(html, { url: URL });
    expect(doc.links({ selector: '.next a' })).toEqual([
      'https://shop.example/catalog/page.html?page=2',
    ]);
    expect(doc.links({ selector: 'img' })).toEqual(['https://shop.example/i.png']);
  });

  it('resolves one href the same way', () => {
    const doc = parseHtml(page, { url: URL });
    expect(doc.resolveUrl('../up')).toBe('https://shop.example/up');
    expect(doc.resolveUrl('#x')).toBeUndefined();
    expect(doc.resolveUrl('mailto:a@b.c')).toBeUndefined();
  });
});

describe('resolveLink and resolveBaseUrl', () => {
  it('applies the link rules to single values', () => {
    expect(resolveLink('a b', 'https://x.example/dir/')).toBe('https://x.example/dir/a%20b');
    expect(resolveLink('HTTP://X.EXAMPLE:80/p#f', undefined)).toBe('http://x.example/p');
    expect(resolveLink('   ', 'https://x.example/')).toBeUndefined();
    expect(resolveLink('  #frag', 'https://x.example/')).toBeUndefined();
    expect(resolveLink('data:text/html,hi', 'https://x.example/')).toBeUndefined();
    expect(resolveLink('relative', undefined)).toBeUndefined();
  });

  it('ignores an unusable base href', () => {
    expect(resolveBaseUrl('http://[broken', URL)).toBe(URL);
    expect(resolveBaseUrl('  ', URL)).toBe(URL);
    expect(resolveBaseUrl(undefined, 'not a url')).toBeUndefined();
  });
});

const samples: Record<string, string> = {
  main: page,
  malformed: `<div><a href="/one">1<a href="/two">2</div></div><p><a href=/three?x=1&y=2>3<li><a href='/four'>`,
  uppercase: '<A HREF="/Upper">u</A><AREA HREF="/area2"><BASE HREF="https://other.example/">',
  duplicateAttributes: '<a href="/first" href="/second">d</a>',
  scripts:
    '<script>document.write("<a href=\\"/in-script\\">")</script><style>a[href="/in-style"]{}</style>' +
    '<textarea><a href="/in-textarea"></textarea><!-- <a href="/in-comment"> --><a href="/real">r</a>',
  svg:
    '<svg><a href="/svg-link"><title>Icon</title></a><style>.x{}</style></svg>' +
    '<svg/><a href="/after-svg">a</a><math><mi>x</mi></math><a href="/after-math">m</a>' +
    '<svg><style><a href="/markup-in-svg-style">s</a></style><script>if (a<b) go()</script></svg><a href="/z">z</a>',
  titleLater: '<body><a href="/a">a</a><title>Late &lt;title&gt;</title></body>',
  entities: '<a href="/q?a=1&amp;b=2&copy=3&lt;">e</a><a href="/&#x41;&#66;">n</a>',
  noTitle: '<a href="https://x.example/">x</a>',
};

describe('extractLinks (streaming)', () => {
  it.each(Object.entries(samples))(
    'agrees with parseHtml().links() and title() on %s',
    (_, html) => {
      const doc = parseHtml(html, { url: URL });
      expect(extractLinks(html, URL)).toEqual(doc.links());
      const both = extractTitleAndLinks(html, URL);
      expect(both.links).toEqual(doc.links());
      expect(both.title).toBe(doc.title());
    },
  );

  it('returns the expected links for the main sample', () => {
    expect(extractLinks(page, URL)).toEqual(expected);
    expect(extractTitleAndLinks(page, URL).title).toBe('Catalog & more');
  });

  it('decodes entities in hrefs the way the DOM does', () => {
    expect(extractLinks(samples.entities ?? '', URL)).toEqual([
      'https://shop.example/q?a=1&b=2&copy=3%3C',
      'https://shop.example/AB',
    ]);
  });

  it('does not take links from scripts, styles, textareas or comments', () => {
    expect(extractLinks(samples.scripts ?? '', URL)).toEqual(['https://shop.example/real']);
  });

  it('gives an empty list and no title for a page without them', () => {
    expect(extractTitleAndLinks('<p>nothing</p>', URL)).toEqual({ title: undefined, links: [] });
  });
});
