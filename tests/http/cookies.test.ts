import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compose } from '../../src/http/compose.js';
import { CookieJar, cookies, createClient, get, type HttpClient } from '../../src/http/index.js';
import { redirect } from '../../src/http/middlewares/redirect.js';
import type { HttpRequest } from '../../src/http/request.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';

/** Every name resolves to the one test server, so cookies can be scoped by host name. */
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

/** The Cookie header each request arrived with, keyed `host path` (undefined when none was sent). */
const received = new Map<string, string | undefined>();
let server: LocalServer;
let port: number;
const url = (host: string, path: string) => `http://${host}:${port}${path}`;
const sentTo = (host: string, path: string) => received.get(`${host}:${port} ${path}`);

/** `/set?c=a%3D1%3B%20Path%3D%2Fx&c=…` sets each `c`; `/redirect?to=URL&c=…` does so on a 302 to URL. */
beforeAll(async () => {
  server = await startLocalServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://placeholder');
    received.set(`${request.headers.host} ${target.pathname}`, request.headers.cookie);
    const setCookies = target.searchParams.getAll('c');
    if (setCookies.length > 0) response.setHeader('set-cookie', setCookies);
    const to = target.searchParams.get('to');
    if (to !== null) return void response.writeHead(302, { location: to }).end();
    response.end(request.headers.cookie ?? '');
  });
  port = server.port;
});
afterAll(() => server.close());
beforeEach(() => received.clear());

const setting = (...cookieLines: string[]) =>
  `?${cookieLines.map((line) => `c=${encodeURIComponent(line)}`).join('&')}`;

function client(options: Parameters<typeof createClient>[0] = {}): HttpClient {
  return createClient({ ...options, transport: { lookup: toLoopback } });
}

describe('cookies in a client', () => {
  it('sends a cookie back after Set-Cookie, on every later request of the client', async () => {
    const api = client();
    await api.get(url('shop.test', `/login${setting('session=abc', 'theme=dark; Path=/')}`));
    expect((await api.get(url('shop.test', '/account'))).text).toBe('session=abc; theme=dark');
    // The one jar is shared with extended clients, as a Session's is.
    await api.extend({ headers: { accept: 'text/html' } }).get(url('shop.test', '/other'));
    expect(sentTo('shop.test', '/other')).toBe('session=abc; theme=dark');
    await api.close();
  });

  it('scopes cookies by path and domain', async () => {
    const api = client();
    await api.get(
      url(
        'www.shop.test',
        `/account/login${setting('inAccount=1; Path=/account', 'hostOnly=1; Path=/', 'wide=1; Domain=shop.test; Path=/')}`,
      ),
    );
    await api.get(url('www.shop.test', '/account/orders'));
    await api.get(url('www.shop.test', '/catalog'));
    await api.get(url('api.shop.test', '/v1'));
    await api.get(url('other.test', '/'));
    expect(sentTo('www.shop.test', '/account/orders')).toBe('inAccount=1; hostOnly=1; wide=1');
    expect(sentTo('www.shop.test', '/catalog')).toBe('hostOnly=1; wide=1');
    expect(sentTo('api.shop.test', '/v1')).toBe('wide=1');
    expect(sentTo('other.test', '/')).toBeUndefined();
    await api.close();
  });

  it('does not send expired or deleted cookies, nor Secure ones over plain http', async () => {
    const api = client();
    await api.get(url('shop.test', `/a${setting('keep=1', 'drop=1', 'secure=1; Secure')}`));
    await api.get(
      url(
        'shop.test',
        `/b${setting('drop=; Max-Age=0', 'past=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT')}`,
      ),
    );
    expect((await api.get(url('shop.test', '/c'))).text).toBe('keep=1');
    await api.close();
  });

  it('sends a cookie set by a 302 response with the redirected request', async () => {
    const api = client();
    const target = url('shop.test', '/landing');
    const response = await api.get(
      url('shop.test', `/go${setting('hop=1')}&to=${encodeURIComponent(target)}`),
    );
    expect(response.url).toBe(target);
    expect(response.text).toBe('hop=1');
    await api.close();
  });

  it('leaks no cookie to another host across a redirect, the caller’s Cookie header included', async () => {
    const api = client();
    await api.get(url('shop.test', `/login${setting('session=abc')}`));
    const away = url('elsewhere.test', '/landing');
    const response = await api.get(
      url('shop.test', `/out${setting('tracking=1')}&to=${encodeURIComponent(away)}`),
      { headers: { cookie: 'mine=1' } },
    );
    expect(sentTo('shop.test', '/out')).toBe('mine=1; session=abc');
    expect(response.url).toBe(away);
    expect(sentTo('elsewhere.test', '/landing')).toBeUndefined();
    // Back on the first host its cookies, the one set on the 302 too, are still there.
    await api.get(url('shop.test', '/back'));
    expect(sentTo('shop.test', '/back')).toBe('session=abc; tracking=1');
    await api.close();
  });

  it('merges with a Cookie header the caller sets, the caller winning for a name both have', async () => {
    const api = client();
    await api.get(url('shop.test', `/login${setting('session=abc', 'lang=en')}`));
    await api.get(url('shop.test', '/mine'), { headers: { cookie: 'session=override; extra=1' } });
    expect(sentTo('shop.test', '/mine')).toBe('session=override; extra=1; lang=en');
    await api.close();
  });

  it('sends and keeps none with cookies: false, for the client or for one call', async () => {
    const off = client({ cookies: false });
    await off.get(url('shop.test', `/login${setting('session=abc')}`));
    await off.get(url('shop.test', '/next'));
    expect(sentTo('shop.test', '/next')).toBeUndefined();
    await off.close();

    const on = client();
    await on.get(url('shop.test', `/login${setting('session=abc')}`));
    await on.get(url('shop.test', '/quiet'), { cookies: false });
    expect(sentTo('shop.test', '/quiet')).toBeUndefined();
    await on.close();
  });

  it('uses a CookieJar it is given, cookies stored in it before included', async () => {
    const jar = new CookieJar();
    await jar.setCookie('preset=1', url('shop.test', '/'));
    const api = client({ cookies: jar });
    await api.get(url('shop.test', `/login${setting('session=abc')}`));
    expect(sentTo('shop.test', '/login')).toBe('preset=1');
    expect(await jar.getCookieString(url('shop.test', '/'))).toBe('preset=1; session=abc');
    await api.close();
  });
});

describe('the top-level get', () => {
  it('keeps cookies across the redirects of one call, and not between calls', async () => {
    const target = url('127.0.0.1', '/landing');
    const response = await get(
      url('127.0.0.1', `/go${setting('hop=1')}&to=${encodeURIComponent(target)}`),
    );
    expect(response.text).toBe('hop=1');
    expect((await get(url('127.0.0.1', '/later'))).text).toBe('');
  });
});

describe('the cookies middleware', () => {
  let transport: Transport;
  beforeAll(() => {
    transport = createTransport({ lookup: toLoopback });
  });
  afterAll(() => transport.close());

  it('sees each redirect hop only when it sits inside redirect', async () => {
    const request = (path: string): HttpRequest => ({
      url: url('shop.test', path),
      method: 'GET',
      headers: {},
    });
    const path = `/go${setting('hop=1')}&to=${encodeURIComponent('/landing')}`;
    const inside = compose([redirect(), cookies()], (sent) => transport.send(sent));
    expect((await inside(request(path))).text).toBe('hop=1');
    // Outside, it only sees the final response: the 302's cookie is never stored.
    const outsideJar = new CookieJar();
    const outside = compose([cookies(outsideJar), redirect()], (sent) => transport.send(sent));
    expect((await outside(request(path))).text).toBe('');
    expect(await outsideJar.getCookieString(url('shop.test', '/'))).toBe('');
  });

  it('ignores a malformed Set-Cookie instead of failing the request', async () => {
    const send = compose([cookies()], (sent: HttpRequest) => transport.send(sent));
    const response = await send({
      url: url('shop.test', `/bad${setting('=', 'ok=1', 'x=1; Domain=not-this.test')}`),
      method: 'GET',
      headers: {},
    });
    expect(response.status).toBe(200);
    const next = await send({ url: url('shop.test', '/after'), method: 'GET', headers: {} });
    expect(next.text).toBe('ok=1');
  });
});
