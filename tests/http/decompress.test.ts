import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLargeError, isCrawlError } from '../../src/errors.js';
import type { TransportOptions } from '../../src/http/request.js';
import { transportDefaults } from '../../src/http/request.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';

const page = `<html><body>${'<p>Arachne décompresse.</p>'.repeat(200)}</body></html>`;
const MiB = 1024 * 1024;

/** 1 GiB of zeros as a multi-member gzip (RFC 1952 allows members back to back): about 1 MiB on the wire. */
function gzipBomb(): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: 16 }, () => member));
}

interface Route {
  encoding?: string;
  body: Buffer;
  contentLength?: boolean;
}

describe('decompression', () => {
  let server: LocalServer;
  let transport: Transport;
  const routes = new Map<string, Route>();

  beforeAll(async () => {
    const bytes = Buffer.from(page);
    routes.set('/gzip', { encoding: 'gzip', body: zlib.gzipSync(bytes) });
    routes.set('/x-gzip', { encoding: 'x-gzip', body: zlib.gzipSync(bytes) });
    routes.set('/deflate', { encoding: 'deflate', body: zlib.deflateSync(bytes) });
    routes.set('/raw-deflate', { encoding: 'deflate', body: zlib.deflateRawSync(bytes) });
    routes.set('/br', { encoding: 'br', body: zlib.brotliCompressSync(bytes) });
    routes.set('/upper-case', { encoding: 'GZIP', body: zlib.gzipSync(bytes) });
    // Applied gzip first, then br: decoded br first, then gzip.
    routes.set('/chain', {
      encoding: 'gzip, br',
      body: zlib.brotliCompressSync(zlib.gzipSync(bytes)),
    });
    routes.set('/chain-of-3', {
      encoding: 'gzip, gzip, gzip',
      body: zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(bytes))),
    });
    routes.set('/unknown', { encoding: 'compress', body: Buffer.from('raw bytes') });
    routes.set('/corrupt', { encoding: 'gzip', body: Buffer.from('definitely not gzip data') });
    routes.set('/empty-gzip', { encoding: 'gzip', body: Buffer.alloc(0) });
    routes.set('/gzip-bomb', { encoding: 'gzip', body: gzipBomb() });
    routes.set('/br-bomb', {
      encoding: 'br',
      body: zlib.brotliCompressSync(Buffer.alloc(64 * MiB), {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 },
      }),
    });
    routes.set('/big-identity', { body: Buffer.alloc(3 * MiB, 0x61), contentLength: false });
    routes.set('/big-declared', { body: Buffer.alloc(3 * MiB, 0x61), contentLength: true });

    server = await startLocalServer((request, response) => {
      const route = routes.get(request.url ?? '');
      if (route === undefined) {
        response.writeHead(404).end();
        return;
      }
      if (route.encoding !== undefined) response.setHeader('content-encoding', route.encoding);
      response.setHeader('content-type', 'text/html; charset=utf-8');
      if (route.contentLength !== false) response.setHeader('content-length', route.body.length);
      // The client may hang up mid-body (that is the point of the cap): ignore the broken pipe.
      response.on('error', () => {});
      response.end(request.method === 'HEAD' ? undefined : route.body);
    });
    transport = createTransport();
  }, 60_000);

  afterAll(async () => {
    await transport.close();
    await server.close();
  });

  const fetchPath = (path: string, options: TransportOptions = transportDefaults, method = 'GET') =>
    transport.send({ url: `${server.origin}${path}`, method, headers: {} }, options);

  for (const path of [
    '/gzip',
    '/x-gzip',
    '/deflate',
    '/raw-deflate',
    '/br',
    '/upper-case',
    '/chain',
  ]) {
    it(`decodes ${path.slice(1)} bodies`, async () => {
      const response = await fetchPath(path);
      expect(response.text).toBe(page);
    });
  }

  it('refuses a Content-Encoding chain longer than 2 with a NetworkError', async () => {
    const error = await fetchPath('/chain-of-3').catch((caught: unknown) => caught);
    expect(isCrawlError(error) && error.code).toBe('AR_NETWORK');
    expect((error as Error).message).toContain('3 codings');
  });

  it('leaves a body with an unknown coding as received', async () => {
    const response = await fetchPath('/unknown');
    expect(response.body.toString()).toBe('raw bytes');
  });

  it('reports corrupt gzip data as a NetworkError', async () => {
    const error = await fetchPath('/corrupt').catch((caught: unknown) => caught);
    expect(isCrawlError(error) && error.code).toBe('AR_NETWORK');
    expect((error as Error).message).toContain('gzip');
  });

  it('accepts an empty body labelled gzip, and HEAD responses without a body', async () => {
    expect((await fetchPath('/empty-gzip')).body.length).toBe(0);
    const head = await fetchPath('/gzip', transportDefaults, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('aborts a gzip bomb of 1 GiB of zeros with AR_BODY_TOO_LARGE', async () => {
    const before = process.memoryUsage().rss;
    const error = await fetchPath('/gzip-bomb', { ...transportDefaults, maxBytes: 4 * MiB }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect(isCrawlError(error) && error.code).toBe('AR_BODY_TOO_LARGE');
    // Far below the gigabyte the bomb would inflate to (loose: the heap moves for other reasons too).
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * MiB);
  });

  it('aborts a brotli bomb with AR_BODY_TOO_LARGE', async () => {
    const error = await fetchPath('/br-bomb', { ...transportDefaults, maxBytes: MiB }).catch(
      (caught: unknown) => caught,
    );
    expect(isCrawlError(error) && error.code).toBe('AR_BODY_TOO_LARGE');
  });

  it('caps an identity body too, streamed without Content-Length', async () => {
    const error = await fetchPath('/big-identity', { ...transportDefaults, maxBytes: MiB }).catch(
      (caught: unknown) => caught,
    );
    expect(isCrawlError(error) && error.code).toBe('AR_BODY_TOO_LARGE');
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    const error = await fetchPath('/big-declared', { ...transportDefaults, maxBytes: MiB }).catch(
      (caught: unknown) => caught,
    );
    expect(isCrawlError(error) && error.code).toBe('AR_BODY_TOO_LARGE');
  });

  it('lets a HEAD through whatever Content-Length it declares', async () => {
    const head = await fetchPath('/big-declared', { ...transportDefaults, maxBytes: MiB }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(3 * MiB));
  });

  it('still serves requests after aborted ones (the pool recovers)', async () => {
    const response = await fetchPath('/gzip');
    expect(response.text).toBe(page);
  });
});
