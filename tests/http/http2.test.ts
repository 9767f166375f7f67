import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHtml } from '../../src/html/index.js';
import { createClient } from '../../src/http/index.js';
import type { HttpRequest, TransportOptions } from '../../src/http/request.js';
import { createTransport, type TransportConfig } from '../../src/http/transport.js';
import { listen, startLocalServer } from '../helpers/local-server.js';
import { binPath } from '../helpers/run-cli.js';
import { startForwardProxy } from './fixtures/forward-proxy.js';
import { testCert, testKey } from './fixtures/tls.js';

const options: TransportOptions = {
  timeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  maxBytes: 1 << 20,
};
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface H2Site {
  origin: string;
  /** The HTTP version of each request, as the server saw it ('2.0' or '1.1'). */
  versions: string[];
  /** TLS connections (an HTTP/2 session each). */
  connections: number;
}

/**
 * An HTTPS server speaking HTTP/2 (and HTTP/1.1 too only with `allowHTTP1`). Pages are gzip-compressed and say
 * which protocol they were served over; POST bodies are echoed.
 */
async function h2Site(allowHTTP1: boolean): Promise<H2Site> {
  const site: H2Site = { origin: '', versions: [], connections: 0 };
  const server = http2.createSecureServer({ cert: testCert, key: testKey, allowHTTP1 });
  server.on('secureConnection', () => site.connections++);
  server.on('request', (request, response) => {
    site.versions.push(request.httpVersion);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text =
        request.url === '/robots.txt'
          ? 'User-agent: *\nAllow: /\n'
          : `<title>over ${request.httpVersion}</title><a href="/next">next</a>${Buffer.concat(chunks)}`;
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-encoding': 'gzip',
        'x-served-by': 'h2-test',
      });
      response.end(zlib.gzipSync(text));
    });
  });
  // Closed when the test ends; its sockets are destroyed, so open sessions do not keep close() waiting.
  site.origin = (await listen(server, { scheme: 'https' })).origin;
  return site;
}

function transport(config: TransportConfig) {
  const created = createTransport({ tls: { ca: testCert }, ...config });
  closers.push(() => created.close());
  return created;
}

const get = (url: string): HttpRequest => ({ url, method: 'GET', headers: {} });

describe('HTTP/2', () => {
  it('speaks h2 to an h2-only server when on: status, headers and a decompressed body', async () => {
    const site = await h2Site(false);
    const client = transport({ http2: true });
    const first = await client.send(get(`${site.origin}/page`), options);
    expect(first.status).toBe(200);
    expect(first.headers['x-served-by']).toBe('h2-test');
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(first.text).toContain('<title>over 2.0</title>');
    const posted = await client.send(
      { url: `${site.origin}/form`, method: 'POST', headers: {}, body: 'a=1&b=2' },
      options,
    );
    expect(posted.text).toContain('a=1&b=2');
    expect(site.versions).toEqual(['2.0', '2.0']);
    // Both requests went over the one session.
    expect(site.connections).toBe(1);
  });

  it('cannot reach an h2-only server when off: undici offers only http/1.1 and the TLS handshake is refused', async () => {
    const site = await h2Site(false);
    const failure = await transport({})
      .send(get(`${site.origin}/page`), options)
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'AR_NETWORK' });
    expect(String((failure as Error).message)).toContain('NO_APPLICATION_PROTOCOL');
    expect(site.versions).toEqual([]);
  });

  it('lets the server choose when it speaks both: h2 when on, HTTP/1.1 when off', async () => {
    const site = await h2Site(true);
    const off = await transport({}).send(get(`${site.origin}/`), options);
    const on = await transport({ http2: true }).send(get(`${site.origin}/`), options);
    expect(off.text).toContain('over 1.1');
    expect(on.text).toContain('over 2.0');
  });

  it('keeps plain http on HTTP/1.1', async () => {
    const plain = await startLocalServer((request, response) => response.end(request.httpVersion));
    const response = await transport({ http2: true }).send(get(`${plain.origin}/`), options);
    expect(response.text).toBe('1.1');
  });

  it('still passes through the egress guard', async () => {
    const site = await h2Site(false);
    await expect(
      transport({ http2: true, egress: { allowPrivate: false } }).send(
        get(`${site.origin}/`),
        options,
      ),
    ).rejects.toMatchObject({ code: 'AR_EGRESS_DENIED' });
    expect(site.connections).toBe(0);
  });

  it('reaches an h2 server through a proxy CONNECT tunnel', async () => {
    const site = await h2Site(false);
    const forward = await startForwardProxy();
    closers.push(() => forward.close());
    const response = await transport({ http2: true, proxy: forward.origin }).send(
      get(`${site.origin}/tunnelled`),
      options,
    );
    expect(response.text).toContain('over 2.0');
    expect(forward.seen.map((seen) => seen.line)).toEqual([`CONNECT ${new URL(site.origin).host}`]);
  });

  it('is a client option', async () => {
    const site = await h2Site(false);
    const client = createClient({ http2: true, transport: { tls: { ca: testCert } } });
    closers.push(() => client.close());
    const response = await client.get(`${site.origin}/x`);
    expect(parseHtml(response.text).selectOne('title')?.text()).toBe('over 2.0');
  });
});

describe('arachne crawl --http2', () => {
  it('crawls an h2-only site', async () => {
    const site = await h2Site(false);
    const dir = await mkdtemp(join(tmpdir(), 'arachne-h2-'));
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, testCert);
    const out = join(dir, 'pages.jsonl');
    const args = ['crawl', `${site.origin}/`, '--http2', '-o', out, '--no-progress'];
    // The test certificate is trusted through the environment: the crawl has no TLS option.
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [binPath, ...args], {
        stdio: 'ignore',
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    const titles = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { title: string }).title);
    expect(titles).toEqual(['over 2.0', 'over 2.0']);
    expect(site.versions.every((version) => version === '2.0')).toBe(true);
  });
});
