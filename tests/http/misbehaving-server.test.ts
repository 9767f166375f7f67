import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isCrawlError, NetworkError, TimeoutError } from '../../src/errors.js';
import { transportDefaults } from '../../src/http/request.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import {
  freePort,
  type Listening,
  startLocalServer,
  startRawServer,
} from '../helpers/local-server.js';

const head = (extra: string) => `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n${extra}\r\n`;
const quick = { ...transportDefaults, timeoutMs: 300, connectTimeoutMs: 300 };

describe('a misbehaving server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(
    onConnection: (socket: net.Socket) => void,
  ): Promise<{ server: Listening; transport: Transport }> {
    const server = await startRawServer(onConnection);
    const transport = createTransport();
    cleanups.push(
      () => server.close(),
      () => transport.close(),
    );
    return { server, transport };
  }

  const get = (transport: Transport, server: Listening, options = quick) =>
    transport.send({ url: `${server.origin}/`, method: 'GET', headers: {} }, options);

  it('that resets the connection mid-body causes a NetworkError', async () => {
    const { server, transport } = await setUp((socket) => {
      socket.once('data', () => {
        socket.write(head('content-length: 1000\r\n') + 'x'.repeat(100), () =>
          socket.resetAndDestroy(),
        );
      });
    });
    const error = await get(transport, server).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect((error as Error).message).toContain('during body');
    expect((error as NetworkError).cause).toBeInstanceOf(Error);
  });

  it('that stalls after the headers causes a TimeoutError naming the body phase', async () => {
    const { server, transport } = await setUp((socket) => {
      socket.once('data', () => socket.write(`${head('content-length: 10\r\n')}abc`));
    });
    const error = await get(transport, server).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isCrawlError(error) && error.code).toBe('AR_TIMEOUT');
    expect((error as Error).message).toContain('(body)');
  });

  it('that never answers causes a TimeoutError naming the headers phase', async () => {
    const { server, transport } = await setUp(() => {});
    const error = await get(transport, server).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain('(headers)');
  });

  it('that sends fewer bytes than its Content-Length, then closes, causes a NetworkError', async () => {
    const { server, transport } = await setUp((socket) => {
      socket.once('data', () =>
        socket.end(`${head('content-length: 50\r\n')}only twenty bytes...`),
      );
    });
    const error = await get(transport, server).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
  });

  it('that answers garbage causes a NetworkError carrying the parser code', async () => {
    const { server, transport } = await setUp((socket) => {
      socket.once('data', () => socket.end('SPIDER/9 what is this\r\n\r\n'));
    });
    const error = await get(transport, server).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/HPE_|HTTPParserError/);
  });

  it('that refuses connections causes a NetworkError with ECONNREFUSED in the message', async () => {
    const port = await freePort();
    const transport = createTransport();
    cleanups.push(() => transport.close());
    const error = await transport
      .send({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {} }, quick)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).toContain('during connect');
  });

  it('whose only connection is busy makes the next request time out in the connect phase', async () => {
    const server = await startLocalServer(() => {
      // Never answers: the single pooled connection stays busy.
    });
    const transport = createTransport({ connectionsPerOrigin: 1 });
    cleanups.push(
      () => server.close(),
      () => transport.close(),
    );
    const request = { url: `${server.origin}/`, method: 'GET', headers: {} };
    const first = transport
      .send(request, { ...quick, timeoutMs: 800 })
      .catch((caught: unknown) => caught);
    const second = await transport.send(request, quick).catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(TimeoutError);
    expect((second as Error).message).toContain('(connect)');
    expect(await first).toBeInstanceOf(TimeoutError);
  });

  it('gives timings that are all present and non-negative on a normal exchange', async () => {
    const { server, transport } = await setUp((socket) => {
      socket.once('data', () =>
        socket.end(`${head('content-length: 2\r\nconnection: close\r\n')}ok`),
      );
    });
    const response = await get(transport, server);
    expect(response.text).toBe('ok');
    for (const key of ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs', 'totalMs'] as const) {
      expect(response.timings[key]).toBeGreaterThanOrEqual(0);
    }
  });
});
