/**
 * A Redis connection for crawl workers: reconnects with capped backoff, queues commands while Redis is away
 * (so a worker pauses instead of failing), reports an outage once, and runs Lua scripts by SHA with a fallback.
 */
import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { ConfigError, isCrawlError, StorageError } from '../errors.js';
import { redactUrlsIn } from '../url/redact-url.js';

export type RedisClient = RedisClientType;

export interface ConnectOptions {
  /** Called once when Redis becomes unreachable and once when it is back. */
  onOutage?: (message: string) => void;
  /** Give up connecting at start after this long. @default 30_000 */
  connectTimeoutMs?: number;
}

export async function connectRedis(
  url: string,
  options: ConnectOptions = {},
): Promise<RedisClient> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `not a Redis URL: "${redactUrlsIn(url)}" (expected redis://host:port/db)`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(
      `not a Redis URL: "${redactUrlsIn(url)}" (expected redis://host:port/db)`,
    );
  }
  // Loaded here, not at the top: the Redis client is some 600 modules, which `arachne serve` and a crawl without a
  // Redis frontier would otherwise load at start for nothing.
  const { createClient } = await import('redis');
  let down = false;
  let started = false;
  const deadline = Date.now() + (options.connectTimeoutMs ?? 30_000);
  const client: RedisClient = createClient({
    url,
    socket: {
      // Once the worker has started, keep trying while Redis is away: the worker waits rather than losing work. At
      // start-up there is no work to keep: a refusal that retrying cannot fix, or a Redis still away at the deadline,
      // ends the connection attempt (connect() would otherwise retry for ever, and never reject).
      reconnectStrategy: (retries, cause: Error) => {
        if (!started) {
          if (isConfigurationFailure(cause)) {
            return new ConfigError(`Redis at ${parsed.host} refused this worker: ${cause.message}`);
          }
          if (Date.now() >= deadline) {
            return new StorageError(
              `cannot connect to Redis at ${parsed.host} (gave up after ${options.connectTimeoutMs ?? 30_000} ms): ${cause.message}`,
            );
          }
        }
        return Math.min(50 * 2 ** retries, 2000);
      },
      connectTimeout: 5000,
    },
  });
  client.on('error', (error: Error) => {
    if (down || !started) return;
    down = true;
    options.onOutage?.(`Redis unreachable (${error.message || error.name}); pausing and retrying`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.onOutage?.('Redis is back; resuming');
  });
  try {
    await client.connect();
  } catch (error) {
    // node-redis wraps what the strategy returned in a ReconnectStrategyError.
    const reason = (error as { originalError?: unknown }).originalError ?? error;
    throw reason instanceof Error && isCrawlError(reason)
      ? reason
      : new StorageError(`cannot connect to Redis at ${parsed.host}: ${String(reason)}`, {
          cause: error,
        });
  }
  started = true;
  return client;
}

/** Refusals no retry fixes: wrong or missing credentials, an unknown host, TLS spoken to a plain port. */
function isConfigurationFailure(error: Error): boolean {
  const message = error.message ?? '';
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(message)) return true;
  if (/\bAUTH\b/.test(message) && message.startsWith('ERR')) return true;
  const code = (error as { code?: unknown }).code;
  return code === 'ENOTFOUND' || code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER';
}

/**
 * Runs a Redis call until Redis answers it: a connection lost mid-call (Redis restarting) is retried with capped
 * backoff, so the worker pauses instead of failing. Redis's own error replies are not retried. Every frontier
 * operation is safe to repeat: a lease whose reply was lost expires and comes back; an acknowledgement applied
 * twice is fenced off by its lease id.
 */
export async function untilAnswered<T>(client: RedisClient, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!client.isOpen || error instanceof (await import('redis')).ErrorReply) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000)));
    }
  }
}

/** A Lua script run by SHA1, loaded again after a Redis restart emptied the script cache. */
export class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  run(client: RedisClient, key: string, args: readonly string[]): Promise<unknown> {
    const options = { keys: [key], arguments: [...args] };
    return untilAnswered(client, async () => {
      try {
        return await client.evalSha(this.#sha, options);
      } catch (error) {
        if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
        return client.eval(this.#source, options);
      }
    });
  }
}
