/**
 * Turns a validated job or schedule request into a JobSpec, checking the spider name against the project and,
 * unless the server allows private addresses, the URLs against the egress guard.
 */
import type { LookupFunction } from 'node:net';
import { badRequest } from './api-error.js';
import type { JobRequest } from './api-schemas.js';
import { refusePrivateTargets } from './private-targets.js';
import type { ProjectSpiders } from './project-spiders.js';
import type { JobSpec } from './types.js';

/** What the server lets a job do, and how it resolves the job's host names (its --dns). */
export interface JobGuard {
  allowPrivate: boolean;
  allowInsecure?: boolean | undefined;
  lookup?: LookupFunction | undefined;
}

export async function specFrom(
  request: JobRequest,
  spiders: ProjectSpiders,
  { allowPrivate, allowInsecure = false, lookup }: JobGuard,
): Promise<JobSpec> {
  if (request.spider !== undefined && (await spiders.fileOf(request.spider)) === undefined) {
    throw badRequest(`spider: no spider named "${request.spider}" in the project`, 'spider');
  }
  if (request.options?.insecure === true && !allowInsecure) {
    throw badRequest(
      'options.insecure: this server does not let jobs turn off certificate checks (arachne serve --allow-insecure)',
      'options.insecure',
    );
  }
  if (!allowPrivate) {
    await refusePrivateTargets(
      [
        ...(request.url !== undefined ? [['url', request.url] as const] : []),
        ...(request.start ?? []).map((url, index) => [`start.${index}`, url] as const),
      ],
      lookup,
    );
  }
  return {
    spider: request.spider ?? null,
    url: request.url ?? null,
    start: request.start ?? null,
    options: definedOnly(request.options ?? {}),
    output: request.output ?? 'items.jsonl',
  };
}

/** Drops keys whose value is undefined (zod's optional output keeps them; JobOptions has none). */
function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** The request body as JSON; anything else is a 400 naming `body`. */
export async function jsonBody(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read();
  } catch {
    throw badRequest('the body must be a JSON object', 'body');
  }
}
