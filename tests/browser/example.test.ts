// examples/browser-shop.ts, run by the CLI as the README says, against a shop whose listing grows as it is
// scrolled and whose product pages are built from a JSON API after load, with an ad script that must not load.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { chromiumUp } from './fixtures.js';

const up = await chromiumUp();
const example = fileURLToPath(new URL('../../examples/browser-shop.ts', import.meta.url));

const listing = `<!doctype html><html><body style="margin:0"><div id="list"></div>
<script src="/ads/banner.js"></script>
<script>
const list = document.getElementById('list');
const add = (from) => {
  for (let id = from; id < from + 2; id++) {
    list.insertAdjacentHTML('beforeend', '<div style="height:600px"><a href="/product/' + id + '.html">p' + id + '</a></div>');
  }
};
add(1);
let more = true;
window.addEventListener('scroll', () => {
  if (more && window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 10) {
    more = false;
    setTimeout(() => add(3), 30);
  }
});
</script></body></html>`;

const product = `<!doctype html><html><body><h1 class="product-title"></h1><span class="price"></span><span class="sku"></span>
<script>
const id = location.pathname.match(/(\\d+)/)[1];
fetch('/api/' + id + '.json').then((r) => r.json()).then((p) => {
  document.querySelector('.price').textContent = '$' + p.price;
  document.querySelector('.sku').textContent = p.sku;
  document.querySelector('h1.product-title').textContent = p.title;
});
</script></body></html>`;

describe.skipIf(!up)('examples/browser-shop.ts', () => {
  it('crawls a rendered shop from the CLI: scrolled listing, API-built products, ads never requested', async () => {
    const site = await startLocalServer((req, res: ServerResponse) => {
      const url = req.url ?? '/';
      const api = /^\/api\/(\d+)\.json$/.exec(url);
      if (url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(listing);
      else if (/^\/product\/\d+\.html$/.test(url))
        res.writeHead(200, { 'content-type': 'text/html' }).end(product);
      else if (api)
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            title: `Product ${api[1]}`,
            price: Number(api[1]) * 10,
            sku: `SKU-${api[1]}`,
          }),
        );
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no');
    });
    const dir = await mkdtemp(join(tmpdir(), 'arachne-browser-example-'));
    const out = join(dir, 'products.jsonl');
    const before = process.env.SHOP_URL;
    process.env.SHOP_URL = `${site.origin}/`;
    try {
      const result = await runCli([
        'crawl',
        example,
        '--render',
        'browser',
        '-o',
        out,
        '--no-progress',
        '--browser-snapshot-dir',
        join(dir, 'snaps'),
      ]);
      expect(result.code, result.stderr).toBe(0);
      const items = (await readFile(out, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { title: string; price: number; sku: string });
      // Products 3 and 4 exist only after the scroll.
      expect(items.map((item) => item.sku).sort()).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4']);
      expect(items.find((item) => item.sku === 'SKU-3')).toMatchObject({
        title: 'Product 3',
        price: 30,
      });
      expect(site.count('/ads/banner.js')).toBe(0);
    } finally {
      if (before === undefined) delete process.env.SHOP_URL;
      else process.env.SHOP_URL = before;
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
