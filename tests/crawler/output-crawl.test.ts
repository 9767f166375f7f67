// A real crawl against a local server: what handlers yield is routed by type, and a bad yield fails one page only.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, createCrawler, createRequest, defineSpider } from '../../src/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

let site: LocalServer;

beforeAll(async () => {
  site = await startLocalServer({
    '/robots.txt': 'User-agent: *\nAllow: /\n',
    '/': '<title>home</title><a href="/b">b</a>',
    '/b': '<title>b</title>',
    '/c': '<title>c</title>',
    '/bad': '<title>bad</title>',
  });
});
afterAll(async () => {
  await site?.close();
});

describe('a crawl routes handler outputs by type', () => {
  it('crawls spread and createRequest() requests, and fails only the page whose handler yielded a string', async () => {
    const spider = defineSpider({
      name: 'outputs',
      start: [`${site.origin}/`],
      *parse(page) {
        yield { page: 'home' };
        yield { ...page.follow('/b', 'detail'), priority: 1 };
        yield createRequest(`${site.origin}/c`, { handler: 'detail' });
        yield page.follow('/bad', 'broken');
      },
      detail(page) {
        return { detail: page.text('title') };
      },
      *broken() {
        yield { kept: true };
        yield 'abc' as unknown as { never: true };
        yield { after: true };
      },
    });
    const sink = memorySink();
    const failures: Array<{ url: string; message: string }> = [];
    const crawler = createCrawler(spider, { logLevel: 'silent', output: sink });
    crawler.on('request:failed', ({ request, error }) =>
      failures.push({ url: request.url, message: error.message }),
    );
    const stats = await crawler.run();

    expect(site.paths).toEqual(expect.arrayContaining(['/', '/b', '/c', '/bad']));
    expect(sink.items).toHaveLength(4);
    expect(sink.items).toEqual(
      expect.arrayContaining([
        { page: 'home' },
        { detail: 'b' },
        { detail: 'c' },
        { kept: true }, // yielded before the bad value: kept, as when a handler throws
      ]),
    );
    expect(failures).toEqual([
      {
        url: `${site.origin}/bad`,
        message: `handler "broken" yielded a string ("abc"), not an item (plain object) or a request (page.follow, request()) — at ${site.origin}/bad`,
      },
    ]);
    expect(stats.errorsByCode).toEqual({ AR_BAD_OUTPUT: 1 });
    expect(stats.failed).toBe(1);
    expect(stats.closeReason).toBe('finished');
  });
});

describe('crawl() with output and overwriteOutput', () => {
  it('output appends to an existing file, overwriteOutput replaces it, and a spider placeholder is filled in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-output-crawl-'));
    const spider = defineSpider({
      name: 'one',
      start: [`${site.origin}/`],
      parse: (page) => ({ title: page.text('title') }),
    });
    const path = join(dir, '{spider}.jsonl');
    const count = async () =>
      (await readFile(join(dir, 'one.jsonl'), 'utf8')).split('\n').length - 1;
    await crawl(spider, { logLevel: 'silent', output: path });
    await crawl(spider, { logLevel: 'silent', output: path });
    expect(await count()).toBe(2);
    await crawl(spider, { logLevel: 'silent', overwriteOutput: path });
    expect(await count()).toBe(1);
  });
});
