/**
 * A Redis connection for crawl workers: reconnects with capped backoff, queues commands while Redis is away
 * (so a worker pauses instead of failing), reports an outage once, and runs Lua scripts by SHA with a fallback.
 * Given any node of a Redis Cluster, it opens a cluster client instead, which routes each command by its key; there
 * a command for a node that is down fails at once and is retried (untilAnswered) rather than queued.
 */
import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { ConfigError, isCrawlError, StorageError } from '../errors.js';
import { redactUrlsIn } from '../url/redact-url.js';
import { loadRedis } from './load-redis.js';

/**
 * A single Redis's client, or a Cluster's seen through the same command methods: every call Arachne makes on it
 * names its keys, which is what a cluster client routes by. What differs (readiness, scanning every node) goes
 * through `isCluster`, `isReady` and `scanKeys` below.
 */
export type RedisClient = RedisClientType;

/** The cluster clients this module opened, each with a way to reach its masters one by one. */
const clusters = new WeakMap<RedisClient, () => Promise<RedisClient[]>>();

/** True when the connection is to a Redis Cluster (keys of different hash slots live on different nodes). */
export function isCluster(client: RedisClient): boolean {
  return clusters.has(client);
}

/** Connected and not waiting out an outage (a cluster client reports only that it is open). */
export function isReady(client: RedisClient): boolean {
  return isCluster(client) ? client.isOpen : client.isReady;
}

/** Every key matching `pattern`, on every master of a Cluster. */
export async function* scanKeys(client: RedisClient, pattern: string): AsyncGenerator<string[]> {
  const masters = clusters.get(client);
  const nodes = masters ? await masters() : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const reply = await node.scan(cursor, { MATCH: pattern, COUNT: 1000 });
      cursor = String(reply.cursor);
      if (reply.keys.length > 0) yield reply.keys;
    } while (cursor !== '0');
  }
}

/** Deletes every key matching `pattern` (one key per call on a Cluster: a multi-key DEL must stay in one slot). */
export async function deleteKeys(client: RedisClient, pattern: string): Promise<void> {
  for await (const keys of scanKeys(client, pattern)) {
    if (isCluster(client)) await Promise.all(keys.map((key) => client.unlink(key)));
    else await client.unlink(keys);
  }
}

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
  const { createClient } = await loadRedis();
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
  reportOutages(client, 'ready', 'Redis', options.onOutage, () => !started);
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
  if (!(await isClusterNode(client))) return client;
  await client.quit();
  return connectCluster(url, parsed, options);
}

/** Says once that `what` is unreachable and once that it is back (errors are retried, not thrown). */
function reportOutages(
  client: { on(event: string, listener: (error: Error) => void): unknown },
  readyEvent: string,
  what: string,
  onOutage: ((message: string) => void) | undefined,
  quiet: () => boolean = () => false,
): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down || quiet()) return;
    down = true;
    onOutage?.(`${what} unreachable (${error.message || error.name}); pausing and retrying`);
  });
  client.on(readyEvent, () => {
    if (!down) return;
    down = false;
    onOutage?.(`${what} is back; resuming`);
  });
}

async function isClusterNode(client: RedisClient): Promise<boolean> {
  try {
    return /^cluster_enabled:1/m.test(await client.info('cluster'));
  } catch {
    return false; // INFO refused (a restricted user): take it for a single Redis
  }
}

/**
 * A cluster client seeded with the node given: it learns the others (and which slots each serves) from it, follows
 * MOVED and ASK replies, and learns the new layout after a failover. Outages are reported as for a single Redis.
 */
async function connectCluster(
  url: string,
  parsed: URL,
  options: ConnectOptions,
): Promise<RedisClient> {
  const { createCluster } = await loadRedis();
  const cluster = createCluster({
    rootNodes: [{ url }],
    // Nodes learned from the cluster are reached with the seed's credentials and the same patient reconnection.
    defaults: {
      ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
      socket: {
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
        connectTimeout: 5000,
        ...(parsed.protocol === 'rediss:' && { tls: true as const }),
      },
      // node-redis learns a new layout only from MOVED replies, and a master that crashed sends none: commands for
      // its slots would queue for it for ever. They fail at once instead (untilAnswered retries them), and each
      // connection error of a node makes the client ask a live master for the layout again (below), until a replica
      // has taken the dead master's slots.
      disableOfflineQueue: true,
    },
  });
  reportOutages(cluster, 'node-ready', 'Redis Cluster', options.onOutage);
  let lastLook = 0;
  cluster.on('node-error', () => {
    if (Date.now() - lastLook < 500) return;
    lastLook = Date.now();
    const live = cluster.masters.find((master) => master.client?.isReady)?.client;
    if (live) void cluster._slots.rediscover(live).catch(() => {});
  });
  try {
    await cluster.connect();
  } catch (error) {
    throw new StorageError(
      `cannot connect to the Redis Cluster at ${parsed.host}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  const client = cluster as unknown as RedisClient;
  clusters.set(client, async () =>
    Promise.all(
      cluster.masters.map(
        async (master) => (await cluster.nodeClient(master)) as unknown as RedisClient,
      ),
    ),
  );
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
      if (!client.isOpen) throw error;
      if (error instanceof (await loadRedis()).ErrorReply && !isPassing(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000)));
    }
  }
}

/**
 * Error replies that a moment's wait cures: a Cluster electing a new master for a slot (CLUSTERDOWN, TRYAGAIN
 * while slots move), a replica still loading, a write reaching a node that just became a replica (READONLY).
 */
function isPassing(error: Error): boolean {
  return /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY)\b/.test(error.message);
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
