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
    ['loopback', () => `${site.origin}/`, '127.0.0.1'],
    [
      'link-local (cloud metadata)',
      () => 'http://169.254.169.254/latest/meta-data/',
      '169.254.169.254',
    ],
    ['IPv4-translated loopback', () => 'http://[::ffff:0:127.0.0.1]/', '::ffff:0:7f00:1'],
    ['a name resolving to loopback', () => `http://localhost:${site.port}/`, 'localhost'],
  ])(
    'a job aimed at a %s address is refused at submission: 400 naming url, with the reason',
    async (_what, url, shown) => {
      const before = t.server.manager.list().length;
      const response = await t.api('POST', '/api/jobs', { url: url(), options: { retries: 0 } });
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ code: 'AR_BAD_REQUEST', field: 'url' });
      expect(response.json.error.message).toContain(shown);
      expect(response.json.error.message).toMatch(/private|allow-private/);
      expect(t.server.manager.list().length).toBe(before);
    },
  );

  it('a project spider given a private start URL is refused at submission, and the site sees nothing', async () => {
    const before = site.requests.length;
    const response = await t.api('POST', '/api/jobs', {
      spider: 'shop',
      start: ['https://example.com/', `${site.origin}/`],
    });
    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe('start.1');
    expect(site.requests.length).toBe(before);
  });

  it('a schedule aimed at a private address is refused the same way', async () => {
    const response = await t.api('POST', '/api/schedules', {
      cron: '* * * * *',
      url: `${site.origin}/`,
    });
    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe('url');
    expect((await t.api('GET', '/api/schedules')).json.schedules).toEqual([]);
  });
});
