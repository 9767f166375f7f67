import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrawlError } from '../../src/errors.js';
import { compose, type Middleware } from '../../src/http/compose.js';
import { redirect } from '../../src/http/middlewares/redirect.js';
import type { HttpRequest } from '../../src/http/request.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { type LocalServer, readBody, startLocalServer } from '../helpers/local-server.js';

interface Seen {
  url: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('redirect middleware', () => {
  let main: LocalServer;
  let other: LocalServer;
  let transport: Transport;
  const seen: Seen[] = [];

  const answer = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    seen.push({
      url: url.pathname,
      method: request.method ?? '',
      headers: request.headers,
      body: await readBody(request),
    });
    const to = url.searchParams.get('to');
    const status = Number(url.searchParams.get('status') ?? 302);
    if (url.pathname === '/loop-a')
      return void response.writeHead(302, { location: '/loop-b' }).end();
    if (url.pathname === '/loop-b')
      return void response.writeHead(301, { location: '/loop-a' }).end();
    const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
    if (chain) {
      const left = Number(chain[1]);
      if (left === 0) return void response.end('end of chain');
      return void response.writeHead(302, { location: `/chain/${left - 1}` }).end();
    }
    if (to !== null) return void response.writeHead(status, { location: to }).end();
    if (url.searchParams.has('status')) return void response.writeHead(status).end('no location');
    response.end(`final ${url.pathname}`);
  };

  beforeAll(async () => {
    main = await startLocalServer(answer);
    other = await startLocalServer(answer);
    transport = createTransport();
  });

  afterAll(async () => {
    await transport.close();
    await main.close();
    await other.close();
  });

  const send = compose([redirect()], (request: HttpRequest) => transport.send(request));
  const get = (url: string, headers: Record<string, string> = {}) =>
    send({ url, method: 'GET', headers });
  const errorCode = async (promise: Promise<unknown>) => {
    const error = await promise.catch((caught: unknown) => caught);
    return isCrawlError(error) ? error.code : error;
  };

  it('follows a chain of 5 and reports the final URL and the chain', async () => {
    const response = await get(`${main.origin}/chain/5`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('end of chain');
    expect(response.url).toBe(`${main.origin}/chain/0`);
    expect(response.redirects).toEqual([5, 4, 3, 2, 1].map((n) => `${main.origin}/chain/${n}`));
  });

  it('stops a chain of 25 with AR_TOO_MANY_REDIRECTS', async () => {
    expect(await errorCode(get(`${main.origin}/chain/25`))).toBe('AR_TOO_MANY_REDIRECTS');
  });

  it('follows exactly `max` redirects', async () => {
    const limited = compose([redirect({ max: 3 })], (request: HttpRequest) =>
      transport.send(request),
    );
    const ok = await limited({ url: `${main.origin}/chain/3`, method: 'GET', headers: {} });
    expect(ok.redirects).toHaveLength(3);
    const tooMany = limited({ url: `${main.origin}/chain/4`, method: 'GET', headers: {} });
    expect(await errorCode(tooMany)).toBe('AR_TOO_MANY_REDIRECTS');
  });

  it('detects a loop with AR_REDIRECT_LOOP', async () => {
    expect(await errorCode(get(`${main.origin}/loop-a`))).toBe('AR_REDIRECT_LOOP');
  });

  it('resolves a relative Location against the current URL', async () => {
    const response = await get(`${main.origin}/dir/page?to=${encodeURIComponent('../target?x=1')}`);
    expect(response.url).toBe(`${main.origin}/target?x=1`);
    expect(response.text).toBe('final /target');
  });

  it('refuses a non-http Location with AR_BAD_REDIRECT', async () => {
    for (const target of ['file:///etc/passwd', 'javascript:alert(1)', 'ftp://127.0.0.1/x']) {
      expect(await errorCode(get(`${main.origin}/go?to=${encodeURIComponent(target)}`))).toBe(
        'AR_BAD_REDIRECT',
      );
    }
  });

  it('returns a 3xx without Location as the final response', async () => {
    const response = await get(`${main.origin}/bare?status=302`);
    expect(response.status).toBe(302);
    expect(response.text).toBe('no location');
    expect(response.redirects).toEqual([]);
  });

  it('drops Authorization, Cookie and Proxy-Authorization when the origin changes (another port)', async () => {
    seen.length = 0;
    const target = encodeURIComponent(`${other.origin}/landing`);
    await get(`${main.origin}/go?to=${target}`, {
      authorization: 'Bearer secret',
      cookie: 'session=1',
      'proxy-authorization': 'Basic x',
      'x-kept': 'yes',
    });
    const landing = seen.find((entry) => entry.url === '/landing');
    expect(landing?.headers.authorization).toBeUndefined();
    expect(landing?.headers.cookie).toBeUndefined();
    expect(landing?.headers['proxy-authorization']).toBeUndefined();
    expect(landing?.headers['x-kept']).toBe('yes');
  });

  it('keeps credentials on a same-origin redirect', async () => {
    seen.length = 0;
    await get(`${main.origin}/go?to=/landing`, {
      authorization: 'Bearer secret',
      cookie: 'session=1',
    });
    const landing = seen.find((entry) => entry.url === '/landing');
    expect(landing?.headers.authorization).toBe('Bearer secret');
    expect(landing?.headers.cookie).toBe('session=1');
  });

  it('turns a POST into a GET without body on 303, 302 and 301', async () => {
    for (const status of [303, 302, 301]) {
      seen.length = 0;
      const response = await send({
        url: `${main.origin}/form?status=${status}&to=/done`,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      expect(response.request.method).toBe('GET');
      const done = seen.find((entry) => entry.url === '/done');
      expect(done?.method).toBe('GET');
      expect(done?.body).toBe('');
      expect(done?.headers['content-type']).toBeUndefined();
    }
  });

  it('keeps method and body on 307 and 308', async () => {
    for (const status of [307, 308]) {
      seen.length = 0;
      await send({
        url: `${main.origin}/form?status=${status}&to=/done`,
        method: 'POST',
        headers: {},
        body: 'a=1',
      });
      const done = seen.find((entry) => entry.url === '/done');
      expect(done?.method).toBe('POST');
      expect(done?.body).toBe('a=1');
    }
  });

  it('sends every hop through the middlewares after it, carrying extra request fields', async () => {
    interface TaggedRequest extends HttpRequest {
      handler: string;
      depth: number;
    }
    const observed: TaggedRequest[] = [];
    const observe: Middleware<TaggedRequest> = (request, next) => {
      observed.push(request);
      return next(request);
    };
    const tagged = compose<TaggedRequest>([redirect<TaggedRequest>(), observe], (request) =>
      transport.send(request),
    );
    const response = await tagged({
      url: `${main.origin}/chain/2`,
      method: 'GET',
      headers: {},
      handler: 'parseItem',
      depth: 3,
    });
    expect(observed.map((request) => request.url)).toEqual(
      [2, 1, 0].map((n) => `${main.origin}/chain/${n}`),
    );
    expect(
      observed.every((request) => request.handler === 'parseItem' && request.depth === 3),
    ).toBe(true);
    expect(response.redirects).toHaveLength(2);
  });
});
