// The live progress line on a terminal and log lines share stderr: a log line clears the progress line first.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { showProgress } from '../../src/cli/progress.js';
import type { Crawler } from '../../src/crawler/crawler.js';
import { createLog } from '../../src/crawler/logger.js';
import { StatsCollector } from '../../src/crawler/stats.js';
import { waitFor } from '../helpers/wait.js';

afterEach(() => vi.restoreAllMocks());

describe('the live progress line', () => {
  it('is cleared before a log line and redrawn after it', async () => {
    const written: string[] = [];
    // A terminal: progress draws on it; the log writes to process.stderr, captured in the same order.
    const terminal = {
      isTTY: true,
      write: (chunk: string) => written.push(chunk) > 0,
    } as unknown as NodeJS.WriteStream;
    vi.spyOn(process.stderr, 'write').mockImplementation(
      (chunk) => written.push(String(chunk)) > 0,
    );
    const stats = new StatsCollector();
    const crawler = { stats: () => stats.snapshot() } as unknown as Crawler;
    const stop = showProgress(crawler, terminal);
    try {
      await waitFor('the progress line', () =>
        written.some((chunk) => chunk.includes('pages 0')) ? true : undefined,
      );
      written.length = 0;
      createLog('info').warn('something happened');
      const text = written.join('');
      const clear = '\r\x1b[2K';
      expect(text.startsWith(clear)).toBe(true);
      expect(text.slice(clear.length)).toMatch(/^\S+ WARN something happened\n/);
      expect(
        text.endsWith('pages 0 | items 0 | 0 pages/s | queued 0 | in flight 0 | errors 0'),
      ).toBe(true);
    } finally {
      stop();
    }
    written.length = 0;
    createLog('info').warn('after the crawl');
    expect(written.join('')).toMatch(/^\S+ WARN after the crawl\n$/);
  });
});
