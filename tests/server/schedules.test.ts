import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SiteServer, startSite } from '../helpers/site-server.js';
import { makeProject, sleep, startTestServer, type TestServer, waitFor } from './server-helpers.js';

let site: SiteServer;
let project: string;
let t: TestServer;

beforeAll(async () => {
  site = await startSite({
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

    const job = await waitFor('a job started by the schedule', async () => {
      const jobs = (await t.api('GET', '/api/jobs')).json.jobs as Array<{
        id: string;
        scheduleId: string | null;
      }>;
      return jobs.find((j) => j.scheduleId === schedule.id);
    });
    expect((await t.waitForStatus(job.id, ['finished', 'failed'])).status).toBe('finished');
    const after = (await t.api('GET', '/api/schedules')).json.schedules[0];
    expect(after.lastJobId).not.toBeNull();

    expect((await t.api('DELETE', `/api/schedules/${schedule.id}`)).status).toBe(204);
    expect((await t.api('GET', '/api/schedules')).json.schedules).toEqual([]);
    expect((await t.api('DELETE', `/api/schedules/${schedule.id}`)).status).toBe(404);
    const count = async () =>
      ((await t.api('GET', '/api/jobs')).json.jobs as Array<{ scheduleId: string | null }>).filter(
        (j) => j.scheduleId === schedule.id,
      ).length;
    const before = await count();
    await sleep(1500);
    expect(await count()).toBe(before);
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
