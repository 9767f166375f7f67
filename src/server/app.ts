/** The HTTP app (Hono): token check on /api and /openapi.json, JSON errors, the routes and the dashboard files. */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './api-error.js';
import type { AppDeps } from './app-deps.js';
import { openApiDocument } from './openapi.js';
import { jobRoutes } from './routes-jobs.js';
import { scheduleRoutes } from './routes-schedules.js';
import { workerRoutes } from './routes-workers.js';
import { staticRoutes } from './static-files.js';
import { bearerToken, tokenMatches } from './token.js';

/** Job and schedule requests are small JSON documents; anything bigger is refused before it is read. */
const maxBodyBytes = 1024 * 1024;

const unauthorized = new ApiError(
  401,
  'AR_UNAUTHORIZED',
  'missing or wrong token (send Authorization: Bearer <token>)',
);

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.use('/api/*', async (c, next) => {
    if (!tokenMatches(deps.token, bearerToken(c.req.header('authorization')))) throw unauthorized;
    await next();
  });
  app.use('/openapi.json', async (c, next) => {
    if (!tokenMatches(deps.token, bearerToken(c.req.header('authorization')))) throw unauthorized;
    await next();
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new ApiError(413, 'AR_BODY_TOO_LARGE', 'the body is larger than 1 MiB', 'body');
      },
    }),
  );

  app.get('/openapi.json', (c) => c.json(openApiDocument(deps.info.version)));
  app.get('/api/server', (c) => c.json({ ...deps.info, ...deps.manager.counts() }));
  app.get('/api/spiders', async (c) => c.json(await deps.spiders.scan()));
  jobRoutes(app, deps);
  scheduleRoutes(app, deps);
  if (deps.workers) workerRoutes(app, deps, deps.workers);
  staticRoutes(app);

  app.notFound((c) =>
    c.json(
      new ApiError(404, 'AR_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`).toJSON(),
      404,
    ),
  );
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJSON(), error.status);
    process.stderr.write(
      `arachne serve: ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}\n`,
    );
    return c.json(new ApiError(500, 'AR_INTERNAL', 'internal error').toJSON(), 500);
  });
  return app;
}
