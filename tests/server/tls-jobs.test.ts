import type http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Listening, listen } from '../helpers/local-server.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

let pki: TestPki;
let privateCa: Listening;
let expired: Listening;
let tls12: Listening;
/** An operator who trusts the private CA and lets jobs set insecure. */
let trusting: TestServer;
/** An operator who set nothing about TLS. */
let plain: TestServer;

const page: http.RequestListener = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<title>ok ${req.url}</title>`);
};

beforeAll(async () => {
  pki = createTestPki();
  const serve = (options: https.ServerOptions) =>
    listen(https.createServer(options, page), { scheme: 'https' });
  privateCa = await serve({ cert: pki.server.cert, key: pki.server.key });
  expired = await serve({ cert: pki.expired.cert, key: pki.expired.key });
  tls12 = await serve({ cert: pki.server.cert, key: pki.server.key, maxVersion: 'TLSv1.2' });
  const project = await makeProject();
  trusting = await startTestServer({
    project,
    allowPrivate: true,
    tls: { ca: [pki.caFile], allowInsecure: true },
  });
  plain = await startTestServer({ project: await makeProject(), allowPrivate: true });
});
afterAll(async () => {
  await trusting?.close();
  await plain?.close();
  await Promise.all([privateCa, expired, tls12].map((server) => server?.close()));
  pki?.remove();
});

const job = (url: string, options: Record<string, unknown> = {}) => ({
  url: `${url}/`,
  options: { retries: 0, robots: false, ...options },
});

describe('API jobs and TLS', () => {
  it.each([
    ['ca', { ca: ['/etc/passwd'] }],
    ['cert', { cert: '/etc/passwd' }],
    ['key', { key: '/etc/shadow' }],
  ])('cannot name a file on the server (%s): 400, nothing queued', async (name, options) => {
    const before = trusting.server.manager.list().length;
    const response = await trusting.api('POST', '/api/jobs', job(privateCa.origin, options));
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain(name);
    expect(trusting.server.manager.list().length).toBe(before);
  });

  it('cannot set insecure unless the operator allows it', async () => {
    const response = await plain.api('POST', '/api/jobs', job(expired.origin, { insecure: true }));
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ field: 'options.insecure' });
    expect(response.json.error.message).toContain('--allow-insecure');
    expect((await plain.api('GET', '/api/server')).json).toMatchObject({ allowInsecure: false });
  });

  it("use the operator's CA: a private-CA site fails on a plain server, works on a trusting one", async () => {
    const refused = await plain.api('POST', '/api/jobs', job(privateCa.origin));
    expect((await plain.waitForStatus(refused.json.job.id, ['failed'])).error).toMatch(
      /AR_NETWORK/,
    );
    const created = await trusting.api('POST', '/api/jobs', job(privateCa.origin));
    const done = await trusting.waitForStatus(created.json.job.id, ['finished', 'failed']);
    expect(done.status).toBe('finished');
    expect(done.stats?.responses).toBe(1);
  });

  it('insecure where allowed: an expired certificate is fetched, and the stats say so', async () => {
    const created = await trusting.api(
      'POST',
      '/api/jobs',
      job(expired.origin, { insecure: true }),
    );
    const done = await trusting.waitForStatus(created.json.job.id, ['finished', 'failed']);
    expect(done.status).toBe('finished');
    expect(done.stats?.tlsInsecure).toBe(true);
  });

  it('may set tlsMinVersion', async () => {
    const created = await trusting.api(
      'POST',
      '/api/jobs',
      job(tls12.origin, { tlsMinVersion: 'TLSv1.3' }),
    );
    expect(created.status).toBe(201);
    const done = await trusting.waitForStatus(created.json.job.id, ['finished', 'failed']);
    expect(done.status).toBe('failed');
  });
});
