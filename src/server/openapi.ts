/** The OpenAPI 3.1 description of the server's HTTP API, served at /openapi.json. */
import { schemas } from './openapi-schemas.js';
import { workerPaths } from './openapi-workers.js';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(ref('Error'), description);
const errors = {
  '401': error('missing or wrong token'),
};
const badRequest = { '400': error('bad body or query: `error.field` names the field') };
const unknownJob = { '404': error('unknown job id') };
const wrongStatus = { '409': error('the job is not in a status the action applies to') };
const jobIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
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
      ...errors,
      ...unknownJob,
      ...wrongStatus,
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
            ...errors,
            ...badRequest,
          },
        },
      },
      '/api/jobs/{id}': {
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
      '/api/jobs/{id}/cancel': jobAction('Cancel a queued, running or paused job'),
      '/api/jobs/{id}/pause': jobAction(
        'Pause a queued or running job (its state file keeps its progress)',
      ),
      '/api/jobs/{id}/resume': jobAction('Resume a paused or failed job from its state file'),
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
            ...errors,
            ...badRequest,
          },
        },
      },
      '/api/schedules/{id}': {
        delete: {
          summary: 'Delete a schedule (jobs it started stay)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '204': { description: 'deleted' },
            ...errors,
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
          description: 'the token in DATA_DIR/token or ARACHNE_TOKEN',
        },
      },
      schemas,
    },
  };
}
