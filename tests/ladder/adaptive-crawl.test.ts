import { describe, expect, it } from 'vitest';
import type { CrawlEvents } from '../../src/crawler/events.js';
import { crawl, createCrawler } from '../../src/index.js';
import { chromiumPath, chromiumUp } from '../browser/fixtures.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { detailsPerSection, ladderRoutes, ladderSpider } from './site.js';

const up = await chromiumUp();

/** Records each move of a page type as `handler from→to` ('-' while learning). */
const moveLogger =
  (moves: string[]) =>
  ({ key, entry, from }: CrawlEvents['ladder:updated']) => {
    if (from !== entry.rung) moves.push(`${key.split(' ')[1]} ${from ?? '-'}→${entry.rung ?? '-'}`);
  };

const titlesOf = (items: readonly Record<string, unknown>[]) =>
  items.map((item) => String(item.title)).sort();

const expectedTitles = (...sections: string[]) =>
  sections
    .flatMap((section) =>
      Array.from({ length: detailsPerSection }, (_, i) => `${section} item ${i + 1}`),
    )
    .sort();

describe.skipIf(!up)('fetch: adaptive (http → browser)', () => {
  it('learns http for plain pages and the browser for script-built ones, per pattern, items all right', async () => {
    const site = await startLocalServer(
      ladderRoutes({ plain: () => 'html', built: () => 'script' }),
    );
    const sink = memorySink();
    const spider = ladderSpider(site.origin, ['plain', 'built'], {
      samples: 2,
      recheck: 0,
      patterns: ['/plain/**', '/built/**'],
    });
    const stats = await crawl(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
    });
    expect(titlesOf(sink.items)).toEqual(expectedTitles('plain', 'built'));
    expect(stats.failed).toBe(0);
    const host = new URL(site.origin).host;
    for (const [type, rung] of [
      ['detail /plain/**', 'http'],
      ['detail /built/**', 'browser'],
      ['list /plain/**', 'http'],
      // The built listing's HTTP version has no links and no items: it must not count as the same result.
      ['list /built/**', 'browser'],
    ]) {
      expect(stats.ladder[`${host} ${type}`]?.rung, type).toBe(rung);
      // Two samples; a page already on its way when the second sample settled the type is compared too.
      expect(stats.ladder[`${host} ${type}`]?.compared, type).toBeGreaterThanOrEqual(2);
    }
    // Every page's output is used once: 3 + 3 listings, 6 + 6 details. Each built page is used from the browser;
    // a plain page too while its type is compared, from http afterwards.
    expect((stats.pagesByRung.http ?? 0) + (stats.pagesByRung.browser ?? 0)).toBe(18);
    expect(stats.pagesByRung.browser).toBeGreaterThanOrEqual(9 + 4);
    expect(stats.pagesByRung.http).toBeGreaterThanOrEqual(1);
    // One extra (http) fetch per comparison, on two rungs.
    const compared = Object.values(stats.ladder).reduce((sum, choice) => sum + choice.compared, 0);
    expect(stats.comparisonFetches).toBe(compared);
  });

  it('moves a page type up when the cheap rung fails a page, and retries that page higher up', async () => {
    // The first details are plain HTML; from p3 on they are built by script, so the http rung finds no title.
    const site = await startLocalServer(
      ladderRoutes({ drift: (path) => (/\/p[3-9]$/.test(path) ? 'script' : 'html') }),
    );
    const sink = memorySink();
    const events: string[] = [];
    const spider = ladderSpider(site.origin, ['drift'], { samples: 2, recheck: 0 });
    const stats = await createCrawler(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
    })
      .on('ladder:updated', moveLogger(events))
      .run();
    expect(titlesOf(sink.items)).toEqual(expectedTitles('drift'));
    expect(stats.failed).toBe(0);
    const host = new URL(site.origin).host;
    expect(stats.ladder[`${host} detail`]).toMatchObject({ rung: 'browser', mismatches: 1 });
    expect(events).toContain('detail http→browser');
  });

  it('moves a page type down again when re-checks find the cheaper rung catching up', async () => {
    // The first two details need the browser; the rest are plain HTML. Every page is re-checked.
    const site = await startLocalServer(
      ladderRoutes({ settle: (path) => (/\/p[12]$/.test(path) ? 'script' : 'html') }),
    );
    const sink = memorySink();
    const moves: string[] = [];
    const spider = ladderSpider(site.origin, ['settle'], { samples: 2, recheck: 1 });
    const stats = await createCrawler(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
      concurrency: 1,
    })
      .on('ladder:updated', moveLogger(moves))
      .run();
    expect(titlesOf(sink.items)).toEqual(expectedTitles('settle'));
    expect(moves).toContain('detail -→browser');
    expect(moves).toContain('detail browser→http');
    const host = new URL(site.origin).host;
    expect(stats.ladder[`${host} detail`]?.rung).toBe('http');
  });
});
