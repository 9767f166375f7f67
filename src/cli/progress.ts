/** The live progress line on a TTY (pages, items, pages/s, queued, errors); periodic log lines otherwise. */
import type { Crawler } from '../crawler/crawler.js';
import { setLiveLine } from '../crawler/logger.js';
import type { Stats } from '../crawler/stats.js';

export function showProgress(
  crawler: Crawler,
  stream: NodeJS.WriteStream = process.stderr,
): () => void {
  const tty = stream.isTTY === true;
  let lastResponses = 0;
  let lastAt = Date.now();
  let shown = '';
  // Log lines clear the progress line first and redraw it after, instead of gluing onto its end.
  if (tty) setLiveLine({ stream, current: () => shown });
  const tick = () => {
    const stats = crawler.stats();
    const now = Date.now();
    const rate = ((stats.responses - lastResponses) * 1000) / Math.max(1, now - lastAt);
    lastResponses = stats.responses;
    lastAt = now;
    const line = progressLine(stats, rate);
    if (tty) {
      shown = line;
      stream.write(`\r\x1b[2K${line}`);
    } else stream.write(`${new Date().toISOString()} INFO progress: ${line}\n`);
  };
  const timer = setInterval(tick, tty ? 250 : 10_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty) {
      setLiveLine(undefined);
      stream.write('\r\x1b[2K');
    }
  };
}

export function progressLine(stats: Stats, pagesPerSecond: number): string {
  const errors = stats.failed;
  return `pages ${stats.responses} | items ${stats.items} | ${pagesPerSecond.toFixed(0)} pages/s | queued ${stats.queued} | in flight ${stats.inFlight} | errors ${errors}`;
}
