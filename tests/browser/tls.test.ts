import type http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrawler, defineSpider } from '../../src/index.js';
import { type Listening, listen } from '../helpers/local-server.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { chromiumPath, chromiumUp } from './fixtures.js';

const up = await chromiumUp();

let pki: TestPki;
let expired: Listening;
let tls12: Listening;

const page: http.RequestListener = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<title>ok ${req.url}</title>`);
};

beforeAll(async () => {
  pki = createTestPki();
  expired = await listen(
    https.createServer({ cert: pki.expired.cert, key: pki.expired.key }, page),
    { scheme: 'https' },
  );
  tls12 = await listen(
    https.createServer({ cert: pki.server.cert, key: pki.server.key, maxVersion: 'TLSv1.2' }, page),
    { scheme: 'https' },
  );
});
afterAll(async () => {
  await Promise.all([expired, tls12].map((server) => server?.close()));
  pki?.remove();
});

async function render(origin: string, options: Parameters<typeof createCrawler>[1] = {}) {
  const titles: string[] = [];
  const spider = defineSpider({
    name: 'tls-browser',
    start: [`${origin}/`],
    fetch: 'browser',
    parse(page) {
      titles.push(page.text('title'));
    },
  });
  const crawler = createCrawler(spider, {
    retries: 0,
    robots: false,
    logLevel: 'silent',
    browserPath: chromiumPath,
    ...options,
  });
  const stats = await crawler.run();
  return { titles, stats };
}

describe.skipIf(!up)('the browser rung and TLS options', () => {
  it('refuses an expired certificate, and renders it with insecure', async () => {
    expect((await render(expired.origin)).titles).toEqual([]);
    const insecure = await render(expired.origin, { insecure: true });
    expect(insecure.titles).toEqual(['ok /']);
    expect(insecure.stats.tlsInsecure).toBe(true);
  });

  it('tlsMinVersion TLSv1.3 refuses a TLS 1.2 server', async () => {
    expect((await render(tls12.origin, { insecure: true })).titles).toEqual(['ok /']);
    const strict = await render(tls12.origin, { insecure: true, tlsMinVersion: 'TLSv1.3' });
    expect(strict.titles).toEqual([]);
    expect(strict.stats.failed).toBe(1);
  });
});
