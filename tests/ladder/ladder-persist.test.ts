// The ladder's choice outlives the process: kept in the state file across kill -9 and resume, and shared by Redis
// workers. Checked from the server's side: Chromium announces itself as HeadlessChrome in its user agent.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { LadderEntry } from '../../src/crawler/ladder/ladder.js';
import type { Stats } from '../../src/crawler/stats.js';
import { crawlPrefix } from '../../src/distributed/index.js';
import { chromiumPath, chromiumUp } from '../browser/fixtures.js';
import { connect, dropCrawl, newCrawlId, redisUp, redisUrl } from '../distributed/redis-helpers.js';
import { startLocalServer } from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { collectOutput, type Output, waitFor } from '../helpers/wait.js';

const up = await chromiumUp();
const dir = await mkdtemp(join(tmpdir(), 'arachne-ladder-'));
const details = 40;

/** /list links to every detail; details are plain HTML, answered after `delayMs`, or held while `hold` says so. */
function site(hold: { on: boolean; reached?: () => void }, delayMs = 0) {
  const held: ServerResponse[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (path === '/robots.txt') {
      res.writeHead(404).end();
      return;
    }
    if (path === '/list') {
      const links = Array.from(
        { length: details },
        (_, i) => `<a class="d" href="/p${i + 1}">p</a>`,
      );
      res.writeHead(200, { 'content-type': 'text/html' }).end(links.join('\n'));
      return;
    }
    const send = () =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1 class="t">item ${path}</h1>`);
    if (hold.on && path === `/p${details}`) {
      held.push(res);
      hold.reached?.();
      return;
    }
    setTimeout(send, delayMs);
  };
  return { handler, held };
}

async function spiderFile(origin: string): Promise<string> {
  const path = join(dir, `spider-${Math.random().toString(36).slice(2)}.ts`);
  await writeFile(
    path,
    `import { defineSpider, request } from 'arachne';
export default defineSpider({
  name: 'ladder-persist',
  start: () => [request('${origin}/list', { handler: 'list' })],
  fetch: 'adaptive',
  adaptive: { samples: 2, recheck: 0 },
  *list(page) {
    for (const a of page.select('a.d')) yield page.follow(a.attr('href') ?? '', 'detail');
  },
  *detail(page) {
    yield { url: page.url, title: page.text('h1.t') };
  },
});
`,
  );
  return path;
}

function start(args: string[]): { child: ChildProcess; exit: Promise<number | null>; err: Output } {
  const child = spawn(
    process.execPath,
    [binPath, ...args, '--browser-path', chromiumPath, '--no-progress', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const err = collectOutput(child.stderr);
  // A failed assertion must not leave a crawl (and its Chromium) running after the test.
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, err, exit: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
}

const browserHits = (requests: { headers: IncomingMessage['headers'] }[]) =>
  requests.filter((r) => String(r.headers['user-agent']).includes('HeadlessChrome')).length;

describe.skipIf(!up)('the learned rung outlives the process', () => {
  it('is kept in the state file across kill -9 and resume', async () => {
    let reached!: () => void;
    const heldReached = new Promise<void>((resolve) => (reached = resolve));
    const hold = { on: true, reached };
    const { handler } = site(hold);
    const server = await startLocalServer(handler);
    const spider = await spiderFile(server.origin);
    const state = join(dir, 'crawl.db');
    const out = join(dir, 'items.jsonl');
    const first = start(['crawl', spider, '--state', state, '-o', out, '--concurrency', '2']);
    await heldReached; // every detail but the last is done: the detail type settled long ago
    const db = new Database(state, { readonly: true });
    const rows = db.prepare('SELECT key, entry FROM ladder').all() as {
      key: string;
      entry: string;
    }[];
    db.close();
    const host = new URL(server.origin).host;
    const detail = rows.find((row) => row.key === `${host} detail`);
    // Two samples, or three: a page planned while the type was still learning is compared when it ends.
    const learned = JSON.parse(detail?.entry ?? '{}') as LadderEntry;
    expect(learned.rung).toBe('http');
    expect(learned.compared).toBeGreaterThanOrEqual(2);
    first.child.kill('SIGKILL');
    await first.exit;

    hold.on = false;
    const before = browserHits(server.requests);
    const statsFile = join(dir, 'resumed-stats.json');
    const second = start(['crawl', spider, '--state', state, '-o', out, '--stats', statsFile]);
    expect(await second.exit, second.err.text()).toBe(0);
    // The resumed run fetched what was left over plain HTTP only: no comparison, no browser.
    expect(browserHits(server.requests)).toBe(before);
    const stats = JSON.parse(await readFile(statsFile, 'utf8')) as Stats;
    expect(stats.comparisonFetches).toBe(0);
    expect(stats.pagesByRung.http).toBeGreaterThan(0);
    expect(stats.ladder[`${host} detail`]).toMatchObject({
      rung: 'http',
      compared: learned.compared,
    });
    const shown = await runCli(['state', 'show', state]);
    expect(shown.stdout).toMatch(
      new RegExp(`ladder  ${host} detail → http \\(\\d+ compared, 0 moved up\\)`),
    );
    const urls = (await readFile(out, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { url: string }).url);
    expect(new Set(urls).size).toBe(details);
    expect(urls.length).toBe(details);
  });

  describe.skipIf(!redisUp)('on Redis', () => {
    const crawlId = newCrawlId();
    afterAll(async () => {
      const client = await connect();
      await dropCrawl(client, crawlId);
      await client.quit();
    });

    it('is shared by the workers: one joining later compares nothing', async () => {
      const { handler } = site({ on: false }, 200);
      const server = await startLocalServer(handler);
      const spider = await spiderFile(server.origin);
      const out = join(dir, 'redis-items.jsonl');
      const common = [spider, '--frontier', redisUrl, '--crawl-id', crawlId, '--concurrency', '2'];
      const first = start(['crawl', ...common, '-o', out]);
      const client = await connect();
      const host = new URL(server.origin).host;
      await waitFor(
        'the first worker to settle the detail pages in Redis',
        async () => {
          const json = await client.hGet(`${crawlPrefix(crawlId)}ladder`, `${host} detail`);
          return json && JSON.parse(json).rung === 'http' ? true : undefined;
        },
        { intervalMs: 25, timeoutMs: 30_000 },
      );
      await client.quit();
      const statsFile = join(dir, 'late-worker-stats.json');
      const second = start(['worker', ...common, '--stats', statsFile]);
      expect(await first.exit, first.err.text()).toBe(0);
      expect(await second.exit, second.err.text()).toBe(0);
      // The late worker fetched pages, and none of them twice: it used the shared choice from its first page.
      const late = JSON.parse(await readFile(statsFile, 'utf8')) as Stats;
      expect(late.pagesByRung.http).toBeGreaterThan(0);
      expect(late.pagesByRung.browser ?? 0).toBe(0);
      expect(late.comparisonFetches).toBe(0);
      const urls = (await readFile(out, 'utf8')).split('\n').filter(Boolean);
      expect(urls.length).toBe(details);
    });
  });
});
