/** Fetches one origin's robots.txt, following redirects itself, and classifies the result per RFC 9309 §2.3.1. */

/** One HTTP exchange, without following redirects. Header names are matched case-insensitively. */
export interface RobotsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Performs exactly one request (no redirects); rejects on network errors. */
export type RobotsFetch = (url: string) => Promise<RobotsResponse>;

/**
 * `parsed`: a 2xx body was reached. `unavailable`: 4xx, a broken redirect, or too many redirects
 * (allow all). `unreachable`: 5xx, 429, another unexpected status, a network error or a timeout
 * (disallow all, briefly).
 */
export type RobotsOutcome =
  | { kind: 'parsed'; status: number; url: string; body: string }
  | { kind: 'unavailable'; status: number | undefined; reason: string }
  | { kind: 'unreachable'; status: number | undefined; reason: string };

export interface FetchRobotsOptions {
  /** Redirects followed after the first request (RFC 9309 §2.3.1.2 asks for at least five). @default 5 */
  maxRedirects?: number;
  /** Time allowed for each hop before the origin counts as unreachable. @default 30_000 */
  timeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Fetches `${origin}/robots.txt`. Never rejects: every failure maps to an outcome. */
export async function fetchRobotsTxt(
  origin: string,
  fetch: RobotsFetch,
  options: FetchRobotsOptions = {},
): Promise<RobotsOutcome> {
  const maxRedirects = options.maxRedirects ?? 5;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let url = `${origin}/robots.txt`;
  for (let hop = 0; ; hop++) {
    let response: RobotsResponse;
    try {
      response = await withTimeout(fetch(url), timeoutMs);
    } catch (error) {
      return { kind: 'unreachable', status: undefined, reason: describe(error) };
    }
    const { status } = response;
    if (status >= 200 && status < 300) return { kind: 'parsed', status, url, body: response.body };
    if (REDIRECTS.has(status)) {
      if (hop >= maxRedirects) {
        return { kind: 'unavailable', status, reason: `more than ${maxRedirects} redirects` };
      }
      const next = resolveLocation(url, headerValue(response.headers, 'location'));
      if (next === undefined) return { kind: 'unavailable', status, reason: 'bad redirect' };
      url = next;
      continue;
    }
    // Google treats 429 as a server error; allowing everything on "slow down" would be rude.
    if (status >= 400 && status < 500 && status !== 429) {
      return { kind: 'unavailable', status, reason: `status ${status}` };
    }
    return { kind: 'unreachable', status, reason: `status ${status}` };
  }
}

function resolveLocation(base: string, location: string | undefined): string | undefined {
  if (!location) return undefined;
  try {
    const next = new URL(location, base);
    return next.protocol === 'http:' || next.protocol === 'https:' ? next.href : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Keep the code (AR_TIMEOUT, AR_EGRESS_DENIED…): callers tell a refused origin from a broken one by it.
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('AR_')
    ? `${code}: ${error.message}`
    : error.message;
}
