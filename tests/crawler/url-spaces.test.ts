import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  minHashSketch,
  resemblance,
  urlTemplate,
  visibleTextHash,
} from '../../src/crawler/url-spaces.js';
import { crawl, defineSpider, type Stats } from '../../src/index.js';
import { blogPosts, startHostileSite } from '../helpers/hostile-site.js';

describe('urlTemplate', () => {
  it.each([
    ['https://a.test/cal/2027/01', 'https://a.test/cal/#/#'],
    ['https://a.test/cal/2027-01-05?view=day&sid=9', 'https://a.test/cal/#-#-#?sid&view'],
    ['https://a.test/s/3f9a0c1b77e24d5a9e0b1c2d/home', 'https://a.test/s/*/home'],
    ['https://a.test/search?q=a&q=a&q=a', 'https://a.test/search?q'],
    ['https://a.test/peps/pep-0008/', 'https://a.test/peps/pep-#/'],
    ['https://a.test/', 'https://a.test/'],
  ])('%s → %s', (url, template) => {
    expect(urlTemplate(url)).toBe(template);
  });
});

describe('visibleTextHash', () => {
  const hash = (html: string) => [...visibleTextHash(html)].join(':');

  it('hashes the text between tags, not markup, scripts, styles or comments', () => {
    const html = `<html><head><title>T</title><STYLE>p{}</STYLE><script>var a = "<p>x</p>";</script></head>
      <body><!-- hidden <b>x</b> --><p class="x">Hello <b>big</b>\n\n world</p><script src=a.js></script>end</body>`;
    expect(hash(html)).toBe(hash('T Hello big world end'));
    // The same text under other attributes (a fresh token in every link) and other whitespace hashes alike.
    expect(hash('<a href="/t/abc">Hello</a>  world')).toBe(
      hash('<a href="/t/xyz" class=k>Hello</a>\nworld'),
    );
  });

  it('tells different texts apart, word order included', () => {
    expect(hash('<p>Hello world</p>')).not.toBe(hash('<p>Hello World</p>'));
    expect(hash('<p>Hello world</p>')).not.toBe(hash('<p>world Hello</p>'));
    expect(hash('<p>No posts.</p>')).not.toBe(hash('<p>No posts</p>'));
    expect(hash('<p>a</p><script>x</script>')).not.toBe(hash('<p>a</p><p>x</p>'));
    const distinct = new Set(
      Array.from({ length: 5000 }, (_, i) => hash(`<p>Page ${i} of the archive</p>`)),
    );
    expect(distinct.size).toBe(5000);
  });

  it('is linear in the page size', () => {
    const chunk = '<div><script>x</script><a href="/x">link</a><!-- c --></div>';
    const time = (n: number) => {
      const html = chunk.repeat(n);
      const start = performance.now();
      visibleTextHash(html);
      return performance.now() - start;
    };
    time(1000);
    expect(time(200_000) / Math.max(time(20_000), 0.5)).toBeLessThan(40);
  });
});

describe('resemblance of MinHash sketches', () => {
  const month = (name: string) =>
    `${name} 2027 Home About Contact Press Jobs Privacy Terms Help ${name} 2027 Mon Tue Wed Thu Fri Sat Sun ${Array.from({ length: 31 }, (_, i) => i + 1).join(' ')} No events this month. Previous month Next month © 2026 Hostile Site Ltd. All rights reserved.`;
  const shuffled = (seed: number) => {
    const words =
      'river stone lantern orbit maple copper harbor violet engine meadow signal quartz'.split(' ');
    let state = seed;
    return Array.from({ length: 150 }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return words[(state >>> 16) % words.length];
    }).join(' ');
  };

  it('calls two months of an empty calendar near-duplicates', () => {
    expect(
      resemblance(minHashSketch(month('January')), minHashSketch(month('February'))),
    ).toBeGreaterThanOrEqual(0.8);
  });

  it('tells apart two texts with the same words in another order', () => {
    expect(resemblance(minHashSketch(shuffled(1)), minHashSketch(shuffled(2)))).toBeLessThan(0.5);
  });

  it('gives 1 for the same text and 0 for texts with nothing in common', () => {
    expect(resemblance(minHashSketch(month('May')), minHashSketch(month('May')))).toBe(1);
    expect(resemblance(minHashSketch('a b c d e f'), minHashSketch('g h i j k l'))).toBe(0);
  });
});

describe('endless URL spaces, with default options', () => {
  async function crawlSite(options: Record<string, unknown> = {}) {
    const site = await startHostileSite();
    const posts: string[] = [];
    const spider = defineSpider({
      name: 'hostile',
      start: [`${site.origin}/`],
      parse(page) {
        if (page.url.includes('/blog/')) posts.push(page.url);
        return page.links().map((link) => page.follow(link));
      },
    });
    const stats: Stats = await crawl(spider, {
      logLevel: process.env.DEBUG_TRAPS ? 'debug' : 'silent',
      concurrency: 4,
      maxPages: 5000,
      ...options,
    });
    return { site, posts, stats };
  }

  it('stops each trap within a bounded number of requests and still fetches every real page', async () => {
    const { site, posts, stats } = await crawlSite();
    const costs = {
      calendar: site.hits('/calendar/'),
      archive: site.hits('/archive'),
      sessionTokens: site.hits('/t/'),
      search: site.hits('/search'),
    };
    if (process.env.DEBUG_TRAPS) console.log(costs);
    // Budgets: 30 unproductive pages in a row per template, 10 duplicate pages per host (plus what was in flight).
    expect(costs.calendar).toBeLessThanOrEqual(45);
    expect(costs.archive).toBeLessThanOrEqual(45);
    expect(costs.search).toBeLessThanOrEqual(45);
    expect(costs.sessionTokens).toBeLessThanOrEqual(60);
    expect(posts.length).toBe(blogPosts);
    expect(stats.trapsByReason['unproductive-template']).toBeGreaterThan(0);
    expect(stats.trapsByReason['duplicate-content']).toBeGreaterThan(0);
    expect(stats.closeReason).toBe('finished');
  });

  it('keeps the duplicate-content guard with handlers in threads, which hash the text', async () => {
    const site = await startHostileSite();
    const dir = await mkdtemp(join(tmpdir(), 'arachne-traps-'));
    const file = join(dir, 'hostile.ts');
    await writeFile(
      file,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'hostile-threads',
  start: ['${site.origin}/'],
  parse(page) {
    return page.links().map((link) => page.follow(link));
  },
});
`,
    );
    const stats = await crawl(file, {
      logLevel: 'silent',
      concurrency: 4,
      maxPages: 5000,
      threads: 2,
    });
    expect(site.hits('/t/')).toBeLessThanOrEqual(60);
    expect(site.hits('/blog/')).toBe(blogPosts);
    expect(stats.trapsByReason['duplicate-content']).toBeGreaterThan(0);
    expect(stats.closeReason).toBe('finished');
    await site.close();
  }, 120_000);

  it('spends its whole page budget in the traps when the guards are off', async () => {
    const { site, posts } = await crawlSite({
      maxPages: 400,
      traps: {
        maxUnproductivePages: Number.POSITIVE_INFINITY,
        maxDuplicatePages: Number.POSITIVE_INFINITY,
      },
    });
    expect(site.hits('/calendar/') + site.hits('/t/') + site.hits('/search')).toBeGreaterThan(200);
    expect(posts.length).toBeLessThan(blogPosts);
  });
});
