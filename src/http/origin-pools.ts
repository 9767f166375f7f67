/** One undici Pool per origin, created on first use and dropped once idle and disconnected. */
import type { Dispatcher, Pool } from 'undici';
import { Pool as UndiciPool } from './undici-parts.js';

/** What the transport needs from a dispatcher; an undici Agent or ProxyAgent fits it too. */
export interface RequestDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
}

/**
 * Used instead of undici's Agent, whose per-origin bookkeeping in 7.x is keyed by origin rather than by pool:
 * after the last connection to an origin closes (Connection: close, an aborted body…), a late 'disconnect'
 * of the replaced pool closes its successor, so under steady load every request opens a new connection
 * (nodejs/undici#5022, fixed by #5034 in later releases). Here a pool is only dropped if it is still the
 * one in the map and has neither connections nor requests.
 */
export class OriginPools implements RequestDispatcher {
  readonly #pools = new Map<string, Pool>();
  readonly #options: Pool.Options;

  constructor(options: Pool.Options) {
    this.#options = options;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#poolFor(String(options.origin)).dispatch(options, handler);
  }

  /** Origins with a live pool (for tests and stats). */
  get size(): number {
    return this.#pools.size;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #poolFor(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      const created = new UndiciPool(origin, this.#options);
      // Checked one turn later: undici updates its counters after emitting the event.
      const evictIfIdle = () => setImmediate(() => this.#evictIfIdle(origin, created));
      created.on('disconnect', evictIfIdle).on('connectionError', evictIfIdle);
      this.#pools.set(origin, created);
      pool = created;
    }
    return pool;
  }

  #evictIfIdle(origin: string, pool: Pool): void {
    if (this.#pools.get(origin) !== pool) return;
    const { connected, size } = pool.stats;
    if (connected > 0 || size > 0) return;
    this.#pools.delete(origin);
    // Nothing is queued or running, so this only releases the pool's resources and cannot fail a request.
    pool.close().catch(() => {});
  }
}
