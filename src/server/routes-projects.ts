/** /api/projects: deployed projects and their versions (upload, list, roll back, delete). */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ApiError, badRequest } from './api-error.js';
import { parseOr400 } from './api-schemas.js';
import type { AppDeps, AppEnv } from './app-deps.js';
import { jsonBody } from './job-requests.js';

/** The upload route: app.ts exempts it from the 1 MiB limit of JSON bodies, it applies its own. */
export const uploadPath = /^\/api\/projects\/[^/]+\/versions\/[^/]+$/;

const rollbackSchema = z.strictObject({ version: z.string().min(1).max(64) });

export function projectRoutes(app: Hono<AppEnv>, { deploys, audit }: AppDeps): void {
  app.get('/api/projects', (c) => c.json({ projects: deploys.list() }));

  app.get('/api/projects/:project', (c) => {
    const project = c.req.param('project');
    return c.json({ project, versions: deploys.versions(project) });
  });

  app.post('/api/projects/:project/versions/:version', async (c) => {
    const archive = await readUpload(c, deploys.maxUploadBytes);
    const project = c.req.param('project');
    const version = await deploys.add(project, c.req.param('version'), archive);
    audit.record(c.get('caller').name, 'project.deploy', `${project}@${version.version}`);
    return c.json({ version }, 201);
  });

  app.post('/api/projects/:project/rollback', async (c) => {
    const { version } = parseOr400(rollbackSchema, await jsonBody(() => c.req.json()));
    const project = c.req.param('project');
    const current = deploys.rollback(project, version);
    audit.record(c.get('caller').name, 'project.rollback', `${project}@${version}`);
    return c.json({ version: current });
  });

  app.delete('/api/projects/:project/versions/:version', (c) => {
    const project = c.req.param('project');
    deploys.delete(project, c.req.param('version'));
    audit.record(c.get('caller').name, 'project.delete', `${project}@${c.req.param('version')}`);
    return c.body(null, 204);
  });
}

/** The request body, refused with 413 as soon as it is known to be (or grows) larger than `max`. */
async function readUpload(c: Context, max: number): Promise<Buffer> {
  const tooLarge = () =>
    new ApiError(413, 'AR_BODY_TOO_LARGE', `the archive is larger than ${max} bytes`, 'archive');
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) throw badRequest('the body must be the .tar.gz archive', 'archive');
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  if (size === 0) throw badRequest('the body must be the .tar.gz archive', 'archive');
  return Buffer.concat(chunks);
}
