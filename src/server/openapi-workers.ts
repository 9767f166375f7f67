/** The OpenAPI paths of the workers of shared jobs (routes-workers.ts): register, beat, leave, list, spider bundle. */
import { error, errors, type Json, json, writeErrors } from './openapi-parts.js';

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const counts = { type: 'integer', minimum: 0 };
const jobCounts = {
  type: 'object',
  properties: { job: { type: 'string' }, pages: counts, items: counts, failed: counts },
};

const worker = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    host: { type: 'string' },
    version: { type: 'string' },
    pid: { type: 'integer' },
    maxJobs: { type: 'integer' },
    registeredAt: { type: 'string', format: 'date-time' },
    lastSeen: { type: 'string', format: 'date-time' },
    heartbeatAgeMs: { type: 'integer' },
    stale: { type: 'boolean', description: 'no heartbeat for three intervals' },
    jobs: { type: 'array', items: jobCounts },
    pages: { type: 'integer', description: 'pages fetched since the worker started' },
    items: { type: 'integer' },
    pagesPerMinute: { type: 'number', description: 'over the last 30 s of heartbeats' },
    itemsPerMinute: { type: 'number' },
  },
};

const workJob = {
  type: 'object',
  description: 'a running job as a worker joins it',
  properties: {
    id: { type: 'string' },
    run: { type: 'integer' },
    spider: { type: 'string' },
    projectSpider: { type: 'boolean', description: 'false: a no-code crawl of url' },
    url: { type: ['string', 'null'] },
    start: { type: ['array', 'null'], items: { type: 'string' } },
    options: { type: 'object' },
    crawlId: { type: 'string' },
    leaseMs: { type: 'integer' },
    hostTurns: { type: 'string', description: 'the host-turns group; absent on a Redis Cluster' },
    allowPrivate: { type: 'boolean' },
    dns: { type: 'array', items: { type: 'string' } },
  },
};

export const workerPaths: Json = {
  '/api/workers': {
    get: {
      summary: 'The workers (arachne worker --server) with their heartbeat age and throughput',
      responses: {
        '200': json({
          type: 'object',
          properties: {
            shared: {
              type: 'boolean',
              description: 'the server runs jobs as shared crawls (--frontier)',
            },
            heartbeatMs: { type: 'integer' },
            workers: { type: 'array', items: worker },
          },
        }),
        ...errors,
      },
    },
    post: {
      summary: 'Register a worker',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['host', 'version', 'pid', 'maxJobs'],
              properties: {
                host: { type: 'string' },
                version: { type: 'string' },
                pid: { type: 'integer' },
                maxJobs: { type: 'integer', minimum: 1 },
              },
            },
          },
        },
      },
      responses: {
        '201': json({
          type: 'object',
          properties: {
            worker,
            frontier: { type: 'string', description: "the server's Redis URL" },
            heartbeatMs: { type: 'integer' },
          },
        }),
        '400': error('bad body'),
        ...writeErrors,
        '409': error('the server runs its jobs itself (no --frontier)'),
      },
    },
  },
  '/api/workers/{id}/heartbeat': {
    post: {
      summary: "A worker's heartbeat: its counts in, the running jobs out",
      parameters: [idParam],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['jobs', 'pages', 'items'],
              properties: {
                jobs: { type: 'array', items: jobCounts },
                pages: counts,
                items: counts,
              },
            },
          },
        },
      },
      responses: {
        '200': json({ type: 'object', properties: { jobs: { type: 'array', items: workJob } } }),
        '400': error('bad body'),
        ...writeErrors,
        '404': error('unknown worker (the server restarted): register again'),
      },
    },
  },
  '/api/workers/{id}': {
    delete: {
      summary: 'A worker leaves',
      parameters: [idParam],
      responses: {
        '204': { description: 'removed' },
        ...writeErrors,
        '404': error('unknown worker'),
      },
    },
  },
  '/api/spiders/{name}/bundle': {
    get: {
      summary: "A project spider's files, for a worker on another machine",
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': json({
          type: 'object',
          properties: {
            entry: { type: 'string', description: "the spider's file" },
            files: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, text: { type: 'string' } },
              },
            },
          },
        }),
        ...errors,
        '404': error('no such spider'),
      },
    },
  },
};
