// `arachne crawl --sitemaps` says on stderr when a sitemap is over its URL cap, instead of cutting it silently.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Route, startLocalServer, text } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

describe('arachne crawl --sitemaps', () => {
  it('warns with the sitemap URL, the cap and how many URLs were not read', async () => {
    const routes: Record<string, Route> = { '/': '<p>home</p>' };
    const site = await startLocalServer(routes);
    routes['/robots.txt'] = text(`User-agent: *\nAllow: /\nSitemap: ${site.origin}/big.xml\n`);
    // 50,012 URLs, all offsite so that none is fetched: the cap, not the crawl, is under test.
    const locs = Array.from(
      { length: 50_012 },
      (_, i) => `<url><loc>https://elsewhere.invalid/p${i}</loc></url>`,
    );
    routes['/big.xml'] = text(`<urlset>${locs.join('')}</urlset>`);
    const dir = await mkdtemp(join(tmpdir(), 'arachne-sitemap-cap-'));
    const spider = join(dir, 'spider.ts');
    await writeFile(
      spider,
      `import { defineSpider } from 'arachne';
export default defineSpider({ name: 'capped', start: ['${site.origin}/'], parse: () => undefined });
`,
    );
    const result = await runCli(['crawl', spider, '--sitemaps', '--max-depth', '0']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `WARN sitemap ${site.origin}/big.xml: 50,000 URL cap per sitemap reached, 12 URLs not read`,
    );
    expect(result.stderr).toContain(
      `INFO sitemap ${site.origin}/big.xml: 0 URLs kept; skipped 50000 offsite, 12 overCap`,
    );
    expect(site.paths.sort()).toEqual(['/', '/big.xml', '/robots.txt']);
  });
});
