/** Request bodies and queries of the API (zod): the single source of validation and of the OpenAPI schemas. */
import { z } from 'zod';
import {
  type AnySpec,
  accepts,
  apiRule,
  mustBePhrase,
  optionEntries,
  type ValueRule,
} from '../crawler/option-specs.js';
import { badRequest } from './api-error.js';
import type { JobOptions } from './types.js';

export const MAIL_SCHEMES: ReadonlySet<string> = new Set(['imap:', 'imaps:', 'pop3:', 'pop3s:']);
const JOB_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'ftps:', 'ws:', 'wss:', ...MAIL_SCHEMES]);

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const { protocol } = new URL(value);
      // Never file:: a job must not read the server's own disk. ws: and wss: are feeds (WebSocket), under the
      // same private-address check; mailbox URLs pass here, specFrom refuses them unless the server has --allow-mail.
      return JOB_SCHEMES.has(protocol);
    } catch {
      return false;
    }
  }, 'must be an absolute http(s), ftp(s) or ws(s) URL (or imap:, imaps:, pop3:, pop3s: on a server run with --allow-mail)');

/**
 * The options an API job may set, built from the option table (those with `api`), under the API's bounds. Every
 * failure reads as crawl()'s and the CLI's do: `options.concurrency must be an integer from 1 to 1024, got 2000`.
 */
export const jobOptionsSchema = z.strictObject(
  Object.fromEntries(
    optionEntries().flatMap(({ path, spec }) => {
      const rule = apiRule(spec);
      return rule ? [[path, optionSchema(path, spec, rule)]] : [];
    }),
  ),
  // The shape is built at run time, so zod cannot infer it; the option table's ApiOptionKey types it.
) as unknown as z.ZodType<JobOptions>;

function optionSchema(path: string, spec: AnySpec, rule: ValueRule): z.ZodType {
  const error = (issue: { input?: unknown }) => mustBePhrase(rule, issue.input);
  const meta = {
    description: spec.help,
    ...(isJsonDefault(spec.default) ? { default: spec.default } : {}),
  };
  return ruleSchema(path, rule, error).optional().meta(meta);
}

function ruleSchema(
  path: string,
  rule: ValueRule,
  error: (issue: { input?: unknown }) => string,
): z.ZodType {
  switch (rule.kind) {
    case 'int': {
      const min = z.int({ error }).min(rule.min, { error });
      const int = rule.max === undefined ? min : min.max(rule.max, { error });
      return rule.auto ? z.union([int, z.literal('auto')], { error }) : int;
    }
    case 'number':
      return z.number({ error }).gt(rule.above, { error }).lt(rule.below, { error });
    case 'boolean':
      return z.boolean({ error });
    case 'duration':
      // '30s' or milliseconds, as crawl() takes it; the job runs crawl() with the value as given.
      return z
        .union([z.int(), z.string().max(32)], { error })
        .refine((value) => accepts(rule, value), { error });
    case 'string': {
      const string = z.string({ error }).min(rule.minLength ?? 0, { error });
      return rule.maxLength === undefined ? string : string.max(rule.maxLength, { error });
    }
    case 'enum':
      return z.enum(rule.values as [string, ...string[]], { error });
    case 'list':
      if (rule.of === 'int' && rule.fn === undefined) return z.array(z.int({ error }), { error });
      // Names (dropParams, keepParams): bounded, since a shared server compiles them for every job.
      if (rule.of === 'string' && rule.fn === undefined) {
        return z.array(z.string({ error }).max(100, { error }), { error }).max(100, { error });
      }
      throw new Error(`option ${path}: a list of ${rule.of} cannot be set through the API`);
    case 'toggle':
      // `true`, or an object of its int settings under their own bounds (`options.autothrottle.maxDelayMs …`).
      return z.union(
        [
          z.boolean(),
          z.strictObject(
            Object.fromEntries(
              Object.entries(rule.fields).map(([field, spec]) => [
                field,
                optionSchema(`${path}.${field}`, spec, spec),
              ]),
            ),
          ),
        ],
        { error },
      );
    default:
      throw new Error(`option ${path}: a ${rule.kind} option cannot be set through the API`);
  }
}

function isJsonDefault(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Plain file names only: the path is checked again against the job directory when it is used. */
const outputName = z
  .string()
  .max(200)
  .regex(/^\w[\w.-]*\.jsonl$/, 'must be a file name ending in .jsonl (no directories)');

const jobFields = {
  spider: z
    .string()
    .regex(/^[\w.@:-]{1,100}$/, 'must be a spider name from GET /api/spiders')
    .optional(),
  project: z
    .string()
    .regex(/^[\w.+-]{1,64}$/, 'must be a project name from GET /api/projects')
    .optional()
    .meta({
      description: 'A deployed project (arachne deploy); spider then names one of its spiders',
    }),
  version: z
    .string()
    .regex(/^[\w.+-]{1,64}$/, 'must be a version from GET /api/projects/{project}')
    .optional()
    .meta({ description: "The project's version; default: its current one" }),
  url: httpUrl.optional(),
  start: z.array(httpUrl).min(1).max(100).optional(),
  options: jobOptionsSchema.optional(),
  output: outputName.optional(),
  format: z
    .enum(['csv', 'json', 'xml', 'sqlite'], {
      error:
        'must be one of csv, json, xml, sqlite (a copy of the items beside the JSON Lines output)',
    })
    .optional(),
};

function oneTarget(
  body: {
    spider?: string | undefined;
    url?: string | undefined;
    start?: unknown;
    project?: string | undefined;
    version?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (body.project !== undefined && body.spider === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'project goes with spider (a spider of that project)',
      path: ['spider'],
    });
  } else if (body.version !== undefined && body.project === undefined) {
    ctx.addIssue({ code: 'custom', message: 'version goes with project', path: ['project'] });
  } else if ((body.spider === undefined) === (body.url === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'give either spider or url (exactly one)',
      path: ['spider'],
    });
  } else if (body.url !== undefined && body.start !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'start goes with spider, not with url',
      path: ['start'],
    });
  }
}

export const jobRequestSchema = z.strictObject(jobFields).superRefine(oneTarget);

export const scheduleRequestSchema = z
  .strictObject({ ...jobFields, cron: z.string().min(1).max(200) })
  .superRefine(oneTarget);

export const pageQuerySchema = (maxLimit: number, defaultLimit: number) =>
  z.object({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
  });

const statuses = ['queued', 'running', 'paused', 'finished', 'failed', 'cancelled'] as const;
export const jobListQuerySchema = z.object({ status: z.enum(statuses).optional() });

export const cronPreviewQuerySchema = z.object({
  cron: z.string().min(1).max(200),
  count: z.coerce.number().int().min(1).max(20).default(5),
});

export type JobRequest = z.infer<typeof jobRequestSchema>;
export type ScheduleRequest = z.infer<typeof scheduleRequestSchema>;

/** Parses `value`, or throws a 400 naming the first bad field (dotted path, e.g. `options.maxPages`). */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...(issue?.path ?? []), ...(unknownKey !== undefined ? [unknownKey] : [])];
  const field = path.length > 0 ? path.map(String).join('.') : 'body';
  const message = issue?.message ?? 'invalid';
  // "options.maxPages must be …" reads as crawl()'s and the CLI's messages do; zod's own wording keeps a colon.
  throw badRequest(
    message.startsWith('must ') ? `${field} ${message}` : `${field}: ${message}`,
    field,
  );
}
