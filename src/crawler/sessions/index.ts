/** Sessions, proxy rotation and block handling for a crawl, built from its options. */

import type { Middleware } from '../../http/compose.js';
import type { ResolvedOptions } from '../options.js';
import type { Request } from '../request.js';
import type { Spider } from '../spider.js';
import { ProxyRotation, type ProxyStats } from './proxy-rotation.js';
import { sessionMiddleware } from './session-middleware.js';
import { SessionPool, type SessionStats } from './session-pool.js';

export type { HeaderSet } from './browser-headers.js';
export type { ProxyFunction, ProxyRequestInfo, ProxyStats } from './proxy-rotation.js';
export { ProxyRotation } from './proxy-rotation.js';
export type { RetireReason } from './session.js';
export { Session } from './session.js';
export type { BlockingOptions, IsBlocked } from './session-middleware.js';
export { sessionCookies, sessionMiddleware } from './session-middleware.js';
export type { SessionPoolOptions, SessionStats } from './session-pool.js';
export { SessionPool } from './session-pool.js';

/** What the crawl's stats show of sessions and proxies. */
export interface SessionsSnapshot {
  /** Blocks seen (block statuses and isBlocked), with or without sessions. */
  blocked: number;
  sessions?: SessionStats;
  proxies?: ProxyStats;
}

export interface CrawlSessions {
  pool: SessionPool | undefined;
  rotation: ProxyRotation | undefined;
  /** The chain's first middleware. */
  middleware: Middleware<Request>;
  snapshot(): SessionsSnapshot;
}

/**
 * The crawl's sessions and proxy rotation, or undefined when the options ask for neither. Block statuses and
 * `isBlocked` only apply when there is something to change on a block: another session or a higher proxy tier.
 */
export async function crawlSessions(
  options: ResolvedOptions,
  spider: Pick<Spider, 'isBlocked'>,
): Promise<CrawlSessions | undefined> {
  const rotation =
    options.proxies !== undefined || options.proxyTiers !== undefined
      ? new ProxyRotation({ proxies: options.proxies, proxyTiers: options.proxyTiers })
      : undefined;
  if (options.sessions === 0 && rotation === undefined) return undefined;
  let pool: SessionPool | undefined;
  if (options.sessions > 0) {
    // Loaded only with sessions: the generator reads its model (a few MB of JSON) at start.
    const headers = options.browserHeaders
      ? (await import('./browser-headers.js')).headerSetFactory()
      : undefined;
    pool = new SessionPool({ size: options.sessions, ...(headers && { headers }) });
  }
  const judging = pool !== undefined || rotation?.tiered === true;
  let blocked = 0;
  const middleware = sessionMiddleware({
    pool,
    rotation,
    blockedStatuses: judging ? options.blockedStatuses : [],
    isBlocked: judging ? spider.isBlocked : undefined,
    onBlocked: () => blocked++,
  });
  return {
    pool,
    rotation,
    middleware,
    snapshot: () => ({
      blocked,
      ...(pool && { sessions: pool.stats() }),
      ...(rotation && { proxies: rotation.stats() }),
    }),
  };
}
