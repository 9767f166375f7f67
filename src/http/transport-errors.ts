/** Maps undici and socket errors to Arachne's coded errors, naming the phase the exchange was in. */
import {
  ConfigError,
  type CrawlError,
  isCrawlError,
  NetworkError,
  TimeoutError,
} from '../errors.js';
import { tlsAlertOf } from './tls-alerts.js';

/** Where an exchange stands: waiting for a connection, for the response head, or reading the body. */
export type ExchangePhase = 'connect' | 'headers' | 'body';

const TIMEOUT_PHASES: Record<string, ExchangePhase> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
};

/**
 * TimeoutError for undici's timeouts and ETIMEDOUT, ConfigError for a request undici refuses to send,
 * NetworkError (with the original as `cause` and its code in the message) for everything else.
 */
export function toCrawlError(error: unknown, url: string, phase: ExchangePhase): CrawlError {
  if (isCrawlError(error)) return error;
  const code = errorCode(error);
  const timeoutPhase = code === undefined ? undefined : TIMEOUT_PHASES[code];
  if (timeoutPhase !== undefined) return new TimeoutError(url, timeoutPhase, { cause: error });
  if (code === 'ETIMEDOUT') return new TimeoutError(url, phase, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    return new ConfigError(`Invalid request (${message}): ${url}`, { cause: error });
  }
  // A TLS alert after the handshake (a client certificate required) says more than undici's `other side closed`.
  const alert = code === 'UND_ERR_SOCKET' ? tlsAlertOf(error) : undefined;
  if (alert)
    return new NetworkError(url, `${alert.code}: ${alertText(alert)}, during ${phase}`, {
      cause: error,
    });
  // undici's HTTPParserError sometimes has no code: its name is the next most useful label.
  const label = code ?? (error instanceof Error ? error.name : 'Error');
  const detail = `${label}: ${message || 'no message'}, during ${phase}`;
  return new NetworkError(url, detail, { cause: error });
}

/** OpenSSL's reason (`tlsv13 alert certificate required`), rather than its whole error line. */
function alertText(alert: Error): string {
  const { reason } = alert as { reason?: unknown };
  return typeof reason === 'string' ? reason : alert.message;
}

/** `code` of the error, or of the first error inside an AggregateError (Happy Eyeballs tries several addresses). */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') return code;
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}
