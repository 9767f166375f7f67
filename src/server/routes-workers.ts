/**
 * /api/workers: `arachne worker --server` processes register, beat (reporting their throughput, learning the running
 * jobs), and leave; the dashboard lists them. /api/spiders/:name/bundle hands a worker on another machine the
 * project files its spider is made of.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Hono } from 'hono';
import { z } from 'zod';
import { conflict, notFound } from './api-error.js';
import { parseOr400 } from './api-schemas.js';
import type { AppDeps, AppEnv } from './app-deps.js';
import type { JobManager } from './job-manager.js';
import { jsonBody } from './job-requests.js';
import type { ProjectSpiders } from './project-spiders.js';
import { type SharedJobs, sharedCrawlId } from './shared-jobs.js';
import type { Job, JobOptions } from './types.js';
import type { WorkerRegistry } from './worker-registry.js';

export interface WorkerDeps {
  registry: WorkerRegistry;
  /** Undefined when the server runs its jobs itself (no --frontier): workers are then refused. */
  shared: SharedJobs | undefined;
  allowPrivate: boolean;
  dns: readonly string[] | undefined;
}

/** A running job as a worker needs it: what to crawl and which shared crawl to join. */
export interface WorkJob {
  id: string;
  /** The job's run: a resumed job is joined again. */
  run: number;
  spider: string;
  /** A project spider (fetch its bundle), or false for a no-code crawl of `url`. */
  projectSpider: boolean;
  url: string | null;
  start: string[] | null;
  options: JobOptions;
  crawlId: string;
  leaseMs: number;
  hostTurns?: string;
  allowPrivate: boolean;
  dns?: string[];
}

const helloSchema = z.strictObject({
  host: z.string().min(1).max(255),
  version: z.string().min(1).max(64),
  pid: z.number().int().min(0),
  maxJobs: z.number().int().min(1).max(1000),
});

const count = z.number().int().min(0);
const beatSchema = z.strictObject({
  jobs: z
    .array(z.strictObject({ job: z.string().max(64), pages: count, items: count, failed: count }))
    .max(1000),
  pages: count,
  items: count,
});

/** Project files a spider may import, sent whole: scripts and JSON, top level, each up to 1 MiB, 8 MiB in all. */
const bundleFile = /^[^.].*\.(?:ts|mts|cts|js|mjs|cjs|json)$/;
const maxFileBytes = 1024 * 1024;
const maxBundleBytes = 8 * 1024 * 1024;

export function workerRoutes(
  app: Hono<AppEnv>,
  { manager, spiders }: AppDeps,
  deps: WorkerDeps,
): void {
  const { registry } = deps;

  app.get('/api/workers', (c) =>
    c.json({
      shared: deps.shared !== undefined,
      heartbeatMs: registry.heartbeatMs,
      workers: registry.list(),
    }),
  );

  app.post('/api/workers', async (c) => {
    const shared = deps.shared;
    if (!shared) {
      throw conflict(
        'this server runs its jobs itself: start it with --frontier redis://… to use workers',
      );
    }
    const hello = parseOr400(helloSchema, await jsonBody(() => c.req.json()));
    return c.json(
      {
        worker: registry.register(hello),
        frontier: shared.frontier,
        heartbeatMs: registry.heartbeatMs,
      },
      201,
    );
  });

  app.post('/api/workers/:id/heartbeat', async (c) => {
    // An unknown worker first: whatever it sent, it must register again.
    const id = c.req.param('id');
    if (!registry.has(id)) throw notFound(`no worker with id "${id}" (register again)`);
    registry.beat(id, parseOr400(beatSchema, await jsonBody(() => c.req.json())));
    return c.json({ jobs: runningWork(manager, deps) });
  });

  app.delete('/api/workers/:id', (c) => {
    if (!registry.remove(c.req.param('id')))
      throw notFound(`no worker with id "${c.req.param('id')}"`);
    return c.body(null, 204);
  });

  app.get('/api/spiders/:name/bundle', async (c) =>
    c.json(await spiderBundle(spiders, c.req.param('name'))),
  );
}

function runningWork(manager: JobManager, deps: WorkerDeps): WorkJob[] {
  const shared = deps.shared;
  if (!shared) return [];
  return manager.list('running').map((job: Job) => ({
    id: job.id,
    run: job.runs,
    spider: job.spider,
    projectSpider: job.url === null,
    url: job.url,
    start: job.start,
    options: job.options,
    crawlId: sharedCrawlId(job.id),
    leaseMs: shared.leaseMs,
    ...(shared.hostTurns !== undefined && { hostTurns: shared.hostTurns }),
    allowPrivate: deps.allowPrivate,
    ...(deps.dns?.length && { dns: [...deps.dns] }),
  }));
}

export interface SpiderBundle {
  /** The spider's file among `files`. */
  entry: string;
  files: Array<{ path: string; text: string }>;
}

async function spiderBundle(spiders: ProjectSpiders, name: string): Promise<SpiderBundle> {
  const file = await spiders.fileOf(name);
  if (!file) throw notFound(`no spider named "${name}" in the project`);
  const entries = await readdir(spiders.dir, { withFileTypes: true });
  const files: SpiderBundle['files'] = [];
  let total = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !bundleFile.test(entry.name)) continue;
    const path = join(spiders.dir, entry.name);
    const { size } = await stat(path);
    if (size > maxFileBytes) continue;
    total += size;
    if (total > maxBundleBytes) break;
    files.push({ path: entry.name, text: await readFile(path, 'utf8') });
  }
  return { entry: basename(file), files };
}
