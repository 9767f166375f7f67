import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

describe('arachne crawl --render adaptive', () => {
  it('hands --adaptive-recheck-min to the ladder, which refuses one above --adaptive-recheck', async () => {
    const site = await startLocalServer({ '/': '<p>plain</p>' });
    const dir = await mkdtemp(join(tmpdir(), 'arachne-ladder-cli-'));
    const spiderFile = join(dir, 'spider.ts');
    await writeFile(
      spiderFile,
      `import { defineSpider } from 'arachne';
export default defineSpider({ name: 'plain', start: '${site.origin}/', *parse(page) { yield { text: page.text('p') }; } });
`,
    );
    const result = await runCli([
      'crawl',
      spiderFile,
      '--render',
      'adaptive',
      '--adaptive-recheck',
      '0.05',
      '--adaptive-recheck-min',
      '0.1',
      '--no-progress',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/recheckMin \(0\.1\) must not be above recheck \(0\.05\)/);
    // Refused before the crawl started: nothing was fetched.
    expect(site.count('/')).toBe(0);
  });
});
