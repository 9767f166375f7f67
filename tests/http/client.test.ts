import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, HttpError, isCrawlError } from '../../src/errors.js';
import { createClient, get, type HttpClient, post } from '../../src/http/index.js';
import { version } from '../../src/version.js';
import { type LocalServer, readBody, startLocalServer } from '../helpers/local-server.js';

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

describe('client', () => {
  let server: LocalServer;
  let client: HttpClient;
  let flaky = 0;

  beforeAll(async () => {
    server = await startLocalServer(async (request, response) => {
      if (request.url === '/missing') return void response.writeHead(404).end('nope');
      if (request.url === '/moved')
        return void response.writeHead(301, { location: '/echo' }).end();
      if (request.url === '/flaky' && flaky++ === 0) return void response.writeHead(502).end();
      const echo: Echo = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers as Record<string, string>,
        body: await readBody(request),
      };
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(echo));
    });
    client = createClient({ baseUrl: `${server.origin}/api/` });
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('joins baseUrl and a relative path, and appends params (arrays repeat, undefined skipped)', async () => {
    const echo = (
      await client.get('/items?sort=asc', {
        params: { page: 2, tag: ['a', 'b'], skip: undefined, q: 'x y' },
      })
    ).json<Echo>();
    expect(echo.url).toBe('/api/items?sort=asc&page=2&tag=a&tag=b&q=x+y');
  });

  it('sends a default User-Agent with the package version', async () => {
    const echo = (await client.get('ua')).json<Echo>();
    expect(echo.headers['user-agent']).toBe(`arachne/${version}`);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lets userAgent and headers override the defaults', async () => {
    const echo = (await client.get('ua', { userAgent: 'bot/2' })).json<Echo>();
    expect(echo.headers['user-agent']).toBe('bot/2');
    const explicit = (
      await client.get('ua', { headers: { 'User-Agent': 'header/1' } })
    ).json<Echo>();
    expect(explicit.headers['user-agent']).toBe('header/1');
  });

  it('posts json with its content type', async () => {
    const echo = (await client.post('things', { json: { name: 'araignée', n: 1 } })).json<Echo>();
    expect(echo.method).toBe('POST');
    expect(JSON.parse(echo.body)).toEqual({ name: 'araignée', n: 1 });
    expect(echo.headers['content-type']).toBe('application/json');
  });

  it('posts a url-encoded form', async () => {
    const echo = (await client.post('form', { form: { a: 1, b: 'x&y' } })).json<Echo>();
    expect(echo.body).toBe('a=1&b=x%26y');
    expect(echo.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('refuses two body kinds at once with a ConfigError', async () => {
    await expect(client.post('x', { json: {}, body: 'raw' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('supports put, delete and head', async () => {
    expect((await client.put('p', { body: 'data' })).json<Echo>()).toMatchObject({
      method: 'PUT',
      body: 'data',
    });
    expect((await client.delete('d')).json<Echo>().method).toBe('DELETE');
    const head = await client.head('h');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('returns 4xx responses unless throwHttpErrors is set', async () => {
    expect((await client.get(`${server.origin}/missing`)).status).toBe(404);
    const error = await client
      .get(`${server.origin}/missing`, { throwHttpErrors: true })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(404);
  });

  it('follows redirects, and returns the 3xx when maxRedirects is 0', async () => {
    const followed = await client.get(`${server.origin}/moved`);
    expect(followed.url).toBe(`${server.origin}/echo`);
    expect(followed.redirects).toEqual([`${server.origin}/moved`]);
    const notFollowed = await client.get(`${server.origin}/moved`, { maxRedirects: 0 });
    expect(notFollowed.status).toBe(301);
  });

  it('retries a 502 once by default', async () => {
    flaky = 0;
    const response = await client.get(`${server.origin}/flaky`);
    expect(response.status).toBe(200);
    expect(flaky).toBe(2);
  });

  it('extends: merges headers and params, keeps the rest, shares the pool', async () => {
    const authed = client.extend({ headers: { Authorization: 'Bearer t' }, params: { v: 1 } });
    const more = authed.extend({ headers: { 'x-extra': '1' }, params: { lang: 'fr' } });
    const echo = (await more.get('deep')).json<Echo>();
    expect(echo.url).toBe('/api/deep?v=1&lang=fr');
    expect(echo.headers.authorization).toBe('Bearer t');
    expect(echo.headers['x-extra']).toBe('1');
    const removed = (
      await more.get('deep', { headers: { authorization: undefined } })
    ).json<Echo>();
    expect(removed.headers.authorization).toBeUndefined();
  });

  it('rejects a relative URL without baseUrl with AR_BAD_URL', async () => {
    const bare = createClient();
    try {
      const error = await bare.get('/relative').catch((caught: unknown) => caught);
      expect(isCrawlError(error) && error.code).toBe('AR_BAD_URL');
    } finally {
      await bare.close();
    }
  });

  it('applies timeoutMs', async () => {
    const slow = await startLocalServer(() => {});
    const quick = createClient({ timeoutMs: 200, retries: 0 });
    try {
      const error = await quick.get(`${slow.origin}/`).catch((caught: unknown) => caught);
      expect(isCrawlError(error) && error.code).toBe('AR_TIMEOUT');
    } finally {
      await quick.close();
      await slow.close();
    }
  });

  it('runs user middlewares on every request', async () => {
    const tagged = client.extend({
      middlewares: [
        (request, next) => next({ ...request, headers: { ...request.headers, 'x-mw': 'on' } }),
      ],
    });
    expect((await tagged.get('mw')).json<Echo>().headers['x-mw']).toBe('on');
  });

  it('offers top-level get and post on a shared client', async () => {
    expect((await get(`${server.origin}/top`, { params: { a: 1 } })).json<Echo>().url).toBe(
      '/top?a=1',
    );
    expect((await post(`${server.origin}/top`, { body: 'b' })).json<Echo>().body).toBe('b');
  });
});
