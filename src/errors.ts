/** Arachne's error model: one base class with a stable `code`; control-flow errors are counted, not logged as failures. */

export type ErrorCode =
  | 'AR_HTTP_STATUS'
  | 'AR_TIMEOUT'
  | 'AR_NETWORK'
  | 'AR_TOO_MANY_REDIRECTS'
  | 'AR_REDIRECT_LOOP'
  | 'AR_BAD_REDIRECT'
  | 'AR_BODY_TOO_LARGE'
  | 'AR_BAD_URL'
  | 'AR_UNSUPPORTED_SCHEME'
  | 'AR_IGNORED'
  | 'AR_ROBOTS_DENIED'
  | 'AR_OFFSITE'
  | 'AR_ITEM_DROPPED'
  | 'AR_RETRY'
  | 'AR_STOP'
  | 'AR_CONFIG'
  | 'AR_SPIDER'
  | 'AR_HANDLER'
  | 'AR_HANDLER_TIMEOUT'
  | 'AR_BAD_OUTPUT'
  | 'AR_STORAGE'
  | 'AR_OUTPUT_CLOSED'
  | 'AR_BAD_SITEMAP'
  | 'AR_EGRESS_DENIED'
  | 'AR_BROWSER'
  | 'AR_SCRIPT'
  | 'AR_SCRIPT_TIMEOUT'
  | 'AR_BLOCKED'
  | 'AR_PROXY'
  | 'AR_CRAWL_GONE'
  | 'AR_NOT_CACHED'
  | 'AR_HOST_KEY'
  | 'AR_AUTH'
  | 'AR_FTP_REPLY'
  | 'AR_MAIL_AUTH'
  | 'AR_BAD_ARCHIVE'
  | 'AR_SERVER';

// A registered symbol makes `isCrawlError` work across duplicate installs and realms (undici does the same).
const marker = Symbol.for('arachne.error');

export class CrawlError extends Error {
  override name = 'CrawlError';
  readonly [marker] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isCrawlError(value: unknown): value is CrawlError {
  return typeof value === 'object' && value !== null && marker in value;
}

/** The server answered with a status the caller treats as a failure. */
export class HttpError extends CrawlError {
  override name = 'HttpError';
  constructor(
    readonly url: string,
    readonly status: number,
    method = 'GET',
  ) {
    super('AR_HTTP_STATUS', `Request failed with status ${status}: ${method} ${url}`);
  }
}

/**
 * No download handler is registered for the URL's scheme (`ftp:`, `gopher:`…): the request is refused before it is
 * queued, and counted. Never retried: the same crawl has the same handlers.
 */
export class UnsupportedSchemeError extends CrawlError {
  override name = 'UnsupportedSchemeError';
  constructor(
    readonly url: string,
    readonly scheme: string,
    registered: readonly string[],
  ) {
    super(
      'AR_UNSUPPORTED_SCHEME',
      `no download handler for "${scheme}" (${registered.join(', ')} ${registered.length === 1 ? 'is' : 'are'} registered) — ${url}`,
    );
  }
}

/** Connect, headers or body did not arrive in time. */
export class TimeoutError extends CrawlError {
  override name = 'TimeoutError';
  constructor(
    readonly url: string,
    phase: string,
    options?: ErrorOptions,
  ) {
    super('AR_TIMEOUT', `Timed out (${phase}): ${url}`, options);
  }
}

/** DNS, refused connection, reset, malformed response… the undici error is the `cause`. */
export class NetworkError extends CrawlError {
  override name = 'NetworkError';
  constructor(
    readonly url: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super('AR_NETWORK', `Network error (${detail}): ${url}`, options);
  }
}

/**
 * The origin's robots.txt could not be fetched at all (DNS, refused connection, TLS, proxy, timeout): RFC 9309 keeps
 * the origin off limits, and its pages fail with the code of that failure instead of counting as robots denied, so a
 * crawl of an unreachable host reads as failed. Not retried: the robots.txt failure is cached for the origin a while.
 */
export class OriginUnreachableError extends CrawlError {
  override name = 'OriginUnreachableError';
  constructor(
    readonly url: string,
    code: ErrorCode,
    detail: string,
  ) {
    super(code, `${url}: origin unreachable (${detail})`);
  }
}

/**
 * The HTTP cache runs offline (`cachePolicy: 'offline'`) and holds no response for the request: nothing was sent.
 * Never retried: another attempt would read the same cache.
 */
export class NotCachedError extends CrawlError {
  override name = 'NotCachedError';
  constructor(
    readonly url: string,
    method = 'GET',
  ) {
    super('AR_NOT_CACHED', `not in the HTTP cache (offline, nothing sent): ${method} ${url}`);
  }
}

/**
 * Thrown by a middleware to drop a request without counting it as a failure. A signal, not a failure: it carries no
 * stack trace (the reason names what dropped the request). The built-in scope and robots.txt filters throw one for
 * most links a page has (62,000 on a 21,000-page realistic crawl), and capturing a stack for each was 1.3 % of the
 * crawl's CPU profile.
 */
export class IgnoreRequest extends CrawlError {
  override name = 'IgnoreRequest';
  constructor(
    reason: string,
    code: 'AR_IGNORED' | 'AR_ROBOTS_DENIED' | 'AR_OFFSITE' = 'AR_IGNORED',
  ) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(code, reason);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}

/** Thrown by a pipeline to drop an item. */
export class DropItem extends CrawlError {
  override name = 'DropItem';
  constructor(reason: string) {
    super('AR_ITEM_DROPPED', reason);
  }
}

/** Thrown by a handler to force a retry of the current request. */
export class RetryRequest extends CrawlError {
  override name = 'RetryRequest';
  constructor(reason = 'retry requested by handler') {
    super('AR_RETRY', reason);
  }
}

/** Thrown by a handler or pipeline to end the whole crawl gracefully. */
export class StopCrawl extends CrawlError {
  override name = 'StopCrawl';
  constructor(readonly reason: string) {
    super('AR_STOP', reason);
  }
}

/** Bad options, bad spider file, bad CLI flag: the user must fix something. */
export class ConfigError extends CrawlError {
  override name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('AR_CONFIG', message, options);
  }
}

/**
 * A handler yielded something that is neither an item nor a request. A bug in the spider for that page: the request
 * fails with this code (keeping what the handler yielded before) and the crawl goes on, as for a handler that throws.
 */
export class OutputError extends CrawlError {
  override name = 'OutputError';
  constructor(
    readonly handler: string,
    readonly url: string,
    problem: string,
  ) {
    super('AR_BAD_OUTPUT', `handler "${handler}" ${problem} — at ${url}`);
  }
}

/**
 * A handler did not finish within `handlerTimeoutMs`: from its start until its last output was read (a promise that
 * never settles, an async generator that stops mid-way). The request fails with this code, keeping what the handler
 * yielded before, as for a handler that throws; not retried (the same page runs into the same wait). The handler's
 * run is abandoned, not interrupted: a synchronous endless loop blocks the crawl and no timer can end it.
 */
export class HandlerTimeoutError extends CrawlError {
  override name = 'HandlerTimeoutError';
  constructor(
    readonly handler: string,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(
      'AR_HANDLER_TIMEOUT',
      `handler "${handler}" did not finish within ${timeoutMs} ms (handlerTimeoutMs) — at ${url}`,
    );
  }
}

/** An output or state store could not be written. Fatal for the crawl. */
export class StorageError extends CrawlError {
  override name = 'StorageError';
  constructor(message: string, options?: ErrorOptions) {
    super('AR_STORAGE', message, options);
  }
}

/**
 * The reader of a stream output went away (`arachne crawl URL -o - | head`): it wants no more items, so the crawl
 * stops as a quiet, normal end (close reason `output-closed`), not as a storage failure.
 */
export class OutputClosedError extends CrawlError {
  override name = 'OutputClosedError';
  constructor(target: string, options?: ErrorOptions) {
    super('AR_OUTPUT_CLOSED', `${target} was closed by its reader`, options);
  }
}

/** The decoded body outgrew `maxBytes`: the transfer was aborted (a decompression bomb, or simply a huge file). */
export class BodyTooLargeError extends CrawlError {
  override name = 'BodyTooLargeError';
  constructor(
    readonly url: string,
    readonly maxBytes: number,
  ) {
    super('AR_BODY_TOO_LARGE', `Body larger than ${maxBytes} bytes (decoded): ${url}`);
  }
}

/**
 * The egress guard refused a connection: the host is, or resolved to, a private, loopback, link-local or
 * otherwise internal address (SSRF protection). Never retried: asking again reaches the same address.
 */
export class EgressDeniedError extends CrawlError {
  override name = 'EgressDeniedError';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      'AR_EGRESS_DENIED',
      host === address
        ? `Egress denied: ${address} is a private or internal address`
        : `Egress denied: ${host} resolved to ${address}, a private or internal address`,
    );
  }
}

/**
 * The browser failed the request: Chromium is missing, crashed or closed mid-navigation. Retryable when the browser
 * went away (the pool relaunches it, so another attempt can succeed); not when it cannot be launched at all.
 */
export class BrowserError extends CrawlError {
  override name = 'BrowserError';
  constructor(message: string) {
    super('AR_BROWSER', message);
  }
}

/**
 * The script rung gave up on a page: `AR_SCRIPT_TIMEOUT` when its scripts outran the page's time budget (an
 * infinite loop, a script waiting forever), `AR_SCRIPT` for any other bound (a timer storm, the isolate's memory
 * limit) or a runtime failure. Not retried by default: the same page runs the same scripts into the same bound.
 */
export class ScriptError extends CrawlError {
  override name = 'ScriptError';
  constructor(
    code: 'AR_SCRIPT' | 'AR_SCRIPT_TIMEOUT',
    readonly url: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(code, `Script rung: ${reason}: ${url}`, options);
  }
}

/**
 * The site blocked the request's session: a block status (401, 403, 429 by default) or the spider's `isBlocked`
 * said so. The session is retired; the request is retried with another one (retryable by default).
 */
export class BlockedError extends CrawlError {
  override name = 'BlockedError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super('AR_BLOCKED', `Blocked (${reason}): ${url}`);
  }
}

/**
 * A forward proxy refused the request itself (wrong credentials, a refused CONNECT) rather than the target
 * answering. The message names the proxy without its credentials. Not retried: the same proxy refuses again.
 */
export class ProxyError extends CrawlError {
  override name = 'ProxyError';
  constructor(message: string, options?: ErrorOptions) {
    super('AR_PROXY', message, options);
  }
}

/**
 * A shared crawl's keys vanished from its frontier store (someone deleted them, or the store was flushed) while
 * a worker was on it: there is nothing left to poll, so the worker stops instead of waiting forever. Also what
 * `arachne status` reports for a crawl id that has no keys at all.
 */
export class CrawlGoneError extends CrawlError {
  override name = 'CrawlGoneError';
  constructor(
    readonly crawlId: string,
    message = `crawl "${crawlId}" is gone: its keys were deleted from Redis while this worker ran`,
  ) {
    super('AR_CRAWL_GONE', message);
  }
}

/**
 * An SSH server's host key is not in the known-hosts file (`AR_HOST_KEY`, unknown) or differs from the one listed
 * there (changed: a possible man in the middle). Never retried: the same server shows the same key. An unknown key
 * is accepted, and recorded, only with `acceptNewHostKeys`; a changed one never is.
 */
export class HostKeyError extends CrawlError {
  override name = 'HostKeyError';
  constructor(
    readonly host: string,
    readonly reason: 'unknown' | 'changed',
    detail: string,
  ) {
    super('AR_HOST_KEY', `host key of ${host} ${detail}`);
  }
}

/** A server refused our credentials (SSH key or password, FTP login). Never retried: they stay wrong. */
export class AuthError extends CrawlError {
  override name = 'AuthError';
  constructor(message: string, options?: ErrorOptions) {
    super('AR_AUTH', message, options);
  }
}

/**
 * A remote output (`-o sftp://…`, `-o ftp://…`) could not be uploaded after its retries. The items are not lost:
 * the message names the local copy they were written to, which is kept.
 */
export class RemoteOutputError extends StorageError {
  override name = 'RemoteOutputError';
  constructor(
    readonly target: string,
    readonly localCopy: string,
    cause: unknown,
  ) {
    super(
      `cannot upload items to ${target}: ${causeText(cause)}; the items are kept in ${localCopy}`,
      { cause },
    );
  }
}

function causeText(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * An FTP server refused a command for good (a 5xx reply other than "no such file", which is a 404, and "not logged
 * in", a 401): the reply's code and text are in the message. Never retried; a 4xx reply is a NetworkError instead.
 */
export class FtpReplyError extends CrawlError {
  override name = 'FtpReplyError';
  constructor(
    readonly url: string,
    readonly reply: number,
    text: string,
  ) {
    super('AR_FTP_REPLY', `FTP server replied ${reply} (${text}): ${url}`);
  }
}

/**
 * A mail server (IMAP, POP3) refused the login, or no password was given for the account. Never retried: the same
 * credentials fail the same way. The message names the account (scheme, user, host) but never the password.
 */
export class MailAuthError extends CrawlError {
  override name = 'MailAuthError';
  constructor(
    readonly account: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super('AR_MAIL_AUTH', `Mail login refused for ${account}: ${detail}`, options);
  }
}

/**
 * A deploy archive (`arachne deploy`) that the server will not unpack: not gzip, not tar, too big, or an entry that
 * could write outside the version's directory (`../`, an absolute path, a link). Nothing of it is kept.
 */
export class ArchiveError extends CrawlError {
  override name = 'ArchiveError';
  constructor(message: string, options?: ErrorOptions) {
    super('AR_BAD_ARCHIVE', message, options);
  }
}

/**
 * The job server a worker (`arachne worker --server`) talks to refused a call (`status`: 401 for a wrong token) or
 * could not be reached (`status` undefined).
 */
export class ServerCallError extends CrawlError {
  override name = 'ServerCallError';
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super('AR_SERVER', message, options);
  }
}
