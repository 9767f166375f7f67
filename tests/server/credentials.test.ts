// A start URL's credentials are used for the fetch and shown nowhere: API, WebSocket, items, log, schedules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { lines, makeProject, startTestServer, type TestServer } from './server-helpers.js';

const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
let site: LocalServer;
let t: TestServer;
let withCredentials: string;

beforeAll(async () => {
  // Every page asks for the credentials: a 200 proves the job fetched with them.
  site = await startLocalServer((req, res) => {
    if (req.headers.authorization !== expected) res.writeHead(401).end();
    else if (req.url === '/robots.txt') res.writeHead(200).end('');
    else if (req.url === '/broken') req.socket.destroy();
    else {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<title>t</title><a href="/next">n</a><a href="/broken">b</a>');
    }
  });
  withCredentials = site.origin.replace('http://', 'http://alice:s3cret@');
  t = await startTestServer({ project: await makeProject(), allowPrivate: true });
});
afterAll(async () => {
  await t?.close();
  await site?.close();
});

function expectNoCredentials(what: string, text: string): void {
  expect(text, what).not.toContain('s3cret');
  expect(text, what).not.toContain('alice');
}

describe('a job whose start URL has credentials', () => {
  it('fetches with them, and the API, the WebSocket feed, its items and its log never show them', async () => {
    const ws = new WebSocket(`${t.server.url.replace('http:', 'ws:')}/ws?token=${t.server.token}`);
    const received: string[] = [];
    ws.on('message', (data) => received.push(data.toString()));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', jobs: '*' }));

    const created = await t.api('POST', '/api/jobs', {
      url: `${withCredentials}/`,
      options: { retries: 0 },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.job.id as string;
    expect(created.json.job.url).toBe(`${site.origin}/`);
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job.status).toBe('finished');

    const items = await t.api('GET', `/api/jobs/${id}/items`);
    const records = lines(items.text).map((line) => JSON.parse(line));
    expect(records.map((record) => [record.url, record.status]).sort()).toEqual([
      [`${site.origin}/`, 200],
      [`${site.origin}/next`, 200],
    ]);
    const detail = await t.api('GET', `/api/jobs/${id}`);
    expect(detail.json.progress.errors).toEqual([
      expect.objectContaining({ url: `${site.origin}/broken`, code: 'AR_NETWORK' }),
    ]);
    // The job's own subscription, and the list: the messages a dashboard renders.
    ws.send(JSON.stringify({ type: 'subscribe', job: id }));
    await new Promise<void>((resolve) => {
      const check = () => {
        if (received.some((m) => m.includes('"type":"progress"') && m.includes('/broken'))) {
          ws.off('message', check);
          resolve();
        }
      };
      ws.on('message', check);
      check();
    });
    ws.close();

    expectNoCredentials('job detail', detail.text);
    expectNoCredentials('job list', (await t.api('GET', '/api/jobs')).text);
    expectNoCredentials('items', items.text);
    expectNoCredentials('log', (await t.api('GET', `/api/jobs/${id}/log`)).text);
    expectNoCredentials('WebSocket', received.join('\n'));
    expect(received.some((m) => m.includes(`"url":"${site.origin}/"`))).toBe(true);
  });

  it('a schedule shows its spider start URLs without them', async () => {
    const created = await t.api('POST', '/api/schedules', {
      cron: '0 0 1 1 *',
      spider: 'shop',
      start: [`${withCredentials}/`],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.schedule.start).toEqual([`${site.origin}/`]);
    expectNoCredentials('schedule', created.text);
    expectNoCredentials('schedules', (await t.api('GET', '/api/schedules')).text);
  });
});
