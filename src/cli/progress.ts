/** The live progress line on a TTY (pages, items, pages/s, queued, errors); periodic log lines otherwise. */
import type { Crawler } from '../crawler/crawler.js';
import type { Stats } from '../crawler/stats.js';

export function showProgress(
  crawler: Crawler,
  stream: NodeJS.WriteStream = process.stderr,
): () => void {
  const tty = stream.isTTY === true;
  let lastResponses = 0;
  let lastAt = Date.now();
  const tick = () => {
    const stats = crawler.stats();
    const now = Date.now();
    const rate = ((stats.responses - lastResponses) * 1000) / Math.max(1, now - lastAt);
    lastResponses = stats.responses;
    lastAt = now;
    const line = progressLine(stats, rate);
    if (tty) stream.write(`\r\x1b[2K${line}`);
    else stream.write(`${new Date().toISOString()} INFO progress: ${line}\n`);
  };
  const timer = setInterval(tick, tty ? 250 : 10_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty) stream.write('\r\x1b[2K');
  };
}

export function progressLine(stats: Stats, pagesPerSecond: number): string {
  const errors = stats.failed;
  return `pages ${stats.responses} | items ${stats.items} | ${pagesPerSecond.toFixed(0)} pages/s | queued ${stats.queued} | in flight ${stats.inFlight} | errors ${errors}`;
}

export function summary(stats: Stats): string {
  const statuses = Object.entries(stats.responsesByStatus)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  const errors = Object.entries(stats.errorsByCode)
    .map(([code, count]) => `${code}: ${count}`)
    .join(', ');
  return [
    `pages fetched   ${stats.responses}${statuses ? ` (${statuses})` : ''}`,
    `items scraped   ${stats.items}${stats.itemsDropped ? ` (${stats.itemsDropped} dropped)` : ''}`,
    `failed          ${stats.failed}${errors ? ` (${errors})` : ''}`,
    `retries         ${stats.retries}`,
    `robots denied   ${stats.robotsDenied}`,
    `offsite         ${stats.offsite}`,
    `duplicates      ${stats.duplicatesFiltered}`,
    `bytes           ${stats.bytes}`,
    ...(stats.cacheHits + stats.cacheMisses + stats.cacheRevalidations > 0
      ? [
          `http cache      ${stats.cacheHits} hits, ${stats.cacheMisses} misses, ${stats.cacheRevalidations} revalidated`,
        ]
      : []),
    `elapsed         ${(stats.elapsedMs / 1000).toFixed(2)} s (${stats.pagesPerSecond} pages/s)`,
  ].join('\n');
}
