/**
 * The session pool (Crawlee's SessionPool): sessions are handed out round-robin, created until the pool is full,
 * and retired when blocked, after too many errors, or after `maxUsage` requests; a retired one is replaced by a
 * fresh session on a later pick.
 */
import type { HeaderSet } from './browser-headers.js';
import { type RetireReason, Session } from './session.js';

export interface SessionPoolOptions {
  /** Sessions alive at once. */
  size: number;
  /** Requests one session serves before it is retired. @default 50 (Crawlee's maxUsageCount) */
  maxUsage?: number;
  /** Error score at which a session is retired; a success lowers it by 0.5. @default 3 (Crawlee's maxErrorScore) */
  maxErrorScore?: number;
  /** The header set of a new session; none: the session sends the crawl's own headers. */
  headers?: () => HeaderSet;
}

/** What stats show of the pool. */
export interface SessionStats {
  size: number;
  created: number;
  retired: number;
  /** Block signals seen (status or isBlocked), each one retiring its session. */
  blocked: number;
  retiredBy: Record<RetireReason, number>;
  /** The live sessions: id, requests served, error score, blocks. */
  sessions: Array<{ id: string; usage: number; errorScore: number; blocked: number }>;
}

export class SessionPool {
  readonly #live: Session[] = [];
  readonly #byId = new Map<string, Session>();
  readonly #size: number;
  readonly #maxUsage: number;
  readonly #maxErrorScore: number;
  readonly #headers: () => HeaderSet;
  readonly #onRetire: Array<(session: Session) => void> = [];
  #next = 0;
  #created = 0;
  #blocked = 0;
  readonly #retiredBy: Record<RetireReason, number> = { blocked: 0, errors: 0, usage: 0 };

  constructor(options: SessionPoolOptions) {
    this.#size = Math.max(1, options.size);
    this.#maxUsage = options.maxUsage ?? 50;
    this.#maxErrorScore = options.maxErrorScore ?? 3;
    this.#headers = options.headers ?? (() => Object.freeze({}));
  }

  /** A usable session for the next request: a new one while the pool is not full, else the next in turn. */
  pick(): Session {
    let session: Session;
    if (this.#live.length < this.#size) {
      session = new Session(`s${++this.#created}`, this.#headers());
      this.#live.push(session);
      this.#byId.set(session.id, session);
      // The turn continues after the newest, so the first full round does not repeat a session.
      this.#next = this.#live.length - 1;
    } else {
      this.#next = (this.#next + 1) % this.#live.length;
      session = this.#live[this.#next] as Session;
    }
    session.usageCount++;
    session.held++;
    // Retired once it has served its share; requests in flight with it finish with it.
    if (session.usageCount >= this.#maxUsage) this.retire(session, 'usage');
    return session;
  }

  /** The session with this id, while requests still hold it (retired sessions included until then). */
  get(id: string): Session | undefined {
    return this.#byId.get(id);
  }

  /** A success: the error score goes down (Crawlee's markGood). */
  markGood(session: Session): void {
    session.errorScore = Math.max(0, session.errorScore - 0.5);
  }

  /** A failure that may be the session's (network error, timeout): retired at `maxErrorScore`. */
  markBad(session: Session): void {
    session.errorScore += 1;
    if (session.errorScore >= this.#maxErrorScore) this.retire(session, 'errors');
  }

  /** A block signal: the session is retired at once. */
  markBlocked(session: Session): void {
    session.blockedCount++;
    this.#blocked++;
    this.retire(session, 'blocked');
  }

  retire(session: Session, reason: RetireReason): void {
    if (session.retired !== undefined) return;
    session.retired = reason;
    this.#retiredBy[reason]++;
    const at = this.#live.indexOf(session);
    if (at !== -1) {
      this.#live.splice(at, 1);
      if (this.#next >= at && this.#next > 0) this.#next--;
    }
    for (const listener of this.#onRetire) listener(session);
  }

  /** The request holding `session` is done; a retired session is forgotten once nothing holds it. */
  release(session: Session): void {
    session.held = Math.max(0, session.held - 1);
    if (session.retired !== undefined && session.held === 0) this.#byId.delete(session.id);
  }

  /** Called with every retired session (the browser rung closes its context). */
  onRetire(listener: (session: Session) => void): void {
    this.#onRetire.push(listener);
  }

  stats(): SessionStats {
    const retired = this.#retiredBy.blocked + this.#retiredBy.errors + this.#retiredBy.usage;
    return {
      size: this.#live.length,
      created: this.#created,
      retired,
      blocked: this.#blocked,
      retiredBy: { ...this.#retiredBy },
      sessions: this.#live.map((session) => ({
        id: session.id,
        usage: session.usageCount,
        errorScore: session.errorScore,
        blocked: session.blockedCount,
      })),
    };
  }
}
