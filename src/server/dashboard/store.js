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
  record(id, value, now);
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

function record(id, value, now) {
  let samples = history.get(id);
  if (!samples) {
    samples = [];
    history.set(id, samples);
  }
  const stats = value.stats;
  const t = now / 1000;
  let previous = samples.at(-1);
  // A resumed job may start counting again: its chart starts over rather than dropping below zero.
  if (previous && stats.responses < previous.pages) {
    samples.length = 0;
    previous = undefined;
  }
  if (previous && t - previous.t < 0.05) {
    samples.pop();
    previous = samples.at(-1);
  }
  const rate =
    previous && t > previous.t
      ? (stats.responses - previous.pages) / (t - previous.t)
      : stats.pagesPerSecond;
  const latency = value.latency;
  samples.push({
    t,
    pages: stats.responses,
    rate: Math.max(0, rate),
    byStatus: { ...stats.responsesByStatus },
    latency: latency && latency.samples > 0 ? latency : null,
  });
  if (samples.length > maxSamples) samples.splice(0, samples.length - maxSamples);
}
