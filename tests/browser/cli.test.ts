import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { chromiumUp, quotesJson, renderedList } from './fixtures.js';

const up = await chromiumUp();

describe.skipIf(!up)('arachne crawl --render browser', () => {
  it('renders a plain spider in Chromium and writes the items', async () => {
    const site = await startLocalServer({
      '/': renderedList,
      '/quotes.json': (_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(quotesJson),
    });
    const dir = await mkdtemp(join(tmpdir(), 'arachne-browser-cli-'));
    const spiderFile = join(dir, 'spider.ts');
    // No fetch in the spider: the flag picks the rung for the whole crawl.
    await writeFile(
      spiderFile,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'quotes',
  start: '${site.origin}/',
  waitFor: 'body[data-ready]',
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
      'browser',
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
  });
});
