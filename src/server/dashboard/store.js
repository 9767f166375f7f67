// Client-side state: the jobs, each job's latest progress, and the samples the charts are drawn from.

/** 30 minutes of samples at the server's pace of two a second. */
const maxSamples = 3600;

const jobs = new Map();
/** id → { progress, at } */
const progress = new Map();
/** id → samples: { t (s), pages, rate, byStatus, latency } */
const history = new Map();
/** id → when the job object was last received (ms) */
const jobAt = new Map();
const listeners = new Set();

/** `listener(kind, id)`: kind is 'jobs', 'job' or 'progress'. Returns the unsubscribe function. */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(kind, id) {
  for (const listener of listeners) listener(kind, id);
}

export function setJobs(list) {
  const now = Date.now();
  jobs.clear();
  for (const job of list) {
    jobs.set(job.id, job);
    jobAt.set(job.id, now);
  }
  emit('jobs');
}

export function setJob(job) {
  jobs.set(job.id, job);
  jobAt.set(job.id, Date.now());
  emit('job', job.id);
}

/** A deleted job leaves the list at once (the server's next list message agrees). */
export function removeJob(id) {
  jobs.delete(id);
  progress.delete(id);
  history.delete(id);
  jobAt.delete(id);
  emit('jobs');
}

export function setProgress(id, value) {
  const now = Date.now();
  progress.set(id, { progress: value, at: now });
  // The server's time of the progress (its history uses the same clock); older servers did not send it.
  const stats = value.stats;
  const at = value.atMs ?? now;
  record(id, at, stats.responses, stats.responsesByStatus, value.latency, stats.pagesPerSecond);
  emit('progress', id);
}

/**
 * The job's stored history (GET /api/jobs/:id/history, oldest first) becomes its samples; live samples newer than
 * its last point (arrived while it loaded) stay after it.
 */
export function setHistory(id, points) {
  const live = history.get(id) ?? [];
  history.set(id, []);
  for (const point of points) {
    record(id, point.atMs, point.pages, point.byStatus, point.latency);
  }
  const end = history.get(id).at(-1)?.t ?? Number.NEGATIVE_INFINITY;
  const samples = history.get(id);
  for (const sample of live) {
    if (sample.t > end) samples.push(sample);
  }
  if (samples.length > maxSamples) samples.splice(0, samples.length - maxSamples);
  emit('progress', id);
}

export function getJob(id) {
  return jobs.get(id);
}

/** Newest first, as the server lists them. */
export function allJobs() {
  return [...jobs.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}

export function getProgress(id) {
  return progress.get(id)?.progress;
}

export function getHistory(id) {
  return history.get(id) ?? [];
}

/** The freshest stats known: live progress while it is newer than the job object, else the job's own. */
export function statsOf(id) {
  const job = jobs.get(id);
  const live = progress.get(id);
  if (live && (!job?.stats || live.at >= (jobAt.get(id) ?? 0))) return live.progress.stats;
  return job?.stats ?? null;
}

/** Pages per second: over the last ~2 s of samples while they come in, the run's average otherwise. */
export function rateOf(id) {
  const samples = history.get(id) ?? [];
  const last = samples.at(-1);
  const stats = statsOf(id);
  if (!last || jobs.get(id)?.status !== 'running') return stats?.pagesPerSecond;
  let first = last;
  for (let i = samples.length - 2; i >= 0 && last.t - samples[i].t <= 2.1; i--) first = samples[i];
  return first === last ? last.rate : (last.pages - first.pages) / (last.t - first.t);
}

/** Adds a sample at `atMs` (Unix milliseconds; the charts' x axis is in seconds). */
function record(id, atMs, pages, byStatus, latency, firstRate = 0) {
  let samples = history.get(id);
  if (!samples) {
    samples = [];
    history.set(id, samples);
  }
  const t = atMs / 1000;
  let previous = samples.at(-1);
  // Out of order (a late message): the samples already cover that moment.
  if (previous && t < previous.t) return;
  // A job from an older server may start counting again on resume: its chart starts over rather than dropping.
  if (previous && pages < previous.pages) {
    samples.length = 0;
    previous = undefined;
  }
  if (previous && t - previous.t < 0.05) {
    samples.pop();
    previous = samples.at(-1);
  }
  const rate = previous && t > previous.t ? (pages - previous.pages) / (t - previous.t) : firstRate;
  samples.push({
    t,
    pages,
    rate: Math.max(0, rate),
    byStatus: { ...byStatus },
    // A live progress has latency.samples (0 before any response); a history point has null then.
    latency: latency && latency.samples !== 0 ? latency : null,
  });
  if (samples.length > maxSamples) samples.splice(0, samples.length - maxSamples);
}
