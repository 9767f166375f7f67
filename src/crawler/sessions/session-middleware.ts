/**
 * The download-chain side of sessions and proxies: picks a session and a proxy for each attempt, and turns block
 * signals into a retired session, a host moved up a proxy tier and a retryable BlockedError (`AR_BLOCKED`), which
 * the crawl's retry policy sends out again — with another session.
 */

import { BlockedError, isCrawlError } from '../../errors.js';
import type { Middleware } from '../../http/compose.js';
import { cookies } from '../../http/middlewares/cookies.js';
import { Page } from '../page.js';
import type { Request } from '../request.js';
import type { ProxyRotation } from './proxy-rotation.js';
import type { Session } from './session.js';
import type { SessionPool } from './session-pool.js';

/** The spider's block detector: true when the page is a block (a challenge page, a "rate limited" notice). */
export type IsBlocked = (page: Page) => boolean | Promise<boolean>;

export interface BlockingOptions {
  pool?: SessionPool | undefined;
  rotation?: ProxyRotation | undefined;
  /** Statuses that mean "blocked". */
  blockedStatuses: readonly number[];
  isBlocked?: IsBlocked | undefined;
  /** Called for every block seen, with its reason (stats). */
  onBlocked?: (url: string, reason: string) => void;
}

/**
 * Place it first in the chain, outside `redirect`: a session holds for every hop of a request, and the final
 * response is the one judged. The request's own headers win over the session's header set.
 */
export function sessionMiddleware(options: BlockingOptions): Middleware<Request> {
  const { pool, rotation, blockedStatuses, isBlocked, onBlocked } = options;
  return async (request, next) => {
    const session = pool?.pick();
    const tier = rotation?.tierOf(request.url) ?? 0;
    let outgoing: Request = request;
    if (session) {
      outgoing = {
        ...outgoing,
        session: session.id,
        headers: { ...session.headers, ...request.headers },
      };
    }
    if (rotation?.active) {
      const proxy = rotation.proxyFor(request.url, session);
      if (proxy !== undefined) outgoing = { ...outgoing, proxy };
    }
    try {
      let response: Awaited<ReturnType<typeof next>>;
      try {
        response = await next(outgoing);
      } catch (error) {
        if (session && pool && isSessionFault(error)) pool.markBad(session);
        throw error;
      }
      const reason = blockedStatuses.includes(response.status)
        ? `status ${response.status}`
        : isBlocked && (await isBlocked(new Page(outgoing, response)))
          ? 'isBlocked'
          : undefined;
      if (reason === undefined) {
        if (session && pool) pool.markGood(session);
        return response;
      }
      await response.release();
      if (session && pool) pool.markBlocked(session);
      rotation?.escalate(request.url, tier);
      onBlocked?.(response.url, reason);
      throw new BlockedError(response.url, session ? `${reason}, session ${session.id}` : reason);
    } finally {
      if (session && pool) pool.release(session);
    }
  };
}

/** Errors that count against a session (Crawlee's markBad): the network and timeouts, not the spider's bugs. */
function isSessionFault(error: unknown): boolean {
  return isCrawlError(error) && (error.code === 'AR_NETWORK' || error.code === 'AR_TIMEOUT');
}

/**
 * Cookies per session: each request is sent with, and stores into, its session's jar; requests without a
 * session (robots.txt, sitemaps) use `fallback`, the crawl's own jar.
 */
export function sessionCookies(
  pool: SessionPool,
  fallback: Middleware<Request>,
): Middleware<Request> {
  const perSession = new WeakMap<Session, Middleware<Request>>();
  return (request, next) => {
    const session = request.session === undefined ? undefined : pool.get(request.session);
    if (session === undefined) return fallback(request, next);
    let middleware = perSession.get(session);
    if (middleware === undefined) {
      middleware = cookies<Request>(session.jar);
      perSession.set(session, middleware);
    }
    return middleware(request, next);
  };
}
