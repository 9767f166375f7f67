// ftp: and ftps: URLs crawled like web pages, against a real pure-ftpd: listings as pages whose links are the
// entries, files with body, size and modification time, credentials, TLS, 404s, size cap, per-host sessions, retries.
import { mkdtemp, utimes } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteSpider } from '../../src/crawler/site-spider.js';
import {
  type CrawlOptions,
  createCrawler,
  defineSpider,
  request,
  type Spider,
} from '../../src/index.js';
import { type FtpServer, ftpServerUp, startFtpServer } from '../helpers/ftp-server.js';
import { freePort } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const up = await ftpServerUp();

const MODIFIED = new Date('2024-03-05T06:07:08Z');
const files: Record<string, string | Buffer> = {
  'readme.txt': 'hello over ftp\n',
  'pub/a.html': '<h1>A</h1><a href="deep/">deep</a>',
  'pub/deep/b.txt': 'bee',
  'pub/deep/deeper/c.txt': 'sea',
  'odd name #1.txt': 'odd',
  'big.bin': Buffer.alloc(4000, 7),
};

let server: FtpServer;

beforeAll(async () => {
  if (!up) return;
  server = await startFtpServer({ files });
  await utimes(join(server.root, 'readme.txt'), MODIFIED, MODIFIED);
});
afterAll(() => server?.close());

/** Keeps what a handler saw of each page: status, headers, body. */
function recorder(start: string[]): Spider {
  return defineSpider({
    name: 'ftp-pages',
    start,
    handleStatuses: 'all',
    *parse(page) {
      yield {
        url: page.url,
        status: page.status,
        type: page.response.contentType,
        length: page.response.headers['content-length'] ?? null,
        modified: page.response.headers['last-modified'] ?? null,
        body: page.body.toString('latin1'),
        connected: page.response.timings.connectMs > 0,
        links: page.status === 200 && /html/.test(page.response.contentType) ? page.links() : [],
      };
    },
  });
}

async function run(spider: Spider, options: CrawlOptions = {}) {
  const sink = memorySink();
  const crawler = createCrawler(spider, {
    logLevel: 'silent',
    output: sink,
    retries: 0,
    ...options,
  });
  const stats = await crawler.run();
  return { stats, items: sink.items as Array<Record<string, unknown>> };
}

describe.skipIf(!up)('ftp: sources', () => {
  it('mirrors a tree with the no-code crawl: listings link their entries, depth limits apply', async () => {
    const { stats, items } = await run(siteSpider([server.url('/')]), { maxDepth: 2 });
    const byUrl = new Map(items.map((item) => [String(item.url), item]));
    // Records keep no credentials.
    const base = `ftp://127.0.0.1:${server.port}`;
    expect([...byUrl.keys()].sort()).toEqual(
      [
        '/',
        '/big.bin',
        '/odd%20name%20%231.txt',
        '/pub/',
        '/pub/a.html',
        '/pub/deep/',
        '/readme.txt',
      ]
        .map((path) => `${base}${path}`)
        .sort(),
    );
    expect(byUrl.get(`${base}/`)).toMatchObject({ status: 200, title: 'Index of /' });
    expect(byUrl.get(`${base}/pub/`)?.links).toEqual([`${base}/pub/a.html`, `${base}/pub/deep/`]);
    expect(byUrl.get(`${base}/odd%20name%20%231.txt`)).toMatchObject({ status: 200, bytes: 3 });
    expect(stats.failed).toBe(0);
  });

  it('gives a file its body, content type, size (SIZE) and modification time (MDTM)', async () => {
    const { items } = await run(recorder([server.url('/readme.txt'), server.url('/pub/a.html')]));
    const readme = items.find((item) => String(item.url).endsWith('readme.txt'));
    expect(readme).toMatchObject({
      status: 200,
      type: 'text/plain',
      length: String('hello over ftp\n'.length),
      modified: MODIFIED.toUTCString(),
      body: 'hello over ftp\n',
    });
    const html = items.find((item) => String(item.url).endsWith('a.html'));
    expect(html).toMatchObject({ status: 200, type: 'text/html' });
    expect(html?.links).toEqual([server.url('/pub/deep/')]);
  });

  it('serves a directory named without its slash as a listing whose links resolve inside it', async () => {
    const { items } = await run(recorder([server.url('/pub/deep')]));
    expect(items[0]).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(items[0]?.links).toEqual([
      server.url('/pub/deep/b.txt'),
      server.url('/pub/deep/deeper/'),
    ]);
  });

  it('answers a missing file with a 404, not retried', async () => {
    const { stats, items } = await run(recorder([server.url('/nope.txt'), server.url('/nope/')]), {
      retries: 2,
    });
    expect(items.map((item) => item.status)).toEqual([404, 404]);
    expect(stats.retries).toBe(0);
  });

  it('logs in anonymously by default; the crawl options, the request data and the URL give credentials', async () => {
    const bare = `ftp://127.0.0.1:${server.port}/readme.txt`;
    // This server has no anonymous account (-E): anonymous is refused with 530, a 401.
    const anonymous = await run(recorder([bare]));
    expect(anonymous.items[0]).toMatchObject({ status: 401 });

    const fromOptions = await run(recorder([bare]), { ftpUser: 'alice', ftpPassword: 'secret' });
    expect(fromOptions.items[0]).toMatchObject({ status: 200, body: 'hello over ftp\n' });

    process.env.ARACHNE_TEST_FTP_PASSWORD = 'secret';
    const fromEnv = await run(recorder([bare]), {
      ftpUser: 'alice',
      ftpPasswordEnv: 'ARACHNE_TEST_FTP_PASSWORD',
    });
    expect(fromEnv.items[0]).toMatchObject({ status: 200 });

    const fromData = await run(
      defineSpider({
        name: 'meta',
        handleStatuses: 'all',
        *start() {
          yield request(bare, { data: { ftpUser: 'alice', ftpPassword: 'secret' } });
        },
        *parse(page) {
          yield { status: page.status };
        },
      }),
      // The request's own credentials win over the crawl's (Scrapy's ftp_user/ftp_password meta).
      { ftpUser: 'alice', ftpPassword: 'wrong' },
    );
    expect(fromData.items).toEqual([{ status: 200 }]);

    const wrong = await run(recorder([server.url('/readme.txt').replace(':secret@', ':bad@')]));
    expect(wrong.items[0]).toMatchObject({ status: 401 });
  });

  it('refuses a missing password variable when the crawl starts', async () => {
    await expect(
      run(recorder([server.url('/')]), {
        ftpUser: 'alice',
        ftpPasswordEnv: 'ARACHNE_TEST_NO_SUCH_VARIABLE',
      }),
    ).rejects.toThrow(/ARACHNE_TEST_NO_SUCH_VARIABLE, which is not set/);
  });

  it('speaks explicit TLS on ftps:, verifying the certificate unless insecure', async () => {
    const url = server.url('/readme.txt', 'ftps');
    const insecure = await run(recorder([url, server.url('/pub/', 'ftps')]), { insecure: true });
    expect(insecure.items.map((item) => item.status)).toEqual([200, 200]);
    const readme = insecure.items.find((item) => String(item.url).endsWith('readme.txt'));
    expect(readme?.body).toBe('hello over ftp\n');

    // The server's certificate is self-signed: refused, which also shows TLS was spoken.
    const verified = await run(recorder([url]));
    expect(verified.items).toEqual([]);
    expect(verified.stats.failed).toBe(1);
    expect(Object.keys(verified.stats.errorsByCode)).toEqual(['AR_NETWORK']);
  });

  it('drops a file over maxBytes (from SIZE, before downloading) and a listing over it', async () => {
    const { stats, items } = await run(
      recorder([server.url('/big.bin'), server.url('/readme.txt'), server.url('/pub/')]),
      { maxBytes: 300 },
    );
    expect(items.map((item) => item.url)).toEqual([`ftp://127.0.0.1:${server.port}/readme.txt`]);
    expect(stats.errorsByCode).toEqual({ AR_BODY_TOO_LARGE: 2 });
  });

  it('keeps to ftpConnections sessions per host, reusing them, whatever perHost allows', async () => {
    // A relay in front of the control port counts the sessions open at once (data connections go straight to the
    // server's passive ports): pure-ftpd's own per-address limit counts every instance's sessions on this machine.
    const relay = await controlRelay(server.port);
    try {
      const paths = ['/readme.txt', '/pub/a.html', '/pub/deep/b.txt', '/pub/deep/deeper/c.txt'];
      const urls = paths.map((path) => `ftp://alice:secret@127.0.0.1:${relay.port}${path}`);
      const { stats, items } = await run(recorder([...urls, `${urls[0]}?again`]), {
        ftpConnections: 2,
        perHost: 8,
        concurrency: 8,
      });
      expect(items).toHaveLength(5);
      expect(stats.failed).toBe(0);
      expect(relay.mostAtOnce).toBeLessThanOrEqual(2);
      // At most two logins for the five files: the sessions are kept and reused.
      expect(relay.opened).toBeLessThanOrEqual(2);
      expect(items.filter((item) => item.connected)).toHaveLength(relay.opened);
    } finally {
      await relay.close();
    }
  });

  it('goes through the HTTP cache like any page: a second crawl replays it', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'arachne-ftp-cache-'));
    const first = await run(recorder([server.url('/readme.txt')]), { cache });
    const second = await run(recorder([server.url('/readme.txt')]), { cache });
    expect(first.stats.cacheMisses).toBe(1);
    expect(second.stats.cacheHits).toBe(1);
    expect(second.items[0]).toMatchObject({ status: 200, body: 'hello over ftp\n' });
  });

  it('resumes from a state file: a crawl stopped by maxPages, run again, fetches each entry exactly once', async () => {
    const state = join(await mkdtemp(join(tmpdir(), 'arachne-ftp-state-')), 'crawl.state');
    const whole = await run(siteSpider([server.url('/')]));
    const first = await run(siteSpider([server.url('/')]), { state, maxPages: 3 });
    const second = await run(siteSpider([server.url('/')]), { state });
    const urls = [...first.items, ...second.items].map((item) => String(item.url));
    expect(first.items).toHaveLength(3);
    expect(second.items.length).toBeGreaterThan(0);
    expect(urls.sort()).toEqual(whole.items.map((item) => String(item.url)).sort());
  });

  it('retries a refused connection as a network error, and succeeds once the server is there', async () => {
    const port = await freePort();
    const sink = memorySink();
    const crawler = createCrawler(recorder([`ftp://alice:secret@127.0.0.1:${port}/readme.txt`]), {
      logLevel: 'silent',
      output: sink,
      retries: 2,
    });
    let relay: ReturnType<typeof controlRelay> | undefined;
    // The first attempt is refused (nothing listens); the server comes up when the retry is scheduled.
    crawler.on('request:retried', () => {
      relay ??= controlRelay(server.port, port);
    });
    try {
      const stats = await crawler.run();
      expect(stats.retries).toBeGreaterThanOrEqual(1);
      expect(stats.failed).toBe(0);
      expect(sink.items).toMatchObject([{ status: 200, body: 'hello over ftp\n' }]);
    } finally {
      await (await relay)?.close();
    }
  });

  it('fails with AR_TIMEOUT when the server never greets within connectTimeoutMs', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const { stats } = await run(recorder([`ftp://127.0.0.1:${port}/x`]), {
        connectTimeoutMs: 300,
      });
      expect(stats.errorsByCode).toEqual({ AR_TIMEOUT: 1 });
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses a private FTP host when private addresses are denied (the SSRF guard)', async () => {
    const { stats } = await run(recorder([server.url('/readme.txt')]), { allowPrivate: false });
    expect(stats.errorsByCode).toEqual({ AR_EGRESS_DENIED: 1 });
    expect(stats.retries).toBe(0);
  });
});

/** A TCP relay to `port` on 127.0.0.1 that counts the connections it carried and the most open at once. */
async function controlRelay(port: number, listenOn = 0) {
  let open = 0;
  const counts = { opened: 0, mostAtOnce: 0 };
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    counts.opened++;
    counts.mostAtOnce = Math.max(counts.mostAtOnce, ++open);
    const upstream = net.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.once('close', () => open--);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(listenOn, '127.0.0.1', resolve));
  const { port: relayPort } = relay.address() as net.AddressInfo;
  return {
    port: relayPort,
    get opened() {
      return counts.opened;
    },
    get mostAtOnce() {
      return counts.mostAtOnce;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}
