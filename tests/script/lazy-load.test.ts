import { describe, expect, it, vi } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

// Counts the imports of the script rung (and so of isolated-vm and esbuild) and of the browser rung.
const loads = vi.hoisted(() => ({ script: 0, browser: 0 }));
vi.mock('../../src/script/handler.js', async (original) => {
  loads.script++;
  return original();
});
vi.mock('../../src/browser/handler.js', async (original) => {
  loads.browser++;
  return original();
});

const spider = (start: string, fetch: 'http' | 'script') =>
  defineSpider({
    name: `lazy-${fetch}`,
    start,
    fetch,
    parse: (page) => ({ title: page.text('h1') }),
  });

describe('loading the script rung', () => {
  it('a plain crawl never imports it', async () => {
    const site = await startLocalServer({ '/': '<h1>plain</h1>' });
    const sink = memorySink();
    await crawl(spider(`${site.origin}/`, 'http'), { output: sink, logLevel: 'silent' });
    expect(sink.items).toEqual([{ title: 'plain' }]);
    expect(loads).toEqual({ script: 0, browser: 0 });
  });

  it('the first script request imports it, once, and never the browser', async () => {
    const site = await startLocalServer({
      '/': '<h1></h1><a href="/2">2</a><script>document.querySelector("h1").textContent = "scripted"</script>',
      '/2': '<h1></h1><script>document.querySelector("h1").textContent = "second"</script>',
    });
    const sink = memorySink();
    await crawl(
      defineSpider({
        name: 'lazy-two',
        start: `${site.origin}/`,
        fetch: 'script',
        *parse(page) {
          yield { title: page.text('h1') };
          for (const href of page.links('a')) yield page.follow(href);
        },
      }),
      { output: sink, logLevel: 'silent', robots: false },
    );
    expect(sink.items).toEqual([{ title: 'scripted' }, { title: 'second' }]);
    expect(loads).toEqual({ script: 1, browser: 0 });
  });
});
