/**
 * AutoThrottle: each host's delay and requests in flight, adapted to what its responses say.
 *
 * The delay follows Scrapy's AutoThrottle: a server that needs `latency` to answer gets a request every
 * `latency / targetConcurrency`, so about `targetConcurrency` requests are in flight (Little's law). Each response
 * moves the delay halfway toward that target, and at once when the target is longer; a response other than 200
 * never shortens it (error pages are small and fast: trusting them would speed up against a failing server). The
 * delay stays between the host's floor (delayMs, robots.txt Crawl-delay) and maxDelayMs.
 *
 * On top of that, the number of requests in flight has a limit of its own, adapted AIMD-style as TCP does: halved
 * on an overload signal (429, 503, 504, a timeout or a network error), lowered by one when the latency has more
 * than doubled over the host's quiet latency (the server queues), and raised by one after a window of responses
 * that were fine while the limit was reached. A delay alone lets a burst through (the first requests, a delay that
 * shrank on fast answers); the limit bounds it. A limit that met an overload remembers the level: it climbs back
 * past it only after many good windows, so a server that refuses above N in flight is not probed every few pages.
 *
 * No timers: it is fed by the download chain (one call per network exchange) and writes the scheduler's host
 * slots, which the crawl reads anyway; a crawl without it runs none of this code.
 */

/** The settings of the `autothrottle` crawl option, resolved. */
export interface AutoThrottleSettings {
  /** Requests in flight per host it aims at. */
  targetConcurrency: number;
  /** The delay a host starts with, before its first response. */
  startDelayMs: number;
  /** The longest delay it sets; the host's floor (delayMs, Crawl-delay) still wins over it. */
  maxDelayMs: number;
  /** The fewest requests in flight it lowers a host to. */
  minConcurrency: number;
  /** The most requests in flight it raises a host to; undefined: the crawl's perHost. */
  maxConcurrency: number | undefined;
}

/** A host's throttle state, as the stats show it. */
export interface HostThrottle {
  delayMs: number;
  concurrency: number;
}

/** What the throttle steers: the scheduler's host slots. */
export interface ThrottledSlots {
  /** The delay the host may never go below: the crawl's delayMs or its robots.txt Crawl-delay. */
  floorOf(host: string): number;
  inFlightOf(host: string): number;
  tune(host: string, delayMs: number, concurrency: number): void;
}

/** One network exchange with a host, as the download chain saw it. */
export interface ThrottleSample {
  /** Time to the response headers (or to the failure). */
  latencyMs: number;
  /** The response status; undefined for a failure (timeout, network error). */
  status: number | undefined;
  /** When the exchange started (performance.now()). */
  startedAt: number;
}

/** Why a host's state changed, for the debug log. */
export type ThrottleReason = 'measured' | 'overload' | 'queueing' | 'probe';

export type ThrottleListener = (
  host: string,
  state: HostThrottle,
  detail: { reason: ThrottleReason; latencyMs: number },
) => void;

/** Statuses that say the server is overloaded (or says so for a rate limit). */
const overloadStatuses: ReadonlySet<number> = new Set([429, 503, 504]);
/** Latency over this many times the host's quiet latency means the server queues our requests. */
const queueingFactor = 2;
/** How fast the quiet latency follows a server that became slower for good (share of the gap per response). */
const baselineDrift = 0.01;
/** Good windows at the remembered overload level before the limit probes one above it. */
const windowsBeforeProbe = 50;

interface HostState extends HostThrottle {
  /** The lowest recent latency of a 2xx response: the host's latency when it does not queue. */
  baselineMs: number;
  /** Good responses while the limit was reached, since the limit last changed. */
  good: number;
  /** Requests started before this (performance.now()) answered before the last decrease: not counted again. */
  decreasedAt: number;
  /** The highest limit since the last overload (Infinity: none yet); passed only after many good windows. */
  ceiling: number;
  /** What the listener was last told, so small moves of the delay do not log a line each. */
  reported: HostThrottle;
}

export class AutoThrottle {
  readonly #settings: AutoThrottleSettings;
  readonly #slots: ThrottledSlots;
  readonly #hosts = new Map<string, HostState>();
  readonly #maxConcurrency: number;
  readonly #minConcurrency: number;
  readonly #onChange: ThrottleListener | undefined;
  /** A host's state before its first response. */
  readonly start: HostThrottle;

  constructor(
    settings: AutoThrottleSettings,
    perHost: number,
    slots: ThrottledSlots,
    onChange?: ThrottleListener,
  ) {
    this.#settings = settings;
    this.#slots = slots;
    // Never above perHost, whatever maxConcurrency says: perHost is the user's hard bound.
    this.#maxConcurrency = Math.min(settings.maxConcurrency ?? perHost, perHost);
    this.#minConcurrency = Math.min(settings.minConcurrency, this.#maxConcurrency);
    this.#onChange = onChange;
    this.start = throttleStart(settings, perHost);
  }

  /** Adapts `host`'s delay and limit to one exchange. */
  observe(host: string, sample: ThrottleSample): void {
    const state = this.#state(host);
    const { latencyMs, status } = sample;
    const overload = status === undefined || overloadStatuses.has(status);
    let reason: ThrottleReason = 'measured';

    const floor = this.#slots.floorOf(host);
    const targetDelay = latencyMs / this.#settings.targetConcurrency;
    if (overload) {
      // Never faster on an overload: at least twice the delay.
      state.delayMs = this.#bound(Math.max(state.delayMs * 2, targetDelay), floor);
    } else {
      const next = this.#bound(Math.max(targetDelay, (state.delayMs + targetDelay) / 2), floor);
      if (status === 200 || next > state.delayMs) state.delayMs = next;
    }

    const fresh = sample.startedAt >= state.decreasedAt;
    if (overload) {
      if (fresh) {
        state.ceiling = Math.max(this.#minConcurrency, state.concurrency - 1);
        this.#decrease(state, Math.floor(state.concurrency / 2));
        reason = 'overload';
      }
    } else if (status !== undefined && status >= 200 && status < 300) {
      if (latencyMs < state.baselineMs) state.baselineMs = latencyMs;
      else state.baselineMs += (latencyMs - state.baselineMs) * baselineDrift;
      if (latencyMs > state.baselineMs * queueingFactor) {
        if (fresh && state.concurrency > this.#minConcurrency) {
          this.#decrease(state, state.concurrency - 1);
          reason = 'queueing';
        }
      } else if (this.#slots.inFlightOf(host) >= state.concurrency) {
        // Raising a limit that does not bind would only let a later burst through.
        reason = this.#grow(state) ?? reason;
      }
    }

    this.#slots.tune(host, state.delayMs, state.concurrency);
    this.#report(host, state, reason, latencyMs);
  }

  /** Each host's delay (rounded to the millisecond) and limit, for the stats. */
  snapshot(): Record<string, HostThrottle> {
    const hosts: Record<string, HostThrottle> = {};
    for (const [host, state] of this.#hosts) {
      hosts[host] = {
        delayMs: Math.round(Math.max(state.delayMs, this.#slots.floorOf(host))),
        concurrency: state.concurrency,
      };
    }
    return hosts;
  }

  #state(host: string): HostState {
    let state = this.#hosts.get(host);
    if (!state) {
      const { start } = this;
      state = {
        ...start,
        baselineMs: Number.POSITIVE_INFINITY,
        good: 0,
        decreasedAt: Number.NEGATIVE_INFINITY,
        ceiling: Number.POSITIVE_INFINITY,
        reported: { ...start },
      };
      this.#hosts.set(host, state);
    }
    return state;
  }

  #bound(delayMs: number, floor: number): number {
    return Math.max(floor, Math.min(delayMs, this.#settings.maxDelayMs));
  }

  #decrease(state: HostState, concurrency: number): void {
    state.concurrency = Math.max(this.#minConcurrency, concurrency);
    state.decreasedAt = performance.now();
    state.good = 0;
  }

  /** One more request in flight after a window of good responses (many, past the last overload's level). */
  #grow(state: HostState): ThrottleReason | undefined {
    if (state.concurrency >= this.#maxConcurrency) return undefined;
    const probing = state.concurrency >= state.ceiling;
    const window = state.concurrency * (probing ? windowsBeforeProbe : 1);
    if (++state.good < window) return undefined;
    state.concurrency++;
    state.good = 0;
    if (probing) state.ceiling = Number.POSITIVE_INFINITY;
    return 'probe';
  }

  #report(host: string, state: HostState, reason: ThrottleReason, latencyMs: number): void {
    const { reported } = state;
    const delayMoved =
      Math.abs(state.delayMs - reported.delayMs) >= Math.max(1, reported.delayMs * 0.1);
    if (!delayMoved && state.concurrency === reported.concurrency) return;
    reported.delayMs = state.delayMs;
    reported.concurrency = state.concurrency;
    this.#onChange?.(
      host,
      { delayMs: Math.round(state.delayMs), concurrency: state.concurrency },
      { reason, latencyMs: Math.round(latencyMs) },
    );
  }
}

/**
 * A host's state before its first response: the start delay, and the target concurrency within the bounds. The
 * scheduler gives new hosts this before the throttle has heard of them.
 */
export function throttleStart(settings: AutoThrottleSettings, perHost: number): HostThrottle {
  const max = Math.min(settings.maxConcurrency ?? perHost, perHost);
  return {
    delayMs: settings.startDelayMs,
    concurrency: clamp(settings.targetConcurrency, Math.min(settings.minConcurrency, max), max),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(value, max));
}
