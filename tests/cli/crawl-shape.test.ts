// Issue 12 §3 through the built binary: --allow/--deny in a no-code crawl judged from the server log, the default
// scope (another port on 127.0.0.1 is not followed) widened by --allow-domain, and each cap closing the crawl with
// its reason in --stats.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

const html = (body: string) => `<!doctype html><html><body>${body}</body></html>`;
const links = (...paths: string[]) => paths.map((p) => `<a href="${p}">${p}</a>`).join(' ');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-shape-'));
});

async function crawlCli(args: string[]) {
  const statsFile = join(dir, `stats-${Math.random().toString(36).slice(2)}.json`);
  const result = await runCli([
    'crawl',
    ...args,
    // -O: each test reads its own items (-o would append to the previous test's).
    '-O',
    join(dir, 'out.jsonl'),
    '--stats',
    statsFile,
    '--no-progress',
  ]);
  expect(result.code, result.stderr).toBe(0);
  return {
    result,
    stats: JSON.parse(await readFile(statsFile, 'utf8')) as Record<string, unknown>,
  };
}

describe('arachne crawl URL --allow / --deny', () => {
  it('follows only the allowed links, never the denied ones (repeatable and comma-separated)', async () => {
    const server = await startLocalServer({
      '/': html(links('/blog/1', '/blog/2', '/blog/drafts/3', '/shop/1', '/about')),
      '/blog/1': html(links('/blog/4')),
      '/blog/2': html(''),
      '/blog/4': html(''),
      '/blog/drafts/3': html(''),
      '/shop/1': html(''),
      '/about': html(''),
    });
    const { stats, result } = await crawlCli([
      `${server.origin}/`,
      '--allow',
      '/blog/*',
      '--allow',
      '/nothing-else,/also-nothing',
      '--deny',
      '/drafts/',
    ]);
    expect(server.paths.filter((p) => p !== '/robots.txt').sort()).toEqual(
      ['/', '/blog/1', '/blog/2', '/blog/4'].sort(),
    );
    expect(stats.linksFiltered).toBe(3);
    expect(result.stdout).toContain('allow/deny      3 links not followed');
  });
});

describe('the default scope of arachne crawl URL', () => {
  async function twoPorts() {
    const other = await startLocalServer({ '/': html('<h1>other</h1>') });
    const home = await startLocalServer({
      '/': html(links(`${other.origin}/`, '/next')),
      '/next': html(''),
    });
    return { home, other };
  }

  it('does not follow a second port on 127.0.0.1', async () => {
    const { home, other } = await twoPorts();
    const { stats } = await crawlCli([`${home.origin}/`]);
    expect(home.paths).toContain('/next');
    expect(other.requests).toHaveLength(0);
    expect(stats.offsite).toBe(1);
  });

  it('follows it with --allow-domain 127.0.0.1', async () => {
    const { other, home } = await twoPorts();
    const { stats } = await crawlCli([`${home.origin}/`, '--allow-domain', '127.0.0.1']);
    expect(other.paths).toContain('/');
    expect(stats.offsite).toBe(0);
  });
});

describe('caps close the crawl with their reason', () => {
  /** An endless site: page n links to n+1 and n+2; with `reset`, every page but the start page drops the connection. */
  const endless = (reset = false) =>
    startLocalServer((req, res) => {
      if (reset && req.url !== '/' && req.url !== '/robots.txt') {
        req.socket.destroy();
        return;
      }
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? 0);
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(html(links(`/?n=${n + 1}`, `/?n=${n + 2}`)));
    });

  it('--max-items N', async () => {
    const server = await endless();
    const { stats, result } = await crawlCli([`${server.origin}/`, '--max-items', '5']);
    expect(stats.closeReason).toBe('max-items');
    expect(stats.items).toBe(5);
    expect((await readFile(join(dir, 'out.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(5);
    expect(result.stdout).toContain('closed by       max-items');
  });

  it('--max-time DURATION', async () => {
    const server = await endless();
    const { stats } = await crawlCli([
      `${server.origin}/`,
      '--max-time',
      '1s',
      '--delay-ms',
      '100',
    ]);
    expect(stats.closeReason).toBe('max-time');
    expect(stats.elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it('--max-errors N', async () => {
    const server = await endless(true);
    const { stats } = await crawlCli([`${server.origin}/`, '--max-errors', '1', '--retries', '0']);
    expect(stats.closeReason).toBe('max-errors');
    expect(stats.failed).toBeGreaterThanOrEqual(1);
    // Without the cap the crawl ends on its own once both links failed: the reason tells the two apart.
  });

  it('refuses a duration without a unit', async () => {
    const result = await runCli(['crawl', 'http://127.0.0.1:9/', '--max-time', '30']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--max-time must be a duration such as 30s, 5m or 1h30m');
  });
});
