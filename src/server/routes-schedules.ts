/** /api/schedules: cron schedules that start a job at each tick. */
import type { Hono } from 'hono';
import { parseOr400, scheduleRequestSchema } from './api-schemas.js';
import type { AppDeps, AppEnv } from './app-deps.js';
import { jsonBody, specFrom } from './job-requests.js';
import { publicSchedule } from './public-view.js';
import { checkCron } from './schedules.js';

export function scheduleRoutes(
  app: Hono<AppEnv>,
  { schedules, spiders, info, lookup, audit }: AppDeps,
): void {
  app.get('/api/schedules', (c) => c.json({ schedules: schedules.list().map(publicSchedule) }));

  app.post('/api/schedules', async (c) => {
    const { cron, ...request } = parseOr400(
      scheduleRequestSchema,
      await jsonBody(() => c.req.json()),
    );
    checkCron(cron);
    const schedule = schedules.create(cron, await specFrom(request, spiders, { ...info, lookup }));
    audit.record(c.get('caller').name, 'schedule.create', schedule.id);
    return c.json({ schedule: publicSchedule(schedule) }, 201);
  });

  app.delete('/api/schedules/:id', (c) => {
    schedules.delete(c.req.param('id'));
    audit.record(c.get('caller').name, 'schedule.delete', c.req.param('id'));
    return c.body(null, 204);
  });
}
