// Chromium killed (SIGKILL, every process of it) twice mid-crawl with pages in flight: the pages it took with it
// are retried in a relaunched browser, and every item is still extracted exactly once.
import type { ServerResponse } from 'node:http';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserProcessIds } from '../../src/browser/memory.js';
import { createCrawler, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { chromiumPath, chromiumUp } from './fixtures.js';

const up = await chromiumUp();
const PAGES = 30;

describe.skipIf(!up)('a browser crash mid-crawl', () => {
  it('loses nothing: every page extracted once after two kills', async () => {
    // Slow pages, so that when the browser dies there are navigations in flight.
    const site = await startLocalServer((req, res: ServerResponse) => {
      const id = /^\/p\/(\d+)$/.exec(req.url ?? '')?.[1];
      if (id === undefined) {
        res.writeHead(404).end();
        return;
      }
      setTimeout(
        () =>
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(
              `<div id="x"></div><script>document.getElementById('x').textContent = 'item-${id}';</script>`,
            ),
        150,
      );
    });
    let browser: Browser | undefined;
    const killedPids: number[] = [];
    const kills: Promise<void>[] = [];
    const spider = defineSpider({
      name: 'crash',
      start: Array.from({ length: PAGES }, (_, i) => `${site.origin}/p/${i}`),
      fetch: 'browser',
      parse(page) {
        browser = page.browser?.context().browser() ?? browser;
        return { id: page.text('#x') };
      },
    });
    const kill = async () => {
      const target = browser;
      if (!target) throw new Error('no browser seen yet');
      const pids = await browserProcessIds(target);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
          killedPids.push(pid);
        } catch {
          // gone already
        }
      }
    };
    let scraped = 0;
    let inFlightAtKill = 0;
    let started = 0;
    let settled = 0;
    const sink = memorySink();
    const stats = await createCrawler(spider, {
      output: sink,
      logLevel: 'silent',
      browserPath: chromiumPath,
      concurrency: 4,
      perHost: 4,
      browserConcurrency: 4,
      retries: 3,
    })
      .on('request:started', () => started++)
      .on('request:settled', () => settled++)
      .on('item:scraped', () => {
        scraped++;
        if (scraped === 8 || scraped === 19) {
          inFlightAtKill += started - settled;
          kills.push(kill());
        }
      })
      .run();
    await Promise.all(kills);

    const ids = sink.items.map((item) => item.id as string);
    expect(ids).toHaveLength(PAGES);
    expect(new Set(ids).size).toBe(PAGES);
    expect([...ids].sort()).toEqual(Array.from({ length: PAGES }, (_, i) => `item-${i}`).sort());
    expect(killedPids.length).toBeGreaterThan(2); // the browser and its renderers, twice
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(stats.retries).toBeGreaterThan(0); // the pages the kills took were fetched again
    expect(stats.failed).toBe(0);
  }, 120_000); // three launches of Chromium on a busy machine
});
