/** /api/audit: who changed which job or schedule, newest first, in pages. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { pageQuerySchema, parseOr400 } from './api-schemas.js';
import type { AppDeps, AppEnv } from './app-deps.js';
import { pageHeaders } from './routes-jobs.js';

const auditQuery = pageQuerySchema(1000, 100).extend({
  target: z.string().min(1).max(200).optional(),
});

export function auditRoutes(app: Hono<AppEnv>, { audit }: AppDeps): void {
  app.get('/api/audit', (c) => {
    const { offset, limit, target } = parseOr400(auditQuery, c.req.query());
    const { entries, total } = audit.page(offset, limit, target);
    pageHeaders(c.header.bind(c), offset, entries.length, total);
    return c.json({ entries, total });
  });
}
