/**
 * The browser's memory: the resident memory of each of its processes (browser, renderers, GPU, network
 * service …), summed. Chromium names its processes over CDP (`SystemInfo.getProcessInfo`); Linux gives each one's
 * size in /proc (PSS, so shared pages are not counted once per process). Elsewhere than Linux it is undefined and
 * memory recycling does nothing.
 */
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';

/** Process ids of a running Chromium, the browser process first. */
export async function browserProcessIds(browser: Browser): Promise<number[]> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; id: number }[];
    };
    return processInfo
      .sort((a, b) => Number(b.type === 'browser') - Number(a.type === 'browser'))
      .map((entry) => entry.id);
  } finally {
    await session.detach().catch(() => {});
  }
}

/**
 * The summed memory in bytes of `pids` that still exist: each one's PSS (its private pages plus its share of the
 * pages it shares, /proc/PID/smaps_rollup), or its VmRSS where PSS is not readable; undefined when /proc cannot
 * tell. PSS makes the sum a fair total: Chromium's processes share much of their memory.
 */
export async function rssOf(pids: readonly number[]): Promise<number | undefined> {
  const sizes = await Promise.all(pids.map((pid) => sizeOf(pid)));
  const known = sizes.filter((size): size is number => size !== undefined);
  return known.length === 0 ? undefined : known.reduce((sum, size) => sum + size, 0);
}

async function sizeOf(pid: number): Promise<number | undefined> {
  const pss = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').then(
    (rollup) => /^Pss:\s+(\d+) kB/m.exec(rollup)?.[1],
    () => undefined,
  );
  if (pss !== undefined) return Number(pss) * 1024;
  return readFile(`/proc/${pid}/status`, 'utf8').then(
    (status) => Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024,
    () => undefined,
  );
}

/**
 * The browser's memory now, in bytes; undefined when it cannot be measured (not Linux, browser gone). Bounded
 * in time: a CDP call to a browser that was just killed may never be answered.
 */
export async function browserRss(browser: Browser, timeoutMs = 5000): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  const pids = await Promise.race([browserProcessIds(browser).catch(() => []), late]);
  clearTimeout(timer);
  return rssOf(pids);
}
