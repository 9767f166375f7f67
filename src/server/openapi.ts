/** The OpenAPI 3.1 description of the server's HTTP API, served at /openapi.json. */
import { error, errors, type Json, json, ref, writeErrors } from './openapi-parts.js';
import { schemas } from './openapi-schemas.js';
import { workerPaths } from './openapi-workers.js';

const badRequest = { '400': error('bad body or query: `error.field` names the field') };
const unknownJob = { '404': error('unknown job id') };
const wrongStatus = { '409': error('the job is not in a status the action applies to') };
const jobIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const projectParam = { name: 'project', in: 'path', required: true, schema: { type: 'string' } };
const versionParam = { name: 'version', in: 'path', required: true, schema: { type: 'string' } };
const pageParams = (max: number) => [
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: max } },
];
const pageHeaders = {
  'X-Total-Count': { schema: { type: 'integer' }, description: 'lines available now' },
  'X-Next-Offset': { schema: { type: 'integer' } },
  'X-Has-More': { schema: { type: 'string', enum: ['true', 'false'] } },
};
const jobAction = (summary: string) => ({
  post: {
    summary,
    parameters: [jobIdParam],
    responses: {
      '200': json({ type: 'object', properties: { job: ref('Job') } }),
      ...writeErrors,
      ...unknownJob,
      ...wrongStatus,
    },
  },
});

const scheduleAction = (summary: string) => ({
  post: {
    summary,
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
    responses: {
      '200': json({ type: 'object', properties: { schedule: ref('Schedule') } }),
      ...writeErrors,
      '404': error('unknown schedule id'),
    },
  },
});

export function openApiDocument(version: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Arachne job server',
      version,
      description:
        'Runs project spiders as jobs. Live updates: WebSocket /ws (see docs/server.md).',
    },
    security: [{ bearer: [] }],
    paths: {
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: { '200': json({ type: 'object' }), ...errors },
        },
      },
      '/api/server': {
        get: {
          summary: 'Server settings and job counts',
          responses: {
            '200': json({
              type: 'object',
              properties: {
                version: { type: 'string' },
                project: { type: 'string' },
                maxJobs: { type: 'integer' },
                allowPrivate: { type: 'boolean' },
                allowInsecure: { type: 'boolean' },
                allowMail: { type: 'boolean' },
                running: { type: 'integer' },
                queued: { type: 'integer' },
                caller: {
                  type: 'object',
                  description: 'the token of this request: its name and scope',
                  properties: {
                    name: { type: 'string' },
                    scope: { enum: ['viewer', 'operator'] },
                  },
                },
              },
            }),
            ...errors,
          },
        },
      },
      '/api/spiders': {
        get: {
          summary: 'Spiders of the project directory, and files that failed to load',
          responses: {
            '200': json({
              type: 'object',
              properties: {
                spiders: { type: 'array', items: ref('Spider') },
                errors: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { file: { type: 'string' }, message: { type: 'string' } },
                  },
                },
              },
            }),
            ...errors,
          },
        },
      },
      '/api/jobs': {
        get: {
          summary: 'Jobs, newest first (at most 500)',
          parameters: [
            {
              name: 'status',
              in: 'query',
              schema: { enum: ['queued', 'running', 'paused', 'finished', 'failed', 'cancelled'] },
            },
          ],
          responses: {
            '200': json({
              type: 'object',
              properties: { jobs: { type: 'array', items: ref('Job') } },
            }),
            ...errors,
            ...badRequest,
          },
        },
        post: {
          summary: 'Start a job: a project spider, or a no-code crawl of a URL',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('JobRequest') } },
          },
          responses: {
            '201': json({ type: 'object', properties: { job: ref('Job') } }, 'queued'),
            ...writeErrors,
            ...badRequest,
          },
        },
      },
      '/api/jobs/{id}': {
        delete: {
          summary: 'Delete a job with its directory (items, log, state); refused while it runs',
          parameters: [jobIdParam],
          responses: {
            '204': { description: 'deleted' },
            ...writeErrors,
            ...unknownJob,
            '409': error('the job is running: cancel or pause it first'),
          },
        },
        get: {
          summary: 'A job and its live progress',
          parameters: [jobIdParam],
          responses: {
            '200': json({
              type: 'object',
              properties: {
                job: ref('Job'),
                progress: { oneOf: [ref('Progress'), { type: 'null' }] },
              },
            }),
            ...errors,
            ...unknownJob,
          },
        },
      },
      '/api/jobs/{id}/history': {
        get: {
          summary:
            "The job's chart history, oldest first: a point every 500 ms while it runs, at most 1,000 (thinned by half when full)",
          parameters: [jobIdParam],
          responses: {
            '200': json({
              type: 'object',
              properties: { points: { type: 'array', items: ref('HistoryPoint') } },
            }),
            ...errors,
            ...unknownJob,
          },
        },
      },
      '/api/jobs/{id}/cancel': jobAction('Cancel a queued, running or paused job'),
      '/api/jobs/{id}/pause': jobAction(
        'Pause a queued or running job (its state file keeps its progress)',
      ),
      '/api/jobs/{id}/resume': jobAction('Resume a paused or failed job from its state file'),
      '/api/jobs/{id}/rerun': {
        post: {
          summary:
            'A new job with the same spider, URLs (credentials included), options and output',
          parameters: [jobIdParam],
          responses: {
            '201': json({ type: 'object', properties: { job: ref('Job') } }, 'queued'),
            ...writeErrors,
            ...unknownJob,
          },
        },
      },
      '/api/jobs/{id}/items': {
        get: {
          summary: "A page of the job's items, one JSON object per line",
          parameters: [jobIdParam, ...pageParams(1000)],
          responses: {
            '200': {
              description: 'JSON Lines',
              headers: pageHeaders,
              content: { 'application/x-ndjson': { schema: { type: 'string' } } },
            },
            ...errors,
            ...badRequest,
            ...unknownJob,
          },
        },
      },
      '/api/jobs/{id}/export': {
        get: {
          summary: "The job's items in its export format (csv, json, xml or sqlite), as a download",
          parameters: [jobIdParam],
          responses: {
            '200': {
              description: 'the file (Content-Disposition: attachment)',
              content: {
                'text/csv': { schema: { type: 'string' } },
                'application/json': { schema: { type: 'string' } },
                'application/xml': { schema: { type: 'string' } },
                'application/vnd.sqlite3': { schema: { type: 'string', format: 'binary' } },
              },
            },
            ...errors,
            '404': error('unknown job, a job without a format, or no file yet'),
          },
        },
      },
      '/api/jobs/{id}/log': {
        get: {
          summary: "A page of the job's log lines",
          parameters: [jobIdParam, ...pageParams(5000)],
          responses: {
            '200': {
              description: 'log lines',
              headers: pageHeaders,
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...errors,
            ...badRequest,
            ...unknownJob,
          },
        },
      },
      '/api/projects': {
        get: {
          summary: 'Projects uploaded with arachne deploy',
          responses: {
            '200': json({
              type: 'object',
              properties: { projects: { type: 'array', items: ref('ProjectSummary') } },
            }),
            ...errors,
          },
        },
      },
      '/api/projects/{project}': {
        get: {
          summary: "A project's versions, oldest first",
          parameters: [projectParam],
          responses: {
            '200': json({
              type: 'object',
              properties: {
                project: { type: 'string' },
                versions: { type: 'array', items: ref('DeployedVersion') },
              },
            }),
            ...errors,
            '404': error('no such project'),
          },
        },
      },
      '/api/projects/{project}/versions/{version}': {
        post: {
          summary:
            'Upload a version (what arachne deploy does): unpacked, its dependencies installed (npm ci), its spiders scanned; it becomes current',
          parameters: [projectParam, versionParam],
          requestBody: {
            required: true,
            description: 'a .tar.gz of regular files (no links, no absolute or ../ paths)',
            content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
          },
          responses: {
            '201': json(
              { type: 'object', properties: { version: ref('DeployedVersion') } },
              'installed and current',
            ),
            ...writeErrors,
            '400': error(
              'bad name, unsafe or broken archive (AR_BAD_ARCHIVE), or no spiders in it',
            ),
            '409': error('the project already has this version'),
            '413': error('larger than serve --max-deploy-size'),
            '422': error(
              "installing its dependencies failed (AR_INSTALL_FAILED): npm's last lines",
            ),
          },
        },
        delete: {
          summary: 'Delete a version that is not current',
          parameters: [projectParam, versionParam],
          responses: {
            '204': { description: 'deleted' },
            ...writeErrors,
            '404': error('no such project or version'),
            '409': error('the version is current'),
          },
        },
      },
      '/api/projects/{project}/rollback': {
        post: {
          summary: 'Make an existing version current (jobs naming no version run it)',
          parameters: [projectParam],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['version'],
                  properties: { version: { type: 'string' } },
                },
              },
            },
          },
          responses: {
            '200': json({ type: 'object', properties: { version: ref('DeployedVersion') } }),
            ...writeErrors,
            ...badRequest,
            '404': error('no such project or version'),
          },
        },
      },
      '/api/schedules': {
        get: {
          summary: 'Cron schedules',
          responses: {
            '200': json({
              type: 'object',
              properties: { schedules: { type: 'array', items: ref('Schedule') } },
            }),
            ...errors,
          },
        },
        post: {
          summary:
            'Create a schedule: a job starts at each cron tick (skipped while the previous one runs)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ScheduleRequest') } },
          },
          responses: {
            '201': json({ type: 'object', properties: { schedule: ref('Schedule') } }, 'created'),
            ...writeErrors,
            ...badRequest,
          },
        },
      },
      '/api/audit': {
        get: {
          summary:
            'The audit log: job and schedule changes with the name of the token that made them, newest first',
          parameters: [
            ...pageParams(1000),
            {
              name: 'target',
              in: 'query',
              description: 'only the entries of this job id, schedule id or token name',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': {
              description: 'a page of entries',
              headers: pageHeaders,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      entries: { type: 'array', items: ref('AuditEntry') },
                      total: { type: 'integer' },
                    },
                  },
                },
              },
            },
            ...errors,
            ...badRequest,
          },
        },
      },
      '/api/schedules/preview': {
        get: {
          summary: 'A cron expression in words and its next runs (nothing is created)',
          parameters: [
            {
              name: 'cron',
              in: 'query',
              required: true,
              schema: { type: 'string', maxLength: 200 },
            },
            {
              name: 'count',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 20, default: 5 },
            },
          ],
          responses: {
            '200': json({
              type: 'object',
              properties: {
                cron: { type: 'string' },
                description: { type: 'string' },
                nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' } },
                timeZone: { type: 'string' },
              },
            }),
            ...errors,
            '400': error('bad cron expression, or one that never fires (`error.field` is `cron`)'),
          },
        },
      },
      '/api/schedules/{id}/pause': scheduleAction(
        'Pause a schedule: it starts no job until resumed',
      ),
      '/api/schedules/{id}/resume': scheduleAction('Resume a paused schedule'),
      '/metrics': {
        get: {
          summary:
            'Prometheus text format: jobs by state, pages/items/errors counters, queues, in-flight per host, fetch latency histograms (any token)',
          responses: {
            '200': {
              description: 'text exposition format 0.0.4',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...errors,
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness: the process answers (no token)',
          security: [],
          responses: { '200': json({ type: 'object', properties: { status: { const: 'ok' } } }) },
        },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: the database is open and the server takes jobs (no token)',
          security: [],
          responses: {
            '200': json({ type: 'object', properties: { status: { const: 'ready' } } }),
            '503': json(
              {
                type: 'object',
                properties: { status: { const: 'not ready' }, reason: { type: 'string' } },
              },
              'stopping, or the database cannot be read',
            ),
          },
        },
      },
      '/api/schedules/{id}': {
        delete: {
          summary: 'Delete a schedule (jobs it started stay)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '204': { description: 'deleted' },
            ...writeErrors,
            '404': error('unknown schedule id'),
          },
        },
      },
      ...workerPaths,
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'the token in DATA_DIR/token or ARACHNE_TOKEN (operator, named default), or one made by `arachne serve token add` (viewer or operator)',
        },
      },
      schemas,
    },
  };
}
