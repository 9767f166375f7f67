/** Request bodies and queries of the API (zod): the single source of validation and of the OpenAPI schemas. */
import { z } from 'zod';
import { badRequest } from './api-error.js';

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const { protocol } = new URL(value);
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

export const jobOptionsSchema = z.strictObject({
  maxPages: z.int().min(1).max(10_000_000).optional(),
  maxDepth: z.int().min(0).max(10_000).optional(),
  concurrency: z.int().min(1).max(1024).optional(),
  perHost: z.int().min(1).max(1024).optional(),
  delayMs: z.int().min(0).max(3_600_000).optional(),
  timeoutMs: z.int().min(1).max(3_600_000).optional(),
  retries: z.int().min(0).max(20).optional(),
  userAgent: z.string().min(1).max(512).optional(),
  robots: z.boolean().optional(),
  sitemaps: z.boolean().optional(),
});

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
  url: httpUrl.optional(),
  start: z.array(httpUrl).min(1).max(100).optional(),
  options: jobOptionsSchema.optional(),
  output: outputName.optional(),
};

function oneTarget(
  body: { spider?: string | undefined; url?: string | undefined; start?: unknown },
  ctx: z.RefinementCtx,
): void {
  if ((body.spider === undefined) === (body.url === undefined)) {
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
  throw badRequest(`${field}: ${issue?.message ?? 'invalid'}`, field);
}
