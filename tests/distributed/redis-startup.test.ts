// A worker that cannot start on Redis says why and exits, instead of retrying for ever: a refusal no retry fixes
// (credentials) at once, a Redis that is not there after the start-up deadline.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/distributed/index.js';
import { isCrawlError } from '../../src/index.js';
import { listen } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { redisUp } from './redis-helpers.js';

/** A port nothing listens on: taken from a server that is closed again. */
async function deadPort(): Promise<number> {
  const server = await listen(net.createServer());
  await server.close();
  return server.port;
}

describe.skipIf(!redisUp)('a worker starting on Redis', () => {
  it('with a password Redis does not take fails at once with AR_CONFIG naming the cause', async () => {
    const started = performance.now();
    const error = await connectRedis('redis://:not-the-password@127.0.0.1:6379', {
      connectTimeoutMs: 30_000,
    }).catch((caught: unknown) => caught);
    expect(isCrawlError(error) && error.code).toBe('AR_CONFIG');
    expect(String((error as Error).message)).toMatch(
      /^Redis at 127\.0\.0\.1:6379 refused this worker: .*AUTH/,
    );
    expect(String((error as Error).message)).not.toContain('not-the-password');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('that is not there gives up after connectTimeoutMs with AR_STORAGE', async () => {
    const port = await deadPort();
    const started = performance.now();
    const error = await connectRedis(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 600 }).catch(
      (caught: unknown) => caught,
    );
    expect(isCrawlError(error) && error.code).toBe('AR_STORAGE');
    expect(String((error as Error).message)).toContain(
      `cannot connect to Redis at 127.0.0.1:${port} (gave up after 600 ms)`,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('exits 2 from the CLI on a refused password and 1 on an absent Redis, each with one line', async () => {
    const refused = await runCli([
      'crawl',
      'http://127.0.0.1:9/',
      '--frontier',
      'redis://:not-the-password@127.0.0.1:6379',
      '--crawl-id',
      'startup-test',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused this worker');
    expect(refused.stderr).not.toContain('not-the-password');
    const port = await deadPort();
    const absent = await runCli([
      'crawl',
      'http://127.0.0.1:9/',
      '--frontier',
      `redis://127.0.0.1:${port}`,
      '--crawl-id',
      'startup-test',
    ]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(
      `cannot connect to Redis at 127.0.0.1:${port} (gave up after 10000 ms)`,
    );
  }, 45_000);
});
