/** /api/schedules: cron schedules that start a job at each tick. */
import type { Hono } from 'hono';
import { parseOr400, scheduleRequestSchema } from './api-schemas.js';
import type { AppDeps } from './app-deps.js';
import { jsonBody, specFrom } from './job-requests.js';
import { publicSchedule } from './public-view.js';
import { checkCron } from './schedules.js';

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

  app.delete('/api/schedules/:id', (c) => {
    schedules.delete(c.req.param('id'));
    return c.body(null, 204);
  });
}
