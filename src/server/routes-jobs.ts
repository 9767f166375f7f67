/** /api/jobs: submit, list, inspect, cancel, pause, resume, re-run, delete, page through a job's items and log, its chart history. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { notFound } from './api-error.js';
import {
  jobListQuerySchema,
  jobRequestSchema,
  pageQuerySchema,
  parseOr400,
} from './api-schemas.js';
import type { AppDeps, AppEnv } from './app-deps.js';
import { exportPath, jobPaths } from './job-paths.js';
import { jsonBody, specFrom } from './job-requests.js';
import { readLinePage } from './line-pager.js';
import { publicJob } from './public-view.js';

const itemsQuery = pageQuerySchema(1000, 100);
const exportTypes = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  sqlite: 'application/vnd.sqlite3',
} as const;
const logQuery = pageQuerySchema(5000, 200);

export function jobRoutes(
  app: Hono<AppEnv>,
  { manager, spiders, deploys, dataDir, info, lookup, audit }: AppDeps,
): void {
  app.get('/api/jobs', (c) => {
    const { status } = parseOr400(jobListQuerySchema, c.req.query());
    return c.json({ jobs: manager.list(status).map(publicJob) });
  });

  app.post('/api/jobs', async (c) => {
    const request = parseOr400(jobRequestSchema, await jsonBody(() => c.req.json()));
    const job = manager.submit(await specFrom(request, { spiders, deploys }, { ...info, lookup }));
    audit.record(c.get('caller').name, 'job.create', job.id);
    return c.json({ job: publicJob(job) }, 201);
  });

  app.get('/api/jobs/:id', (c) => {
    const job = manager.get(c.req.param('id'));
    return c.json({ job: publicJob(job), progress: manager.progress(job.id) });
  });

  app.get('/api/jobs/:id/history', (c) => {
    const id = c.req.param('id');
    return c.json({ points: manager.history(id) });
  });

  // Recorded once done: a refused action (409, 404) changed nothing.
  app.post('/api/jobs/:id/cancel', async (c) => {
    const job = await manager.cancel(c.req.param('id'));
    audit.record(c.get('caller').name, 'job.cancel', job.id);
    return c.json({ job: publicJob(job) });
  });
  app.post('/api/jobs/:id/pause', async (c) => {
    const job = await manager.pause(c.req.param('id'));
    audit.record(c.get('caller').name, 'job.pause', job.id);
    return c.json({ job: publicJob(job) });
  });
  app.post('/api/jobs/:id/resume', (c) => {
    const job = manager.resume(c.req.param('id'));
    audit.record(c.get('caller').name, 'job.resume', job.id);
    return c.json({ job: publicJob(job) });
  });

  app.post('/api/jobs/:id/rerun', (c) => {
    const job = manager.rerun(c.req.param('id'));
    audit.record(c.get('caller').name, 'job.create', job.id);
    return c.json({ job: publicJob(job) }, 201);
  });
  app.delete('/api/jobs/:id', async (c) => {
    await manager.delete(c.req.param('id'));
    audit.record(c.get('caller').name, 'job.delete', c.req.param('id'));
    return c.body(null, 204);
  });

  app.get('/api/jobs/:id/items', async (c) => {
    const job = manager.get(c.req.param('id'));
    const { offset, limit } = parseOr400(itemsQuery, c.req.query());
    const page = await readLinePage(jobPaths(dataDir, job.id, job.output).output, offset, limit);
    pageHeaders(c.header.bind(c), offset, page.lines.length, page.total);
    return c.body(page.lines.map((line) => `${line}\n`).join(''), 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
    });
  });

  // The job's items in its export format (csv, json, xml, sqlite), as a file download.
  app.get('/api/jobs/:id/export', async (c) => {
    const job = manager.get(c.req.param('id'));
    if (!job.format)
      throw notFound(`job ${job.id} has no export format (set "format" when starting it)`);
    const path = exportPath(jobPaths(dataDir, job.id, job.output).dir, job.format);
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined)
      throw notFound(`job ${job.id} has not written its ${job.format} file yet`);
    const name = `${job.id}-${basename(path)}`;
    return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200, {
      'content-type': exportTypes[job.format],
      'content-length': String(size),
      'content-disposition': `attachment; filename="${name}"`,
    });
  });

  app.get('/api/jobs/:id/log', async (c) => {
    const job = manager.get(c.req.param('id'));
    const { offset, limit } = parseOr400(logQuery, c.req.query());
    const page = await readLinePage(jobPaths(dataDir, job.id, job.output).log, offset, limit);
    pageHeaders(c.header.bind(c), offset, page.lines.length, page.total);
    return c.text(page.lines.map((line) => `${line}\n`).join(''));
  });
}

export function pageHeaders(
  set: (name: string, value: string) => void,
  offset: number,
  count: number,
  total: number,
): void {
  const next = offset + count;
  set('x-total-count', String(total));
  set('x-next-offset', String(next));
  set('x-has-more', String(next < total));
}
