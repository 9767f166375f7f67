/**
 * The alert webhook: a JSON POST to the operator's URL, signed with HMAC-SHA256 when a secret is set, bounded by a
 * timeout and retried a few times; a webhook that cannot be reached never fails a job.
 */
import { createHmac } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { version } from '../version.js';

export interface WebhookConfig {
  /** http: or https: URL of the operator's receiver. It may be on a private network: the operator chose it. */
  url: string;
  /**
   * Signs each body: `X-Arachne-Signature: sha256=<hex HMAC-SHA256 of the raw body with this secret>`, which the
   * receiver recomputes to know the call came from this server. @default unsigned
   */
  secret?: string;
  /** Cap on one attempt, connecting to the end of the answer. @default 10_000 */
  timeoutMs?: number;
  /** Attempts after the first when the receiver is unreachable, times out or answers 429 or 5xx. @default 3 */
  retries?: number;
  /** Wait before the first retry, doubled for each next one. @default 1000 */
  retryDelayMs?: number;
}

/** The outcome of one delivery: never a rejection. */
export type WebhookResult =
  | { ok: true; status: number; attempts: number }
  | { ok: false; error: WebhookError; attempts: number };

/** Why a delivery failed, after its retries: `AR_WEBHOOK`. */
export class WebhookError extends Error {
  override name = 'WebhookError';
  readonly code = 'AR_WEBHOOK';
  constructor(
    message: string,
    /** The receiver's last HTTP status, if it answered. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const signatureHeader = 'x-arachne-signature';
export const eventHeader = 'x-arachne-event';

/** `sha256=<hex>`: the value of {@link signatureHeader} for `body`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Webhook {
  /** POSTs `payload` as JSON, with `event` in the X-Arachne-Event header. */
  send(event: string, payload: unknown): Promise<WebhookResult>;
  /** Aborts deliveries in progress (and their retries): the server is stopping. */
  close(): void;
}

/**
 * @example
 * const hook = createWebhook({ url: 'https://hooks.example.com/arachne', secret: process.env.HOOK_SECRET });
 * await hook.send('job:failed', { job });
 */
export function createWebhook(config: WebhookConfig): Webhook {
  const url = new URL(URL.canParse(config.url) ? config.url : 'invalid:');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // Not echoed: it may hold a password or a token.
    throw new ConfigError(
      `the webhook URL must be an http: or https: URL${url.protocol === 'invalid:' ? '' : `, not ${url.protocol}`}`,
    );
  }
  // fetch refuses a URL with credentials: `https://user:pass@host/` becomes Basic authentication.
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  url.username = '';
  url.password = '';
  const timeoutMs = config.timeoutMs ?? 10_000;
  const retries = config.retries ?? 3;
  const retryDelayMs = config.retryDelayMs ?? 1000;
  const closing = new AbortController();

  async function attempt(event: string, body: string): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `arachne/${version}`,
      [eventHeader]: event,
    };
    if (authorization !== undefined) headers.authorization = authorization;
    if (config.secret !== undefined) headers[signatureHeader] = signature(config.secret, body);
    // No redirects: the body (and its signature) goes to the URL the operator configured, nowhere else.
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]),
    });
    // The answer's body is not used; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    return response;
  }

  return {
    async send(event, payload) {
      const body = JSON.stringify(payload);
      let error = new WebhookError('not sent');
      for (let attempts = 1; attempts <= retries + 1; attempts++) {
        let retryable = true;
        try {
          const response = await attempt(event, body);
          if (response.status >= 200 && response.status < 300) {
            return { ok: true, status: response.status, attempts };
          }
          retryable = response.status === 429 || response.status >= 500;
          error = new WebhookError(`the webhook answered HTTP ${response.status}`, response.status);
        } catch (caught) {
          const cause = caught instanceof Error ? caught : new Error(String(caught));
          const timedOut = cause.name === 'TimeoutError';
          error = new WebhookError(
            timedOut
              ? `the webhook did not answer within ${timeoutMs} ms`
              : `the webhook could not be reached: ${describe(cause)}`,
            undefined,
            { cause },
          );
        }
        if (!retryable || closing.signal.aborted || attempts > retries)
          return { ok: false, error, attempts };
        await pause(retryDelayMs * 2 ** (attempts - 1), closing.signal);
      }
      return { ok: false, error, attempts: retries + 1 };
    },
    close: () => closing.abort(),
  };
}

/** fetch's "fetch failed" says little: the cause (ECONNREFUSED…) says what happened. */
function describe(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code}: ${cause.message}`
      : cause.message;
  }
  return error.message;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
