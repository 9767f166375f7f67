/**
 * Turns a validated job or schedule request into a JobSpec, checking the spider name against the project and,
 * unless the server allows private addresses, the URLs against the egress guard; mailbox URLs need --allow-mail.
 */
import type { LookupFunction } from 'node:net';
import { badRequest } from './api-error.js';
import { type JobRequest, MAIL_SCHEMES } from './api-schemas.js';
import type { Deploys } from './deploys.js';
import { refusePrivateTargets } from './private-targets.js';
import type { ProjectSpiders } from './project-spiders.js';
import type { JobSpec } from './types.js';

/** What the server lets a job do, and how it resolves the job's host names (its --dns). */
export interface JobGuard {
  allowPrivate: boolean;
  allowInsecure?: boolean | undefined;
  allowMail?: boolean | undefined;
  lookup?: LookupFunction | undefined;
}

/** Where a job's spider comes from: the server's project directory, or a deployed project's version. */
export interface SpiderSources {
  spiders: ProjectSpiders;
  deploys: Deploys;
}

export async function specFrom(
  request: JobRequest,
  { spiders, deploys }: SpiderSources,
  { allowPrivate, allowInsecure = false, allowMail = false, lookup }: JobGuard,
): Promise<JobSpec> {
  if (request.project !== undefined && request.spider !== undefined) {
    // A schedule without a version follows the current one; it must have the spider now, too.
    const version = deploys.resolve(request.project, request.version ?? null);
    if ((await deploys.spiderFile(request.project, version, request.spider)) === undefined) {
      throw badRequest(
        `spider: no spider named "${request.spider}" in version "${version}" of project "${request.project}"`,
        'spider',
      );
    }
  } else if (request.spider !== undefined && (await spiders.fileOf(request.spider)) === undefined) {
    throw badRequest(`spider: no spider named "${request.spider}" in the project`, 'spider');
  }
  if (request.options?.insecure === true && !allowInsecure) {
    throw badRequest(
      'options.insecure: this server does not let jobs turn off certificate checks (arachne serve --allow-insecure)',
      'options.insecure',
    );
  }
  const targets = [
    ...(request.url !== undefined ? [['url', request.url] as const] : []),
    ...(request.start ?? []).map((url, index) => [`start.${index}`, url] as const),
  ];
  if (!allowMail) {
    // A mailbox job logs in with the server's own ARACHNE_MAIL_PASSWORD: the operator must opt in.
    const mail = targets.find(([, url]) => MAIL_SCHEMES.has(new URL(url).protocol));
    if (mail) {
      throw badRequest(
        `${mail[0]}: mailbox URLs (imap:, imaps:, pop3:, pop3s:) need a server run with --allow-mail`,
        mail[0],
      );
    }
  }
  if (!allowPrivate) await refusePrivateTargets(targets, lookup);
  return {
    spider: request.spider ?? null,
    project: request.project ?? null,
    version: request.version ?? null,
    url: request.url ?? null,
    start: request.start ?? null,
    options: definedOnly(request.options ?? {}),
    output: request.output ?? 'items.jsonl',
    format: request.format ?? null,
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
