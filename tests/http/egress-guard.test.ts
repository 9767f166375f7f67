import net, { type LookupFunction } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { crawlScope } from '../../src/crawler/crawl-scope.js';
import { CrawlEmitter } from '../../src/crawler/events.js';
import { createRequest } from '../../src/crawler/request.js';
import { seedFromSitemaps } from '../../src/crawler/sitemap-seeds.js';
import { EgressDeniedError, isCrawlError } from '../../src/errors.js';
import { compose } from '../../src/http/compose.js';
import { EgressGuard } from '../../src/http/egress-guard.js';
import { createClient, isPrivateAddress, isRetryableError } from '../../src/http/index.js';
import { redirect } from '../../src/http/middlewares/redirect.js';
import type { HttpRequest } from '../../src/http/request.js';
import { createTransport, type TransportConfig } from '../../src/http/transport.js';
import { crawl, defineSpider } from '../../src/index.js';
import { RobotsCache } from '../../src/robots/index.js';
import {
  type Handler,
  type LocalServer,
  startLocalServer,
  startRawServer,
} from '../helpers/local-server.js';
import { within } from '../helpers/wait.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An HTTP(S) server on `host`, port 0, counting connections and logging request paths. */
function site(
  host: string,
  handler: Handler = (_req, res) => res.end('ok'),
  tls = false,
): Promise<LocalServer> {
  return startLocalServer(handler, { host, tls });
}

function guarded(extra: Partial<TransportConfig> = {}) {
  const transport = createTransport({ egress: { allowPrivate: false }, ...extra });
  closers.push(() => transport.close());
  return transport;
}

const get = (url: string): HttpRequest => ({ url, method: 'GET', headers: {} });

/** Rejects with the error the promise rejects with, or fails the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** A resolver for made-up names; `answers` is consulted on every call, so a test can change it (rebinding). */
function fakeDns(answers: Record<string, string[]>): LookupFunction & { calls: number } {
  const lookup = ((hostname, options, callback) => {
    lookup.calls++;
    const addresses = (answers[hostname] ?? []).map((address) => ({
      address,
      family: net.isIP(address),
    }));
    if (addresses.length === 0) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
      });
      callback(error, '');
    } else if (options.all) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
  }) as LookupFunction & { calls: number };
  lookup.calls = 0;
  return lookup;
}

describe('isPrivateAddress', () => {
  it('flags loopback, private, link-local, CGNAT, multicast and reserved IPv4 ranges', () => {
    for (const ip of [
      '0.0.0.0',
      '0.1.2.3',
      '127.0.0.1',
      '127.255.255.254',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.255',
      '192.0.0.8',
      '198.18.0.1',
      '198.19.255.255',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
  });

  it('flags IPv6 loopback, unspecified, unique-local, link-local, multicast and IPv4-embedding forms', () => {
    for (const ip of [
      '::',
      '::1',
      '[::1]',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fe80::1%eth0',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '::ffff:10.0.0.1',
      '64:ff9b::127.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::',
      '2002:c0a8:101::1',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
  });

  it('flags the IPv4-translated range ::ffff:0:0:0/96 and the local-use NAT64 range 64:ff9b:1::/48 outright', () => {
    for (const ip of [
      '::ffff:0:127.0.0.1',
      '::ffff:0:7f00:1',
      '::ffff:0:10.0.0.1',
      '::ffff:0:8.8.8.8', // translated addresses only exist inside SIIT networks: never a public target
      '64:ff9b:1::7f00:1',
      '64:ff9b:1::8.8.8.8',
      '64:ff9b:1:ffff::1',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
  });

  it('lets public addresses and host names through', () => {
    for (const ip of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.216.34',
      '172.32.0.1',
      '100.128.0.1',
      '169.255.0.1',
      '11.0.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::8.8.8.8',
      '2002:808:808::',
      'example.com',
      'localhost',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(false);
    }
  });
});

describe('the egress guard in the transport', () => {
  it('refuses 127.0.0.1 before any connection reaches the server, with a coded, non-retryable error', async () => {
    const local = await site('127.0.0.1');
    const error = await failure(guarded().send(get(`${local.origin}/`)));
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect(isCrawlError(error) && error.code).toBe('AR_EGRESS_DENIED');
    expect(error.message).toContain('127.0.0.1');
    expect(isRetryableError(error)).toBe(false);
    expect(isRetryableError(error, ['AR_EGRESS_DENIED', 'AR_NETWORK'])).toBe(false);
    expect(local.connections).toBe(0);
  });

  it('refuses the cloud metadata address 169.254.169.254 without trying to connect', async () => {
    const error = await failure(guarded().send(get('http://169.254.169.254/latest/meta-data/')));
    expect(isCrawlError(error) && error.code).toBe('AR_EGRESS_DENIED');
    expect(error.message).toContain('169.254.169.254');
  });

  it('refuses decimal, hex, octal and shortened IPv4 literals, which the URL parser turns into 127.0.0.1', async () => {
    const local = await site('127.0.0.1');
    const transport = guarded();
    for (const host of [
      '2130706433',
      '0x7f000001',
      '0x7f.1',
      '0177.0.0.1',
      '017700000001',
      '127.1',
    ]) {
      const url = `http://${host}:${local.port}/`;
      expect(new URL(url).hostname).toBe('127.0.0.1');
      const error = await failure(transport.send(get(url)));
      expect(isCrawlError(error) && error.code, url).toBe('AR_EGRESS_DENIED');
    }
    expect(local.connections).toBe(0);
  });

  it('refuses ::1 and IPv4-mapped IPv6 literals', async () => {
    const v6 = await site('::1');
    const v4 = await site('127.0.0.1');
    const transport = guarded();
    const loopback = await failure(transport.send(get(`http://[::1]:${v6.port}/`)));
    const mapped = await failure(transport.send(get(`http://[::ffff:127.0.0.1]:${v4.port}/`)));
    expect(isCrawlError(loopback) && loopback.code).toBe('AR_EGRESS_DENIED');
    expect(isCrawlError(mapped) && mapped.code).toBe('AR_EGRESS_DENIED');
    expect(v6.connections + v4.connections).toBe(0);
  });

  it('refuses IPv4-translated and local-use NAT64 literals before connecting', async () => {
    const transport = guarded();
    for (const url of ['http://[::ffff:0:127.0.0.1]/', 'http://[64:ff9b:1::7f00:1]/']) {
      const error = await failure(transport.send(get(url)));
      expect(isCrawlError(error) && error.code, url).toBe('AR_EGRESS_DENIED');
    }
  });

  it('refuses a host name that resolves to 127.0.0.1, for http and https alike', async () => {
    const plain = await site('127.0.0.1');
    const secure = await site('127.0.0.1', undefined, true);
    const lookup = fakeDns({ 'public.test': ['127.0.0.1'] });
    const transport = guarded({ lookup, tls: { rejectUnauthorized: false } });
    const viaHttp = await failure(transport.send(get(`http://public.test:${plain.port}/`)));
    const viaHttps = await failure(transport.send(get(`https://public.test:${secure.port}/`)));
    for (const error of [viaHttp, viaHttps]) {
      expect(isCrawlError(error) && error.code).toBe('AR_EGRESS_DENIED');
      expect(error.message).toContain('public.test');
      expect(error.message).toContain('127.0.0.1');
    }
    expect(lookup.calls).toBeGreaterThanOrEqual(2);
    expect(plain.connections + secure.connections).toBe(0);
  });

  it('refuses localhost through the system resolver', async () => {
    const local = await site('127.0.0.1');
    const error = await failure(guarded().send(get(`http://localhost:${local.port}/`)));
    expect(isCrawlError(error) && error.code).toBe('AR_EGRESS_DENIED');
    expect(local.connections).toBe(0);
  });

  it('checks every new connection, so a name rebound to a private address after a first visit is refused', async () => {
    // Connection: close forces a second connection, hence a second lookup.
    const public_ = await site('127.0.0.2', (_req, res) => {
      res.setHeader('connection', 'close');
      res.end('public');
    });
    const internal = await site('127.0.0.1');
    const answers = { 'rebind.test': ['127.0.0.2'] };
    const transport = guarded({
      lookup: fakeDns(answers),
      egress: { allowPrivate: false, allow: ['127.0.0.2'] },
    });
    expect((await transport.send(get(`http://rebind.test:${public_.port}/`))).text).toBe('public');
    answers['rebind.test'] = ['127.0.0.1'];
    const error = await failure(transport.send(get(`http://rebind.test:${internal.port}/`)));
    expect(isCrawlError(error) && error.code).toBe('AR_EGRESS_DENIED');
    expect(internal.connections).toBe(0);
  });

  it('connects to the allowed address when a name resolves to both a private and an allowed one', async () => {
    const allowed = await site('127.0.0.2', (_req, res) => res.end('allowed'));
    const lookup = fakeDns({ 'mixed.test': ['127.0.0.1', '127.0.0.2'] });
    const transport = guarded({ lookup, egress: { allowPrivate: false, allow: ['127.0.0.2/32'] } });
    const response = await transport.send(get(`http://mixed.test:${allowed.port}/`));
    expect(response.text).toBe('allowed');
  });

  it('refuses a redirect from a public site to 127.0.0.1, and the redirect is not retried', async () => {
    const internal = await site('127.0.0.1');
    const public_ = await site('127.0.0.2', (_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/admin` }).end();
    });
    const client = createClient({
      retries: 2,
      transport: { egress: { allowPrivate: false, allow: ['127.0.0.2'] } },
    });
    closers.push(() => client.close());
    const error = await failure(client.get(`${public_.origin}/`));
    expect(isCrawlError(error) && error.code).toBe('AR_EGRESS_DENIED');
    expect(public_.paths).toEqual(['/']);
    expect(internal.connections).toBe(0);
  });

  it('covers robots.txt fetches, including a robots.txt that redirects to a private address', async () => {
    const internal = await site('127.0.0.1', (_req, res) => res.end('User-agent: *\nAllow: /\n'));
    const public_ = await site('127.0.0.2', (_req, res) => {
      res.writeHead(301, { location: `http://127.0.0.1:${internal.port}/robots.txt` }).end();
    });
    const transport = guarded({ egress: { allowPrivate: false, allow: ['127.0.0.2'] } });
    const cache = new RobotsCache({
      userAgent: 'arachne-test',
      fetch: async (url) => {
        const response = await transport.send(get(url));
        return { status: response.status, headers: response.headers, body: response.text };
      },
    });
    const direct = await cache.load(internal.origin);
    const redirected = await cache.load(public_.origin);
    expect(direct.state).toBe('unreachable');
    expect(direct.reason).toContain('Egress denied');
    expect(redirected.state).toBe('unreachable');
    expect(public_.paths).toEqual(['/robots.txt']);
    expect(internal.connections).toBe(0);
  });

  it("covers sitemap fetches named by a public site's robots.txt", async () => {
    const internal = await site('127.0.0.1', (_req, res) => res.end('<urlset/>'));
    const public_ = await site('127.0.0.2', (req, res) => {
      if (req.url === '/robots.txt') {
        res.end(
          `User-agent: *\nAllow: /\nSitemap: http://127.0.0.1:${internal.port}/sitemap.xml\n`,
        );
      } else res.writeHead(404).end();
    });
    const transport = guarded({ egress: { allowPrivate: false, allow: ['127.0.0.2'] } });
    const send = (request: HttpRequest) => transport.send(request);
    const cache = new RobotsCache({
      userAgent: 'arachne-test',
      fetch: async (url) => {
        const response = await send(get(url));
        return { status: response.status, headers: response.headers, body: response.text };
      },
    });
    const seeds = await seedFromSitemaps({
      start: [createRequest(`${public_.origin}/`)],
      robotsCache: cache,
      download: compose([redirect()], send),
      inScope: crawlScope({ startUrls: [], spiderDomains: ['127.0.0.2'] }),
      events: new CrawlEmitter(),
    });
    expect(seeds).toEqual([]);
    expect(public_.paths).toEqual(['/robots.txt']);
    expect(internal.connections).toBe(0);
  });

  it('checks the peer address of an established connection before undici may write to it', async () => {
    // A connector that lands on 127.0.0.1 whatever it was asked: the socket-level check still refuses it.
    let bytes = 0;
    let hungUp: () => void = () => {};
    const closedOnServer = new Promise<void>((resolve) => {
      hungUp = resolve;
    });
    const server = await startRawServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      socket.on('close', () => hungUp());
    });
    const { buildConnector } = await import('undici');
    const base = buildConnector({});
    const misdirecting: typeof base = (options, callback) =>
      base({ ...options, hostname: '127.0.0.1' }, callback);
    const connect = new EgressGuard({ allowPrivate: false }).connector(misdirecting);
    const error = await new Promise<Error | null>((resolve) =>
      connect(
        { hostname: 'public.test', protocol: 'http:', port: String(server.port) },
        (...args) => {
          args[1]?.destroy();
          resolve(args[0]);
        },
      ),
    );
    expect(isCrawlError(error) && error.code).toBe('AR_EGRESS_DENIED');
    expect(error?.message).toContain('127.0.0.1');
    // Once the server's end of the connection has closed, any request written before the hang-up has arrived.
    await within(closedOnServer, 5_000, 'the refused connection to close on the server side');
    expect(server.connections).toBe(1);
    expect(bytes).toBe(0);
  });

  it('still reaches 127.0.0.1 by default and with allowPrivate true', async () => {
    const local = await site('127.0.0.1', (_req, res) => res.end('hello'));
    for (const config of [{}, { egress: { allowPrivate: true } }]) {
      const transport = createTransport(config);
      closers.push(() => transport.close());
      expect((await transport.send(get(`${local.origin}/`))).text).toBe('hello');
    }
  });

  it('rejects a malformed allow entry, and a custom dispatcher it could not guard', async () => {
    const { Agent } = await import('undici');
    expect(() =>
      createTransport({ egress: { allowPrivate: false, allow: ['localhost'] } }),
    ).toThrow(expect.objectContaining({ code: 'AR_CONFIG' }));
    expect(() =>
      createTransport({ egress: { allowPrivate: false, allow: ['10.0.0.0/33'] } }),
    ).toThrow(expect.objectContaining({ code: 'AR_CONFIG' }));
    const agent = new Agent();
    closers.push(() => agent.close());
    expect(() => createTransport({ dispatcher: agent, egress: { allowPrivate: false } })).toThrow(
      expect.objectContaining({ code: 'AR_CONFIG' }),
    );
  });
});

describe('a crawl with allowPrivate false', () => {
  const spider = (start: string) =>
    defineSpider({
      name: 'egress',
      start: [start],
      *parse(page) {
        yield { url: page.url };
      },
    });

  it('never connects to a local server: not for pages, robots.txt or sitemaps', async () => {
    const local = await site('127.0.0.1', (_req, res) => res.end('<a href="/x">x</a>'));
    const withoutRobots = await crawl(spider(`${local.origin}/`), {
      logLevel: 'silent',
      allowPrivate: false,
      robots: false,
    });
    expect(withoutRobots.errorsByCode).toEqual({ AR_EGRESS_DENIED: 1 });
    expect(withoutRobots.retries).toBe(0);
    expect(withoutRobots.items).toBe(0);
    // With robots.txt on, its fetch is refused too, and the page fails with the egress code, not as robots-denied.
    const withRobots = await crawl(spider(`${local.origin}/`), {
      logLevel: 'silent',
      allowPrivate: false,
      sitemaps: true,
    });
    expect(withRobots.items).toBe(0);
    expect(withRobots.errorsByCode).toEqual({ AR_EGRESS_DENIED: 1 });
    expect(withRobots.robotsDenied).toBe(0);
    expect(local.connections).toBe(0);
  });

  it('crawls the same local server by default', async () => {
    const local = await site('127.0.0.1', (_req, res) => res.end('<p>hi</p>'));
    const stats = await crawl(spider(`${local.origin}/`), { logLevel: 'silent', robots: false });
    expect(stats.items).toBe(1);
    expect(local.connections).toBeGreaterThan(0);
  });
});
