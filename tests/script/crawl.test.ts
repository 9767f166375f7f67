import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { httpHandler } from '../../src/crawler/download-handlers/http-handler.js';
import { createTransport } from '../../src/http/transport.js';
import { crawl, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const json = (body: unknown) => (_req: unknown, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const js = (body: string) => (_req: unknown, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
};

// Each page builds its <li class="p"> items by script only; the HTML itself has none.
const pages = {
  '/inline': `<ul id="l"></ul><script>
    var names = ['a', 'b'];
    document.getElementById('l').innerHTML = names.map(function (n) { return '<li class="p">' + n + '</li>'; }).join('');
  </script>`,
  '/external': `<ul id="l"></ul><script src="/app.js"></script><script>render(['from-external'])</script>`,
  '/app.js': js(`function render(names) {
    for (var i = 0; i < names.length; i++) {
      var li = document.createElement('li'); li.className = 'p'; li.textContent = names[i];
      document.getElementById('l').appendChild(li);
    }
  }`),
  '/fetch': `<ul id="l"></ul><script>
    fetch('/data.json').then(function (r) { return r.json(); }).then(function (d) {
      document.getElementById('l').innerHTML = d.items.map(function (n) { return '<li class="p">' + n + '</li>'; }).join('');
    });
  </script>`,
  '/data.json': json({ items: ['fetched-1', 'fetched-2'] }),
  // A loader inserts a script (JSONP); its load event fires once it ran.
  '/inserted': `<ul id="l"></ul><script>
    function add(name) { var li = document.createElement('li'); li.className = 'p'; li.textContent = name; document.getElementById('l').appendChild(li); }
    function cb(names) { names.forEach(add); }
    var s = document.createElement('script');
    s.src = '/jsonp.js';
    s.onload = function () { add('loaded'); };
    document.head.appendChild(s);
  </script>`,
  '/jsonp.js': js(`cb(['via-jsonp']);`),
  '/xhr': `<ul id="l"></ul><script>
    var x = new XMLHttpRequest();
    x.open('GET', '/data.json');
    x.onload = function () {
      var d = JSON.parse(x.responseText);
      document.getElementById('l').innerHTML = '<li class="p">xhr-' + d.items.length + '</li>';
    };
    x.send();
  </script>`,
  '/timers': `<ul id="l"></ul><script>
    var n = 0;
    function step() {
      n++;
      var li = document.createElement('li'); li.className = 'p'; li.textContent = 'tick-' + n;
      document.getElementById('l').appendChild(li);
      if (n < 3) setTimeout(step, 1000);
    }
    document.addEventListener('DOMContentLoaded', function () { setTimeout(step, 500); });
  </script>`,
};

const listSpider = (starts: string[]) =>
  defineSpider({
    name: 'scripted',
    start: starts,
    fetch: 'script',
    *parse(page) {
      yield { path: new URL(page.url).pathname, names: page.select('li.p').map((li) => li.text()) };
    },
  });

const byPath = (items: readonly Record<string, unknown>[]) =>
  Object.fromEntries(items.map((item) => [item.path, item.names]));

describe('the script rung in a crawl', () => {
  it('extracts what inline, external, fetch, XHR, timer and inserted scripts build; plain HTTP sees none of it', async () => {
    const site = await startLocalServer(pages);
    const starts = ['/inline', '/external', '/fetch', '/xhr', '/timers', '/inserted'].map(
      (p) => site.origin + p,
    );
    const sink = memorySink();
    const stats = await crawl(listSpider(starts), {
      output: sink,
      logLevel: 'silent',
      robots: false,
    });
    expect(byPath(sink.items)).toEqual({
      '/inline': ['a', 'b'],
      '/external': ['from-external'],
      '/fetch': ['fetched-1', 'fetched-2'],
      '/xhr': ['xhr-2'],
      '/timers': ['tick-1', 'tick-2', 'tick-3'],
      '/inserted': ['via-jsonp', 'loaded'],
    });
    expect(stats.failed).toBe(0);
    // app.js, data.json twice and jsonp.js: every script request went through the crawl and was counted.
    expect(stats.scriptRequests).toBe(4);
    expect(stats.scriptRequestsRefused).toBe(0);
    expect(site.count('/data.json')).toBe(2);

    const plain = memorySink();
    await crawl(
      { ...listSpider(starts), fetch: 'http' },
      { output: plain, logLevel: 'silent', robots: false },
    );
    expect(plain.items.every((item) => (item.names as string[]).length === 0)).toBe(true);
  });

  it('ends an endless loop, a timer storm and a page that never settles with their own error; the rest is crawled', async () => {
    const site = await startLocalServer({
      '/loop': '<script>while (true) {}</script>',
      '/storm': '<script>function f() { setTimeout(f, 0); } f();</script>',
      '/forever':
        '<p id="x"></p><script>fetch("/hang").then(function () { document.getElementById("x").textContent = "no"; });</script>',
      '/hang': () => {}, // never answers
      '/good': pages['/inline'],
    });
    const sink = memorySink();
    const started = Date.now();
    const stats = await crawl(
      listSpider(['/loop', '/storm', '/forever', '/good'].map((p) => site.origin + p)),
      // A page's requests still in flight when it ends are not cut; the crawl's timeout bounds them. A budget of
      // seconds, not less: a 2-core machine running the suite may take over a second to start an isolate.
      { output: sink, logLevel: 'silent', robots: false, scriptTimeoutMs: 3000, timeoutMs: 6000 },
    );
    expect(byPath(sink.items)).toEqual({ '/good': ['a', 'b'] });
    expect(stats.errorsByCode).toEqual({ AR_SCRIPT_TIMEOUT: 2, AR_SCRIPT: 1 });
    // Deterministic: the same page runs into the same bound, so none is retried.
    expect(stats.retries).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a page fetch() to a robots.txt-disallowed path or a private address fails like a refused fetch, the page is still extracted', async () => {
    const privateTarget = await startLocalServer({ '/secret': 'secret' }, { host: '127.0.0.1' });
    const probe = (id: string, url: string) => `<p id="${id}"></p><script>
      fetch(${JSON.stringify(url)}).then(function (r) { return r.text(); }).then(
        function (t) { document.getElementById('${id}').textContent = 'got ' + t; },
        function (e) { document.getElementById('${id}').textContent = e.name + ': ' + e.message; });
    </script>`;
    const site = await startLocalServer(
      {
        '/robots.txt': 'User-agent: *\nDisallow: /private/\n',
        '/private/data': 'private data',
        '/page': `${probe('robots', '/private/data')}${probe('ssrf', `${privateTarget.origin}/secret`)}`,
      },
      { host: '127.0.0.2' },
    );
    // The test's own server is on 127.0.0.2, let through; any other private address (127.0.0.1 here) is not.
    const http = httpHandler(
      createTransport({ egress: { allowPrivate: false, allow: ['127.0.0.2'] } }),
      {
        timeoutMs: 5000,
        connectTimeoutMs: 5000,
        maxBytes: 1_000_000,
      },
    );
    const sink = memorySink();
    const stats = await crawl(
      defineSpider({
        name: 'guarded',
        start: `${site.origin}/page`,
        fetch: 'script',
        allowedDomains: ['127.0.0.2', '127.0.0.1'],
        *parse(page) {
          yield { robots: page.select('#robots').text(), ssrf: page.select('#ssrf').text() };
        },
      }),
      { output: sink, logLevel: 'silent', downloadHandlers: { 'http:': http } },
    );
    expect(stats.errorsByCode).toEqual({});
    expect(sink.items).toHaveLength(1);
    const [item] = sink.items as { robots: string; ssrf: string }[];
    expect(item?.robots).toMatch(/^TypeError: Failed to fetch: AR_ROBOTS_DENIED/);
    expect(item?.ssrf).toMatch(/^TypeError: Failed to fetch: AR_EGRESS_DENIED/);
    expect(stats.scriptRequests).toBe(2);
    expect(stats.scriptRequestsRefused).toBe(2);
    // Neither request reached a server.
    expect(site.count('/private/data')).toBe(0);
    expect(privateTarget.connections).toBe(0);
  });

  it("holds a page's own requests to the crawl's per-host delay, as the scheduler holds pages", async () => {
    const site = await startLocalServer({
      '/robots.txt': '',
      '/': `<ul id="l"></ul><script>
        Promise.all([1, 2, 3].map(function (n) { return fetch('/n' + n + '.json').then(function (r) { return r.json(); }); }))
          .then(function (all) { document.getElementById('l').innerHTML = all.map(function (v) { return '<li class="p">' + v + '</li>'; }).join(''); });
      </script>`,
      '/n1.json': json(1),
      '/n2.json': json(2),
      '/n3.json': json(3),
    });
    const sink = memorySink();
    await crawl(
      defineSpider({
        name: 'polite',
        start: `${site.origin}/`,
        fetch: 'script',
        *parse(page) {
          for (const li of page.select('li.p')) yield { v: li.text() };
        },
      }),
      { output: sink, logLevel: 'silent', delayMs: 250 },
    );
    expect(sink.items.map((item) => item.v)).toEqual(['1', '2', '3']);
    // The page, then its three requests: each request to the host about the delay after the one before. Arrival
    // times are read by a server in this process, whose event loop a busy machine delays: one late arrival shortens
    // the next gap (239 ms was seen), so the span is held to the delay and each gap to most of it.
    const times = site.requests.filter((r) => r.path !== '/robots.txt').map((r) => r.at);
    expect(times).toHaveLength(4);
    expect((times[3] as number) - (times[0] as number)).toBeGreaterThanOrEqual(3 * 240);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(200);
    }
  });
});
