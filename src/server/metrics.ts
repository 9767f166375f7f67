/**
 * GET /metrics: the server's figures for Prometheus. Counters sum the runs that ended since the server started with
 * the latest progress of the running ones (each run's own stats, `runStats`: `stats` holds the job's totals over its
 * runs, which would count a resumed job's earlier runs twice), so they only grow
 * while the server lives; a restart resets them, which Prometheus' rate() expects.
 */
import type { Stats } from '../crawler/stats.js';
import {
  addHistograms,
  emptyHistograms,
  type FetchHistogram,
  type FetchHistograms,
  fetchBucketSeconds,
} from './fetch-histogram.js';
import type { JobManager } from './job-manager.js';
import { PrometheusText, type Sample } from './prometheus-text.js';
import type { Job, JobStatus, Progress } from './types.js';

const jobStates: readonly JobStatus[] = [
  'queued',
  'running',
  'paused',
  'finished',
  'failed',
  'cancelled',
];

/** The stats a counter is made of: the metric's name, its help, and how to read it from a run's stats. */
const counters: ReadonlyArray<readonly [string, string, (stats: Stats) => number]> = [
  ['arachne_requests_total', 'Requests sent (retries included).', (s) => s.requests],
  ['arachne_pages_total', 'Responses received (pages fetched).', (s) => s.responses],
  ['arachne_items_total', 'Items scraped.', (s) => s.items],
  ['arachne_errors_total', 'Requests that failed for good (after retries).', (s) => s.failed],
  ['arachne_retries_total', 'Requests retried.', (s) => s.retries],
  ['arachne_response_bytes_total', 'Response body bytes received.', (s) => s.bytes],
];

interface SpiderTotals {
  counts: number[];
  histograms: FetchHistograms;
}

interface LiveRun {
  spider: string;
  progress: Progress;
}

export interface MetricsSource {
  manager: JobManager;
  /** Jobs per status, from the server database. */
  jobCounts(): Partial<Record<JobStatus, number>>;
  maxJobs: number;
  version: string;
}

export class ServerMetrics {
  readonly #source: MetricsSource;
  /** Per spider: the runs that ended since the server started. */
  readonly #ended = new Map<string, SpiderTotals>();
  /** Per running job: its spider and latest progress. */
  readonly #live = new Map<string, LiveRun>();
  readonly #onProgress = (id: string, progress: Progress) => this.#progress(id, progress);
  // A run is over when its job leaves `running` (paused, finished, failed, cancelled): its child has exited, so
  // its last progress, which carries its final stats, has come.
  readonly #onJob = (job: Job) => {
    if (job.status !== 'running') this.#runEnded(job.id);
  };

  constructor(source: MetricsSource) {
    this.#source = source;
    source.manager.on('progress', this.#onProgress);
    source.manager.on('job', this.#onJob);
  }

  close(): void {
    this.#source.manager.off('progress', this.#onProgress);
    this.#source.manager.off('job', this.#onJob);
  }

  render(): string {
    const text = new PrometheusText();
    text.family('arachne_info', 'gauge', 'The server version (always 1).', [
      { labels: { version: this.#source.version }, value: 1 },
    ]);
    text.family('arachne_job_slots', 'gauge', 'Jobs that may run at once (--max-jobs).', [
      { value: this.#source.maxJobs },
    ]);
    const byState = this.#source.jobCounts();
    text.family(
      'arachne_jobs',
      'gauge',
      'Jobs in the server database by state.',
      jobStates.map((state) => ({ labels: { state }, value: byState[state] ?? 0 })),
    );
    const totals = this.#totals();
    const spiders = [...totals.keys()].sort();
    counters.forEach(([name, help], index) => {
      text.family(
        name,
        'counter',
        `${help} Summed over job runs since the server started.`,
        spiders.map((spider) => ({
          labels: { spider },
          value: totals.get(spider)?.counts[index] ?? 0,
        })),
      );
    });
    const histogram = (pick: (h: FetchHistograms) => FetchHistogram) =>
      spiders.flatMap((spider) => {
        const totalsOf = totals.get(spider);
        return totalsOf ? histogramSamples({ spider }, pick(totalsOf.histograms)) : [];
      });
    text.family(
      'arachne_fetch_duration_seconds',
      'histogram',
      'Time from sending a request to the end of its response body.',
      histogram((h) => h.total),
    );
    text.family(
      'arachne_fetch_first_byte_seconds',
      'histogram',
      'Time from sending a request to the first byte of its response.',
      histogram((h) => h.firstByte),
    );
    const running = [...this.#live.entries()].sort(([a], [b]) => a.localeCompare(b));
    text.family(
      'arachne_job_requests_queued',
      'gauge',
      'Requests waiting in the frontier of each running job.',
      running.map(([job, run]) => ({
        labels: { job, spider: run.spider },
        value: run.progress.stats.queued,
      })),
    );
    text.family(
      'arachne_job_requests_in_flight',
      'gauge',
      'Requests in flight in each running job.',
      running.map(([job, run]) => ({
        labels: { job, spider: run.spider },
        value: run.progress.stats.inFlight,
      })),
    );
    const hosts = this.#hostLoad();
    text.family(
      'arachne_host_requests_in_flight',
      'gauge',
      'Requests in flight per host, over all running jobs (hosts with nothing in flight or queued are left out).',
      hosts.map(([host, load]) => ({ labels: { host }, value: load.inFlight })),
    );
    text.family(
      'arachne_host_requests_queued',
      'gauge',
      'Requests scheduled and not answered yet per host, over all running jobs.',
      hosts.map(([host, load]) => ({ labels: { host }, value: load.queued })),
    );
    return text.toString();
  }

  #progress(id: string, progress: Progress): void {
    const known = this.#live.get(id);
    if (known) {
      known.progress = progress;
      return;
    }
    // Once per run: the spider labels every figure of the job. A message of a run already over is dropped.
    const job = this.#jobOf(id);
    if (job && job.status !== 'running') return;
    this.#live.set(id, { spider: job?.spider ?? 'unknown', progress });
  }

  #jobOf(id: string): Job | undefined {
    try {
      return this.#source.manager.get(id);
    } catch {
      // Gone from the database meanwhile: still counted, under a name that says so.
      return undefined;
    }
  }

  /** The run's last progress carries its final stats (the child sends it before it reports its end). */
  #runEnded(id: string): void {
    const run = this.#live.get(id);
    if (!run) return;
    this.#live.delete(id);
    const totals = this.#ended.get(run.spider) ?? emptyTotals();
    addRun(totals, run.progress);
    this.#ended.set(run.spider, totals);
  }

  #totals(): Map<string, SpiderTotals> {
    const totals = new Map<string, SpiderTotals>();
    for (const [spider, ended] of this.#ended) {
      const copy = emptyTotals();
      copy.counts = [...ended.counts];
      addHistograms(copy.histograms, ended.histograms);
      totals.set(spider, copy);
    }
    for (const run of this.#live.values()) {
      const into = totals.get(run.spider) ?? emptyTotals();
      addRun(into, run.progress);
      totals.set(run.spider, into);
    }
    return totals;
  }

  #hostLoad(): Array<[string, { inFlight: number; queued: number }]> {
    const load = new Map<string, { inFlight: number; queued: number }>();
    for (const run of this.#live.values()) {
      for (const row of run.progress.hosts) {
        if (row.inFlight === 0 && row.queued === 0) continue;
        const into = load.get(row.host) ?? { inFlight: 0, queued: 0 };
        into.inFlight += row.inFlight;
        into.queued += row.queued;
        load.set(row.host, into);
      }
    }
    return [...load.entries()].sort(([a], [b]) => a.localeCompare(b));
  }
}

function emptyTotals(): SpiderTotals {
  return { counts: counters.map(() => 0), histograms: emptyHistograms() };
}

function addRun(totals: SpiderTotals, progress: Progress): void {
  counters.forEach(([, , read], index) => {
    totals.counts[index] = (totals.counts[index] ?? 0) + read(progress.runStats ?? progress.stats);
  });
  addHistograms(totals.histograms, progress.fetchHistograms);
}

/** `_bucket` samples are cumulative, as the format requires, ending with `le="+Inf"` equal to `_count`. */
function histogramSamples(labels: Record<string, string>, histogram: FetchHistogram): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  fetchBucketSeconds.forEach((bound, index) => {
    cumulative += histogram.buckets[index] ?? 0;
    samples.push({
      suffix: '_bucket',
      labels: { ...labels, le: String(bound) },
      value: cumulative,
    });
  });
  samples.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: histogram.count });
  samples.push({ suffix: '_sum', labels, value: histogram.sumSeconds });
  samples.push({ suffix: '_count', labels, value: histogram.count });
  return samples;
}
