import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

describe('arachne crawl --render script', () => {
  it('runs a plain spider on the script rung and writes the items the page scripts built', async () => {
    const site = await startLocalServer({
      '/': `<ul id="q"></ul><script>
fetch('/quotes.json').then(function (r) { return r.json(); }).then(function (quotes) {
  document.getElementById('q').innerHTML = quotes.map(function (q) { return '<li class="quote">' + q + '</li>'; }).join('');
});
</script>`,
      '/quotes.json': (_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('["one","two","three"]'),
    });
    const dir = await mkdtemp(join(tmpdir(), 'arachne-script-cli-'));
    const spiderFile = join(dir, 'spider.ts');
    // No fetch in the spider: the flag picks the rung for the whole crawl.
    await writeFile(
      spiderFile,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'quotes',
  start: '${site.origin}/',
  *parse(page) {
    for (const quote of page.select('li.quote')) yield { quote: quote.text() };
  },
});
`,
    );
    const out = join(dir, 'items.jsonl');
    const result = await runCli([
      'crawl',
      spiderFile,
      '--render',
      'script',
      '--script-timeout',
      '3000',
      '-o',
      out,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const items = (await readFile(out, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
    expect(items).toEqual([{ quote: 'one' }, { quote: 'two' }, { quote: 'three' }]);
    expect(site.count('/quotes.json')).toBe(1);
  });
});
