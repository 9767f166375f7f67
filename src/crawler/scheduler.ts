/**
 * The scheduler: the engine's only way to the frontier. It hands out the next request whose host slot is free
 * (per-host concurrency and delay) and passes the answers to each lease (complete, fail, retry) on. A host waiting
 * out its delay never holds a slot another host could use.
 */
import { hostOf } from '../url/canonical-url.js';
import type { Failure, Frontier, Outcome } from './frontier.js';
import type { Request } from './request.js';

export interface SchedulerOptions {
  perHost: number;
  delayMs: number;
  /**
   * With autothrottle: each host's delay and limit before its first response. The throttle then tunes them
   * (`tune`); without it every host keeps perHost and its floor delay.
   */
  startSlot?: { delayMs: number; concurrency: number } | undefined;
}

export interface HostStats {
  host: string;
  inFlight: number;
  /** Minimum delay between two requests (crawl delay or robots.txt Crawl-delay). */
  delayMs: number;
  /** Time until the host may get its next request (delay or Retry-After backoff). */
  waitMs: number;
}

interface HostSlot {
  inFlight: number;
  /** Requests in flight allowed: perHost, or less while autothrottle holds the host back. */
  limit: number;
  /** Earliest time (ms since epoch) the next request to this host may start. */
  readyAt: number;
  /** Per-host delay: the floor, or more while autothrottle holds the host back. */
  delayMs: number;
  /** The least delay: the crawl's delay, raised by robots.txt Crawl-delay. */
  floorMs: number;
}

export class Scheduler {
  readonly #frontier: Frontier;
  readonly #options: SchedulerOptions;
  readonly #hosts = new Map<string, HostSlot>();
  readonly #retryWakes = new Set<NodeJS.Timeout>();
  #wakeTimer: NodeJS.Timeout | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  /** Called when a host becomes ready again or a retry is due: the engine pumps. */
  onWake: () => void = () => {};

  constructor(frontier: Frontier, options: SchedulerOptions) {
    this.#frontier = frontier;
    this.#options = options;
  }

  async add(requests: readonly Request[]): Promise<Request[]> {
    return this.#frontier.add(requests);
  }

  /** How often a shared frontier is polled while nothing is ready; undefined for a frontier of this process. */
  get pollMs(): number | undefined {
    return this.#frontier.shared?.pollMs;
  }

  /** Leases the next request from a ready host and takes its slot, or returns undefined. */
  async next(): Promise<Request | undefined> {
    const now = Date.now();
    let earliest = Number.POSITIVE_INFINITY;
    const request = await this.#frontier.next((host) => {
      const slot = this.#slot(host);
      if (slot.inFlight >= slot.limit) return false;
      if (slot.readyAt > now) {
        if (slot.readyAt < earliest) earliest = slot.readyAt;
        return false;
      }
      return true;
    });
    if (request) {
      this.#book(this.#slot(hostOf(request.url) ?? ''), now);
    } else if (earliest !== Number.POSITIVE_INFINITY) {
      this.#wakeAtTime(earliest);
    }
    // Other workers change a shared frontier: look again soon.
    if (!request && this.#frontier.shared) this.#wakeAtTime(now + this.#frontier.shared.pollMs);
    return request;
  }

  /**
   * Waits until `url`'s host may get its next request (the delay, Crawl-delay or a Retry-After back-off), then books
   * that turn. For the requests a page makes while it holds its host's slot (the script rung's): they take no slot
   * of their own, or a page with `perHost: 1` would wait for itself.
   */
  async turn(url: string): Promise<void> {
    const host = hostOf(url) ?? '';
    const slot = this.#slot(host);
    const bookTurn = this.#frontier.shared?.bookTurn?.bind(this.#frontier.shared);
    if (bookTurn) return this.#sharedTurn((delayMs) => bookTurn(host, delayMs), slot);
    for (;;) {
      const now = Date.now();
      if (slot.readyAt <= now) {
        slot.readyAt = now + slot.delayMs;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, slot.readyAt - now));
    }
  }

  /**
   * A turn in a shared crawl is booked in the frontier, where every worker's turns and leases meet: the local slot
   * knows nothing of the other workers. Waits as long as the frontier says, then asks again (another worker may have
   * taken that turn meanwhile).
   */
  async #sharedTurn(bookTurn: (delayMs: number) => Promise<number>, slot: HostSlot): Promise<void> {
    for (;;) {
      const waitMs = await bookTurn(slot.delayMs);
      if (waitMs <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    // Mirrored locally, for this worker's own leases and its dashboard.
    slot.readyAt = Math.max(slot.readyAt, Date.now() + slot.delayMs);
  }

  /**
   * Takes the host slot of a request leased earlier and set aside without one (a browser page waiting for a browser
   * slot); false, with a wake-up booked if the host is only waiting out its delay, when the host cannot take it now.
   */
  take(request: Request): boolean {
    const now = Date.now();
    const slot = this.#slot(hostOf(request.url) ?? '');
    if (slot.inFlight >= slot.limit) return false;
    if (slot.readyAt > now) {
      this.#wakeAtTime(slot.readyAt);
      return false;
    }
    this.#book(slot, now);
    return true;
  }

  #book(slot: HostSlot, now: number): void {
    slot.inFlight++;
    slot.readyAt = now + slot.delayMs;
  }

  /** Frees the request's host slot. */
  release(request: Request): void {
    const slot = this.#hosts.get(hostOf(request.url) ?? '');
    if (slot) slot.inFlight--;
  }

  /** Answers a lease with what its handler produced; returns the children that were new. */
  async complete(request: Request, outcome: Outcome): Promise<Request[]> {
    return this.#frontier.complete(request, outcome);
  }

  async fail(request: Request, failure: Failure): Promise<void> {
    await this.#frontier.fail(request, failure);
  }

  /** Gives a leased request back for another attempt after `delayMs`; it holds no slot meanwhile. */
  async retry(request: Request, delayMs: number): Promise<void> {
    await this.#frontier.retry(request, delayMs);
    // One wake per retry: the frontier holds the request, the scheduler only knows when to look again. Taken after
    // the frontier's own clock reading, so never before the frontier releases it.
    this.#wakeForRetry(Date.now() + delayMs);
  }

  /**
   * Node starts a timer from the event loop's cached time, which lags `Date.now()` by however long the current tick
   * has run: under load a timer fires a few milliseconds before `Date.now()` reaches its due time. Waking the engine
   * then would find the retry not yet due and nothing would wake it again, so an early timer waits out the rest.
   */
  #wakeForRetry(dueAt: number): void {
    const timer = setTimeout(
      () => {
        this.#retryWakes.delete(timer);
        if (Date.now() < dueAt) this.#wakeForRetry(dueAt);
        else this.onWake();
      },
      Math.max(0, dueAt - Date.now()),
    );
    this.#retryWakes.add(timer);
  }

  /** Marks a redirect's final URL as seen; false when it was seen before. */
  async markSeen(request: Request): Promise<boolean> {
    return this.#frontier.markSeen(request);
  }

  /** True when nothing is left to do here: nothing queued, waiting for a retry, or (shared) leased anywhere. */
  async isDrained(): Promise<boolean> {
    return (await this.#frontier.size()) === 0;
  }

  /** Ends a shared crawl for every worker; false when another worker added work meanwhile. */
  async finish(): Promise<boolean> {
    return this.#frontier.shared ? this.#frontier.shared.finish() : true;
  }

  /** Keeps every request to `host` waiting until `untilMs` (Retry-After on 429/503). */
  backOff(host: string, untilMs: number): void {
    const slot = this.#slot(host);
    if (untilMs > slot.readyAt) slot.readyAt = untilMs;
    this.#frontier.shared?.backOff(host, untilMs - Date.now()).catch(() => {});
  }

  /**
   * Raises a host's minimum delay (robots.txt Crawl-delay); never lowers it below the crawl's delay. A delay the
   * throttle set stays if it is longer.
   */
  setHostDelay(host: string, delayMs: number): void {
    const slot = this.#slot(host);
    slot.floorMs = Math.max(this.#options.delayMs, delayMs);
    slot.delayMs = this.#options.startSlot ? Math.max(slot.delayMs, slot.floorMs) : slot.floorMs;
    this.#frontier.shared?.setHostDelay(host, slot.floorMs).catch(() => {});
  }

  /** The least delay of a host (the crawl's delay or its Crawl-delay), which the throttle never goes below. */
  floorOf(host: string): number {
    return this.#slot(host).floorMs;
  }

  inFlightOf(host: string): number {
    return this.#hosts.get(host)?.inFlight ?? 0;
  }

  /** Autothrottle's say on a host: its delay (never below the floor) and limit (between 1 and perHost). */
  tune(host: string, delayMs: number, concurrency: number): void {
    const slot = this.#slot(host);
    slot.delayMs = Math.max(slot.floorMs, delayMs);
    slot.limit = Math.max(1, Math.min(concurrency, this.#options.perHost));
  }

  /** Per-host politeness state, for dashboards. */
  hostStats(): HostStats[] {
    const now = Date.now();
    return [...this.#hosts].map(([host, slot]) => ({
      host,
      inFlight: slot.inFlight,
      delayMs: slot.delayMs,
      waitMs: Math.max(0, slot.readyAt - now),
    }));
  }

  close(): void {
    for (const timer of this.#retryWakes) clearTimeout(timer);
    this.#retryWakes.clear();
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
  }

  #slot(host: string): HostSlot {
    let slot = this.#hosts.get(host);
    if (!slot) {
      const { perHost, delayMs, startSlot } = this.#options;
      slot = {
        inFlight: 0,
        limit: startSlot ? Math.min(startSlot.concurrency, perHost) : perHost,
        readyAt: 0,
        delayMs: startSlot ? Math.max(delayMs, startSlot.delayMs) : delayMs,
        floorMs: delayMs,
      };
      this.#hosts.set(host, slot);
    }
    return slot;
  }

  #wakeAtTime(at: number): void {
    if (at >= this.#wakeAt) return;
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    this.#wakeTimer = setTimeout(
      () => {
        this.#wakeTimer = undefined;
        this.#wakeAt = Number.POSITIVE_INFINITY;
        this.onWake();
      },
      Math.max(0, at - Date.now()),
    );
  }
}
