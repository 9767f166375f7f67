import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CacheEvent,
  type CacheMiddlewareOptions,
  cacheMiddleware,
} from '../../src/cache/cache-middleware.js';
import { SqliteCacheStore } from '../../src/cache/sqlite-store.js';
import type { CacheStore } from '../../src/cache/store.js';
import { compose, type Middleware } from '../../src/http/compose.js';
import { redirect } from '../../src/http/middlewares/redirect.js';
import type { HttpRequest } from '../../src/http/request.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { binaryBody } from '../contracts/cache-store.contract.js';
import { type LocalServer, readBody, startLocalServer } from '../helpers/local-server.js';

interface Hit {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
}

const LAST_MODIFIED = new Date(Date.parse('2024-01-01T00:00:00Z')).toUTCString();
const binary = binaryBody(4096);

describe('cacheMiddleware', () => {
  let server: LocalServer;
  let transport: Transport;
  let dir = '';
  const hits: Hit[] = [];
  let version = 1;
  // The test's clock runs ahead by `offset` ms; the server's Date headers follow it, as a real origin's would.
  let offset = 0;
  const now = () => Date.now() + offset;

  const answer = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    await readBody(request);
    hits.push({ path, method: request.method ?? '', headers: request.headers });
    response.setHeader('date', new Date(now()).toUTCString());
    const etag = `"v${version}"`;
    switch (path) {
      case '/fresh':
        return void response
          .writeHead(200, { 'cache-control': 'max-age=60', etag })
          .end(`fresh ${version}`);
      case '/etag':
        if (request.headers['if-none-match'] === etag) {
          return void response
            .writeHead(304, { 'cache-control': 'max-age=60', etag, 'x-revalidated': 'yes' })
            .end();
        }
        return void response
          .writeHead(200, { 'cache-control': 'max-age=60', etag })
          .end(`etag body ${version}`);
      case '/last-modified':
        if (request.headers['if-modified-since'] === LAST_MODIFIED)
          return void response.writeHead(304).end();
        return void response
          .writeHead(200, { 'cache-control': 'no-cache', 'last-modified': LAST_MODIFIED })
          .end('dated body');
      case '/no-store':
        return void response.writeHead(200, { 'cache-control': 'no-store', etag }).end('secret');
      case '/unavailable':
        return void response.writeHead(503, { 'cache-control': 'max-age=600' }).end('busy');
      case '/binary':
        return void response
          .writeHead(200, { 'content-type': 'application/octet-stream' })
          .end(binary);
      case '/old':
        return void response.writeHead(301, { location: '/new' }).end();
      case '/cookie':
        return void response
          .writeHead(200, { 'set-cookie': ['a=1; Path=/', 'b=2'] })
          .end('with cookies');
      default:
        return void response
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(`page ${path} v${version}`);
    }
  };

  beforeAll(async () => {
    server = await startLocalServer((request, response) => void answer(request, response));
    transport = createTransport();
    dir = mkdtempSync(join(tmpdir(), 'arachne-cache-mw-'));
  });
  afterAll(async () => {
    await transport.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    hits.length = 0;
    version = 1;
    offset = 0;
  });

  /** One "run": a fresh store handle on `file`, a download function through redirect + cache, and its events. */
  function run(file: string, options: Omit<CacheMiddlewareOptions, 'onEvent'>) {
    const store: CacheStore = SqliteCacheStore.open(join(dir, file));
    const events: CacheEvent[] = [];
    const middlewares: Middleware[] = [
      redirect(),
      cacheMiddleware(store, { ...options, onEvent: (event) => events.push(event) }),
    ];
    const download = compose(middlewares, (request: HttpRequest) => transport.send(request));
    const get = (path: string, init: Partial<HttpRequest> = {}) =>
      download({ url: `${server.origin}${path}`, method: 'GET', headers: {}, ...init });
    const count = (event: CacheEvent) => events.filter((seen) => seen === event).length;
    return { store, events, get, count };
  }

  describe("policy 'always'", () => {
    it('serves a second run entirely from the cache: zero server hits, same responses, zero timings', async () => {
      const paths = ['/', '/a', '/binary', '/old', '/no-store', '/cookie'];
      const first = run('always.sqlite', { policy: 'always' });
      const live = [];
      for (const path of paths) live.push(await first.get(path));
      await first.store.close();
      expect(hits.length).toBe(paths.length + 1); // + the redirect's second hop
      expect(first.count('miss')).toBe(7);
      expect(first.count('stored')).toBe(7);

      const second = run('always.sqlite', { policy: 'always' });
      const replayed = [];
      for (const path of paths) replayed.push(await second.get(path));
      expect(hits.length).toBe(paths.length + 1);
      expect(second.count('hit')).toBe(7);
      expect(second.count('miss')).toBe(0);
      for (const [index, response] of replayed.entries()) {
        const original = live[index];
        expect(response.status).toBe(original?.status);
        expect(response.url).toBe(original?.url);
        expect(response.redirects).toEqual(original?.redirects);
        expect(response.body.equals(original?.body ?? Buffer.alloc(0))).toBe(true);
        expect(response.headers['x-arachne-cache']).toBe('hit');
        expect(original?.headers['x-arachne-cache']).toBe('miss');
        expect(response.timings).toEqual({
          dnsMs: 0,
          connectMs: 0,
          tlsMs: 0,
          firstByteMs: 0,
          totalMs: 0,
        });
      }
      const moved = replayed[paths.indexOf('/old')];
      expect(moved?.url).toBe(`${server.origin}/new`);
      expect(moved?.redirects).toEqual([`${server.origin}/old`]);
      expect(replayed[paths.indexOf('/cookie')]?.headers['set-cookie']).toBe('a=1; Path=/\nb=2');
      await second.store.close();
    });

    it('does not store retryable statuses, so a transient 503 is fetched again', async () => {
      const { store, get, count } = run('always-503.sqlite', { policy: 'always' });
      expect((await get('/unavailable')).status).toBe(503);
      expect((await get('/unavailable')).status).toBe(503);
      expect(hits.length).toBe(2);
      expect(count('skipped')).toBe(2);
      await store.close();
    });

    it('refetches entries older than maxAgeMs', async () => {
      const { store, get, count } = run('always-max-age.sqlite', {
        policy: 'always',
        maxAgeMs: 60_000,
        now,
      });
      await get('/page');
      offset += 59_000;
      expect((await get('/page')).headers['x-arachne-cache']).toBe('hit');
      offset += 2000;
      version = 2;
      const refreshed = await get('/page');
      expect(refreshed.headers['x-arachne-cache']).toBe('miss');
      expect(refreshed.body.toString()).toBe('page /page v2');
      expect([count('hit'), count('miss'), hits.length]).toEqual([1, 2, 2]);
      await store.close();
    });

    it('lets other methods and requests with their own conditional headers through untouched', async () => {
      const { store, get, events } = run('always-methods.sqlite', { policy: 'always' });
      await get('/form', { method: 'POST', body: 'a=1' });
      await get('/form', { method: 'POST', body: 'a=1' });
      await get('/page', { headers: { 'if-none-match': '"x"' } });
      await get('/page', { headers: { 'if-none-match': '"x"' } });
      expect(hits.length).toBe(4);
      expect(events).toEqual([]);
      await store.close();
    });

    it('keys GET and HEAD apart', async () => {
      const { store, get } = run('always-head.sqlite', { policy: 'always' });
      await get('/page', { method: 'HEAD' });
      const full = await get('/page');
      expect(full.body.toString()).toBe('page /page v1');
      expect((await get('/page', { method: 'HEAD' })).headers['x-arachne-cache']).toBe('hit');
      expect(hits.map((hit) => hit.method)).toEqual(['HEAD', 'GET']);
      await store.close();
    });
  });

  describe("policy 'http'", () => {
    it('serves a response within its max-age from the cache', async () => {
      const { store, get, count } = run('http-fresh.sqlite', { policy: 'http' });
      await get('/fresh');
      version = 2;
      const second = await get('/fresh');
      expect(second.body.toString()).toBe('fresh 1');
      expect(second.headers['x-arachne-cache']).toBe('hit');
      expect(hits.length).toBe(1);
      expect([count('miss'), count('stored'), count('hit')]).toEqual([1, 1, 1]);
      await store.close();
    });

    it('revalidates a stale entry with If-None-Match and serves the stored body on 304', async () => {
      const { store, get, count } = run('http-etag.sqlite', { policy: 'http', now });
      await get('/etag');
      offset += 120_000;
      const revalidated = await get('/etag');
      expect(hits.map((hit) => hit.headers['if-none-match'])).toEqual([undefined, '"v1"']);
      expect(revalidated.status).toBe(200);
      expect(revalidated.body.toString()).toBe('etag body 1');
      expect(revalidated.headers['x-arachne-cache']).toBe('revalidated');
      expect(revalidated.headers['x-revalidated']).toBe('yes');
      // The refreshed entry is fresh again: no third request.
      expect((await get('/etag')).headers['x-arachne-cache']).toBe('hit');
      expect(hits.length).toBe(2);
      expect([count('miss'), count('revalidated'), count('hit'), count('stored')]).toEqual([
        1, 1, 1, 2,
      ]);
      await store.close();
    });

    it('takes the new body when the stale entry changed on the server', async () => {
      const { store, get, count } = run('http-changed.sqlite', { policy: 'http', now });
      await get('/etag');
      offset += 120_000;
      version = 2;
      const changed = await get('/etag');
      expect(changed.body.toString()).toBe('etag body 2');
      expect(changed.headers['x-arachne-cache']).toBe('miss');
      expect(changed.request.headers['if-none-match']).toBeUndefined();
      expect((await get('/etag')).body.toString()).toBe('etag body 2');
      expect([count('miss'), count('hit'), hits.length]).toEqual([2, 1, 2]);
      await store.close();
    });

    it('revalidates a no-cache response with If-Modified-Since every time', async () => {
      const { store, get, count } = run('http-last-modified.sqlite', { policy: 'http' });
      await get('/last-modified');
      const second = await get('/last-modified');
      const third = await get('/last-modified');
      expect(hits.map((hit) => hit.headers['if-modified-since'])).toEqual([
        undefined,
        LAST_MODIFIED,
        LAST_MODIFIED,
      ]);
      expect(second.body.toString()).toBe('dated body');
      expect(third.headers['x-arachne-cache']).toBe('revalidated');
      expect([count('revalidated'), count('hit')]).toEqual([2, 0]);
      await store.close();
    });

    it('never stores a no-store response', async () => {
      const { store, get, count } = run('http-no-store.sqlite', { policy: 'http' });
      await get('/no-store');
      await get('/no-store');
      expect(hits.length).toBe(2);
      expect(hits[1]?.headers['if-none-match']).toBeUndefined();
      expect([count('stored'), count('skipped')]).toEqual([0, 2]);
      const listed = [];
      for await (const entry of store.list()) listed.push(entry);
      expect(listed).toEqual([]);
      await store.close();
    });

    it('goes to the server when the request asks for no-cache, and answers only-if-cached misses with 504', async () => {
      const { store, get } = run('http-request-directives.sqlite', { policy: 'http' });
      await get('/fresh');
      await get('/fresh', { headers: { 'cache-control': 'no-cache' } });
      expect(hits.map((hit) => hit.headers['if-none-match'])).toEqual([undefined, '"v1"']);
      const offline = await get('/never-fetched', {
        headers: { 'cache-control': 'only-if-cached' },
      });
      expect(offline.status).toBe(504);
      expect(hits.length).toBe(2);
      await store.close();
    });
  });

  describe("policies 'record' and 'offline'", () => {
    it('record fetches every time and replaces the entry; offline replays it with no request sent', async () => {
      const recording = run('record.sqlite', { policy: 'record' });
      expect((await recording.get('/a')).body.toString()).toBe('page /a v1');
      version = 2;
      // Stored already, yet fetched again: a recording is of the site as it is now.
      expect((await recording.get('/a')).body.toString()).toBe('page /a v2');
      expect(hits.length).toBe(2);
      expect(recording.count('stored')).toBe(2);
      await recording.store.close();

      offset = 365 * 86_400_000; // a year later: offline, age does not matter
      const offline = run('record.sqlite', { policy: 'offline', now });
      const replayed = await offline.get('/a');
      expect(replayed.body.toString()).toBe('page /a v2');
      expect(replayed.headers['x-arachne-cache']).toBe('hit');
      expect(hits.length).toBe(2);
      await offline.store.close();
    });

    it('offline refuses what is not stored with AR_NOT_CACHED, whatever the method, and sends nothing', async () => {
      const { store, get, count } = run('offline-empty.sqlite', { policy: 'offline' });
      await expect(get('/never')).rejects.toMatchObject({
        code: 'AR_NOT_CACHED',
        message: `not in the HTTP cache (offline, nothing sent): GET ${server.origin}/never`,
      });
      await expect(get('/form', { method: 'POST', body: 'q=1' })).rejects.toMatchObject({
        code: 'AR_NOT_CACHED',
      });
      expect(hits.length).toBe(0);
      expect(count('miss')).toBe(2);
      await store.close();
    });
  });

  it('falls back to the network and reports an error when the store fails', async () => {
    const store = SqliteCacheStore.open(join(dir, 'closed.sqlite'));
    await store.close();
    const events: CacheEvent[] = [];
    const download = compose(
      [cacheMiddleware(store, { policy: 'always', onEvent: (event) => events.push(event) })],
      (request: HttpRequest) => transport.send(request),
    );
    const response = await download({ url: `${server.origin}/page`, method: 'GET', headers: {} });
    expect(response.body.toString()).toBe('page /page v1');
    expect(events).toEqual(['error', 'miss', 'error']);
  });
});
