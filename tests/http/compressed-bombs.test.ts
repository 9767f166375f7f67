/**
 * Compressed bodies that arrive faster than they decode, on a connection the server closes (`Connection: close`):
 * the transport pauses undici's parser for backpressure, the socket ends while it is paused, and undici's HTTP/1
 * client must never be left to `finish()` a paused parser (it asserts `!this.paused`, an uncaught AssertionError
 * that took the whole process down). Each case must settle as a Response or a typed error, and a crawl go on.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrawlError } from '../../src/errors.js';
import { transportDefaults } from '../../src/http/request.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { crawl, defineSpider } from '../../src/index.js';
import { type Listening, listen } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

const MiB = 1024 * 1024;

interface Body {
  encoding: string;
  bytes: Buffer;
}

/** 20 MB of HTML, compressed to a few dozen KB: under the default 32 MiB cap, so it must decode in full. */
const bigPage = `<html><body>${'<p class="row">Arachne</p>\n'.repeat((20 * 1000 * 1000) / 27)}</body></html>`;
const bodies = new Map<string, Body>();

let server: Listening;
let transport: Transport;

beforeAll(async () => {
  const page = Buffer.from(bigPage);
  const zeros = Buffer.alloc(200 * MiB);
  bodies.set('/big-gzip', { encoding: 'gzip', bytes: zlib.gzipSync(page, { level: 9 }) });
  bodies.set('/big-deflate', { encoding: 'deflate', bytes: zlib.deflateSync(page, { level: 9 }) });
  bodies.set('/big-br', { encoding: 'br', bytes: zlib.brotliCompressSync(page) });
  // 32 KiB of noise first: 200 MB of zeros alone brotli to 317 bytes, a write that never fills the decoder's
  // 16 KiB buffer, so the parser is never paused. With the noise the body still comes in one read, and that one
  // write fills the buffer: the parser is paused on the body's last bytes, just before the server closes.
  bodies.set('/bomb-br', {
    encoding: 'br',
    bytes: zlib.brotliCompressSync(Buffer.concat([randomBytes(32 * 1024), zeros]), {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 },
    }),
  });
  bodies.set('/bomb-gzip', { encoding: 'gzip', bytes: zlib.gzipSync(zeros, { level: 9 }) });
  bodies.set('/bomb-deflate', {
    encoding: 'deflate',
    bytes: zlib.deflateSync(zeros, { level: 9 }),
  });
  // Plain node:http for full control of the head: Content-Length and Connection: close, body in one write.
  server = await listen(
    http.createServer((request, response) => {
      const path = request.url ?? '/';
      response.on('error', () => {});
      if (path === '/') {
        const links = ['/bomb-br', '/bomb-gzip', '/bomb-deflate', '/big-gzip', '/normal']
          .map((href) => `<a href="${href}">${href}</a>`)
          .join(' ');
        response.writeHead(200, { 'content-type': 'text/html' }).end(links);
        return;
      }
      if (path === '/normal') {
        response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>normal</h1>');
        return;
      }
      const body = bodies.get(path);
      if (body === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-encoding': body.encoding,
        'content-length': body.bytes.length,
        connection: 'close',
      });
      response.end(body.bytes);
    }),
  );
  transport = createTransport();
}, 60_000);

afterAll(async () => {
  await transport.close();
  await server.close();
});

const fetchPath = (path: string, maxBytes = transportDefaults.maxBytes) =>
  transport.send(
    { url: `${server.origin}${path}`, method: 'GET', headers: {} },
    { ...transportDefaults, maxBytes },
  );

describe('compressed bodies on a closing connection', () => {
  for (const path of ['/big-gzip', '/big-deflate', '/big-br']) {
    it(`decodes a 20 MB page (${path.slice(5)}, Content-Length, Connection: close) in full`, async () => {
      const response = await fetchPath(path);
      expect(response.status).toBe(200);
      expect(response.body.length).toBe(Buffer.byteLength(bigPage));
    });
  }

  for (const path of ['/bomb-br', '/bomb-gzip', '/bomb-deflate']) {
    it(`fails a 200 MB ${path.slice(6)} bomb with AR_BODY_TOO_LARGE`, async () => {
      const error = await fetchPath(path, 4 * MiB).catch((caught: unknown) => caught);
      expect(isCrawlError(error) && error.code).toBe('AR_BODY_TOO_LARGE');
    });
  }

  it('fails the 20 MB page with AR_BODY_TOO_LARGE under a smaller cap', async () => {
    const error = await fetchPath('/big-gzip', 4 * MiB).catch((caught: unknown) => caught);
    expect(isCrawlError(error) && error.code).toBe('AR_BODY_TOO_LARGE');
  });

  it('keeps a crawl going: the bombs fail with a code, the other pages are scraped, stats returned', async () => {
    const spider = defineSpider({
      name: 'bombs',
      start: [`${server.origin}/`],
      *parse(page) {
        yield { url: page.url, size: page.body.length };
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const stats = await crawl(spider, {
      logLevel: 'silent',
      robots: false,
      retries: 0,
      maxBytes: 4 * MiB,
    });
    // The start page and /normal; the three bombs and the 20 MB page (over 4 MiB decoded) fail.
    expect(stats.items).toBe(2);
    expect(stats.failed).toBe(4);
    expect(stats.errorsByCode.AR_BODY_TOO_LARGE).toBe(4);
  }, 60_000);
});

// In its own process, as a user runs it: vitest survives an uncaught exception, `arachne fetch` did not.
describe('arachne fetch of a compressed page on a closing connection', () => {
  it('prints the 20 MB gzip page and exits 0', async () => {
    const result = await runCli(['fetch', `${server.origin}/big-gzip`, '--no-body']);
    expect(result.stderr).not.toContain('AssertionError');
    expect(result.stdout).toMatch(/^200 OK/);
    expect(result.code).toBe(0);
  });

  it('fails a 200 MB brotli bomb with the body-too-large error and exit code 1', async () => {
    const result = await runCli(['fetch', `${server.origin}/bomb-br`, '--no-body']);
    expect(result.stderr).not.toContain('AssertionError');
    expect(result.stderr).toContain('Body larger than');
    expect(result.code).toBe(1);
  });
});
