/**
 * The guarded shop's defences, as bot-protected sites have them: a per-client rate limit over a sliding second
 * (429 with Retry-After past it) and a cookie-setting challenge page that only a client running its script,
 * or a crawler that reads the token itself, gets past.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../errors.js';

export interface GuardOptions {
  /** Requests one client may make in any sliding second; the next ones answer 429. 0 turns it off. @default 20 */
  rateLimit?: number;
  /** The sliding window `rateLimit` counts over, in ms. @default 1000 */
  windowMs?: number;
  /** Answer requests without a valid challenge cookie with the "Just a moment…" page. @default true */
  challenge?: boolean;
}

/** Cookie naming the client: a crawler with one cookie jar per session is one client per session. */
export const SESSION_COOKIE = 'shop_session';
/** Cookie the challenge page's script sets: the page's token reversed. */
export const CHALLENGE_COOKIE = 'shop_challenge';
/** In every challenge page: what an `isBlocked(page)` hook looks for. */
export const CHALLENGE_MARKER = '<div id="challenge"';

export type GuardVerdict =
  | { blocked?: undefined; headers: Record<string, string> }
  | { blocked: 'rate-limit'; retryAfterSeconds: number; headers: Record<string, string> }
  | { blocked: 'challenge'; body: string; headers: Record<string, string> };

export interface Guard {
  /** Decides, at arrival, whether the request gets through; records it in its client's window. */
  check(req: IncomingMessage): GuardVerdict;
}

/** Paths a crawler needs before it crawls: never challenged (still rate limited). */
const unchallenged = new Set(['/robots.txt', '/sitemap.xml', '/static/shop.css']);
/** Above this many tracked clients, idle ones are dropped: bounds memory under many addresses. */
const maxClients = 10_000;

export function checkGuardOptions(options: GuardOptions): void {
  const { rateLimit } = options;
  if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit < 0)) {
    throw new ConfigError(`shop guard rateLimit must be an integer ≥ 0, got ${rateLimit}`);
  }
  const { windowMs } = options;
  if (windowMs !== undefined && (!Number.isInteger(windowMs) || windowMs < 1)) {
    throw new ConfigError(`shop guard windowMs must be an integer ≥ 1, got ${windowMs}`);
  }
}

export function createGuard(options: GuardOptions = {}): Guard {
  checkGuardOptions(options);
  const { rateLimit = 20, windowMs = 1_000, challenge = true } = options;
  // Per server: tokens and cookies of one run mean nothing to the next.
  const secret = randomBytes(16);
  const windows = new Map<string, number[]>();
  let sessionCounter = 0;

  const sign = (nonce: string) =>
    createHmac('sha256', secret).update(nonce).digest('hex').slice(0, 16);

  function passed(cookie: string | undefined): boolean {
    if (cookie === undefined) return false;
    const token = [...cookie].reverse().join('');
    const dash = token.indexOf('-');
    return dash > 0 && sign(token.slice(0, dash)) === token.slice(dash + 1);
  }

  function limited(client: string, now: number): number | undefined {
    if (rateLimit === 0) return undefined;
    if (windows.size > maxClients) {
      for (const [key, times] of windows) {
        if ((times[times.length - 1] ?? 0) <= now - windowMs) windows.delete(key);
      }
    }
    let times = windows.get(client);
    if (!times) {
      times = [];
      windows.set(client, times);
    }
    while (times.length > 0 && (times[0] ?? 0) <= now - windowMs) times.shift();
    if (times.length >= rateLimit) {
      return Math.max(1, Math.ceil(((times[0] ?? now) + windowMs - now) / 1000));
    }
    times.push(now);
    return undefined;
  }

  return {
    check(req) {
      const cookies = parseCookies(req.headers.cookie);
      const headers: Record<string, string> = {};
      let session = cookies.get(SESSION_COOKIE);
      const client =
        session ?? `${req.socket.remoteAddress ?? ''}\t${req.headers['user-agent'] ?? ''}`;
      if (session === undefined) {
        session = `s${++sessionCounter}-${randomBytes(6).toString('hex')}`;
        headers['Set-Cookie'] = `${SESSION_COOKIE}=${session}; Path=/; HttpOnly`;
      }
      const retryAfterSeconds = limited(client, Date.now());
      if (retryAfterSeconds !== undefined) {
        return { blocked: 'rate-limit', retryAfterSeconds, headers };
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (challenge && !unchallenged.has(path) && !passed(cookies.get(CHALLENGE_COOKIE))) {
        const nonce = randomBytes(8).toString('hex');
        return { blocked: 'challenge', body: challengePage(`${nonce}-${sign(nonce)}`), headers };
      }
      return { headers };
    },
  };
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/** The interstitial: no links, a token, and a script that turns the token into the cookie and reloads. */
export function challengePage(token: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>Just a moment…</title>
</head>
<body>
<div id="challenge" data-token="${token}"><h1>Just a moment…</h1><p>Checking your browser before you reach the Arachne Sample Shop.</p></div>
<script>
(function () {
  var token = document.querySelector('#challenge').getAttribute('data-token');
  document.cookie = '${CHALLENGE_COOKIE}=' + token.split('').reverse().join('') + '; path=/';
  location.reload();
})();
</script>
</body>
</html>
`;
}
