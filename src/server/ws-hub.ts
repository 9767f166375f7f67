/**
 * The /ws WebSocket feed: token and Origin checks at upgrade, subscriptions, job and throttled progress pushes, and
 * the tail of a job's log for the clients that watch it.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Caller } from './access-tokens.js';
import { ApiError } from './api-error.js';
import type { JobManager } from './job-manager.js';
import { readLinePage } from './line-pager.js';
import { publicJob } from './public-view.js';
import type { Job, Progress } from './types.js';

const progressEveryMs = 500;
const listDebounceMs = 50;
const pingEveryMs = 30_000;
/** Log lines sent when a client starts watching a log; older ones are a GET /api/jobs/:id/log away. */
const logBacklog = 200;
/** At most this many lines per log message: a client that falls further behind skips lines (the message says). */
const maxLogBatch = 500;
/** Longer log lines are cut in the feed (the REST log and the download keep them whole). */
const maxLogLineChars = 2000;

interface Subscriber {
  all: boolean;
  jobs: Set<string>;
  /** Job id → the next log line (0-based) this client gets. */
  logs: Map<string, number>;
  alive: boolean;
}

type ClientMessage =
  | { type: 'subscribe' | 'unsubscribe'; job: string }
  | { type: 'subscribe' | 'unsubscribe'; jobs: '*' }
  | { type: 'subscribe' | 'unsubscribe'; log: string };

export class WsHub {
  readonly #manager: JobManager;
  /** Any token may watch (viewer or operator): the feed only reads. */
  readonly #authenticate: (token: string | undefined) => Caller | undefined;
  readonly #dataDir: string;
  /** Jobs whose log is being read now, and those to read again once that read is done. */
  readonly #logReading = new Set<string>();
  readonly #logAgain = new Set<string>();
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => (protocols.has('arachne') ? 'arachne' : false),
  });
  readonly #clients = new Map<WebSocket, Subscriber>();
  readonly #lastProgress = new Map<string, number>();
  readonly #pendingProgress = new Map<string, NodeJS.Timeout>();
  #listTimer: NodeJS.Timeout | undefined;
  readonly #ping: NodeJS.Timeout;
  readonly #onJob = (job: Job) => this.#jobChanged(job);
  readonly #onProgress = (id: string, progress: Progress) => this.#progress(id, progress);
  readonly #onDeleted = (id: string) => this.#deleted(id);

  /** `dataDir`: the server's, where each job's log.txt is. */
  constructor(
    manager: JobManager,
    authenticate: (token: string | undefined) => Caller | undefined,
    dataDir: string,
  ) {
    this.#manager = manager;
    this.#authenticate = authenticate;
    this.#dataDir = dataDir;
    manager.on('job', this.#onJob);
    manager.on('progress', this.#onProgress);
    manager.on('deleted', this.#onDeleted);
    this.#ping = setInterval(() => this.#pingAll(), pingEveryMs);
    this.#ping.unref();
  }

  /** The HTTP server's 'upgrade' handler. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      reject(socket, 404, 'AR_NOT_FOUND', 'no WebSocket here (use /ws)');
    } else if (!this.#authenticate(tokenOf(request, url))) {
      reject(socket, 401, 'AR_UNAUTHORIZED', 'missing or wrong token');
    } else if (!sameOrigin(request)) {
      reject(socket, 403, 'AR_FORBIDDEN', 'cross-origin WebSocket refused');
    } else {
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
    }
  }

  close(): void {
    clearInterval(this.#ping);
    clearTimeout(this.#listTimer);
    for (const timer of this.#pendingProgress.values()) clearTimeout(timer);
    this.#manager.off('job', this.#onJob);
    this.#manager.off('progress', this.#onProgress);
    this.#manager.off('deleted', this.#onDeleted);
    for (const ws of this.#clients.keys()) ws.terminate();
    this.#wss.close();
  }

  #accept(ws: WebSocket): void {
    const subscriber: Subscriber = { all: false, jobs: new Set(), logs: new Map(), alive: true };
    this.#clients.set(ws, subscriber);
    ws.on('pong', () => (subscriber.alive = true));
    ws.on('close', () => this.#clients.delete(ws));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? undefined : parse(data.toString());
      if (!message)
        return send(
          ws,
          errorMessage(400, 'AR_BAD_REQUEST', 'expected {type: "subscribe", job | jobs | log}'),
        );
      this.#handle(ws, subscriber, message);
    });
  }

  #handle(ws: WebSocket, subscriber: Subscriber, message: ClientMessage): void {
    const on = message.type === 'subscribe';
    if ('jobs' in message) {
      subscriber.all = on;
      if (on) send(ws, { type: 'jobs', jobs: this.#manager.list().map(publicJob) });
      return;
    }
    let job: Job;
    try {
      job = this.#manager.get('log' in message ? message.log : message.job);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      send(ws, errorMessage(404, error.code, error.message));
      return;
    }
    if ('log' in message) {
      if (on) void this.#startLog(ws, subscriber, job.id);
      else subscriber.logs.delete(job.id);
      return;
    }
    if (!on) {
      subscriber.jobs.delete(job.id);
      return;
    }
    subscriber.jobs.add(job.id);
    send(ws, { type: 'job', job: publicJob(job) });
    const progress = this.#manager.progress(job.id);
    if (progress) send(ws, { type: 'progress', job: job.id, ...progress });
  }

  #jobChanged(job: Job): void {
    // The last lines of a run are in the file once its process has exited.
    this.#pumpLog(job.id);
    const shown = publicJob(job);
    for (const [ws, subscriber] of this.#clients) {
      if (subscriber.all || subscriber.jobs.has(job.id)) send(ws, { type: 'job', job: shown });
    }
    this.#listChanged();
  }

  #deleted(id: string): void {
    for (const [ws, subscriber] of this.#clients) {
      subscriber.logs.delete(id);
      if (subscriber.jobs.delete(id)) send(ws, { type: 'deleted', job: id });
    }
    this.#listChanged();
  }

  #listChanged(): void {
    // Bursts (a schedule tick, a restart) become one list message.
    this.#listTimer ??= setTimeout(() => {
      this.#listTimer = undefined;
      const watchers = [...this.#clients].filter(([, subscriber]) => subscriber.all);
      if (watchers.length === 0) return;
      const message = { type: 'jobs', jobs: this.#manager.list().map(publicJob) };
      for (const [ws] of watchers) send(ws, message);
    }, listDebounceMs);
  }

  /** At most one progress message per job every 500 ms; the latest one wins. */
  #progress(id: string, progress: Progress): void {
    const wait = (this.#lastProgress.get(id) ?? 0) + progressEveryMs - Date.now();
    clearTimeout(this.#pendingProgress.get(id));
    const push = () => {
      this.#pendingProgress.delete(id);
      this.#lastProgress.set(id, Date.now());
      const message = { type: 'progress', job: id, ...progress };
      for (const [ws, subscriber] of this.#clients) {
        if (subscriber.all || subscriber.jobs.has(id)) send(ws, message);
      }
      this.#pumpLog(id);
    };
    if (wait <= 0) push();
    else this.#pendingProgress.set(id, setTimeout(push, wait));
  }

  #logPath(id: string): string {
    return join(this.#dataDir, 'jobs', id, 'log.txt');
  }

  /** The last lines of the log so far, then (see #pumpLog) each new line as the job writes it. */
  async #startLog(ws: WebSocket, subscriber: Subscriber, id: string): Promise<void> {
    try {
      const { total } = await readLinePage(this.#logPath(id), Number.MAX_SAFE_INTEGER, 1);
      const from = Math.max(0, total - logBacklog);
      const { lines } = await readLinePage(this.#logPath(id), from, total - from);
      subscriber.logs.set(id, from + lines.length);
      send(ws, logMessage(id, from, lines, total));
    } catch (error) {
      send(
        ws,
        errorMessage(500, 'AR_INTERNAL', `cannot read the log: ${(error as Error).message}`),
      );
    }
  }

  /** Sends the lines each watching client has not had yet; one read of the file at a time per job. */
  #pumpLog(id: string): void {
    if (![...this.#clients.values()].some((subscriber) => subscriber.logs.has(id))) return;
    if (this.#logReading.has(id)) {
      this.#logAgain.add(id);
      return;
    }
    this.#logReading.add(id);
    void this.#readLogFor(id)
      .catch(() => {
        // A deleted job's file is gone: nothing to send.
      })
      .finally(() => {
        this.#logReading.delete(id);
        if (this.#logAgain.delete(id)) this.#pumpLog(id);
      });
  }

  async #readLogFor(id: string): Promise<void> {
    for (const [ws, subscriber] of this.#clients) {
      const next = subscriber.logs.get(id);
      if (next === undefined) continue;
      const probe = await readLinePage(this.#logPath(id), next, maxLogBatch);
      if (probe.lines.length === 0) continue;
      // Too far behind: skip to the newest lines rather than queue the whole log in this socket.
      const from = Math.max(next, probe.total - maxLogBatch);
      const page = from === next ? probe : await readLinePage(this.#logPath(id), from, maxLogBatch);
      if (!subscriber.logs.has(id)) continue;
      subscriber.logs.set(id, from + page.lines.length);
      send(ws, logMessage(id, from, page.lines, page.total));
    }
  }

  #pingAll(): void {
    for (const [ws, subscriber] of this.#clients) {
      if (!subscriber.alive) {
        ws.terminate();
        continue;
      }
      subscriber.alive = false;
      ws.ping();
    }
  }
}

/** `?token=` or a `bearer.<token>` entry of Sec-WebSocket-Protocol (browsers cannot set Authorization). */
function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const protocols = (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  return protocols.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
}

/**
 * No Origin (a non-browser client) is fine; a browser page must come from this very host:port. Both sides are read
 * as URLs of the page's scheme, so a proxy that sends `Host: name:443` matches the browser's `https://name` (the
 * URL parser drops a default port); a Host without the port the browser used still does not match.
 */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    const page = new URL(origin);
    const host = request.headers.host;
    if (host === undefined || /[/?#@\\]/.test(host)) return false;
    return new URL(`${page.protocol}//${host}`).host === page.host;
  } catch {
    return false;
  }
}

function reject(socket: Duplex, status: 401 | 403 | 404, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function parse(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, job, jobs } = value as Record<string, unknown>;
  if (type !== 'subscribe' && type !== 'unsubscribe') return undefined;
  if (jobs === '*') return { type, jobs };
  if (typeof job === 'string') return { type, job };
  const { log } = value as Record<string, unknown>;
  if (typeof log === 'string') return { type, log };
  return undefined;
}

/** Lines `from`, `from + 1`, … of the job's log (0-based), and how many the file holds now. */
function logMessage(job: string, from: number, lines: string[], total: number) {
  return {
    type: 'log',
    job,
    from,
    total,
    lines: lines.map((line) =>
      line.length > maxLogLineChars ? `${line.slice(0, maxLogLineChars)}…` : line,
    ),
  };
}

function errorMessage(status: number, code: string, message: string) {
  return { type: 'error', error: { code, message, status } };
}

function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}
