// Sitemap parsing (urlset, index, gzip, text, feeds, hostile XML) and walking sitemap indexes on a local server.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  collectSitemapUrls,
  parseRobots,
  parseSitemap,
  sitemapUrlsFor,
} from '../../src/robots/index.js';
import { type Handler, type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { bytesFetch } from './fetchers.js';

const urlset = (urls: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((url) => `<url><loc>${url}</loc><lastmod>2024-01-01</lastmod></url>`)
    .join('')}</urlset>`;
const sitemapIndex = (urls: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((url) => `<sitemap><loc>${url}</loc></sitemap>`)
    .join('')}</sitemapindex>`;

describe('parseSitemap', () => {
  it('reads the page URLs of a urlset', () => {
    const xml = urlset(['https://example.com/a', '  https://example.com/b?x=1&amp;y=2  ']);
    expect(parseSitemap(xml)).toEqual({
      urls: ['https://example.com/a', 'https://example.com/b?x=1&y=2'],
      sitemaps: [],
    });
  });

  it('reads the child sitemaps of a sitemap index', () => {
    const xml = sitemapIndex(['https://example.com/s1.xml', 'https://example.com/s2.xml.gz']);
    expect(parseSitemap(xml)).toEqual({
      urls: [],
      sitemaps: ['https://example.com/s1.xml', 'https://example.com/s2.xml.gz'],
    });
  });

  it('ignores extension locs, relative and non-http URLs', () => {
    const xml =
      '<urlset xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"><url><loc>https://example.com/p</loc>' +
      '<image:image><image:loc>https://example.com/i.png</image:loc></image:image></url>' +
      '<url><loc>/relative</loc></url><url><loc>javascript:alert(1)</loc></url></urlset>';
    expect(parseSitemap(xml).urls).toEqual(['https://example.com/p']);
  });

  it('inflates a gzipped sitemap detected by its magic bytes', () => {
    const gz = gzipSync(urlset(['https://example.com/zipped']));
    expect(parseSitemap(gz).urls).toEqual(['https://example.com/zipped']);
  });

  it('rejects a gzip body that inflates beyond maxBytes', () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(() => parseSitemap(bomb, { maxBytes: 1024 * 1024 })).toThrow(
      expect.objectContaining({ code: 'AR_BODY_TOO_LARGE' }),
    );
  });

  it('refuses a DOCTYPE declaring entities (billion laughs) without expanding them', () => {
    const lol = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${lol}]><urlset><url><loc>https://example.com/&lol9;</loc></url></urlset>`;
    expect(() => parseSitemap(xml)).toThrow(expect.objectContaining({ code: 'AR_BAD_SITEMAP' }));
  });

  it('ignores an external DTD: nothing is fetched, nothing is declared', () => {
    const xml =
      '<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "http://127.0.0.1:1/evil.dtd">' +
      '<urlset><url><loc>https://example.com/a</loc></url></urlset>';
    expect(parseSitemap(xml).urls).toEqual(['https://example.com/a']);
  });

  it('never expands an undeclared entity either', () => {
    const xml = '<urlset><url><loc>https://example.com/&lol9;x</loc></url></urlset>';
    expect(parseSitemap(xml).urls).toEqual(['https://example.com/&lol9;x']);
  });

  it('keeps URLs apart when an & is not escaped, and reads CDATA verbatim', () => {
    const xml =
      '<urlset><url><loc>https://example.com/?a=1&b=2</loc></url>' +
      '<url><loc><![CDATA[https://example.com/?c=3&d=4]]></loc></url></urlset>';
    expect(parseSitemap(xml).urls).toEqual([
      'https://example.com/?a=1&b=2',
      'https://example.com/?c=3&d=4',
    ]);
  });

  it('reads plain-text sitemaps, one URL per line', () => {
    const body = '\uFEFFhttps://example.com/1\r\nhttps://example.com/2\n\nnot a url\n';
    expect(parseSitemap(body).urls).toEqual(['https://example.com/1', 'https://example.com/2']);
  });

  it('reads RSS item links and Atom entry links', () => {
    const rss =
      '<rss><channel><link>https://example.com/</link><item><link>https://example.com/post</link></item></channel></rss>';
    const atom =
      '<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://example.com/entry"/></entry></feed>';
    expect(parseSitemap(rss).urls).toEqual(['https://example.com/post']);
    expect(parseSitemap(atom).urls).toEqual(['https://example.com/entry']);
  });

  it('stops at maxUrls and survives truncated XML', () => {
    const xml = urlset(['https://example.com/1', 'https://example.com/2', 'https://example.com/3']);
    expect(parseSitemap(xml, { maxUrls: 2 }).urls).toHaveLength(2);
    expect(parseSitemap(xml.slice(0, xml.indexOf('/3')))?.urls).toHaveLength(2);
  });
});

describe('sitemapUrlsFor', () => {
  it('uses the Sitemap lines of robots.txt, resolved against the origin', () => {
    const robots = parseRobots(
      'Sitemap: https://cdn.example.com/s.xml\nSitemap: /local.xml\nSitemap: ftp://x/y\n',
    );
    expect(sitemapUrlsFor('https://example.com', robots)).toEqual([
      'https://cdn.example.com/s.xml',
      'https://example.com/local.xml',
    ]);
  });

  it('falls back to /sitemap.xml', () => {
    expect(sitemapUrlsFor('https://example.com/', parseRobots(''))).toEqual([
      'https://example.com/sitemap.xml',
    ]);
    expect(sitemapUrlsFor('https://example.com')).toEqual(['https://example.com/sitemap.xml']);
  });
});

describe('collectSitemapUrls', () => {
  /** Serves `files` (built from the server's own origin) with status 200, anything else as 404. */
  async function site(
    files: (origin: string) => Record<string, string | Buffer>,
  ): Promise<LocalServer> {
    const routes: Record<string, Handler> = {};
    const server = await startLocalServer(routes);
    for (const [path, body] of Object.entries(files(server.origin))) {
      routes[path] = (_req, res) => res.writeHead(200).end(body);
    }
    return server;
  }

  it('walks an index to its children, gzipped ones included, skipping missing ones', async () => {
    const s = await site((o) => ({
      '/sitemap.xml': sitemapIndex([`${o}/a.xml`, `${o}/b.xml.gz`, `${o}/missing.xml`]),
      '/a.xml': urlset([`${o}/p1`, `${o}/p2`]),
      '/b.xml.gz': gzipSync(urlset([`${o}/p3`, `${o}/p1`])),
    }));
    const urls = await collectSitemapUrls({
      start: [`${s.origin}/sitemap.xml`],
      fetch: bytesFetch,
    });
    expect(urls).toEqual([`${s.origin}/p1`, `${s.origin}/p2`, `${s.origin}/p3`]);
    expect(s.count('/missing.xml')).toBe(1);
  });

  it('never revisits a sitemap, even when indexes point at each other', async () => {
    const s = await site((o) => ({
      '/i1.xml': sitemapIndex([`${o}/i2.xml`, `${o}/i1.xml`]),
      '/i2.xml': sitemapIndex([`${o}/i1.xml`, `${o}/leaf.xml`]),
      '/leaf.xml': urlset([`${o}/page`]),
    }));
    const urls = await collectSitemapUrls({ start: [`${s.origin}/i1.xml`], fetch: bytesFetch });
    expect(urls).toEqual([`${s.origin}/page`]);
    expect(s.paths.every((path) => s.count(path) === 1)).toBe(true);
  });

  it('respects maxSitemaps, maxUrls and maxDepth', async () => {
    const s = await site((o) => ({
      '/index.xml': sitemapIndex(Array.from({ length: 10 }, (_, i) => `${o}/s${i}.xml`)),
      ...Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [
          `/s${i}.xml`,
          urlset([`${o}/p${i}a`, `${o}/p${i}b`]),
        ]),
      ),
    }));
    const start = [`${s.origin}/index.xml`];
    expect(await collectSitemapUrls({ start, fetch: bytesFetch, maxSitemaps: 3 })).toHaveLength(4);
    expect(await collectSitemapUrls({ start, fetch: bytesFetch, maxUrls: 5 })).toHaveLength(5);
    expect(await collectSitemapUrls({ start, fetch: bytesFetch, maxDepth: 0 })).toEqual([]);
  });

  it('reports broken sitemaps and keeps going', async () => {
    const s = await site((o) => ({
      '/index.xml': sitemapIndex([`${o}/bad.xml`, `${o}/good.xml`]),
      '/bad.xml': '<!DOCTYPE x [<!ENTITY a "b">]><urlset/>',
      '/good.xml': urlset([`${o}/ok`]),
    }));
    const errors: string[] = [];
    const urls = await collectSitemapUrls({
      start: [`${s.origin}/index.xml`],
      fetch: bytesFetch,
      onError: (url) => errors.push(url),
    });
    expect(urls).toEqual([`${s.origin}/ok`]);
    expect(errors).toEqual([`${s.origin}/bad.xml`]);
  });
});
