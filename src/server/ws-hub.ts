/** The /ws WebSocket feed: token and Origin checks at upgrade, subscriptions, job and throttled progress pushes. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Caller } from './access-tokens.js';
import { ApiError } from './api-error.js';
import type { JobManager } from './job-manager.js';
import { publicJob } from './public-view.js';
import type { Job, Progress } from './types.js';

const progressEveryMs = 500;
const listDebounceMs = 50;
const pingEveryMs = 30_000;

interface Subscriber {
  all: boolean;
  jobs: Set<string>;
  alive: boolean;
}

type ClientMessage =
  | { type: 'subscribe' | 'unsubscribe'; job: string }
  | { type: 'subscribe' | 'unsubscribe'; jobs: '*' };

export class WsHub {
  readonly #manager: JobManager;
  /** Any token may watch (viewer or operator): the feed only reads. */
  readonly #authenticate: (token: string | undefined) => Caller | undefined;
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

  constructor(
    manager: JobManager,
    authenticate: (token: string | undefined) => Caller | undefined,
  ) {
    this.#manager = manager;
    this.#authenticate = authenticate;
    manager.on('job', this.#onJob);
    manager.on('progress', this.#onProgress);
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
    for (const ws of this.#clients.keys()) ws.terminate();
    this.#wss.close();
  }

  #accept(ws: WebSocket): void {
    const subscriber: Subscriber = { all: false, jobs: new Set(), alive: true };
    this.#clients.set(ws, subscriber);
    ws.on('pong', () => (subscriber.alive = true));
    ws.on('close', () => this.#clients.delete(ws));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? undefined : parse(data.toString());
      if (!message)
        return send(
          ws,
          errorMessage(400, 'AR_BAD_REQUEST', 'expected {type: "subscribe", job | jobs}'),
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
      job = this.#manager.get(message.job);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      send(ws, errorMessage(404, error.code, error.message));
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
    const shown = publicJob(job);
    for (const [ws, subscriber] of this.#clients) {
      if (subscriber.all || subscriber.jobs.has(job.id)) send(ws, { type: 'job', job: shown });
    }
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
    };
    if (wait <= 0) push();
    else this.#pendingProgress.set(id, setTimeout(push, wait));
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

/** No Origin (a non-browser client) is fine; a browser page must come from this very host:port. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
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
  return undefined;
}

function errorMessage(status: number, code: string, message: string) {
  return { type: 'error', error: { code, message, status } };
}

function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}
