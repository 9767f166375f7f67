import { afterAll, describe, expect, it } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { within } from '../helpers/wait.js';
import { connect, dropCrawl, newCrawlId, redisUp, redisUrl } from './redis-helpers.js';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

describe.skipIf(!redisUp)('a crawl whose Redis keys are deleted while it runs', () => {
  it('stops with AR_CRAWL_GONE instead of polling forever', async () => {
    const crawlId = newCrawlId();
    let arrived!: () => void;
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const site: LocalServer = await startLocalServer({
      '/': '<a href="/slow">slow</a>',
      '/slow': async (_req, res) => {
        arrived();
        await released;
        res.end('<title>slow</title>');
      },
    });
    closers.push(() => site.close());
    const client = await connect();
    closers.push(async () => {
      await dropCrawl(client, crawlId);
      await client.quit();
    });
    const spider = defineSpider({
      name: 'gone',
      start: [`${site.origin}/`],
      *parse(page) {
        if (page.url.endsWith('/')) yield page.follow('/slow', 'parse');
      },
    });
    const running = crawl(spider, {
      frontier: redisUrl,
      crawlId,
      robots: false,
      retries: 0,
      logLevel: 'silent',
    });
    running.catch(() => {});
    await within(slowArrived, 10_000, 'the slow page to be requested');
    await dropCrawl(client, crawlId);
    release();
    const error = await within(
      running.then(
        () => undefined,
        (reason: unknown) => reason,
      ),
      15_000,
      () => 'the crawl to stop after its keys were deleted',
    );
    expect(error).toMatchObject({ code: 'AR_CRAWL_GONE' });
    expect(String((error as Error).message)).toContain(crawlId);
  });
});

describe.skipIf(!redisUp)('arachne status', () => {
  it('says an unknown crawl id is unknown and exits non-zero', async () => {
    const crawlId = newCrawlId();
    const result = await runCli(['status', '--frontier', redisUrl, '--crawl-id', crawlId]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`no crawl "${crawlId}"`);
    expect(result.stdout).not.toMatch(/running/);
  });
});
