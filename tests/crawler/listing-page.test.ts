// The HTML page a directory listing becomes: entries linked so that links resolve inside the directory, every
// name escaped and encoded (a file name is data from the server, never markup or a scheme).
import { describe, expect, it } from 'vitest';
import { contentTypeOf } from '../../src/crawler/download-handlers/content-types.js';
import { renderListing } from '../../src/crawler/download-handlers/listing-page.js';
import { parseHtml } from '../../src/html/index.js';

describe('renderListing', () => {
  const html = renderListing({
    path: '/pub/<x>/',
    entries: [
      { name: 'z.txt', directory: false, size: 12, modified: new Date('2024-01-02T03:04:05Z') },
      { name: 'docs', directory: true },
      { name: '..', directory: true },
      { name: 'a:b "c" <script>.html', directory: false, size: 1 },
      { name: '#frag', directory: false },
    ],
  }).toString();

  it('links each entry (directories with a slash), sorted by name, without . and ..', () => {
    const links = parseHtml(html, { url: 'ftp://files.example/pub/%3Cx%3E/' }).links();
    expect(links).toEqual([
      'ftp://files.example/pub/%3Cx%3E/%23frag',
      'ftp://files.example/pub/%3Cx%3E/a%3Ab%20%22c%22%20%3Cscript%3E.html',
      'ftp://files.example/pub/%3Cx%3E/docs/',
      'ftp://files.example/pub/%3Cx%3E/z.txt',
    ]);
  });

  it('escapes names and the path, and shows size and modification time', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('<title>Index of /pub/&lt;x&gt;/</title>');
    expect(html).toContain('<td>12</td><td><time datetime="2024-01-02T03:04:05.000Z">');
  });

  it('prefixes hrefs for a directory served without its slash', () => {
    const page = renderListing({
      path: '/pub/',
      entries: [{ name: 'a', directory: false }],
      hrefPrefix: 'pub/',
    }).toString();
    expect(parseHtml(page, { url: 'ftp://files.example/pub' }).links()).toEqual([
      'ftp://files.example/pub/a',
    ]);
  });
});

describe('contentTypeOf', () => {
  it.each([
    ['index.HTML', 'text/html'],
    ['notes.txt', 'text/plain'],
    ['archive.tar.gz', 'application/gzip'],
    ['README', 'application/octet-stream'],
    ['trailing.', 'application/octet-stream'],
  ])('%s is %s', (name, type) => {
    expect(contentTypeOf(name)).toBe(type);
  });
});
