/** Turns a crawler's events into the live Progress view: per-host counters, latency percentiles, errors, items. */

import type { Crawler } from '../crawler/crawler.js';
import type { Timings } from '../http/response.js';
import { hostOf } from '../url/canonical-url.js';
import { redactUrl, redactUrlsIn } from '../url/redact-url.js';
import { emptyHistograms, type FetchHistograms, observe } from './fetch-histogram.js';
import type { HostRow, Latency, Percentiles, Progress, RecentError } from './types.js';

const latencyWindow = 500;
const recentErrors = 20;
const previewItems = 20;

interface HostCounters {
  /** URLs scheduled in this run and not answered yet. */
  pending: Set<string>;
  responses: number;
  errors: number;
}

/** Listens to `crawler` from construction on; `snapshot()` gives the Progress at that moment. */
export class ProgressTracker {
  readonly #crawler: Crawler;
  readonly #hosts = new Map<string, HostCounters>();
  readonly #timings: Timings[] = [];
  /** Every response of the run, unlike the percentiles' window: /metrics sums these over runs. */
  readonly #histograms: FetchHistograms = emptyHistograms();
  readonly #errors: RecentError[] = [];
  readonly #first: unknown[] = [];
  readonly #last: unknown[] = [];

  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    crawler
      .on('request:scheduled', ({ request }) => this.#host(request.url).pending.add(request.url))
      .on('response:received', ({ request, response }) => {
        const host = this.#host(request.url);
        host.pending.delete(request.url);
        host.responses++;
        this.#timings.push(response.timings);
        observe(this.#histograms.total, response.timings.totalMs);
        observe(this.#histograms.firstByte, response.timings.firstByteMs);
        if (this.#timings.length > latencyWindow) this.#timings.shift();
      })
      // Filtered links (offsite among them) never were pending: only hosts the crawl visits get a row.
      .on('request:ignored', ({ request }) =>
        this.#hosts.get(hostOf(request.url) ?? '')?.pending.delete(request.url),
      )
      .on('request:failed', ({ request, error, code }) => {
        const host = this.#host(request.url);
        host.pending.delete(request.url);
        host.errors++;
        this.#errors.push({
          at: new Date().toISOString(),
          // Shown by the API, the WebSocket and the dashboard: without the credentials the request may carry.
          url: redactUrl(request.url),
          code,
          message: redactUrlsIn(error.message.split('\n')[0] ?? ''),
        });
        if (this.#errors.length > recentErrors) this.#errors.shift();
      })
      .on('item:scraped', ({ item }) => {
        if (this.#first.length < previewItems) this.#first.push(item);
        this.#last.push(item);
        if (this.#last.length > previewItems) this.#last.shift();
      });
  }

  snapshot(): Progress {
    return {
      stats: this.#crawler.stats(),
      hosts: this.#hostRows(),
      latency: latencyOf(this.#timings),
      fetchHistograms: structuredClone(this.#histograms),
      errors: [...this.#errors],
      items: { first: [...this.#first], last: [...this.#last] },
    };
  }

  #host(url: string): HostCounters {
    const name = hostOf(url) ?? '';
    let counters = this.#hosts.get(name);
    if (!counters) {
      counters = { pending: new Set(), responses: 0, errors: 0 };
      this.#hosts.set(name, counters);
    }
    return counters;
  }

  /** The scheduler's politeness state merged with the counters; hosts only one side knows still appear. */
  #hostRows(): HostRow[] {
    const live = new Map(this.#crawler.hosts().map((row) => [row.host, row]));
    const names = new Set([...live.keys(), ...this.#hosts.keys()]);
    return [...names].sort().map((host) => {
      const slot = live.get(host);
      const counters = this.#hosts.get(host);
      return {
        host,
        inFlight: slot?.inFlight ?? 0,
        delayMs: slot?.delayMs ?? 0,
        waitMs: slot?.waitMs ?? 0,
        queued: counters?.pending.size ?? 0,
        responses: counters?.responses ?? 0,
        errors: counters?.errors ?? 0,
      };
    });
  }
}

/** p50/p90/p99 of each timing phase (nearest-rank), in milliseconds. */
export function latencyOf(timings: readonly Timings[]): Latency {
  const of = (pick: (t: Timings) => number): Percentiles => {
    const sorted = timings.map(pick).sort((a, b) => a - b);
    return { p50: rank(sorted, 0.5), p90: rank(sorted, 0.9), p99: rank(sorted, 0.99) };
  };
  return {
    samples: timings.length,
    dns: of((t) => t.dnsMs),
    connect: of((t) => t.connectMs),
    tls: of((t) => t.tlsMs),
    firstByte: of((t) => t.firstByteMs),
    total: of((t) => t.totalMs),
  };
}

function rank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round((sorted[index] ?? 0) * 100) / 100;
}
