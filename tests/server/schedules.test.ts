import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobStore } from '../../src/server/job-store.js';
import { Schedules } from '../../src/server/schedules.js';
import type { Job, JobSpec } from '../../src/server/types.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

let site: LocalServer;
let project: string;
let t: TestServer;

beforeAll(async () => {
  site = await startLocalServer({
    '/': '<title>home</title>',
    '/robots.txt': 'User-agent: *\nAllow: /\n',
  });
  project = await makeProject();
  t = await startTestServer({ project, allowPrivate: true });
});
afterAll(async () => {
  await t?.close();
  await site?.close();
});

describe('schedules', () => {
  it('a schedule every second starts jobs until it is deleted', async () => {
    const created = await t.api('POST', '/api/schedules', {
      cron: '* * * * * *',
      url: `${site.origin}/`,
    });
    expect(created.status).toBe(201);
    const schedule = created.json.schedule;
    expect(schedule).toMatchObject({
      cron: '* * * * * *',
      url: `${site.origin}/`,
      spider: null,
      output: 'items.jsonl',
    });
    expect(Date.parse(schedule.nextRun)).toBeGreaterThan(Date.now() - 1000);

    const listed = (await t.api('GET', '/api/schedules')).json.schedules;
    expect(listed.map((s: { id: string }) => s.id)).toEqual([schedule.id]);

    const job = await t.waitForJob(
      'a job started by the schedule',
      (candidate) => candidate.scheduleId === schedule.id,
    );
    expect((await t.waitForStatus(job.id, ['finished', 'failed'])).status).toBe('finished');
    const after = (await t.api('GET', '/api/schedules')).json.schedules[0];
    expect(after.lastJobId).not.toBeNull();

    expect((await t.api('DELETE', `/api/schedules/${schedule.id}`)).status).toBe(204);
    expect((await t.api('GET', '/api/schedules')).json.schedules).toEqual([]);
    expect((await t.api('DELETE', `/api/schedules/${schedule.id}`)).status).toBe(404);
    // That a deleted schedule starts no more jobs is checked below on a fake clock.
  });

  it('a schedule for an unknown spider is refused (400 naming spider)', async () => {
    const response = await t.api('POST', '/api/schedules', { cron: '0 3 * * *', spider: 'nope' });
    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe('spider');
  });

  it('schedules survive a restart of the server', async () => {
    const created = await t.api('POST', '/api/schedules', {
      cron: '0 3 1 1 *',
      spider: 'shop',
      start: [`${site.origin}/`],
      options: { maxPages: 10 },
    });
    expect(created.status).toBe(201);
    const dataDir = t.server.dataDir;
    await t.close();
    t = await startTestServer({ project, dataDir, allowPrivate: true });
    const schedules = (await t.api('GET', '/api/schedules')).json.schedules;
    expect(schedules).toEqual([
      expect.objectContaining({
        id: created.json.schedule.id,
        spider: 'shop',
        options: { maxPages: 10 },
        nextRun: expect.any(String),
      }),
    ]);
  });
});

// The same schedules on a fake clock (croner arms setTimeout and reads Date, both faked): seconds pass at once.
describe('schedules on a fake clock', () => {
  const spec: JobSpec = {
    spider: null,
    project: null,
    version: null,
    url: 'http://127.0.0.1:9/',
    start: null,
    options: {},
    output: 'items.jsonl',
  };
  let store: JobStore;
  let schedules: Schedules;
  let busy: boolean;
  let submitted: string[];

  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-schedules-'));
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.500Z') });
    store = JobStore.open(join(dir, 'server.db'));
    busy = false;
    submitted = [];
    schedules = new Schedules(store, {
      submit: (_spec, scheduleId) => {
        submitted.push(scheduleId);
        return { id: `job${submitted.length}` } as Job;
      },
      isBusy: () => busy,
    });
  });
  afterEach(() => {
    schedules.stop();
    store.close();
    vi.useRealTimers();
  });

  it('a schedule every second starts a job each second, none while its last one runs, none once deleted', async () => {
    const schedule = schedules.create('* * * * * *', spec);
    expect(schedule.nextRun).toBe('2030-01-01T00:00:01.000Z');
    await vi.advanceTimersByTimeAsync(499);
    expect(submitted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(submitted).toEqual([schedule.id]);
    expect(store.listSchedules()[0]).toMatchObject({
      lastJobId: 'job1',
      lastRun: '2030-01-01T00:00:01.000Z',
    });

    busy = true; // its job still runs: the ticks pass without piling up runs
    await vi.advanceTimersByTimeAsync(3_000);
    expect(submitted).toHaveLength(1);
    busy = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(submitted).toHaveLength(2);

    schedules.delete(schedule.id);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(submitted).toHaveLength(2);
    expect(schedules.list()).toEqual([]);
  });
});
