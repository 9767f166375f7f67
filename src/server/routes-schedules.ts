/** /api/schedules: cron schedules that start a job at each tick, paused and resumed; a preview of a cron pattern. */
import type { Hono } from 'hono';
import { cronPreviewQuerySchema, parseOr400, scheduleRequestSchema } from './api-schemas.js';
import type { AppDeps } from './app-deps.js';
import { describeCron } from './cron-describe.js';
import { jsonBody, specFrom } from './job-requests.js';
import { publicSchedule } from './public-view.js';
import { checkCron, nextRuns } from './schedules.js';

export function scheduleRoutes(
  app: Hono,
  { schedules, spiders, deploys, info, lookup }: AppDeps,
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

  app.post('/api/schedules/:id/pause', (c) =>
    c.json({ schedule: publicSchedule(schedules.setPaused(c.req.param('id'), true)) }),
  );
  app.post('/api/schedules/:id/resume', (c) =>
    c.json({ schedule: publicSchedule(schedules.setPaused(c.req.param('id'), false)) }),
  );

  app.delete('/api/schedules/:id', (c) => {
    schedules.delete(c.req.param('id'));
    return c.body(null, 204);
  });
}
