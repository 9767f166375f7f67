/** One session: a cookie jar, a sticky proxy per tier and a header set, with Crawlee's usage and error score. */
import { CookieJar } from 'tough-cookie';
import type { HeaderSet } from './browser-headers.js';

export type RetireReason = 'blocked' | 'errors' | 'usage';

export class Session {
  readonly jar = new CookieJar();
  /** The proxy this session uses in each proxy tier, chosen on its first request there (sticky). */
  readonly proxies = new Map<number, string | undefined>();
  usageCount = 0;
  errorScore = 0;
  blockedCount = 0;
  /** Requests in flight with this session. */
  held = 0;
  retired: RetireReason | undefined;

  constructor(
    readonly id: string,
    readonly headers: HeaderSet,
  ) {}

  get userAgent(): string | undefined {
    return this.headers['user-agent'];
  }
}
