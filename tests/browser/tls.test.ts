import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADLESS_SHELL } from '../../src/browser/chromium-path.js';
import { browserHandler } from '../../src/browser/handler.js';
import { createRequest } from '../../src/crawler/request.js';
import { createCrawler, defineSpider } from '../../src/index.js';
import type { Listening } from '../helpers/local-server.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { startTlsSites, type TlsSites } from '../helpers/tls-sites.js';
import { chromiumPath, chromiumUp } from './fixtures.js';

const up = await chromiumUp();

let pki: TestPki;
let expired: Listening;
let tls12: Listening;

let sites: TlsSites | undefined;

beforeAll(async () => {
  pki = createTestPki();
  sites = await startTlsSites(pki);
  ({ expired, tls12 } = sites);
});
afterAll(async () => {
  await sites?.close();
  pki?.remove();
});

/** `browserPath` null: the handler's own choice. */
async function render(
  origin: string,
  options: Parameters<typeof createCrawler>[1] = {},
  browserPath: string | null = chromiumPath,
) {
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
    ...(browserPath !== null && { browserPath }),
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

  // The headless shell ignores --ssl-version-min: the default for this option is the full browser.
  it('tlsMinVersion TLSv1.3 refuses a TLS 1.2 server in the full Chromium it picks by default', async () => {
    expect((await render(tls12.origin, { insecure: true })).titles).toEqual(['ok /']);
    const strict = await render(tls12.origin, { insecure: true, tlsMinVersion: 'TLSv1.3' }, null);
    expect(strict.titles).toEqual([]);
    expect(strict.stats.failed).toBe(1);
  });

  it('refuses tlsMinVersion TLSv1.3 with a headless shell, which would not enforce it', async () => {
    const handler = browserHandler({
      executablePath: HEADLESS_SHELL,
      tls: { minVersion: 'TLSv1.3' },
    });
    await expect(handler.fetch(createRequest(`${tls12.origin}/`), {})).rejects.toMatchObject({
      code: 'AR_CONFIG',
      message: expect.stringMatching(/TLSv1\.3 needs the full Chromium.*package chromium/),
    });
    await handler.close();
  });
});
