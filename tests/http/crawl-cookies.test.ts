import type http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

/** The Cookie header each request arrived with, keyed `host path`. */
const received = new Map<string, string | undefined>();
let shop: LocalServer;
let other: LocalServer;
/** The second site, under another host name for the same address: cookies are per host, not per port. */
let otherOrigin: string;

function recording(
  pages: (path: string, response: http.ServerResponse) => void,
): http.RequestListener {
  return (request, response) => {
    const path = request.url ?? '/';
    received.set(`${request.headers.host} ${path}`, request.headers.cookie);
    response.setHeader('content-type', 'text/html');
    pages(path, response);
  };
}

beforeAll(async () => {
  other = await startLocalServer(recording((path, response) => response.end(`<p>${path}</p>`)));
  otherOrigin = `http://localhost:${other.port}`;
  shop = await startLocalServer(
    recording((path, response) => {
      if (path === '/') {
        return void response
          .writeHead(302, { location: '/home', 'set-cookie': 'sid=1; Path=/' })
          .end();
      }
      if (path === '/away') {
        return void response
          .writeHead(302, { location: `${otherOrigin}/landing`, 'set-cookie': 'hop=2; Path=/' })
          .end();
      }
      if (path === '/home') {
        return void response.end(
          `<a href="/page">p</a> <a href="/away">away</a> <a href="${otherOrigin}/other">o</a>`,
        );
      }
      response.end(`<p>${path}</p>`);
    }),
  );
});
afterAll(async () => {
  await shop.close();
  await other.close();
});
beforeEach(() => received.clear());

const sentTo = (origin: string, path: string) => received.get(`${new URL(origin).host} ${path}`);

const spider = () =>
  defineSpider({
    name: 'cookies',
    start: [`${shop.origin}/`],
    allowedDomains: ['127.0.0.1', 'localhost'],
    *parse(page) {
      yield { url: page.url };
      for (const link of page.links()) yield page.follow(link);
    },
  });

describe('cookies in a crawl', () => {
  it('keeps cookies by default: set on a 302, sent on the redirected request and after', async () => {
    const stats = await crawl(spider(), { logLevel: 'silent', robots: false });
    expect(stats.items).toBe(4);
    expect(sentTo(shop.origin, '/')).toBeUndefined();
    expect(sentTo(shop.origin, '/home')).toBe('sid=1');
    expect(sentTo(shop.origin, '/page')).toMatch(/^sid=1(; hop=2)?$/);
  });

  it('sends none of them to another host, even straight after a redirect that set one', async () => {
    await crawl(spider(), { logLevel: 'silent', robots: false });
    expect(received.has(`localhost:${other.port} /landing`)).toBe(true);
    expect(sentTo(otherOrigin, '/landing')).toBeUndefined();
    expect(sentTo(otherOrigin, '/other')).toBeUndefined();
  });

  it('sends none with cookies: false', async () => {
    const stats = await crawl(spider(), { logLevel: 'silent', robots: false, cookies: false });
    expect(stats.items).toBe(4);
    expect([...received.values()].every((cookie) => cookie === undefined)).toBe(true);
  });
});

describe('arachne crawl --no-cookies', () => {
  it('sends no cookie, where the same crawl without the flag does', async () => {
    const args = [
      'crawl',
      `${shop.origin}/`,
      '--no-robots',
      '--no-progress',
      '--log-level',
      'error',
    ];
    const withCookies = await runCli(args);
    expect(withCookies.code, withCookies.stderr).toBe(0);
    expect(sentTo(shop.origin, '/home')).toBe('sid=1');
    received.clear();
    const without = await runCli([...args, '--no-cookies']);
    expect(without.code, without.stderr).toBe(0);
    expect(received.has(`${new URL(shop.origin).host} /page`)).toBe(true);
    expect([...received.values()].every((cookie) => cookie === undefined)).toBe(true);
  });
});
