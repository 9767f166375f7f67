import { afterEach, describe, expect, it } from 'vitest';
import type { TransportOptions } from '../../src/http/request.js';
import { createTransport } from '../../src/http/transport.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { startSocks5Server } from '../helpers/socks5-server.js';
import { startTinyproxy, tinyproxyUp } from '../helpers/tinyproxy.js';
import { testCert } from './fixtures/tls.js';

const options: TransportOptions = {
  timeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  maxBytes: 1 << 20,
};
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
const auth = { user: 'crawler', pass: 's3cret-pw' };

async function site(tls = false): Promise<LocalServer> {
  const server = await startLocalServer(
    (request, response) => {
      response.setHeader('content-type', 'text/plain');
      response.end(
        `hello ${request.url} ${request.headers['proxy-authorization'] ?? 'no-proxy-auth'}`,
      );
    },
    { tls },
  );
  closers.push(() => server.close());
  return server;
}

describe('SOCKS5 proxies (RFC 1928/1929) for HTTP fetches', () => {
  it('tunnels http and https requests with username/password, per request, credentials to the proxy only', async () => {
    const socks = await startSocks5Server({ auth });
    closers.push(() => socks.close());
    const plain = await site();
    const secure = await site(true);
    const transport = createTransport({ tls: { ca: testCert } });
    closers.push(() => transport.close());
    const proxy = socks.url(auth);
    const first = await transport.send(
      { url: `${plain.origin}/a`, method: 'GET', headers: {}, proxy },
      options,
    );
    expect(first.text).toBe('hello /a no-proxy-auth');
    const second = await transport.send(
      { url: `${secure.origin}/b`, method: 'GET', headers: {}, proxy },
      options,
    );
    expect(second.status).toBe(200);
    expect(second.text).toBe('hello /b no-proxy-auth');
    expect(socks.connections).toBe(2);
    expect(socks.destinations).toEqual([`127.0.0.1:${plain.port}`, `127.0.0.1:${secure.port}`]);
    // A direct request on the same transport does not touch the proxy.
    await transport.send({ url: `${plain.origin}/c`, method: 'GET', headers: {} }, options);
    expect(socks.connections).toBe(2);
  });

  it('wrong credentials: one clear line naming the proxy without the password', async () => {
    const socks = await startSocks5Server({ auth });
    closers.push(() => socks.close());
    const plain = await site();
    const transport = createTransport();
    closers.push(() => transport.close());
    const error = await transport
      .send(
        {
          url: `${plain.origin}/`,
          method: 'GET',
          headers: {},
          proxy: socks.url({ user: 'crawler', pass: 'wrong' }),
        },
        options,
      )
      .then(
        () => undefined,
        (caught: unknown) => caught as Error & { code?: string },
      );
    expect(error?.code).toBe('AR_PROXY');
    expect(error?.message).toBe(
      `SOCKS5 proxy socks5://***@127.0.0.1:${socks.port} rejected the credentials (RFC 1929 auth failed)`,
    );
    expect(error?.message).not.toContain('wrong');
    expect(socks.authFailures).toBe(1);
  });
});

describe('the egress guard through proxies', () => {
  it('checks targets through socks5:// (resolved here), and refuses proxies that resolve names themselves', async () => {
    const socks = await startSocks5Server({ auth });
    closers.push(() => socks.close());
    const plain = await site();
    const transport = createTransport({ egress: { allowPrivate: false } });
    closers.push(() => transport.close());
    const send = (url: string, proxy: string) =>
      transport.send({ url, method: 'GET', headers: {}, proxy }, options).then(
        () => undefined,
        (caught: unknown) => caught as Error & { code?: string },
      );
    // The loopback target, by IP and by name, never reaches the proxy.
    expect((await send(`${plain.origin}/`, socks.url(auth)))?.code).toBe('AR_EGRESS_DENIED');
    expect((await send(`http://localhost:${plain.port}/`, socks.url(auth)))?.code).toBe(
      'AR_EGRESS_DENIED',
    );
    expect(socks.connections).toBe(0);
    const remote = socks.url(auth).replace('socks5://', 'socks5h://');
    expect((await send(`${plain.origin}/`, remote))?.code).toBe('AR_CONFIG');
    expect((await send(`${plain.origin}/`, 'http://u:p@127.0.0.1:9'))?.code).toBe('AR_CONFIG');

    // Allowed addresses go through the proxy as usual.
    const allowing = createTransport({ egress: { allowPrivate: false, allow: ['127.0.0.1'] } });
    closers.push(() => allowing.close());
    const response = await allowing.send(
      { url: `${plain.origin}/ok`, method: 'GET', headers: {}, proxy: socks.url(auth) },
      options,
    );
    expect(response.text).toBe('hello /ok no-proxy-auth');
    expect(socks.destinations).toEqual([`127.0.0.1:${plain.port}`]);
  });
});

const tinyproxy = await tinyproxyUp();
describe.skipIf(!tinyproxy)('a real HTTP proxy (tinyproxy) with Basic auth', () => {
  it('forwards http and CONNECTs https with the credentials; wrong ones give one AR_PROXY line', async () => {
    const plain = await site();
    const secure = await site(true);
    const proxy = await startTinyproxy(auth, [secure.port]);
    closers.push(() => proxy.close());
    const transport = createTransport({ tls: { ca: testCert } });
    closers.push(() => transport.close());
    const viaProxy = proxy.url();
    const first = await transport.send(
      { url: `${plain.origin}/x`, method: 'GET', headers: {}, proxy: viaProxy },
      options,
    );
    expect(first.text).toBe('hello /x no-proxy-auth');
    const second = await transport.send(
      { url: `${secure.origin}/y`, method: 'GET', headers: {}, proxy: viaProxy },
      options,
    );
    expect(second.text).toBe('hello /y no-proxy-auth');
    const logged = await proxy.requests();
    expect(logged.some((line) => line.includes(`GET http://127.0.0.1:${plain.port}/x`))).toBe(true);
    expect(logged.some((line) => line.includes(`CONNECT 127.0.0.1:${secure.port}`))).toBe(true);

    for (const url of [`${plain.origin}/z`, `${secure.origin}/z`]) {
      const refused = await transport
        .send(
          { url, method: 'GET', headers: {}, proxy: proxy.url({ user: 'user', pass: 'nope' }) },
          options,
        )
        .then(
          () => undefined,
          (caught: unknown) => caught as Error & { code?: string },
        );
      expect(refused?.code, url).toBe('AR_PROXY');
      expect(refused?.message).toBe(
        `proxy http://***@127.0.0.1:${proxy.port} rejected the credentials (407 Proxy Authentication Required)`,
      );
    }
  });
});
