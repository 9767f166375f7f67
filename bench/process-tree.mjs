// Memory and CPU of a whole crawl: this process and every descendant (Chromium's browser, renderer, GPU and
// utility processes, script-rung workers are threads and already in our own figures). Linux /proc only.
import { readdirSync, readFileSync } from 'node:fs';

const pageBytes = 4096;
const ticksPerSecond = 100;

/** Direct children of `pid`, from every thread's children list (a child belongs to the thread that forked it). */
function childrenOf(pid) {
  const children = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) for (const child of text.split(' ')) children.push(Number(child));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return children;
}

/** `pid` and all its descendants. */
export function processTree(pid = process.pid) {
  const seen = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift();
    if (seen.includes(next)) continue;
    seen.push(next);
    queue.push(...childrenOf(next));
  }
  return seen;
}

/** Proportional set size: shared pages split between the processes sharing them, so a tree's PSS adds up. */
function pssBytes(pid) {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** RSS bytes, CPU ms (user + system) and start time of one process, or undefined once it is gone. */
function readProcess(pid) {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14, 15 (utime, stime) and 22 (starttime) of the whole line; the slice starts at field 3.
    return {
      rssBytes: Number(statm[1]) * pageBytes,
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond,
      start: fields[19],
    };
  } catch {
    return undefined;
  }
}

/**
 * Samples the tree every `intervalMs`: the peak of the summed RSS (shared pages count once per process, as `ps`
 * would add them up), the peak of the summed PSS (shared pages split, closer to what the crawl really holds) and, per descendant, the last CPU time seen. A descendant's CPU after its last sample is lost
 * (at most one interval); `stop()` takes one last sample first. `rootPid`: the tree's root, this process by default;
 * the benches sample a crawler's tree from their own process, so that the sampling neither blocks the crawler's
 * event loop nor counts in its CPU.
 *
 * PSS is read every tenth sample only (about once a second): the kernel walks every page table of a process to sum
 * /proc/PID/smaps_rollup, about 5 ms for one of Chromium's processes, so reading it every 100 ms for a browser's ten
 * processes took 12 s of CPU in a 25 s crawl (measured with --cpu-prof, when the sampler still ran in the crawler).
 */
export function startTreeSampler(intervalMs = 100, rootPid = process.pid) {
  let peakBytes = 0;
  let peakProcesses = 0;
  let peakBreakdown = [];
  let peakPss = 0;
  // Every 10th sample (about once a second): when the memory was where, e.g. Chromium up during the ladder's samples.
  const started = performance.now();
  const timeline = [];
  let samples = 0;
  const descendantsCpu = new Map();
  const sample = (withPssNow = false) => {
    let total = 0;
    let pss = 0;
    const breakdown = [];
    const withPss = withPssNow || samples % 10 === 0;
    const tree = processTree(rootPid);
    for (const pid of tree) {
      const info = readProcess(pid);
      if (!info) continue;
      total += info.rssBytes;
      if (withPss) pss += pssBytes(pid);
      breakdown.push({ pid, rssBytes: info.rssBytes, name: commandOf(pid, rootPid) });
      if (pid !== rootPid) descendantsCpu.set(`${pid}@${info.start}`, info.cpuMs);
    }
    peakPss = Math.max(peakPss, pss);
    if (withPss) {
      timeline.push({
        s: Math.round((performance.now() - started) / 100) / 10,
        rssMb: Math.round(total / 2 ** 20),
        pssMb: Math.round(pss / 2 ** 20),
        processes: breakdown.length,
      });
    }
    samples++;
    if (total > peakBytes) {
      peakBytes = total;
      peakProcesses = breakdown.length;
      peakBreakdown = breakdown;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop() {
      sample(true);
      clearInterval(timer);
      let cpuMs = 0;
      for (const value of descendantsCpu.values()) cpuMs += value;
      return {
        peakTreeRssBytes: peakBytes,
        peakTreePssBytes: peakPss,
        peakTreeProcesses: peakProcesses,
        // Where the memory was at the peak: the crawler itself vs the browser's processes.
        peakTreeBreakdown: summarizeBreakdown(peakBreakdown),
        descendantsCpuMs: cpuMs,
        treeTimeline: timeline,
        descendantsSeen: descendantsCpu.size,
      };
    },
  };
}

function commandOf(pid, rootPid) {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (pid === rootPid) return 'crawler (node)';
    const type = /--type=([a-z-]+)/.exec(cmdline)?.[1];
    // Chromium rewrites its helpers' argv[0]; the --type flag names them.
    if (type) return `chromium ${type}`;
    return cmdline.split('\0')[0].split(' ')[0].split('/').pop();
  } catch {
    return '?';
  }
}

function summarizeBreakdown(breakdown) {
  const byName = new Map();
  for (const { name, rssBytes } of breakdown) {
    const entry = byName.get(name) ?? { name, processes: 0, rssMb: 0 };
    entry.processes++;
    entry.rssMb += rssBytes / 2 ** 20;
    byName.set(name, entry);
  }
  return [...byName.values()]
    .map((entry) => ({ ...entry, rssMb: Math.round(entry.rssMb) }))
    .sort((a, b) => b.rssMb - a.rssMb);
}
