import { describe, expect, it } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import {
  chromiumPath,
  chromiumUp,
  fullChromiumPath,
  quotesJson,
  renderedList,
} from './fixtures.js';

const up = await chromiumUp();

const json = (body: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
};

const quotesSpider = (start: string, fetch?: 'http' | 'browser') =>
  defineSpider({
    name: 'quotes',
    start,
    ...(fetch && { fetch }),
    // The list is built after load, from a fetch: the browser rung waits for it (HTTP pages ignore waitFor).
    waitFor: 'body[data-ready]',
    *parse(page) {
      for (const quote of page.select('li.quote')) yield { quote: quote.text() };
    },
  });

describe.skipIf(!up)('the browser rung in a crawl', () => {
  // The default is the headless shell where installed (CI installs both); the full browser must render the same.
  it.each([
    ['the default browser', chromiumPath],
    ['the full Chromium', fullChromiumPath],
  ])(
    'extracts items a script builds with fetch browser in %s, none with fetch http',
    async (_, browserPath) => {
      const site = await startLocalServer({ '/': renderedList, '/quotes.json': json(quotesJson) });
      const rendered = memorySink();
      const stats = await crawl(quotesSpider(`${site.origin}/`, 'browser'), {
        output: rendered,
        logLevel: 'silent',
        browserPath,
      });
      expect(rendered.items.map((item) => item.quote)).toEqual(['one', 'two', 'three']);
      expect(stats.failed).toBe(0);

      const plain = memorySink();
      await crawl(quotesSpider(`${site.origin}/`, 'http'), { output: plain, logLevel: 'silent' });
      expect(plain.items).toEqual([]);
      // The HTTP rung never runs the script: the JSON endpoint was asked once, by the browser.
      expect(site.count('/quotes.json')).toBe(1);
    },
  );

  it('gives the handler the live page: a click reveals what the HTML did not have', async () => {
    const site = await startLocalServer({
      '/': `<button id="more">more</button><div id="box"></div>
<script>
document.getElementById('more').addEventListener('click', () => {
  document.getElementById('box').innerHTML = '<p class="hidden-gem">revealed</p>';
});
</script>`,
    });
    const sink = memorySink();
    let livePage: import('playwright-core').Page | undefined;
    const spider = defineSpider({
      name: 'clicker',
      start: `${site.origin}/`,
      fetch: 'browser',
      async *parse(page) {
        livePage = page.browser;
        // The body is the DOM at load: the gem is not there yet.
        yield { before: page.select('.hidden-gem').length };
        await page.browser?.click('#more');
        yield { after: await page.browser?.textContent('.hidden-gem') };
      },
    });
    const stats = await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(stats.failed).toBe(0);
    expect(sink.items).toEqual([{ before: 0 }, { after: 'revealed' }]);
    // Released back to the pool once the handler's outcome was complete.
    expect(livePage?.isClosed()).toBe(true);
  });

  it('waits for the waitFor selector before taking the HTML', async () => {
    const site = await startLocalServer({
      '/': `<div id="late"></div><script>
setTimeout(() => { document.getElementById('late').innerHTML = '<li class="quote">late</li>'; }, 300);
</script>`,
    });
    const sink = memorySink();
    const spider = defineSpider({
      name: 'late',
      start: `${site.origin}/`,
      fetch: 'browser',
      waitFor: 'li.quote',
      *parse(page) {
        for (const quote of page.select('li.quote')) yield { quote: quote.text() };
      },
    });
    await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(sink.items).toEqual([{ quote: 'late' }]);
  });

  it('takes the rung from the render option when the spider names none', async () => {
    const site = await startLocalServer({ '/': renderedList, '/quotes.json': json(quotesJson) });
    const sink = memorySink();
    await crawl(quotesSpider(`${site.origin}/`), {
      output: sink,
      logLevel: 'silent',
      render: 'browser',
    });
    expect(sink.items).toHaveLength(3);
  });

  it('sends requests through robots.txt first: a disallowed page is never rendered', async () => {
    const site = await startLocalServer({
      '/robots.txt': 'User-agent: *\nDisallow: /secret\n',
      '/': '<a href="/secret">s</a><a href="/open">o</a><h1>home</h1>',
      '/secret': '<h1>secret</h1>',
      '/open': '<h1>open</h1>',
    });
    const sink = memorySink();
    const spider = defineSpider({
      name: 'robots',
      start: `${site.origin}/`,
      fetch: 'browser',
      *parse(page) {
        yield { title: page.text('h1') };
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const stats = await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(sink.items.map((item) => item.title).sort()).toEqual(['home', 'open']);
    expect(site.count('/secret')).toBe(0);
    expect(stats.robotsDenied).toBe(1);
    // robots.txt itself is fetched over HTTP, once.
    expect(site.count('/robots.txt')).toBe(1);
  });

  it('does not load images by default, and does with blockResources false', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      'base64',
    );
    const site = await startLocalServer({
      '/': '<h1>pic</h1><img src="/pic.png">',
      '/pic.png': (_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png),
    });
    const spider = defineSpider({
      name: 'pics',
      start: `${site.origin}/`,
      fetch: 'browser',
      parse: (page) => ({ title: page.text('h1') }),
    });
    await crawl(spider, { logLevel: 'silent', output: memorySink() });
    expect(site.count('/pic.png')).toBe(0);
    await crawl(spider, { logLevel: 'silent', output: memorySink(), blockResources: false });
    expect(site.count('/pic.png')).toBe(1);
  });
});

describe.skipIf(!up)('the browser rung when Chromium goes away mid-crawl', () => {
  it('retries the request that was in flight and loses no item', async () => {
    let hangArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      hangArrived = resolve;
    });
    let hangs = 0;
    const site = await startLocalServer({
      '/a': '<h1>a</h1>',
      // The first visit never answers: its navigation is in flight when the browser goes.
      '/b': (_req, res) => {
        hangs++;
        if (hangs === 1) hangArrived();
        else res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>b</h1>');
      },
    });
    const sink = memorySink();
    const spider = defineSpider({
      name: 'crash',
      start: [`${site.origin}/a`, `${site.origin}/b`],
      fetch: 'browser',
      async *parse(page) {
        yield { title: page.text('h1') };
        if (page.url.endsWith('/a')) {
          await arrived;
          // As a crash does: the whole browser goes, with /b's navigation in flight.
          await page.browser?.context().browser()?.close();
        }
      },
    });
    const stats = await crawl(spider, {
      output: sink,
      logLevel: 'silent',
      concurrency: 2,
      perHost: 2,
    });
    expect(sink.items.map((item) => item.title).sort()).toEqual(['a', 'b']);
    expect(stats.retries).toBe(1);
    expect(stats.failed).toBe(0);
    expect(hangs).toBe(2);
  });
});
