/** The HTTP app (Hono): token and scope checks, JSON errors, probes, metrics, the routes and the dashboard files. */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './api-error.js';
import type { AppDeps, AppEnv } from './app-deps.js';
import { openApiDocument } from './openapi.js';
import { prometheusContentType } from './prometheus-text.js';
import { auditRoutes } from './routes-audit.js';
import { jobRoutes } from './routes-jobs.js';
import { projectRoutes, uploadPath } from './routes-projects.js';
import { scheduleRoutes } from './routes-schedules.js';
import { workerRoutes } from './routes-workers.js';
import { staticRoutes } from './static-files.js';
import { bearerToken } from './token.js';

/** Job and schedule requests are small JSON documents; anything bigger is refused before it is read. */
const maxBodyBytes = 1024 * 1024;

const unauthorized = new ApiError(
  401,
  'AR_UNAUTHORIZED',
  'missing or wrong token (send Authorization: Bearer <token>)',
);

/** What a viewer token may do: read. */
const readMethods = new Set(['GET', 'HEAD']);

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
    const caller = deps.tokens.authenticate(bearerToken(c.req.header('authorization')));
    if (!caller) throw unauthorized;
    if (caller.scope !== 'operator' && !readMethods.has(c.req.method)) {
      throw new ApiError(
        403,
        'AR_FORBIDDEN',
        `the token "${caller.name}" is a ${caller.scope} token: it may only read (an operator token may ${c.req.method})`,
      );
    }
    c.set('caller', caller);
    await next();
  };
  app.use('/api/*', authenticate);
  app.use('/openapi.json', authenticate);
  // The figures name the hosts being crawled and the spiders: not for anyone who can reach the port.
  app.use('/metrics', authenticate);
  const smallBodies = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new ApiError(413, 'AR_BODY_TOO_LARGE', 'the body is larger than 1 MiB', 'body');
    },
  });
  // A deploy archive is the one big body: its route has a limit of its own (serve --max-deploy-size).
  app.use('/api/*', (c, next) =>
    c.req.method === 'POST' && uploadPath.test(c.req.path) ? next() : smallBodies(c, next),
  );

  // Probes for a supervisor or a load balancer: no token, and they say nothing but up/ready.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const reason = deps.notReady();
    return reason === undefined
      ? c.json({ status: 'ready' })
      : c.json({ status: 'not ready', reason }, 503);
  });
  app.get('/metrics', (c) =>
    c.body(deps.metrics.render(), 200, { 'content-type': prometheusContentType }),
  );
  app.get('/openapi.json', (c) => c.json(openApiDocument(deps.info.version)));
  app.get('/api/server', (c) =>
    c.json({ ...deps.info, ...deps.manager.counts(), caller: c.get('caller') }),
  );
  app.get('/api/spiders', async (c) => c.json(await deps.spiders.scan()));
  jobRoutes(app, deps);
  projectRoutes(app, deps);
  scheduleRoutes(app, deps);
  auditRoutes(app, deps);
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
