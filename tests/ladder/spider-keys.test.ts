import { describe, expect, it } from 'vitest';
import { crawl, defineSpider, request } from '../../src/index.js';
import { chromiumPath, chromiumUp, quotesJson, renderedList } from '../browser/fixtures.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const up = await chromiumUp();
const json = (body: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
};

describe('choosing the rung in a spider', () => {
  it('refuses unknown keys in the spider, its handler options, its adaptive settings and requests', () => {
    const base = { name: 's', start: 'http://127.0.0.1:9/', parse: () => undefined };
    expect(() => defineSpider({ ...base, browsr: true } as never)).toThrow(
      /unknown key "browsr" in spider "s" \(did you mean "browser"\?\)/,
    );
    expect(() => defineSpider({ ...base, handlerOptions: { pars: {} } })).toThrow(
      /unknown key "pars" in handlerOptions of spider "s" \(did you mean "parse"\?\)/,
    );
    expect(() =>
      defineSpider({ ...base, handlerOptions: { parse: { fetchh: 'browser' } as never } }),
    ).toThrow(
      /unknown key "fetchh" in handlerOptions.parse of spider "s" \(did you mean "fetch"\?\)/,
    );
    expect(() => defineSpider({ ...base, adaptive: { sample: 2 } as never })).toThrow(
      /unknown key "sample" in adaptive of spider "s" \(did you mean "samples"\?\)/,
    );
    expect(() => defineSpider({ ...base, adaptive: { recheck: 2 } })).toThrow(
      /recheck must be a share/,
    );
    expect(() => defineSpider({ ...base, adaptive: { recheck: 0.1, recheckMin: 0.2 } })).toThrow(
      /recheckMin must be a share between 0 and recheck \(0\.1\) \(got 0\.2\)/,
    );
    expect(() => defineSpider({ ...base, fetch: 'http', browser: true })).toThrow(
      /browser: true contradicts fetch: 'http'/,
    );
    expect(() => request('http://127.0.0.1:9/', { browsr: true } as never)).toThrow(
      /did you mean "browser"/,
    );
    expect(request('http://127.0.0.1:9/', { browser: true }).fetch).toBe('browser');
  });

  describe.skipIf(!up)('in Chromium', () => {
    it('browser: true on the spider renders its pages', async () => {
      const site = await startLocalServer({ '/': renderedList, '/quotes.json': json(quotesJson) });
      const sink = memorySink();
      await crawl(
        defineSpider({
          name: 'quotes',
          start: `${site.origin}/`,
          browser: true,
          // The list is built from a fetch after load: the browser rung waits for it.
          waitFor: 'body[data-ready]',
          *parse(page) {
            for (const quote of page.select('li.quote')) yield { quote: quote.text() };
          },
        }),
        { output: sink, logLevel: 'silent', browserPath: chromiumPath },
      );
      expect(sink.items.map((item) => item.quote)).toEqual(['one', 'two', 'three']);
    });

    it('handlerOptions give one handler the browser while the others stay on http', async () => {
      const site = await startLocalServer({
        '/': '<a href="/quotes">quotes</a>',
        '/quotes': renderedList,
        '/quotes.json': json(quotesJson),
      });
      const sink = memorySink();
      const stats = await crawl(
        defineSpider({
          name: 'mixed',
          start: `${site.origin}/`,
          handlerOptions: { quotes: { browser: true, waitFor: 'li.quote' } },
          *parse(page) {
            yield page.follow('/quotes', 'quotes');
          },
          *quotes(page) {
            for (const quote of page.select('li.quote')) yield { quote: quote.text() };
          },
        }),
        { output: sink, logLevel: 'silent', browserPath: chromiumPath },
      );
      expect(sink.items.map((item) => item.quote)).toEqual(['one', 'two', 'three']);
      expect(stats.pagesByRung).toEqual({ http: 1, browser: 1 });
    });
  });
});
