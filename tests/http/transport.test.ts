import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrawlError } from '../../src/errors.js';
import type { HttpRequest } from '../../src/http/request.js';
import { transportDefaults } from '../../src/http/request.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { type LocalServer, readBody, startLocalServer } from '../helpers/local-server.js';
import { testCert } from './fixtures/tls.js';

const getRequest = (url: string, headers: Record<string, string> = {}): HttpRequest => ({
  url,
  method: 'GET',
  headers,
});

describe('transport', () => {
  let server: LocalServer;
  let transport: Transport;

  beforeAll(async () => {
    server = await startLocalServer(async (request, response) => {
      if (request.url === '/echo') {
        const body = await readBody(request);
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ method: request.method, headers: request.headers, body }));
        return;
      }
      if (request.url === '/multi') {
        response.setHeader('X-Many', ['a', 'b']);
        response.setHeader('Set-Cookie', [
          'a=1; Path=/',
          'b=2; Expires=Wed, 21 Oct 2065 07:28:00 GMT',
        ]);
        response.end('ok');
        return;
      }
      if (request.url === '/redirect') {
        response.writeHead(302, { location: '/elsewhere' });
        response.end();
        return;
      }
      response.setHeader('content-type', 'text/plain; charset=utf-8');
      response.end('hello');
    });
    transport = createTransport();
  });

  afterAll(async () => {
    await transport.close();
    await server.close();
  });

  it('returns status, body, headers and the request', async () => {
    const request = getRequest(`${server.origin}/`);
    const response = await transport.send(request, transportDefaults);
    expect(response.status).toBe(200);
    expect(response.text).toBe('hello');
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.url).toBe(request.url);
    expect(response.request).toBe(request);
    expect(response.redirects).toEqual([]);
  });

  it('sends method, headers and body, and asks for compressed bodies', async () => {
    const response = await transport.send(
      { url: `${server.origin}/echo`, method: 'POST', headers: { 'x-test': 'yes' }, body: 'é=1' },
      transportDefaults,
    );
    const echoed = response.json<{
      method: string;
      headers: Record<string, string>;
      body: string;
    }>();
    expect(echoed.method).toBe('POST');
    expect(echoed.body).toBe('é=1');
    expect(echoed.headers['x-test']).toBe('yes');
    expect(echoed.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(echoed.headers['content-length']).toBe(String(Buffer.byteLength('é=1')));
  });

  it('keeps an accept-encoding the caller chose', async () => {
    const response = await transport.send(
      getRequest(`${server.origin}/echo`, { 'accept-encoding': 'identity' }),
    );
    expect(response.json<{ headers: Record<string, string> }>().headers['accept-encoding']).toBe(
      'identity',
    );
  });

  it('turns URL credentials into Basic auth', async () => {
    const url = `http://user:p%40ss@127.0.0.1:${server.port}/echo`;
    const response = await transport.send(getRequest(url));
    const sent = response.json<{ headers: Record<string, string> }>().headers.authorization;
    expect(sent).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('joins repeated headers with ", " and set-cookie with newlines', async () => {
    const response = await transport.send(getRequest(`${server.origin}/multi`));
    expect(response.headers['x-many']).toBe('a, b');
    expect(response.headers['set-cookie']).toBe(
      'a=1; Path=/\nb=2; Expires=Wed, 21 Oct 2065 07:28:00 GMT',
    );
  });

  it('does not follow redirects itself', async () => {
    const response = await transport.send(getRequest(`${server.origin}/redirect`));
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/elsewhere');
  });

  it('rejects invalid and non-http URLs with AR_BAD_URL', async () => {
    for (const url of ['not a url', 'ftp://127.0.0.1/file', 'file:///etc/passwd']) {
      const error = await transport.send(getRequest(url)).catch((caught: unknown) => caught);
      expect(isCrawlError(error) && error.code).toBe('AR_BAD_URL');
    }
  });

  it('reuses one keep-alive connection for sequential requests and reports 0 setup time for the reuse', async () => {
    const local = await startLocalServer((_request, response) => response.end('x'));
    const own = createTransport();
    try {
      const first = await own.send(getRequest(`${local.origin}/1`));
      const second = await own.send(getRequest(`${local.origin}/2`));
      expect(local.connections).toBe(1);
      expect(first.timings.connectMs).toBeGreaterThan(0);
      expect(second.timings).toMatchObject({ dnsMs: 0, connectMs: 0, tlsMs: 0 });
      for (const timings of [first.timings, second.timings]) {
        for (const value of Object.values(timings)) expect(value).toBeGreaterThanOrEqual(0);
        expect(timings.totalMs).toBeGreaterThanOrEqual(timings.firstByteMs);
      }
    } finally {
      await own.close();
      await local.close();
    }
  });

  it('keeps reusing connections under steady load after an aborted body and after Connection: close', async () => {
    const local = await startLocalServer((request, response) => {
      response.on('error', () => {});
      if (request.url === '/big') return void response.end(Buffer.alloc(2 * 1024 * 1024));
      if (request.url === '/close') response.setHeader('connection', 'close');
      response.end('x');
    });
    const own = createTransport();
    const burst = async (concurrency: number, total: number) => {
      let sent = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (sent < total) {
            sent++;
            await own.send(getRequest(`${local.origin}/small`));
          }
        }),
      );
    };
    try {
      const tooBig = { ...transportDefaults, maxBytes: 1024 };
      await expect(own.send(getRequest(`${local.origin}/big`), tooBig)).rejects.toThrow(
        /larger than/,
      );
      const afterAbort = local.connections;
      await burst(4, 100);
      // undici's Agent would open one connection per request here (nodejs/undici#5022).
      expect(local.connections - afterAbort).toBeLessThanOrEqual(6);
      await own.send(getRequest(`${local.origin}/close`));
      const afterClose = local.connections;
      await burst(1, 50);
      expect(local.connections - afterClose).toBeLessThanOrEqual(2);
    } finally {
      await own.close();
      await local.close();
    }
  });

  it('measures DNS when the host is a name', async () => {
    const local = await startLocalServer((_request, response) => response.end('x'));
    const own = createTransport();
    try {
      const response = await own.send(getRequest(`http://localhost:${local.port}/`));
      expect(response.status).toBe(200);
      expect(response.timings.dnsMs).toBeGreaterThan(0);
    } finally {
      await own.close();
      await local.close();
    }
  });

  it('measures the TLS handshake separately from TCP connect', async () => {
    const secure = await startLocalServer((_request, response) => response.end('secret'), {
      tls: true,
    });
    const own = createTransport({ tls: { ca: testCert } });
    try {
      const first = await own.send(getRequest(`${secure.origin}/`));
      const second = await own.send(getRequest(`${secure.origin}/`));
      expect(first.text).toBe('secret');
      expect(first.timings.connectMs).toBeGreaterThan(0);
      expect(first.timings.tlsMs).toBeGreaterThan(0);
      expect(second.timings).toMatchObject({ dnsMs: 0, connectMs: 0, tlsMs: 0 });
      expect(secure.connections).toBe(1);
    } finally {
      await own.close();
      await secure.close();
    }
  });

  it('reports an untrusted certificate as a NetworkError naming the code', async () => {
    const secure = await startLocalServer((_request, response) => response.end('secret'), {
      tls: true,
    });
    const own = createTransport();
    try {
      const error = await own
        .send(getRequest(`${secure.origin}/`))
        .catch((caught: unknown) => caught);
      expect(isCrawlError(error) && error.code).toBe('AR_NETWORK');
      expect((error as Error).message).toMatch(/SELF_SIGNED|CERT/);
    } finally {
      await own.close();
      await secure.close();
    }
  });
});
