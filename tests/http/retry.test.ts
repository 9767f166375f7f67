import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrawlError, HttpError, NetworkError, TimeoutError } from '../../src/errors.js';
import { compose } from '../../src/http/compose.js';
import { retry } from '../../src/http/middlewares/retry.js';
import type { HttpRequest } from '../../src/http/request.js';
import {
  backoffDelayMs,
  isRetryableError,
  isRetryableStatus,
  MAX_RETRY_AFTER_MS,
  parseRetryAfterMs,
  retryDelayMs,
  retryPolicyDefaults,
} from '../../src/http/retry-policy.js';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';

describe('retry policy', () => {
  it('retries the statuses Scrapy retries, and no others', () => {
    for (const status of [408, 429, 500, 502, 503, 504, 522, 524])
      expect(isRetryableStatus(status)).toBe(true);
    for (const status of [200, 301, 400, 401, 403, 404, 501])
      expect(isRetryableStatus(status)).toBe(false);
  });

  it('retries timeouts and network errors, decided by code', () => {
    expect(isRetryableError(new TimeoutError('http://x/', 'headers'))).toBe(true);
    expect(isRetryableError(new NetworkError('http://x/', 'ECONNRESET'))).toBe(true);
    expect(isRetryableError(new CrawlError('AR_BODY_TOO_LARGE', 'big'))).toBe(false);
    expect(isRetryableError(new HttpError('http://x/', 404))).toBe(false);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(isRetryableError('not an error')).toBe(false);
  });

  it('defaults to 2 retries', () => {
    expect(retryPolicyDefaults.retries).toBe(2);
  });

  it('backs off exponentially with full jitter, within [0, min(max, base·2^(attempt−1))]', () => {
    const top = () => 0.999_999;
    expect(backoffDelayMs(1, {}, top)).toBe(499);
    expect(backoffDelayMs(2, {}, top)).toBe(999);
    expect(backoffDelayMs(3, { baseMs: 100 }, top)).toBe(399);
    expect(backoffDelayMs(30, {}, top)).toBe(29_999);
    expect(backoffDelayMs(10_000, { maxMs: 1_000 }, top)).toBe(999);
    expect(backoffDelayMs(3, {}, () => 0)).toBe(0);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const delay = backoffDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });

  it('parses Retry-After as delta-seconds or an HTTP-date, capped at 10 minutes', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs('1', now)).toBe(1_000);
    expect(parseRetryAfterMs(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
  });

  it('returns undefined for a missing or malformed Retry-After', () => {
    for (const value of [undefined, '', '-1', '1.5', 'soon', 'Thu, 99 Foo 2026']) {
      expect(parseRetryAfterMs(value)).toBeUndefined();
    }
  });

  it('waits Retry-After for 429 and 503, and backoff otherwise', () => {
    const policy = { baseMs: 1, maxMs: 1 };
    expect(retryDelayMs(1, policy, { status: 429, headers: { 'retry-after': '7' } })).toBe(7_000);
    expect(retryDelayMs(1, policy, { status: 503, headers: { 'retry-after': '2' } })).toBe(2_000);
    expect(
      retryDelayMs(1, policy, { status: 500, headers: { 'retry-after': '7' } }),
    ).toBeLessThanOrEqual(1);
    expect(retryDelayMs(1, policy, { status: 429, headers: {} })).toBeLessThanOrEqual(1);
  });
});

describe('retry middleware', () => {
  let server: LocalServer;
  let transport: Transport;
  let hits = 0;
  let script: { status: number; headers?: Record<string, string> }[] = [];

  beforeAll(async () => {
    server = await startLocalServer((request, response) => {
      hits++;
      if (request.url === '/reset') {
        request.socket.destroy();
        return;
      }
      const step = script.shift() ?? { status: 200 };
      response.writeHead(step.status, step.headers ?? {});
      response.end(`attempt ${hits}`);
    });
    transport = createTransport();
  });

  afterAll(async () => {
    await transport.close();
    await server.close();
  });

  beforeEach(() => {
    hits = 0;
    script = [];
  });

  function sender(options: Parameters<typeof retry>[0] = {}) {
    const delays: number[] = [];
    const sleep = async (ms: number) => {
      delays.push(ms);
    };
    const send = compose([retry({ ...options, sleep })], (request: HttpRequest) =>
      transport.send(request),
    );
    return { send, delays };
  }

  const request = (path: string, method = 'GET'): HttpRequest => ({
    url: `${server.origin}${path}`,
    method,
    headers: {},
  });

  it('returns the 200 after one retry of a 500', async () => {
    script = [{ status: 500 }];
    const { send, delays } = sender();
    const response = await send(request('/'));
    expect(response.status).toBe(200);
    expect(hits).toBe(2);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeLessThanOrEqual(500);
  });

  it('returns the last 503 after 2 retries, without throwing', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503 }];
    const { send, delays } = sender();
    const response = await send(request('/'));
    expect(response.status).toBe(503);
    expect(response.text).toBe('attempt 3');
    expect(hits).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it('honours Retry-After on 429', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' } }];
    const { send, delays } = sender();
    expect((await send(request('/'))).status).toBe(200);
    expect(delays).toEqual([1_000]);
  });

  it('really sleeps when no sleep is injected (Retry-After: 1 → about a second)', async () => {
    script = [{ status: 503, headers: { 'retry-after': '1' } }];
    const send = compose([retry()], (httpRequest: HttpRequest) => transport.send(httpRequest));
    const started = performance.now();
    expect((await send(request('/'))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('does not retry a 404', async () => {
    script = [{ status: 404 }];
    const { send } = sender();
    expect((await send(request('/'))).status).toBe(404);
    expect(hits).toBe(1);
  });

  it('does not retry a POST by default, but does when POST is listed', async () => {
    script = [{ status: 503 }];
    expect((await sender().send(request('/', 'POST'))).status).toBe(503);
    script = [{ status: 503 }];
    expect((await sender({ methods: ['POST'] }).send(request('/', 'POST'))).status).toBe(200);
  });

  it('retries network errors and throws the last one', async () => {
    const { send, delays } = sender({ retries: 1 });
    const error = await send(request('/reset')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect(hits).toBe(2);
    expect(delays).toHaveLength(1);
  });

  it('does not retry when retries is 0', async () => {
    script = [{ status: 500 }];
    const { send } = sender({ retries: 0 });
    expect((await send(request('/'))).status).toBe(500);
    expect(hits).toBe(1);
  });
});
