import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { collectOutput } from '../helpers/wait.js';

let dir: string;
let site: LocalServer;
let spider: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-handler-timeout-'));
  site = await startLocalServer({
    '/robots.txt': 'User-agent: *\nAllow: /\n',
    '/': '<a href="/a">a</a><a href="/hang">hang</a><a href="/b">b</a>',
    '/a': '<p>a</p>',
    '/b': '<p>b</p>',
    '/hang': '<p>hang</p>',
  });
  // The handler of /hang never settles: before handlerTimeoutMs, Node exited with code 13, no stats, no export.
  spider = join(dir, 'spider.ts');
  await writeFile(
    spider,
    `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'hangs',
  start: ['${site.origin}/'],
  async *parse(page) {
    if (page.url.endsWith('/hang')) {
      process.stderr.write('hanging\\n');
      await new Promise(() => {});
    }
    yield { url: page.url };
    for (const link of page.links()) yield page.follow(link);
  },
});
`,
  );
});
afterAll(() => site.close());

const urls = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { url: string }).url)
    .sort();

describe('arachne crawl --handler-timeout-ms', () => {
  it('fails the hanging page with AR_HANDLER_TIMEOUT, exports the other items from the state file and exits 0', async () => {
    const out = join(dir, 'items.jsonl');
    const result = await runCli([
      'crawl',
      spider,
      '-o',
      out,
      '--state',
      join(dir, 'crawl.db'),
      '--handler-timeout-ms',
      '300',
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(await urls(out)).toEqual(['/', '/a', '/b'].map((path) => `${site.origin}${path}`));
    expect(result.stdout).toMatch(/failed\s+1 \(AR_HANDLER_TIMEOUT: 1\)/);
    expect(result.stderr).toContain(
      `[AR_HANDLER_TIMEOUT] handler "parse" did not finish within 300 ms (handlerTimeoutMs) — at ${site.origin}/hang`,
    );
  });

  it('with 0 waits for the handler until Ctrl-C, then ends with its stats and items', async () => {
    const out = join(dir, 'unbounded.jsonl');
    const run = spawn(
      process.execPath,
      [binPath, 'crawl', spider, '-o', out, '--handler-timeout-ms', '0', '--no-progress'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = collectOutput(run.stdout, run.stderr);
    const closed = new Promise<number | null>((resolve) => run.on('close', resolve));
    await output.match(/hanging/, 30_000);
    // Without a ref'd handle for the hanging handler, Node would exit with code 13 here, SIGINT or not (the grace
    // period's timer is unref'd).
    run.kill('SIGINT');
    const code = await closed;
    expect(code, output.text()).toBe(0);
    expect(output.text()).toMatch(/closed \(signal\)/);
    expect(output.text()).toMatch(/items scraped\s+\d/);
    expect(await urls(out)).toContain(`${site.origin}/`);
  }, 60_000);

  it('a second Ctrl-C exits at once (130), while the first is still waiting for a hanging handler', async () => {
    const run = spawn(
      process.execPath,
      [binPath, 'crawl', spider, '--handler-timeout-ms', '0', '--no-progress'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = collectOutput(run.stdout, run.stderr);
    const closed = new Promise<number | null>((resolve) => run.on('close', resolve));
    await output.match(/hanging/, 30_000);
    run.kill('SIGINT');
    await output.match(/press Ctrl-C again to quit now/, 10_000);
    run.kill('SIGINT');
    // The first signal alone ends the crawl with code 0 once its grace period (5 s) is over.
    expect(await closed, output.text()).toBe(130);
  }, 60_000);
});
