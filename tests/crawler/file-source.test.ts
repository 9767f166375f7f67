// file: URLs crawled like web pages: a directory is a listing whose links are its entries, a file its bytes; the
// crawl stays under the start directory, web pages cannot lead it to local files, and API-like crawls have no file:.
import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteSpider } from '../../src/crawler/site-spider.js';
import { type CrawlOptions, createCrawler, defineSpider, type Spider } from '../../src/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const MODIFIED = new Date('2023-01-02T03:04:05Z');
let dir: string;
let root: string;
let outside: string;
let site: LocalServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-file-'));
  root = join(dir, 'tree');
  outside = join(dir, 'secret.txt');
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await writeFile(
    join(root, 'index.html'),
    `<h1>Home</h1><a href="sub/">sub</a><a href="../secret.txt">x</a>`,
  );
  await writeFile(join(root, 'notes.txt'), 'notes\n');
  await utimes(join(root, 'notes.txt'), MODIFIED, MODIFIED);
  await writeFile(join(root, 'sub', 'a b.txt'), 'spaced');
  await writeFile(join(root, 'sub', 'deeper', 'c.txt'), 'deep');
  await writeFile(join(root, 'big.bin'), Buffer.alloc(5000));
  await writeFile(outside, 'do not read');
  site = await startLocalServer({
    '/': `<a href="${pathToFileURL(outside).href}">local</a>`,
    '/robots.txt': 'User-agent: *\nAllow: /\n',
  });
});
afterAll(() => site?.close());

/** `file:///…/tree/` + `path` (already URL-encoded). */
const fileUrl = (path: string) => `${pathToFileURL(root).href}/${path.replace(/^\//, '')}`;

async function run(spider: Spider, options: CrawlOptions = {}) {
  const sink = memorySink();
  const stats = await createCrawler(spider, { logLevel: 'silent', output: sink, ...options }).run();
  return { stats, items: sink.items as Array<Record<string, unknown>> };
}

describe('file: sources', () => {
  it('mirrors a directory tree with the no-code crawl, within the depth limit and the start directory', async () => {
    const { stats, items } = await run(siteSpider([fileUrl('/')]), { maxDepth: 2 });
    const urls = items.map((item) => String(item.url)).sort();
    expect(urls).toEqual(
      ['/', '/big.bin', '/index.html', '/notes.txt', '/sub/', '/sub/a%20b.txt', '/sub/deeper/']
        .map((path) => `${pathToFileURL(root).href}${path}`)
        .sort(),
    );
    const listing = items.find((item) => String(item.url).endsWith('/tree/'));
    expect(listing).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8' });
    // ../secret.txt, linked from index.html, is outside the start directory: offsite.
    expect(stats.offsite).toBe(1);
    expect(stats.failed).toBe(0);
  });

  it('gives a file its body, type, size and modification time; 404 for a missing one', async () => {
    const { items } = await run(
      defineSpider({
        name: 'files',
        start: [fileUrl('notes.txt'), fileUrl('nope.txt'), fileUrl('sub')],
        handleStatuses: 'all',
        *parse(page) {
          yield {
            url: page.url,
            status: page.status,
            type: page.response.contentType,
            length: page.response.headers['content-length'],
            modified: page.response.headers['last-modified'] ?? null,
            body: page.status === 200 && page.url.endsWith('.txt') ? page.body.toString() : null,
            links: page.url.endsWith('/sub') ? page.links() : [],
          };
        },
      }),
    );
    const byEnd = (end: string) => items.find((item) => String(item.url).endsWith(end));
    expect(byEnd('notes.txt')).toMatchObject({
      status: 200,
      type: 'text/plain',
      length: '6',
      modified: MODIFIED.toUTCString(),
      body: 'notes\n',
    });
    expect(byEnd('nope.txt')).toMatchObject({ status: 404 });
    // A directory named without its slash: its links still resolve inside it.
    expect(byEnd('/sub')?.links).toEqual([fileUrl('sub/a%20b.txt'), fileUrl('sub/deeper/')]);
  });

  it('drops a file or a listing over maxBytes', async () => {
    const { stats } = await run(siteSpider([fileUrl('big.bin'), fileUrl('sub/')]), {
      maxBytes: 300,
    });
    expect(stats.errorsByCode).toEqual({ AR_BODY_TOO_LARGE: 2 });
  });

  it('is never reached from a web page, and not at all when private addresses are denied', async () => {
    const fromWeb = await run(siteSpider([`${site.origin}/`]));
    expect(fromWeb.items.map((item) => item.url)).toEqual([`${site.origin}/`]);
    expect(fromWeb.items[0]?.links).toEqual([]);

    const denied = await run(siteSpider([fileUrl('notes.txt')]), { allowPrivate: false });
    expect(denied.items).toEqual([]);
    expect(denied.stats.errorsByCode).toEqual({ AR_UNSUPPORTED_SCHEME: 1 });
  });
});
