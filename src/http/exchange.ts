/** One request/response exchange as an undici dispatch handler: timeouts by phase, capped body, timings. */
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { BodyTooLargeError, type CrawlError, TimeoutError } from '../errors.js';
import { type BodySink, createBodySink, parseContentEncoding } from './decompress.js';
import type { HttpRequest, TransportOptions } from './request.js';
import { Response } from './response.js';
import { type ConnectionTimings, claimNextSocket, reusedConnectionTimings } from './timings.js';
import { type ExchangePhase, toCrawlError } from './transport-errors.js';

type IncomingHeaders = Record<string, string | string[] | undefined>;

/**
 * Settles exactly once: with a Response after the whole body is decoded, or with a CrawlError. Our own timers
 * (rather than undici's) decide timeouts, so the error names the phase: connect (until the request gets a
 * socket, pool wait included), then headers and body sharing one `timeoutMs` budget.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly #startedAt = performance.now();
  #requestStartedAt = this.#startedAt;
  #headersAt = this.#startedAt;
  #phase: ExchangePhase = 'connect';
  #settled = false;
  #failure: CrawlError | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #connection: ConnectionTimings = reusedConnectionTimings;
  #status = 0;
  #headers: Record<string, string> = {};
  #body: BodySink | undefined;

  constructor(
    readonly request: HttpRequest,
    readonly options: TransportOptions,
    readonly resolve: (response: Response) => void,
    readonly reject: (error: CrawlError) => void,
  ) {
    this.#arm(options.connectTimeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#settled) {
      // Timed out while waiting for a connection and already rejected: cancel the request now that it has one.
      controller.abort(this.#failure ?? new TimeoutError(this.request.url, 'connect'));
      return;
    }
    this.#controller = controller;
    this.#phase = 'headers';
    this.#requestStartedAt = performance.now();
    claimNextSocket((timings) => {
      this.#connection = timings;
    });
    this.#arm(this.options.timeoutMs);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHeaders,
  ): void {
    // 1xx informational heads (103 Early Hints) precede the real one.
    if (this.#settled || statusCode < 200) return;
    this.#headersAt = performance.now();
    this.#phase = 'body';
    this.#status = statusCode;
    this.#headers = normalizeHeaders(headers);
    // A HEAD answer declares the length of a body it does not send.
    const declaredLength =
      this.request.method === 'HEAD' ? 0 : Number(this.#headers['content-length']);
    if (declaredLength > this.options.maxBytes) {
      this.#fail(new BodyTooLargeError(this.request.url, this.options.maxBytes));
      return;
    }
    try {
      const codings = parseContentEncoding(this.#headers['content-encoding']);
      this.#body = createBodySink(codings, this.request.url, this.options.maxBytes, {
        onDone: (body) => this.#succeed(body),
        onError: (error) => this.#fail(toCrawlError(error, this.request.url, 'body')),
      });
    } catch (error) {
      this.#fail(toCrawlError(error, this.request.url, 'body'));
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled || this.#body === undefined) return;
    // Never controller.pause(): a paused HTTP/1 parser on a socket the server closes trips an assertion in
    // undici that is thrown from a socket event, uncaught (see BodySink in decompress.ts).
    this.#body.write(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    if (this.#body === undefined) this.#succeed(Buffer.alloc(0));
    else this.#body.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.#fail(toCrawlError(error, this.request.url, this.#phase), false);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fail(new TimeoutError(this.request.url, this.#phase)), ms);
  }

  #succeed(body: Buffer): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    const endedAt = performance.now();
    const response = new Response({
      url: this.request.url,
      status: this.#status,
      headers: this.#headers,
      body,
      request: this.request,
      timings: {
        ...this.#connection,
        firstByteMs: this.#headersAt - this.#requestStartedAt,
        totalMs: endedAt - this.#startedAt,
      },
    });
    // undici frees a keep-alive socket one setImmediate after the response ends; resolving after it lets the
    // caller's next request reuse the socket instead of opening a second connection.
    queueMicrotask(() => setImmediate(() => this.resolve(response)));
  }

  /** `abort` is false when undici reported the error itself: the request is already torn down. */
  #fail(error: CrawlError, abort = true): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#failure = error;
    clearTimeout(this.#timer);
    this.#body?.destroy();
    // Aborting destroys the socket: the rest of an unread body must not be parsed as the next response.
    if (abort) this.#controller?.abort(error);
    this.reject(error);
  }
}

/** Lower-case names; repeats joined with ', ', except set-cookie whose values may contain commas. */
function normalizeHeaders(headers: IncomingHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name === '__proto__') continue;
    const joined =
      typeof value === 'string' ? value : value.join(name === 'set-cookie' ? '\n' : ', ');
    out[name] =
      out[name] === undefined
        ? joined
        : `${out[name]}${name === 'set-cookie' ? '\n' : ', '}${joined}`;
  }
  return out;
}
