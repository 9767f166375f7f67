// Duplicate URLs end to end: spellings of one page (query order, tracking and session parameters) are fetched once,
// through crawl() and through the CLI binary, while the handler sees each URL as linked.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type CrawlOptions, crawl, defineSpider } from '../../src/index.js';
import { jobOptionsSchema } from '../../src/server/api-schemas.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { runCli } from '../helpers/run-cli.js';

const links = [
  '/p?b=2&a=1',
  '/p?a=1&b=2',
  '/p?a=1&b=2&utm_source=x',
  '/p;jsessionid=ABC?a=1&b=2',
  '/p?a=1&b=2&PHPSESSID=zz',
];

async function site(): Promise<LocalServer> {
  // Every spelling of /p answers (the route table would match the query too).
  return startLocalServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/robots.txt') res.writeHead(200).end('User-agent: *\nAllow: /\n');
    else if (path === '/')
      res.writeHead(200).end(links.map((href) => `<a href="${href}">p</a>`).join(''));
    else if (path.startsWith('/p')) res.writeHead(200).end('<p>p</p>');
    else res.writeHead(404).end();
  });
}

/** The requests the server saw for /p, with their query (and path parameters), sorted. */
const fetchesOfP = (server: LocalServer) =>
  server.paths.filter((path) => path.startsWith('/p')).sort();

async function crawlSite(server: LocalServer, options: CrawlOptions = {}) {
  const output = memorySink();
  const spider = defineSpider({
    name: 'dedup',
    start: [`${server.origin}/`],
    async *parse(page) {
      yield { url: page.url };
      for (const link of page.links()) yield page.follow(link);
    },
  });
  const stats = await crawl(spider, { output, logLevel: 'silent', ...options });
  return { stats, urls: output.items.map((item) => String(item.url)).sort() };
}

describe('duplicate URLs through crawl()', () => {
  it('fetches the page once under every spelling, and hands the handler the URL as linked', async () => {
    const server = await site();
    const { stats, urls } = await crawlSite(server);
    expect(stats.failed).toBe(0);
    expect(fetchesOfP(server)).toEqual(['/p?b=2&a=1']);
    expect(urls).toEqual([`${server.origin}/`, `${server.origin}/p?b=2&a=1`]);
    expect(stats.duplicatesFiltered).toBe(4);
  });

  it('with keepQueryOrder fetches the two orders separately, still dropping trackers and session ids', async () => {
    const server = await site();
    await crawlSite(server, { keepQueryOrder: true });
    expect(fetchesOfP(server)).toEqual(['/p?a=1&b=2', '/p?b=2&a=1']);
  });

  it('keepParams brings a default-dropped parameter back into the key', async () => {
    const server = await site();
    await crawlSite(server, { keepParams: ['utm_source'] });
    expect(fetchesOfP(server)).toEqual(['/p?a=1&b=2&utm_source=x', '/p?b=2&a=1']);
  });

  it('at log level debug names the URLs whose dedup key differs', async () => {
    const server = await site();
    const lines: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await crawlSite(server, { logLevel: 'debug' });
    } finally {
      write.mockRestore();
    }
    const keys = lines.filter((line) => line.includes('DEBUG dedup key'));
    expect(keys).toContainEqual(
      expect.stringContaining(
        `dedup key ${server.origin}/p?a=1&b=2 for ${server.origin}/p?b=2&a=1`,
      ),
    );
    expect(keys).toHaveLength(4); // every spelling but /p?a=1&b=2, which is its own key
  });

  it('the HTTP cache keys on the dedup key: another spelling of a cached page is a hit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-dedup-cache-'));
    const server = await site();
    const spider = (start: string) =>
      defineSpider({
        name: 'dedup-cache',
        start: [`${server.origin}${start}`],
        async *parse(page) {
          yield { url: page.url };
        },
      });
    await crawl(spider('/p?b=2&a=1'), { output: memorySink(), cache: dir, logLevel: 'silent' });
    const output = memorySink();
    const replay = await crawl(spider('/p?a=1&b=2&utm_source=x'), {
      output,
      cache: dir,
      logLevel: 'silent',
    });
    expect(replay.cacheHits).toBe(1);
    expect(fetchesOfP(server)).toEqual(['/p?b=2&a=1']);
    expect(output.items).toEqual([{ url: `${server.origin}/p?a=1&b=2&utm_source=x` }]);
  });

  it('a state file keeps the rules it was started with', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-dedup-state-'));
    const server = await site();
    await crawlSite(server, { frontier: join(dir, 'crawl.db') });
    expect(fetchesOfP(server)).toEqual(['/p?b=2&a=1']);
  });
});

describe('duplicate URLs through the CLI', () => {
  async function cli(server: LocalServer, flags: string[]) {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-dedup-cli-'));
    const spider = join(dir, 'spider.ts');
    await writeFile(
      spider,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'dedup',
  start: ['${server.origin}/'],
  async *parse(page) {
    yield { url: page.url };
    for (const link of page.links()) yield page.follow(link);
  },
});
`,
    );
    const out = join(dir, 'items.jsonl');
    const result = await runCli(['crawl', spider, '-o', out, '--no-progress', ...flags]);
    expect(result.code, result.stderr).toBe(0);
    const urls = (await readFile(out, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { url: string }).url);
    return { result, urls };
  }

  it('fetches /p once by default', async () => {
    const server = await site();
    const { urls } = await cli(server, []);
    expect(fetchesOfP(server)).toEqual(['/p?b=2&a=1']);
    expect(urls).toContain(`${server.origin}/p?b=2&a=1`);
  });

  it('--keep-query-order and --keep-params change the key', async () => {
    const server = await site();
    await cli(server, ['--keep-query-order', '--keep-params', 'PHPSESSID']);
    expect(fetchesOfP(server)).toEqual(['/p?a=1&b=2', '/p?a=1&b=2&PHPSESSID=zz', '/p?b=2&a=1']);
  });
});

describe('duplicate URLs in API jobs', () => {
  it('accepts the three options, with bounded lists of names', () => {
    const options = { keepQueryOrder: true, dropParams: ['ref', 'trk_*'], keepParams: ['sid'] };
    expect(jobOptionsSchema.parse(options)).toEqual(options);
    expect(jobOptionsSchema.safeParse({ dropParams: 'ref' }).success).toBe(false);
    expect(jobOptionsSchema.safeParse({ dropParams: ['x'.repeat(101)] }).success).toBe(false);
    expect(jobOptionsSchema.safeParse({ keepParams: Array(101).fill('x') }).success).toBe(false);
  });
});
