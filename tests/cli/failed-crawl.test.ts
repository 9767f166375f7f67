// A failed crawl never looks like a success: unreachable start hosts, redirects onto seen pages, credentials, pipes.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPortOrigin,
  type LocalServer,
  redirectTo,
  startLocalServer,
} from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';

let dir: string;
const servers: LocalServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-honest-'));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function serve(routes: Parameters<typeof startLocalServer>[0]): Promise<LocalServer> {
  const server = await startLocalServer(routes);
  servers.push(server);
  return server;
}

const readStats = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

describe('a start host that cannot be reached', () => {
  it('is a failure with its error code, not robots denied, and the crawl exits 1 with a one-line reason', async () => {
    const origin = await closedPortOrigin();
    const statsFile = join(dir, 'refused.json');
    const result = await runCli([
      'crawl',
      `${origin}/`,
      `${origin}/other`,
      '-o',
      join(dir, 'refused.jsonl'),
      '--stats',
      statsFile,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(
      'arachne: no page was fetched: 2 requests failed (AR_NETWORK ×2)',
    );
    const stats = await readStats(statsFile);
    expect(stats).toMatchObject({ responses: 0, failed: 2, robotsDenied: 0, retries: 0 });
    expect(stats.errorsByCode).toEqual({ AR_NETWORK: 2 });
    // The robots.txt fetch failed once for the origin: its own stat, by code.
    expect(stats.robotsFetchFailed).toEqual({ AR_NETWORK: 1 });
    expect(result.stdout).toContain('failed          2 (AR_NETWORK: 2)');
    expect(result.stdout).toContain('robots.txt      1 fetch failed (AR_NETWORK: 1)');
  });

  it('an unknown host fails the same way (DNS)', async () => {
    const statsFile = join(dir, 'dns.json');
    const result = await runCli([
      'crawl',
      'http://nonexistent.invalid/',
      '-o',
      join(dir, 'dns.jsonl'),
      '--stats',
      statsFile,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(
      'arachne: no page was fetched: 1 request failed (AR_NETWORK ×1)',
    );
    expect((await readStats(statsFile)).robotsDenied).toBe(0);
  });

  it('a robots.txt answering 503 still disallows the origin (RFC 9309), counted as a robots.txt fetch failure', async () => {
    const site = await serve({
      '/robots.txt': (_req, res) => res.writeHead(503).end(),
      '/': '<p>home</p>',
    });
    const statsFile = join(dir, 'robots503.json');
    const result = await runCli([
      'crawl',
      `${site.origin}/`,
      '-o',
      join(dir, 'robots503.jsonl'),
      '--stats',
      statsFile,
      '--no-progress',
    ]);
    const stats = await readStats(statsFile);
    expect(site.count('/')).toBe(0);
    expect(stats).toMatchObject({ responses: 0, robotsDenied: 1, failed: 0 });
    expect(stats.robotsFetchFailed).toEqual({ 'HTTP 503': 1 });
    // Robots denying every start URL is a legitimate outcome: exit 0, said in one line.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('arachne: no page was fetched: robots.txt disallows 1 request');
  });
});

describe('redirects onto a page seen already', () => {
  it('are counted, so that pages fetched add up with the records written', async () => {
    const site = await serve({
      '/robots.txt': '',
      '/': '<a href="/a">a</a> <a href="/b">b</a>',
      '/a': '<p>a</p>',
      '/b': redirectTo('/a'),
    });
    const out = join(dir, 'redirects.jsonl');
    const statsFile = join(dir, 'redirects.json');
    const result = await runCli([
      'crawl',
      `${site.origin}/`,
      '-o',
      out,
      '--stats',
      statsFile,
      '--no-progress',
      '--concurrency',
      '1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const records = (await readFile(out, 'utf8')).split('\n').filter(Boolean);
    const stats = await readStats(statsFile);
    expect(records).toHaveLength(2);
    expect(stats.responses).toBe(3);
    expect(stats.redirectsToSeen).toBe(1);
    expect(stats.responses).toBe(records.length + stats.redirectsToSeen);
    expect(result.stdout).toContain('seen redirects  1');
  });
});

describe('credentials in start URLs', () => {
  it('never appear in the records, the stats, the summary or the logs', async () => {
    const site = await serve({
      '/robots.txt': '',
      '/': '<a href="/next">next</a>',
      '/next': '<p>next</p>',
    });
    const withCredentials = site.origin.replace('http://', 'http://alice:s3cret@');
    const out = join(dir, 'credentials.jsonl');
    const statsFile = join(dir, 'credentials.json');
    const result = await runCli([
      'crawl',
      `${withCredentials}/`,
      '-o',
      out,
      '--stats',
      statsFile,
      '--no-progress',
      '--log-level',
      'debug',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const written = [await readFile(out, 'utf8'), await readFile(statsFile, 'utf8')];
    for (const text of [...written, result.stdout, result.stderr]) {
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('alice');
    }
    expect(written[0]).toContain(`"url":"${site.origin}/"`);
  });
});

describe('credentials in a fetched URL', () => {
  it('are sent but not printed by `arachne fetch`, redirects included', async () => {
    const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    const site = await serve((req, res) => {
      if (req.headers.authorization !== expected) res.writeHead(401).end();
      else if (req.url === '/old') res.writeHead(301, { location: '/new' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
    const result = await runCli([
      'fetch',
      `${site.origin.replace('http://', 'http://alice:s3cret@')}/old`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`200 OK  ${site.origin}/new`);
    expect(result.stdout).toContain(`redirected from: ${site.origin}/old`);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/alice|s3cret/);
  });
});

describe('credentials in a crawl with an HTTP cache', () => {
  it('are not listed by `arachne cache ls`', async () => {
    const site = await serve({ '/robots.txt': '', '/': '<p>home</p>' });
    const cacheDir = join(dir, 'credentials-cache');
    const crawled = await runCli([
      'crawl',
      `${site.origin.replace('http://', 'http://alice:s3cret@')}/`,
      '-o',
      join(dir, 'credentials-cache.jsonl'),
      '--cache',
      cacheDir,
      '--no-progress',
    ]);
    expect(crawled.code, crawled.stderr).toBe(0);
    const listed = await runCli(['cache', 'ls', cacheDir]);
    expect(listed.stdout).toContain(`${site.origin}/\n`);
    expect(listed.stdout).not.toMatch(/alice|s3cret/);
  });
});

describe("credentials in a spider's start URL", () => {
  it('are cut from the url field of its items, and the pages are still fetched with them', async () => {
    const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    const site = await serve((req, res) => {
      if (req.headers.authorization !== expected) res.writeHead(401).end();
      else if (req.url === '/robots.txt') res.writeHead(200).end('');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/next">next</a>');
    });
    const spider = join(dir, 'credentials-spider.js');
    await writeFile(
      spider,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'credentials',
  start: ['${site.origin.replace('http://', 'http://alice:s3cret@')}/'],
  *parse(page) {
    yield { url: page.url, status: page.status };
    for (const href of page.select('a').attrs('href')) yield page.follow(href);
  },
});
`,
    );
    const out = join(dir, 'credentials-spider.jsonl');
    const result = await runCli(['crawl', spider, '-o', out, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    const records = (await readFile(out, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(records).toEqual(
      expect.arrayContaining([
        { url: `${site.origin}/`, status: 200 },
        { url: `${site.origin}/next`, status: 200 },
      ]),
    );
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/alice|s3cret/);
  });
});

describe('error exits', () => {
  it('print only the error, not an all-zero stats table', async () => {
    const result = await runCli([
      'crawl',
      'http://127.0.0.1:9/',
      '-o',
      join(dir, 'no-such-dir', 'deeper', 'out.unknownformat'),
      '--no-progress',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^arachne crawl: /);
    expect(result.stdout).not.toContain('pages fetched');
    expect(result.stderr).not.toContain('pages fetched');
  });
});

describe('a reader that stops early', () => {
  it('`arachne fetch URL | head -c 10` exits quietly', async () => {
    const site = await serve({ '/big': 'x'.repeat(4 * 1024 * 1024) });
    const child = spawn(process.execPath, [binPath, 'fetch', `${site.origin}/big`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Like head -c 10: read the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('`arachne crawl URL -o - | head -n 3` stops the crawl early, saves its stats and exits 0 quietly', async () => {
    const pages = 2000;
    const links = Array.from({ length: pages }, (_, i) => `<a href="/p/${i}">${i}</a>`).join('');
    // Each page takes a little while: the whole crawl would last several seconds.
    const site = await serve((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(200).end('');
      const body = `<title>${req.url}</title>${req.url === '/' ? links : ''}`;
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(body), 20);
    });
    const statsFile = join(dir, 'closed-pipe.json');
    const child = spawn(
      process.execPath,
      [binPath, 'crawl', `${site.origin}/`, '-o', '-', '--stats', statsFile, '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Like head -n 3: read three lines, then close the pipe.
    let read = '';
    child.stdout.on('data', (chunk) => {
      read += chunk;
      if (read.split('\n').length > 3) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const fetched = site.requests.length;
    // The crawl stopped: most of the site was never asked for, and it says why in its stats.
    expect(fetched).toBeLessThan(pages / 2);
    const stats = await readStats(statsFile);
    expect(stats.closeReason).toBe('output-closed');
    expect(stats.responses).toBeLessThan(pages / 2);
  });
});
