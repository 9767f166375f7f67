import { describe, expect, it, vi } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { chromiumUp } from './fixtures.js';

// Counts the imports of the browser module (and so of playwright-core, which only it imports at run time).
const loads = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/browser/handler.js', async (original) => {
  loads.count++;
  return original();
});

const up = await chromiumUp();

const spider = (start: string, fetch: 'http' | 'browser') =>
  defineSpider({
    name: `lazy-${fetch}`,
    start,
    fetch,
    parse: (page) => ({ title: page.text('h1') }),
  });

describe('loading the browser rung', () => {
  it('a plain crawl never imports the browser module', async () => {
    const site = await startLocalServer({ '/': '<h1>plain</h1>' });
    const sink = memorySink();
    await crawl(spider(`${site.origin}/`, 'http'), { output: sink, logLevel: 'silent' });
    expect(sink.items).toEqual([{ title: 'plain' }]);
    expect(loads.count).toBe(0);
  });

  it.skipIf(!up)('the first browser request imports it, once', async () => {
    const site = await startLocalServer({ '/': '<h1>rendered</h1>' });
    const sink = memorySink();
    await crawl(spider(`${site.origin}/`, 'browser'), { output: sink, logLevel: 'silent' });
    expect(sink.items).toEqual([{ title: 'rendered' }]);
    expect(loads.count).toBe(1);
  });
});

describe('choosing the rung', () => {
  it('refuses a fetch value it does not know instead of guessing the browser', async () => {
    const loadsBefore = loads.count;
    const site = await startLocalServer({ '/': '<h1>x</h1>' });
    const spider = defineSpider({
      name: 'unknown-rung',
      start: `${site.origin}/`,
      // A JavaScript spider is not type-checked: 'jsdom' is no rung at all.
      fetch: 'jsdom' as unknown as 'http',
      parse: (page) => ({ title: page.text('h1') }),
    });
    // A ConfigError stops the crawl, as for any misconfigured spider: the user must fix it.
    await expect(crawl(spider, { logLevel: 'silent', output: memorySink() })).rejects.toMatchObject(
      {
        code: 'AR_CONFIG',
        message: expect.stringContaining("unknown fetch 'jsdom'"),
      },
    );
    expect(loads.count).toBe(loadsBefore);
  });
});
