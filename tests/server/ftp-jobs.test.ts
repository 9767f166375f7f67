// API jobs and ftp:, ftps:, file: URLs: FTP is a job's source like the web, behind the same SSRF guard; a job never
// reads the server's disk through file:.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

// The server runs WITHOUT --allow-private, as a shared server should.
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ project: await makeProject() });
});
afterAll(() => t?.close());

describe('API jobs with ftp:, ftps: and file: URLs', () => {
  it.each([
    ['a file: URL', { url: 'file:///etc/passwd' }, 'url', 'http(s), ftp(s) or ws(s)'],
    ['a file: start URL', { spider: 'shop', start: ['file:///etc/'] }, 'start.0', 'ftp(s)'],
    ['a loopback FTP host', { url: 'ftp://127.0.0.1:2121/' }, 'url', 'private'],
    ['an FTPS name resolving to loopback', { url: 'ftps://localhost/pub/' }, 'url', 'private'],
    [
      'too many FTP sessions per host',
      { url: 'ftp://files.invalid/', options: { ftpConnections: 9 } },
      'options.ftpConnections',
      '4',
    ],
  ])('refuses %s: 400 naming the field', async (_what, body, field, reason) => {
    const before = t.server.manager.list().length;
    const response = await t.api('POST', '/api/jobs', body);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'AR_BAD_REQUEST', field });
    expect(response.json.error.message).toContain(reason);
    expect(t.server.manager.list().length).toBe(before);
  });

  it('accepts a job on a public FTP host, with its per-host session limit', async () => {
    const response = await t.api('POST', '/api/jobs', {
      url: 'ftp://files.invalid/pub/',
      options: { ftpConnections: 1, retries: 0 },
    });
    expect(response.status).toBeLessThan(300);
    const job = await t.waitForStatus(response.json.job.id, ['finished', 'failed']);
    // files.invalid does not resolve (RFC 2606): the job ran and failed to connect.
    expect(job.stats?.errorsByCode).toEqual({ AR_NETWORK: 1 });
  });
});
