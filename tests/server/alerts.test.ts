// Alerts from a real server running real jobs against local sites: a job that fails, a job whose pages fail (error
// rate), a job on a site that does not answer (running too long). A local HTTP server receives the webhook (body and
// HMAC signature checked), a real SMTP server the mails. Waits are on the deliveries, never on the clock.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/server/alert.js';
import { createWebhook, signature } from '../../src/server/webhook.js';
import {
  type LocalServer,
  readBody,
  startLocalServer,
  startRawServer,
} from '../helpers/local-server.js';
import { runCli, spawnServe } from '../helpers/run-cli.js';
import { type MailServer, startMailServer } from '../helpers/smtp-server.js';
import { collectOutput, whenEvent } from '../helpers/wait.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

const secret = 'a-webhook-secret-for-tests';

interface Delivery {
  path: string;
  event: string | undefined;
  signature: string | undefined;
  authorization: string | undefined;
  body: string;
  alert: Alert;
}

let receiver: LocalServer;
const deliveries: Delivery[] = [];
const arrivals = new EventEmitter();
let smtp: MailServer;
let project: string;

beforeAll(async () => {
  receiver = await startLocalServer(async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    const delivery: Delivery = {
      path,
      event: header(req.headers['x-arachne-event']),
      signature: header(req.headers['x-arachne-signature']),
      authorization: header(req.headers.authorization),
      body,
      alert: JSON.parse(body) as Alert,
    };
    deliveries.push(delivery);
    arrivals.emit('delivery', delivery);
    res.writeHead(204).end();
  });
  smtp = await startMailServer();
  project = await makeProject({
    // Follows every link; statuses other than 2xx are failed requests (a spider handles none unless it says so).
    'links.ts': `import { defineSpider } from 'arachne';
export default defineSpider({ name: 'links', start: ['http://127.0.0.1:9/'], *parse(page) {
  for (const href of page.links()) yield page.follow(href);
} });
`,
  });
});
afterAll(async () => {
  await receiver?.close();
  await smtp?.close();
});

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The first webhook call, received or coming, about `jobId` with `event`. */
function delivery(jobId: string, event: string): Promise<Delivery> {
  const accept = (d: Delivery) => d.alert.job.id === jobId && d.event === event;
  return whenEvent(arrivals, 'delivery', (d: Delivery) => (accept(d) ? d : undefined), {
    timeoutMs: 20_000,
    what: `the ${event} webhook of job ${jobId} (received: ${JSON.stringify(deliveries.map((d) => [d.event, d.alert.job.id]))})`,
    now: () => deliveries.find(accept),
  });
}

/** A server sending alerts to the receiver's `path` (signed) and mail to the test SMTP server. */
function serverWith(path: string, alerts: { errorRate?: number; maxDurationMs?: number }) {
  return startTestServer({
    project,
    allowPrivate: true,
    mail: {
      host: '127.0.0.1',
      port: smtp.port,
      from: 'arachne@example.test',
      to: 'ops@example.test',
    },
    alerts: {
      webhook: { url: `${receiver.origin}${path}`, secret },
      errorRateMinRequests: 4,
      ...alerts,
    },
  });
}

/** A no-code crawl of `url`, or a run of the project spider `spider` from `url`. */
async function submit(t: TestServer, url: string, spider?: string): Promise<string> {
  const spec = spider ? { spider, start: [url] } : { url };
  const created = await t.api('POST', '/api/jobs', { ...spec, options: { retries: 0 } });
  expect(created.status).toBe(201);
  return created.json.job.id as string;
}

/** The message with its folded header lines joined (nodemailer folds long subjects). */
function unfolded(raw: string): string {
  return raw.replace(/\r?\n[ \t]+/g, ' ');
}

function expectSigned(d: Delivery): void {
  expect(d.signature).toBe(signature(secret, d.body));
  expect(d.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
}

describe('alerts from real jobs', () => {
  it('a job that fails: a signed job:failed webhook, and its report by mail', async () => {
    // Every connection is cut before an answer: the job fetches nothing and fails.
    const dead = await startRawServer((socket) => socket.destroy());
    const t = await serverWith('/failed', {});
    try {
      const id = await submit(t, `${dead.origin}/`);
      const hook = await delivery(id, 'job:failed');
      expectSigned(hook);
      expect(hook.path).toBe('/failed');
      expect(hook.alert).toMatchObject({
        event: 'job:failed',
        job: { id, status: 'failed', spider: 'site' },
      });
      expect(hook.alert.message).toContain(
        `job ${id.slice(0, 8)} (site) failed: no page was fetched`,
      );
      const mail = await smtp.next((m) => m.raw.includes(id.slice(0, 8)), 'the failed report');
      expect(unfolded(mail.raw)).toMatch(/Subject: \[arachne\] job \S+ \(site\) failed/);
      expect(deliveries.filter((d) => d.alert.job.id === id).map((d) => d.event)).toEqual([
        'job:failed',
      ]);
    } finally {
      await t.close();
    }
  });

  it('a job whose pages fail: job:error-rate once, by webhook and by mail', async () => {
    const links = [1, 2, 3, 4, 5].map((n) => `<a href="/broken/${n}">${n}</a>`).join('');
    const site = await startLocalServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(links);
      else if (req.url === '/robots.txt') res.writeHead(404).end();
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('broken');
    });
    const t = await serverWith('/rate', { errorRate: 0.5 });
    try {
      const id = await submit(t, `${site.origin}/`, 'links');
      const hook = await delivery(id, 'job:error-rate');
      expectSigned(hook);
      const { errorRate } = hook.alert;
      expect(errorRate).toMatchObject({ threshold: 0.5, minRequests: 4 });
      expect(errorRate?.requests).toBeGreaterThanOrEqual(4);
      expect(errorRate?.rate).toBeGreaterThan(0.5);
      expect(errorRate?.rate).toBe((errorRate?.failed ?? 0) / (errorRate?.requests ?? 1));
      expect(hook.alert.message).toMatch(
        /\d+ of \d+ requests failed \([\d.]+ %\), over the 50 % threshold/,
      );
      const mail = await smtp.next(
        (m) => m.raw.includes('alert:') && m.raw.includes(id.slice(0, 8)),
        'the error-rate mail',
      );
      expect(unfolded(mail.raw)).toMatch(
        /Subject: \[arachne\] alert: job \S+ \(links\): \d+ of \d+ requests/,
      );
      // Once per run: the job ends (its report is mailed at the same moment as a second alert would be sent).
      await t.waitForStatus(id, ['finished', 'failed']);
      await smtp.next(
        (m) => m.raw.includes(id.slice(0, 8)) && !m.raw.includes('alert:'),
        'the report',
      );
      expect(deliveries.filter((d) => d.alert.job.id === id).map((d) => d.event)).toEqual([
        'job:error-rate',
      ]);
    } finally {
      await t.close();
    }
  });

  it('a job running longer than expected: job:overdue once, by webhook and by mail', async () => {
    // The page is held until the alert came (the request may come before or after it: the job starts slowly).
    const held: ServerResponse[] = [];
    let released = false;
    const answer = (res: ServerResponse) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>late</p>');
    const slow = await startLocalServer((req, res) => {
      if (req.url === '/robots.txt') res.writeHead(404).end();
      else if (released) answer(res);
      else held.push(res);
    });
    const t = await serverWith('/overdue', { maxDurationMs: 1500 });
    try {
      const id = await submit(t, `${slow.origin}/`);
      const hook = await delivery(id, 'job:overdue');
      expectSigned(hook);
      expect(hook.alert.job).toMatchObject({ id, status: 'running' });
      expect(hook.alert.duration?.maxMs).toBe(1500);
      expect(hook.alert.duration?.runningMs).toBeGreaterThanOrEqual(1500);
      expect(hook.alert.message).toMatch(/has been running for \d+s, over the expected 1s/);
      const mail = await smtp.next(
        (m) => m.raw.includes('alert:') && m.raw.includes(id.slice(0, 8)),
        'the overdue mail',
      );
      expect(unfolded(mail.raw)).toMatch(
        /Subject: \[arachne\] alert: job \S+ \(site\) has been running for \d+s, over the expected 1s/,
      );
      released = true;
      for (const res of held.splice(0)) answer(res);
      expect((await t.waitForStatus(id, ['finished', 'failed'])).status).toBe('finished');
      expect(deliveries.filter((d) => d.alert.job.id === id).map((d) => d.event)).toEqual([
        'job:overdue',
      ]);
    } finally {
      for (const res of held) res.destroy();
      await t.close();
    }
  }, 60_000);
});

describe('arachne serve --alert-*', () => {
  it('sends a signed webhook when a job fails, with the secret from --alert-secret-env', async () => {
    const dead = await startRawServer((socket) => socket.destroy());
    const dataDir = `${project}/.arachne-cli`;
    const token = 'a-token-for-the-alerts-test';
    const child = spawnServe(project, dataDir, {
      token,
      args: [
        '--alert-webhook',
        `http://hooks:pass@127.0.0.1:${receiver.port}/cli`,
        '--alert-secret-env',
        'ARACHNE_TEST_HOOK_SECRET',
        '--alert-max-duration',
        '10m',
        '--alert-error-rate',
        '0.9',
      ],
      env: { ARACHNE_TEST_HOOK_SECRET: secret },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const [, url] = await collectOutput(child.stderr).match(/listening on (http:\/\/\S+)/);
      const created = await fetch(`${url}/api/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${dead.origin}/`, options: { retries: 0 } }),
      });
      const { job } = (await created.json()) as { job: { id: string } };
      const hook = await delivery(job.id, 'job:failed');
      expectSigned(hook);
      expect(hook.path).toBe('/cli');
      expect(hook.authorization).toBe(`Basic ${Buffer.from('hooks:pass').toString('base64')}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it.each([
    [['--alert-error-rate', '0.2'], /--alert-error-rate needs --alert-webhook or --smtp-host/],
    [['--alert-webhook', 'http://127.0.0.1:9/', '--alert-max-duration', '30'], /30m, 2h/],
    [
      ['--alert-webhook', 'http://127.0.0.1:9/', '--alert-secret-env', 'ARACHNE_UNSET_VAR'],
      /is not set/,
    ],
  ])('refuses %j', async (args, message) => {
    const result = await runCli(['serve', '--project', project, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});

describe('the webhook', () => {
  it('retries a 5xx and a timeout, not a 4xx, and says why it gave up', async () => {
    const answers = new Map<string, number[]>([
      ['/flaky', [503, 204]],
      ['/refused', [403, 204]],
    ]);
    const site = await startLocalServer((req, res) => {
      const next = answers.get(req.url ?? '')?.shift();
      if (next === undefined) return; // /silent: never answers
      res.writeHead(next).end();
    });
    const hook = (path: string) =>
      createWebhook({ url: `${site.origin}${path}`, retries: 2, retryDelayMs: 10, timeoutMs: 300 });
    expect(await hook('/flaky').send('job:failed', {})).toMatchObject({
      ok: true,
      status: 204,
      attempts: 2,
    });
    const refused = await hook('/refused').send('job:failed', {});
    expect(refused).toMatchObject({ ok: false, attempts: 1 });
    if (!refused.ok) expect(refused.error).toMatchObject({ code: 'AR_WEBHOOK', status: 403 });
    const silent = await hook('/silent').send('job:failed', {});
    expect(silent).toMatchObject({ ok: false, attempts: 3 });
    if (!silent.ok) expect(silent.error.message).toBe('the webhook did not answer within 300 ms');
    expect(site.count('/silent')).toBe(3);
  });
});
