import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ShopServerProcess, startShopServer } from '../../src/sample-shop/index.js';
import { whenEvent } from '../helpers/wait.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

let shop: ShopServerProcess;
let t: TestServer;
let wsUrl: string;

beforeAll(async () => {
  shop = await startShopServer({ seed: 2, products: 30 });
  t = await startTestServer({ project: await makeProject(), allowPrivate: true });
  wsUrl = `${t.server.url.replace('http:', 'ws:')}/ws`;
});
afterAll(async () => {
  await t?.close();
  await shop?.stop();
});

/** The HTTP status of a refused upgrade, or 101 when the WebSocket opened. */
function upgradeStatus(
  url: string,
  options: WebSocket.ClientOptions = {},
  protocols?: string[],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

interface Client {
  ws: WebSocket;
  // biome-ignore lint/suspicious/noExplicitAny: JSON messages
  messages: any[];
  // biome-ignore lint/suspicious/noExplicitAny: JSON messages
  next(match: (message: any) => boolean, what: string): Promise<any>;
}

async function connect(
  url = `${wsUrl}?token=${t.server.token}`,
  protocols?: string[],
): Promise<Client> {
  const ws = new WebSocket(url, protocols);
  // biome-ignore lint/suspicious/noExplicitAny: JSON messages
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    // The first matching message, received or coming: `messages` is filled by an earlier listener.
    next: (match, what) =>
      whenEvent(ws, 'message', () => messages.find(match), {
        timeoutMs: 20_000,
        what,
        now: () => messages.find(match),
      }),
  };
}

describe('WebSocket authentication', () => {
  it('refuses an upgrade without a token (401)', async () => {
    expect(await upgradeStatus(wsUrl)).toBe(401);
  });

  it('refuses a wrong token, in the query or the subprotocol (401)', async () => {
    expect(await upgradeStatus(`${wsUrl}?token=${t.server.token}x`)).toBe(401);
    expect(await upgradeStatus(wsUrl, {}, ['arachne', `bearer.${t.server.token}x`])).toBe(401);
  });

  it('refuses a page from another origin (403), accepts the same origin', async () => {
    const url = `${wsUrl}?token=${t.server.token}`;
    expect(await upgradeStatus(url, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: t.server.url })).toBe(101);
  });

  it('behind a proxy, matches a default port however it is written, and refuses a Host without the port', async () => {
    const url = `${wsUrl}?token=${t.server.token}`;
    const behind = (origin: string, host: string) =>
      upgradeStatus(url, { origin, headers: { host } });
    expect(await behind('https://crawl.example.test', 'crawl.example.test:443')).toBe(101);
    expect(await behind('https://Crawl.Example.test', 'crawl.example.test')).toBe(101);
    expect(await behind('https://crawl.example.test:8443', 'crawl.example.test:8443')).toBe(101);
    // What nginx's `proxy_set_header Host $host` sends: the browser's port is gone.
    expect(await behind('https://crawl.example.test:8443', 'crawl.example.test')).toBe(403);
    expect(await behind('http://crawl.example.test', 'crawl.example.test:443')).toBe(403);
    expect(await behind('https://crawl.example.test', 'evil.example@crawl.example.test')).toBe(403);
  });

  it('has WebSockets only on /ws', async () => {
    expect(
      await upgradeStatus(
        `${t.server.url.replace('http:', 'ws:')}/api/jobs?token=${t.server.token}`,
      ),
    ).toBe(404);
  });

  it('accepts the token as a bearer.<token> subprotocol and answers with "arachne"', async () => {
    const client = await connect(wsUrl, ['arachne', `bearer.${t.server.token}`]);
    expect(client.ws.protocol).toBe('arachne');
    client.ws.close();
  });
});

describe('WebSocket protocol', () => {
  it('pushes the job list, status changes and progress to a subscriber of every job', async () => {
    const client = await connect();
    client.ws.send(JSON.stringify({ type: 'subscribe', jobs: '*' }));
    await client.next((m) => m.type === 'jobs', 'the initial job list');
    const created = await t.api('POST', '/api/jobs', {
      spider: 'shop',
      start: [`${shop.origin}/`],
      options: { concurrency: 1, perHost: 1, delayMs: 30 },
    });
    const id = created.json.job.id as string;
    await client.next(
      (m) => m.type === 'jobs' && m.jobs.some((job: { id: string }) => job.id === id),
      'a list with the job',
    );
    await client.next(
      (m) => m.type === 'job' && m.job.id === id && m.job.status === 'running',
      'running',
    );
    const progress = await client.next((m) => m.type === 'progress' && m.job === id, 'progress');
    expect(progress).toMatchObject({
      stats: expect.objectContaining({ requests: expect.any(Number) }),
      hosts: expect.any(Array),
      latency: expect.objectContaining({ total: expect.any(Object) }),
      errors: [],
      items: { first: expect.any(Array), last: expect.any(Array) },
    });
    await client.next(
      (m) => m.type === 'job' && m.job.id === id && m.job.status === 'finished',
      'finished',
    );
    client.ws.close();
  });

  it('a subscriber of one job gets its status at once, and only that job', async () => {
    const other = await t.api('POST', '/api/jobs', {
      url: `${shop.origin}/`,
      options: { maxPages: 1 },
    });
    const mine = await t.api('POST', '/api/jobs', {
      url: `${shop.origin}/`,
      options: { maxPages: 3 },
    });
    const client = await connect();
    client.ws.send(JSON.stringify({ type: 'subscribe', job: mine.json.job.id }));
    await client.next((m) => m.type === 'job' && m.job.id === mine.json.job.id, 'the job at once');
    await t.waitForStatus(mine.json.job.id, ['finished']);
    await t.waitForStatus(other.json.job.id, ['finished']);
    await client.next((m) => m.type === 'job' && m.job.status === 'finished', 'finished');
    expect(
      client.messages.filter((m) => m.job === other.json.job.id || m.job?.id === other.json.job.id),
    ).toEqual([]);
    expect(client.messages.some((m) => m.type === 'jobs')).toBe(false);
    client.ws.close();
  });

  it('answers bad messages and unknown jobs with an error message', async () => {
    const client = await connect();
    client.ws.send('not json');
    await client.next(
      (m) => m.type === 'error' && m.error.code === 'AR_BAD_REQUEST',
      'bad request',
    );
    client.ws.send(JSON.stringify({ type: 'subscribe', job: '0123456789abcdef' }));
    await client.next((m) => m.type === 'error' && m.error.code === 'AR_NOT_FOUND', 'not found');
    client.ws.close();
  });
});
