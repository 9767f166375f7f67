import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../src/cache/cache-control.js';
import {
  currentAgeMs,
  freshnessLifetimeMs,
  heuristicCapMs,
  isFresh,
} from '../../src/cache/freshness.js';
import {
  conditionalRequest,
  httpStorability,
  refreshedEntry,
  varyMatches,
  varySnapshot,
} from '../../src/cache/policy.js';
import type { HttpRequest } from '../../src/http/request.js';
import { sampleEntry } from '../contracts/cache-store.contract.js';

const T = Date.parse('2024-05-01T12:00:00Z');
const httpDate = (ms: number) => new Date(ms).toUTCString();
const exchange = (headers: Record<string, string>, status = 200) => ({
  status,
  headers,
  storedAt: T,
});
const get: HttpRequest = { url: 'http://127.0.0.1/a', method: 'GET', headers: {} };
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe('Cache-Control parsing', () => {
  it('lower-cases names, unquotes arguments, keeps commas inside quotes and the first of duplicates', () => {
    const cc = parseCacheControl(
      'Max-Age=60, no-cache="set-cookie, x-a", PRIVATE, max-age=5,  s-maxage = 10',
    );
    expect(cc.get('max-age')).toBe('60');
    expect(cc.get('no-cache')).toBe('set-cookie, x-a');
    expect(cc.get('private')).toBe(true);
    expect(cc.get('s-maxage')).toBe('10');
  });

  it('reads an empty or missing header as no directives', () => {
    expect(parseCacheControl(undefined).size).toBe(0);
    expect(parseCacheControl('  ').size).toBe(0);
  });
});

describe('freshness lifetime (private cache)', () => {
  it('comes from max-age first, ignoring Expires and s-maxage', () => {
    const headers = {
      'cache-control': 's-maxage=9999, max-age=60',
      date: httpDate(T),
      expires: httpDate(T + DAY),
    };
    expect(freshnessLifetimeMs(exchange(headers))).toBe(60_000);
  });

  it('otherwise is Expires minus Date, and an invalid Expires means already stale', () => {
    expect(
      freshnessLifetimeMs(exchange({ date: httpDate(T), expires: httpDate(T + 10 * MINUTE) })),
    ).toBe(10 * MINUTE);
    expect(freshnessLifetimeMs(exchange({ date: httpDate(T), expires: '0' }))).toBe(0);
    // Without Date, the time the response was received stands in for it.
    expect(freshnessLifetimeMs(exchange({ expires: httpDate(T + MINUTE) }))).toBe(MINUTE);
  });

  it('is 10% of the time since Last-Modified when nothing explicit is given, capped at a day', () => {
    const tenDaysOld = { date: httpDate(T), 'last-modified': httpDate(T - 10 * DAY) };
    expect(freshnessLifetimeMs(exchange(tenDaysOld))).toBe(DAY);
    const fiveHoursOld = { date: httpDate(T), 'last-modified': httpDate(T - 5 * 60 * MINUTE) };
    expect(freshnessLifetimeMs(exchange(fiveHoursOld))).toBe(30 * MINUTE);
    const tenYearsOld = { date: httpDate(T), 'last-modified': httpDate(T - 3650 * DAY) };
    expect(freshnessLifetimeMs(exchange(tenYearsOld))).toBe(heuristicCapMs);
  });

  it('gives no heuristic lifetime to statuses that are not heuristically cacheable', () => {
    const headers = { date: httpDate(T), 'last-modified': httpDate(T - 10 * DAY) };
    expect(freshnessLifetimeMs(exchange(headers, 302))).toBe(0);
    expect(freshnessLifetimeMs(exchange(headers, 404))).toBe(DAY);
  });

  it('is zero with no-cache, even next to a max-age', () => {
    expect(freshnessLifetimeMs(exchange({ 'cache-control': 'no-cache, max-age=600' }))).toBe(0);
  });
});

describe('age and freshness', () => {
  it('counts the larger of the apparent age and the Age header, plus the time spent in the cache', () => {
    const apparent = exchange({ date: httpDate(T - 30_000) });
    expect(currentAgeMs(apparent, T + 5000)).toBe(35_000);
    const viaProxy = exchange({ date: httpDate(T), age: '100' });
    expect(currentAgeMs(viaProxy, T + 5000)).toBe(105_000);
  });

  it('is fresh while the age is under the lifetime; a request max-age can only shorten it', () => {
    const stored = exchange({ 'cache-control': 'max-age=60', date: httpDate(T) });
    expect(isFresh(stored, T + 59_999)).toBe(true);
    expect(isFresh(stored, T + 60_000)).toBe(false);
    expect(isFresh(stored, T + 10_000, parseCacheControl('max-age=5'))).toBe(false);
    expect(isFresh(stored, T + 10_000, parseCacheControl('max-age=600'))).toBe(true);
  });
});

describe('what the http policy stores', () => {
  const check = (headers: Record<string, string>, status = 200, request = get) =>
    httpStorability(request, { status, headers }, T);

  it('stores responses with explicit freshness or a validator, and never no-store ones', () => {
    expect(check({ 'cache-control': 'max-age=60' })).toBeUndefined();
    expect(check({ etag: '"a"' })).toBeUndefined();
    expect(check({ 'cache-control': 'private, max-age=60' })).toBeUndefined();
    expect(check({ 'cache-control': 'no-store, max-age=60' })).toBe('no-store');
    expect(
      check({ 'cache-control': 'max-age=60' }, 200, {
        ...get,
        headers: { 'cache-control': 'no-store' },
      }),
    ).toBe('no-store');
  });

  it('does not write what could never be reused, nor partial content, nor Vary: *', () => {
    expect(check({})).toBe('not-reusable');
    expect(check({ 'cache-control': 'no-cache' })).toBe('not-reusable');
    expect(check({ 'cache-control': 'max-age=60' }, 206)).toBe('status');
    expect(check({ 'cache-control': 'max-age=60', vary: 'Accept, *' })).toBe('vary');
  });

  it('stores other statuses only with explicit freshness', () => {
    expect(check({ etag: '"a"' }, 302)).toBe('status');
    expect(check({ 'cache-control': 'max-age=60' }, 302)).toBeUndefined();
    expect(check({ 'cache-control': 'max-age=60' }, 404)).toBeUndefined();
  });
});

describe('revalidation', () => {
  it('sends If-None-Match from the ETag and If-Modified-Since from Last-Modified', () => {
    const lastModified = httpDate(T - DAY);
    const entry = sampleEntry(1, { headers: { etag: 'W/"v1"', 'last-modified': lastModified } });
    const conditional = conditionalRequest({ ...get, headers: { accept: 'text/html' } }, entry);
    expect(conditional.headers).toEqual({
      accept: 'text/html',
      'if-none-match': 'W/"v1"',
      'if-modified-since': lastModified,
    });
  });

  it('after a 304 keeps the body and its length, takes the new headers, and restarts the age', () => {
    const entry = sampleEntry(1, {
      headers: {
        etag: '"v1"',
        'content-length': '4',
        'cache-control': 'max-age=1',
        date: httpDate(T - DAY),
      },
      body: Buffer.from('body'),
    });
    const notModified = {
      status: 304,
      headers: { 'cache-control': 'max-age=60', 'content-length': '0', connection: 'close' },
    };
    const refreshed = refreshedEntry(entry, notModified, T);
    expect(refreshed.body.toString()).toBe('body');
    expect(refreshed.storedAt).toBe(T);
    expect(refreshed.headers).toEqual({
      etag: '"v1"',
      'content-length': '4',
      'cache-control': 'max-age=60',
      date: httpDate(T),
    });
    expect(isFresh(refreshed, T + 1000)).toBe(true);
  });
});

describe('Vary', () => {
  it('remembers the request values of the varied headers and matches only the same ones', () => {
    const vary = varySnapshot(
      { vary: 'Accept-Language, Accept-Encoding' },
      { 'accept-language': 'fr' },
    );
    expect(vary).toEqual({ 'accept-language': 'fr', 'accept-encoding': '' });
    const entry = sampleEntry(1, vary === undefined ? {} : { vary });
    expect(varyMatches(entry, { 'accept-language': 'fr' })).toBe(true);
    expect(varyMatches(entry, { 'accept-language': 'de' })).toBe(false);
    expect(varyMatches(sampleEntry(2), { 'accept-language': 'de' })).toBe(true);
  });
});
