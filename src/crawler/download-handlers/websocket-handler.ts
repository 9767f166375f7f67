/**
 * The handler of `ws:` and `wss:` URLs: one request is one connection, read as a feed. The upgrade goes out with the
 * request's headers (the cookie jar's and the user agent's included), the subscription messages are sent once it is
 * open, and every message received becomes a response of its own, handed to the request's handler as a page, until
 * the message or time bound is reached or the server closes. Loaded on the first ws:/wss: request only.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type RawData, WebSocket } from 'ws';
import { BodyTooLargeError, ConfigError, EgressDeniedError, TimeoutError } from '../../errors.js';
import { EgressGuard } from '../../http/egress-guard.js';
import { Response } from '../../http/response.js';
import type { TlsSettings } from '../../http/transport.js';
import { toCrawlError } from '../../http/transport-errors.js';
import type { Request, WebSocketInit } from '../request.js';
import type { DownloadHandler } from './registry.js';

export interface WebSocketSettings {
  /** Messages read from one connection before it is closed (a request's `websocket.maxMessages` wins). */
  maxMessages: number;
  /** How long a connection is read after it opened (a request's `websocket.durationMs` wins). */
  durationMs: number;
  /** Text messages sent once a connection is open, unless the request names its own. */
  send?: string | readonly string[] | undefined;
  /** The `Origin` header of the upgrade, when the site checks it. */
  origin?: string | undefined;
  /** Time for the TCP and TLS connection and the upgrade answer. */
  connectTimeoutMs: number;
  /** Largest message accepted; a bigger one closes the connection (1009) and ends the feed. */
  maxBytes: number;
  /** wss: the crawl's TLS settings (`--ca`, `--cert/--key`, `--insecure`, `--tls-min-version`). */
  tls?: TlsSettings | undefined;
  /** False: refuse private, loopback and link-local addresses, as the HTTP transport does (SSRF guard). */
  allowPrivate: boolean;
  /** The crawl sends its requests through a proxy (`proxy`): feeds cannot follow it yet, so they are refused. */
  proxied?: boolean;
}

/** The feed bounds and subscription of one request, its own settings over the crawl's. */
interface FeedPlan {
  send: readonly string[];
  maxBytes: number;
  maxMessages: number;
  durationMs: number;
}

export function websocketHandler(settings: WebSocketSettings): DownloadHandler {
  const guard = settings.allowPrivate ? undefined : new EgressGuard({ allowPrivate: false });
  const open = new Set<WebSocket>();
  return {
    name: 'websocket',
    fetch: (request, context) => connect(request, settings, guard, open, context.signal),
    async close() {
      for (const socket of open) socket.terminate();
      open.clear();
    },
  };
}

function planOf(request: Request, settings: WebSocketSettings): FeedPlan {
  const own: WebSocketInit = request.websocket ?? {};
  const where = `websocket of the request for ${request.url}`;
  const send = own.send ?? settings.send ?? [];
  const messages = typeof send === 'string' ? [send] : send;
  if (!Array.isArray(messages) || !messages.every((m) => typeof m === 'string')) {
    throw new ConfigError(`${where}: send must be a string or a list of strings`);
  }
  return {
    send: messages,
    maxBytes: settings.maxBytes,
    maxMessages: positiveInt(own.maxMessages ?? settings.maxMessages, `${where}: maxMessages`),
    durationMs: positiveInt(own.durationMs ?? settings.durationMs, `${where}: durationMs`),
  };
}

function positiveInt(value: unknown, what: string): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${what} must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Resolves once the upgrade is answered: a 101 gives the feed response, any other status a plain response with that
 * status (the retry policy and handleStatuses judge it). Rejects with a CrawlError when nothing answered.
 */
async function connect(
  request: Request,
  settings: WebSocketSettings,
  guard: EgressGuard | undefined,
  open: Set<WebSocket>,
  signal: AbortSignal | undefined,
): Promise<Response> {
  // Connecting directly would show the site the crawl's own address, which the proxy was set to hide.
  if (settings.proxied || request.proxy !== undefined) {
    throw new ConfigError(`ws:// and wss:// feeds cannot go through a proxy yet: ${request.url}`);
  }
  const plan = planOf(request, settings);
  const host = new URL(request.url).hostname.replace(/^\[|\]$/g, '');
  // An address literal is never looked up: the guard's lookup would not see it.
  if (guard && isIP(host) !== 0 && guard.denies(host)) throw new EgressDeniedError(host, host);
  signal?.throwIfAborted();
  const started = performance.now();
  const socket = new WebSocket(request.url, {
    headers: request.headers,
    handshakeTimeout: settings.connectTimeoutMs,
    maxPayload: settings.maxBytes,
    // A redirect is the download chain's to follow (scope, robots, cookies per hop), not the socket's.
    followRedirects: false,
    ...settings.tls,
    ...(settings.origin !== undefined && { origin: settings.origin }),
    ...(guard && {
      lookup: guard.lookup(),
      // Nothing is written (cookies included) before the peer's address has passed the guard.
      finishRequest: (req) => {
        req.once('socket', (raw) => {
          const check = () => {
            const peer = raw.remoteAddress;
            if (peer === undefined || guard.denies(peer)) {
              req.destroy(new EgressDeniedError(host, peer ?? 'an unknown address'));
            } else {
              req.end();
            }
          };
          if (raw.connecting) raw.once('connect', check);
          else check();
        });
      },
    }),
  });
  open.add(socket);
  return new Promise<Response>((resolve, reject) => {
    const abort = () => {
      socket.terminate();
      reject(signal?.reason ?? new Error('aborted'));
    };
    const failed = (error: Error) => {
      settle();
      open.delete(socket);
      reject(
        /handshake has timed out/i.test(error.message)
          ? new TimeoutError(request.url, 'connect', { cause: error })
          : toCrawlError(error, request.url, 'connect'),
      );
    };
    const refused = (req: ClientRequest, res: IncomingMessage) => {
      settle();
      readRefusal(res, settings.maxBytes).then(
        (body) => {
          req.destroy();
          open.delete(socket);
          resolve(
            new Response({
              url: request.url,
              status: res.statusCode ?? 0,
              headers: headersOf(res),
              body,
              request,
              timings: timingsSince(started),
            }),
          );
        },
        (error: unknown) => {
          req.destroy();
          open.delete(socket);
          reject(toCrawlError(error, request.url, 'body'));
        },
      );
    };
    const settle = () => {
      signal?.removeEventListener('abort', abort);
      socket.off('error', failed);
      socket.off('unexpected-response', refused);
    };
    signal?.addEventListener('abort', abort, { once: true });
    socket.once('error', failed);
    socket.once('unexpected-response', refused);
    socket.once('upgrade', (res) => {
      // Taken before 'open': messages sent with the upgrade must not be missed.
      const feed = new Feed(socket, request, headersOf(res), plan, () => open.delete(socket));
      socket.once('open', () => {
        settle();
        for (const message of plan.send) socket.send(message);
        resolve(
          new Response({
            url: request.url,
            status: 101,
            headers: feed.headers,
            body: Buffer.alloc(0),
            request,
            timings: timingsSince(started),
            feed,
            release: async () => feed.end(),
          }),
        );
      });
    });
  });
}

/** Messages buffered before the socket stops reading (TCP flow control then holds the server back). */
const HIGH_WATER = 256;

/**
 * The messages of one connection, in order. They are buffered while the handler works on earlier ones, up to
 * HIGH_WATER: past it the socket is paused until the handler catches up. Ends at the bound reached first, when the server closes, on an error, or on `return()`.
 */
class Feed implements AsyncIterable<Response> {
  readonly headers: Record<string, string>;
  readonly #socket: WebSocket;
  readonly #request: Request;
  readonly #plan: FeedPlan;
  readonly #queue: Response[] = [];
  readonly #onEnd: () => void;
  #waiting: ((result: IteratorResult<Response>) => void) | undefined;
  #rejectWaiting: ((error: Error) => void) | undefined;
  #received = 0;
  #ended = false;
  /** Why the connection broke, given to the reader once the messages before it are read. */
  #failure: Error | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    socket: WebSocket,
    request: Request,
    headers: Record<string, string>,
    plan: FeedPlan,
    onEnd: () => void,
  ) {
    this.#socket = socket;
    this.#request = request;
    this.headers = headers;
    this.#plan = plan;
    this.#onEnd = onEnd;
    socket.on('message', (data, binary) => this.#push(data, binary));
    socket.once('close', () => this.end());
    socket.on('error', (error: Error & { code?: string }) => {
      if (this.#ended) return;
      const url = request.url;
      this.#failure =
        error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? new BodyTooLargeError(url, plan.maxBytes)
          : toCrawlError(error, url, 'body');
      this.end();
    });
    if (Number.isFinite(plan.durationMs))
      this.#timer = setTimeout(() => this.end(), plan.durationMs);
  }

  #push(data: RawData, binary: boolean): void {
    if (this.#ended) return;
    const body = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    const index = this.#received++;
    const response = new Response({
      url: this.#request.url,
      status: 101,
      headers: {
        ...this.headers,
        'content-type': binary ? 'application/octet-stream' : 'text/plain; charset=utf-8',
        'content-length': String(body.length),
      },
      body,
      request: this.#request,
      timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
      message: { index, time: Date.now(), binary },
    });
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting({ value: response, done: false });
    else if (this.#queue.push(response) >= HIGH_WATER) this.#socket.pause();
    if (this.#received >= this.#plan.maxMessages) this.end();
  }

  /** Closes the connection (1000) and ends the feed once its buffered messages are read. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#timer);
    const state = this.#socket.readyState;
    if (state === WebSocket.OPEN) this.#socket.close(1000);
    else if (state === WebSocket.CONNECTING) this.#socket.terminate();
    // A server that never answers the close frame must not keep the process alive.
    if (state !== WebSocket.CLOSED) setTimeout(() => this.#socket.terminate(), 1000).unref();
    this.#onEnd();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) {
      const failure = this.#failure;
      this.#failure = undefined;
      if (failure) this.#rejectWaiting?.(failure);
      else waiting({ value: undefined, done: true });
    }
    this.#rejectWaiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<Response> {
    return {
      next: () => {
        const queued = this.#queue.shift();
        if (queued) {
          if (this.#socket.isPaused && this.#queue.length < HIGH_WATER / 2) this.#socket.resume();
          return Promise.resolve({ value: queued, done: false });
        }
        if (this.#ended) {
          const failure = this.#failure;
          this.#failure = undefined;
          return failure
            ? Promise.reject(failure)
            : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#rejectWaiting = reject;
        });
      },
      return: () => {
        this.#queue.length = 0;
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Node's headers as the crawl keeps them: lower-case names, repeats joined with ', ', set-cookie with '\n'. */
function headersOf(res: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  return headers;
}

/** The body of an answer that refused the upgrade, cut at `maxBytes` (it is a page, not a download). */
function readRefusal(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size >= maxBytes) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    res.once('end', () => resolve(Buffer.concat(chunks).subarray(0, maxBytes)));
    res.once('error', reject);
    res.once('aborted', () => resolve(Buffer.concat(chunks).subarray(0, maxBytes)));
  });
}

function timingsSince(started: number) {
  const totalMs = Math.round(performance.now() - started);
  return { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: totalMs, totalMs };
}
