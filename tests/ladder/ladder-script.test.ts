// The three rungs together: plain pages learned as http, script-built ones as script, and a page whose script needs
// what only a browser has (layout) learned as browser — each page type on the cheapest rung that gives the
// browser's output.
import { describe, expect, it } from 'vitest';
import { crawl } from '../../src/index.js';
import { chromiumPath, chromiumUp } from '../browser/fixtures.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { detailsPerSection, ladderRoutes, ladderSpider } from './site.js';

const up = await chromiumUp();

describe.skipIf(!up)('fetch: adaptive over http → script → browser', () => {
  it('learns http, script or browser per page type; every item right', async () => {
    const routes = ladderRoutes({
      plain: () => 'html',
      built: () => 'script',
      laid: () => 'script',
    });
    const site = await startLocalServer((req, res) => {
      // The "laid" section's details are written by a script that measures the layout first: a DOM without
      // layout (the script rung) reports no width, and the script gives up.
      if (req.url?.startsWith('/laid/p')) {
        const n = req.url.slice('/laid/p'.length);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          `<!doctype html><html><body><main id="app" style="width: 300px">x</main><script>
const box = document.getElementById('app');
if (box.getBoundingClientRect().width > 0) box.innerHTML = '<h1 class="title">laid item ${n}</h1>';
</script></body></html>`,
        );
        return;
      }
      routes(req, res);
    });
    const sink = memorySink();
    const stats = await crawl(
      ladderSpider(site.origin, ['plain', 'built', 'laid'], {
        samples: 2,
        recheck: 0,
        patterns: ['/plain/**', '/built/**', '/laid/**'],
      }),
      { output: sink, logLevel: 'silent', browserPath: chromiumPath },
    );
    const titles = sink.items.map((item) => String(item.title)).sort();
    const expected = ['plain', 'built', 'laid']
      .flatMap((s) => Array.from({ length: detailsPerSection }, (_, i) => `${s} item ${i + 1}`))
      .sort();
    expect(titles).toEqual(expected);
    expect(stats.failed).toBe(0);
    const host = new URL(site.origin).host;
    expect(stats.ladder[`${host} detail /plain/**`]?.rung).toBe('http');
    expect(stats.ladder[`${host} detail /built/**`]?.rung).toBe('script');
    expect(stats.ladder[`${host} detail /laid/**`]?.rung).toBe('browser');
    expect(stats.ladder[`${host} list /built/**`]?.rung).toBe('script');
    // Script-built pages past the samples were fetched by the script rung, not the browser.
    expect(stats.pagesByRung.script).toBeGreaterThan(0);
  });
});
