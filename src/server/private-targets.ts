/**
 * Refuses, at submission, a job or schedule whose URLs point at private addresses when the server does not allow
 * them: the fetcher's egress guard would refuse every request anyway, and a 400 naming the URL says so at once
 * instead of a job that "finishes" having fetched nothing. The guard at connect time still covers redirects,
 * links found while crawling and names that re-resolve (DNS rebinding).
 */
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { EgressDeniedError } from '../errors.js';
import { EgressGuard } from '../http/egress-guard.js';
import { badRequest } from './api-error.js';

const guard = new EgressGuard({ allowPrivate: false });

/** The URLs to check, each with the request field it came from (`url`, `start.2`). */
export type TargetUrls = ReadonlyArray<readonly [field: string, url: string]>;

/** @throws ApiError 400 naming the field of the first URL whose host is (or resolves to) a private address. */
export async function refusePrivateTargets(
  targets: TargetUrls,
  lookup: LookupFunction = dns.lookup,
): Promise<void> {
  const guardedLookup = guard.lookup(lookup);
  for (const [field, url] of targets) {
    const host = new URL(url).hostname;
    const refused = await privateAddressOf(host, guardedLookup);
    if (refused !== undefined) {
      const via = refused === host ? '' : ` (resolves to ${refused})`;
      throw badRequest(
        `${field}: ${host}${via} is a private, loopback or link-local address; jobs cannot reach it unless the server runs with --allow-private`,
        field,
      );
    }
  }
}

/**
 * The private address `host` is or resolves to, else undefined. A name that does not resolve is let through:
 * the job will report the DNS failure like any other unreachable site.
 */
function privateAddressOf(
  host: string,
  guardedLookup: LookupFunction,
): Promise<string | undefined> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return Promise.resolve(guard.denies(bare) ? bare : undefined);
  return new Promise((resolve) => {
    guardedLookup(bare, { all: true }, (error) => {
      resolve(error instanceof EgressDeniedError ? error.address : undefined);
    });
  });
}
