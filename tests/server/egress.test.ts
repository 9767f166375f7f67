import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

// The server runs WITHOUT --allow-private: what its jobs may reach is the point here.
let site: LocalServer;
let t: TestServer;

beforeAll(async () => {
  site = await startLocalServer({
    '/': '<title>private</title>',
    '/robots.txt': 'User-agent: *\nAllow: /\n',
  });
  t = await startTestServer({ project: await makeProject() });
});
afterAll(async () => {
  await t?.close();
  await site?.close();
});

describe('jobs submitted over the API cannot reach private addresses', () => {
  it.each([
    ['loopback', () => `${site.origin}/`],
    ['link-local (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/'],
  ])(
    'a job aimed at a %s address ends with its request failed AR_EGRESS_DENIED',
    async (_what, url) => {
      const created = await t.api('POST', '/api/jobs', { url: url(), options: { retries: 0 } });
      const job = await t.waitForStatus(created.json.job.id, ['finished', 'failed']);
      expect(job.stats?.errorsByCode.AR_EGRESS_DENIED).toBeGreaterThanOrEqual(1);
      expect(job.stats?.responses).toBe(0);
      const { progress } = (await t.api('GET', `/api/jobs/${job.id}`)).json;
      expect(progress.errors).toContainEqual(expect.objectContaining({ code: 'AR_EGRESS_DENIED' }));
    },
  );

  it('a project spider pointed at a private address is refused as well, and the site sees nothing', async () => {
    const before = site.requests.length;
    const created = await t.api('POST', '/api/jobs', {
      spider: 'shop',
      start: [`${site.origin}/`],
    });
    const job = await t.waitForStatus(created.json.job.id, ['finished', 'failed']);
    expect(job.stats?.errorsByCode.AR_EGRESS_DENIED).toBeGreaterThanOrEqual(1);
    expect(site.requests.length).toBe(before);
  });
});
