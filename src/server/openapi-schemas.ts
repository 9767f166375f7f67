/** JSON Schemas of the API's responses (hand-written) and requests (generated from the zod schemas). */
import { z } from 'zod';
import { jobOptionsSchema, jobRequestSchema, scheduleRequestSchema } from './api-schemas.js';

type JsonSchema = Record<string, unknown>;

function fromZod(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string) => ({ type: [type, 'null'] });
const counts = { type: 'object', additionalProperties: { type: 'integer' } };
const percentiles = {
  type: 'object',
  properties: { p50: { type: 'number' }, p90: { type: 'number' }, p99: { type: 'number' } },
};

const histogram = {
  type: 'object',
  properties: {
    buckets: { type: 'array', items: { type: 'integer' } },
    count: { type: 'integer' },
    sumSeconds: { type: 'number' },
  },
};

export const schemas: Record<string, JsonSchema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          field: { type: 'string' },
        },
      },
    },
  },
  JobOptions: fromZod(jobOptionsSchema),
  JobRequest: fromZod(jobRequestSchema),
  ScheduleRequest: fromZod(scheduleRequestSchema),
  Stats: {
    type: 'object',
    properties: {
      startedAt: { type: 'string', format: 'date-time' },
      finishedAt: { type: 'string', format: 'date-time' },
      elapsedMs: { type: 'number' },
      requests: { type: 'integer' },
      responses: { type: 'integer' },
      responsesByStatus: counts,
      items: { type: 'integer' },
      itemsDropped: { type: 'integer' },
      invalidItems: { type: 'integer' },
      invalidItemsKept: { type: 'integer' },
      invalidItemsByField: counts,
      bytes: { type: 'integer' },
      retries: { type: 'integer' },
      failed: { type: 'integer' },
      errorsByCode: counts,
      queued: { type: 'integer' },
      inFlight: { type: 'integer' },
      pagesPerSecond: { type: 'number' },
      closeReason: { type: 'string' },
    },
  },
  Job: {
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^[0-9a-f]{16}$' },
      spider: { type: 'string' },
      project: { ...nullable('string'), description: 'the deployed project it runs, or null' },
      version: { ...nullable('string'), description: "the project's version it runs" },
      url: nullable('string'),
      start: { type: ['array', 'null'], items: { type: 'string' } },
      status: { enum: ['queued', 'running', 'paused', 'finished', 'failed', 'cancelled'] },
      options: ref('JobOptions'),
      output: { type: 'string' },
      format: { enum: ['csv', 'json', 'xml', 'sqlite', null] },
      scheduleId: nullable('string'),
      createdAt: { type: 'string', format: 'date-time' },
      startedAt: nullable('string'),
      finishedAt: nullable('string'),
      reason: nullable('string'),
      error: nullable('string'),
      runs: { type: 'integer', description: 'child processes started (a resume adds one)' },
      stats: {
        oneOf: [ref('Stats'), { type: 'null' }],
        description: 'totals over all runs: they add up with the items /items serves',
      },
      perRun: { type: 'array', items: ref('RunSummary'), description: 'each run, oldest first' },
    },
  },
  RunSummary: {
    type: 'object',
    properties: {
      startedAt: { type: 'string', format: 'date-time' },
      finishedAt: { type: ['string', 'null'], format: 'date-time' },
      reason: nullable('string'),
      stats: { oneOf: [ref('Stats'), { type: 'null' }], description: "the run's own counts" },
    },
  },
  HistoryPoint: {
    type: 'object',
    required: ['atMs', 'run', 'pages', 'items', 'failed', 'byStatus', 'latency'],
    properties: {
      atMs: { type: 'integer', description: 'Unix time in milliseconds, increasing' },
      run: { type: 'integer', minimum: 1 },
      pages: { type: 'integer', description: 'responses, total over the runs so far' },
      items: { type: 'integer' },
      failed: { type: 'integer' },
      byStatus: counts,
      latency: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: { p50: { type: 'number' }, p90: { type: 'number' } },
            },
            description: 'dns, connect, tls, firstByte, total: milliseconds',
          },
          { type: 'null' },
        ],
      },
    },
  },
  Progress: {
    type: 'object',
    properties: {
      stats: { ...ref('Stats'), description: "the job's totals over all its runs" },
      runStats: { ...ref('Stats'), description: "the current run's own counts" },
      atMs: { type: 'integer', description: 'when the server received it, Unix milliseconds' },
      hosts: {
        type: 'array',
        items: {
          type: 'object',
          properties: Object.fromEntries(
            ['inFlight', 'delayMs', 'waitMs', 'queued', 'responses', 'errors']
              .map((key) => [key, { type: 'number' }] as [string, JsonSchema])
              .concat([['host', { type: 'string' }]]),
          ),
        },
      },
      latency: {
        type: 'object',
        properties: {
          samples: { type: 'integer' },
          dns: percentiles,
          connect: percentiles,
          tls: percentiles,
          firstByte: percentiles,
          total: percentiles,
        },
      },
      fetchHistograms: {
        type: 'object',
        description:
          'fetch times of every response of the run: counts per bucket (bounds 0.005…10 s, then over 10 s), not cumulative',
        properties: { total: histogram, firstByte: histogram },
      },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            at: { type: 'string' },
            url: { type: 'string' },
            code: { type: 'string' },
            message: { type: 'string' },
          },
        },
      },
      items: { type: 'object', properties: { first: { type: 'array' }, last: { type: 'array' } } },
    },
  },
  AuditEntry: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      at: { type: 'string', format: 'date-time' },
      token: {
        type: 'string',
        description:
          "the token's name; `scheduler` for jobs a schedule started, `cli` for token commands",
      },
      action: {
        enum: [
          'job.create',
          'job.pause',
          'job.resume',
          'job.cancel',
          'job.delete',
          'schedule.create',
          'schedule.update',
          'schedule.delete',
          'token.add',
          'token.revoke',
        ],
      },
      target: { type: 'string', description: 'the job id, schedule id or token name' },
    },
  },
  Schedule: {
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^[0-9a-f]{16}$' },
      cron: { type: 'string' },
      spider: nullable('string'),
      project: nullable('string'),
      version: { ...nullable('string'), description: 'null: the current version at each tick' },
      url: nullable('string'),
      start: { type: ['array', 'null'], items: { type: 'string' } },
      options: ref('JobOptions'),
      output: { type: 'string' },
      format: { enum: ['csv', 'json', 'xml', 'sqlite', null] },
      createdAt: { type: 'string', format: 'date-time' },
      nextRun: nullable('string'),
      lastRun: nullable('string'),
      lastJobId: nullable('string'),
      paused: { type: 'boolean' },
    },
  },
  Spider: { type: 'object', properties: { name: { type: 'string' }, file: { type: 'string' } } },
  DeployedVersion: {
    type: 'object',
    properties: {
      project: { type: 'string' },
      version: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      files: { type: 'integer' },
      bytes: { type: 'integer' },
      spidersDir: { type: 'string', description: '`spiders` or `.`' },
      spiders: { type: 'array', items: ref('Spider') },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: { file: { type: 'string' }, message: { type: 'string' } },
        },
      },
      packages: { type: 'integer', description: 'packages npm installed (0: none needed)' },
      current: { type: 'boolean' },
    },
  },
  ProjectSummary: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      current: { type: 'string' },
      latest: { type: 'string' },
      versions: { type: 'integer' },
    },
  },
};
