/**
 * Connections kept per host, at most `limit` open at once (busy and idle together): FTP servers often allow a
 * handful of sessions per client, and one FTP session carries one command at a time. A caller waits for a free
 * slot, reuses an idle connection logged in with the same credentials, or opens one (closing another idle one
 * first when the host is at its limit).
 */
import { CrawlError } from '../../errors.js';

/** What the pool needs of a connection (basic-ftp's Client has both). */
export interface Closable {
  close(): void;
  readonly closed: boolean;
}

export interface Lease<C> {
  readonly client: C;
  /** Hands the connection back: kept for the next request when `reusable`, else closed. Call once. */
  release(reusable: boolean): void;
}

interface HostSlots<C> {
  busy: number;
  idle: Array<{ client: C; key: string }>;
  waiters: Array<() => void>;
}

export class ConnectionPool<C extends Closable> {
  readonly #limit: number;
  readonly #hosts = new Map<string, HostSlots<C>>();
  readonly #open = new Set<C>();
  #closed = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * A connection to `host` for credentials `key`, made by `open` when no idle one fits.
   * @throws whatever `open` throws; CrawlError `AR_NETWORK` once the pool is closed.
   */
  async acquire(host: string, key: string, open: () => Promise<C>): Promise<Lease<C>> {
    const slots = this.#slots(host);
    while (slots.busy >= this.#limit) {
      this.#refuseWhenClosed(host);
      await new Promise<void>((resolve) => slots.waiters.push(resolve));
    }
    this.#refuseWhenClosed(host);
    slots.busy++;
    try {
      const client = this.#reuse(slots, key) ?? (await this.#openWithin(slots, open));
      return { client, release: (reusable) => this.#release(slots, client, key, reusable) };
    } catch (error) {
      this.#free(slots);
      throw error;
    }
  }

  /** Closes every connection, idle or busy, and refuses later requests. */
  close(): void {
    this.#closed = true;
    for (const client of this.#open) client.close();
    this.#open.clear();
    for (const slots of this.#hosts.values()) {
      slots.idle = [];
      for (const wake of slots.waiters.splice(0)) wake();
    }
  }

  #slots(host: string): HostSlots<C> {
    let slots = this.#hosts.get(host);
    if (!slots) {
      slots = { busy: 0, idle: [], waiters: [] };
      this.#hosts.set(host, slots);
    }
    return slots;
  }

  #reuse(slots: HostSlots<C>, key: string): C | undefined {
    // A server may have closed an idle session (its idle timeout): those are dropped here.
    for (const { client } of slots.idle) if (client.closed) this.#open.delete(client);
    slots.idle = slots.idle.filter(({ client }) => !client.closed);
    const index = slots.idle.findIndex((entry) => entry.key === key);
    if (index === -1) return undefined;
    return slots.idle.splice(index, 1)[0]?.client;
  }

  async #openWithin(slots: HostSlots<C>, open: () => Promise<C>): Promise<C> {
    while (slots.busy + slots.idle.length > this.#limit) {
      const oldest = slots.idle.shift();
      if (!oldest) break;
      oldest.client.close();
      this.#open.delete(oldest.client);
    }
    const client = await open();
    if (this.#closed) {
      client.close();
      throw new CrawlError('AR_NETWORK', 'the crawl closed its connections');
    }
    this.#open.add(client);
    return client;
  }

  #release(slots: HostSlots<C>, client: C, key: string, reusable: boolean): void {
    if (reusable && !client.closed && !this.#closed) {
      slots.idle.push({ client, key });
    } else {
      client.close();
      this.#open.delete(client);
    }
    this.#free(slots);
  }

  #free(slots: HostSlots<C>): void {
    slots.busy--;
    slots.waiters.shift()?.();
  }

  #refuseWhenClosed(host: string): void {
    if (this.#closed)
      throw new CrawlError('AR_NETWORK', `the crawl closed its connections to ${host}`);
  }
}
