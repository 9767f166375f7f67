// Sitemap parsing (urlset, index, gzip, text, feeds, hostile XML) and walking sitemap indexes on a local server.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  collectSitemapUrls,
  parseRobots,
  parseSitemap,
  type SitemapReport,
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
      malformed: 0,
      overCap: 0,
    });
  });

  it('reads the child sitemaps of a sitemap index', () => {
    const xml = sitemapIndex(['https://example.com/s1.xml', 'https://example.com/s2.xml.gz']);
    expect(parseSitemap(xml)).toEqual({
      urls: [],
      sitemaps: ['https://example.com/s1.xml', 'https://example.com/s2.xml.gz'],
      malformed: 0,
      overCap: 0,
    });
  });

  it('ignores extension locs, and counts relative and non-http URLs as malformed', () => {
    const xml =
      '<urlset xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"><url><loc>https://example.com/p</loc>' +
      '<image:image><image:loc>https://example.com/i.png</image:loc></image:image></url>' +
      '<url><loc>/relative</loc></url><url><loc>javascript:alert(1)</loc></url></urlset>';
    expect(parseSitemap(xml)).toMatchObject({ urls: ['https://example.com/p'], malformed: 2 });
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

  it('reads a sitemap with an internal DTD, expanding none of its entities', () => {
    const xml =
      '<?xml version="1.0"?><!DOCTYPE urlset [ <!ENTITY x "https://evil.example/"> ]>' +
      '<urlset><url><loc>https://example.com/a</loc></url><url><loc>&x;b</loc></url>' +
      '<url><loc>https://example.com/?q=&x;</loc></url></urlset>';
    // A loc holding a custom entity is malformed: its real URL is unknown, and guessing would be wrong.
    expect(parseSitemap(xml)).toEqual({
      urls: ['https://example.com/a'],
      sitemaps: [],
      malformed: 2,
      overCap: 0,
    });
  });

  it('reads around billion-laughs declarations at once, without expanding them', () => {
    const lol = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${lol}]><urlset><url><loc>https://example.com/&lol9;</loc></url><url><loc>https://example.com/ok</loc></url></urlset>`;
    const started = performance.now();
    expect(parseSitemap(xml)).toMatchObject({ urls: ['https://example.com/ok'], malformed: 1 });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('ignores an external DTD: nothing is fetched, nothing is declared', () => {
    const xml =
      '<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "http://127.0.0.1:1/evil.dtd">' +
      '<urlset><url><loc>https://example.com/a</loc></url></urlset>';
    expect(parseSitemap(xml).urls).toEqual(['https://example.com/a']);
  });

  it('counts a loc with an undeclared entity as malformed, and decodes the predefined ones', () => {
    const xml =
      '<urlset><url><loc>https://example.com/&lol9;x</loc></url>' +
      '<url><loc>https://example.com/?a=1&amp;b=&#50;&apos;&quot;&lt;&gt;</loc></url></urlset>';
    expect(parseSitemap(xml)).toMatchObject({
      urls: [new URL('https://example.com/?a=1&b=2\'"<>').href],
      malformed: 1,
    });
  });

  it('reads past comments, processing instructions and a stylesheet, between and inside elements', () => {
    const xml =
      '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="/sitemap.xsl"?>\n<!-- generated -->' +
      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><!-- a --><url><?pi x?>' +
      '<loc>https://example.com/<!-- inside -->a</loc></url><url><loc><?pi?>https://example.com/b</loc>' +
      '<!-- after --></url></urlset><!-- end -->';
    expect(parseSitemap(xml).urls).toEqual(['https://example.com/a', 'https://example.com/b']);
  });

  it('reads prefixed namespaces, and leaves xhtml:link alternates alone', () => {
    const xml =
      '<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">' +
      '<sm:url><sm:loc>https://example.com/en</sm:loc>' +
      '<xhtml:link rel="alternate" hreflang="de" href="https://example.com/de"/></sm:url></sm:urlset>';
    const index =
      '<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:sitemap>' +
      '<sm:loc>https://example.com/s.xml</sm:loc></sm:sitemap></sm:sitemapindex>';
    expect(parseSitemap(xml).urls).toEqual(['https://example.com/en']);
    expect(parseSitemap(index).sitemaps).toEqual(['https://example.com/s.xml']);
  });

  it('decodes UTF-8 and UTF-16 (both byte orders) with a byte order mark', () => {
    const xml = urlset(['https://example.com/caf\u00e9']);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]);
    for (const body of [utf8, le, be, gzipSync(le)]) {
      expect(parseSitemap(body).urls).toEqual(['https://example.com/caf%C3%A9']);
    }
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

  it('stops at maxUrls, counting the URLs not kept, and survives truncated XML', () => {
    const xml = urlset(['https://example.com/1', 'https://example.com/2', 'https://example.com/3']);
    expect(parseSitemap(xml, { maxUrls: 2 })).toMatchObject({ urls: { length: 2 }, overCap: 1 });
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
      '/bad.xml': Buffer.from([0x1f, 0x8b, 0, 1, 2, 3]),
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

  it('walks quirky indexes and gzipped files, fetching no DTD or external entity they name', async () => {
    const quirks = (o: string, body: string) =>
      `\uFEFF<?xml version="1.0"?><?xml-stylesheet href="${o}/style.xsl"?>` +
      `<!DOCTYPE x SYSTEM "${o}/dtd" [ <!ENTITY e SYSTEM "${o}/secret"> <!ENTITY % p SYSTEM "${o}/param"> %p; ]>` +
      `<!-- c -->${body}`;
    const s = await site((o) => ({
      '/index.xml': quirks(
        o,
        `<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:sitemap><sm:loc>${o}/a.xml.gz</sm:loc></sm:sitemap>` +
          '<sm:sitemap><sm:loc>&e;</sm:loc></sm:sitemap></sm:sitemapindex>',
      ),
      '/a.xml.gz': gzipSync(
        quirks(
          o,
          `<urlset><url><loc><![CDATA[${o}/p?a=1&b=2]]></loc></url><url><loc>${o}/&e;</loc></url></urlset>`,
        ),
      ),
    }));
    const reports: SitemapReport[] = [];
    const urls = await collectSitemapUrls({
      start: [`${s.origin}/index.xml`],
      fetch: bytesFetch,
      onSitemap: (report) => reports.push(report),
    });
    expect(urls).toEqual([`${s.origin}/p?a=1&b=2`]);
    expect(s.paths).toEqual(['/index.xml', '/a.xml.gz']);
    expect(reports).toEqual([
      { url: `${s.origin}/index.xml`, kept: 0, sitemaps: 1, skipped: { malformed: 1 } },
      { url: `${s.origin}/a.xml.gz`, kept: 1, sitemaps: 0, skipped: { malformed: 1 } },
    ]);
  });

  it('counts the URLs skip() refuses by its reason, and says what the per-file URL cap cut', async () => {
    const s = await site((o) => ({
      '/s.xml': urlset([
        `${o}/a`,
        'https://elsewhere.example/x',
        `${o}/private`,
        `${o}/b`,
        `${o}/c`,
      ]),
    }));
    const reports: SitemapReport[] = [];
    const urls = await collectSitemapUrls({
      start: [`${s.origin}/s.xml`],
      fetch: bytesFetch,
      maxUrlsPerSitemap: 4,
      skip: (url) =>
        url.startsWith(s.origin)
          ? url.endsWith('/private')
            ? 'disallowed'
            : undefined
          : 'offsite',
      onSitemap: (report) => reports.push(report),
    });
    expect(urls).toEqual([`${s.origin}/a`, `${s.origin}/b`]);
    expect(reports).toEqual([
      {
        url: `${s.origin}/s.xml`,
        kept: 2,
        sitemaps: 0,
        skipped: { offsite: 1, disallowed: 1, overCap: 1 },
        cut: '4 URL cap per sitemap reached, 1 URLs not read',
      },
    ]);
  });

  it('warns when a walk-wide budget leaves sitemaps or URLs unread', async () => {
    const s = await site((o) => ({
      '/index.xml': sitemapIndex([`${o}/s0.xml`, `${o}/s1.xml`, `${o}/s2.xml`, `${o}/deep.xml`]),
      '/s0.xml': urlset([`${o}/p0a`, `${o}/p0b`]),
      '/s1.xml': urlset([`${o}/p1a`, `${o}/p1b`]),
      '/s2.xml': urlset([`${o}/p2a`, `${o}/p2b`]),
      '/deep.xml': sitemapIndex([`${o}/s3.xml`]),
    }));
    const start = [`${s.origin}/index.xml`];
    const walk = async (limits: { maxSitemaps?: number; maxUrls?: number; maxDepth?: number }) => {
      const warnings: string[] = [];
      const cuts: string[] = [];
      await collectSitemapUrls({
        start,
        fetch: bytesFetch,
        concurrency: 1,
        ...limits,
        onWarning: (message) => warnings.push(message),
        onSitemap: (report) => report.cut && cuts.push(`${report.url}: ${report.cut}`),
      });
      return { warnings, cuts };
    };
    expect(await walk({ maxSitemaps: 2 })).toEqual({
      warnings: ['sitemaps: 2 sitemap file cap reached, 3 sitemaps not read'],
      cuts: [],
    });
    expect(await walk({ maxUrls: 3 })).toEqual({
      warnings: ['sitemaps: 3 URL cap reached, 2 sitemaps not read'],
      cuts: [`${s.origin}/s1.xml: 3 URL cap for all sitemaps reached, 1 URLs not read`],
    });
    expect(await walk({ maxDepth: 1 })).toEqual({
      warnings: ['sitemaps: index nesting deeper than 1, 1 sitemaps not read'],
      cuts: [],
    });
  });
});
