/** serveShop: a fast node:http server for a Shop, with keep-alive, HEAD, a request log and optional latency. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Shop } from './generate.js';
import { createGuard, type GuardOptions, type GuardVerdict } from './guard.js';
import { type CacheSetting, createPageCache } from './page-cache.js';
import { createRequestLog, type RequestLogEntry } from './request-log.js';

export interface ServeShopOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** Artificial latency before each response, for realism. @default 0 */
  delayMs?: number;
  /** Keep every request in memory for `log()` and `GET /__log`. @default true */
  logRequests?: boolean;
  /** Also append `time<TAB>method<TAB>path` lines to this file. @default none */
  logFile?: string;
  /** Rendered-page cache: an entry count, or 'all' to render every page before listening returns. @default 256 */
  cache?: CacheSetting;
  /** The guarded shop's rate limit and challenge; used only when the shop's mode is 'guarded'. */
  guard?: GuardOptions;
}

export interface ShopServerStats {
  /** Requests served, control paths excluded. */
  requests: number;
  /** TCP connections accepted: far fewer than requests when clients keep connections alive. */
  connections: number;
  /** Most requests ever being answered at once (between arrival and the end of the response). */
  peakInFlight: number;
  /** Guarded mode: requests answered 429. */
  rateLimited?: number;
  /** Guarded mode: requests answered with the challenge page. */
  challenged?: number;
}

export interface ShopServer {
  /** e.g. `http://127.0.0.1:38123` */
  readonly origin: string;
  readonly port: number;
  /** Requests received so far, oldest first (control paths `/__log` and `/__reset` are not logged). */
  log(): RequestLogEntry[];
  resetLog(): void;
  stats(): ShopServerStats;
  close(): Promise<void>;
}

const notFound = Buffer.from('<!DOCTYPE html><title>Not found</title><h1>404 Not found</h1>\n');

export async function serveShop(shop: Shop, options: ServeShopOptions = {}): Promise<ShopServer> {
  const { host = '127.0.0.1', port = 0, delayMs = 0, logRequests = true, cache = 256 } = options;
  const log = createRequestLog({
    memory: logRequests,
    ...(options.logFile ? { file: options.logFile } : {}),
  });
  const guard = shop.mode === 'guarded' ? createGuard(options.guard) : undefined;
  const counters: ShopServerStats = {
    requests: 0,
    connections: 0,
    peakInFlight: 0,
    ...(guard ? { rateLimited: 0, challenged: 0 } : {}),
  };
  let inFlight = 0;
  let lookup: ReturnType<typeof createPageCache> = () => undefined;

  const server = createServer((req, res) => {
    const target = req.url ?? '/';
    if (target === '/__log') return sendJson(res, log.entries());
    if (target === '/__reset') {
      log.clear();
      res.writeHead(204).end();
      return;
    }
    counters.requests++;
    const verdict = guard?.check(req);
    if (verdict?.blocked === 'rate-limit') counters.rateLimited = (counters.rateLimited ?? 0) + 1;
    if (verdict?.blocked === 'challenge') counters.challenged = (counters.challenged ?? 0) + 1;
    log.record(req.method ?? 'GET', target, verdict?.blocked);
    inFlight++;
    if (inFlight > counters.peakInFlight) counters.peakInFlight = inFlight;
    res.once('close', () => inFlight--);
    const answer = () =>
      verdict?.blocked ? respondBlocked(req, res, verdict) : respond(req, res, lookup, verdict);
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  // Longer than Node's 5 s default so an idle pool between benchmark phases is not torn down.
  server.keepAliveTimeout = 30_000;
  server.on('connection', () => counters.connections++);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  lookup = createPageCache(shop, origin, cache);

  return {
    origin,
    port: actualPort,
    log: () => log.entries(),
    resetLog: () => {
      log.clear();
      counters.peakInFlight = inFlight;
    },
    stats: () => ({ ...counters }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
    },
  };
}

function respond(
  req: IncomingMessage,
  res: ServerResponse,
  lookup: ReturnType<typeof createPageCache>,
  verdict?: GuardVerdict,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 }).end();
    return;
  }
  const page = lookup(req.url ?? '/');
  const status = page?.status ?? 404;
  const body = page?.body ?? notFound;
  res.writeHead(status, {
    ...verdict?.headers,
    'Content-Type': page?.contentType ?? 'text/html; charset=utf-8',
    'Content-Length': body.length,
  });
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** 429 with Retry-After, or the challenge page with status 200 (as the usual interstitials answer). */
function respondBlocked(
  req: IncomingMessage,
  res: ServerResponse,
  verdict: Exclude<GuardVerdict, { blocked?: undefined }>,
): void {
  const body = Buffer.from(
    verdict.blocked === 'challenge' ? verdict.body : 'Too many requests: slow down.\n',
  );
  res.writeHead(verdict.blocked === 'challenge' ? 200 : 429, {
    ...verdict.headers,
    ...(verdict.blocked === 'rate-limit'
      ? { 'Retry-After': String(verdict.retryAfterSeconds) }
      : {}),
    // The challenge must not be cached in place of the page it stands for.
    'Cache-Control': 'no-store',
    'Content-Type':
      verdict.blocked === 'challenge' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'Content-Length': body.length,
  });
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}
