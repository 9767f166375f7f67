// The API routes behind the dashboard's daily work: delete and re-run a job, pause and resume a schedule, the cron
// preview, and a job's log tail on the WebSocket. A real server, real job processes, a local site.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { describeCron } from '../../src/server/cron-describe.js';
import type { Job } from '../../src/server/types.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { whenEvent } from '../helpers/wait.js';
import { lines, makeProject, startTestServer, type TestServer } from './server-helpers.js';

let site: LocalServer;
let t: TestServer;
let releaseGate: () => void = () => {};
const gate = new Promise<void>((resolve) => {
  releaseGate = resolve;
});

beforeAll(async () => {
  site = await startLocalServer({
    '/': '<a href="/a">a</a> <a href="/broken">broken</a>',
    '/a': '<p>a</p>',
    // A connection closed without an answer: a network error, a failed request with retries 0.
    '/broken': (req) => {
      req.socket.destroy();
    },
    // Holds its answer until the test opens the gate: a job that stays running.
    '/held': '<a href="/held/wait">wait</a>',
    '/held/wait': async (_req, res) => {
      await gate;
      res.end('<p>done</p>');
    },
  });
  t = await startTestServer({ project: await makeProject(), allowPrivate: true, maxJobs: 1 });
});
afterAll(async () => {
  releaseGate();
  await t?.close();
  await site?.close();
});

const ids = (jobs: Job[]) => jobs.map((job) => job.id);

describe('jobs: delete and re-run', () => {
  it('re-runs a job with its stored spec, credentials included, and deletes a finished one with its files', async () => {
    const secretUrl = site.origin.replace('http://', 'http://alice:s3cret@');
    const first = (
      await t.api('POST', '/api/jobs', {
        url: `${secretUrl}/`,
        options: { retries: 0, maxPages: 10 },
        format: 'csv',
      })
    ).json.job as Job;
    expect(first.url).not.toContain('s3cret');
    await t.waitForStatus(first.id, ['finished', 'failed']);
    const rerun = await t.api('POST', `/api/jobs/${first.id}/rerun`);
    expect(rerun.status).toBe(201);
    const second = rerun.json.job as Job;
    expect(second.id).not.toBe(first.id);
    expect(second.options).toEqual({ retries: 0, maxPages: 10 });
    expect(second.format).toBe('csv');
    expect(second.spider).toBe('site');
    expect(second.url).toBe(first.url);
    // The stored spec keeps the credentials: the re-run sends them.
    await t.waitForStatus(second.id, ['finished', 'failed']);
    const authorized = site.requests.filter((r) => r.headers.authorization?.startsWith('Basic '));
    expect(authorized.length).toBeGreaterThanOrEqual(2);
    const items = await t.api('GET', `/api/jobs/${second.id}/items`);
    expect(lines(items.text).length).toBe(2);
    expect(second.stats).toBeNull();
    expect((await t.job(second.id)).stats?.failed).toBe(1);
    // The CSV copy holds the same items: a header and one row each.
    const csv = await t.api('GET', `/api/jobs/${second.id}/export`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="${second.id}-items.csv"`,
    );
    const rows = lines(csv.text);
    expect(rows[0]).toContain('url');
    expect(
      rows
        .slice(1)
        .map((row) => row.split(',')[0])
        .sort(),
    ).toEqual(
      lines(items.text)
        .map((line) => JSON.parse(line).url)
        .sort(),
    );

    // The failure's log line leads with its URL (the dashboard's errors table links to it).
    const log = lines((await t.api('GET', `/api/jobs/${first.id}/log`)).text);
    expect(log.filter((l) => l.includes('WARN request failed:'))).toEqual([
      expect.stringContaining(`request failed: ${site.origin}/broken `),
    ]);

    const dir = join(t.server.dataDir, 'jobs', first.id);
    await access(dir);
    const deleted = await t.api('DELETE', `/api/jobs/${first.id}`);
    expect(deleted.status).toBe(204);
    expect((await t.api('GET', `/api/jobs/${first.id}`)).status).toBe(404);
    await expect(access(dir)).rejects.toThrow();
    expect(ids((await t.api('GET', '/api/jobs')).json.jobs)).not.toContain(first.id);
    expect((await t.api('DELETE', `/api/jobs/${first.id}`)).status).toBe(404);
  });

  it('refuses to delete a running job (409); tails its log live on the WebSocket; deletes it once done', async () => {
    const job = (await t.api('POST', '/api/jobs', { url: `${site.origin}/held` })).json.job as Job;
    await t.waitForStatus(job.id, ['running']);
    const refused = await t.api('DELETE', `/api/jobs/${job.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('AR_CONFLICT');
    expect(refused.json.error.message).toContain('running');
    expect((await t.api('GET', `/api/jobs/${job.id}/export`)).json.error.message).toContain(
      'no export format',
    );
    const badFormat = await t.api('POST', '/api/jobs', { url: `${site.origin}/`, format: 'pdf' });
    expect(badFormat.status).toBe(400);
    expect(badFormat.json.error.field).toBe('format');
    // A queued job has no process: it goes at once (the one-job limit keeps it behind the held one).
    const queued = (await t.api('POST', '/api/jobs', { url: `${site.origin}/` })).json.job as Job;
    expect(queued.status).toBe('queued');
    expect((await t.api('DELETE', `/api/jobs/${queued.id}`)).status).toBe(204);

    const ws = new WebSocket(`${t.server.url.replace('http:', 'ws:')}/ws?token=${t.server.token}`);
    // biome-ignore lint/suspicious/noExplicitAny: JSON messages
    const messages: any[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const logMessages = () => messages.filter((m) => m.type === 'log' && m.job === job.id);
    const logLines = () => logMessages().flatMap((m) => m.lines as string[]);
    const until = (test: () => boolean, what: string) =>
      whenEvent(ws, 'message', () => test() || undefined, {
        timeoutMs: 20_000,
        what,
        now: () => test() || undefined,
      });
    ws.send(JSON.stringify({ type: 'subscribe', log: job.id }));
    await until(() => logLines().some((l) => l.includes('starting')), 'the log so far');
    expect(logMessages()[0].from).toBe(0);
    const before = logLines().length;
    releaseGate();
    await until(() => logLines().some((l) => /INFO closed \(finished\)/.test(l)), 'the last line');
    expect(logLines().length).toBeGreaterThan(before);
    await t.waitForStatus(job.id, ['finished']);
    const rest = await t.api('GET', `/api/jobs/${job.id}/log`);
    // Every line once, in order, as the file holds them.
    expect(logLines()).toEqual(lines(rest.text));
    const froms = logMessages().map((m) => m.from);
    expect(froms).toEqual([...froms].sort((a, b) => a - b));

    expect((await t.api('DELETE', `/api/jobs/${job.id}`)).status).toBe(204);
    ws.close();
  });
});

describe('schedules: pause, resume, preview', () => {
  it('pauses a schedule (no next run, kept in the list) and resumes it', async () => {
    const created = await t.api('POST', '/api/schedules', {
      cron: '0 3 * * *',
      url: `${site.origin}/`,
    });
    expect(created.status).toBe(201);
    const id = created.json.schedule.id as string;
    expect(created.json.schedule.paused).toBe(false);
    expect(created.json.schedule.nextRun).not.toBeNull();
    const paused = await t.api('POST', `/api/schedules/${id}/pause`);
    expect(paused.json.schedule).toMatchObject({ id, paused: true, nextRun: null });
    const listed = (await t.api('GET', '/api/schedules')).json.schedules;
    expect(listed.find((s: { id: string }) => s.id === id)).toMatchObject({ paused: true });
    const resumed = await t.api('POST', `/api/schedules/${id}/resume`);
    expect(resumed.json.schedule.paused).toBe(false);
    expect(new Date(resumed.json.schedule.nextRun).getHours()).toBe(3);
    expect((await t.api('POST', '/api/schedules/0123456789abcdef/pause')).status).toBe(404);
    expect((await t.api('DELETE', `/api/schedules/${id}`)).status).toBe(204);
  });

  it('previews a cron expression: its words and its next runs; a bad one is a 400 naming cron', async () => {
    const preview = await t.api('GET', '/api/schedules/preview?cron=*/15%20*%20*%20*%20*&count=3');
    expect(preview.status).toBe(200);
    expect(preview.json.description).toBe('every 15 minutes');
    const runs = (preview.json.nextRuns as string[]).map((at) => new Date(at));
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(run.getMinutes() % 15).toBe(0);
    expect(Number(runs[1]) - Number(runs[0])).toBe(15 * 60_000);
    const bad = await t.api('GET', '/api/schedules/preview?cron=61%20*%20*%20*%20*');
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('cron');
    const never = await t.api('GET', '/api/schedules/preview?cron=0%200%2030%202%20*');
    expect(never.json.error.message).toContain('never fires');
  });

  it('phrases the common cron shapes', () => {
    expect(describeCron('* * * * *')).toBe('every minute');
    expect(describeCron('30 9 * * 1-5')).toBe('at 09:30 on Monday to Friday');
    expect(describeCron('0 9,17 * * *')).toBe('at 09:00 and 17:00 every day');
    expect(describeCron('0 */6 * * *')).toBe('every 6 hours at minute 0');
    expect(describeCron('15 * * * *')).toBe('every hour at minute 15');
    expect(describeCron('0 0 1 1 *')).toBe('at 00:00 on day 1 of the month in January');
    expect(describeCron('*/10 * * * * *')).toBe('every 10 seconds');
    expect(describeCron('@daily')).toBe('at 00:00 every day');
    expect(describeCron('0 4 * * sun')).toBe('at 04:00 on Sunday');
  });
});
