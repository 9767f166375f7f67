// Named tokens and the audit log: scopes over real HTTP and the WebSocket, then `arachne serve token` end to end.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli, spawnServe } from '../helpers/run-cli.js';
import { collectOutput } from '../helpers/wait.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

let site: LocalServer;
let project: string;
let t: TestServer;
let viewer: string;
let operator: string;

beforeAll(async () => {
  // Two pages and a long delay: a job stays running, with nothing in flight, until it is paused or cancelled.
  site = await startLocalServer({
    '/': '<a href="/next">next</a>',
    '/next': '<p>next</p>',
    '/robots.txt': 'User-agent: *\nAllow: /\n',
  });
  project = await makeProject();
  t = await startTestServer({ project, allowPrivate: true });
  viewer = t.server.tokens.add('grafana', 'viewer');
  operator = t.server.tokens.add('deployer', 'operator');
});
afterAll(async () => {
  await t?.close();
  await site?.close();
});

interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies
  json: any;
}

async function call(
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<CallResult> {
  const response = await fetch(`${t.server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? JSON.parse(text) : undefined,
  };
}

function wsOpens(token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${t.server.url.replace('http:', 'ws:')}/ws`, [
      'arachne',
      `bearer.${token}`,
    ]);
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

const schedule = () => ({ cron: '0 3 * * *', url: `${site.origin}/` });

describe('scopes', () => {
  it('a viewer token reads (REST, /metrics, the WebSocket) and gets 403 AR_FORBIDDEN on every change', async () => {
    const server = await call('GET', '/api/server', viewer);
    expect(server.status).toBe(200);
    expect(server.json.caller).toEqual({ name: 'grafana', scope: 'viewer' });
    expect((await call('GET', '/api/jobs', viewer)).status).toBe(200);
    expect((await call('GET', '/api/audit', viewer)).status).toBe(200);
    expect(
      (await fetch(`${t.server.url}/metrics`, { headers: { authorization: `Bearer ${viewer}` } }))
        .status,
    ).toBe(200);
    expect(await wsOpens(viewer)).toBe(101);

    const refused = [
      await call('POST', '/api/jobs', viewer, { url: `${site.origin}/` }),
      await call('POST', '/api/schedules', viewer, schedule()),
      await call('DELETE', '/api/schedules/0123456789abcdef', viewer),
      await call('POST', '/api/jobs/0123456789abcdef/cancel', viewer),
    ];
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(response.json.error.code).toBe('AR_FORBIDDEN');
      expect(response.json.error.message).toContain('grafana');
    }
    expect((await call('GET', '/api/jobs', viewer)).json.jobs).toEqual([]);
    expect((await call('GET', '/api/schedules', viewer)).json.schedules).toEqual([]);
  });

  it('an operator token changes jobs and schedules; the default token is the operator "default"', async () => {
    expect((await call('GET', '/api/server', operator)).json.caller).toEqual({
      name: 'deployer',
      scope: 'operator',
    });
    expect((await call('GET', '/api/server', t.server.token)).json.caller).toEqual({
      name: 'default',
      scope: 'operator',
    });
    expect(await wsOpens('a-token-nobody-made-at-all')).toBe(401);
    expect((await call('GET', '/api/jobs', 'a-token-nobody-made-at-all')).status).toBe(401);
  });
});

describe('the audit log', () => {
  it('records every job and schedule change with the token name, newest first, in pages', async () => {
    const created = await call('POST', '/api/schedules', operator, schedule());
    expect(created.status).toBe(201);
    const scheduleId = created.json.schedule.id as string;
    expect((await call('DELETE', `/api/schedules/${scheduleId}`, t.server.token)).status).toBe(204);

    const job = await call('POST', '/api/jobs', operator, {
      url: `${site.origin}/`,
      options: { delayMs: 600_000 },
    });
    expect(job.status).toBe(201);
    const id = job.json.job.id as string;
    await t.waitForStatus(id, ['running']);
    expect((await call('POST', `/api/jobs/${id}/pause`, operator)).json.job.status).toBe('paused');
    expect((await call('POST', `/api/jobs/${id}/resume`, t.server.token)).status).toBe(200);
    await t.waitForStatus(id, ['running']);
    expect((await call('POST', `/api/jobs/${id}/cancel`, operator)).json.job.status).toBe(
      'cancelled',
    );
    // A refused action changed nothing, so it is not recorded.
    expect((await call('POST', `/api/jobs/${id}/pause`, operator)).status).toBe(409);

    const all = await call('GET', '/api/audit', viewer);
    expect(all.json.total).toBe(6);
    expect(
      all.json.entries.map((entry: { token: string; action: string; target: string }) => [
        entry.token,
        entry.action,
        entry.target,
      ]),
    ).toEqual([
      ['deployer', 'job.cancel', id],
      ['default', 'job.resume', id],
      ['deployer', 'job.pause', id],
      ['deployer', 'job.create', id],
      ['default', 'schedule.delete', scheduleId],
      ['deployer', 'schedule.create', scheduleId],
    ]);
    for (const entry of all.json.entries) expect(Date.parse(entry.at)).not.toBeNaN();

    const page = await call('GET', '/api/audit?offset=1&limit=2', viewer);
    expect(page.json.entries.map((entry: { action: string }) => entry.action)).toEqual([
      'job.resume',
      'job.pause',
    ]);
    expect(page.headers.get('x-total-count')).toBe('6');
    expect(page.headers.get('x-next-offset')).toBe('3');
    expect(page.headers.get('x-has-more')).toBe('true');
    const ofJob = await call('GET', `/api/audit?target=${id}`, viewer);
    expect(ofJob.json.total).toBe(4);
    expect((await call('GET', '/api/audit?limit=0', viewer)).status).toBe(400);
  }, 60_000);

  it('names the scheduler as the author of the jobs a schedule starts', async () => {
    const created = await call('POST', '/api/schedules', operator, {
      cron: '* * * * * *',
      url: `${site.origin}/`,
      options: { delayMs: 600_000 },
    });
    expect(created.status).toBe(201);
    const scheduleId = created.json.schedule.id as string;
    const job = await t.waitForJob(
      'a job of the schedule',
      (candidate) => candidate.scheduleId === scheduleId,
    );
    expect((await call('DELETE', `/api/schedules/${scheduleId}`, operator)).status).toBe(204);
    const entries = (await call('GET', `/api/audit?target=${job.id}`, viewer)).json.entries;
    expect(entries).toEqual([
      expect.objectContaining({ token: 'scheduler', action: 'job.create' }),
    ]);
    expect((await call('POST', `/api/jobs/${job.id}/cancel`, operator)).status).toBe(200);
  }, 60_000);

  it('a revoked token is refused from the next request', async () => {
    const spare = t.server.tokens.add('spare', 'viewer');
    expect((await call('GET', '/api/jobs', spare)).status).toBe(200);
    expect(t.server.tokens.revoke('spare')).toBe(true);
    expect((await call('GET', '/api/jobs', spare)).status).toBe(401);
  });
});

describe('arachne serve token', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('adds, lists and revokes tokens in the data dir; a server started on it accepts them by scope', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'arachne-tokens-')), 'data');
    const token = (...args: string[]) => runCli(['serve', 'token', ...args, '--data-dir', dataDir]);
    const add = await token('add', 'ci', '--scope', 'viewer');
    expect(add.code, add.stderr).toBe(0);
    const ciToken = add.stdout.trim();
    expect(ciToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(add.stderr).toContain('shown only this once');
    const [ops, duplicate, badScope] = await Promise.all([
      token('add', 'ops', '--scope', 'operator'),
      token('add', 'ci', '--scope', 'viewer'),
      token('add', 'x', '--scope', 'admin'),
    ]);
    const opsToken = ops.stdout.trim();
    expect(opsToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(opsToken).not.toBe(ciToken);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('exists already');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('--scope viewer|operator');

    // Only hashes are stored: neither token appears in the database files.
    for (const file of ['server.db', 'server.db-wal']) {
      const bytes = await readFile(join(dataDir, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(ciToken)).toBe(false);
      expect(bytes.includes(opsToken)).toBe(false);
    }

    child = spawnServe(project, dataDir, { token: '' });
    const stderr = collectOutput(child.stderr);
    const [, url = ''] = await stderr.match(/listening on (http:\/\/\S+)/);
    const defaultToken = (await readFile(join(dataDir, 'token'), 'utf8')).trim();
    const as = async (token: string, method = 'GET', path = '/api/server', body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: JSON bodies
      const json: any = await response.json();
      return { status: response.status, json };
    };
    expect((await as(ciToken)).json.caller).toEqual({ name: 'ci', scope: 'viewer' });
    expect((await as(opsToken)).json.caller).toEqual({ name: 'ops', scope: 'operator' });
    expect((await as(defaultToken)).json.caller).toEqual({ name: 'default', scope: 'operator' });
    const refused = await as(ciToken, 'POST', '/api/schedules', schedule());
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('AR_FORBIDDEN');
    expect((await as(opsToken, 'POST', '/api/schedules', schedule())).status).toBe(201);

    const list = await token('list');
    expect(list.code).toBe(0);
    const rows = list.stdout.split('\n');
    expect(rows[0]).toMatch(/^NAME\s+SCOPE\s+CREATED\s+LAST USED$/);
    expect(rows.find((row) => row.startsWith('ci '))).toMatch(/^ci\s+viewer\s+\S+Z\s+\S+Z$/);
    expect(rows.find((row) => row.startsWith('ops '))).toMatch(/^ops\s+operator\s+\S+Z\s+\S+Z$/);
    expect(rows.find((row) => row.startsWith('default '))).toMatch(/^default\s+operator\s/);
    for (const secret of [ciToken, opsToken, defaultToken])
      expect(list.stdout).not.toContain(secret);

    // Revoked while the server runs: refused from the next request on.
    const revoke = await token('revoke', 'ci');
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await as(ciToken)).status).toBe(401);
    expect((await as(opsToken)).status).toBe(200);
    const [again, ofDefault] = await Promise.all([
      token('revoke', 'ci'),
      token('revoke', 'default'),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no token named "ci"');
    expect(ofDefault.code).toBe(2);
    expect(ofDefault.stderr).toContain("server's own token");

    const audit = await as(opsToken, 'GET', '/api/audit');
    expect(
      audit.json.entries.map((entry: { token: string; action: string; target: string }) =>
        `${entry.token} ${entry.action} ${entry.action.startsWith('token') ? entry.target : ''}`.trim(),
      ),
    ).toEqual([
      'cli token.revoke ci',
      'ops schedule.create',
      'cli token.add ops',
      'cli token.add ci',
    ]);

    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child?.on('exit', resolve))).toBe(0);
    child = undefined;
  }, 60_000);
});
