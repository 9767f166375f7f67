// XML mode (issue 12 §2): RSS and Atom read with the same element API as HTML pages, without HTML's rules.
import { describe, expect, it } from 'vitest';
import { isXmlContentType, parseHtml, parseXml } from '../../src/html/index.js';
import { atom, rss } from './fixtures/feeds.js';

const ATOM = 'http://www.w3.org/2005/Atom';
const DC = 'http://purl.org/dc/elements/1.1/';

describe('parseXml on RSS 2.0', () => {
  const doc = parseXml(rss, { url: 'https://blog.example/feed.xml' });

  it('keeps the text of <link>, which the HTML parser drops (void element)', () => {
    expect(parseHtml(rss).text('item > link')).toBe('');
    expect(doc.isXml).toBe(true);
    expect(doc.text('item > link')).toBe('https://blog.example/posts/steel');
    expect(
      doc
        .css('item > link::text')
        .getAll()
        .map((s) => s.trim()),
    ).toEqual(['https://blog.example/posts/steel', '/posts/glass']);
    expect(doc.xpath('normalize-space(//item[1]/link)').get()).toBe(
      'https://blog.example/posts/steel',
    );
  });

  it('reads guid, pubDate (case kept) and attributes in their case', () => {
    expect(doc.css('item guid::text').getAll()).toEqual([
      'post-1',
      'https://blog.example/posts/glass',
      'https://blog.example/posts/guid-only',
    ]);
    expect(doc.css('pubDate::text').getAll()).toEqual([
      'Mon, 01 Jan 2024 10:00:00 GMT',
      'Tue, 02 Jan 2024 10:00:00 GMT',
    ]);
    // Names are case-sensitive in XML: the lower-case spelling matches nothing.
    expect(doc.select('pubdate')).toHaveLength(0);
    expect(doc.xpath('//item/pubDate/text()').getAll()).toHaveLength(2);
    expect(doc.selectOne('guid')?.attr('isPermaLink')).toBe('false');
    expect(doc.css('guid::attr(isPermaLink)').getAll()).toEqual(['false', 'true']);
    expect(doc.xpath('//guid/@isPermaLink').getAll()).toEqual(['false', 'true']);
    expect(doc.selectOne('enclosure')?.attrs()).toEqual({
      url: 'https://blog.example/steel.mp3',
      length: '1',
      type: 'audio/mpeg',
    });
  });

  it('reads dc:creator: escaped colon in CSS, prefix in XPath (declared by the feed, or passed)', () => {
    expect(doc.css('item > dc\\:creator::text').getAll()).toEqual(['Ann Lee', 'Bob Stone']);
    expect(doc.selectOne('dc\\:creator')?.tag).toBe('dc:creator');
    expect(doc.xpath('//item/dc:creator/text()').getAll()).toEqual(['Ann Lee', 'Bob Stone']);
    expect(doc.xpath('//item/d:creator/text()', { namespaces: { d: DC } }).getAll()).toEqual([
      'Ann Lee',
      'Bob Stone',
    ]);
    expect(doc.xpath('//*[local-name()="creator"]/text()').getAll()).toHaveLength(2);
    expect(doc.xpath('namespace-uri(//item/dc:creator)').get()).toBe(DC);
    expect(() => doc.xpath('//nope:creator')).toThrow(SyntaxError);
  });

  it('reads CDATA descriptions as text, and entities decoded', () => {
    expect(doc.text('item description')).toBe('<p>Steel <b>&amp;</b> copper</p>');
    expect(doc.xpath('//item[1]/description/text()').get()).toBe(
      '<p>Steel <b>&amp;</b> copper</p>',
    );
    expect(doc.css('item description::text').getAll()).toEqual([
      '<p>Steel <b>&amp;</b> copper</p>',
      'Plain <i>escaped</i> text',
    ]);
    expect(doc.select('item title').texts()).toEqual([
      'Steel kettles',
      'Glass kettles & more',
      'Only a guid',
    ]);
    // The CDATA content is HTML: parse it as such when its structure is wanted.
    expect(parseHtml(doc.text('item description')).text('b')).toBe('&');
  });

  it('an unprefixed XPath name does not match a prefixed element (link is not atom:link)', () => {
    expect(doc.xpath('//channel/link/text()').getAll()).toEqual(['https://blog.example/']);
    expect(doc.xpath('//channel/atom:link/@rel').getAll()).toEqual(['self', 'next']);
    // xmlns declarations are not attributes in the XPath data model.
    expect(doc.xpath('/rss/@*').getAll()).toEqual(['2.0']);
  });

  it('title() is the channel title; links() are the items, the next page and guid-only permalinks', () => {
    expect(doc.title()).toBe('Kettle News');
    expect(doc.links()).toEqual([
      'https://blog.example/feed.xml?page=2',
      'https://blog.example/posts/steel',
      'https://blog.example/posts/glass',
      'https://blog.example/posts/guid-only',
    ]);
    expect(doc.links({ selector: 'item > link' })).toEqual([
      'https://blog.example/posts/steel',
      'https://blog.example/posts/glass',
    ]);
    expect(doc.links({ selector: 'enclosure' })).toEqual([]); // `url` is not href/src/text
  });
});

describe('parseXml on Atom', () => {
  const doc = parseXml(atom, { url: 'https://cdn.example/atom.xml' });

  it('CSS works on default-namespace names: entry > link', () => {
    expect(doc.css('entry > link::attr(href)').getAll()).toEqual([
      '/2024/first',
      '/api/entries/1',
      'https://news.example/2024/second',
      'https://news.example/second.mp3',
    ]);
    expect(doc.css('entry > link[rel="alternate"]::attr(href)').getAll()).toEqual([
      'https://news.example/2024/second',
    ]);
    expect(doc.select('entry author name').texts()).toEqual(['Ann Lee', 'Bob Stone']);
    expect(doc.text('entry content')).toBe('<p>Hello</p>');
    expect(doc.text('entry title')).toBe('First <em>entry</em>');
  });

  it('XPath: unprefixed names match the Atom default namespace; atom: with namespaces; local-name()', () => {
    expect(doc.xpath('//entry/id/text()').getAll()).toEqual(['urn:uuid:1', 'urn:uuid:2']);
    const namespaces = { atom: ATOM };
    expect(doc.xpath('//atom:entry/atom:id/text()', { namespaces }).getAll()).toEqual([
      'urn:uuid:1',
      'urn:uuid:2',
    ]);
    expect(doc.xpath('count(//atom:entry)', { namespaces }).get()).toBe(2);
    expect(doc.xpath('//*[local-name()="entry"]').getAll()).toHaveLength(2);
    expect(doc.xpath('namespace-uri(/*)').get()).toBe(ATOM);
    // A prefix bound to another namespace matches nothing.
    expect(doc.xpath('//x:entry', { namespaces: { x: 'urn:other' } }).getAll()).toEqual([]);
  });

  it('element.xpath is relative; links() are the entries (alternate) against xml:base', () => {
    const second = doc.select('entry')[1];
    expect(second?.xpath('./author/name/text()').get()).toBe('Bob Stone');
    expect(doc.baseUrl).toBe('https://news.example/');
    expect(doc.title()).toBe('Atom News');
    expect(doc.links()).toEqual([
      'https://news.example/2024/first',
      'https://news.example/2024/second',
    ]);
  });
});

describe('XML mode leaves HTML alone', () => {
  it('HTML documents keep case-insensitive names and HTML rules', () => {
    const html = parseHtml('<div><P CLASS="a">x</P><link href="/style.css">text</div>');
    expect(html.isXml).toBe(false);
    expect(html.select('p').texts()).toEqual(['x']);
    expect(html.selectOne('P')?.attr('CLASS')).toBe('a');
    expect(html.xpath('//p/@class').getAll()).toEqual(['a']);
    expect(html.text('link')).toBe(''); // void in HTML
  });

  it('isXmlContentType: xml and +xml types, not XHTML', () => {
    for (const type of [
      'application/xml',
      'text/xml; charset=utf-8',
      'application/rss+xml',
      'Application/Atom+XML',
      'image/svg+xml',
    ]) {
      expect(isXmlContentType(type), type).toBe(true);
    }
    for (const type of [
      'text/html',
      'application/xhtml+xml',
      '',
      'application/json',
      'text/xmlx',
    ]) {
      expect(isXmlContentType(type), type).toBe(false);
    }
  });
});
