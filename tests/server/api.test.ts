import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticRoutes } from '../../src/server/static-files.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

let t: TestServer;
const unknownId = '0123456789abcdef';

beforeAll(async () => {
  const project = await makeProject({
    'broken.ts': 'export default 42;\n',
    'notes.md': '# not a spider\n',
  });
  t = await startTestServer({ project, allowPrivate: true });
});
afterAll(() => t?.close());

const routes: Array<[string, string]> = [
  ['GET', '/api/server'],
  ['GET', '/api/spiders'],
  ['GET', '/api/jobs'],
  ['POST', '/api/jobs'],
  ['GET', `/api/jobs/${unknownId}`],
  ['POST', `/api/jobs/${unknownId}/cancel`],
  ['POST', `/api/jobs/${unknownId}/pause`],
  ['POST', `/api/jobs/${unknownId}/resume`],
  ['POST', `/api/jobs/${unknownId}/rerun`],
  ['DELETE', `/api/jobs/${unknownId}`],
  ['GET', `/api/jobs/${unknownId}/items`],
  ['GET', `/api/jobs/${unknownId}/log`],
  ['GET', `/api/jobs/${unknownId}/export`],
  ['GET', `/api/jobs/${unknownId}/history`],
  ['GET', '/api/schedules'],
  ['POST', '/api/schedules'],
  ['DELETE', `/api/schedules/${unknownId}`],
  ['GET', '/api/projects'],
  ['GET', '/api/projects/p'],
  ['POST', '/api/projects/p/versions/v1'],
  ['DELETE', '/api/projects/p/versions/v1'],
  ['POST', '/api/projects/p/rollback'],
  ['POST', `/api/schedules/${unknownId}/pause`],
  ['POST', `/api/schedules/${unknownId}/resume`],
  ['GET', '/api/schedules/preview?cron=*'],
  ['GET', '/api/workers'],
  ['POST', '/api/workers'],
  ['POST', `/api/workers/${unknownId}/heartbeat`],
  ['DELETE', `/api/workers/${unknownId}`],
  ['GET', '/api/spiders/shop/bundle'],
  ['GET', '/openapi.json'],
];

describe('authentication', () => {
  it.each(routes)('%s %s without a token is 401 with a JSON error', async (method, path) => {
    const response = await t.api(method, path, method === 'POST' ? {} : undefined, null);
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('AR_UNAUTHORIZED');
  });

  it.each(routes)('%s %s with a wrong token is 401', async (method, path) => {
    const response = await t.api(
      method,
      path,
      method === 'POST' ? {} : undefined,
      `${t.server.token}x`,
    );
    expect(response.status).toBe(401);
  });

  it('accepts the token only as a Bearer authorization', async () => {
    const response = await t.server.app.request('/api/jobs', {
      headers: { authorization: t.server.token },
    });
    expect(response.status).toBe(401);
    const query = await t.server.app.request(`/api/jobs?token=${t.server.token}`);
    expect(query.status).toBe(401);
  });

  it('sends no CORS headers', async () => {
    const response = await t.server.app.request('/api/jobs', {
      headers: { authorization: `Bearer ${t.server.token}`, origin: 'http://evil.example' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('creates the token file with mode 0600 and 32 random bytes in base64url', async () => {
    const { stat, readFile } = await import('node:fs/promises');
    expect(t.server.tokenFile).toBeDefined();
    const info = await stat(t.server.tokenFile as string);
    expect(info.mode & 0o777).toBe(0o600);
    const token = (await readFile(t.server.tokenFile as string, 'utf8')).trim();
    expect(token).toBe(t.server.token);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('bad requests name the field', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a body that is not JSON', '{nope', 'body'],
    ['neither spider nor url', {}, 'spider'],
    ['both spider and url', { spider: 'shop', url: 'http://127.0.0.1/' }, 'spider'],
    ['an unknown spider', { spider: 'nope' }, 'spider'],
    ['a spider name with a path in it', { spider: '../shop' }, 'spider'],
    ['a non-http url', { url: 'file:///etc/passwd' }, 'url'],
    ['maxPages 0', { url: 'http://127.0.0.1/', options: { maxPages: 0 } }, 'options.maxPages'],
    [
      'a fractional concurrency',
      { url: 'http://127.0.0.1/', options: { concurrency: 1.5 } },
      'options.concurrency',
    ],
    [
      'a string delayMs',
      { url: 'http://127.0.0.1/', options: { delayMs: '10' } },
      'options.delayMs',
    ],
    [
      'an unknown option',
      { url: 'http://127.0.0.1/', options: { state: '/etc/x' } },
      'options.state',
    ],
    ['an unknown top-level key', { url: 'http://127.0.0.1/', allowPrivate: true }, 'allowPrivate'],
    [
      'an output outside the job dir',
      { url: 'http://127.0.0.1/', output: '../../evil.jsonl' },
      'output',
    ],
    ['an absolute output', { url: 'http://127.0.0.1/', output: '/tmp/evil.jsonl' }, 'output'],
    ['an output that is not .jsonl', { url: 'http://127.0.0.1/', output: 'state.db' }, 'output'],
    [
      'an output with feed options',
      { url: 'http://127.0.0.1/', output: 'items.jsonl:rotate=10' },
      'output',
    ],
    [
      'feeds (outputs other than the job file)',
      { url: 'http://127.0.0.1/', options: { feeds: { '/tmp/evil.csv': {} } } },
      'options.feeds',
    ],
    [
      'a rotation',
      { url: 'http://127.0.0.1/', options: { rotateItems: 10 } },
      'options.rotateItems',
    ],
    ['start with url', { url: 'http://127.0.0.1/', start: ['http://127.0.0.1/'] }, 'start'],
    ['a bad start URL', { spider: 'shop', start: ['javascript:alert(1)'] }, 'start.0'],
  ];
  it.each(cases)('POST /api/jobs with %s is 400 naming %s', async (_what, body, field) => {
    const response = await t.api('POST', '/api/jobs', body);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'AR_BAD_REQUEST', field });
    expect(response.json.error.message).toEqual(expect.any(String));
  });

  it.each([
    [{ concurrency: 2000 }, 'options.concurrency must be an integer from 1 to 1024, got 2000'],
    [{ concurrency: -5 }, 'options.concurrency must be an integer from 1 to 1024, got -5'],
    [{ delayMs: '10' }, 'options.delayMs must be an integer from 0 to 3600000, got "10"'],
    [{ robots: 'no' }, 'options.robots must be true or false, got "no"'],
    [
      { maxTime: '30' },
      'options.maxTime must be a duration such as 30s, 5m or 1h30m (crawl(): also milliseconds) up to 7d, got "30"',
    ],
    [
      { maxTime: '8d' },
      'options.maxTime must be a duration such as 30s, 5m or 1h30m (crawl(): also milliseconds) up to 7d, got "8d"',
    ],
  ])(
    'a bad option value %j is 400 in the wording of crawl() and the CLI',
    async (options, message) => {
      const response = await t.api('POST', '/api/jobs', { url: 'http://127.0.0.1/', options });
      expect(response.status).toBe(400);
      expect(response.json.error.message).toBe(message);
    },
  );

  it('POST /api/schedules with a bad cron expression is 400 naming cron', async () => {
    const response = await t.api('POST', '/api/schedules', {
      cron: 'every minute',
      url: 'http://127.0.0.1/',
    });
    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe('cron');
  });

  it.each(['0 0 30 2 *', '0 0 31 4 *'])(
    'POST /api/schedules with a cron expression that can never fire (%s) is 400 naming cron',
    async (cron) => {
      const response = await t.api('POST', '/api/schedules', { cron, url: 'http://127.0.0.1/' });
      expect(response.status).toBe(400);
      expect(response.json.error.field).toBe('cron');
      expect(response.json.error.message).toMatch(/never/);
      expect((await t.api('GET', '/api/schedules')).json.schedules).toEqual([]);
    },
  );

  it('a body larger than 1 MiB is 413 with a JSON error, over a real connection', async () => {
    const big = JSON.stringify({ url: 'http://127.0.0.1/', padding: 'x'.repeat(2 * 1024 * 1024) });
    const response = await fetch(`${t.server.url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.server.token}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { code: 'AR_BODY_TOO_LARGE', message: 'the body is larger than 1 MiB', field: 'body' },
    });
  });

  it('POST /api/schedules without cron is 400 naming cron', async () => {
    const response = await t.api('POST', '/api/schedules', { url: 'http://127.0.0.1/' });
    expect(response.json.error.field).toBe('cron');
  });

  it.each([['/api/jobs?status=done', 'status']])('GET %s is 400 naming %s', async (path, field) => {
    const response = await t.api('GET', path);
    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe(field);
  });

  it('a bad page query on items is 400 naming limit, even for a real job', async () => {
    const created = await t.api('POST', '/api/jobs', {
      url: 'http://127.0.0.1:9/',
      options: { retries: 0 },
    });
    const response = await t.api('GET', `/api/jobs/${created.json.job.id}/items?limit=100000`);
    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe('limit');
    await t.waitForStatus(created.json.job.id, ['finished', 'failed']);
  });
});

describe('unknown ids', () => {
  it.each(routes.filter(([, path]) => path.includes(unknownId)))(
    '%s %s is 404',
    async (method, path) => {
      const response = await t.api(method, path);
      expect(response.status).toBe(404);
      expect(response.json.error.code).toBe('AR_NOT_FOUND');
    },
  );

  it.each(['/api/jobs/..%2F..%2Fserver.db', '/api/jobs/ZZZ', '/api/jobs/0123456789ABCDEF/items'])(
    'GET %s (not an id) is 404',
    async (path) => {
      expect((await t.api('GET', path)).status).toBe(404);
    },
  );

  it('an unknown /api route is a 404 JSON error', async () => {
    const response = await t.api('GET', '/api/nothing');
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('AR_NOT_FOUND');
  });
});

describe('the other routes', () => {
  it('GET /api/spiders lists the project spiders and the files that failed to load', async () => {
    const response = await t.api('GET', '/api/spiders');
    expect(response.status).toBe(200);
    expect(response.json.spiders).toEqual([{ name: 'shop', file: 'shop.ts' }]);
    expect(response.json.errors).toEqual([
      { file: 'broken.ts', message: expect.stringContaining('not a spider') },
    ]);
  });

  it('GET /api/server describes the server', async () => {
    const response = await t.api('GET', '/api/server');
    expect(response.json).toMatchObject({
      maxJobs: 2,
      allowPrivate: true,
      running: expect.any(Number),
    });
  });

  it('actions that do not fit the status are 409', async () => {
    const created = await t.api('POST', '/api/jobs', {
      url: 'http://127.0.0.1:9/',
      options: { retries: 0 },
    });
    const id = created.json.job.id as string;
    // Nothing answers on port 9: the job ends failed (it fetched no page).
    await t.waitForStatus(id, ['failed']);
    // A failed job may be resumed; it can no longer be paused or cancelled.
    for (const action of ['pause', 'cancel']) {
      const response = await t.api('POST', `/api/jobs/${id}/${action}`);
      expect(response.status, action).toBe(409);
      expect(response.json.error.code).toBe('AR_CONFLICT');
    }
  });

  it('GET /api/jobs filters by status', async () => {
    const created = await t.api('POST', '/api/jobs', {
      url: 'http://127.0.0.1:9/',
      options: { retries: 0 },
    });
    const id = created.json.job.id as string;
    await t.waitForStatus(id, ['failed']);
    const all = (await t.api('GET', '/api/jobs')).json.jobs as Array<{
      id: string;
      status: string;
    }>;
    const failed = (await t.api('GET', '/api/jobs?status=failed')).json.jobs as Array<{
      id: string;
      status: string;
    }>;
    expect(failed.map((job) => job.id)).toContain(id);
    expect(failed.every((job) => job.status === 'failed')).toBe(true);
    expect(all.length).toBeGreaterThanOrEqual(failed.length);
    expect((await t.api('GET', '/api/jobs?status=finished')).json.jobs).not.toContainEqual(
      expect.objectContaining({ id }),
    );
  });
});

describe('workers on a server without --frontier', () => {
  it('lists none and refuses a worker with 409: its jobs run on this machine', async () => {
    const list = await t.api('GET', '/api/workers');
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ shared: false, workers: [] });
    const register = await t.api('POST', '/api/workers', {
      host: 'h',
      version: '1',
      pid: 1,
      maxJobs: 1,
    });
    expect(register.status).toBe(409);
    expect(register.json.error.message).toMatch(/--frontier/);
  });
});

describe('the OpenAPI document', () => {
  it('is an OpenAPI 3.1 JSON document describing every route of the app', async () => {
    const response = await t.api('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const doc = JSON.parse(response.text);
    expect(doc.openapi).toBe('3.1.0');
    const routesOfApp = t.server.app.routes
      .filter(
        (route) =>
          route.method !== 'ALL' &&
          (route.path.startsWith('/api/') ||
            ['/openapi.json', '/metrics', '/healthz', '/readyz'].includes(route.path)),
      )
      .map((route) => [route.method.toLowerCase(), route.path.replace(/:(\w+)/g, '{$1}')] as const);
    expect(routesOfApp.length).toBe(35);
    const probes = ['/healthz', '/readyz'];
    for (const [method, path] of routesOfApp) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      // The probes need no token; everything else answers 401 without one, and 403 to a viewer when it writes.
      if (probes.includes(path)) expect(doc.paths[path][method].security).toEqual([]);
      else expect(doc.paths[path][method].responses['401']).toBeDefined();
      if (method !== 'get') expect(doc.paths[path][method].responses['403']).toBeDefined();
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(routesOfApp.map(([m, p]) => `${m} ${p}`).sort());
    // Every $ref points at a defined schema.
    for (const [, name] of response.text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
      expect(doc.components.schemas[name as string], name).toBeDefined();
    }
  });
});

describe('dashboard files', () => {
  it('are served without a token, by listed name only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-dash-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    const app = new Hono();
    staticRoutes(app, dir);
    const index = await app.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await app.request('/app.js')).headers.get('content-type')).toContain('javascript');
    for (const path of ['/missing.js', '/..%2Fpackage.json', '/.env', '/dir%2Fapp.js']) {
      expect((await app.request(path)).status, path).toBe(404);
    }
    const vendor = await app.request('/vendor/uPlot.iife.min.js');
    expect(vendor.status).toBe(200);
  });
});
