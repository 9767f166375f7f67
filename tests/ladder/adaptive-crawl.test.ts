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

describe.skipIf(!up)('fetch: adaptive (http → script → browser)', () => {
  it('learns http for plain pages and script for script-built ones, per pattern, items all right', async () => {
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
      ['detail /built/**', 'script'],
      ['list /plain/**', 'http'],
      // The built listing's HTTP version has no links and no items: it must not count as the same result.
      ['list /built/**', 'script'],
    ]) {
      expect(stats.ladder[`${host} ${type}`]?.rung, type).toBe(rung);
      // Two samples; a page already on its way when the second sample settled the type is compared too.
      expect(stats.ladder[`${host} ${type}`]?.compared, type).toBeGreaterThanOrEqual(2);
    }
    // Every page's output is used once: 3 + 3 listings, 6 + 6 details. A compared page's output is the browser's;
    // each comparison fetched it on the two cheaper rungs too.
    const compared = Object.values(stats.ladder).reduce((sum, choice) => sum + choice.compared, 0);
    const used = Object.values(stats.pagesByRung).reduce((sum, pages) => sum + pages, 0);
    expect(used).toBe(18);
    expect(stats.pagesByRung.browser).toBe(compared);
    expect(stats.comparisonFetches).toBe(2 * compared);
    expect(stats.pagesByRung.script).toBeGreaterThanOrEqual(1);
    expect(stats.pagesByRung.http).toBeGreaterThanOrEqual(1);
  });

  it('downloads the pages waiting for a learning type on its likely rung, and uses them once it settles there', async () => {
    // Chromium's renders of detail pages are held until four detail pages were asked for over the cheaper rungs.
    // The two samples (p1, p2) ask for two; only pages fetched while the samples wait can bring the other two.
    const routes = ladderRoutes({ built: () => 'script' });
    const asked = new Set<string>();
    let opened: 'by pages' | 'by timeout' | undefined;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const bound = setTimeout(() => {
      opened ??= 'by timeout';
      open();
    }, 8_000);
    const site = await startLocalServer(async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (/\/p\d+$/.test(path)) {
        if (req.headers['sec-fetch-mode'] === 'navigate') await gate;
        else if (asked.add(path).size >= 4 && opened === undefined) {
          opened = 'by pages';
          open();
        }
      }
      routes(req, res);
    });
    const sink = memorySink();
    const spider = ladderSpider(site.origin, ['built'], { samples: 2, recheck: 0 });
    const stats = await crawl(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
    });
    clearTimeout(bound);
    expect(opened).toBe('by pages');
    expect(titlesOf(sink.items)).toEqual(expectedTitles('built'));
    const host = new URL(site.origin).host;
    expect(stats.ladder[`${host} detail`]?.rung).toBe('script');
    // The type settled on the rung they were fetched on: every such download was used, none fetched again.
    expect(stats.speculativeFetches).toBe(0);
    // A compared page was asked for on each rung (3 times); every other page once, by its kept download.
    const compared = stats.ladder[`${host} detail`]?.compared ?? 0;
    const counts = Array.from({ length: detailsPerSection }, (_, i) =>
      site.count(`/built/p${i + 1}`),
    );
    expect(counts.filter((count) => count === 3)).toHaveLength(compared);
    expect(counts.filter((count) => count === 1)).toHaveLength(detailsPerSection - compared);
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
    // One rung up: the script rung builds what the http rung lacked.
    expect(stats.ladder[`${host} detail`]).toMatchObject({ rung: 'script', mismatches: 1 });
    expect(events).toContain('detail http→script');
  });

  it('moves a page type down again when re-checks find the cheaper rung catching up', async () => {
    // The first two details need their script run; the rest are plain HTML. Every page is re-checked.
    const site = await startLocalServer(
      ladderRoutes({ settle: (path) => (/\/p[12]$/.test(path) ? 'script' : 'html') }),
    );
    const sink = memorySink();
    const moves: string[] = [];
    const spider = ladderSpider(site.origin, ['settle'], {
      samples: 2,
      recheck: 1,
      recheckMin: 1,
    });
    const stats = await createCrawler(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
      concurrency: 1,
    })
      .on('ladder:updated', moveLogger(moves))
      .run();
    expect(titlesOf(sink.items)).toEqual(expectedTitles('settle'));
    expect(moves).toContain('detail -→script');
    expect(moves).toContain('detail script→http');
    const host = new URL(site.origin).host;
    expect(stats.ladder[`${host} detail`]?.rung).toBe('http');
  });
});
