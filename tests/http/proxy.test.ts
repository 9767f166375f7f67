import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCrawlError } from '../../src/errors.js';
import { createClient, parseProxyUrl } from '../../src/http/index.js';
import type { TransportOptions } from '../../src/http/request.js';
import { createTransport } from '../../src/http/transport.js';
import { crawl, defineSpider } from '../../src/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { basicAuth, type ForwardProxy, startForwardProxy } from './fixtures/forward-proxy.js';
import { testCert } from './fixtures/tls.js';

const options: TransportOptions = {
  timeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  maxBytes: 1 << 20,
};
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An origin server (its request log keeps each request's path and the headers that reached it). */
async function site(): Promise<LocalServer> {
  const server = await startLocalServer((request, response) => {
    if (request.url === '/robots.txt') return void response.end('User-agent: *\nAllow: /\n');
    response.setHeader('content-type', 'text/html');
    if (request.url === '/') return void response.end('<a href="/a">a</a> <a href="/b">b</a>');
    response.end(`<p>page ${request.url}</p>`);
  });
  closers.push(() => server.close());
  return server;
}

async function proxy(requireAuth?: string): Promise<ForwardProxy> {
  const started = await startForwardProxy(requireAuth);
  closers.push(() => started.close());
  return started;
}

const withCredentials = (forward: ForwardProxy, userInfo: string) =>
  forward.origin.replace('//', `//${userInfo}@`);

describe('transport through a forward proxy', () => {
  it('sends an http request as an absolute URI with Proxy-Authorization from the URL, to the proxy only', async () => {
    const origin = await site();
    const forward = await proxy(basicAuth('us@er', 'p:ss'));
    const transport = createTransport({ proxy: withCredentials(forward, 'us%40er:p%3Ass') });
    closers.push(() => transport.close());
    const response = await transport.send(
      { url: `${origin.origin}/a?q=1`, method: 'GET', headers: {} },
      options,
    );
    expect(response.status).toBe(200);
    expect(response.text).toBe('<p>page /a?q=1</p>');
    expect(forward.seen).toEqual([
      { line: `GET ${origin.origin}/a?q=1`, authorization: basicAuth('us@er', 'p:ss') },
    ]);
    expect(origin.requests[0]?.headers['proxy-authorization']).toBeUndefined();
    // The connection setup happened at the proxy, where it cannot be timed.
    expect(response.timings).toMatchObject({ dnsMs: 0, connectMs: 0, tlsMs: 0 });
  });

  it('tunnels an https request with CONNECT, authenticated', async () => {
    const secure = await startLocalServer((_request, response) => response.end('secret page'), {
      tls: true,
    });
    closers.push(() => secure.close());
    const forward = await proxy(basicAuth('u', 'p'));
    const transport = createTransport({
      proxy: withCredentials(forward, 'u:p'),
      tls: { ca: testCert },
    });
    closers.push(() => transport.close());
    const response = await transport.send(
      { url: `${secure.origin}/x`, method: 'GET', headers: {} },
      options,
    );
    expect(response.text).toBe('secret page');
    expect(forward.seen).toEqual([
      { line: `CONNECT 127.0.0.1:${secure.port}`, authorization: basicAuth('u', 'p') },
    ]);
  });

  it('fails the request when the proxy answers 407 to missing credentials', async () => {
    const origin = await site();
    const forward = await proxy(basicAuth('u', 'p'));
    const client = createClient({ proxy: forward.origin, retries: 0 });
    closers.push(() => client.close());
    const failure = await client.get(`${origin.origin}/a`).catch((error: unknown) => error);
    expect(isCrawlError(failure)).toBe(true);
    expect(String((failure as Error).message)).toContain('407');
    expect(origin.requests).toHaveLength(0);
  });

  it('is a client option', async () => {
    const origin = await site();
    const forward = await proxy();
    const client = createClient({ proxy: forward.origin });
    closers.push(() => client.close());
    expect((await client.get(`${origin.origin}/b`)).text).toBe('<p>page /b</p>');
    expect(forward.seen.map((seen) => seen.line)).toEqual([`GET ${origin.origin}/b`]);
    expect(forward.seen[0]?.authorization).toBeUndefined();
  });
});

describe('proxy configuration errors', () => {
  it('refuses a proxy URL that is not http(s)://[user:pass@]host[:port], without echoing the password', () => {
    for (const bad of [
      'ftp://proxy:21',
      'proxy:3128',
      'http://u:hunter2@',
      'http://proxy/path',
      '',
    ]) {
      let caught: unknown;
      try {
        parseProxyUrl(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught, bad).toMatchObject({ code: 'AR_CONFIG' });
      expect(String((caught as Error).message)).not.toContain('hunter2');
    }
    expect(parseProxyUrl('https://u:p@proxy.example:8443').host).toBe('proxy.example:8443');
  });

  it('refuses a proxy with allowPrivate false, in the transport and in a crawl', async () => {
    expect(() =>
      createTransport({ proxy: 'http://127.0.0.1:3128', egress: { allowPrivate: false } }),
    ).toThrow(/through a proxy: the egress guard never sees/);
    const spider = defineSpider({ name: 'p', start: ['http://127.0.0.1:1/'], parse() {} });
    // Whether crawl() throws at once or rejects, it is a ConfigError before any connection.
    const crawling = (more: object) =>
      Promise.resolve().then(() => crawl(spider, { logLevel: 'silent', ...more }));
    await expect(
      crawling({ proxy: 'http://127.0.0.1:3128', allowPrivate: false }),
    ).rejects.toMatchObject({ code: 'AR_CONFIG' });
    await expect(crawling({ proxy: 'socks://x' })).rejects.toMatchObject({ code: 'AR_CONFIG' });
  });
});

describe('a crawl through a proxy', () => {
  const spider = (start: string) =>
    defineSpider({
      name: 'proxied',
      start: [start],
      *parse(page) {
        yield { url: page.url };
        for (const link of page.links()) yield page.follow(link);
      },
    });

  it('sends every request, robots.txt included, through the proxy with its credentials', async () => {
    const origin = await site();
    const forward = await proxy(basicAuth('crawler', 's3cret'));
    const stats = await crawl(spider(`${origin.origin}/`), {
      logLevel: 'silent',
      proxy: withCredentials(forward, 'crawler:s3cret'),
    });
    expect(stats.items).toBe(3);
    expect(origin.paths.sort()).toEqual(['/', '/a', '/b', '/robots.txt']);
    expect(forward.seen.map((seen) => seen.line).sort()).toEqual(
      ['/', '/a', '/b', '/robots.txt'].map((path) => `GET ${origin.origin}${path}`),
    );
    expect(
      forward.seen.every((seen) => seen.authorization === basicAuth('crawler', 's3cret')),
    ).toBe(true);
  });
});

describe('arachne crawl --proxy', () => {
  it('crawls through the proxy', async () => {
    const origin = await site();
    const forward = await proxy(basicAuth('cli', 'pw'));
    const dir = await mkdtemp(join(tmpdir(), 'arachne-proxy-'));
    const out = join(dir, 'pages.jsonl');
    const result = await runCli([
      'crawl',
      `${origin.origin}/`,
      '--proxy',
      withCredentials(forward, 'cli:pw'),
      '-o',
      out,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(3);
    expect(forward.seen).toHaveLength(origin.paths.length);
    expect(forward.seen.length).toBe(4);
  });

  it('exits 2 for a bad proxy URL, and for --proxy with --deny-private', async () => {
    const bad = await runCli(['crawl', 'http://127.0.0.1:1/', '--proxy', 'ftp://x:21']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('proxy URL must be http://, https://');
    const guarded = await runCli([
      'crawl',
      'http://127.0.0.1:1/',
      '--proxy',
      'http://127.0.0.1:3128',
      '--deny-private',
    ]);
    expect(guarded.code).toBe(2);
    expect(guarded.stderr).toContain('--deny-private');
  });
});
