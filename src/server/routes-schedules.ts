/** /api/schedules: cron schedules that start a job at each tick, paused and resumed; a preview of a cron pattern. */
import type { Hono } from 'hono';
import { cronPreviewQuerySchema, parseOr400, scheduleRequestSchema } from './api-schemas.js';
import type { AppDeps, AppEnv } from './app-deps.js';
import { describeCron } from './cron-describe.js';
import { jsonBody, specFrom } from './job-requests.js';
import { publicSchedule } from './public-view.js';
import { checkCron, nextRuns } from './schedules.js';

export function scheduleRoutes(
  app: Hono<AppEnv>,
  { schedules, spiders, deploys, info, lookup, audit }: AppDeps,
): void {
  app.get('/api/schedules', (c) => c.json({ schedules: schedules.list().map(publicSchedule) }));

  app.post('/api/schedules', async (c) => {
    const { cron, ...request } = parseOr400(
      scheduleRequestSchema,
      await jsonBody(() => c.req.json()),
    );
    checkCron(cron);
    const schedule = schedules.create(
      cron,
      await specFrom(request, { spiders, deploys }, { ...info, lookup }),
    );
    audit.record(c.get('caller').name, 'schedule.create', schedule.id);
    return c.json({ schedule: publicSchedule(schedule) }, 201);
  });

  // Before /:id routes: "preview" is not an id.
  app.get('/api/schedules/preview', (c) => {
    const { cron, count } = parseOr400(cronPreviewQuerySchema, c.req.query());
    return c.json({
      cron,
      description: describeCron(cron),
      nextRuns: nextRuns(cron, count).map((date) => date.toISOString()),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
  });

  app.post('/api/schedules/:id/pause', (c) => {
    const schedule = schedules.setPaused(c.req.param('id'), true);
    audit.record(c.get('caller').name, 'schedule.pause', schedule.id);
    return c.json({ schedule: publicSchedule(schedule) });
  });
  app.post('/api/schedules/:id/resume', (c) => {
    const schedule = schedules.setPaused(c.req.param('id'), false);
    audit.record(c.get('caller').name, 'schedule.resume', schedule.id);
    return c.json({ schedule: publicSchedule(schedule) });
  });

  app.delete('/api/schedules/:id', (c) => {
    schedules.delete(c.req.param('id'));
    audit.record(c.get('caller').name, 'schedule.delete', c.req.param('id'));
    return c.body(null, 204);
  });
}
