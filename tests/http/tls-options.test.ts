import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrawler, defineSpider } from '../../src/index.js';
import type { Listening } from '../helpers/local-server.js';
import { startSocks5Server } from '../helpers/socks5-server.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { startTlsSites, type TlsSites } from '../helpers/tls-sites.js';
import { startForwardProxy } from './fixtures/forward-proxy.js';

let pki: TestPki;
/** Certificate from the private CA. */
let privateCa: Listening;
/** Certificate expired in 2020. */
let expired: Listening;
/** Asks for a client certificate from the client CA and refuses the handshake without one. */
let clientCert: Listening;
/** TLS 1.2 at most. */
let tls12: Listening;

let sites: TlsSites | undefined;

beforeAll(async () => {
  pki = createTestPki();
  sites = await startTlsSites(pki);
  ({ privateCa, expired, clientCert, tls12 } = sites);
});
afterAll(async () => {
  await sites?.close();
  pki?.remove();
});

interface Outcome {
  titles: string[];
  errors: string[];
  warnings: string[];
  stats: Awaited<ReturnType<ReturnType<typeof createCrawler>['run']>>;
}

async function crawlOnce(
  origin: string,
  options: Parameters<typeof createCrawler>[1] = {},
): Promise<Outcome> {
  const titles: string[] = [];
  const spider = defineSpider({
    name: 'tls',
    start: [`${origin}/`],
    parse(page) {
      titles.push(page.text('title'));
    },
  });
  const crawler = createCrawler(spider, {
    retries: 0,
    robots: false,
    logLevel: 'silent',
    ...options,
  });
  const errors: string[] = [];
  const warnings: string[] = [];
  crawler.on('request:failed', ({ error }) => errors.push(error.message));
  crawler.on('crawl:warning', ({ message }) => warnings.push(message));
  const stats = await crawler.run();
  return { titles, errors, warnings, stats };
}

describe('ca: a private CA', () => {
  it('fails without it, naming the certificate problem', async () => {
    const { titles, errors, stats } = await crawlOnce(privateCa.origin);
    expect(titles).toEqual([]);
    expect(stats.errorsByCode).toEqual({ AR_NETWORK: 1 });
    expect(errors[0]).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
    expect(errors[0]).not.toContain('\n');
  });

  it('succeeds with it, and the system roots stay trusted', async () => {
    const { titles, stats } = await crawlOnce(privateCa.origin, { ca: [pki.caFile] });
    expect(titles).toEqual(['ok /']);
    expect(stats.tlsInsecure).toBeUndefined();
  });

  it('refuses an unreadable or non-PEM file before any request', async () => {
    await expect(crawlOnce(privateCa.origin, { ca: [`${pki.dir}/nope.pem`] })).rejects.toThrow(
      /ca .*nope\.pem: cannot read the file \(ENOENT\)/,
    );
    await expect(crawlOnce(privateCa.origin, { ca: [`${pki.dir}/index.txt`] })).rejects.toThrow(
      /not a PEM file/,
    );
  });
});

describe('an expired certificate', () => {
  it('fails, saying it expired', async () => {
    const { titles, errors } = await crawlOnce(expired.origin, { ca: [pki.caFile] });
    expect(titles).toEqual([]);
    expect(errors[0]).toMatch(/CERT_HAS_EXPIRED/);
  });

  it('is accepted with insecure, which warns once and says so in the stats', async () => {
    const { titles, warnings, stats } = await crawlOnce(expired.origin, { insecure: true });
    expect(titles).toEqual(['ok /']);
    expect(warnings.filter((message) => message.includes('insecure'))).toHaveLength(1);
    expect(stats.tlsInsecure).toBe(true);
  });
});

describe('cert and key: a client certificate', () => {
  it('fails when the server requires one and none is given', async () => {
    const { titles, errors } = await crawlOnce(clientCert.origin, { ca: [pki.caFile] });
    expect(titles).toEqual([]);
    expect(errors).toHaveLength(1);
    // TLS 1.3: the refusal comes as an alert after the handshake; the error names it, not `other side closed`.
    expect(errors[0]).toContain(
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: tlsv13 alert certificate required',
    );
  });

  it('succeeds with one from the CA the server trusts', async () => {
    const { titles } = await crawlOnce(clientCert.origin, {
      ca: [pki.caFile],
      cert: pki.client.certFile,
      key: pki.client.keyFile,
    });
    expect(titles).toEqual(['ok /']);
  });

  it('needs both halves, and a key that matches the certificate', async () => {
    await expect(crawlOnce(clientCert.origin, { cert: pki.client.certFile })).rejects.toThrow(
      /needs both cert and key/,
    );
    await expect(
      crawlOnce(clientCert.origin, { cert: pki.client.certFile, key: pki.server.keyFile }),
    ).rejects.toThrow(/TLS options: .*key values mismatch/);
  });
});

describe('tlsMinVersion', () => {
  it('TLSv1.3 refuses a server that stops at TLS 1.2', async () => {
    const { titles, errors } = await crawlOnce(tls12.origin, {
      ca: [pki.caFile],
      tlsMinVersion: 'TLSv1.3',
    });
    expect(titles).toEqual([]);
    expect(errors[0]).toMatch(/version|protocol/i);
  });

  it('the default (TLSv1.2) reaches it', async () => {
    const { titles } = await crawlOnce(tls12.origin, { ca: [pki.caFile] });
    expect(titles).toEqual(['ok /']);
  });
});

describe('through proxies: the TLS options reach the target behind the tunnel', () => {
  it('an http CONNECT proxy: the private CA trusted, an expired certificate accepted with insecure', async () => {
    const forward = await startForwardProxy();
    try {
      const refused = await crawlOnce(privateCa.origin, { proxy: forward.origin });
      expect(refused.errors[0]).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      const trusted = await crawlOnce(privateCa.origin, {
        proxy: forward.origin,
        ca: [pki.caFile],
      });
      expect(trusted.titles).toEqual(['ok /']);
      const insecure = await crawlOnce(expired.origin, { proxy: forward.origin, insecure: true });
      expect(insecure.titles).toEqual(['ok /']);
      expect(forward.seen.map((seen) => seen.line)).toContain(`CONNECT 127.0.0.1:${expired.port}`);
    } finally {
      await forward.close();
    }
  });

  it('a SOCKS5 proxy: a client certificate is presented through the tunnel', async () => {
    const socks = await startSocks5Server();
    try {
      const options = { proxy: socks.url(), ca: [pki.caFile] };
      const refused = await crawlOnce(clientCert.origin, options);
      expect(refused.titles).toEqual([]);
      expect(refused.errors[0]).toContain('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
      const withCert = await crawlOnce(clientCert.origin, {
        ...options,
        cert: pki.client.certFile,
        key: pki.client.keyFile,
      });
      expect(withCert.titles).toEqual(['ok /']);
      expect(socks.connections).toBeGreaterThanOrEqual(2);
    } finally {
      await socks.close();
    }
  });
});
