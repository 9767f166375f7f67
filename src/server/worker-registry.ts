/**
 * The `arachne worker --server` processes a server knows: who they are (host, version, pid), when each was last
 * heard from, which jobs it works on and how fast. Kept in memory: a worker whose server restarted is told it is
 * unknown at its next heartbeat and registers again.
 */
import { newId } from './job-paths.js';

export interface WorkerHello {
  host: string;
  version: string;
  pid: number;
  /** Jobs the worker runs at once. */
  maxJobs: number;
}

/** What a worker reports at each heartbeat: its jobs and its totals since it started. */
export interface WorkerBeat {
  jobs: Array<{ job: string; pages: number; items: number; failed: number }>;
  pages: number;
  items: number;
}

export interface WorkerView extends WorkerHello {
  id: string;
  registeredAt: string;
  lastSeen: string;
  heartbeatAgeMs: number;
  /** No heartbeat for three intervals: the worker is dead or cut off (its leases expire and go to the others). */
  stale: boolean;
  jobs: WorkerBeat['jobs'];
  pages: number;
  items: number;
  /** Over the last half minute of heartbeats. */
  pagesPerMinute: number;
  itemsPerMinute: number;
}

interface Entry {
  id: string;
  hello: WorkerHello;
  registeredAt: number;
  lastSeen: number;
  beat: WorkerBeat;
  samples: Array<{ at: number; pages: number; items: number }>;
}

const rateWindowMs = 30_000;
/** A worker unheard of for this long leaves the list. */
const forgetAfterMs = 60 * 60_000;

export class WorkerRegistry {
  readonly heartbeatMs: number;
  readonly #workers = new Map<string, Entry>();

  /** @param heartbeatMs how often workers are asked to report. @default 1000 */
  constructor(heartbeatMs = 1000) {
    this.heartbeatMs = heartbeatMs;
  }

  register(hello: WorkerHello): WorkerView {
    const now = Date.now();
    const entry: Entry = {
      id: newId(),
      hello,
      registeredAt: now,
      lastSeen: now,
      beat: { jobs: [], pages: 0, items: 0 },
      samples: [{ at: now, pages: 0, items: 0 }],
    };
    this.#workers.set(entry.id, entry);
    return this.#view(entry, now);
  }

  /** Records a heartbeat; false for a worker this server does not know (it registers again). */
  beat(id: string, beat: WorkerBeat): boolean {
    const entry = this.#workers.get(id);
    if (!entry) return false;
    const now = Date.now();
    entry.lastSeen = now;
    entry.beat = beat;
    entry.samples.push({ at: now, pages: beat.pages, items: beat.items });
    // One sample older than the window stays: the rate spans the whole window.
    while (entry.samples.length > 2 && (entry.samples[1]?.at ?? now) < now - rateWindowMs) {
      entry.samples.shift();
    }
    return true;
  }

  has(id: string): boolean {
    return this.#workers.has(id);
  }

  remove(id: string): boolean {
    return this.#workers.delete(id);
  }

  list(): WorkerView[] {
    const now = Date.now();
    for (const [id, entry] of this.#workers) {
      if (now - entry.lastSeen > forgetAfterMs) this.#workers.delete(id);
    }
    return [...this.#workers.values()].map((entry) => this.#view(entry, now));
  }

  #view(entry: Entry, now: number): WorkerView {
    const first = entry.samples[0] ?? { at: now, pages: 0, items: 0 };
    const last = entry.samples.at(-1) ?? first;
    const minutes = (last.at - first.at) / 60_000;
    const perMinute = (delta: number) =>
      minutes > 0 ? Math.round((Math.max(0, delta) / minutes) * 10) / 10 : 0;
    const age = now - entry.lastSeen;
    const stale = age > 3 * this.heartbeatMs;
    return {
      id: entry.id,
      ...entry.hello,
      registeredAt: new Date(entry.registeredAt).toISOString(),
      lastSeen: new Date(entry.lastSeen).toISOString(),
      heartbeatAgeMs: age,
      stale,
      jobs: stale ? [] : entry.beat.jobs,
      pages: entry.beat.pages,
      items: entry.beat.items,
      pagesPerMinute: stale ? 0 : perMinute(last.pages - first.pages),
      itemsPerMinute: stale ? 0 : perMinute(last.items - first.items),
    };
  }
}
